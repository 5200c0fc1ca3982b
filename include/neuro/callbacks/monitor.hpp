#pragma once
// Monitor: which logged quantity a callback watches, and which way is better.

#include "neuro/callbacks/callback.hpp"
#include "neuro/core/error.hpp"

#include <cmath>
#include <string>
#include <utility>

namespace neuro {

/// Min: lower is better (losses). Max: higher is better (accuracy, AUC). Auto: Max for
/// names that contain "acc", "auc", "precision", "recall" or "f1", Min otherwise (as Keras).
enum class Mode { Auto, Min, Max };

/// Represents: a quantity in the epoch logs, its direction, and the best value seen.
/// Requires: min_delta >= 0 (checked). improves() counts only changes larger than min_delta.
class Monitor {
public:
    Monitor(std::string name, Mode mode, double min_delta, const char* owner)
        : name_(std::move(name)), higher_is_better_(resolve(name_, mode)), min_delta_(min_delta), owner_(owner) {
        if (!(min_delta >= 0)) fail("{}: min_delta must be >= 0, got {}", owner, min_delta);
    }

    const std::string& name() const { return name_; }
    bool higher_is_better() const { return higher_is_better_; }

    /// The monitored value in logs; a missing name is an error that lists what is there.
    double value(const Logs& logs) const {
        const auto found = logs.find(name_);
        if (found == logs.end()) {
            std::string available;
            for (const auto& entry : logs) available += (available.empty() ? "" : ", ") + entry.first;
            fail("{}: monitors \"{}\", which the epoch logs do not have (they have: {}); validation "
                 "quantities need validation data",
                 owner_, name_, available);
        }
        return found->second;
    }

    /// True when value is better than best by more than min_delta (always for the first).
    bool improves(double value, double best) const {
        if (std::isnan(best)) return !std::isnan(value);
        return higher_is_better_ ? value > best + min_delta_ : value < best - min_delta_;
    }

private:
    static bool resolve(const std::string& name, Mode mode) {
        if (mode != Mode::Auto) return mode == Mode::Max;
        for (const char* higher : {"acc", "auc", "precision", "recall", "f1"})
            if (name.find(higher) != std::string::npos) return true;
        return false;
    }

    std::string name_;
    bool higher_is_better_;
    double min_delta_;
    const char* owner_;
};

}  // namespace neuro
