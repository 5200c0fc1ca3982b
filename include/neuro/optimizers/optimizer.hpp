#pragma once
// The optimizer interface: one update of the model's whole parameter vector per step.

#include "neuro/core/error.hpp"
#include "neuro/core/parallel.hpp"
#include "neuro/core/types.hpp"
#include "neuro/core/vectorized.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <utility>
#include <vector>
#include <string>

namespace neuro {

/// Represents: an update rule over the model's parameters, which live in one contiguous
/// vector, so per-parameter state (moments, accumulators) is a vector of the same length
/// and an update is one pass over memory.
/// Requires: reset(count) before the first step; every step then passes vectors of `count`.
/// Ensures: update rules and defaults follow PyTorch's, so the same weights and batches give
/// the same weights within rounding. Options common to all: the learning rate (changeable
/// between steps) and clipping of the gradient by its global L2 norm (off by default).
template <Scalar T>
class Optimizer {
public:
    virtual ~Optimizer() = default;

    virtual std::string type_name() const = 0;
    virtual std::unique_ptr<Optimizer> clone() const = 0;

    double learning_rate() const { return learning_rate_; }
    void set_learning_rate(double learning_rate) {
        if (!(learning_rate >= 0) || !std::isfinite(learning_rate))
            fail("{}: the learning rate must be a finite number >= 0, got {}", type_name(), learning_rate);
        learning_rate_ = learning_rate;
    }

    /// Gradients whose global L2 norm exceeds max_norm are scaled down to it before each
    /// update, as torch.nn.utils.clip_grad_norm_ does; 0 turns clipping off.
    double clip_norm() const { return clip_norm_; }
    void set_clip_norm(double max_norm) {
        if (!(max_norm >= 0) || !std::isfinite(max_norm))
            fail("{}: the clipping norm must be a finite number >= 0 (0: off), got {}", type_name(), max_norm);
        clip_norm_ = max_norm;
    }

    /// Sizes the state for `count` parameters and zeroes it and the step count.
    void reset(Index count) {
        steps_ = 0;
        state_size_ = count;
        reset_state(count);
    }

    Index state_size() const { return state_size_; }
    std::int64_t steps() const { return steps_; }

    /// The hyperparameters that, with type_name(), rebuild this optimizer (saved with a
    /// model); always includes "lr" and "clip_norm".
    virtual std::map<std::string, double> settings() const = 0;

    /// Named views of the per-parameter state (moments, accumulators), each of state_size()
    /// or 0 elements, to save and, written back after reset, to resume training exactly.
    std::vector<std::pair<std::string, ConstVectorView<T>>> state() const { return state_views(); }
    std::vector<std::pair<std::string, VectorView<T>>> state() {
        std::vector<std::pair<std::string, VectorView<T>>> views;
        // This optimizer is not const here, so neither is the state the views show.
        for (const auto& [name, view] : state_views())
            views.emplace_back(name, VectorView<T>(const_cast<T*>(view.data()), view.size()));
        return views;
    }

    /// Sets the step count (it drives Adam's bias correction) when resuming from a checkpoint.
    void set_steps(std::int64_t steps) {
        if (steps < 0) fail("{}: the step count must be >= 0, got {}", type_name(), steps);
        steps_ = steps;
    }

    /// Clips gradients (in place) when clipping is on, then updates values in place. Returns
    /// whether every updated value is finite.
    bool step(VectorView<T> values, VectorView<T> gradients) {
        if (values.size() != state_size_ || gradients.size() != state_size_)
            fail("{}: step over {} parameters but the optimizer was reset for {}; compile the model again",
                 type_name(), values.size(), state_size_);
        if (clip_norm_ > 0) {
            const double norm = static_cast<double>(gradients.norm());
            const double scale = clip_norm_ / (norm + 1e-6);
            if (scale < 1) gradients *= T(scale);
        }
        ++steps_;
        // Chunk by chunk, each checked while it is still in cache: a separate pass over the
        // weights of a large model (25 MB in W3) would read them all again. A large model's
        // chunks are shared out over the threads.
        const Index size = values.size();
        const Index chunks = (size + update_chunk - 1) / update_chunk;
        return detail::all_slices(chunks, detail::pass_threads(double(size)), [&](Index first_chunk, Index count) {
            const Index end = std::min(size, (first_chunk + count) * update_chunk);
            bool finite = true;
            for (Index first = first_chunk * update_chunk; first < end; first += update_chunk) {
                const Index length = std::min(update_chunk, end - first);
                const VectorView<T> chunk(values.data() + first, length);
                update(first, chunk, ConstVectorView<T>(gradients.data() + first, length));
                finite = finite && detail::all_finite(chunk);
            }
            return finite;
        });
    }

protected:
    // The name is passed in because type_name() is not yet callable while the base is built.
    Optimizer(const char* name, double learning_rate) : learning_rate_(learning_rate) {
        require(learning_rate >= 0 && std::isfinite(learning_rate), name,
                "the learning rate must be a finite number >= 0", learning_rate);
    }
    Optimizer(const Optimizer&) = default;
    Optimizer& operator=(const Optimizer&) = default;

    /// The views state() returns; none for a rule without per-parameter state.
    virtual std::vector<std::pair<std::string, ConstVectorView<T>>> state_views() const { return {}; }
    virtual void reset_state(Index count) = 0;
    /// Updates the parameters [first, first + values.size()) of the step: per-parameter
    /// state is read and written from index `first` (see part()). Large models' steps call
    /// it from several threads at once, each on chunks of its own.
    virtual void update(Index first, VectorView<T> values, ConstVectorView<T> gradients) = 0;

    T lr() const { return static_cast<T>(learning_rate_); }

    /// settings() entries common to every optimizer.
    std::map<std::string, double> common_settings() const {
        return {{"lr", learning_rate_}, {"clip_norm", clip_norm_}};
    }

    static ConstVectorView<T> view(const Vector<T>& vector) {
        return ConstVectorView<T>(vector.data(), vector.size());
    }
    /// The elements [first, first + count) of per-parameter state.
    static VectorView<T> part(Vector<T>& state, Index first, Index count) {
        return VectorView<T>(state.data() + first, count);
    }

    static void require(bool condition, const char* optimizer, const char* what, double value) {
        if (!condition) fail("{}: {}, got {}", optimizer, what, value);
    }

private:
    // Parameters per update() call: 64 KiB of floats, so that a chunk is still in cache when
    // it is checked.
    static constexpr Index update_chunk = Index(1) << 14;

    double learning_rate_ = 0;
    double clip_norm_ = 0;
    Index state_size_ = 0;
    std::int64_t steps_ = 0;
};

}  // namespace neuro
