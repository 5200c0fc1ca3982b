// Dense forward (Y = W X + b) and backward (dW, db and dX) at every layer shape of W1, W2
// and W3, with their batch sizes. Arguments: inputs, outputs, batch.

#include "micro/support.hpp"
#include "workloads.hpp"

namespace {

struct DenseCase {
    neuro::Dense<float> layer;
    neuro::Matrix<float> input;
    neuro::Matrix<float> output;

    explicit DenseCase(const benchmark::State& state)
        : layer(state.range(0), state.range(1)),
          input(neuro::Matrix<float>::Random(state.range(0), state.range(2))),
          output(state.range(1), state.range(2)) {
        layer.forward(bench::const_view(input), bench::view(output));
    }
};

void BM_DenseForward(benchmark::State& state) {
    DenseCase dense(state);
    for (auto _ : state) {
        dense.layer.forward(bench::const_view(dense.input), bench::view(dense.output));
        bench::keep(dense.output);
    }
    state.SetItemsProcessed(state.iterations() * state.range(2));
    bench::count_flops(state, bench::gemm_flops(state.range(1), state.range(2), state.range(0)));
}

// Backward with the input gradient, as every layer but a model's first computes it.
void BM_DenseBackward(benchmark::State& state) {
    DenseCase dense(state);
    const neuro::Matrix<float> output_gradient = neuro::Matrix<float>::Random(state.range(1), state.range(2));
    neuro::Matrix<float> input_gradient(state.range(0), state.range(2));
    for (auto _ : state) {
        dense.layer.backward(bench::const_view(dense.input), bench::const_view(dense.output),
                             bench::const_view(output_gradient), bench::view(input_gradient));
        bench::keep(input_gradient);
    }
    state.SetItemsProcessed(state.iterations() * state.range(2));
    bench::count_flops(state, 2 * bench::gemm_flops(state.range(1), state.range(2), state.range(0)));
}

void workload_shapes(benchmark::internal::Benchmark* benchmark) {
    benchmark->ArgNames({"in", "out", "batch"})->Unit(benchmark::kMicrosecond);
    for (const auto* workload : {&bench::w1, &bench::w2, &bench::w3})
        for (const auto& [inputs, outputs] : workload->layers)
            benchmark->Args({inputs, outputs, workload->batch_size});
}

}  // namespace

BENCHMARK(BM_DenseForward)->Apply(workload_shapes);
BENCHMARK(BM_DenseBackward)->Apply(workload_shapes);
