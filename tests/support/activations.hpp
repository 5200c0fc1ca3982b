#pragma once
// Every activation layer, for the tests that check them all alike.

#include <neuro/layers/activations.hpp>

#include <memory>
#include <vector>

namespace neuro::testing {

/// One of each activation with its default settings, in the order of layers/activations.hpp:
/// ReLU, LeakyReLU, ELU, GELU, Sigmoid, Tanh, Softmax.
template <class T>
std::vector<std::unique_ptr<Layer<T>>> every_activation() {
    std::vector<std::unique_ptr<Layer<T>>> layers;
    layers.push_back(std::make_unique<ReLU<T>>());
    layers.push_back(std::make_unique<LeakyReLU<T>>());
    layers.push_back(std::make_unique<ELU<T>>());
    layers.push_back(std::make_unique<GELU<T>>());
    layers.push_back(std::make_unique<Sigmoid<T>>());
    layers.push_back(std::make_unique<Tanh<T>>());
    layers.push_back(std::make_unique<Softmax<T>>());
    return layers;
}

}  // namespace neuro::testing
