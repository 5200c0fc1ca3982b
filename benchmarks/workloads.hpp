#pragma once
// The reference workloads W1, W2 and W3 (benchmarks/README.md): their layer shapes, batch
// sizes, models and the FLOP count by which W3 is judged, defined once for every benchmark.

#include <neuro/neuro.hpp>

#include <array>
#include <cstdint>
#include <string_view>

namespace bench {

/// The widths of one Dense layer.
struct DenseShape {
    neuro::Index inputs;
    neuro::Index outputs;
};

/// A workload's Dense layers (input to output, ReLU between them), batch size and epochs.
struct Workload {
    std::string_view name;
    std::array<DenseShape, 3> layers;
    neuro::Index batch_size;
    int epochs;  // for W2 the speed run's; its accuracy run takes 5
};

inline constexpr Workload w1{"W1", {{{10, 64}, {64, 64}, {64, 1}}}, 32, 10};
inline constexpr Workload w2{"W2", {{{784, 512}, {512, 256}, {256, 10}}}, 128, 1};
inline constexpr Workload w3{"W3", {{{1024, 2048}, {2048, 2048}, {2048, 10}}}, 512, 1};

/// The model seed every workload uses, so that each repeat starts from the same weights.
inline constexpr std::uint64_t model_seed = 42;

/// The flops of one GEMM of an M x K by a K x N matrix.
inline double gemm_flops(neuro::Index m, neuro::Index n, neuro::Index k) {
    return 2.0 * double(m) * double(n) * double(k);
}

/// The flops of one training step over `batch` samples as the workloads count them: per
/// Dense layer a forward, a weight-gradient and an input-gradient GEMM, except the first
/// layer's input gradient, which nothing needs.
inline double training_flops(const Workload& workload, neuro::Index batch) {
    double flops = 0;
    for (std::size_t i = 0; i < workload.layers.size(); ++i) {
        const auto [inputs, outputs] = workload.layers[i];
        flops += (i == 0 ? 2 : 3) * gemm_flops(outputs, batch, inputs);
    }
    return flops;
}

/// The workload's Dense and ReLU layers followed by `Output` (Sigmoid or Softmax), uncompiled.
template <class Output>
neuro::Sequential<float> dense_stack(const Workload& workload) {
    neuro::Sequential<float> model(model_seed);
    for (std::size_t i = 0; i < workload.layers.size(); ++i) {
        model.add(neuro::Dense<float>(workload.layers[i].inputs, workload.layers[i].outputs));
        if (i + 1 < workload.layers.size()) model.add(neuro::ReLU<float>());
    }
    model.add(Output());
    return model;
}

/// W1: Adam 1e-3 and binary cross-entropy (fused with the Sigmoid).
inline neuro::Sequential<float> w1_model() {
    auto model = dense_stack<neuro::Sigmoid<float>>(w1);
    model.compile(neuro::Adam<float>(1e-3f), neuro::BinaryCrossEntropy<float>());
    return model;
}

// W2 and W3 take class indices, as PyTorch's cross-entropy does: categorical cross-entropy
// without building one-hot targets (the same loss and gradient).

/// W2: Adam 1e-3 and categorical cross-entropy (fused with the Softmax).
inline neuro::Sequential<float> w2_model() {
    auto model = dense_stack<neuro::Softmax<float>>(w2);
    model.compile(neuro::Adam<float>(1e-3f), neuro::SparseCategoricalCrossEntropy<float>());
    return model;
}

/// W3: SGD 0.01 and categorical cross-entropy (fused with the Softmax).
inline neuro::Sequential<float> w3_model() {
    auto model = dense_stack<neuro::Softmax<float>>(w3);
    model.compile(neuro::SGD<float>(0.01f), neuro::SparseCategoricalCrossEntropy<float>());
    return model;
}

/// W1's data: the seed problem, 1000 samples x 10 features, standardized.
inline neuro::SyntheticData<float> w1_data() {
    auto data = neuro::make_binary_classification<float>(1000, 10);
    data.x = neuro::StandardScaler().fit_transform(data.x);
    return data;
}

inline constexpr neuro::Index w3_sample_count = 8192;
inline constexpr neuro::Index w3_class_count = 10;

/// 8192 x 1024 standard-normal features, and y: 8192 x 1 class indices drawn uniformly.
inline neuro::SyntheticData<float> w3_data() {
    neuro::Random random(3);
    const neuro::Index features = w3.layers[0].inputs;
    neuro::SyntheticData<float> data{neuro::Matrix<float>(w3_sample_count, features),
                                     neuro::Matrix<float>(w3_sample_count, 1)};
    for (neuro::Index i = 0; i < data.x.size(); ++i) data.x.data()[i] = float(random.normal());
    for (neuro::Index i = 0; i < w3_sample_count; ++i) data.y(i, 0) = float(random.below(w3_class_count));
    return data;
}

/// How fit trains `workload` for `epochs`: its batch size, shuffled, silent.
inline neuro::FitOptions fit_options(const Workload& workload, int epochs) {
    neuro::FitOptions options;
    options.epochs = epochs;
    options.batch_size = workload.batch_size;
    options.verbose = 0;
    return options;
}

/// The optimizer steps of `epochs` passes over `samples` (the last batch may be short).
inline int steps_of(const Workload& workload, neuro::Index samples, int epochs) {
    return epochs * int((samples + workload.batch_size - 1) / workload.batch_size);
}

}  // namespace bench
