// Each loss's value and gradient together, as a training step needs them: from predictions,
// and in the fused form from logits where the loss has one (after Sigmoid or Softmax).
// Arguments: outputs x batch; items are samples. Shapes are the workloads' outputs: 1 x 32
// (W1), 10 x 128 (W2), 10 x 512 (W3).

#include "micro/support.hpp"

#include <type_traits>

namespace {

using BinaryCrossEntropy = neuro::BinaryCrossEntropy<float>;
using CategoricalCrossEntropy = neuro::CategoricalCrossEntropy<float>;
using SparseCategoricalCrossEntropy = neuro::SparseCategoricalCrossEntropy<float>;

template <class Loss>
constexpr bool is_categorical =
    std::is_same_v<Loss, CategoricalCrossEntropy> || std::is_same_v<Loss, SparseCategoricalCrossEntropy>;

/// Random targets of the kind `Loss` takes: 0/1 labels, one-hot columns, class indices
/// (1 x batch) or real values.
template <class Loss>
neuro::Matrix<float> random_targets(neuro::Index outputs, neuro::Index batch) {
    neuro::Random random(1);
    if constexpr (std::is_same_v<Loss, BinaryCrossEntropy>) {
        return neuro::Matrix<float>::NullaryExpr(outputs, batch, [&] { return float(random.below(2)); });
    } else if constexpr (std::is_same_v<Loss, CategoricalCrossEntropy>) {
        neuro::Matrix<float> one_hot = neuro::Matrix<float>::Zero(outputs, batch);
        for (neuro::Index j = 0; j < batch; ++j) one_hot(neuro::Index(random.below(std::uint64_t(outputs))), j) = 1;
        return one_hot;
    } else if constexpr (std::is_same_v<Loss, SparseCategoricalCrossEntropy>) {
        return neuro::Matrix<float>::NullaryExpr(1, batch, [&] { return float(random.below(std::uint64_t(outputs))); });
    } else {
        return neuro::Matrix<float>::Random(outputs, batch);
    }
}

/// Predictions of the kind `Loss` expects: probabilities after Sigmoid or Softmax, else
/// the logits themselves.
template <class Loss>
neuro::Matrix<float> predictions_from(const neuro::Matrix<float>& logits) {
    neuro::Matrix<float> predictions(logits.rows(), logits.cols());
    if constexpr (std::is_same_v<Loss, BinaryCrossEntropy>)
        neuro::Sigmoid<float>().forward(bench::const_view(logits), bench::view(predictions));
    else if constexpr (is_categorical<Loss>)
        neuro::Softmax<float>().forward(bench::const_view(logits), bench::view(predictions));
    else
        predictions = logits;
    return predictions;
}

template <class Loss>
void BM_ValueAndGradient(benchmark::State& state) {
    const Loss loss{};
    const neuro::Matrix<float> logits = 4.0f * neuro::Matrix<float>::Random(state.range(0), state.range(1));
    const neuro::Matrix<float> prediction = predictions_from<Loss>(logits);
    const neuro::Matrix<float> target = random_targets<Loss>(state.range(0), state.range(1));
    neuro::Matrix<float> gradient(prediction.rows(), prediction.cols());
    for (auto _ : state) {
        benchmark::DoNotOptimize(loss.value(bench::const_view(prediction), bench::const_view(target)));
        loss.gradient(bench::const_view(prediction), bench::const_view(target), bench::view(gradient));
        bench::keep(gradient);
    }
    state.SetItemsProcessed(state.iterations() * state.range(1));
}

template <class Loss>
void BM_ValueAndGradientFromLogits(benchmark::State& state) {
    const Loss loss{};
    const neuro::Matrix<float> logits = 4.0f * neuro::Matrix<float>::Random(state.range(0), state.range(1));
    const neuro::Matrix<float> target = random_targets<Loss>(state.range(0), state.range(1));
    neuro::Matrix<float> gradient(logits.rows(), logits.cols());
    for (auto _ : state) {
        benchmark::DoNotOptimize(loss.value_and_gradient_from_logits(bench::const_view(logits),
                                                                     bench::const_view(target), bench::view(gradient)));
        bench::keep(gradient);
    }
    state.SetItemsProcessed(state.iterations() * state.range(1));
}

void binary_shapes(benchmark::internal::Benchmark* benchmark) {
    benchmark->ArgNames({"outputs", "batch"})->Args({1, 32});
}

void categorical_shapes(benchmark::internal::Benchmark* benchmark) {
    benchmark->ArgNames({"outputs", "batch"})->Args({10, 128})->Args({10, 512});
}

void regression_shapes(benchmark::internal::Benchmark* benchmark) {
    benchmark->ArgNames({"outputs", "batch"})->Args({1, 32})->Args({10, 128});
}

}  // namespace

BENCHMARK_TEMPLATE(BM_ValueAndGradient, BinaryCrossEntropy)->Apply(binary_shapes);
BENCHMARK_TEMPLATE(BM_ValueAndGradientFromLogits, BinaryCrossEntropy)->Apply(binary_shapes);
BENCHMARK_TEMPLATE(BM_ValueAndGradient, CategoricalCrossEntropy)->Apply(categorical_shapes);
BENCHMARK_TEMPLATE(BM_ValueAndGradientFromLogits, CategoricalCrossEntropy)->Apply(categorical_shapes);
BENCHMARK_TEMPLATE(BM_ValueAndGradient, SparseCategoricalCrossEntropy)->Apply(categorical_shapes);
BENCHMARK_TEMPLATE(BM_ValueAndGradientFromLogits, SparseCategoricalCrossEntropy)->Apply(categorical_shapes);
BENCHMARK_TEMPLATE(BM_ValueAndGradient, neuro::MeanSquaredError<float>)->Apply(regression_shapes);
BENCHMARK_TEMPLATE(BM_ValueAndGradient, neuro::Huber<float>)->Apply(regression_shapes);
