#!/usr/bin/env bash
# Counts the instructions of a parse-only run and of a whole run on one
# thread, with valgrind's callgrind: unlike wall time, the count is the same
# from run to run whatever else the machine is doing, so small changes can
# be compared. Needs valgrind (Debian: valgrind). Slow: about 50 times a
# normal run.
#
#   scripts/instructions.sh DIR...     # crates or workspaces on disk
#   FILES=200 scripts/instructions.sh  # a generated corpus of FILES files
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin cargo-connleak --example generate_corpus
bin="$PWD/target/release/cargo-connleak"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ $# -eq 0 ]; then
  target/release/examples/generate_corpus "$work/corpus" "${FILES:-200}"
  set -- "$work/corpus"
fi

count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

for dir in "$@"; do
  parse=$(count "$bin" --parse-only -j1 "$dir")
  whole=$(count "$bin" -j1 "$dir")
  python3 - "$dir" "$parse" "$whole" <<'PY'
import sys
name, parse, whole = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
print(f"{name}: parse-only {parse / 1e6:.0f}M, whole run {whole / 1e6:.0f}M instructions: {whole / parse:.2f}x")
PY
done
