#!/usr/bin/env bash
# neuro against its peers, in one command: installs what is missing (apt), builds neuro's
# benchmarks on Eigen's kernels and on OpenBLAS and the peers (PyTorch, libtorch, tiny-dnn,
# a plain Eigen loop), then runs W1, W2 and W3 at 1 and 2 threads, every system once per
# round and the rounds one after another, so that all systems share the machine's state.
# Also measures the GEMM limit (Eigen's and OpenBLAS's SGEMM at W3's shapes) and compile
# times, and writes the Markdown table of medians and ratios to benchmarks/RESULTS.md.
#
#   benchmarks/compare/run.sh            # REPEATS=3 rounds; OUT=path writes elsewhere
#
# Peers are not part of CI. Every run at N threads gets OPENBLAS_NUM_THREADS and
# OMP_NUM_THREADS set to N, and OMP_WAIT_POLICY=passive: idle OpenMP threads
# that spin steal the other core (PyTorch and libtorch use OpenMP). neuro's own workers do
# not read it: they poll, yielding their core, then sleep (include/neuro/core/thread_pool.hpp).
set -euo pipefail

repeats=${REPEATS:-3}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${OUT:-$root/benchmarks/RESULTS.md}
python=/usr/bin/python3  # Debian's, where python3-torch lives
work=$root/build/compare
results=$work/results.jsonl
export OMP_WAIT_POLICY=passive

# --- what is missing, installed --------------------------------------------------------------
packages=(g++ cmake ninja-build libeigen3-dev libfmt-dev nlohmann-json3-dev zlib1g-dev libbenchmark-dev
          dataset-fashion-mnist libopenblas-dev python3-torch libtorch-dev tiny-dnn libcereal-dev libstb-dev libgemmlowp-dev)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    sudo_cmd=()
    [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

# --- builds -------------------------------------------------------------------------------------
# neuro is header-only: its users compile it for their machine. NATIVE=ON (the default) builds
# neuro's programs and the plain Eigen loop with -march=native, as PyTorch and OpenBLAS pick
# their AVX2/FMA kernels at run time; NATIVE=OFF measures portable SSE2 code.
native=${NATIVE:-ON}
cd "$root"
neuro_build=build/compare-neuro
blas_build=build/compare-neuro-openblas
configure() {  # $1: build directory, rest: options
    local dir=$1
    shift
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNEURO_BUILD_TESTS=OFF -DNEURO_BUILD_BENCHMARKS=ON \
        -DNEURO_BENCH_NATIVE="$native" "$@" >/dev/null
}
configure $neuro_build -DNEURO_BUILD_EXAMPLES=ON
cmake --build $neuro_build --target bench_w1 bench_w1_plain_eigen bench_w2 bench_w3 bench_gemm_limit binary_classifier
configure $blas_build -DNEURO_BUILD_EXAMPLES=OFF -DNEURO_USE_BLAS=ON
cmake --build $blas_build --target bench_w2 bench_w3 bench_gemm_limit
cmake -S benchmarks/compare -B "$work" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work"

: >"$results"

# --- compile time: one translation unit at a time, from scratch --------------------------------
# $1: label; $2: object file in the neuro build. Seconds to compile it alone.
compile_seconds() {
    rm -f "$neuro_build/$2"
    local start end
    start=$(date +%s.%N)
    ninja -C $neuro_build -j1 "$2" >/dev/null
    end=$(date +%s.%N)
    echo "{\"system\":\"$1\",\"round\":0,\"result\":{\"compile_seconds\":$(awk -v a="$start" -v b="$end" 'BEGIN{print b-a}')}}" >>"$results"
}

# --- runs ---------------------------------------------------------------------------------------
neuro=$neuro_build/benchmarks
blas=$blas_build/benchmarks
peers=$work
# $1: system label, $2: round, rest: the command. Appends {"system","round","result"}.
record() {
    local system=$1 round=$2
    shift 2
    local json
    if json=$("$@" 2>/dev/null); then
        echo "{\"system\":\"$system\",\"round\":$round,\"result\":$json}" >>"$results"
        echo "$system round $round: $json"
    else
        echo "$system round $round: FAILED ($*)" >&2
    fi
}

# Once, before the runs: a compile takes a minute on a busy machine.
compile_seconds "compile binary_classifier (neuro, -O3)" examples/binary_classifier/CMakeFiles/binary_classifier.dir/main.cpp.o
compile_seconds "compile bench_w1 (neuro)" benchmarks/CMakeFiles/bench_w1.dir/end_to_end/w1.cpp.o
compile_seconds "compile bench_w1_plain_eigen (Eigen only)" \
    benchmarks/CMakeFiles/bench_w1_plain_eigen.dir/end_to_end/plain_eigen_w1.cpp.o
for round in $(seq 1 "$repeats"); do
    for threads in 1 2; do
        # OpenBLAS's own threads (PyTorch's and libtorch's GEMMs) ignore their framework's
        # thread setting: unbounded, PyTorch ran W2 at "1 thread" 1.3x faster, on both cores.
        export OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads
        r=(--threads "$threads" --repeats 1)
        # A W1 fit takes milliseconds: one alone is mostly process start-up and scheduler
        # noise, so each W1 program reports the median of 5 fits from the same weights.
        w1=(--threads "$threads" --repeats 5)
        # The limit's products take a tenth of a second in all, so one timing of each is at
        # the mercy of a single noisy moment (the 1-thread limit ranged from 140 to 168
        # GFLOP/s over one run's rounds): each is the median of 9.
        limit=(--threads "$threads" --repeats 9)
        tiny=$peers/tiny_dnn_workloads_single
        ((threads == 2)) && tiny=$peers/tiny_dnn_workloads
        record "W1/$threads/neuro" "$round" $neuro/bench_w1 "${w1[@]}"
        record "W1/$threads/plain-eigen" "$round" $neuro/bench_w1_plain_eigen "${w1[@]}"
        record "W1/$threads/pytorch" "$round" $python benchmarks/compare/pytorch_workloads.py W1 "${w1[@]}"
        record "W1/$threads/libtorch" "$round" "$peers/libtorch_workloads" W1 "${w1[@]}"
        record "W1/$threads/tiny-dnn" "$round" "$tiny" W1 --repeats 5
        record "W2/$threads/neuro" "$round" $neuro/bench_w2 "${r[@]}"
        record "W2/$threads/neuro-openblas" "$round" $blas/bench_w2 "${r[@]}"
        record "W2/$threads/pytorch" "$round" $python benchmarks/compare/pytorch_workloads.py W2 "${r[@]}"
        record "W2/$threads/libtorch" "$round" "$peers/libtorch_workloads" W2 "${r[@]}"
        record "W3/$threads/neuro" "$round" $neuro/bench_w3 "${r[@]}"
        record "W3/$threads/neuro-openblas" "$round" $blas/bench_w3 "${r[@]}"
        record "W3/$threads/pytorch" "$round" $python benchmarks/compare/pytorch_workloads.py W3 "${r[@]}"
        record "W3/$threads/libtorch" "$round" "$peers/libtorch_workloads" W3 "${r[@]}"
        record "W3/$threads/sgemm-eigen" "$round" $neuro/bench_gemm_limit "${limit[@]}"
        record "W3/$threads/sgemm-openblas" "$round" $blas/bench_gemm_limit "${limit[@]}"
    done
done

# --- the table ----------------------------------------------------------------------------------
$python benchmarks/compare/report.py "$results" --repeats "$repeats" --native "$native" >"$out"
echo "wrote $out"
