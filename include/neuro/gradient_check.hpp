#pragma once
// Numerical gradient checks: compare analytic gradients with central differences.
//
// Public API, so that users can check layers and losses they write themselves. Run them in
// double: in float, rounding swamps the differences.

#include "neuro/core/random.hpp"
#include "neuro/core/types.hpp"
#include "neuro/layers/layer.hpp"
#include "neuro/losses/loss.hpp"
#include "neuro/model/sequential.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>

namespace neuro {

/// ||analytic - numerical|| / max(||analytic||, ||numerical||): 0 for a perfect match, about
/// 1e-9 or less for a correct gradient in double, order 1 for a wrong one.
template <class A, class N>
double relative_error(const A& analytic, const N& numerical) {
    const double scale = std::max({static_cast<double>(analytic.norm()), static_cast<double>(numerical.norm()),
                                   std::numeric_limits<double>::min()});
    return static_cast<double>((analytic - numerical).norm()) / scale;
}

/// Central differences of f with respect to each element of values, in place (values are
/// restored): (f(v + h) - f(v - h)) / 2h.
template <Scalar T>
Vector<T> numerical_gradient(VectorView<T> values, const std::function<double()>& f, double step) {
    Vector<T> gradient(values.size());
    for (Index i = 0; i < values.size(); ++i) {
        const T saved = values[i];
        values[i] = saved + T(step);
        const double above = f();
        values[i] = saved - T(step);
        const double below = f();
        values[i] = saved;
        gradient[i] = T((above - below) / (2 * step));
    }
    return gradient;
}

struct GradientCheck {
    double input_error = 0;      ///< relative error of d loss / d input
    double parameter_error = 0;  ///< relative error of d loss / d parameters (0 without parameters)
    double max_error() const { return std::max(input_error, parameter_error); }
};

/// Checks a layer's backward against its forward on input (in x batch), through the scalar
/// loss sum(R * output) + the layer's regularization penalty, with R drawn from seed. Training-only randomness (dropout) draws from
/// a generator re-seeded from seed for every pass, so every pass sees the same mask.
template <Scalar T>
GradientCheck check_gradients(Layer<T>& layer, Matrix<T> input, std::uint64_t seed = 1, double step = 1e-6) {
    const Index outputs = layer.output_width(input.rows());
    Random random(seed);
    Matrix<T> projection(outputs, input.cols());
    for (Index i = 0; i < projection.size(); ++i) projection.data()[i] = T(random.normal());

    Matrix<T> output(outputs, input.cols());
    auto loss = [&] {
        Random pass(seed);
        layer.forward_training(ConstMatrixView<T>(input.data(), input.rows(), input.cols()),
                               MatrixView<T>(output.data(), output.rows(), output.cols()), pass);
        return static_cast<double>(output.cwiseProduct(projection).sum()) + layer.regularization_penalty();
    };
    loss();
    Matrix<T> input_gradient(input.rows(), input.cols());
    layer.backward(ConstMatrixView<T>(input.data(), input.rows(), input.cols()),
                   ConstMatrixView<T>(output.data(), output.rows(), output.cols()),
                   ConstMatrixView<T>(projection.data(), projection.rows(), projection.cols()),
                   MatrixView<T>(input_gradient.data(), input_gradient.rows(), input_gradient.cols()));
    const Vector<T> parameter_gradient = layer.parameter_gradients();

    GradientCheck check;
    check.input_error = relative_error(
        input_gradient.reshaped(), numerical_gradient<T>(VectorView<T>(input.data(), input.size()), loss, step));
    if (parameter_gradient.size() > 0)
        check.parameter_error =
            relative_error(parameter_gradient, numerical_gradient<T>(layer.parameter_values(), loss, step));
    return check;
}

/// Checks a loss's gradient against central differences of its value.
template <Scalar T>
double check_gradients(const Loss<T>& loss, Matrix<T> prediction, const Matrix<T>& target, double step = 1e-6) {
    const ConstMatrixView<T> target_view(target.data(), target.rows(), target.cols());
    const VectorView<T> values(prediction.data(), prediction.size());
    const ConstMatrixView<T> prediction_view(prediction.data(), prediction.rows(), prediction.cols());
    Matrix<T> analytic(prediction.rows(), prediction.cols());
    loss.gradient(prediction_view, target_view, MatrixView<T>(analytic.data(), analytic.rows(), analytic.cols()));
    return relative_error(analytic.reshaped(), numerical_gradient<T>(values, [&] {
                              return static_cast<double>(loss.value(prediction_view, target_view));
                          }, step));
}

/// The same for the fused form, value_from_logits and gradient_from_logits.
template <Scalar T>
double check_gradients_from_logits(const Loss<T>& loss, Matrix<T> logits, const Matrix<T>& target,
                                   double step = 1e-6) {
    const ConstMatrixView<T> target_view(target.data(), target.rows(), target.cols());
    const VectorView<T> values(logits.data(), logits.size());
    const ConstMatrixView<T> logits_view(logits.data(), logits.rows(), logits.cols());
    Matrix<T> analytic(logits.rows(), logits.cols());
    loss.gradient_from_logits(logits_view, target_view,
                              MatrixView<T>(analytic.data(), analytic.rows(), analytic.cols()));
    return relative_error(analytic.reshaped(), numerical_gradient<T>(values, [&] {
                              return static_cast<double>(loss.value_from_logits(logits_view, target_view));
                          }, step));
}

/// Checks a compiled model's d loss / d parameters on (x, y), taken as one batch, against
/// central differences of its loss. The model's parameters are restored.
template <Scalar T, class X, class Y>
double check_gradients(Sequential<T>& model, const X& x, const Y& y, double step = 1e-6) {
    model.compute_gradients(x, y);
    const Vector<T> analytic = model.gradients();
    return relative_error(analytic, numerical_gradient<T>(model.parameters(), [&] {
                              return model.compute_gradients(x, y);
                          }, step));
}

}  // namespace neuro
