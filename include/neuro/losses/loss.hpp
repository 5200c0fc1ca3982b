#pragma once
// The loss interface.

#include "neuro/core/error.hpp"
#include "neuro/core/types.hpp"
#include "neuro/layers/layer.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace neuro {

/// Represents: a scalar measure of how far a batch of predictions is from its targets,
/// averaged over the batch (and, where the loss says so, over outputs).
/// Shapes: prediction and logits are outputs x batch; target is target_width(outputs) x batch,
/// one column per sample.
/// Ensures: value and gradient are finite for every finite input, including probabilities
/// of exactly 0 or 1 and logits of +-100 (logs are clamped, or the fused form is used).
template <Scalar T>
class Loss {
public:
    virtual ~Loss() = default;

    virtual std::string type_name() const = 0;
    virtual std::unique_ptr<Loss> clone() const = 0;

    /// What, with type_name(), rebuilds this loss (saved with a model).
    virtual std::map<std::string, double> settings() const { return {}; }

    /// Rows of a target column for a model with `outputs` outputs (1 for class indices).
    virtual Index target_width(Index outputs) const { return outputs; }

    /// Why `value` cannot be a target for this loss, or nullopt when it can; the caller has
    /// already checked that it is finite.
    virtual std::optional<std::string> invalid_target(T /*value*/, Index /*outputs*/) const {
        return std::nullopt;
    }

    /// The mean loss of a batch of predictions.
    virtual T value(ConstMatrixView<T> prediction, ConstMatrixView<T> target) const = 0;

    /// d value / d prediction, written into gradient (outputs x batch).
    virtual void gradient(ConstMatrixView<T> prediction, ConstMatrixView<T> target,
                          MatrixView<T> gradient) const = 0;

    /// True when this loss has a fused, numerically stable form computed from the logits that
    /// `output_layer` turns into predictions (Sigmoid with binary cross-entropy, Softmax with
    /// categorical cross-entropy); the model then skips that layer in training.
    virtual bool fuses_with(const Layer<T>& /*output_layer*/) const { return false; }

    virtual T value_from_logits(ConstMatrixView<T> /*logits*/, ConstMatrixView<T> /*target*/) const {
        fail("{} has no fused form from logits", type_name());
    }

    virtual void gradient_from_logits(ConstMatrixView<T> /*logits*/, ConstMatrixView<T> /*target*/,
                                      MatrixView<T> /*gradient*/) const {
        fail("{} has no fused form from logits", type_name());
    }

    /// Both of the above in one call, as a training step needs them: losses whose value and
    /// gradient share work (softmax's normalizer) override it to do that work once.
    virtual T value_and_gradient_from_logits(ConstMatrixView<T> logits, ConstMatrixView<T> target,
                                             MatrixView<T> gradient) const {
        gradient_from_logits(logits, target, gradient);
        return value_from_logits(logits, target);
    }

protected:
    Loss() = default;
    Loss(const Loss&) = default;
    Loss& operator=(const Loss&) = default;

    /// log clamped below at -100, as PyTorch clamps it: log(0) would make the loss infinite.
    static T clamped_log(T probability) { return std::max(std::log(probability), T(-100)); }
};

}  // namespace neuro
