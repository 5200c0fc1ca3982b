// Unit tests for the optimizers: every update is checked against PyTorch's update rule,
// written out below as plain scalar loops (the "reference" optimizers), never against the
// library itself.

#include <catch2/catch.hpp>

#include "neuro/core/error.hpp"
#include "neuro/core/types.hpp"
#include "neuro/layers/dense.hpp"
#include "neuro/losses/mean_squared_error.hpp"
#include "neuro/model/sequential.hpp"
#include "neuro/optimizers/adagrad.hpp"
#include "neuro/optimizers/adam.hpp"
#include "neuro/optimizers/optimizer.hpp"
#include "neuro/optimizers/rmsprop.hpp"
#include "neuro/optimizers/sgd.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace test_optimizers {

namespace {

using neuro::Index;
using Values = std::vector<double>;

// ---------------------------------------------------------------------------------------------
// The fixed problem: four parameters and one gradient per step. All are dyadic, so they are
// exact in float as well as in double.
// ---------------------------------------------------------------------------------------------
const Values kStart{0.5, -1.25, 2.0, 0.75};
const Values kGradient1{0.25, -0.5, 1.5, -2.0};
const Values kGradient2{-0.75, 0.125, 1.0, 0.5};

template <class T>
double tolerance() {
    return std::is_same_v<T, double> ? 1e-12 : 1e-6;
}

/// x as the optimizer of scalar T holds it (hyperparameters are passed as T).
template <class T>
double stored(double x) {
    return static_cast<double>(static_cast<T>(x));
}

template <class T>
Values stored(Values values) {
    for (double& v : values) v = stored<T>(v);
    return values;
}

template <class T>
neuro::Vector<T> to_vector(const Values& values) {
    neuro::Vector<T> v(static_cast<Index>(values.size()));
    for (std::size_t i = 0; i < values.size(); ++i) v(static_cast<Index>(i)) = static_cast<T>(values[i]);
    return v;
}

template <class T>
neuro::VectorView<T> view(neuro::Vector<T>& v) {
    return neuro::VectorView<T>(v.data(), v.size());
}

/// One step of `optimizer` on `parameters` with a copy of `gradient`; returns the gradient as
/// the optimizer left it (clipping works in place).
template <class T>
neuro::Vector<T> step(neuro::Optimizer<T>& optimizer, neuro::Vector<T>& parameters, const Values& gradient) {
    neuro::Vector<T> g = to_vector<T>(gradient);
    optimizer.step(view(parameters), view(g));
    return g;
}

/// One of each optimizer and variant (momentum, Nesterov, AdamW's decay), with state to carry.
template <class T>
std::vector<std::unique_ptr<neuro::Optimizer<T>>> every_optimizer() {
    std::vector<std::unique_ptr<neuro::Optimizer<T>>> optimizers;
    optimizers.push_back(std::make_unique<neuro::SGD<T>>(T(0.1)));
    optimizers.push_back(std::make_unique<neuro::SGD<T>>(T(0.1), T(0.9)));
    optimizers.push_back(std::make_unique<neuro::SGD<T>>(T(0.1), T(0.9), true));
    optimizers.push_back(std::make_unique<neuro::Adam<T>>(T(0.1), T(0.8), T(0.95), T(0.01)));
    optimizers.push_back(std::make_unique<neuro::AdamW<T>>(T(0.1), T(0.5), T(0.8), T(0.95), T(0.01)));
    optimizers.push_back(std::make_unique<neuro::RMSprop<T>>(T(0.05), T(0.9), T(0.01)));
    optimizers.push_back(std::make_unique<neuro::RMSprop<T>>(T(0.05), T(0.9), T(0.01), T(0.5)));
    optimizers.push_back(std::make_unique<neuro::Adagrad<T>>(T(0.25)));
    return optimizers;
}

template <class T>
void check_close(const neuro::Vector<T>& actual, const Values& expected) {
    REQUIRE(actual.size() == static_cast<Index>(expected.size()));
    for (std::size_t i = 0; i < expected.size(); ++i) {
        INFO("element " << i);
        CHECK(static_cast<double>(actual(static_cast<Index>(i))) == Approx(expected[i]).epsilon(tolerance<T>()));
    }
}

/// The message of the neuro::Error that `action` throws, or a marker when it throws nothing.
std::string error_message(const std::function<void()>& action) {
    try {
        action();
    } catch (const neuro::Error& error) {
        return error.what();
    }
    return "<no neuro::Error thrown>";
}

// ---------------------------------------------------------------------------------------------
// Reference optimizers: PyTorch's update rules (torch.optim, single-tensor path), one scalar
// at a time, in double.
// ---------------------------------------------------------------------------------------------

/// torch.optim.SGD, dampening 0, no weight decay:
///   buf = g on the first step, buf = m * buf + g after; d = g + m * buf (Nesterov) or buf;
///   without momentum d = g; p -= lr * d.
struct ReferenceSGD {
    double lr;
    double momentum = 0;
    bool nesterov = false;
    Values buffer{};
    bool started = false;

    void step(Values& p, const Values& g) {
        if (buffer.empty()) buffer.assign(p.size(), 0.0);
        for (std::size_t i = 0; i < p.size(); ++i) {
            double d = g[i];
            if (momentum != 0) {
                buffer[i] = started ? momentum * buffer[i] + g[i] : g[i];
                d = nesterov ? g[i] + momentum * buffer[i] : buffer[i];
            }
            p[i] -= lr * d;
        }
        started = true;
    }
};

/// torch.optim.Adam / AdamW (amsgrad off):
///   AdamW first: p *= 1 - lr * wd;
///   m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
///   denom = sqrt(v) / sqrt(1 - b2^t) + eps; p -= lr / (1 - b1^t) * m / denom.
struct ReferenceAdam {
    double lr;
    double beta1;
    double beta2;
    double eps;
    double decoupled_weight_decay = 0;
    Values m{};
    Values v{};
    int t = 0;

    void step(Values& p, const Values& g) {
        if (m.empty()) {
            m.assign(p.size(), 0.0);
            v.assign(p.size(), 0.0);
        }
        ++t;
        const double bias_correction1 = 1 - std::pow(beta1, t);
        const double bias_correction2 = 1 - std::pow(beta2, t);
        for (std::size_t i = 0; i < p.size(); ++i) {
            p[i] *= 1 - lr * decoupled_weight_decay;
            m[i] = beta1 * m[i] + (1 - beta1) * g[i];
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
            const double denom = std::sqrt(v[i]) / std::sqrt(bias_correction2) + eps;
            p[i] -= lr / bias_correction1 * m[i] / denom;
        }
    }
};

/// torch.optim.RMSprop, not centered:
///   v = alpha v + (1 - alpha) g^2; a = sqrt(v) + eps;
///   with momentum: buf = mom * buf + g / a, p -= lr * buf; without: p -= lr * g / a.
struct ReferenceRMSprop {
    double lr;
    double alpha;
    double eps;
    double momentum = 0;
    Values square_average{};
    Values buffer{};

    void step(Values& p, const Values& g) {
        if (square_average.empty()) {
            square_average.assign(p.size(), 0.0);
            buffer.assign(p.size(), 0.0);
        }
        for (std::size_t i = 0; i < p.size(); ++i) {
            square_average[i] = alpha * square_average[i] + (1 - alpha) * g[i] * g[i];
            const double a = std::sqrt(square_average[i]) + eps;
            if (momentum > 0) {
                buffer[i] = momentum * buffer[i] + g[i] / a;
                p[i] -= lr * buffer[i];
            } else {
                p[i] -= lr * g[i] / a;
            }
        }
    }
};

/// torch.optim.Adagrad, lr_decay 0, initial_accumulator_value 0, eps 1e-10:
///   s += g^2; p -= lr * g / (sqrt(s) + eps).
struct ReferenceAdagrad {
    double lr;
    double eps = 1e-10;
    Values sum{};

    void step(Values& p, const Values& g) {
        if (sum.empty()) sum.assign(p.size(), 0.0);
        for (std::size_t i = 0; i < p.size(); ++i) {
            sum[i] += g[i] * g[i];
            p[i] -= lr * g[i] / (std::sqrt(sum[i]) + eps);
        }
    }
};

/// torch.nn.utils.clip_grad_norm_: coef = max_norm / (total_norm + 1e-6), clamped to 1.
Values reference_clip(Values g, double max_norm) {
    double squares = 0;
    for (double x : g) squares += x * x;
    const double coef = max_norm / (std::sqrt(squares) + 1e-6);
    if (coef < 1)
        for (double& x : g) x *= coef;
    return g;
}

/// Runs `optimizer` (reset for kStart) and `reference` side by side for two steps with
/// kGradient1 then kGradient2, comparing the parameters after each step.
template <class T, class Reference>
void check_two_steps(neuro::Optimizer<T>& optimizer, Reference reference, const Values& gradient1 = kGradient1,
                     const Values& gradient2 = kGradient2) {
    neuro::Vector<T> parameters = to_vector<T>(kStart);
    Values expected = stored<T>(kStart);
    optimizer.reset(parameters.size());

    step(optimizer, parameters, gradient1);
    reference.step(expected, stored<T>(gradient1));
    {
        INFO("after step 1");
        check_close(parameters, expected);
    }

    step(optimizer, parameters, gradient2);
    reference.step(expected, stored<T>(gradient2));
    {
        INFO("after step 2");
        check_close(parameters, expected);
    }
    CHECK(optimizer.steps() == 2);
}

}  // namespace

// =============================================================================================
// Update rules
// =============================================================================================

TEMPLATE_TEST_CASE("Plain SGD subtracts the learning rate times the gradient", "[optimizers][sgd]", float,
                   double) {
    neuro::SGD<TestType> sgd(TestType(0.1));
    check_two_steps<TestType>(sgd, ReferenceSGD{.lr = stored<TestType>(0.1)});

    // The same numbers written out: p2 = p0 - 0.1 * (g1 + g2).
    // 0.5 - 0.1*(0.25 - 0.75) = 0.55; -1.25 - 0.1*(-0.5 + 0.125) = -1.2125;
    // 2 - 0.1*(1.5 + 1) = 1.75; 0.75 - 0.1*(-2 + 0.5) = 0.9.
    neuro::Vector<TestType> p = to_vector<TestType>(kStart);
    sgd.reset(4);
    step(sgd, p, kGradient1);
    step(sgd, p, kGradient2);
    check_close(p, {0.55, -1.2125, 1.75, 0.9});
}

TEMPLATE_TEST_CASE("SGD with momentum starts its buffer at the first gradient and accumulates after",
                   "[optimizers][sgd]", float, double) {
    neuro::SGD<TestType> sgd(TestType(0.1), TestType(0.9));
    check_two_steps<TestType>(sgd, ReferenceSGD{.lr = stored<TestType>(0.1), .momentum = stored<TestType>(0.9)});
}

TEMPLATE_TEST_CASE("SGD with Nesterov momentum steps along the gradient plus momentum times the buffer",
                   "[optimizers][sgd]", float, double) {
    neuro::SGD<TestType> sgd(TestType(0.1), TestType(0.9), true);
    check_two_steps<TestType>(
        sgd, ReferenceSGD{.lr = stored<TestType>(0.1), .momentum = stored<TestType>(0.9), .nesterov = true});
}

TEST_CASE("SGD with momentum matches a hand-derived two-step result", "[optimizers][sgd]") {
    // lr 0.5, momentum 0.5, on p = 1 with g1 = 1, g2 = 2:
    //   plain momentum: b1 = 1, p1 = 1 - 0.5 = 0.5; b2 = 0.5*1 + 2 = 2.5, p2 = 0.5 - 1.25 = -0.75.
    //   Nesterov: b1 = 1, d1 = 1 + 0.5*1 = 1.5, p1 = 0.25; b2 = 2.5, d2 = 2 + 1.25 = 3.25,
    //             p2 = 0.25 - 1.625 = -1.375.
    neuro::SGD<double> momentum(0.5, 0.5);
    neuro::SGD<double> nesterov(0.5, 0.5, true);
    neuro::Vector<double> p = to_vector<double>({1.0});
    neuro::Vector<double> q = to_vector<double>({1.0});
    momentum.reset(1);
    nesterov.reset(1);
    step(momentum, p, {1.0});
    step(nesterov, q, {1.0});
    CHECK(p(0) == Approx(0.5).epsilon(1e-12));
    CHECK(q(0) == Approx(0.25).epsilon(1e-12));
    step(momentum, p, {2.0});
    step(nesterov, q, {2.0});
    CHECK(p(0) == Approx(-0.75).epsilon(1e-12));
    CHECK(q(0) == Approx(-1.375).epsilon(1e-12));
}

TEMPLATE_TEST_CASE("Adam applies bias-corrected moments as PyTorch does", "[optimizers][adam]", float, double) {
    neuro::Adam<TestType> adam(TestType(0.1), TestType(0.8), TestType(0.95), TestType(0.01));
    check_two_steps<TestType>(adam, ReferenceAdam{.lr = stored<TestType>(0.1),
                                                  .beta1 = stored<TestType>(0.8),
                                                  .beta2 = stored<TestType>(0.95),
                                                  .eps = stored<TestType>(0.01)});
}

/// Three steps over 203 parameters, against the reference: the four-parameter problem above
/// fits in one SSE packet, and runs no packet at all where packets hold 8 or 16 values (the
/// native build of these tests). The gradients span 1e-4 to 10 and every seventh is 0, so
/// that Adam and RMSprop also meet a second moment of 0.
template <class T, class Reference>
void check_many_parameters(neuro::Optimizer<T>& optimizer, Reference reference) {
    constexpr std::size_t count = 203;
    Values start(count);
    for (std::size_t i = 0; i < count; ++i) start[i] = std::cos(1.3 * double(i));
    neuro::Vector<T> parameters = to_vector<T>(start);
    Values expected = stored<T>(start);
    optimizer.reset(parameters.size());
    for (int t = 1; t <= 3; ++t) {
        Values gradient(count);
        for (std::size_t i = 0; i < count; ++i)
            gradient[i] = i % 7 == 0 ? 0.0 : std::sin(0.7 * double(i) + t) * std::pow(10.0, double(i % 6) - 4);
        step(optimizer, parameters, gradient);
        reference.step(expected, stored<T>(gradient));
        INFO("after step " << t);
        double largest_error = 0;
        for (std::size_t i = 0; i < count; ++i)
            largest_error = std::max(largest_error, std::abs(double(parameters(Index(i))) - expected[i]));
        CHECK(largest_error <= tolerance<T>());
    }
}

TEMPLATE_TEST_CASE("Every optimizer matches its reference over many parameters", "[optimizers]", float, double) {
    using T = TestType;
    SECTION("SGD with momentum") {
        neuro::SGD<T> sgd(T(0.1), T(0.9));
        check_many_parameters<T>(sgd, ReferenceSGD{.lr = stored<T>(0.1), .momentum = stored<T>(0.9)});
    }
    SECTION("Adam") {
        neuro::Adam<T> adam(T(0.1), T(0.8), T(0.95), T(1e-8));
        check_many_parameters<T>(
            adam, ReferenceAdam{.lr = stored<T>(0.1), .beta1 = stored<T>(0.8), .beta2 = stored<T>(0.95), .eps = stored<T>(1e-8)});
    }
    SECTION("AdamW") {
        neuro::AdamW<T> adamw(T(0.1), T(0.5), T(0.8), T(0.95), T(1e-8));
        check_many_parameters<T>(adamw, ReferenceAdam{.lr = stored<T>(0.1),
                                                      .beta1 = stored<T>(0.8),
                                                      .beta2 = stored<T>(0.95),
                                                      .eps = stored<T>(1e-8),
                                                      .decoupled_weight_decay = stored<T>(0.5)});
    }
    SECTION("RMSprop with momentum") {
        neuro::RMSprop<T> rmsprop(T(0.05), T(0.9), T(0.01), T(0.5));
        check_many_parameters<T>(rmsprop, ReferenceRMSprop{.lr = stored<T>(0.05),
                                                          .alpha = stored<T>(0.9),
                                                          .eps = stored<T>(0.01),
                                                          .momentum = stored<T>(0.5)});
    }
    SECTION("Adagrad") {
        neuro::Adagrad<T> adagrad(T(0.25));
        check_many_parameters<T>(adagrad, ReferenceAdagrad{.lr = stored<T>(0.25)});
    }
}

TEST_CASE("Adam matches a hand-derived two-step result", "[optimizers][adam]") {
    // t = 1, lr 0.1, b1 0.5, b2 0.75, eps 0.5, g = 2:
    //   m = 0.5*2 = 1, v = 0.25*4 = 1; bc1 = 0.5, bc2 = 0.25;
    //   denom = sqrt(1)/sqrt(0.25) + 0.5 = 2.5; p = 1 - 0.1/0.5 * 1/2.5 = 1 - 0.08 = 0.92.
    // t = 2, g = 2: m = 0.5 + 1 = 1.5, v = 0.75 + 1 = 1.75; bc1 = 0.75, bc2 = 0.4375;
    //   denom = sqrt(1.75/0.4375) + 0.5 = 2.5; p = 0.92 - 0.1/0.75 * 1.5/2.5 = 0.92 - 0.08 = 0.84.
    neuro::Adam<double> adam(0.1, 0.5, 0.75, 0.5);
    neuro::Vector<double> p = to_vector<double>({1.0});
    adam.reset(1);
    step(adam, p, {2.0});
    CHECK(p(0) == Approx(0.92).epsilon(1e-12));
    step(adam, p, {2.0});
    CHECK(p(0) == Approx(0.84).epsilon(1e-12));
}

TEMPLATE_TEST_CASE("AdamW decays the parameters by 1 - lr * weight_decay before the Adam step",
                   "[optimizers][adam]", float, double) {
    neuro::AdamW<TestType> adamw(TestType(0.1), TestType(0.5), TestType(0.8), TestType(0.95), TestType(0.01));
    check_two_steps<TestType>(adamw, ReferenceAdam{.lr = stored<TestType>(0.1),
                                                   .beta1 = stored<TestType>(0.8),
                                                   .beta2 = stored<TestType>(0.95),
                                                   .eps = stored<TestType>(0.01),
                                                   .decoupled_weight_decay = stored<TestType>(0.5)});
}

TEMPLATE_TEST_CASE("RMSprop without momentum divides the gradient by the root of the running mean square",
                   "[optimizers][rmsprop]", float, double) {
    neuro::RMSprop<TestType> rmsprop(TestType(0.05), TestType(0.9), TestType(0.01));
    check_two_steps<TestType>(rmsprop, ReferenceRMSprop{.lr = stored<TestType>(0.05),
                                                        .alpha = stored<TestType>(0.9),
                                                        .eps = stored<TestType>(0.01)});
}

TEMPLATE_TEST_CASE("RMSprop with momentum accumulates the scaled gradients in a buffer",
                   "[optimizers][rmsprop]", float, double) {
    neuro::RMSprop<TestType> rmsprop(TestType(0.05), TestType(0.9), TestType(0.01), TestType(0.5));
    check_two_steps<TestType>(rmsprop, ReferenceRMSprop{.lr = stored<TestType>(0.05),
                                                        .alpha = stored<TestType>(0.9),
                                                        .eps = stored<TestType>(0.01),
                                                        .momentum = stored<TestType>(0.5)});
}

TEST_CASE("RMSprop matches a hand-derived two-step result", "[optimizers][rmsprop]") {
    // lr 0.1, alpha 0.75, eps 0, momentum 0.5, g = 2 then 2:
    //   v1 = 0.25*4 = 1, a1 = 1, buf1 = 2, p1 = 1 - 0.2 = 0.8;
    //   v2 = 0.75 + 1 = 1.75, a2 = sqrt(1.75), buf2 = 1 + 2/sqrt(1.75), p2 = 0.8 - 0.1*buf2.
    neuro::RMSprop<double> rmsprop(0.1, 0.75, 0.0, 0.5);
    neuro::Vector<double> p = to_vector<double>({1.0});
    rmsprop.reset(1);
    step(rmsprop, p, {2.0});
    CHECK(p(0) == Approx(0.8).epsilon(1e-12));
    step(rmsprop, p, {2.0});
    CHECK(p(0) == Approx(0.8 - 0.1 * (1 + 2 / std::sqrt(1.75))).epsilon(1e-12));
}

TEMPLATE_TEST_CASE("Adagrad divides the gradient by the root of the summed squared gradients",
                   "[optimizers][adagrad]", float, double) {
    neuro::Adagrad<TestType> adagrad(TestType(0.25));
    check_two_steps<TestType>(adagrad, ReferenceAdagrad{.lr = stored<TestType>(0.25)});
}

TEST_CASE("Adagrad matches a hand-derived two-step result", "[optimizers][adagrad]") {
    // lr 0.5, g = 3 then 4: s1 = 9, p1 = 1 - 0.5*3/(3 + 1e-10) ~ 0.5;
    // s2 = 25, p2 = p1 - 0.5*4/(5 + 1e-10) ~ 0.1.
    neuro::Adagrad<double> adagrad(0.5);
    neuro::Vector<double> p = to_vector<double>({1.0});
    adagrad.reset(1);
    step(adagrad, p, {3.0});
    CHECK(p(0) == Approx(1 - 1.5 / (3 + 1e-10)).epsilon(1e-12));
    step(adagrad, p, {4.0});
    CHECK(p(0) == Approx(1 - 1.5 / (3 + 1e-10) - 2 / (5 + 1e-10)).epsilon(1e-12));
}

// =============================================================================================
// Defaults
// =============================================================================================

TEST_CASE("Default hyperparameters are PyTorch's", "[optimizers][defaults]") {
    const neuro::Adam<double> adam;
    CHECK(adam.learning_rate() == 1e-3);
    CHECK(adam.beta1() == 0.9);
    CHECK(adam.beta2() == 0.999);
    CHECK(adam.eps() == 1e-8);

    const neuro::AdamW<double> adamw;
    CHECK(adamw.learning_rate() == 1e-3);
    CHECK(adamw.weight_decay() == 0.01);
    CHECK(adamw.beta1() == 0.9);
    CHECK(adamw.beta2() == 0.999);
    CHECK(adamw.eps() == 1e-8);

    const neuro::RMSprop<double> rmsprop;
    CHECK(rmsprop.learning_rate() == 1e-2);
    CHECK(rmsprop.alpha() == 0.99);
    CHECK(rmsprop.eps() == 1e-8);
    CHECK(rmsprop.momentum() == 0.0);

    const neuro::Adagrad<double> adagrad;
    CHECK(adagrad.learning_rate() == 1e-2);

    const neuro::SGD<double> sgd(0.1);
    CHECK(sgd.momentum() == 0.0);
    CHECK_FALSE(sgd.nesterov());

    CHECK(sgd.clip_norm() == 0.0);
    CHECK(adam.clip_norm() == 0.0);
}

// Gradients small enough that every eps matters: Adam's and RMSprop's 1e-8, Adagrad's 1e-10.
TEMPLATE_TEST_CASE("Default-constructed optimizers update as PyTorch's defaults, eps included",
                   "[optimizers][defaults]", float, double) {
    const Values tiny1{0.25, -1e-7, 3e-9, -2e-10};
    const Values tiny2{-0.5, 2e-7, 1e-9, 1e-10};

    SECTION("Adam") {
        neuro::Adam<TestType> adam;
        check_two_steps<TestType>(adam, ReferenceAdam{.lr = stored<TestType>(1e-3),
                                                      .beta1 = stored<TestType>(0.9),
                                                      .beta2 = stored<TestType>(0.999),
                                                      .eps = stored<TestType>(1e-8)},
                                  tiny1, tiny2);
    }
    SECTION("AdamW") {
        neuro::AdamW<TestType> adamw;
        check_two_steps<TestType>(adamw, ReferenceAdam{.lr = stored<TestType>(1e-3),
                                                       .beta1 = stored<TestType>(0.9),
                                                       .beta2 = stored<TestType>(0.999),
                                                       .eps = stored<TestType>(1e-8),
                                                       .decoupled_weight_decay = stored<TestType>(0.01)},
                                  tiny1, tiny2);
    }
    SECTION("RMSprop") {
        neuro::RMSprop<TestType> rmsprop;
        check_two_steps<TestType>(rmsprop, ReferenceRMSprop{.lr = stored<TestType>(1e-2),
                                                            .alpha = stored<TestType>(0.99),
                                                            .eps = stored<TestType>(1e-8)},
                                  tiny1, tiny2);
    }
    SECTION("Adagrad") {
        neuro::Adagrad<TestType> adagrad;
        check_two_steps<TestType>(adagrad, ReferenceAdagrad{.lr = stored<TestType>(1e-2), .eps = 1e-10}, tiny1,
                                  tiny2);
    }
}

TEST_CASE("Adagrad's eps is 1e-10", "[optimizers][adagrad][defaults]") {
    // g = 1e-9: s = 1e-18, sqrt(s) = 1e-9, p = 1 - 1 * 1e-9 / (1e-9 + 1e-10) = 1 - 1/1.1.
    neuro::Adagrad<double> adagrad(1.0);
    neuro::Vector<double> p = to_vector<double>({1.0});
    adagrad.reset(1);
    step(adagrad, p, {1e-9});
    CHECK(p(0) == Approx(1 - 1 / 1.1).epsilon(1e-12));
}

// =============================================================================================
// Gradient clipping
// =============================================================================================

TEMPLATE_TEST_CASE("Clipping scales a gradient above the limit to it and leaves one below untouched (SGD)",
                   "[optimizers][clipping]", float, double) {
    // Step 1: |g| = sqrt(9 + 16 + 0 + 144) = 13 > 1, scaled by 1 / (13 + 1e-6).
    // Step 2: |g| = sqrt(0.0625 + 0.25 + 0.25 + 0.0625) ~ 0.79 < 1, untouched.
    const Values big{3.0, -4.0, 0.0, 12.0};
    const Values small{0.25, -0.5, 0.5, 0.25};
    neuro::SGD<TestType> sgd(TestType(0.1), TestType(0.5));
    sgd.set_clip_norm(1.0);
    CHECK(sgd.clip_norm() == 1.0);
    sgd.reset(4);
    ReferenceSGD reference{.lr = stored<TestType>(0.1), .momentum = stored<TestType>(0.5)};

    neuro::Vector<TestType> p = to_vector<TestType>(kStart);
    Values expected = kStart;

    const Values clipped = reference_clip(big, 1.0);
    CHECK(clipped[3] == Approx(12.0 / (13.0 + 1e-6)).epsilon(1e-15));
    const neuro::Vector<TestType> g1 = step(sgd, p, big);
    reference.step(expected, clipped);
    {
        INFO("step 1: the gradient is clipped in place and the update uses it");
        check_close(g1, clipped);
        check_close(p, expected);
    }

    const neuro::Vector<TestType> g2 = step(sgd, p, small);
    reference.step(expected, small);
    {
        INFO("step 2: the gradient is below the limit");
        check_close(g2, small);
        check_close(p, expected);
    }
}

TEMPLATE_TEST_CASE("Clipping applies to Adam's gradient before the moments are updated",
                   "[optimizers][clipping]", float, double) {
    const Values big{3.0, -4.0, 0.0, 12.0};
    const Values small{0.25, -0.5, 0.5, 0.25};
    neuro::Adam<TestType> adam(TestType(0.1));
    adam.set_clip_norm(2.0);
    adam.reset(4);
    ReferenceAdam reference{.lr = stored<TestType>(0.1),
                            .beta1 = stored<TestType>(0.9),
                            .beta2 = stored<TestType>(0.999),
                            .eps = stored<TestType>(1e-8)};

    neuro::Vector<TestType> p = to_vector<TestType>(kStart);
    Values expected = kStart;

    const neuro::Vector<TestType> g1 = step(adam, p, big);
    reference.step(expected, reference_clip(big, 2.0));
    check_close(g1, reference_clip(big, 2.0));
    check_close(p, expected);

    // After a clipped first step the second step depends on the clipping through m and v.
    const neuro::Vector<TestType> g2 = step(adam, p, small);
    reference.step(expected, small);
    check_close(g2, small);
    check_close(p, expected);

    // The reference without clipping ends elsewhere, so the comparison above is sensitive to it.
    ReferenceAdam unclipped{.lr = 0.1, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
    Values elsewhere = kStart;
    unclipped.step(elsewhere, big);
    unclipped.step(elsewhere, small);
    CHECK(std::abs(elsewhere[3] - expected[3]) > 1e-3);
}

TEST_CASE("A gradient whose norm equals the limit is scaled by max_norm / (norm + 1e-6) as in PyTorch",
          "[optimizers][clipping]") {
    neuro::SGD<double> sgd(1.0);
    sgd.set_clip_norm(5.0);
    sgd.reset(2);
    neuro::Vector<double> p = to_vector<double>({0.0, 0.0});
    const neuro::Vector<double> g = step(sgd, p, {3.0, 4.0});
    const double coef = 5.0 / (5.0 + 1e-6);
    CHECK(g(0) == Approx(3.0 * coef).epsilon(1e-15));
    CHECK(g(1) == Approx(4.0 * coef).epsilon(1e-15));
    CHECK(g(1) != 4.0);
    CHECK(p(1) == Approx(-4.0 * coef).epsilon(1e-15));
}

TEST_CASE("A clipping norm of 0 turns clipping off", "[optimizers][clipping]") {
    neuro::SGD<double> sgd(0.5);
    sgd.set_clip_norm(1.0);
    sgd.set_clip_norm(0.0);
    CHECK(sgd.clip_norm() == 0.0);
    sgd.reset(2);
    neuro::Vector<double> p = to_vector<double>({1.0, 1.0});
    const neuro::Vector<double> g = step(sgd, p, {30.0, -40.0});
    CHECK(g(0) == 30.0);
    CHECK(g(1) == -40.0);
    CHECK(p(0) == Approx(1 - 15.0).epsilon(1e-15));
    CHECK(p(1) == Approx(1 + 20.0).epsilon(1e-15));
}

// =============================================================================================
// Learning rate changes
// =============================================================================================

TEMPLATE_TEST_CASE("A learning rate set between steps is used from the next step on", "[optimizers][lr]", float,
                   double) {
    SECTION("SGD with momentum") {
        neuro::SGD<TestType> sgd(TestType(0.1), TestType(0.9));
        ReferenceSGD reference{.lr = stored<TestType>(0.1), .momentum = stored<TestType>(0.9)};
        sgd.reset(4);
        neuro::Vector<TestType> p = to_vector<TestType>(kStart);
        Values expected = kStart;
        step(sgd, p, kGradient1);
        reference.step(expected, kGradient1);
        sgd.set_learning_rate(0.025);
        CHECK(sgd.learning_rate() == 0.025);
        reference.lr = 0.025;
        step(sgd, p, kGradient2);
        reference.step(expected, kGradient2);
        check_close(p, expected);
    }
    SECTION("Adam") {
        neuro::Adam<TestType> adam(TestType(0.1));
        ReferenceAdam reference{.lr = stored<TestType>(0.1),
                                .beta1 = stored<TestType>(0.9),
                                .beta2 = stored<TestType>(0.999),
                                .eps = stored<TestType>(1e-8)};
        adam.reset(4);
        neuro::Vector<TestType> p = to_vector<TestType>(kStart);
        Values expected = kStart;
        step(adam, p, kGradient1);
        reference.step(expected, kGradient1);
        adam.set_learning_rate(0.025);
        reference.lr = 0.025;
        step(adam, p, kGradient2);
        reference.step(expected, kGradient2);
        check_close(p, expected);
    }
    SECTION("AdamW, whose decay uses the new rate too") {
        neuro::AdamW<TestType> adamw(TestType(0.1), TestType(0.5));
        ReferenceAdam reference{.lr = stored<TestType>(0.1),
                                .beta1 = stored<TestType>(0.9),
                                .beta2 = stored<TestType>(0.999),
                                .eps = stored<TestType>(1e-8),
                                .decoupled_weight_decay = stored<TestType>(0.5)};
        adamw.reset(4);
        neuro::Vector<TestType> p = to_vector<TestType>(kStart);
        Values expected = kStart;
        step(adamw, p, kGradient1);
        reference.step(expected, kGradient1);
        adamw.set_learning_rate(0.5);
        reference.lr = 0.5;
        step(adamw, p, kGradient2);
        reference.step(expected, kGradient2);
        check_close(p, expected);
    }
}

// =============================================================================================
// Invalid arguments
// =============================================================================================

TEST_CASE("A negative or non-finite learning rate is rejected with the optimizer's name and the value",
          "[optimizers][errors]") {
    std::vector<std::unique_ptr<neuro::Optimizer<double>>> optimizers;
    optimizers.push_back(std::make_unique<neuro::SGD<double>>(0.1));
    optimizers.push_back(std::make_unique<neuro::Adam<double>>());
    optimizers.push_back(std::make_unique<neuro::AdamW<double>>());
    optimizers.push_back(std::make_unique<neuro::RMSprop<double>>());
    optimizers.push_back(std::make_unique<neuro::Adagrad<double>>());

    for (auto& optimizer : optimizers) {
        const std::string name = optimizer->type_name();
        INFO(name);
        const double before = optimizer->learning_rate();

        CHECK_THROWS_AS(optimizer->set_learning_rate(-0.5), neuro::Error);
        const std::string negative = error_message([&] { optimizer->set_learning_rate(-0.5); });
        CHECK_THAT(negative, Catch::Contains(name + ":") && Catch::Contains("-0.5"));

        const std::string nan =
            error_message([&] { optimizer->set_learning_rate(std::numeric_limits<double>::quiet_NaN()); });
        CHECK_THAT(nan, Catch::Contains(name + ":") && Catch::Contains("nan"));

        const std::string infinite =
            error_message([&] { optimizer->set_learning_rate(std::numeric_limits<double>::infinity()); });
        CHECK_THAT(infinite, Catch::Contains(name + ":") && Catch::Contains("inf"));

        CHECK(optimizer->learning_rate() == before);
    }
    CHECK(optimizers.size() == 5);
}

TEST_CASE("A learning rate of zero is accepted and leaves the parameters in place", "[optimizers][lr]") {
    neuro::Adam<double> adam(0.1);
    adam.set_learning_rate(0.0);
    adam.reset(4);
    neuro::Vector<double> p = to_vector<double>(kStart);
    step(adam, p, kGradient1);
    check_close(p, kStart);
}

TEST_CASE("Adam and AdamW reject a beta below 0 or at least 1 with the value", "[optimizers][errors]") {
    CHECK_THROWS_AS(neuro::Adam<double>(1e-3, 1.0), neuro::Error);
    CHECK_THAT(error_message([] { neuro::Adam<double>(1e-3, 1.5); }),
               Catch::Contains("Adam:") && Catch::Contains("beta1") && Catch::Contains("1.5"));
    CHECK_THAT(error_message([] { neuro::Adam<double>(1e-3, -0.25); }),
               Catch::Contains("Adam:") && Catch::Contains("beta1") && Catch::Contains("-0.25"));
    CHECK_THAT(error_message([] { neuro::Adam<double>(1e-3, 0.9, 1.0); }),
               Catch::Contains("Adam:") && Catch::Contains("beta2") && Catch::Contains("got 1"));
    CHECK_THAT(error_message([] { neuro::Adam<double>(1e-3, 0.9, 0.999, -0.5); }),
               Catch::Contains("Adam:") && Catch::Contains("eps") && Catch::Contains("-0.5"));
    CHECK_THROWS_AS(neuro::AdamW<double>(1e-3, 0.01, 1.0), neuro::Error);
    CHECK_THAT(error_message([] { neuro::AdamW<double>(1e-3, 0.01, 1.5); }),
               Catch::Contains("Adam") && Catch::Contains("1.5"));
    CHECK_NOTHROW(neuro::Adam<double>(1e-3, 0.0, 0.0));
}

TEST_CASE("A negative momentum is rejected by SGD and RMSprop with the value", "[optimizers][errors]") {
    CHECK_THROWS_AS(neuro::SGD<double>(0.1, -0.5), neuro::Error);
    CHECK_THAT(error_message([] { neuro::SGD<double>(0.1, -0.5); }),
               Catch::Contains("SGD:") && Catch::Contains("momentum") && Catch::Contains("-0.5"));
    CHECK_THROWS_AS(neuro::RMSprop<double>(0.01, 0.99, 1e-8, -0.5), neuro::Error);
    CHECK_THAT(error_message([] { neuro::RMSprop<double>(0.01, 0.99, 1e-8, -0.5); }),
               Catch::Contains("RMSprop:") && Catch::Contains("momentum") && Catch::Contains("-0.5"));
    CHECK_THAT(error_message([] { neuro::RMSprop<double>(0.01, 1.5); }),
               Catch::Contains("RMSprop:") && Catch::Contains("alpha") && Catch::Contains("1.5"));
    CHECK_THAT(error_message([] { neuro::SGD<float>(0.1f, -0.25f); }),
               Catch::Contains("SGD:") && Catch::Contains("-0.25"));
}

TEST_CASE("Nesterov momentum without momentum is rejected", "[optimizers][errors]") {
    CHECK_THROWS_AS(neuro::SGD<double>(0.1, 0.0, true), neuro::Error);
    CHECK_THAT(error_message([] { neuro::SGD<double>(0.1, 0.0, true); }),
               Catch::Contains("SGD:") && Catch::Contains("Nesterov") && Catch::Contains("got 0"));
    CHECK_NOTHROW(neuro::SGD<double>(0.1, 0.25, true));
}

TEST_CASE("A negative or non-finite clipping norm is rejected with the optimizer's name and the value",
          "[optimizers][errors][clipping]") {
    neuro::RMSprop<double> rmsprop;
    rmsprop.set_clip_norm(2.0);
    CHECK_THROWS_AS(rmsprop.set_clip_norm(-1.5), neuro::Error);
    CHECK_THAT(error_message([&] { rmsprop.set_clip_norm(-1.5); }),
               Catch::Contains("RMSprop:") && Catch::Contains("-1.5"));
    CHECK_THAT(error_message([&] { rmsprop.set_clip_norm(std::numeric_limits<double>::quiet_NaN()); }),
               Catch::Contains("RMSprop:") && Catch::Contains("nan"));
    CHECK(rmsprop.clip_norm() == 2.0);

    neuro::SGD<float> sgd(0.1f);
    CHECK_THAT(error_message([&] { sgd.set_clip_norm(-3.0); }), Catch::Contains("SGD:") && Catch::Contains("-3"));
}

TEST_CASE("A negative weight decay is rejected by AdamW with the value", "[optimizers][errors]") {
    CHECK_THROWS_AS(neuro::AdamW<double>(1e-3, -0.25), neuro::Error);
    CHECK_THAT(error_message([] { neuro::AdamW<double>(1e-3, -0.25); }),
               Catch::Contains("AdamW:") && Catch::Contains("weight_decay") && Catch::Contains("-0.25"));
    CHECK_NOTHROW(neuro::AdamW<double>(1e-3, 0.0));
}

// The base constructor validates before type_name() can be called: it must still name the optimizer.
TEST_CASE("A negative or NaN learning rate passed to a constructor throws naming the optimizer",
          "[optimizers][errors]") {
    CHECK_THAT(error_message([] { neuro::SGD<double>(-0.5); }), Catch::Contains("SGD") && Catch::Contains("-0.5"));
    CHECK_THAT(error_message([] { neuro::Adam<double>(-0.5); }),
               Catch::Contains("Adam") && Catch::Contains("-0.5"));
    CHECK_THAT(error_message([] { neuro::RMSprop<double>(std::numeric_limits<double>::quiet_NaN()); }),
               Catch::Contains("RMSprop") && Catch::Contains("nan"));
    CHECK_THAT(error_message([] { neuro::Adagrad<double>(-0.5); }),
               Catch::Contains("Adagrad") && Catch::Contains("-0.5"));
}

TEST_CASE("AdamW names itself when rejecting a bad beta", "[optimizers][errors]") {
    CHECK_THAT(error_message([] { neuro::AdamW<double>(1e-3, 0.01, 1.5); }),
               Catch::Contains("AdamW:") && Catch::Contains("1.5"));
}

// =============================================================================================
// State: sizes, step counts, reset, clone
// =============================================================================================

TEST_CASE("A step over vectors of another size than reset() throws and changes nothing",
          "[optimizers][errors][state]") {
    neuro::Adam<double> adam(0.1);
    adam.reset(3);
    neuro::Vector<double> p = to_vector<double>({1.0, 2.0, 3.0, 4.0});
    neuro::Vector<double> g = to_vector<double>({0.5, 0.5, 0.5, 0.5});

    CHECK_THROWS_AS(adam.step(view(p), view(g)), neuro::Error);
    CHECK_THAT(error_message([&] { adam.step(view(p), view(g)); }),
               Catch::Contains("Adam:") && Catch::Contains("4") && Catch::Contains("3"));
    check_close(p, {1.0, 2.0, 3.0, 4.0});
    check_close(g, {0.5, 0.5, 0.5, 0.5});
    CHECK(adam.steps() == 0);

    // Right-sized values with a wrong-sized gradient are rejected too.
    neuro::Vector<double> q = to_vector<double>({1.0, 2.0, 3.0});
    CHECK_THROWS_AS(adam.step(view(q), view(g)), neuro::Error);
    check_close(q, {1.0, 2.0, 3.0});
    CHECK(adam.steps() == 0);

    // Without any reset, the state has size 0 and any non-empty step is rejected.
    neuro::SGD<double> sgd(0.1);
    CHECK(sgd.state_size() == 0);
    CHECK_THROWS_AS(sgd.step(view(q), view(q)), neuro::Error);
}

TEST_CASE("steps() counts the steps since the last reset", "[optimizers][state]") {
    neuro::RMSprop<double> rmsprop(0.01, 0.99, 1e-8, 0.9);
    CHECK(rmsprop.steps() == 0);
    rmsprop.reset(4);
    CHECK(rmsprop.state_size() == 4);
    CHECK(rmsprop.steps() == 0);
    neuro::Vector<double> p = to_vector<double>(kStart);
    step(rmsprop, p, kGradient1);
    CHECK(rmsprop.steps() == 1);
    step(rmsprop, p, kGradient2);
    step(rmsprop, p, kGradient1);
    CHECK(rmsprop.steps() == 3);
    rmsprop.reset(4);
    CHECK(rmsprop.steps() == 0);
    step(rmsprop, p, kGradient1);
    CHECK(rmsprop.steps() == 1);
}

TEMPLATE_TEST_CASE("state() names the per-parameter state, read-only through a const optimizer",
                   "[optimizers][state]", float, double) {
    using T = TestType;
    using ConstState = std::vector<std::pair<std::string, neuro::ConstVectorView<T>>>;
    static_assert(std::is_same_v<decltype(std::declval<const neuro::Optimizer<T>&>().state()), ConstState>);
    const std::vector<std::vector<std::string>> names = {{"velocity"},
                                                         {"velocity"},
                                                         {"velocity"},
                                                         {"first_moment", "second_moment"},
                                                         {"first_moment", "second_moment"},
                                                         {"square_average", "velocity"},
                                                         {"square_average", "velocity"},
                                                         {"squared_sum"}};
    const auto optimizers = every_optimizer<T>();
    REQUIRE(optimizers.size() == names.size());
    for (std::size_t i = 0; i < optimizers.size(); ++i) {
        neuro::Optimizer<T>& optimizer = *optimizers[i];
        INFO(optimizer.type_name() << " " << i);
        optimizer.reset(4);
        neuro::Vector<T> p = to_vector<T>(kStart);
        step(optimizer, p, kGradient1);
        const ConstState read = std::as_const(optimizer).state();
        auto written = optimizer.state();
        REQUIRE(read.size() == names[i].size());
        REQUIRE(written.size() == read.size());
        for (std::size_t k = 0; k < read.size(); ++k) {
            CHECK(read[k].first == names[i][k]);
            CHECK(written[k].first == names[i][k]);
            // Plain SGD and RMSprop without momentum keep no velocity: an empty vector.
            CHECK((read[k].second.size() == 0 || read[k].second.size() == 4));
            CHECK(read[k].second.data() == written[k].second.data());
            if (read[k].second.size() == 0) continue;
            CHECK(read[k].second.cwiseAbs().maxCoeff() > 0);  // the step wrote it
            written[k].second.setConstant(T(0.25));  // the mutable view writes the state itself
            CHECK(read[k].second == neuro::Vector<T>::Constant(4, T(0.25)));
        }
    }
}

TEMPLATE_TEST_CASE("After reset the next step equals a first step", "[optimizers][state]", float, double) {
    using T = TestType;
    for (auto& optimizer : every_optimizer<T>()) {
        INFO(optimizer->type_name());
        const auto fresh = optimizer->clone();  // before any step: a never-used copy
        fresh->reset(4);
        neuro::Vector<T> expected = to_vector<T>(kStart);
        step(*fresh, expected, kGradient2);

        optimizer->reset(4);
        neuro::Vector<T> p = to_vector<T>(kStart);
        step(*optimizer, p, kGradient1);
        step(*optimizer, p, kGradient1);
        optimizer->reset(4);
        CHECK(optimizer->steps() == 0);
        p = to_vector<T>(kStart);
        step(*optimizer, p, kGradient2);
        CHECK(optimizer->steps() == 1);
        CHECK(p == expected);
        // And that first step is not what a third step without reset would have been.
        CHECK(p != to_vector<T>(kStart));
    }

    // The same against the hand reference for Adam: a first step from kStart with kGradient2.
    neuro::Adam<T> adam(T(0.1), T(0.8), T(0.95), T(0.01));
    adam.reset(4);
    neuro::Vector<T> p = to_vector<T>(kStart);
    step(adam, p, kGradient1);
    adam.reset(4);
    p = to_vector<T>(kStart);
    step(adam, p, kGradient2);
    ReferenceAdam reference{.lr = stored<T>(0.1), .beta1 = stored<T>(0.8), .beta2 = stored<T>(0.95),
                            .eps = stored<T>(0.01)};
    Values expected = kStart;
    reference.step(expected, kGradient2);
    check_close(p, expected);
}

TEMPLATE_TEST_CASE("A step over many chunks updates each parameter as a step over it alone would",
                   "[optimizers][state]", float, double) {
    // step() updates in chunks of 2^14 parameters. A vector of 2.5 chunks repeating a pattern of
    // 7 values (2^14 is not a multiple of 7) must end where the 7 values alone end: state
    // read from the wrong offset in a later chunk would belong to another pattern position.
    using T = TestType;
    const Values start{0.5, -1.25, 2.0, 0.75, -0.3, 1.1, 0.05};
    const std::vector<Values> gradients{{0.25, -0.5, 1.5, -2.0, 0.6, -0.1, 0.9},
                                        {-0.75, 0.125, 1.0, 0.5, -1.2, 0.3, 0.2},
                                        {0.4, 0.9, -0.6, 0.1, 0.05, -0.8, 1.3}};
    const Index pattern = 7;
    const Index size = 5 * (Index(1) << 13) + 3;
    const auto tiled = [&](const Values& values) {
        neuro::Vector<T> v(size);
        for (Index i = 0; i < size; ++i) v(i) = static_cast<T>(values[static_cast<std::size_t>(i % pattern)]);
        return v;
    };
    for (auto& optimizer : every_optimizer<T>()) {
        INFO(optimizer->type_name());
        const auto alone = optimizer->clone();
        alone->reset(pattern);
        neuro::Vector<T> expected = to_vector<T>(start);
        optimizer->reset(size);
        neuro::Vector<T> p = tiled(start);
        for (const Values& gradient : gradients) {
            step(*alone, expected, gradient);
            neuro::Vector<T> g = tiled(gradient);
            CHECK(optimizer->step(view(p), view(g)));
        }
        T largest_error = 0;  // relative to the value, or absolute below 1
        for (Index i = 0; i < size; ++i) {
            const T want = expected(i % pattern);
            largest_error = std::max(largest_error, std::abs(p(i) - want) / std::max(T(1), std::abs(want)));
        }
        // The same arithmetic, in SIMD packets or one scalar at a time (fused or not).
        CHECK(largest_error <= 16 * std::numeric_limits<T>::epsilon());
    }
}

TEMPLATE_TEST_CASE("step reports whether every updated parameter is finite, in any chunk",
                   "[optimizers][state]", float, double) {
    using T = TestType;
    const Index size = 3 * (Index(1) << 14);
    neuro::SGD<T> sgd(T(10));
    sgd.reset(size);
    neuro::Vector<T> p = neuro::Vector<T>::Ones(size);
    neuro::Vector<T> g = neuro::Vector<T>::Ones(size);
    CHECK(sgd.step(view(p), view(g)));
    g(size / 2) = -std::numeric_limits<T>::max();  // 10 times that overflows, in the second chunk
    CHECK_FALSE(sgd.step(view(p), view(g)));
    CHECK(std::isinf(p(size / 2)));
}

TEST_CASE("reset to another size resizes the state", "[optimizers][state]") {
    neuro::RMSprop<double> rmsprop(0.05, 0.9, 0.01, 0.5);
    rmsprop.reset(4);
    neuro::Vector<double> p = to_vector<double>(kStart);
    step(rmsprop, p, kGradient1);
    rmsprop.reset(2);
    CHECK(rmsprop.state_size() == 2);
    neuro::Vector<double> q = to_vector<double>({0.5, -1.25});
    step(rmsprop, q, {0.25, -0.5});
    ReferenceRMSprop reference{.lr = 0.05, .alpha = 0.9, .eps = 0.01, .momentum = 0.5};
    Values expected{0.5, -1.25};
    reference.step(expected, {0.25, -0.5});
    check_close(q, expected);
}

TEST_CASE("A clone carries the state and continues as the original does", "[optimizers][state]") {
    neuro::AdamW<double> adamw(0.1, 0.5, 0.8, 0.95, 0.01);
    adamw.reset(4);
    neuro::Vector<double> p = to_vector<double>(kStart);
    step(adamw, p, kGradient1);
    const auto copy = adamw.clone();
    CHECK(copy->type_name() == "AdamW");
    CHECK(copy->steps() == 1);
    neuro::Vector<double> q = p;
    step(adamw, p, kGradient2);
    step(*copy, q, kGradient2);
    CHECK(p == q);

    ReferenceAdam reference{.lr = 0.1, .beta1 = 0.8, .beta2 = 0.95, .eps = 0.01, .decoupled_weight_decay = 0.5};
    Values expected = kStart;
    reference.step(expected, kGradient1);
    reference.step(expected, kGradient2);
    check_close(q, expected);
}

// =============================================================================================
// Model level: regularization through Sequential::train_on_batch
// =============================================================================================

namespace {

/// A one-output linear model p = w . x + b, trained on MSE (mean of (p - y)^2 over the
/// batch) plus a penalty on w, with plain SGD. Returns the loss before the update.
struct ReferenceLinearModel {
    double w0;
    double w1;
    double b;
    double l1 = 0;
    double l2 = 0;

    static double sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0); }

    double train_step(const std::vector<Values>& x, const Values& y, double lr) {
        const double n = static_cast<double>(y.size());
        double loss = 0, dw0 = 0, dw1 = 0, db = 0;
        for (std::size_t i = 0; i < y.size(); ++i) {
            const double r = w0 * x[i][0] + w1 * x[i][1] + b - y[i];
            loss += r * r / n;
            dw0 += 2 * r * x[i][0] / n;
            dw1 += 2 * r * x[i][1] / n;
            db += 2 * r / n;
        }
        loss += l2 * (w0 * w0 + w1 * w1) + l1 * (std::abs(w0) + std::abs(w1));
        dw0 += 2 * l2 * w0 + l1 * sign(w0);
        dw1 += 2 * l2 * w1 + l1 * sign(w1);
        // the bias is not regularized
        w0 -= lr * dw0;
        w1 -= lr * dw1;
        b -= lr * db;
        return loss;
    }
};

void check_regularized_training(const neuro::DenseOptions& options) {
    const std::vector<Values> rows{{1.0, 2.0}, {-1.0, 0.5}, {0.5, -1.5}};
    const Values targets{0.5, -1.0, 2.0};
    neuro::Matrix<double> x(3, 2);
    neuro::Matrix<double> y(3, 1);
    for (Index i = 0; i < 3; ++i) {
        x(i, 0) = rows[static_cast<std::size_t>(i)][0];
        x(i, 1) = rows[static_cast<std::size_t>(i)][1];
        y(i, 0) = targets[static_cast<std::size_t>(i)];
    }

    neuro::Sequential<double> model;
    model.add(neuro::Dense<double>(2, 1, options));
    model.compile(neuro::SGD<double>(0.1), neuro::MeanSquaredError<double>());
    auto& dense = model.layer<neuro::Dense<double>>(0);
    dense.weight()(0, 0) = 0.75;
    dense.weight()(0, 1) = -0.5;
    dense.bias()(0) = 0.25;

    ReferenceLinearModel reference{.w0 = 0.75, .w1 = -0.5, .b = 0.25, .l1 = options.l1, .l2 = options.l2};

    for (int s = 1; s <= 2; ++s) {
        INFO("step " << s);
        const double expected_loss = reference.train_step(rows, targets, 0.1);
        const double loss = model.train_on_batch(x, y);
        CHECK(loss == Approx(expected_loss).epsilon(1e-12));
        CHECK(dense.weight()(0, 0) == Approx(reference.w0).epsilon(1e-12));
        CHECK(dense.weight()(0, 1) == Approx(reference.w1).epsilon(1e-12));
        CHECK(dense.bias()(0) == Approx(reference.b).epsilon(1e-12));
    }
    CHECK(model.optimizer().steps() == 2);
}

}  // namespace

TEST_CASE("L2 regularization adds 2 * l2 * W to the weight gradient and l2 * sum W^2 to the loss",
          "[optimizers][model][regularization]") {
    check_regularized_training({.l2 = 0.25});
}

TEST_CASE("L1 regularization adds l1 * sign(W) to the weight gradient and l1 * sum |W| to the loss",
          "[optimizers][model][regularization]") {
    check_regularized_training({.l1 = 0.125});
}

TEST_CASE("Training without regularization matches the plain MSE gradient", "[optimizers][model]") {
    check_regularized_training({});
}

TEST_CASE("The first regularized loss matches a hand-derived value", "[optimizers][model][regularization]") {
    // W = (0.75, -0.5), b = 0.25, X rows (1, 2), (-1, 0.5), (0.5, -1.5), y = (0.5, -1, 2):
    //   p = (0.75 - 1 + 0.25, -0.75 - 0.25 + 0.25, 0.375 + 0.75 + 0.25) = (0, -0.75, 1.375);
    //   r = p - y = (-0.5, 0.25, -0.625); mean r^2 = (0.25 + 0.0625 + 0.390625) / 3 = 0.703125 / 3;
    //   L2 penalty with l2 = 0.25: 0.25 * (0.5625 + 0.25) = 0.203125.
    neuro::Matrix<double> x(3, 2);
    x << 1.0, 2.0, -1.0, 0.5, 0.5, -1.5;
    neuro::Matrix<double> y(3, 1);
    y << 0.5, -1.0, 2.0;
    neuro::Sequential<double> model;
    model.add(neuro::Dense<double>(2, 1, {.l2 = 0.25}));
    model.compile(neuro::SGD<double>(0.1), neuro::MeanSquaredError<double>());
    auto& dense = model.layer<neuro::Dense<double>>(0);
    dense.weight() << 0.75, -0.5;
    dense.bias()(0) = 0.25;
    CHECK(model.train_on_batch(x, y) == Approx(0.703125 / 3 + 0.203125).epsilon(1e-12));
    // dW0 = 2/3 * (-0.5*1 + 0.25*-1 + -0.625*0.5) + 2*0.25*0.75 = 2/3 * -1.0625 + 0.375;
    // db = 2/3 * (-0.875), not regularized.
    CHECK(dense.weight()(0, 0) == Approx(0.75 - 0.1 * (2.0 / 3 * -1.0625 + 0.375)).epsilon(1e-12));
    CHECK(dense.bias()(0) == Approx(0.25 - 0.1 * (2.0 / 3 * -0.875)).epsilon(1e-12));
}

}  // namespace test_optimizers
