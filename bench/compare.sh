#!/bin/sh
# `cpo bench` side by side with the eager PyTorch reference (bench/eager_cpo_step.py, the same
# model and steps written the straightforward way on the same LibTorch): the two alternate
# REPEATS times in one run, so that both see the same machine, and the table shows each
# figure's median over the repetitions and the ratios the performance goals are about.
#
#   bench/compare.sh [CPO_BINARY]        (default build/ci/app/cpo; run from the repository)
#
# Environment: REPEATS (3), STEPS timed steps per stage (8), THREADS passed to both as
# --threads (unset: each library's default), ONLY the figures (matmul,mle,cpo,cpo-naive; add
# an,an-naive for sampling). OPENBLAS_CORETYPE, when set, reaches both processes.
# Needs Debian's python3-torch (sudo apt-get install python3-torch) for the system python3.
set -eu
cpo=${1:-build/ci/app/cpo}
here=$(dirname "$0")
repeats=${REPEATS:-3}
steps=${STEPS:-8}
only=${ONLY:-matmul,mle,cpo,cpo-naive}
threads=${THREADS:+--threads $THREADS}
# The eager script has no prompt-shared step nor a KV cache.
eager_only=$(echo "$only" | tr ',' '\n' | grep -v -x -e cpo -e an | paste -s -d, -)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

i=1
while [ "$i" -le "$repeats" ]; do
    echo "repetition $i of $repeats" >&2
    # shellcheck disable=SC2086 # $threads is two words or none
    "$cpo" bench --json --log-level warn --steps "$steps" --only "$only" $threads \
        > "$out/ours.$i.json"
    # shellcheck disable=SC2086
    /usr/bin/python3 "$here/eager_cpo_step.py" --steps "$steps" --only "$eager_only" $threads \
        > "$out/eager.$i.json"
    i=$((i + 1))
done

/usr/bin/python3 - "$out" "$repeats" <<'PY'
import json, statistics, sys
folder, repeats = sys.argv[1], int(sys.argv[2])
runs = {side: [json.load(open(f"{folder}/{side}.{i}.json")) for i in range(1, repeats + 1)]
        for side in ("ours", "eager")}

def figure(side, key, stage=None):
    values = [(r.get(key, {}).get(stage) if stage else r.get(key)) for r in runs[side]]
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None

def show(value):
    return "-" if value is None else f"{value:.3g}" if value < 10 else f"{value:.0f}"

first = runs["ours"][0]
print(f"BLAS {first['blas']} {first.get('blas_core', '')}, threads {first['threads']} "
      f"(BLAS {first.get('blas_threads')}), medians of {repeats} alternating runs")
print(f"{'figure':34} {'cpo bench':>12} {'eager':>12}")
rows = [("matmul_gflops (roof)", "matmul_gflops", None),
        ("mle_tokens_per_s", "mle_tokens_per_s", None), ("mfu", "mfu", None),
        ("cpo_step_ms (shared)", "cpo_step_ms", None),
        ("cpo_step_naive_ms", "cpo_step_naive_ms", None),
        ("an_tokens_per_s", "an_tokens_per_s", None),
        ("an_naive_tokens_per_s", "an_naive_tokens_per_s", None)]
for stage in ("mle_step", "cpo_step", "cpo_step_naive"):
    rows.append((f"cpu_ms {stage}", "cpu_ms", stage))
    rows.append((f"peak_rss_mb {stage}", "peak_rss_mb", stage))
for label, key, stage in rows:
    ours, eager = figure("ours", key, stage), figure("eager", key, stage)
    if ours is not None or eager is not None:
        print(f"{label:34} {show(ours):>12} {show(eager):>12}")

def ratios(label, mine, base, goal):
    per_run = [m / b for m, b in zip(mine, base) if m and b]
    if per_run:
        shown = " ".join(f"{r:.2f}" for r in per_run)
        print(f"{label:46} {statistics.median(per_run):.2f}  (runs: {shown}; goal {goal})")

def series(side, key, stage=None):
    return [(r.get(key, {}).get(stage) if stage else r.get(key)) for r in runs[side]]

print("ratios to eager's K-full-sequence step, per repetition (wall, then CPU time):")
eager_wall, eager_cpu = series("eager", "cpo_step_naive_ms"), series("eager", "cpu_ms",
                                                                       "cpo_step_naive")
ratios("cpo_step_naive_ms / eager", series("ours", "cpo_step_naive_ms"), eager_wall, "<= 1.0")
ratios("cpo_step_ms / eager", series("ours", "cpo_step_ms"), eager_wall, "<= 0.5")
ratios("cpu_ms cpo_step_naive / eager", series("ours", "cpu_ms", "cpo_step_naive"), eager_cpu,
       "<= 1.0")
ratios("cpu_ms cpo_step / eager", series("ours", "cpu_ms", "cpo_step"), eager_cpu, "<= 0.5")
ratios("peak_rss_mb cpo_step / eager naive", series("ours", "peak_rss_mb", "cpo_step"),
       series("eager", "peak_rss_mb", "cpo_step_naive"), "<= 1.0")
ratios("matmul_gflops / eager's roof", series("ours", "matmul_gflops"),
       series("eager", "matmul_gflops"), ">= 0.9")
PY
