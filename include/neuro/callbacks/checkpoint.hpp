#pragma once
// ModelCheckpoint: save the model during fit, every epoch or each time it improves.

#include "neuro/callbacks/callback.hpp"
#include "neuro/callbacks/monitor.hpp"
#include "neuro/core/error.hpp"
#include "neuro/model/persistence.hpp"
#include "neuro/model/sequential.hpp"

#include <fmt/args.h>
#include <fmt/format.h>

#include <filesystem>
#include <limits>
#include <string>
#include <utility>

namespace neuro {

/// Represents: Keras' ModelCheckpoint. At the end of each epoch it saves the model with
/// save_model (atomically: a crash mid-save leaves the previous file whole) to the path made
/// from path_pattern, whose placeholders are fmt's: "{epoch}" is the 1-based epoch number
/// ("{epoch:03}" pads it: 001) and any name in the epoch logs is its value ("{val_loss:.4f}").
/// With save_best_only, it saves only when the monitored value improves on the best so far;
/// the best is kept across fits of the same callback, so a resumed fit does not overwrite a
/// better checkpoint. With include_optimizer, the file also holds the optimizer's state and
/// the epoch, so load_model then fit with FitOptions::initial_epoch = saved_epoch(path) + 1
/// resumes exactly.
/// Requires: with save_best_only, the monitored name in the epoch logs (checked at the first
/// epoch end); placeholders the pattern can fill.
/// Errors: a pattern that cannot be filled, or a file that cannot be written, is a
/// neuro::Error naming the pattern or the path.
template <Scalar T>
class ModelCheckpoint final : public Callback<T> {
public:
    explicit ModelCheckpoint(std::string path_pattern, std::string monitor = "val_loss", bool save_best_only = false,
                             Mode mode = Mode::Auto, bool include_optimizer = false)
        : path_pattern_(std::move(path_pattern)), monitor_(std::move(monitor), mode, 0, "ModelCheckpoint"),
          save_best_only_(save_best_only), include_optimizer_(include_optimizer) {
        if (path_pattern_.empty()) fail("ModelCheckpoint: the path pattern is empty");
    }

    void on_epoch_end(Sequential<T>& model, int epoch, const Logs& logs) override {
        if (save_best_only_) {
            const double value = monitor_.value(logs);
            if (!monitor_.improves(value, best_)) return;
            best_ = value;
        }
        const std::filesystem::path path = path_for(epoch, logs);
        save_model(model, path, SaveOptions{.include_optimizer = include_optimizer_, .epoch = epoch});
        last_saved_ = path;
    }

    /// The best monitored value saved so far (NaN before any, or without save_best_only).
    double best() const { return best_; }
    /// The file saved last; empty before the first save.
    const std::filesystem::path& last_saved() const { return last_saved_; }

private:
    std::filesystem::path path_for(int epoch, const Logs& logs) const {
        fmt::dynamic_format_arg_store<fmt::format_context> arguments;
        arguments.push_back(fmt::arg("epoch", epoch + 1));
        for (const auto& [name, value] : logs) arguments.push_back(fmt::arg(name.c_str(), value));
        try {
            return fmt::vformat(path_pattern_, arguments);
        } catch (const fmt::format_error& error) {
            std::string names = "epoch";
            for (const auto& entry : logs) names += ", " + entry.first;
            fail("ModelCheckpoint: cannot make a path from the pattern \"{}\": {} (the placeholders it can use: {}; "
                 "write a literal brace as {{{{ or }}}})",
                 path_pattern_, error.what(), names);
        }
    }

    std::string path_pattern_;
    Monitor monitor_;
    bool save_best_only_;
    bool include_optimizer_;
    double best_ = std::numeric_limits<double>::quiet_NaN();
    std::filesystem::path last_saved_;
};

}  // namespace neuro
