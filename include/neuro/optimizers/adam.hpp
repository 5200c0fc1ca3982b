#pragma once
// Adam: adaptive moment estimation (Kingma and Ba, 2015).

#include "neuro/core/huge_pages.hpp"
#include "neuro/core/vectorized.hpp"
#include "neuro/optimizers/optimizer.hpp"

#include <cmath>

namespace neuro {

/// PyTorch's Adam (no amsgrad, no weight decay): m = b1 m + (1 - b1) g,
/// v = b2 v + (1 - b2) g^2, p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
/// Requires: lr >= 0, 0 <= beta1, beta2 < 1, eps >= 0 (checked).
template <Scalar T>
class Adam : public Optimizer<T> {
public:
    explicit Adam(T lr = T(1e-3), T beta1 = T(0.9), T beta2 = T(0.999), T eps = T(1e-8))
        : Adam("Adam", lr, beta1, beta2, eps) {}

    std::string type_name() const override { return "Adam"; }
    std::unique_ptr<Optimizer<T>> clone() const override { return std::make_unique<Adam>(*this); }
    T beta1() const { return beta1_; }
    T beta2() const { return beta2_; }
    T eps() const { return eps_; }

    std::map<std::string, double> settings() const override {
        auto values = this->common_settings();
        values.insert({{"beta1", beta1_}, {"beta2", beta2_}, {"eps", eps_}});
        return values;
    }

protected:
    std::vector<std::pair<std::string, ConstVectorView<T>>> state_views() const override {
        return {{"first_moment", this->view(first_moment_)}, {"second_moment", this->view(second_moment_)}};
    }

    // For AdamW, so that its errors carry its own name.
    Adam(const char* name, T lr, T beta1, T beta2, T eps)
        : Optimizer<T>(name, lr), beta1_(beta1), beta2_(beta2), eps_(eps) {
        this->require(beta1 >= 0 && beta1 < 1, name, "beta1 must be in [0, 1)", beta1);
        this->require(beta2 >= 0 && beta2 < 1, name, "beta2 must be in [0, 1)", beta2);
        this->require(eps >= 0 && std::isfinite(eps), name, "eps must be a finite number >= 0", eps);
    }

    void reset_state(Index count) override {
        first_moment_ = detail::zeros_on_huge_pages<T>(count);
        second_moment_ = detail::zeros_on_huge_pages<T>(count);
    }

    // One pass over the four arrays, a SIMD packet at a time (three Eigen expressions took
    // three passes and two divisions per parameter; Adam was a sixth of W1's step).
    void update(Index first, VectorView<T> values, ConstVectorView<T> gradients) override {
        const double t = static_cast<double>(this->steps());
        const T step_size = T(this->learning_rate() / (1 - std::pow(double(beta1_), t)));
        const T inverse_correction = T(1 / std::sqrt(1 - std::pow(double(beta2_), t)));
        // The settings captured by value (see for_each_packet): by reference, they were
        // reloaded from memory for every packet.
        const auto adam_step = [beta1 = beta1_, beta2 = beta2_, eps = eps_, step_size, inverse_correction](
                                   const auto& g, auto& m, auto& v, auto& p) {
            using namespace Eigen::internal;
            using detail::broadcast;
            m = padd(pmul(broadcast(g, beta1), m), pmul(broadcast(g, T(1) - beta1), g));
            v = padd(pmul(broadcast(g, beta2), v), pmul(broadcast(g, T(1) - beta2), pmul(g, g)));
            const auto denominator = padd(pmul(psqrt(v), broadcast(g, inverse_correction)), broadcast(g, eps));
            p = psub(p, pdiv(pmul(broadcast(g, step_size), m), denominator));
        };
        detail::for_each_packet(adam_step, gradients.data(), first_moment_.data() + first,
                                second_moment_.data() + first, values.data(), values.size());
    }

private:
    T beta1_;
    T beta2_;
    T eps_;
    Vector<T> first_moment_;
    Vector<T> second_moment_;
};

/// PyTorch's AdamW: decoupled weight decay p *= 1 - lr * weight_decay before the Adam step.
/// Requires: weight_decay >= 0, and Adam's requirements (checked).
template <Scalar T>
class AdamW final : public Adam<T> {
public:
    explicit AdamW(T lr = T(1e-3), T weight_decay = T(0.01), T beta1 = T(0.9), T beta2 = T(0.999),
                   T eps = T(1e-8))
        : Adam<T>("AdamW", lr, beta1, beta2, eps), weight_decay_(weight_decay) {
        this->require(weight_decay >= 0 && std::isfinite(weight_decay), "AdamW",
                      "weight_decay must be a finite number >= 0", weight_decay);
    }

    std::string type_name() const override { return "AdamW"; }
    std::unique_ptr<Optimizer<T>> clone() const override { return std::make_unique<AdamW>(*this); }
    T weight_decay() const { return weight_decay_; }

    std::map<std::string, double> settings() const override {
        auto values = Adam<T>::settings();
        values.insert({"weight_decay", weight_decay_});
        return values;
    }

protected:
    void update(Index first, VectorView<T> values, ConstVectorView<T> gradients) override {
        values *= T(1) - this->lr() * weight_decay_;
        Adam<T>::update(first, values, gradients);
    }

private:
    T weight_decay_;
};

}  // namespace neuro
