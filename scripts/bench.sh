#!/usr/bin/env bash
# Compares a whole connleak run with a parse-only run (read + parse, check
# nothing: the hidden --parse-only switch) of the same files on the same
# threads: wall time on 1 and 2 threads with hyperfine, peak memory with
# GNU time. Needs hyperfine and /usr/bin/time (Debian: hyperfine, time).
#
#   scripts/bench.sh                # a generated corpus of $FILES files (1000)
#   scripts/bench.sh corpus DIR...  # the corpus, then crates or workspaces on disk
#   BENCH_TREES="DIR..." scripts/bench.sh
#                                   # the corpus, then every DIR that exists
#
# BENCH_TREES names real trees kept outside the repository (the ones
# BENCHMARKS.md measures: corrosion, rustc-perf, NVIDIA ncx-infra-controller-
# core, graph-node, atuin); those missing are skipped with a note. A DIR may
# be several paths joined with `+` (rustc-perf and its benchmark crates:
# "rustc-perf+rustc-perf/collector/compile-benchmarks/*/", globs expanded).
# RUNS sets hyperfine's runs per command (5). BASELINE=path/to/an/earlier/
# cargo-connleak runs that build on the same trees in the same hyperfine
# run, and gives the whole run's time, CPU and peak memory against it. The
# corpus is generated in a temporary folder and removed afterwards; it is
# never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin cargo-connleak --example generate_corpus
bin="$PWD/target/release/cargo-connleak"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
[ $# -eq 0 ] && set -- corpus
for tree in ${BENCH_TREES:-}; do
  if [ -e "${tree%%+*}" ]; then
    set -- "$@" "$tree"
  else
    echo "note: ${tree%%+*} is not there, skipped"
  fi
done

for dir in "$@"; do
  if [ "$dir" = corpus ]; then
    dir="$work/corpus"
    target/release/examples/generate_corpus "$dir" "${FILES:-1000}"
  fi
  # `a+b/*/` is several paths, checked as one run.
  dir=$(for part in ${dir//+/ }; do printf '%s ' $part; done)
  dir=${dir% }
  files=$(find $dir -name '*.rs' -not -path '*/target/*' | sort -u | wc -l)
  bytes=$(find $dir -name '*.rs' -not -path '*/target/*' -print0 | sort -zu | du -cb --files0-from=- | tail -1 | cut -f1)
  echo "== $dir: $files .rs files, $((bytes / 1024)) KiB"
  # connleak exits 1 on findings and 2 on files it cannot parse: not failures here.
  baseline=()
  if [ -n "${BASELINE:-}" ]; then
    baseline=(-n "baseline -j1" "$BASELINE -j1 $dir" -n "baseline -j2" "$BASELINE -j2 $dir")
  fi
  hyperfine --warmup 1 --runs "${RUNS:-5}" --ignore-failure --shell=none \
    --export-json "$work/times.json" \
    -n "parse-only -j1" "$bin --parse-only -j1 $dir" \
    -n "connleak -j1" "$bin -j1 $dir" \
    -n "parse-only -j2" "$bin --parse-only -j2 $dir" \
    -n "connleak -j2" "$bin -j2 $dir" \
    "${baseline[@]}"
  python3 - "$work/times.json" <<'PY'
import json, statistics, sys
results = json.load(open(sys.argv[1]))["results"]
runs = {r["command"]: r["median"] for r in results}
# CPU: user + system time, the median over the runs where hyperfine keeps
# each run's, else its mean.
def cpu_of(r):
    user, system = r["user"], r["system"]
    if isinstance(user, list):
        return statistics.median(u + s for u, s in zip(user, system))
    return user + system
cpu = {r["command"]: cpu_of(r) for r in results}
for j in ("-j1", "-j2"):
    print(f"connleak / parse-only {j}: {runs['connleak ' + j] / runs['parse-only ' + j]:.2f}x wall, "
          f"{cpu['connleak ' + j] / cpu['parse-only ' + j]:.2f}x CPU")
print(f"connleak -j1 / -j2: {runs['connleak -j1'] / runs['connleak -j2']:.2f}x faster on 2 threads")
print(f"parse-only -j1 / -j2: {runs['parse-only -j1'] / runs['parse-only -j2']:.2f}x")
for j in ("-j1", "-j2"):
    if "baseline " + j in runs:
        print(f"connleak / baseline {j}: {runs['connleak ' + j] / runs['baseline ' + j]:.2f}x wall, "
              f"{cpu['connleak ' + j] / cpu['baseline ' + j]:.2f}x CPU")
PY
  peak_of() {
    local peak=0 kb
    for _ in 1 2 3; do
      kb=$(/usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1) || true
      [ "$kb" -gt "$peak" ] && peak=$kb
    done
    echo "$((peak / 1024))"
  }
  echo "peak RSS --parse-only -j2: $(peak_of "$bin" --parse-only -j2 $dir) MiB"
  echo "peak RSS whole run -j2: $(peak_of "$bin" -j2 $dir) MiB"
  if [ -n "${BASELINE:-}" ]; then
    echo "peak RSS baseline -j2: $(peak_of "$BASELINE" -j2 $dir) MiB"
  fi
  { "$bin" -j2 --timings $dir 2>&1 >/dev/null || true; } | sed "s/^/  /"
done
