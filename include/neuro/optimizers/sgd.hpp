#pragma once
// Stochastic gradient descent with optional (Nesterov) momentum.

#include "neuro/core/huge_pages.hpp"
#include "neuro/optimizers/optimizer.hpp"

namespace neuro {

/// PyTorch's SGD (dampening 0): with momentum m, the buffer b = m b + g (b starts at g);
/// the step uses g + m b with Nesterov, b otherwise; p -= lr * step.
/// Requires: lr >= 0, momentum >= 0, momentum > 0 when nesterov (checked).
template <Scalar T>
class SGD final : public Optimizer<T> {
public:
    explicit SGD(T lr, T momentum = T(0), bool nesterov = false)
        : Optimizer<T>("SGD", lr), momentum_(momentum), nesterov_(nesterov) {
        this->require(momentum >= 0 && std::isfinite(momentum), "SGD", "momentum must be a finite number >= 0", momentum);
        this->require(!nesterov || momentum > 0, "SGD", "Nesterov momentum needs momentum > 0", momentum);
    }

    std::string type_name() const override { return "SGD"; }
    std::unique_ptr<Optimizer<T>> clone() const override { return std::make_unique<SGD>(*this); }
    T momentum() const { return momentum_; }
    bool nesterov() const { return nesterov_; }

    std::map<std::string, double> settings() const override {
        auto values = this->common_settings();
        values.insert({{"momentum", momentum_}, {"nesterov", nesterov_ ? 1.0 : 0.0}});
        return values;
    }

protected:
    std::vector<std::pair<std::string, ConstVectorView<T>>> state_views() const override {
        return {{"velocity", this->view(velocity_)}};
    }

    void reset_state(Index count) override { velocity_ = detail::zeros_on_huge_pages<T>(momentum_ > 0 ? count : 0); }

    void update(Index first, VectorView<T> values, ConstVectorView<T> gradients) override {
        if (momentum_ == T(0)) {
            values -= this->lr() * gradients;
            return;
        }
        // A zero buffer makes the first b = g, as PyTorch's first-step initialization does.
        VectorView<T> velocity = this->part(velocity_, first, values.size());
        velocity = momentum_ * velocity + gradients;
        if (nesterov_)
            values -= this->lr() * (gradients + momentum_ * velocity);
        else
            values -= this->lr() * velocity;
    }

private:
    T momentum_;
    bool nesterov_;
    Vector<T> velocity_;
};

}  // namespace neuro
