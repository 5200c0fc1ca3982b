#pragma once
// Binary cross-entropy, for one or more independent 0/1 outputs.

#include "neuro/layers/activations.hpp"
#include "neuro/losses/loss.hpp"

#include <algorithm>
#include <cmath>

namespace neuro {

/// -mean over outputs and batch of y log p + (1 - y) log(1 - p), targets y in [0, 1].
/// After a Sigmoid layer the model computes it from the logits z instead:
/// max(z, 0) - z y + log(1 + exp(-|z|)), whose gradient is (sigmoid(z) - y) / count.
template <Scalar T>
class BinaryCrossEntropy final : public Loss<T> {
public:
    std::string type_name() const override { return "BinaryCrossEntropy"; }
    std::unique_ptr<Loss<T>> clone() const override { return std::make_unique<BinaryCrossEntropy>(*this); }

    std::optional<std::string> invalid_target(T value, Index) const override {
        if (value < T(0) || value > T(1)) return "binary cross-entropy targets must be in [0, 1]";
        return std::nullopt;
    }

    T value(ConstMatrixView<T> prediction, ConstMatrixView<T> target) const override {
        T total = 0;
        for (Index i = 0; i < prediction.size(); ++i) {
            const T p = std::clamp(prediction.data()[i], T(0), T(1));
            const T y = target.data()[i];
            total -= y * this->clamped_log(p) + (T(1) - y) * this->clamped_log(T(1) - p);
        }
        return total / T(prediction.size());
    }

    // (p - y) / (p (1 - p)), with the denominator kept away from 0 as PyTorch does.
    void gradient(ConstMatrixView<T> prediction, ConstMatrixView<T> target,
                  MatrixView<T> gradient) const override {
        const T scale = T(1) / T(prediction.size());
        gradient = scale * (prediction.array() - target.array()) /
                   (prediction.array() * (T(1) - prediction.array())).max(T(1e-12));
    }

    bool fuses_with(const Layer<T>& output_layer) const override {
        return dynamic_cast<const Sigmoid<T>*>(&output_layer) != nullptr;
    }

    T value_from_logits(ConstMatrixView<T> logits, ConstMatrixView<T> target) const override {
        const auto z = logits.array();
        return (z.max(T(0)) - z * target.array() + z.unaryExpr(exp_of_minus_abs()).log1p()).sum() / T(logits.size());
    }

    void gradient_from_logits(ConstMatrixView<T> logits, ConstMatrixView<T> target,
                              MatrixView<T> gradient) const override {
        const T scale = T(1) / T(logits.size());
        const auto sigmoid = detail::vectorized([](const auto& z) { return Sigmoid<T>::logistic(z); });
        gradient = scale * (logits.unaryExpr(sigmoid) - target);
    }

    // exp(-|z|) once, parked in `gradient`: both the loss's log1p and the sigmoid need it.
    T value_and_gradient_from_logits(ConstMatrixView<T> logits, ConstMatrixView<T> target,
                                     MatrixView<T> gradient) const override {
        const auto z = logits.array();
        const T scale = T(1) / T(logits.size());
        gradient = logits.unaryExpr(exp_of_minus_abs());
        const T total = (z.max(T(0)) - z * target.array() + gradient.array().log1p()).sum();
        const auto sigmoid =
            detail::vectorized([](const auto& x, const auto& e) { return Sigmoid<T>::logistic_from_exp(x, e); });
        gradient = scale * (logits.binaryExpr(gradient, sigmoid) - target);
        return total * scale;
    }

private:
    static auto exp_of_minus_abs() {
        return detail::vectorized([](const auto& x) { return Sigmoid<T>::exp_of_minus_abs(x); });
    }
};

}  // namespace neuro
