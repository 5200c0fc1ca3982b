#pragma once
// Learning-rate schedules: the rate as a function of the epoch, and ReduceLROnPlateau.

#include "neuro/callbacks/callback.hpp"
#include "neuro/callbacks/monitor.hpp"
#include "neuro/core/error.hpp"
#include "neuro/model/sequential.hpp"

#include <cmath>
#include <functional>
#include <limits>
#include <numbers>
#include <string>
#include <utility>

namespace neuro {

/// A schedule maps (epoch, current learning rate) to the learning rate of that epoch.
using Schedule = std::function<double(int epoch, double learning_rate)>;

/// initial * drop^floor(epoch / epochs_per_drop). Requires drop > 0, epochs_per_drop >= 1.
/// The initial rate of a schedule must be a finite number >= 0.
inline void check_initial_rate(const char* schedule, double initial) {
    if (!(initial >= 0) || !std::isfinite(initial))
        fail("{}: the initial learning rate must be a finite number >= 0, got {}", schedule, initial);
}

inline Schedule step_decay(double initial, double drop, int epochs_per_drop) {
    check_initial_rate("step_decay", initial);
    if (!(drop > 0) || epochs_per_drop < 1)
        fail("step_decay: needs drop > 0 and epochs_per_drop >= 1, got {} and {}", drop, epochs_per_drop);
    return [=](int epoch, double) { return initial * std::pow(drop, epoch / epochs_per_drop); };
}

/// initial * rate^epoch. Requires rate > 0.
inline Schedule exponential_decay(double initial, double rate) {
    check_initial_rate("exponential_decay", initial);
    if (!(rate > 0)) fail("exponential_decay: needs rate > 0, got {}", rate);
    return [=](int epoch, double) { return initial * std::pow(rate, epoch); };
}

/// Linear warm-up, initial * (epoch + 1) / warmup_epochs for the first warmup_epochs, then a
/// cosine from initial down to minimum at total_epochs (and minimum after).
/// Requires 0 <= warmup_epochs < total_epochs, 0 <= minimum <= initial.
inline Schedule cosine_with_warmup(double initial, int warmup_epochs, int total_epochs, double minimum = 0) {
    check_initial_rate("cosine_with_warmup", initial);
    if (warmup_epochs < 0 || warmup_epochs >= total_epochs || !(minimum >= 0 && minimum <= initial))
        fail("cosine_with_warmup: needs 0 <= warmup_epochs < total_epochs and 0 <= minimum <= initial, got "
             "warmup {}, total {}, initial {}, minimum {}",
             warmup_epochs, total_epochs, initial, minimum);
    return [=](int epoch, double) {
        if (epoch < warmup_epochs) return initial * (epoch + 1) / warmup_epochs;
        if (epoch >= total_epochs) return minimum;
        const double progress = double(epoch - warmup_epochs) / double(total_epochs - warmup_epochs);
        return minimum + 0.5 * (initial - minimum) * (1 + std::cos(std::numbers::pi * progress));
    };
}

/// Represents: Keras' LearningRateScheduler: at each epoch's start, sets the optimizer's
/// learning rate to schedule(epoch, current rate). A rate that is negative or not finite is
/// a neuro::Error naming the epoch.
template <Scalar T>
class LearningRateScheduler final : public Callback<T> {
public:
    explicit LearningRateScheduler(Schedule schedule) : schedule_(std::move(schedule)) {
        if (!schedule_) fail("LearningRateScheduler: the schedule is empty");
    }

    void on_epoch_begin(Sequential<T>& model, int epoch) override {
        const double rate = schedule_(epoch, model.optimizer().learning_rate());
        if (!(rate >= 0) || !std::isfinite(rate))
            fail("LearningRateScheduler: the schedule gave {} for epoch {} (epoch index {}); rates must be finite "
                 "and >= 0",
                 rate, epoch + 1, epoch);
        model.optimizer().set_learning_rate(rate);
    }

private:
    Schedule schedule_;
};

/// Represents: Keras' ReduceLROnPlateau: when the monitored value has not improved by more
/// than min_delta for `patience` epochs, multiplies the learning rate by factor (not below
/// min_lr), then waits `cooldown` epochs before counting again.
/// Requires: 0 < factor < 1, patience >= 0, cooldown >= 0, min_lr >= 0 (checked).
template <Scalar T>
class ReduceLROnPlateau final : public Callback<T> {
public:
    explicit ReduceLROnPlateau(std::string monitor = "val_loss", double factor = 0.1, int patience = 10,
                               Mode mode = Mode::Auto, double min_delta = 1e-4, int cooldown = 0,
                               double min_lr = 0)
        : monitor_(std::move(monitor), mode, min_delta, "ReduceLROnPlateau"), factor_(factor), patience_(patience),
          cooldown_(cooldown), min_lr_(min_lr) {
        if (!(factor > 0 && factor < 1)) fail("ReduceLROnPlateau: factor must be in (0, 1), got {}", factor);
        if (patience < 0 || cooldown < 0 || !(min_lr >= 0))
            fail("ReduceLROnPlateau: patience, cooldown and min_lr must be >= 0, got {}, {}, {}", patience,
                 cooldown, min_lr);
    }

    void on_train_begin(Sequential<T>&, const TrainingPlan&) override {
        best_ = std::numeric_limits<double>::quiet_NaN();
        wait_ = 0;
        cooldown_left_ = 0;
    }

    void on_epoch_end(Sequential<T>& model, int, const Logs& logs) override {
        const double value = monitor_.value(logs);
        if (cooldown_left_ > 0) {  // in cooldown nothing counts towards the next reduction
            --cooldown_left_;
            wait_ = 0;
        }
        if (monitor_.improves(value, best_)) {
            best_ = value;
            wait_ = 0;
            return;
        }
        if (cooldown_left_ > 0 || ++wait_ < patience_) return;
        const double current = model.optimizer().learning_rate();
        if (current > min_lr_) {
            model.optimizer().set_learning_rate(std::max(current * factor_, min_lr_));
            cooldown_left_ = cooldown_;
            wait_ = 0;
        }
    }

private:
    Monitor monitor_;
    double factor_;
    int patience_;
    int cooldown_;
    double min_lr_;
    double best_ = std::numeric_limits<double>::quiet_NaN();
    int wait_ = 0;
    int cooldown_left_ = 0;
};

}  // namespace neuro
