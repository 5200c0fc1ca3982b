#pragma once
// Categorical cross-entropy over mutually exclusive classes, with one-hot (or soft) targets.

#include "neuro/layers/activations.hpp"
#include "neuro/losses/loss.hpp"

#include <cmath>

namespace neuro {

/// log(sum_i exp(z_i)) of one column, shifted by the maximum so it cannot overflow.
template <class Column>
typename Column::Scalar log_sum_exp(const Column& logits) {
    const auto largest = logits.maxCoeff();
    return largest + std::log((logits.array() - largest).exp().sum());
}

/// Each column of logits minus its maximum, into shifted (same shape): the argument of a
/// softmax that cannot overflow.
template <Scalar T>
void shift_by_column_max(ConstMatrixView<T> logits, MatrixView<T> shifted) {
    for (Index j = 0; j < logits.cols(); ++j) shifted.col(j) = logits.col(j).array() - logits.col(j).maxCoeff();
}

/// -1/batch sum over samples and classes of y log p; targets are class probabilities
/// (one-hot for hard labels), outputs x batch. After a Softmax layer the model computes it
/// from the logits z instead: sum_i y_i (logsumexp(z) - z_i), with gradient
/// (softmax(z) sum_i y_i - y) / batch.
template <Scalar T>
class CategoricalCrossEntropy final : public Loss<T> {
public:
    std::string type_name() const override { return "CategoricalCrossEntropy"; }
    std::unique_ptr<Loss<T>> clone() const override {
        return std::make_unique<CategoricalCrossEntropy>(*this);
    }

    std::optional<std::string> invalid_target(T value, Index) const override {
        if (value < T(0) || value > T(1)) return "categorical cross-entropy targets (one-hot) must be in [0, 1]";
        return std::nullopt;
    }

    T value(ConstMatrixView<T> prediction, ConstMatrixView<T> target) const override {
        T total = 0;
        for (Index i = 0; i < prediction.size(); ++i) {
            if (target.data()[i] != T(0))
                total -= target.data()[i] * this->clamped_log(std::max(prediction.data()[i], T(0)));
        }
        return total / T(prediction.cols());
    }

    void gradient(ConstMatrixView<T> prediction, ConstMatrixView<T> target,
                  MatrixView<T> gradient) const override {
        const T scale = T(-1) / T(prediction.cols());
        gradient = scale * target.array() / prediction.array().max(T(1e-12));
    }

    bool fuses_with(const Layer<T>& output_layer) const override {
        return dynamic_cast<const Softmax<T>*>(&output_layer) != nullptr;
    }

    T value_from_logits(ConstMatrixView<T> logits, ConstMatrixView<T> target) const override {
        T total = 0;
        for (Index j = 0; j < logits.cols(); ++j)
            total += target.col(j).sum() * log_sum_exp(logits.col(j)) - target.col(j).dot(logits.col(j));
        return total / T(logits.cols());
    }

    void gradient_from_logits(ConstMatrixView<T> logits, ConstMatrixView<T> target,
                              MatrixView<T> gradient) const override {
        value_and_gradient_from_logits(logits, target, gradient);
    }

    // With s = z - max z per column: value sum_i y_i (log sum exp(s) - s_i), gradient
    // exp(s) / sum exp(s) * sum_i y_i - y; the exponentials are taken once, over the whole batch.
    T value_and_gradient_from_logits(ConstMatrixView<T> logits, ConstMatrixView<T> target,
                                     MatrixView<T> gradient) const override {
        const T scale = T(1) / T(logits.cols());
        shift_by_column_max(logits, gradient);
        T total = -target.cwiseProduct(gradient).sum();
        gradient = gradient.array().exp();
        for (Index j = 0; j < logits.cols(); ++j) {
            const T mass = target.col(j).sum();
            const T normalizer = gradient.col(j).sum();
            total += mass * std::log(normalizer);
            gradient.col(j) = (mass * scale / normalizer) * gradient.col(j) - scale * target.col(j);
        }
        return total * scale;
    }
};

}  // namespace neuro
