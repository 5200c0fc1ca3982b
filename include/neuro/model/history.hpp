#pragma once
// History and Evaluation: what fit and evaluate report.

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

    std::size_t epochs() const { return loss.size(); }
};

/// What evaluate measures over a whole data set.
struct Evaluation {
    double loss = 0;  ///< mean loss over all samples, including regularization terms
};

}  // namespace neuro
