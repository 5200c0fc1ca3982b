#pragma once
// Building optimizers back from their type name and settings, as saved with a model.

#include "neuro/core/error.hpp"
#include "neuro/optimizers/adagrad.hpp"
#include "neuro/optimizers/adam.hpp"
#include "neuro/optimizers/optimizer.hpp"
#include "neuro/optimizers/rmsprop.hpp"
#include "neuro/optimizers/sgd.hpp"

#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace neuro {

/// A new optimizer of the built-in type `type` with the hyperparameters of settings() (and
/// its clipping norm). Throws neuro::Error for an unknown type or a missing setting.
template <Scalar T>
std::unique_ptr<Optimizer<T>> make_optimizer(std::string_view type, const std::map<std::string, double>& settings) {
    auto get_double = [&](const char* key) {
        const auto found = settings.find(key);
        if (found == settings.end()) fail("{} optimizer: the setting \"{}\" is missing", type, key);
        return found->second;
    };
    auto get = [&](const char* key) { return static_cast<T>(get_double(key)); };
    std::unique_ptr<Optimizer<T>> optimizer;
    if (type == "SGD")
        optimizer = std::make_unique<SGD<T>>(get("lr"), get("momentum"), get("nesterov") != T(0));
    else if (type == "Adam")
        optimizer = std::make_unique<Adam<T>>(get("lr"), get("beta1"), get("beta2"), get("eps"));
    else if (type == "AdamW")
        optimizer = std::make_unique<AdamW<T>>(get("lr"), get("weight_decay"), get("beta1"), get("beta2"), get("eps"));
    else if (type == "RMSprop")
        optimizer = std::make_unique<RMSprop<T>>(get("lr"), get("alpha"), get("eps"), get("momentum"));
    else if (type == "Adagrad")
        optimizer = std::make_unique<Adagrad<T>>(get("lr"));
    else
        fail("unknown optimizer type \"{}\"", type);
    // The learning rate is set from the double, not from T: a float model keeps its exact schedule.
    optimizer->set_learning_rate(get_double("lr"));
    optimizer->set_clip_norm(get_double("clip_norm"));
    return optimizer;
}

}  // namespace neuro
