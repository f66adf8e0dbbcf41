#!/usr/bin/env bash
# Whole-binary figures, side by side in one run: coroner against zcat on the same
# generated HAProxy log (lb-single-backend scaled with tools/samplegen --size), wall time
# and peak RSS. Usage: benches/compare.sh [SIZE]   (default 1GB; e.g. 2GB, 200MB)
set -euo pipefail
cd "$(dirname "$0")/.."
size="${1:-1GB}"
work="${BENCH_DIR:-$(mktemp -d)}"
echo "building (release)…" >&2
cargo build --release --quiet
cargo build --release --quiet --manifest-path tools/samplegen/Cargo.toml
gen=tools/samplegen/target/release/samplegen
[ -x "$gen" ] || gen=target/release/samplegen
bin=target/release/coroner

if [ ! -s "$work/lb1.log.gz" ]; then
  echo "generating lb-single-backend at $size into $work…" >&2
  "$gen" --scenario lb-single-backend --size "$size" --out "$work/gen" >/dev/null 2>&1
  logs="$work/gen/lb-single-backend/logs/lb1"
  # one file in time order: the oldest rotation first
  for f in haproxy.log.5.gz haproxy.log.4.gz haproxy.log.3.gz haproxy.log.2.gz haproxy.log.1 haproxy.log; do
    case "$f" in *.gz) zcat "$logs/$f" ;; *) cat "$logs/$f" ;; esac
  done > "$work/lb1.log"
  gzip -6 -k -f "$work/lb1.log"
fi
plain=$(stat -c %s "$work/lb1.log")
packed=$(stat -c %s "$work/lb1.log.gz")
printf 'input: %s lines, %.0f MB plain, %.0f MB gzip\n' "$(wc -l < "$work/lb1.log")" "$(awk "BEGIN{print $plain/1000000}")" "$(awk "BEGIN{print $packed/1000000}")"

run() { # name, command…
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/t" "$@" > /dev/null 2>"$work/err" || true
  read -r secs kb < "$work/t"
  printf '%-34s %8.2f s  %7.0f MB/s  %6.0f MB RSS' "$name" "$secs" "$(awk "BEGIN{print $plain/1000000/$secs}")" "$(awk "BEGIN{print $kb/1024}")"
  [ -n "${base:-}" ] && printf '  %5.2f× zcat' "$(awk "BEGIN{print $base/$secs}")"
  printf '\n'
  last=$secs
}
run "zcat lb1.log.gz" zcat "$work/lb1.log.gz"; base=$last
run "coroner timeline lb1.log.gz" "$bin" timeline --no-progress "$work/lb1.log.gz"
run "coroner report lb1.log.gz" "$bin" report --no-progress "$work/lb1.log.gz"
run "coroner events lb1.log.gz" "$bin" events --no-progress "$work/lb1.log.gz"
run "coroner timeline lb1.log (plain)" "$bin" timeline --no-progress "$work/lb1.log"
echo "(work files in $work; set BENCH_DIR to reuse them)" >&2
