#pragma once
// Workspace: the batch buffers of one pass through a model.

#include "neuro/core/huge_pages.hpp"
#include "neuro/core/types.hpp"
#include "neuro/layers/layer.hpp"

#include <algorithm>
#include <memory>
#include <span>
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
    /// Makes room for batches of up to `batch` samples through `layers` fed `input_width`
    /// features: activation i has the width layer i - 1 outputs. Allocates only when the
    /// widths change or the batch is larger than any before.
    void reserve(std::span<const std::unique_ptr<Layer<T>>> layers, Index input_width, Index target_width,
                 Index batch, bool with_gradients) {
        if (!has_widths(layers, input_width)) {
            widths_.assign(1, input_width);
            for (const auto& layer : layers) widths_.push_back(layer->output_width(widths_.back()));
            offsets_.assign(widths_.size() + 1, 0);
            for (std::size_t i = 0; i < widths_.size(); ++i) offsets_[i + 1] = offsets_[i] + widths_[i];
            capacity_ = 0;
        }
        const Index per_sample = offsets_.back();
        if (batch > capacity_ || target_width * batch > targets_.size()) {
            capacity_ = std::max(batch, capacity_);
            detail::resize_on_huge_pages(activations_, per_sample * capacity_);
            detail::resize_on_huge_pages(targets_, target_width * capacity_);
        }
        if (with_gradients && gradients_.size() < per_sample * capacity_)
            detail::resize_on_huge_pages(gradients_, per_sample * capacity_);
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
    bool has_widths(std::span<const std::unique_ptr<Layer<T>>> layers, Index input_width) const {
        if (widths_.size() != layers.size() + 1 || widths_[0] != input_width) return false;
        for (std::size_t i = 0; i < layers.size(); ++i)
            if (layers[i]->output_width(widths_[i]) != widths_[i + 1]) return false;
        return true;
    }

    std::vector<Index> widths_;
    std::vector<Index> offsets_;  // prefix sums of widths_: layer i's block starts at offsets_[i] * capacity_
    Index capacity_ = 0;          // samples per batch the buffers hold
    Vector<T> activations_;
    Vector<T> gradients_;
    Vector<T> targets_;
};

}  // namespace neuro
