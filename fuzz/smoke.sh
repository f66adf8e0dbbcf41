#!/usr/bin/env bash
# A short fuzz run: builds the targets, then runs each for a few seconds (default 10) from
# the seed corpora, one process at a time, at the lowest priority. Fails on any crash.
#   fuzz/smoke.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-10}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
./seed.sh >/dev/null
RUSTC_BOOTSTRAP=1 cargo fuzz build -s none -a
bin=target/x86_64-unknown-linux-gnu/release
for t in decode lines timestamp parse_regex parse_json parse_delimited definition pipeline; do
  work="$(mktemp -d)"
  # the seeds are read, new inputs go to a scratch directory: the run leaves no trace
  if ! nice -n 19 "$bin/$t" "$work" "corpus/$t" -artifact_prefix="$work/" \
      -max_total_time="$secs" -max_len=16384 -timeout=20 -rss_limit_mb=3072 \
      -print_final_stats=1 > "$work/log" 2>&1; then
    tail -40 "$work/log" >&2
    echo "fuzz smoke: $t crashed; its input is in $work" >&2
    exit 1
  fi
  echo "fuzz smoke: $t: $(grep -o 'number_of_executed_units: [0-9]*' "$work/log" | grep -o '[0-9]*$') runs in ${secs}s, no crash"
  rm -rf "$work"
done
