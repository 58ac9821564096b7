#!/usr/bin/env bash
# Makes crates/cli/symbol-order.txt: the functions of weft's release binary that a few typical
# runs execute, which the link then keeps together (see crates/cli/build.rs). Run it again when
# the toolchain changes or the code a check runs has changed much: names the build no longer
# has are skipped, so a stale file costs memory, never correctness. Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "symbol-order.sh needs valgrind (apt-get install valgrind)" >&2; exit 2; }
cargo build --release -p weft
weft=target/release/weft
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
runs=(
  "check bench/scenarios/pt_frag_refcount_scaled_4x4.toml -j 1"
  "check bench/scenarios/pt_frag_refcount_scaled_4x4.toml -j 2"
  "check pt_frag/set_page_count_L"
  "check bench/scenarios/thp_merged_fix_3proc_A.toml -j 2"
  "check bench/scenarios/thp_merged_fix_3proc_M.toml -j 1 --frontier-memory 0"
  "check lang/migrate_vs_lookup_cmpxchg_freeze"
  "list"
  "--help"
  "check --help"
)
i=0
for run in "${runs[@]}"; do
  i=$((i + 1))
  echo "profiling: weft $run" >&2
  # shellcheck disable=SC2086 # the run's words are its arguments
  valgrind --tool=callgrind --demangle=no --compress-strings=no --compress-pos=no \
    --callgrind-out-file="$out/$i.out" "$weft" $run >/dev/null 2>"$out/$i.err" || true
done
# A cost line's function is the last fn= under an ob= naming the weft binary; callgrind names
# code it has no symbol for by its address, or "(below main)", and marks a function's
# recursive calls 'N.
awk '/^ob=/ { ours = ($0 ~ /\/weft$/) }
     /^fn=/ && ours && !/^fn=(0x|\()/ { sub(/\x27[0-9]+$/, ""); print substr($0, 4) }' "$out"/*.out \
  | LC_ALL=C sort -u > crates/cli/symbol-order.txt
echo "crates/cli/symbol-order.txt: $(wc -l < crates/cli/symbol-order.txt) functions" >&2
