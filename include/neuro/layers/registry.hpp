#pragma once
// Building layers back from their type name and settings, as saved with a model.

#include "neuro/core/error.hpp"
#include "neuro/init.hpp"
#include "neuro/layers/activations.hpp"
#include "neuro/layers/dense.hpp"
#include "neuro/layers/dropout.hpp"
#include "neuro/layers/layer.hpp"

#include <charconv>
#include <memory>
#include <string>
#include <string_view>

namespace neuro {

namespace detail {

/// The setting `key` of a `type` layer as a number; a missing or malformed one is an error.
template <class Number>
Number setting_as(const LayerSettings& settings, std::string_view type, const std::string& key) {
    const auto found = settings.find(key);
    if (found == settings.end()) fail("{} layer: the setting \"{}\" is missing", type, key);
    const std::string& text = found->second;
    Number value{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size())
        fail("{} layer: the setting \"{}\" is \"{}\", not a number", type, key, text);
    return value;
}

inline bool setting_as_bool(const LayerSettings& settings, std::string_view type, const std::string& key) {
    const auto found = settings.find(key);
    if (found == settings.end() || (found->second != "true" && found->second != "false"))
        fail("{} layer: the setting \"{}\" must be true or false", type, key);
    return found->second == "true";
}

template <Scalar T>
std::unique_ptr<Layer<T>> make_dense(const LayerSettings& settings) {
    const auto initializer_name = settings.contains("initializer") ? settings.at("initializer") : "";
    const auto initializer = initializer_from_string(initializer_name);
    if (!initializer) fail("Dense layer: unknown initializer \"{}\"", initializer_name);
    const DenseOptions options{.initializer = *initializer,
                               .use_bias = setting_as_bool(settings, "Dense", "use_bias"),
                               .l1 = setting_as<double>(settings, "Dense", "l1"),
                               .l2 = setting_as<double>(settings, "Dense", "l2")};
    return std::make_unique<Dense<T>>(setting_as<Index>(settings, "Dense", "inputs"),
                                      setting_as<Index>(settings, "Dense", "outputs"), options);
}

}  // namespace detail

/// A new layer of the built-in type `type` with the given settings (weights from its
/// initializer). Throws neuro::Error for an unknown type or bad settings.
template <Scalar T>
std::unique_ptr<Layer<T>> make_layer(std::string_view type, const LayerSettings& settings) {
    using detail::setting_as;
    if (type == "Dense") return detail::make_dense<T>(settings);
    if (type == "ReLU") return std::make_unique<ReLU<T>>();
    if (type == "LeakyReLU") return std::make_unique<LeakyReLU<T>>(setting_as<T>(settings, type, "negative_slope"));
    if (type == "ELU") return std::make_unique<ELU<T>>(setting_as<T>(settings, type, "alpha"));
    if (type == "GELU") return std::make_unique<GELU<T>>();
    if (type == "Sigmoid") return std::make_unique<Sigmoid<T>>();
    if (type == "Tanh") return std::make_unique<Tanh<T>>();
    if (type == "Softmax") return std::make_unique<Softmax<T>>();
    if (type == "Dropout") return std::make_unique<Dropout<T>>(setting_as<double>(settings, type, "rate"));
    fail("unknown layer type \"{}\": only neuro's built-in layers can be rebuilt from a file; for your own "
         "layers, build the model in code and call load_weights",
         type);
}

}  // namespace neuro
