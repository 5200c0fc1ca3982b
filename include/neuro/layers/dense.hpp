#pragma once
// Dense: the fully connected layer, Y = W * X + b.

#include "neuro/core/error.hpp"
#include "neuro/core/parallel.hpp"
#include "neuro/core/product.hpp"
#include "neuro/init.hpp"
#include "neuro/layers/layer.hpp"

#include <fmt/format.h>

#include <memory>
#include <string>

namespace neuro {

/// Settings of a Dense layer beyond its widths. An aggregate, so that
/// `Dense<float>(10, 64, {.initializer = Initializer::HeUniform, .l2 = 1e-4})` reads well.
struct DenseOptions {
    Initializer initializer = Initializer::GlorotUniform;
    bool use_bias = true;  ///< the bias starts at zero
    double l1 = 0.0;       ///< adds l1 * sum|W| to the loss
    double l2 = 0.0;       ///< adds l2 * sum W^2 to the loss (Keras' L2, not PyTorch's weight_decay)
};

/// Represents: an affine map from `inputs` to `outputs` features.
/// Shapes: W is outputs x inputs, b is outputs; X is inputs x batch, Y is outputs x batch.
/// Requires: inputs >= 1, outputs >= 1, l1 >= 0, l2 >= 0 (checked: neuro::Error).
/// Ensures: weights are drawn from the initializer when the layer joins a model (from the
/// model's seed); a layer standing alone starts from the initializer with seed 0.
template <Scalar T>
class Dense final : public Layer<T> {
public:
    Dense(Index inputs, Index outputs, DenseOptions options = {})
        : inputs_(inputs), outputs_(outputs), options_(options),
          parameters_(checked_parameter_count(inputs, outputs, options)) {
        Random random(0);
        initialize_parameters(random);
    }

    std::string type_name() const override { return "Dense"; }
    std::optional<Index> input_width() const override { return inputs_; }
    Index output_width(Index) const override { return outputs_; }
    Index parameter_count() const override { return parameters_.size(); }
    const DenseOptions& options() const { return options_; }

    LayerSettings settings() const override {
        return {{"inputs", fmt::format("{}", inputs_)},
                {"outputs", fmt::format("{}", outputs_)},
                {"use_bias", options_.use_bias ? "true" : "false"},
                {"initializer", std::string(to_string(options_.initializer))},
                {"l1", fmt::format("{}", options_.l1)},
                {"l2", fmt::format("{}", options_.l2)}};
    }
    Index inputs() const { return inputs_; }
    Index outputs() const { return outputs_; }

    /// outputs x inputs, writable.
    MatrixView<T> weight() { return MatrixView<T>(parameters_.values(), outputs_, inputs_); }
    ConstMatrixView<T> weight() const { return ConstMatrixView<T>(parameters_.values(), outputs_, inputs_); }

    /// outputs, writable; empty when the layer has no bias.
    VectorView<T> bias() { return VectorView<T>(bias_values(), bias_size()); }
    ConstVectorView<T> bias() const { return ConstVectorView<T>(bias_values(), bias_size()); }

    /// Gradients of the last backward pass, same shapes as weight() and bias().
    ConstMatrixView<T> weight_gradient() const {
        return ConstMatrixView<T>(parameters_.gradients(), outputs_, inputs_);
    }
    ConstVectorView<T> bias_gradient() const {
        return ConstVectorView<T>(parameters_.gradients() + outputs_ * inputs_, bias_size());
    }

    VectorView<T> parameter_values() override { return VectorView<T>(parameters_.values(), parameters_.size()); }
    VectorView<T> parameter_gradients() override {
        return VectorView<T>(parameters_.gradients(), parameters_.size());
    }

    void bind_parameters(T* values, T* gradients) override { parameters_.bind(values, gradients); }

    void initialize_parameters(Random& random) override {
        initialize<T>(weight(), options_.initializer, random);
        bias().setZero();
    }

    double regularization_penalty() const override {
        double penalty = 0.0;
        if (options_.l1 > 0) penalty += options_.l1 * static_cast<double>(weight().cwiseAbs().sum());
        if (options_.l2 > 0) penalty += options_.l2 * static_cast<double>(weight().squaredNorm());
        return penalty;
    }

    std::unique_ptr<Layer<T>> clone() const override { return std::make_unique<Dense>(*this); }

    void forward(ConstMatrixView<T> input, MatrixView<T> output) const override {
        if (options_.use_bias) {
            // The product adds to the bias: no pass of its own.
            detail::for_column_slices(output, [&](Index first, Index count) {
                detail::columns(output, first, count).colwise() = bias();
            });
            detail::multiply_add<false, false>(weight(), input, output);
        } else {
            detail::multiply<false, false>(weight(), input, output);
        }
    }

    void backward(ConstMatrixView<T> input, ConstMatrixView<T> /*output*/,
                  ConstMatrixView<T> output_gradient, MatrixView<T> input_gradient) override {
        MatrixView<T> weight_gradient(parameters_.gradients(), outputs_, inputs_);
        if (options_.l1 > 0 || options_.l2 > 0) {
            // The penalty's gradient first; the product adds to it.
            weight_gradient = T(options_.l1) * weight().cwiseSign() + T(2 * options_.l2) * weight();
            detail::multiply_add<false, true>(output_gradient, input, weight_gradient);
        } else {
            detail::multiply<false, true>(output_gradient, input, weight_gradient);
        }
        if (options_.use_bias)
            sum_columns(output_gradient, VectorView<T>(parameters_.gradients() + outputs_ * inputs_, outputs_));
        if (input_gradient.size() != 0) detail::multiply<true, false>(read_only(weight()), output_gradient, input_gradient);
    }

private:
    /// sum = the sum of the columns of `matrix`, its rows shared out over the threads when it
    /// is large.
    static void sum_columns(ConstMatrixView<T> matrix, VectorView<T> sum) {
        const int threads = detail::pass_threads(double(matrix.size()));
        detail::for_slices(matrix.rows(), threads, [&](Index first, Index count) {
            sum.segment(first, count).noalias() = matrix.middleRows(first, count).rowwise().sum();
        });
    }

    static Index checked_parameter_count(Index inputs, Index outputs, const DenseOptions& options) {
        if (inputs < 1 || outputs < 1)
            fail("Dense({}, {}): the input and output widths must be at least 1", inputs, outputs);
        if (!(options.l1 >= 0) || !(options.l2 >= 0))
            fail("Dense({}, {}): l1 and l2 must be >= 0, got l1 = {}, l2 = {}", inputs, outputs,
                 options.l1, options.l2);
        return outputs * inputs + (options.use_bias ? outputs : 0);
    }

    Index bias_size() const { return options_.use_bias ? outputs_ : 0; }
    T* bias_values() { return parameters_.values() + outputs_ * inputs_; }
    const T* bias_values() const { return parameters_.values() + outputs_ * inputs_; }

    Index inputs_;
    Index outputs_;
    DenseOptions options_;
    ParameterStorage<T> parameters_;  // W (column-major, outputs x inputs), then b
};

}  // namespace neuro
