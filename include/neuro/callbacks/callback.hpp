#pragma once
// The callback interface: code that runs at the edges of fit's epochs and batches.

#include "neuro/core/types.hpp"

#include <functional>
#include <map>
#include <string>

namespace neuro {

template <Scalar T>
class Sequential;

/// What fit reports at the end of a batch or an epoch, by name: "loss" (at a batch end, the
/// running mean of the epoch so far), and at an epoch end also "val_loss" when there is
/// validation data. The transparent comparator lets callers look keys up without building
/// strings, so updating a prepared Logs allocates nothing.
using Logs = std::map<std::string, double, std::less<>>;

/// What fit is about to do, given to on_train_begin.
struct TrainingPlan {
    int initial_epoch = 0;        ///< the first epoch to run (0 unless resuming)
    int epochs = 0;               ///< the epoch after the last (Keras' meaning of epochs)
    Index steps_per_epoch = 0;    ///< batches per epoch
    Index batch_size = 0;         ///< samples per batch (the last one may have fewer)
    Index samples = 0;            ///< training samples per epoch
    Index validation_samples = 0;
};

/// Represents: a hook into fit. Every method has an empty default; override what you need.
/// Callbacks are given to fit by pointer and stay owned by the caller, so their state
/// (best score, stopped epoch) can be read after fit. To stop training, a callback calls
/// model.stop_training(); fit finishes the current batch and ends the epoch there.
template <Scalar T>
class Callback {
public:
    virtual ~Callback() = default;

    virtual void on_train_begin(Sequential<T>& /*model*/, const TrainingPlan& /*plan*/) {}
    virtual void on_epoch_begin(Sequential<T>& /*model*/, int /*epoch*/) {}
    virtual void on_batch_begin(Sequential<T>& /*model*/, int /*epoch*/, Index /*batch*/) {}
    virtual void on_batch_end(Sequential<T>& /*model*/, int /*epoch*/, Index /*batch*/, const Logs& /*logs*/) {}
    virtual void on_epoch_end(Sequential<T>& /*model*/, int /*epoch*/, const Logs& /*logs*/) {}
    virtual void on_train_end(Sequential<T>& /*model*/, const Logs& /*logs*/) {}

    /// When any callback returns true, a non-finite loss ends training quietly (keeping the
    /// weights of the last finite step) instead of throwing neuro::Error.
    virtual bool stops_on_non_finite_loss() const { return false; }

protected:
    Callback() = default;
    Callback(const Callback&) = default;
    Callback& operator=(const Callback&) = default;
};

/// A callback from functions: set the members you need.
template <Scalar T>
struct LambdaCallback final : Callback<T> {
    std::function<void(Sequential<T>&, const TrainingPlan&)> train_begin;
    std::function<void(Sequential<T>&, int)> epoch_begin;
    std::function<void(Sequential<T>&, int, Index)> batch_begin;
    std::function<void(Sequential<T>&, int, Index, const Logs&)> batch_end;
    std::function<void(Sequential<T>&, int, const Logs&)> epoch_end;
    std::function<void(Sequential<T>&, const Logs&)> train_end;

    void on_train_begin(Sequential<T>& model, const TrainingPlan& plan) override {
        if (train_begin) train_begin(model, plan);
    }
    void on_epoch_begin(Sequential<T>& model, int epoch) override {
        if (epoch_begin) epoch_begin(model, epoch);
    }
    void on_batch_begin(Sequential<T>& model, int epoch, Index batch) override {
        if (batch_begin) batch_begin(model, epoch, batch);
    }
    void on_batch_end(Sequential<T>& model, int epoch, Index batch, const Logs& logs) override {
        if (batch_end) batch_end(model, epoch, batch, logs);
    }
    void on_epoch_end(Sequential<T>& model, int epoch, const Logs& logs) override {
        if (epoch_end) epoch_end(model, epoch, logs);
    }
    void on_train_end(Sequential<T>& model, const Logs& logs) override {
        if (train_end) train_end(model, logs);
    }
};

}  // namespace neuro
