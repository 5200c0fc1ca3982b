#pragma once
// FitOptions: how Sequential::fit trains.

#include "neuro/core/types.hpp"
#include "neuro/preprocessing/augment.hpp"

#include <cstdint>
#include <iosfwd>
#include <map>
#include <vector>

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
    int verbose = 1;               ///< 0: silent; 1: progress (a bar on a terminal, else one
                                   ///< line per epoch)
    int initial_epoch = 0;         ///< the epoch to start at, when resuming (Keras' meaning)
    std::ostream* output = nullptr;  ///< where progress goes; nullptr: std::cout
    std::vector<double> sample_weight{};     ///< one weight per row of x (Keras' sample_weight);
                                             ///< empty: every sample weighs 1
    std::map<Index, double> class_weight{};  ///< class -> weight (Keras' class_weight); classes
                                             ///< left out weigh 1. Both scale the training loss
                                             ///< only: validation and evaluate stay unweighted
    Augmentation augmentation{};             ///< what is done to each training batch (off)
};

}  // namespace neuro
