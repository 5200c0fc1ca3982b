#!/usr/bin/env bash
# Builds the end-to-end benchmarks (release preset) and runs W1 (neuro, then its plain Eigen
# peer), W3 (neuro, then Eigen's GEMM limit) and W2, at 1 and then 2 threads, each program
# taking the median of its repeats. Prints each program's JSON as it comes, then the
# machine and a Markdown table. REPEATS (default 3) sets every program's --repeats.
set -euo pipefail

repeats=${REPEATS:-3}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin="$root/build/release/benchmarks"
# Each neuro program is followed by its peer, so that both see the same machine state.
programs=(bench_w1 bench_w1_plain_eigen bench_w3 bench_gemm_limit bench_w2)
thread_counts=(1 2)

cd "$root"
cmake --preset release >/dev/null
cmake --build --preset release --target "${programs[@]}"

# The value of the top-level "key" ($2) in a one-line JSON object ($1), without quotes.
field() { sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" <<<"$1" | tr -d '"'; }

# The lscpu field named $1.
cpu() { lscpu | sed -n "s/^$1: *//p"; }

# $1 / $2 with $3 decimals.
divide() { awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { printf "%.*f", d, a / b }'; }

declare -A results
for threads in "${thread_counts[@]}"; do
    for program in "${programs[@]}"; do
        json=$("$bin/$program" --threads "$threads" --repeats "$repeats")
        echo "$json"
        results[$program/$threads]=$json
    done
done

# One table row: workload, implementation, threads, seconds, the workload's figure, accuracy.
row() {
    local json=$1 seconds note="" figure accuracy="-"
    seconds=$(field "$json" median_seconds)
    if [[ -n $(field "$json" per_step_us) ]]; then
        figure="$(divide "$(field "$json" per_step_us)" 1 1) us/step"
    elif [[ -n $(field "$json" samples_per_second) ]]; then
        figure="$(divide "$(field "$json" samples_per_second)" 1 0) samples/s"
    else
        figure="$(divide "$(field "$json" gflops)" 1 1) GFLOP/s"
    fi
    if [[ -z $seconds ]]; then  # the GEMM limit times the products of one step, not a fit
        seconds=$(field "$json" step_seconds)
        note=" (one step's GEMMs)"
    fi
    if [[ -n $(field "$json" final_accuracy) ]]; then
        accuracy="$(divide "$(field "$json" final_accuracy)" 0.01 2)% ($(field "$json" accuracy_on))"
    fi
    echo "| $(field "$json" workload) | $(field "$json" implementation) | $(field "$json" threads) |" \
        "$(divide "$seconds" 1 4)$note | $figure | $accuracy |"
}

compiler=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' build/release/CMakeCache.txt)
echo
echo "Machine: $(cpu 'Model name'); CPUs: $(nproc), cores per socket: $(cpu 'Core(s) per socket')," \
    "threads per core: $(cpu 'Thread(s) per core'); $("$compiler" --version | head -1)"
echo
echo "Medians of $repeats repeats. Threads: the count Eigen's products really used."
echo
echo "| Workload | Implementation | Threads | Median s | Figure | Accuracy |"
echo "|---|---|---:|---:|---:|---:|"
for threads in "${thread_counts[@]}"; do
    for program in "${programs[@]}"; do row "${results[$program/$threads]}"; done
done
echo
echo "| Threads | W1 time, neuro / plain-eigen | W3 GFLOP/s, neuro / Eigen GEMM |"
echo "|---:|---:|---:|"
for threads in "${thread_counts[@]}"; do
    w1=$(divide "$(field "${results[bench_w1/$threads]}" median_seconds)" \
        "$(field "${results[bench_w1_plain_eigen/$threads]}" median_seconds)" 2)
    w3=$(divide "$(field "${results[bench_w3/$threads]}" gflops)" \
        "$(field "${results[bench_gemm_limit/$threads]}" gflops)" 2)
    echo "| $threads | $w1 | $w3 |"
done
echo
echo "W2 ran 1 epoch (its speed measure); its accuracy measure is bench_w2 --epochs 5."
