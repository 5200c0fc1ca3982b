#pragma once
// Activation layers: elementwise nonlinearities (and Softmax, which works per sample).
//
// Each keeps the width of its input and has no parameters. Backward reads whichever of the
// forward pass's input or output gives the cheaper derivative.

#include "neuro/core/error.hpp"
#include "neuro/core/parallel.hpp"
#include "neuro/core/vectorized.hpp"
#include "neuro/layers/layer.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <memory>
#include <numbers>
#include <string>

namespace neuro {

/// Common plumbing for an activation class A: clone, and a large batch split over threads.
/// A works per sample: its forward_samples and backward_samples take any contiguous range
/// of samples (columns), so that each thread can take columns of its own.
template <Scalar T, class A>
class Activation : public Layer<T> {
public:
    std::unique_ptr<Layer<T>> clone() const override { return std::make_unique<A>(self()); }

    void forward(ConstMatrixView<T> input, MatrixView<T> output) const final {
        detail::for_column_slices(output, [&](Index first, Index count) {
            self().forward_samples(detail::columns(input, first, count), detail::columns(output, first, count));
        });
    }

    void backward(ConstMatrixView<T> input, ConstMatrixView<T> output, ConstMatrixView<T> output_gradient,
                  MatrixView<T> input_gradient) final {
        detail::for_column_slices(input_gradient, [&](Index first, Index count) {
            self().backward_samples(detail::columns(input, first, count), detail::columns(output, first, count),
                                    detail::columns(output_gradient, first, count),
                                    detail::columns(input_gradient, first, count));
        });
    }

private:
    const A& self() const { return static_cast<const A&>(*this); }
    A& self() { return static_cast<A&>(*this); }
};

/// max(x, 0).
template <Scalar T>
class ReLU final : public Activation<T, ReLU<T>> {
public:
    std::string type_name() const override { return "ReLU"; }
    void forward_samples(ConstMatrixView<T> input, MatrixView<T> output) const {
        output = input.cwiseMax(T(0));
    }
    void backward_samples(ConstMatrixView<T> input, ConstMatrixView<T>, ConstMatrixView<T> output_gradient,
                          MatrixView<T> input_gradient) {
        input_gradient = output_gradient.binaryExpr(input, detail::vectorized([](const auto& gradient, const auto& x) {
            return detail::where_positive(x, gradient, Eigen::internal::pzero(x));
        }));
    }
};

/// x for x > 0, negative_slope * x otherwise (PyTorch's default slope, 0.01).
template <Scalar T>
class LeakyReLU final : public Activation<T, LeakyReLU<T>> {
public:
    explicit LeakyReLU(T negative_slope = T(0.01)) : slope_(negative_slope) {
        if (!std::isfinite(negative_slope)) fail("LeakyReLU: negative_slope must be finite, got {}", negative_slope);
    }
    std::string type_name() const override { return "LeakyReLU"; }
    T negative_slope() const { return slope_; }
    LayerSettings settings() const override { return {{"negative_slope", fmt::format("{}", slope_)}}; }
    void forward_samples(ConstMatrixView<T> input, MatrixView<T> output) const {
        output = input.unaryExpr(detail::vectorized([slope = slope_](const auto& x) {
            return detail::where_positive(x, x, Eigen::internal::pmul(detail::broadcast(x, slope), x));
        }));
    }
    void backward_samples(ConstMatrixView<T> input, ConstMatrixView<T>, ConstMatrixView<T> output_gradient,
                          MatrixView<T> input_gradient) {
        input_gradient = output_gradient.binaryExpr(input, detail::vectorized([slope = slope_](const auto& gradient,
                                                                                               const auto& x) {
            return detail::where_positive(x, gradient, Eigen::internal::pmul(detail::broadcast(x, slope), gradient));
        }));
    }

private:
    T slope_;
};

/// x for x > 0, alpha * (exp(x) - 1) otherwise.
template <Scalar T>
class ELU final : public Activation<T, ELU<T>> {
public:
    explicit ELU(T alpha = T(1)) : alpha_(alpha) {
        if (!std::isfinite(alpha)) fail("ELU: alpha must be finite, got {}", alpha);
    }
    std::string type_name() const override { return "ELU"; }
    T alpha() const { return alpha_; }
    LayerSettings settings() const override { return {{"alpha", fmt::format("{}", alpha_)}}; }
    void forward_samples(ConstMatrixView<T> input, MatrixView<T> output) const {
        output = input.unaryExpr(detail::vectorized([alpha = alpha_](const auto& x) {
            using namespace Eigen::internal;
            const auto negative_part = pmul(detail::broadcast(x, alpha), psub(pexp(x), detail::broadcast(x, T(1))));
            return detail::where_positive(x, x, negative_part);
        }));
    }
    // For x <= 0 the derivative alpha * exp(x) equals output + alpha.
    void backward_samples(ConstMatrixView<T> input, ConstMatrixView<T> output, ConstMatrixView<T> output_gradient,
                          MatrixView<T> input_gradient) {
        const auto derivative = input.binaryExpr(output, detail::vectorized([alpha = alpha_](const auto& x, const auto& y) {
            using namespace Eigen::internal;
            return detail::where_positive(x, detail::broadcast(x, T(1)), padd(y, detail::broadcast(x, alpha)));
        }));
        input_gradient = output_gradient.cwiseProduct(derivative);
    }

private:
    T alpha_;
};

/// x * Phi(x), with Phi the standard normal CDF: the exact GELU (PyTorch's default).
template <Scalar T>
class GELU final : public Activation<T, GELU<T>> {
public:
    std::string type_name() const override { return "GELU"; }
    void forward_samples(ConstMatrixView<T> input, MatrixView<T> output) const {
        output = input.unaryExpr([](T x) { return x * normal_cdf(x); });
    }
    // d/dx x Phi(x) = Phi(x) + x phi(x).
    void backward_samples(ConstMatrixView<T> input, ConstMatrixView<T>, ConstMatrixView<T> output_gradient,
                          MatrixView<T> input_gradient) {
        input_gradient = output_gradient.cwiseProduct(
            input.unaryExpr([](T x) { return normal_cdf(x) + x * normal_pdf(x); }));
    }

private:
    static T normal_cdf(T x) { return T(0.5) * (T(1) + std::erf(x * T(std::numbers::sqrt2 / 2))); }
    static T normal_pdf(T x) { return std::exp(T(-0.5) * x * x) * T(std::numbers::inv_sqrtpi / std::numbers::sqrt2); }
};

/// 1 / (1 + exp(-x)), evaluated without overflow for large |x|.
template <Scalar T>
class Sigmoid final : public Activation<T, Sigmoid<T>> {
public:
    std::string type_name() const override { return "Sigmoid"; }
    /// The logistic function of x, given e = exp(-|x|): 1 / (1 + e) for x > 0, else
    /// e / (1 + e); for scalars and SIMD packets.
    template <class P>
    static P logistic_from_exp(const P& x, const P& e) {
        using namespace Eigen::internal;
        const P inverse = pdiv(detail::broadcast(x, T(1)), padd(detail::broadcast(x, T(1)), e));
        return detail::where_positive(x, inverse, pmul(e, inverse));
    }
    /// exp(-|x|), for scalars and packets. Eigen's SIMD exp clamps its argument, so that
    /// exp(-1000) would be 4e-39; below the smallest normal number this gives 0 instead.
    template <class P>
    static P exp_of_minus_abs(const P& x) {
        using namespace Eigen::internal;
        // log of the smallest normal number, 2^(min_exponent - 1)
        constexpr T smallest_exponent = T(std::numeric_limits<T>::min_exponent - 1) * std::numbers::ln2_v<T>;
        const P exponent = pnegate(pabs(x));
        return pselect(pcmp_lt(exponent, detail::broadcast(x, smallest_exponent)), pzero(x), pexp(exponent));
    }
    template <class P>
    static P logistic(const P& x) {
        return logistic_from_exp(x, exp_of_minus_abs(x));
    }
    void forward_samples(ConstMatrixView<T> input, MatrixView<T> output) const {
        output = input.unaryExpr(detail::vectorized([](const auto& x) { return logistic(x); }));
    }
    void backward_samples(ConstMatrixView<T>, ConstMatrixView<T> output, ConstMatrixView<T> output_gradient,
                          MatrixView<T> input_gradient) {
        input_gradient = output_gradient.array() * output.array() * (T(1) - output.array());
    }
};

template <Scalar T>
class Tanh final : public Activation<T, Tanh<T>> {
public:
    std::string type_name() const override { return "Tanh"; }
    void forward_samples(ConstMatrixView<T> input, MatrixView<T> output) const {
        output = input.array().tanh();
    }
    void backward_samples(ConstMatrixView<T>, ConstMatrixView<T> output, ConstMatrixView<T> output_gradient,
                          MatrixView<T> input_gradient) {
        input_gradient = output_gradient.array() * (T(1) - output.array().square());
    }
};

/// Per sample (column): exp(x_i - max x) / sum_j exp(x_j - max x).
template <Scalar T>
class Softmax final : public Activation<T, Softmax<T>> {
public:
    std::string type_name() const override { return "Softmax"; }
    void forward_samples(ConstMatrixView<T> input, MatrixView<T> output) const {
        for (Index j = 0; j < input.cols(); ++j) {
            const T largest = input.col(j).maxCoeff();
            output.col(j) = (input.col(j).array() - largest).exp();
            output.col(j) /= output.col(j).sum();
        }
    }
    // dx = y * (dy - <y, dy>), per column.
    void backward_samples(ConstMatrixView<T>, ConstMatrixView<T> output, ConstMatrixView<T> output_gradient,
                          MatrixView<T> input_gradient) {
        for (Index j = 0; j < output.cols(); ++j) {
            const T projection = output.col(j).dot(output_gradient.col(j));
            input_gradient.col(j) = output.col(j).array() * (output_gradient.col(j).array() - projection);
        }
    }
};

}  // namespace neuro
