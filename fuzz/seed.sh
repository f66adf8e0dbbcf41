#!/usr/bin/env bash
# Seed corpora for the fuzz targets, from small slices of the real corpus (tests/corpus),
# the shipped samples (samples/*/logs) and the format definitions (parsers/). Written to
# fuzz/corpus/TARGET/ (not committed: this script makes them again, byte for byte).
set -euo pipefail
cd "$(dirname "$0")"
root=..
out=corpus
rm -rf "$out"
mkdir -p "$out"/{decode,lines,parse_regex,parse_json,parse_delimited,timestamp,definition,pipeline}

# The first few KB of every log (decompressed), named after it.
slices="$(mktemp -d)"
trap 'rm -rf "$slices"' EXIT
n=0
while IFS= read -r f; do
  case "$f" in *.md) continue ;; esac
  n=$((n + 1))
  name="$(printf '%03d' "$n")-$(basename "$f" | tr -c 'A-Za-z0-9._-' '_')"
  if gzip -t "$f" 2>/dev/null; then gzip -dc "$f"; else cat "$f"; fi | head -c 4096 > "$slices/$name" || true
done < <(find "$root/tests/corpus" "$root"/samples/*/logs -type f | sort)

for s in "$slices"/*; do
  b="$(basename "$s")"
  head -c 2048 "$s" > "$out/pipeline/$b"
  head -c 2048 "$s" > "$out/parse_regex/$b"
  head -c 2048 "$s" > "$out/parse_json/$b"
  { printf '\x10'; head -c 1024 "$s"; } > "$out/lines/$b"
done
# compressed slices: the decoder's and the pipeline's
for s in $(ls "$slices"/* | awk 'NR % 4 == 1'); do
  b="$(basename "$s")"
  head -c 1024 "$s" | gzip -9n > "$out/decode/$b.gz"
  head -c 1024 "$s" | zstd -q -3 -c > "$out/decode/$b.zst"
  head -c 512 "$s" > "$out/decode/$b"
  cp "$out/decode/$b.gz" "$out/pipeline/$b.gz"
  cp "$out/decode/$b.zst" "$out/pipeline/$b.zst"
done
# delimited (Zeek TSV) slices keep their headers
for s in "$slices"/*zeek* "$slices"/*bro*; do
  [ -e "$s" ] && head -c 3072 "$s" > "$out/parse_delimited/$(basename "$s")"
done
cp "$root"/parsers/*.json "$out/definition/"
# timestamps: a spec index byte, then a stamp of each shape the definitions use
i=0
for t in '2024-04-04T22:00:01.123456789Z' '2024-04-05T03:30:01+05:30' '1712268001.123456' \
         '1712268001123' '21/Nov/2026:04:24:19.991' 'Nov  3 09:23:38' '2024/04/04 22:00:01' \
         '10/Oct/2000:13:55:36 -0700' '2016-12-31T23:59:60Z' '04/04/2024-22:00:01.123456' \
         'I0404 22:00:01.123456' '2024-04-04 22:00:01,123'; do
  for k in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    printf "\\x$(printf '%02x' "$k")%s" "$t" > "$out/timestamp/$i-$k"
  done
  i=$((i + 1))
done
printf '\xff%%Y-%%m-%%d %%H:%%M:%%S%%.f %%z\n2024-04-04 22:00:01.5 +0200' > "$out/timestamp/own-spec"
for d in "$out"/*; do echo "$(basename "$d"): $(ls "$d" | wc -l) seeds"; done
