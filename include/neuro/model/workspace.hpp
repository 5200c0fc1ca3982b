#pragma once
// Workspace: the batch buffers of one pass through a model.

#include "neuro/core/types.hpp"

#include <algorithm>
#include <vector>

namespace neuro {

/// Represents: the activations (and, for training, their gradients) of every layer for one
/// batch, plus the batch's targets, each stored column-major as width x batch.
/// Ensures: buffers only grow; a batch no larger than any seen before reuses them, so a
/// training step allocates nothing once the first batch of its size has run, and a short
/// last batch after full ones costs nothing.
template <Scalar T>
class Workspace {
public:
    /// Makes room for batches of up to `batch` samples through layers of the given widths
    /// (widths[0] is the input width, widths[i + 1] the output width of layer i).
    void reserve(const std::vector<Index>& widths, Index target_width, Index batch, bool with_gradients) {
        if (widths != widths_) {
            widths_ = widths;
            offsets_.assign(widths.size() + 1, 0);
            for (std::size_t i = 0; i < widths.size(); ++i) offsets_[i + 1] = offsets_[i] + widths[i];
            capacity_ = 0;
        }
        const Index per_sample = offsets_.back();
        if (batch > capacity_ || target_width * batch > targets_.size()) {
            capacity_ = std::max(batch, capacity_);
            activations_.resize(per_sample * capacity_);
            targets_.resize(target_width * capacity_);
            if (with_gradients) gradients_.resize(per_sample * capacity_);
        }
        if (with_gradients && gradients_.size() < per_sample * capacity_) gradients_.resize(per_sample * capacity_);
    }

    /// Activation i (the input for i = 0, else layer i - 1's output): widths[i] x batch.
    MatrixView<T> activation(std::size_t i, Index batch) {
        return MatrixView<T>(activations_.data() + offsets_[i] * capacity_, widths_[i], batch);
    }

    /// The gradient of the loss with respect to activation(i), same shape.
    MatrixView<T> gradient(std::size_t i, Index batch) {
        return MatrixView<T>(gradients_.data() + offsets_[i] * capacity_, widths_[i], batch);
    }

    MatrixView<T> targets(Index target_width, Index batch) {
        return MatrixView<T>(targets_.data(), target_width, batch);
    }

private:
    std::vector<Index> widths_;
    std::vector<Index> offsets_;  // prefix sums of widths_: layer i's block starts at offsets_[i] * capacity_
    Index capacity_ = 0;          // samples per batch the buffers hold
    Vector<T> activations_;
    Vector<T> gradients_;
    Vector<T> targets_;
};

}  // namespace neuro
