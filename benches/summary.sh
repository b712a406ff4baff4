#!/usr/bin/env bash
# Runs the side-by-side suite of issue 7 and prints its markdown table.
#
#   benches/summary.sh [criterion flags...]
#   benches/summary.sh --warm-up-time 1 --measurement-time 2   # a short run
#   SKIP_BENCH=1 benches/summary.sh                            # table of the last run only
#   BENCH_CLOCK=wall benches/summary.sh ...                    # wall time, not CPU time
#
# Rows 1-8 are criterion medians (target/criterion/<row>/<library>/new/estimates.json);
# row 9 runs the series_memory binary once per library (one process each).
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-$PWD/target}"
if [ "${SKIP_BENCH:-0}" != 1 ]; then
    cargo bench -p telemetry-benches --bench compare -- "$@" >&2
fi

cargo build --quiet -p telemetry-benches --release --bins
tsv="$target/series_memory.tsv"
: >"$tsv"
for library in telemetry prometheus-client prometheus metrics opentelemetry measured; do
    "$target/release/series_memory" "$library" >>"$tsv"
done

if [ "${BENCH_CLOCK:-}" = wall ]; then
    echo "Clock: wall time."
else
    echo "Clock: each thread's CPU time (BENCH_CLOCK=wall for wall time)."
fi
echo
"$target/release/bench_summary" "$target/criterion" "$tsv"
