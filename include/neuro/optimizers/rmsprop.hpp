#pragma once
// RMSprop: gradient scaled by a running root mean square of past gradients.

#include "neuro/core/huge_pages.hpp"
#include "neuro/optimizers/optimizer.hpp"

#include <cmath>

namespace neuro {

/// PyTorch's RMSprop (not centered): v = alpha v + (1 - alpha) g^2, a = sqrt(v) + eps;
/// with momentum m: b = m b + g / a, p -= lr b; without: p -= lr g / a.
/// Requires: lr >= 0, alpha in [0, 1], eps >= 0, momentum >= 0 (checked).
template <Scalar T>
class RMSprop final : public Optimizer<T> {
public:
    explicit RMSprop(T lr = T(1e-2), T alpha = T(0.99), T eps = T(1e-8), T momentum = T(0))
        : Optimizer<T>("RMSprop", lr), alpha_(alpha), eps_(eps), momentum_(momentum) {
        this->require(alpha >= 0 && alpha <= 1, "RMSprop", "alpha must be in [0, 1]", alpha);
        this->require(eps >= 0 && std::isfinite(eps), "RMSprop", "eps must be a finite number >= 0", eps);
        this->require(momentum >= 0 && std::isfinite(momentum), "RMSprop", "momentum must be a finite number >= 0",
                      momentum);
    }

    std::string type_name() const override { return "RMSprop"; }
    std::unique_ptr<Optimizer<T>> clone() const override { return std::make_unique<RMSprop>(*this); }
    T alpha() const { return alpha_; }
    T eps() const { return eps_; }
    T momentum() const { return momentum_; }

    std::map<std::string, double> settings() const override {
        auto values = this->common_settings();
        values.insert({{"alpha", alpha_}, {"eps", eps_}, {"momentum", momentum_}});
        return values;
    }

protected:
    std::vector<std::pair<std::string, ConstVectorView<T>>> state_views() const override {
        return {{"square_average", this->view(square_average_)}, {"velocity", this->view(velocity_)}};
    }

    void reset_state(Index count) override {
        square_average_ = detail::zeros_on_huge_pages<T>(count);
        velocity_ = detail::zeros_on_huge_pages<T>(momentum_ > 0 ? count : 0);
    }

    void update(Index first, VectorView<T> values, ConstVectorView<T> gradients) override {
        VectorView<T> square_average = this->part(square_average_, first, values.size());
        square_average = alpha_ * square_average + (T(1) - alpha_) * gradients.cwiseAbs2();
        const auto scaled = gradients.array() / (square_average.array().sqrt() + eps_);
        if (momentum_ > 0) {
            VectorView<T> velocity = this->part(velocity_, first, values.size());
            velocity = momentum_ * velocity.array() + scaled;
            values -= this->lr() * velocity;
        } else {
            values.array() -= this->lr() * scaled;
        }
    }

private:
    T alpha_;
    T eps_;
    T momentum_;
    Vector<T> square_average_;
    Vector<T> velocity_;
};

}  // namespace neuro
