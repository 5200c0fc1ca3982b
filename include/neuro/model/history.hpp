#pragma once
// History and Evaluation: what fit and evaluate report.

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace neuro {

/// One entry per completed epoch.
struct History {
    /// The epoch's mean training loss: batch losses weighted by batch size, including the
    /// layers' regularization terms (as Keras reports it).
    std::vector<double> loss;
    /// The loss over the whole validation set at the end of the epoch; empty without
    /// validation data.
    std::vector<double> val_loss;
    /// The metrics given to compile, per epoch, by name: "accuracy" on the training data (as
    /// the model was while the epoch ran, dropout included, as Keras reports it) and
    /// "val_accuracy" on the validation data at the epoch's end.
    std::map<std::string, std::vector<double>> metrics;

    std::size_t epochs() const { return loss.size(); }
};

/// What evaluate measures over a whole data set.
struct Evaluation {
    double loss = 0;  ///< mean loss over all samples, including regularization terms
    std::map<std::string, double, std::less<>> metrics;  ///< the compiled metrics, by name
};

}  // namespace neuro
