#pragma once
// Mean squared error, for regression.

#include "neuro/losses/loss.hpp"

namespace neuro {

/// mean over outputs and batch of (p - y)^2; gradient 2 (p - y) / count.
template <Scalar T>
class MeanSquaredError final : public Loss<T> {
public:
    std::string type_name() const override { return "MeanSquaredError"; }
    std::unique_ptr<Loss<T>> clone() const override { return std::make_unique<MeanSquaredError>(*this); }

    T value(ConstMatrixView<T> prediction, ConstMatrixView<T> target) const override {
        return (prediction - target).squaredNorm() / T(prediction.size());
    }

    void gradient(ConstMatrixView<T> prediction, ConstMatrixView<T> target,
                  MatrixView<T> gradient) const override {
        gradient = (T(2) / T(prediction.size())) * (prediction - target);
    }
};

}  // namespace neuro
