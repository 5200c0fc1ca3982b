#pragma once
// What the micro-benchmarks share: views of owned matrices, as layers and losses take them
// (writable for outputs, read-only for inputs), and a FLOP/s counter.

#include <neuro/neuro.hpp>

#include <benchmark/benchmark.h>

namespace bench {

inline neuro::MatrixView<float> view(neuro::Matrix<float>& matrix) {
    return neuro::MatrixView<float>(matrix.data(), matrix.rows(), matrix.cols());
}

inline neuro::ConstMatrixView<float> const_view(const neuro::Matrix<float>& matrix) {
    return neuro::ConstMatrixView<float>(matrix.data(), matrix.rows(), matrix.cols());
}

/// Reports `flops_per_iteration` as a rate, shown as FLOP/s.
inline void count_flops(benchmark::State& state, double flops_per_iteration) {
    state.counters["FLOP/s"] = benchmark::Counter(flops_per_iteration, benchmark::Counter::kIsIterationInvariantRate);
}

/// Keeps the compiler from dropping work whose only result is in `matrix`.
inline void keep(neuro::Matrix<float>& matrix) {
    benchmark::DoNotOptimize(matrix.data());
    benchmark::ClobberMemory();
}

}  // namespace bench
