#!/usr/bin/env bash
# Coverage-guided fuzzing of one target under AFL++ (afl.rs), for as long as you like:
#   fuzz/afl.sh trace 3600        # target (scenario, trace or hostfile), seconds (default 600)
# Needs cargo-afl on the stable toolchain: `cargo install cargo-afl`, then once
# `cargo afl config --build`. The seed corpus is the one the CI run mutates (fuzz/src/corpus.rs);
# findings land in target/afl/TARGET/out/default/crashes, each to be made a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz/afl.sh scenario|trace|hostfile [SECONDS]}
secs=${2:-600}
case $target in
  scenario) dirs=(models bench/scenarios fuzz/corpus/scenario); ext=toml ;;
  trace) dirs=(reports crates/cli/tests/fixtures fuzz/corpus/trace); ext=json ;;
  hostfile) dirs=(fuzz/corpus/hostfile); ext=txt ;;
  *) echo "unknown target $target (scenario, trace or hostfile)" >&2; exit 2 ;;
esac
# A target directory of its own: the instrumented build does not evict the usual one.
export CARGO_TARGET_DIR=target/afl
in=$CARGO_TARGET_DIR/$target/in
rm -rf "$in"
mkdir -p "$in" "$CARGO_TARGET_DIR/$target/out"
i=0
while IFS= read -r f; do
  cp "$f" "$in/$i.$ext"
  i=$((i + 1))
done < <(find "${dirs[@]}" -name "*.$ext" 2>/dev/null | sort)
cargo afl build -p weft-fuzz --features afl --bin weft-fuzz-afl
AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 WEFT_FUZZ_TARGET=$target \
  cargo afl fuzz -V "$secs" -i "$in" -o "$CARGO_TARGET_DIR/$target/out" \
  "$CARGO_TARGET_DIR/debug/weft-fuzz-afl"
