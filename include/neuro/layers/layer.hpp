#pragma once
// The layer interface every Sequential model is built from.

#include "neuro/core/random.hpp"
#include "neuro/core/types.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace neuro {

/// A layer's settings as text, by name: with the type name, enough to rebuild it.
using LayerSettings = std::map<std::string, std::string>;

/// One step of a feed-forward network, runtime-polymorphic and templated only on the scalar.
///
/// Represents: a function from a batch of inputs (input width x batch, one column per sample)
/// to a batch of outputs (output width x batch), with optional trainable parameters.
/// Requires: callers size every view before the call; forward and backward never allocate,
/// never resize, and never check shapes (the model checks them once, at its boundary).
/// Ensures: forward is const, so one layer may serve several threads at once; backward
/// writes the gradient of the loss with respect to the layer's parameters into the gradient
/// buffer (overwriting, not accumulating) and, when input_gradient is not empty, the
/// gradient with respect to the input.
template <Scalar T>
class Layer {
public:
    virtual ~Layer() = default;

    /// The class name users know the layer by ("Dense", "ReLU").
    virtual std::string type_name() const = 0;

    /// The input width the layer requires, or nullopt for layers that accept any width and
    /// keep it (activations, dropout).
    virtual std::optional<Index> input_width() const { return std::nullopt; }

    /// What, with type_name(), rebuilds this layer (weights aside); saved with the model.
    virtual LayerSettings settings() const { return {}; }

    virtual Index output_width(Index input_width) const { return input_width; }

    virtual Index parameter_count() const { return 0; }

    /// Points the parameters and their gradients at the given storage (parameter_count()
    /// elements each). Values are not copied: the caller fills them.
    virtual void bind_parameters(T* /*values*/, T* /*gradients*/) {}

    /// The parameters and their gradients as flat vectors (empty for layers without any).
    virtual VectorView<T> parameter_values() { return VectorView<T>(nullptr, 0); }
    virtual VectorView<T> parameter_gradients() { return VectorView<T>(nullptr, 0); }

    /// Draws fresh parameter values.
    virtual void initialize_parameters(Random& /*random*/) {}

    /// The regularization term this layer adds to the loss (0 for most layers).
    virtual double regularization_penalty() const { return 0.0; }

    virtual std::unique_ptr<Layer> clone() const = 0;

    /// Inference: input (in x B) -> output (out x B).
    virtual void forward(ConstMatrixView<T> input, MatrixView<T> output) const = 0;

    /// Training forward pass; differs from forward only for training-only layers (dropout),
    /// which draw from random and remember what backward needs.
    virtual void forward_training(ConstMatrixView<T> input, MatrixView<T> output, Random& /*random*/) {
        forward(input, output);
    }

    /// Given the forward pass's input and output and the gradient of the loss with respect
    /// to output, writes parameter gradients and (when input_gradient is not empty) the
    /// gradient with respect to input. input_gradient is empty only for a layer with
    /// parameters that comes first in its model; layers without parameters always get one.
    virtual void backward(ConstMatrixView<T> input, ConstMatrixView<T> output,
                          ConstMatrixView<T> output_gradient, MatrixView<T> input_gradient) = 0;

protected:
    Layer() = default;
    Layer(const Layer&) = default;
    Layer& operator=(const Layer&) = default;
};

/// The parameters of one layer: owned by the layer while it stands alone, then bound to a
/// slice of its model's contiguous parameter and gradient buffers.
/// Copies always own their values, so a copied layer never aliases its source's storage;
/// layers holding parameters are copyable but not assignable (set values through views).
template <Scalar T>
class ParameterStorage {
public:
    explicit ParameterStorage(Index count)
        : owned_values_(Vector<T>::Zero(count)), owned_gradients_(Vector<T>::Zero(count)),
          values_(owned_values_.data()), gradients_(owned_gradients_.data()), count_(count) {}

    // A copy always owns its values; there is no move that steals, so no layer is ever left
    // pointing at storage another one took.
    ParameterStorage(const ParameterStorage& other)
        : owned_values_(ConstVectorView<T>(other.values_, other.count_)),
          owned_gradients_(Vector<T>::Zero(other.count_)), values_(owned_values_.data()),
          gradients_(owned_gradients_.data()), count_(other.count_) {}

    // Assigning into storage bound to a model would have to either unbind it (the model then
    // trains values the layer no longer reads) or resize the model's buffer: neither is sound.
    ParameterStorage& operator=(const ParameterStorage&) = delete;

    ~ParameterStorage() = default;

    void bind(T* values, T* gradients) {
        values_ = values;
        gradients_ = gradients;
        owned_values_.resize(0);
        owned_gradients_.resize(0);
    }

    Index size() const { return count_; }
    bool is_bound() const { return values_ != owned_values_.data(); }
    T* values() { return values_; }
    const T* values() const { return values_; }
    T* gradients() { return gradients_; }
    const T* gradients() const { return gradients_; }

private:
    Vector<T> owned_values_;  // empty once bound to a model
    Vector<T> owned_gradients_;
    T* values_;
    T* gradients_;
    Index count_;
};

}  // namespace neuro
