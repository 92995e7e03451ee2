#!/usr/bin/env bash
# Builds and runs the fuzz targets on stable Rust: libFuzzer comes from the
# libfuzzer-sys crate, and the coverage instrumentation is rustc's stable
# `-C passes=sancov-module` (cargo-fuzz would need nightly only for the
# sanitizers, which Rust code without `unsafe` does not need).
#
#   fuzz/run.sh [TARGET] [libFuzzer options...]
#   fuzz/run.sh pipeline -runs=10000000
#
# The corpus starts from fixtures/ and grows in fuzz/corpus/TARGET; crashes
# land in fuzz/artifacts/TARGET. Neither is committed: a crash becomes a
# regression test in tests/ instead.
set -euo pipefail
cd "$(dirname "$0")"
target="${1:-pipeline}"
shift || true
triple="$(rustc -vV | sed -n 's/^host: //p')"
export RUSTFLAGS="--cfg fuzzing -C passes=sancov-module \
  -C llvm-args=-sanitizer-coverage-level=4 \
  -C llvm-args=-sanitizer-coverage-inline-8bit-counters \
  -C llvm-args=-sanitizer-coverage-pc-table \
  -C llvm-args=-sanitizer-coverage-trace-compares \
  -C debug-assertions -C overflow-checks"
# An explicit --target keeps RUSTFLAGS off build scripts and proc macros.
cargo build --release --target "$triple" --bin "$target"
corpus="corpus/$target"
mkdir -p "$corpus" "artifacts/$target"
if [ -z "$(ls -A "$corpus")" ]; then
  find ../fixtures -name '*.rs' -exec cp {} "$corpus/" \;
fi
exec "target/$triple/release/$target" -artifact_prefix="artifacts/$target/" \
  -max_len=65536 -dict=rust.dict "$@" "$corpus"
