#pragma once
// Adagrad: per-parameter step sizes that shrink with the sum of past squared gradients.

#include "neuro/core/huge_pages.hpp"
#include "neuro/optimizers/optimizer.hpp"

namespace neuro {

/// PyTorch's Adagrad (no lr decay, accumulator starting at 0, eps 1e-10):
/// s += g^2, p -= lr g / (sqrt(s) + eps). Requires lr >= 0 (checked).
template <Scalar T>
class Adagrad final : public Optimizer<T> {
public:
    explicit Adagrad(T lr = T(1e-2)) : Optimizer<T>("Adagrad", lr) {}

    std::string type_name() const override { return "Adagrad"; }
    std::unique_ptr<Optimizer<T>> clone() const override { return std::make_unique<Adagrad>(*this); }

    std::map<std::string, double> settings() const override { return this->common_settings(); }

protected:
    std::vector<std::pair<std::string, ConstVectorView<T>>> state_views() const override {
        return {{"squared_sum", this->view(squared_sum_)}};
    }

    void reset_state(Index count) override { squared_sum_ = detail::zeros_on_huge_pages<T>(count); }

    void update(Index first, VectorView<T> values, ConstVectorView<T> gradients) override {
        VectorView<T> squared_sum = this->part(squared_sum_, first, values.size());
        squared_sum += gradients.cwiseAbs2();
        values.array() -= this->lr() * gradients.array() / (squared_sum.array().sqrt() + T(1e-10));
    }

private:
    Vector<T> squared_sum_;
};

}  // namespace neuro
