#pragma once
// ProgressLogger: what fit prints with verbose = 1.

#include "neuro/callbacks/callback.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <ostream>
#include <string>
#include <utility>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

namespace neuro {

/// Represents: Keras-style progress on a stream.
/// On a terminal: "Epoch i/N" then a bar over the batches, redrawn in place with '\r' at most
/// ten times a second, with the elapsed time, ETA, samples/s and running loss; the epoch's
/// last redraw adds val_loss. Elsewhere (a pipe, a file, CI): one plain line per epoch,
/// "Epoch i/N - S steps - Xs - R samples/s - loss: L[ - val_loss: V]".
/// The clock is injectable so that tests can check the output exactly.
template <Scalar T>
class ProgressLogger final : public Callback<T> {
public:
    using Clock = std::function<double()>;  // seconds since any fixed origin

    ProgressLogger(std::ostream& out, bool terminal, Clock clock = steady_seconds)
        : out_(out), terminal_(terminal), clock_(std::move(clock)) {}

    /// True when out is std::cout and standard output is a terminal.
    static bool is_terminal(const std::ostream& out) {
#if defined(__unix__) || defined(__APPLE__)
        return &out == &std::cout && isatty(STDOUT_FILENO) == 1;
#else
        return false;
#endif
    }

    void on_train_begin(Sequential<T>&, const TrainingPlan& plan) override { plan_ = plan; }

    void on_epoch_begin(Sequential<T>&, int epoch) override {
        epoch_start_ = clock_();
        last_draw_ = -1.0;
        samples_seen_ = 0;
        batches_done_ = 0;
        if (terminal_) out_ << fmt::format("Epoch {}/{}\n", epoch + 1, plan_.epochs) << std::flush;
    }

    void on_batch_end(Sequential<T>&, int, Index batch, const Logs& logs) override {
        batches_done_ = batch + 1;
        samples_seen_ = std::min(plan_.samples, batches_done_ * plan_.batch_size);
        const double now = clock_();
        const bool last = batch + 1 == plan_.steps_per_epoch;
        if (!terminal_ || last || (last_draw_ >= 0 && now - last_draw_ < 0.1)) return;
        last_draw_ = now;
        out_ << '\r' << bar_line(batches_done_, now, false) << loss_fields(logs, false) << clear_to_end << std::flush;
    }

    /// Draws the batches run: fewer than the plan's when training stopped within the epoch.
    void on_epoch_end(Sequential<T>&, int epoch, const Logs& logs) override {
        const double elapsed = clock_() - epoch_start_;
        if (terminal_) {
            out_ << '\r' << bar_line(batches_done_, clock_(), true) << loss_fields(logs, true) << clear_to_end
                 << "\n" << std::flush;
            return;
        }
        out_ << fmt::format("Epoch {}/{} - {} steps - {} - {:.0f} samples/s", epoch + 1, plan_.epochs,
                            batches_done_, duration(elapsed), rate(samples_seen_, elapsed))
             << loss_fields(logs, true) << "\n"
             << std::flush;
    }

private:
    static double steady_seconds() {
        return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    }

    /// "420us", "850ms" or "12.3s": an epoch of a small model takes well under a millisecond.
    static std::string duration(double seconds) {
        if (seconds < 1e-3) return fmt::format("{:.0f}us", seconds * 1e6);
        if (seconds < 1) return fmt::format("{:.0f}ms", seconds * 1e3);
        return fmt::format("{:.1f}s", seconds);
    }

    static double rate(Index samples, double seconds) {
        return seconds > 0 ? static_cast<double>(samples) / seconds : 0.0;
    }

    // ANSI "erase to end of line": a redraw shorter than the last leaves no stale characters.
    static constexpr const char* clear_to_end = "\x1b[K";

    /// The bar after `done` batches; a finished epoch shows its time, an unfinished one the ETA.
    std::string bar_line(Index done, double now, bool finished) const {
        constexpr Index width = 30;
        const Index steps = std::max<Index>(plan_.steps_per_epoch, 1);
        const Index filled = done * width / steps;
        std::string bar(static_cast<std::size_t>(filled), '=');
        if (filled < width) bar += '>';
        bar.resize(static_cast<std::size_t>(width), '.');
        const double elapsed = now - epoch_start_;
        const double eta = done > 0 ? elapsed * static_cast<double>(steps - done) / static_cast<double>(done) : 0;
        const std::string timing = finished ? duration(elapsed) : "ETA: " + duration(eta);
        return fmt::format("{:>{}}/{} [{}] - {} - {:.0f} samples/s", done, fmt::formatted_size("{}", steps), steps,
                           bar, timing, rate(samples_seen_, elapsed));
    }

    /// " - loss: 0.1234"; when `all`, then the training metrics, val_loss and the validation
    /// metrics, in that order (as Keras prints them).
    static std::string loss_fields(const Logs& logs, bool all) {
        std::string fields;
        auto add = [&](const std::string& name, double value) { fields += fmt::format(" - {}: {:.4f}", name, value); };
        if (auto loss = logs.find("loss"); loss != logs.end()) add(loss->first, loss->second);
        if (!all) return fields;
        for (const auto& [name, value] : logs)
            if (name != "loss" && !name.starts_with("val_")) add(name, value);
        if (auto loss = logs.find("val_loss"); loss != logs.end()) add(loss->first, loss->second);
        for (const auto& [name, value] : logs)
            if (name != "val_loss" && name.starts_with("val_")) add(name, value);
        return fields;
    }

    std::ostream& out_;
    bool terminal_;
    Clock clock_;
    TrainingPlan plan_;
    double epoch_start_ = 0;
    double last_draw_ = -1.0;  // when the bar was last drawn this epoch; < 0 before the first draw
    Index samples_seen_ = 0;
    Index batches_done_ = 0;
};

}  // namespace neuro
