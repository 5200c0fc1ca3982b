#pragma once
// EarlyStopping: stop when the monitored quantity has stopped improving.

#include "neuro/callbacks/callback.hpp"
#include "neuro/callbacks/monitor.hpp"
#include "neuro/model/sequential.hpp"

#include <limits>
#include <string>

namespace neuro {

/// Represents: Keras' EarlyStopping. After each epoch, a value better than the best by more
/// than min_delta resets the wait; otherwise the wait grows, and when it reaches patience
/// training stops. With restore_best_weights, the model ends with the weights of the best
/// epoch (whether or not training stopped early).
/// Requires: patience >= 0, min_delta >= 0 (checked); the monitored name in the epoch logs
/// (checked at the first epoch end).
template <Scalar T>
class EarlyStopping final : public Callback<T> {
public:
    explicit EarlyStopping(std::string monitor = "val_loss", double min_delta = 0, int patience = 0,
                           Mode mode = Mode::Auto, bool restore_best_weights = false)
        : monitor_(std::move(monitor), mode, min_delta, "EarlyStopping"), patience_(patience),
          restore_best_weights_(restore_best_weights) {
        if (patience < 0) fail("EarlyStopping: patience must be >= 0, got {}", patience);
    }

    void on_train_begin(Sequential<T>&, const TrainingPlan&) override {
        best_ = std::numeric_limits<double>::quiet_NaN();
        best_epoch_ = -1;
        stopped_epoch_ = -1;
        wait_ = 0;
    }

    void on_epoch_end(Sequential<T>& model, int epoch, const Logs& logs) override {
        const double value = monitor_.value(logs);
        if (monitor_.improves(value, best_)) {
            best_ = value;
            best_epoch_ = epoch;
            wait_ = 0;
            if (restore_best_weights_) best_weights_ = model.parameters();
            return;
        }
        if (++wait_ >= patience_) {  // patience epochs in a row without improvement
            stopped_epoch_ = epoch;
            model.stop_training();
        }
    }

    void on_train_end(Sequential<T>& model, const Logs&) override {
        if (restore_best_weights_ && best_epoch_ >= 0) model.parameters() = best_weights_;
    }

    double best() const { return best_; }
    /// The epoch (0-based) with the best value, -1 before any.
    int best_epoch() const { return best_epoch_; }
    /// The epoch (0-based) at whose end training stopped, -1 if it did not stop early.
    int stopped_epoch() const { return stopped_epoch_; }

private:
    Monitor monitor_;
    int patience_;
    bool restore_best_weights_;
    double best_ = std::numeric_limits<double>::quiet_NaN();
    int best_epoch_ = -1;
    int stopped_epoch_ = -1;
    int wait_ = 0;
    Vector<T> best_weights_;
};

}  // namespace neuro
