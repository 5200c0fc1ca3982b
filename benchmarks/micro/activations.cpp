// Each activation's forward and backward over a width x batch matrix: 64 x 32 (a W1 hidden
// layer) and 512 x 128 (W2's first). Items are matrix elements.

#include "micro/support.hpp"

namespace {

// Inputs in [-3, 3], so that every branch (negative and positive) is taken.
neuro::Matrix<float> random_input(const benchmark::State& state) {
    return 3.0f * neuro::Matrix<float>::Random(state.range(0), state.range(1));
}

template <class Activation>
void BM_Forward(benchmark::State& state) {
    const Activation activation{};
    const neuro::Matrix<float> input = random_input(state);
    neuro::Matrix<float> output(input.rows(), input.cols());
    for (auto _ : state) {
        activation.forward(bench::const_view(input), bench::view(output));
        bench::keep(output);
    }
    state.SetItemsProcessed(state.iterations() * input.size());
}

template <class Activation>
void BM_Backward(benchmark::State& state) {
    Activation activation;
    const neuro::Matrix<float> input = random_input(state);
    neuro::Matrix<float> output(input.rows(), input.cols());
    activation.forward(bench::const_view(input), bench::view(output));
    const neuro::Matrix<float> output_gradient = neuro::Matrix<float>::Random(input.rows(), input.cols());
    neuro::Matrix<float> input_gradient(input.rows(), input.cols());
    for (auto _ : state) {
        activation.backward(bench::const_view(input), bench::const_view(output),
                            bench::const_view(output_gradient), bench::view(input_gradient));
        bench::keep(input_gradient);
    }
    state.SetItemsProcessed(state.iterations() * input.size());
}

void shapes(benchmark::internal::Benchmark* benchmark) {
    benchmark->ArgNames({"width", "batch"})->Args({64, 32})->Args({512, 128});
}

}  // namespace

#define NEURO_ACTIVATION_BENCHMARKS(Activation)                   \
    BENCHMARK_TEMPLATE(BM_Forward, Activation)->Apply(shapes);    \
    BENCHMARK_TEMPLATE(BM_Backward, Activation)->Apply(shapes)

NEURO_ACTIVATION_BENCHMARKS(neuro::ReLU<float>);
NEURO_ACTIVATION_BENCHMARKS(neuro::LeakyReLU<float>);
NEURO_ACTIVATION_BENCHMARKS(neuro::ELU<float>);
NEURO_ACTIVATION_BENCHMARKS(neuro::GELU<float>);
NEURO_ACTIVATION_BENCHMARKS(neuro::Sigmoid<float>);
NEURO_ACTIVATION_BENCHMARKS(neuro::Tanh<float>);
NEURO_ACTIVATION_BENCHMARKS(neuro::Softmax<float>);
