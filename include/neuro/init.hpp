#pragma once
// Weight initializers: how a Dense layer's weights are drawn when it joins a model.

#include "neuro/core/random.hpp"
#include "neuro/core/types.hpp"

#include <cmath>
#include <optional>
#include <string_view>

namespace neuro {

/// Uniform variants draw from [-limit, limit]; normal variants from N(0, stddev^2)
/// (not truncated). fan_in is the layer's input width, fan_out its output width.
enum class Initializer {
    GlorotUniform,  ///< limit = sqrt(6 / (fan_in + fan_out)), the Keras default
    GlorotNormal,   ///< stddev = sqrt(2 / (fan_in + fan_out))
    HeUniform,      ///< limit = sqrt(6 / fan_in), for ReLU networks
    HeNormal,       ///< stddev = sqrt(2 / fan_in)
    LeCunUniform,   ///< limit = sqrt(3 / fan_in), for SELU/tanh networks
    LeCunNormal,    ///< stddev = sqrt(1 / fan_in)
    Zeros,
};

constexpr std::string_view to_string(Initializer initializer) {
    switch (initializer) {
        case Initializer::GlorotUniform: return "glorot_uniform";
        case Initializer::GlorotNormal: return "glorot_normal";
        case Initializer::HeUniform: return "he_uniform";
        case Initializer::HeNormal: return "he_normal";
        case Initializer::LeCunUniform: return "lecun_uniform";
        case Initializer::LeCunNormal: return "lecun_normal";
        case Initializer::Zeros: return "zeros";
    }
    return "unknown";
}

/// The initializer named name (as to_string writes it), or nullopt for an unknown name.
inline std::optional<Initializer> initializer_from_string(std::string_view name) {
    for (auto initializer : {Initializer::GlorotUniform, Initializer::GlorotNormal, Initializer::HeUniform,
                             Initializer::HeNormal, Initializer::LeCunUniform, Initializer::LeCunNormal,
                             Initializer::Zeros})
        if (to_string(initializer) == name) return initializer;
    return std::nullopt;
}

/// Fills weight (fan_out x fan_in) in column-major order from random.
template <Scalar T>
void initialize(MatrixView<T> weight, Initializer initializer, Random& random) {
    const double fan_in = static_cast<double>(weight.cols());
    const double fan_out = static_cast<double>(weight.rows());
    auto fill_uniform = [&](double limit) {
        for (Index i = 0; i < weight.size(); ++i)
            weight.data()[i] = static_cast<T>(random.uniform(-limit, limit));
    };
    auto fill_normal = [&](double stddev) {
        for (Index i = 0; i < weight.size(); ++i)
            weight.data()[i] = static_cast<T>(stddev * random.normal());
    };
    switch (initializer) {
        case Initializer::GlorotUniform: fill_uniform(std::sqrt(6.0 / (fan_in + fan_out))); break;
        case Initializer::GlorotNormal: fill_normal(std::sqrt(2.0 / (fan_in + fan_out))); break;
        case Initializer::HeUniform: fill_uniform(std::sqrt(6.0 / fan_in)); break;
        case Initializer::HeNormal: fill_normal(std::sqrt(2.0 / fan_in)); break;
        case Initializer::LeCunUniform: fill_uniform(std::sqrt(3.0 / fan_in)); break;
        case Initializer::LeCunNormal: fill_normal(std::sqrt(1.0 / fan_in)); break;
        case Initializer::Zeros: weight.setZero(); break;
    }
}

}  // namespace neuro
