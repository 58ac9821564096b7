#!/usr/bin/env bash
# Runs weft's whole test suite: formatting, lints, the API docs, and every test. Installs first what the
# tests need from Debian's packages (when run as root and something is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v cargo >/dev/null || { echo "cargo is required (https://rustup.rs)" >&2; exit 2; }
for tool in $(cat scripts/test-packages.txt 2>/dev/null | grep -v '^#' || true); do
  bin=${tool%%:*}; pkg=${tool##*:}
  command -v "$bin" >/dev/null || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # A half-finished earlier install (seen with perl upgrades) is repaired, then retried once.
    apt-get install -y -qq "${need[@]}" >/dev/null ||
      { apt-get -f install -y -qq >/dev/null && apt-get install -y -qq "${need[@]}" >/dev/null; }
  else
    echo "missing packages (install them, e.g. with apt-get): ${need[*]}" >&2
    exit 2
  fi
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
# Private items too: most of the doc comments are on them, and their links break as silently.
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet --document-private-items
cargo test --workspace
