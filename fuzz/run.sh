#!/usr/bin/env bash
# Runs fuzz targets one after the other, one process each, at the lowest priority.
#   fuzz/run.sh [-runs=N | -max_total_time=S] [TARGET...]   (default: -runs=10000000, all)
# Builds them first (stable Rust: RUSTC_BOOTSTRAP=1 lets cargo-fuzz use its nightly
# flags). No sanitizer (the code is safe Rust; zstd's C is the exception) and debug
# assertions on, so an integer overflow is a crash too. A crash leaves its input in
# fuzz/artifacts/TARGET/; copy it to tests/fuzz-regressions/TARGET/ with the fix.
set -euo pipefail
cd "$(dirname "$0")"
limit=-runs=10000000
case "${1:-}" in -runs=*|-max_total_time=*) limit="$1"; shift ;; esac
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(decode lines timestamp parse_regex parse_json parse_delimited definition pipeline)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
[ -d corpus ] || ./seed.sh >/dev/null
RUSTC_BOOTSTRAP=1 cargo fuzz build -s none -a
bin=target/x86_64-unknown-linux-gnu/release
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  echo "== $t ($limit)"
  nice -n 19 "$bin/$t" "corpus/$t" -artifact_prefix="artifacts/$t/" "$limit" \
    -max_len=16384 -timeout=20 -rss_limit_mb=3072 -print_final_stats=1 2>&1 \
    | grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|Done|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written)' || true
done
