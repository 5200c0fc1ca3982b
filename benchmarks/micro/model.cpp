// The W1 model as a whole: predict for one sample and for 1024, and one full training step
// (train_on_batch: input checks, forward, loss, backward, Adam) on a batch of 32.

#include "micro/support.hpp"
#include "workloads.hpp"

namespace {

void BM_PredictW1(benchmark::State& state) {
    const auto model = bench::w1_model();
    const neuro::Matrix<float> x = neuro::Matrix<float>::Random(state.range(0), bench::w1.layers[0].inputs);
    for (auto _ : state) benchmark::DoNotOptimize(model.predict(x));
    state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_TrainOnBatchW1(benchmark::State& state) {
    auto model = bench::w1_model();
    const auto data = bench::w1_data();
    const neuro::Index batch = bench::w1.batch_size;
    const neuro::Matrix<float> x = data.x.topRows(batch);
    const neuro::Matrix<float> y = data.y.topRows(batch);
    for (auto _ : state) benchmark::DoNotOptimize(model.train_on_batch(x, y));
    state.SetItemsProcessed(state.iterations() * batch);
    bench::count_flops(state, bench::training_flops(bench::w1, batch));
}

}  // namespace

BENCHMARK(BM_PredictW1)->ArgName("samples")->Arg(1)->Arg(1024);
BENCHMARK(BM_TrainOnBatchW1);
