#pragma once
// FitOptions: how Sequential::fit trains.

#include "neuro/core/types.hpp"

#include <cstdint>

namespace neuro {

/// A plain aggregate: set the fields you care about, the rest keep Keras' defaults.
struct FitOptions {
    int epochs = 1;                ///< passes over the training data; 0 trains nothing
    Index batch_size = 32;         ///< samples per step; the last batch of an epoch may be short
    bool shuffle = true;           ///< a fresh permutation of the training samples every epoch
    double validation_split = 0;   ///< in [0, 1): this fraction of the rows, taken from the end
                                   ///< before shuffling (as Keras), is held out for val_loss
    std::uint64_t seed = 0;        ///< drives shuffling and dropout (not the initial weights,
                                   ///< which come from the model's own seed)
    int verbose = 1;               ///< 0: silent; 1: one line per epoch on standard output
};

}  // namespace neuro
