#!/usr/bin/env bash
# Whole-binary figures, side by side in one run (issue #8): coroner beside zcat, the
# flate2 decode ceiling, a hand-written floor, lnav and GoAccess, on the same generated
# files; wall time, peak RSS, CPU time (user + system), and ratios from this run: to zcat
# and to the ceiling by wall time, and to the ceiling per core (plain bytes per CPU
# second, each side).
#
#   benches/compare.sh [SIZE]      SIZE of the generated scenario (default 1GB; 200MB, 10GB…)
#   BENCH_DIR=/some/dir benches/compare.sh    reuse generated files between runs
#   SKIP_PEERS=1 …                 coroner, zcat and the ceiling only
#
# Inputs (from tools/samplegen, scenario lb-single-backend, scaled to SIZE):
#   lb1.log.gz    lb1's HAProxy log, oldest rotation first, gzip -6
#   lb2.log.gz    lb2's HAProxy log (two inputs: scaling across cores)
#   nginx.log.gz  app1's nginx access log
#   mixed/        every log of the scenario (HAProxy, nginx, Suricata, syslog, k8s,
#                 Alertmanager, PagerDuty), rotated and gzip'd as generated
# The peers answer the same question as `coroner timeline`'s impact table: 5xx per
# minute (lnav: SQL over its syslog_log table; GoAccess: its status-code panel, with
# --hour-spec=min, its finest time grain). lnav and GoAccess come from the
# distribution's packages; the script installs them with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
size="${1:-1GB}"
work="${BENCH_DIR:-$(mktemp -d)}"
mkdir -p "$work"

if [ -z "${SKIP_PEERS:-}" ]; then
  for tool in lnav goaccess; do
    command -v "$tool" >/dev/null || { echo "installing $tool…" >&2; apt-get install -y -qq "$tool" >/dev/null; }
  done
fi
if [ -z "${NO_BUILD:-}" ]; then   # NO_BUILD=1: use the binaries already in target/release
  echo "building (release)…" >&2
  cargo build --release --quiet
  cargo build --release --quiet --example decode_ceiling --example lean_floor
  cargo build --release --quiet --manifest-path tools/samplegen/Cargo.toml
fi
gen=tools/samplegen/target/release/samplegen
bin=target/release/coroner
ceiling=target/release/examples/decode_ceiling
floor=target/release/examples/lean_floor

# One file per log, oldest rotation first.
concat() { # dir base
  local d=$1 b=$2
  for f in $(ls "$d" | grep -E "^$b(\.[0-9]+)?(\.gz)?$" | sort -t. -k3,3nr -k2,2nr); do
    case "$f" in *.gz) zcat "$d/$f" ;; *) cat "$d/$f" ;; esac
  done
}
if [ ! -s "$work/lb1.log.gz" ]; then
  if [ ! -d "$work/gen/lb-single-backend" ]; then
    echo "generating lb-single-backend at $size into $work…" >&2
    "$gen" --scenario lb-single-backend --size "$size" --out "$work/gen" >/dev/null 2>&1
  fi
  logs="$work/gen/lb-single-backend/logs"
  concat "$logs/lb1" haproxy.log > "$work/lb1.log"
  concat "$logs/lb2" haproxy.log | gzip -6 > "$work/lb2.log.gz"
  concat "$logs/app1/nginx" access.log | gzip -6 > "$work/nginx.log.gz"
  gzip -6 -k -f "$work/lb1.log"
  rm -rf "$work/mixed" && mv "$logs" "$work/mixed" && rm -rf "$work/gen"
fi
plain_of() { zcat "$1" | wc -c; }
lb1_plain=$(stat -c %s "$work/lb1.log")
printf 'lb1.log.gz:   %s lines, %.0f MB plain, %.0f MB gzip\n' "$(wc -l < "$work/lb1.log")" \
  "$(awk "BEGIN{print $lb1_plain/1e6}")" "$(awk "BEGIN{print $(stat -c %s "$work/lb1.log.gz")/1e6}")"
nginx_plain=$(plain_of "$work/nginx.log.gz")
printf 'nginx.log.gz: %.0f MB plain\n' "$(awk "BEGIN{print $nginx_plain/1e6}")"
mixed_plain=$(find "$work/mixed" -type f -exec sh -c 'case "$1" in *.gz) zcat "$1";; *) cat "$1";; esac' _ {} \; | wc -c)
printf 'mixed/:       %s files, %.0f MB plain\n' "$(find "$work/mixed" -type f | wc -l)" "$(awk "BEGIN{print $mixed_plain/1e6}")"
echo

run() { # name plain-bytes command…
  local name=$1 plain=$2; shift 2
  # Output goes to a file, except where the name says /dev/null (a few GB of events
  # written to disk would measure the disk).
  local out="$work/out"
  case "$name" in *"> /dev/null"*) out=/dev/null ;; esac
  /usr/bin/time -f "%e %M %U %S" -o "$work/t" "$@" > "$out" 2>"$work/err" || true
  read -r secs kb user sys < "$work/t"
  cpu=$(awk "BEGIN{print $user+$sys}")
  printf '%-44s %7.2f s %7.0f MB/s %6.0f MB RSS %6.2f s CPU' "$name" "$secs" "$(awk "BEGIN{print $plain/1e6/$secs}")" "$(awk "BEGIN{print $kb/1024}")" "$cpu"
  [ -n "${zcat_s:-}" ] && printf '  %5.2f× zcat' "$(awk "BEGIN{print ($plain/$secs)/($lb1_plain/$zcat_s)}")"
  [ -n "${ceil_s:-}" ] && printf '  %5.2f× ceiling  %5.2f× ceiling per core' \
    "$(awk "BEGIN{print ($plain/$secs)/($lb1_plain/$ceil_s)}")" \
    "$(awk "BEGIN{print ($plain/$cpu)/($lb1_plain/$ceil_cpu)}")"
  printf '\n'
  last=$secs
}
run "zcat lb1.log.gz" "$lb1_plain" zcat "$work/lb1.log.gz"; zcat_s=$last
run "flate2 decode+split ceiling (1 core)" "$lb1_plain" "$ceiling" "$work/lb1.log.gz"; ceil_s=$last; ceil_cpu=$cpu
# What a bare hand-written counter costs (examples/lean_floor.rs): the same counts, none
# of coroner's checks; then with each line checked whole, as telling parsed from
# rejected needs.
run "hand-written floor (1 core)" "$lb1_plain" "$floor" "$work/lb1.log.gz"
run "hand-written floor, lines checked (1 core)" "$lb1_plain" "$floor" --check "$work/lb1.log.gz"
run "coroner timeline lb1.log.gz" "$lb1_plain" "$bin" timeline --no-progress "$work/lb1.log.gz"
cp "$work/out" "$work/coroner-timeline.txt"
run "coroner report lb1.log.gz" "$lb1_plain" "$bin" report --no-progress "$work/lb1.log.gz"
run "coroner events lb1.log.gz > /dev/null" "$lb1_plain" "$bin" events --no-progress "$work/lb1.log.gz"
run "coroner timeline lb1.log.gz lb2.log.gz" "$((lb1_plain * 2))" "$bin" timeline --no-progress "$work/lb1.log.gz" "$work/lb2.log.gz"
run "coroner timeline nginx.log.gz" "$nginx_plain" "$bin" timeline --no-progress "$work/nginx.log.gz"
run "coroner events nginx.log.gz > /dev/null" "$nginx_plain" "$bin" events --no-progress "$work/nginx.log.gz"
run "coroner timeline mixed/" "$mixed_plain" "$bin" timeline --no-progress "$work/mixed"
run "coroner events mixed/ > /dev/null" "$mixed_plain" "$bin" events --no-progress "$work/mixed"

if [ -z "${SKIP_PEERS:-}" ]; then
  echo
  echo "same question (5xx per minute) on lb1.log.gz:"
  run "lnav -n (SQL: 5xx per minute)" "$lb1_plain" lnav -n -c ";SELECT strftime('%Y-%m-%d %H:%M', log_time) AS minute, count(*) FROM syslog_log WHERE CAST(regexp_match('-?\\d+/-?\\d+/-?\\d+/-?\\d+/\\+?\\d+ (-?\\d+) ', log_body) AS INTEGER) >= 500 GROUP BY minute" "$work/lb1.log.gz"
  # GoAccess 1.7 (Debian) does not read gzip: zcat feeds it, on the other core.
  run "zcat | goaccess (status codes, --hour-spec=min)" "$lb1_plain" bash -c 'zcat "$1" | goaccess - "${@:2}"' _ "$work/lb1.log.gz" \
    --log-format='%^ %^ %^ %^: %h:%^ [%d:%t.%^] %^ %^/%^ %^/%^/%^/%^/%L %s %b %^ %^ %^ %^ %^ {%^} "%r"' \
    --date-format='%d/%b/%Y' --time-format='%H:%M:%S' --hour-spec=min --no-progress -o "$work/goaccess.json"
fi
echo "(work files in $work; set BENCH_DIR to reuse them)" >&2
