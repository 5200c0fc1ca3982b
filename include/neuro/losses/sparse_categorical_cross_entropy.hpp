#pragma once
// Categorical cross-entropy with class-index targets.

#include "neuro/losses/categorical_cross_entropy.hpp"

#include <cmath>
#include <fmt/format.h>

namespace neuro {

/// -1/batch sum over samples of log p[c], where the target c is a class index in
/// [0, outputs), given as a 1 x batch row (y is N x 1 at the model's boundary). After a
/// Softmax layer the model computes it from logits: logsumexp(z) - z_c, gradient
/// (softmax(z) - onehot(c)) / batch.
template <Scalar T>
class SparseCategoricalCrossEntropy final : public Loss<T> {
public:
    std::string type_name() const override { return "SparseCategoricalCrossEntropy"; }
    std::unique_ptr<Loss<T>> clone() const override {
        return std::make_unique<SparseCategoricalCrossEntropy>(*this);
    }

    Index target_width(Index) const override { return 1; }

    std::optional<std::string> invalid_target(T value, Index outputs) const override {
        if (value < T(0) || value >= T(outputs) || value != std::floor(value))
            return fmt::format("sparse categorical targets must be class indices 0 to {}", outputs - 1);
        return std::nullopt;
    }

    T value(ConstMatrixView<T> prediction, ConstMatrixView<T> target) const override {
        T total = 0;
        for (Index j = 0; j < prediction.cols(); ++j)
            total -= this->clamped_log(std::max(prediction(class_of(target, j), j), T(0)));
        return total / T(prediction.cols());
    }

    void gradient(ConstMatrixView<T> prediction, ConstMatrixView<T> target,
                  MatrixView<T> gradient) const override {
        gradient.setZero();
        const T scale = T(-1) / T(prediction.cols());
        for (Index j = 0; j < prediction.cols(); ++j) {
            const Index c = class_of(target, j);
            gradient(c, j) = scale / std::max(prediction(c, j), T(1e-12));
        }
    }

    bool fuses_with(const Layer<T>& output_layer) const override {
        return dynamic_cast<const Softmax<T>*>(&output_layer) != nullptr;
    }

    T value_from_logits(ConstMatrixView<T> logits, ConstMatrixView<T> target) const override {
        T total = 0;
        for (Index j = 0; j < logits.cols(); ++j)
            total += log_sum_exp(logits.col(j)) - logits(class_of(target, j), j);
        return total / T(logits.cols());
    }

    void gradient_from_logits(ConstMatrixView<T> logits, ConstMatrixView<T> target,
                              MatrixView<T> gradient) const override {
        value_and_gradient_from_logits(logits, target, gradient);
    }

    // With s = z - max z per column: value log sum exp(s) - s_c, gradient exp(s) / sum exp(s)
    // - onehot(c); the exponentials are taken once, over the whole batch.
    T value_and_gradient_from_logits(ConstMatrixView<T> logits, ConstMatrixView<T> target,
                                     MatrixView<T> gradient) const override {
        const T scale = T(1) / T(logits.cols());
        shift_by_column_max(logits, gradient);
        T total = 0;
        for (Index j = 0; j < logits.cols(); ++j) total -= gradient(class_of(target, j), j);
        gradient = gradient.array().exp();
        for (Index j = 0; j < logits.cols(); ++j) {
            const T normalizer = gradient.col(j).sum();
            total += std::log(normalizer);
            gradient.col(j) *= scale / normalizer;
            gradient(class_of(target, j), j) -= scale;
        }
        return total * scale;
    }

private:
    static Index class_of(ConstMatrixView<T> target, Index sample) {
        return static_cast<Index>(target(0, sample));
    }
};

}  // namespace neuro
