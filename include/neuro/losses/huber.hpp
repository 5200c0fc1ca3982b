#pragma once
// Huber loss: quadratic near the target, linear far from it, so outliers pull less.

#include "neuro/losses/loss.hpp"

#include <cmath>

namespace neuro {

/// mean over outputs and batch of 0.5 d^2 where |d| <= delta, delta (|d| - 0.5 delta)
/// elsewhere, with d = p - y (PyTorch's HuberLoss). Requires delta > 0 (checked).
template <Scalar T>
class Huber final : public Loss<T> {
public:
    explicit Huber(T delta = T(1)) : delta_(delta) {
        if (!(delta > T(0)) || !std::isfinite(delta)) fail("Huber: delta must be a finite number > 0, got {}", delta);
    }

    std::string type_name() const override { return "Huber"; }
    std::unique_ptr<Loss<T>> clone() const override { return std::make_unique<Huber>(*this); }
    T delta() const { return delta_; }
    std::map<std::string, double> settings() const override { return {{"delta", delta_}}; }

    T value(ConstMatrixView<T> prediction, ConstMatrixView<T> target) const override {
        const auto distance = (prediction - target).array().abs();
        const auto quadratic = T(0.5) * distance.square();
        const auto linear = delta_ * (distance - T(0.5) * delta_);
        return (distance <= delta_).select(quadratic, linear).sum() / T(prediction.size());
    }

    // d where |d| <= delta, delta * sign(d) elsewhere: the difference clipped to [-delta, delta].
    void gradient(ConstMatrixView<T> prediction, ConstMatrixView<T> target,
                  MatrixView<T> gradient) const override {
        gradient = ((prediction - target).array().min(delta_).max(-delta_)) / T(prediction.size());
    }

private:
    T delta_;
};

}  // namespace neuro
