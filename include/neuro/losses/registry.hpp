#pragma once
// Building losses back from their type name and settings, as saved with a model.

#include "neuro/core/error.hpp"
#include "neuro/losses/binary_cross_entropy.hpp"
#include "neuro/losses/categorical_cross_entropy.hpp"
#include "neuro/losses/huber.hpp"
#include "neuro/losses/loss.hpp"
#include "neuro/losses/mean_squared_error.hpp"
#include "neuro/losses/sparse_categorical_cross_entropy.hpp"

#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace neuro {

/// A new loss of the built-in type `type` with the given settings. Throws neuro::Error for an
/// unknown type or a missing setting.
template <Scalar T>
std::unique_ptr<Loss<T>> make_loss(std::string_view type, const std::map<std::string, double>& settings) {
    if (type == "BinaryCrossEntropy") return std::make_unique<BinaryCrossEntropy<T>>();
    if (type == "CategoricalCrossEntropy") return std::make_unique<CategoricalCrossEntropy<T>>();
    if (type == "SparseCategoricalCrossEntropy") return std::make_unique<SparseCategoricalCrossEntropy<T>>();
    if (type == "MeanSquaredError") return std::make_unique<MeanSquaredError<T>>();
    if (type == "Huber") {
        const auto delta = settings.find("delta");
        if (delta == settings.end()) fail("Huber loss: the setting \"delta\" is missing");
        return std::make_unique<Huber<T>>(static_cast<T>(delta->second));
    }
    fail("unknown loss type \"{}\"", type);
}

}  // namespace neuro
