// One optimizer step over all of a model's parameters: 4929 (W1's model) and 535818 (W2's).
// Items are parameters updated.

#include "micro/support.hpp"

namespace {

template <class Optimizer>
void BM_Step(benchmark::State& state, Optimizer optimizer) {
    const neuro::Index count = state.range(0);
    neuro::Vector<float> values = neuro::Vector<float>::Random(count);
    // Small gradients, so that values stay far from overflow however long the benchmark runs.
    neuro::Vector<float> gradients = 1e-3f * neuro::Vector<float>::Random(count);
    optimizer.reset(count);
    const neuro::VectorView<float> values_view(values.data(), count);
    const neuro::VectorView<float> gradients_view(gradients.data(), count);
    for (auto _ : state) {
        optimizer.step(values_view, gradients_view);
        benchmark::DoNotOptimize(values.data());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * count);
}

void parameter_counts(benchmark::internal::Benchmark* benchmark) {
    benchmark->ArgName("parameters")->Arg(4929)->Arg(535818);
}

}  // namespace

BENCHMARK_CAPTURE(BM_Step, SGD, neuro::SGD<float>(0.01f))->Apply(parameter_counts);
BENCHMARK_CAPTURE(BM_Step, SGD_momentum, neuro::SGD<float>(0.01f, 0.9f))->Apply(parameter_counts);
BENCHMARK_CAPTURE(BM_Step, SGD_nesterov, neuro::SGD<float>(0.01f, 0.9f, true))->Apply(parameter_counts);
BENCHMARK_CAPTURE(BM_Step, Adam, neuro::Adam<float>(1e-3f))->Apply(parameter_counts);
BENCHMARK_CAPTURE(BM_Step, AdamW, neuro::AdamW<float>(1e-3f))->Apply(parameter_counts);
BENCHMARK_CAPTURE(BM_Step, RMSprop, neuro::RMSprop<float>(1e-2f))->Apply(parameter_counts);
BENCHMARK_CAPTURE(BM_Step, Adagrad, neuro::Adagrad<float>(1e-2f))->Apply(parameter_counts);
