#pragma once
// W2 of the reference workloads (the Fashion-MNIST MLP) as the examples train it: shared by
// fashion_mnist and mpi_data_parallel, so that both train the same model.

#include <neuro/neuro.hpp>

#include <cstdint>

namespace w2 {

constexpr neuro::Index batch_size = 128;
constexpr float learning_rate = 1e-3f;

/// Dense(784, 512) ReLU Dense(512, 256) ReLU Dense(256, 10) Softmax, weights drawn from
/// `seed`, compiled with Adam and sparse categorical cross-entropy, reporting accuracy.
inline neuro::Sequential<float> model(std::uint64_t seed) {
    neuro::Sequential<float> model(seed);
    model.add(neuro::Dense<float>(784, 512))
        .add(neuro::ReLU<float>())
        .add(neuro::Dense<float>(512, 256))
        .add(neuro::ReLU<float>())
        .add(neuro::Dense<float>(256, 10))
        .add(neuro::Softmax<float>());
    model.compile(neuro::Adam<float>(learning_rate), neuro::SparseCategoricalCrossEntropy<float>(), {"accuracy"});
    return model;
}

}  // namespace w2
