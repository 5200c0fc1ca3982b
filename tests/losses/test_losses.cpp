// Losses: values by hand, gradients by finite differences, the fused forms, extreme inputs,
// target validation and which output layers each loss fuses with.

#include <neuro/core/error.hpp>
#include <neuro/core/random.hpp>
#include <neuro/core/types.hpp>
#include <neuro/gradient_check.hpp>
#include <neuro/layers/activations.hpp>
#include <neuro/losses/binary_cross_entropy.hpp>
#include <neuro/losses/categorical_cross_entropy.hpp>
#include <neuro/losses/huber.hpp>
#include <neuro/losses/mean_squared_error.hpp>
#include <neuro/losses/sparse_categorical_cross_entropy.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <initializer_list>
#include <limits>

namespace test_losses {

using Catch::Matchers::Contains;
using neuro::Index;
using neuro::Matrix;

namespace {

using BCE = neuro::BinaryCrossEntropy<double>;
using CCE = neuro::CategoricalCrossEntropy<double>;
using SCCE = neuro::SparseCategoricalCrossEntropy<double>;
using MSE = neuro::MeanSquaredError<double>;
using Huber = neuro::Huber<double>;

template <class T>
neuro::ConstMatrixView<T> in(const Matrix<T>& m) {
    return neuro::ConstMatrixView<T>(m.data(), m.rows(), m.cols());
}

template <class T>
neuro::MatrixView<T> out(Matrix<T>& m) {
    return neuro::MatrixView<T>(m.data(), m.rows(), m.cols());
}

template <class T>
Matrix<T> matrix(Index rows, Index cols, std::initializer_list<double> row_major) {
    Matrix<T> m(rows, cols);
    auto value = row_major.begin();
    for (Index r = 0; r < rows; ++r)
        for (Index c = 0; c < cols; ++c) m(r, c) = T(*value++);
    return m;
}

template <class T>
double value(const neuro::Loss<T>& loss, const Matrix<T>& prediction, const Matrix<T>& target) {
    return double(loss.value(in(prediction), in(target)));
}

template <class T>
Matrix<T> gradient(const neuro::Loss<T>& loss, const Matrix<T>& prediction, const Matrix<T>& target) {
    Matrix<T> g(prediction.rows(), prediction.cols());
    loss.gradient(in(prediction), in(target), out(g));
    return g;
}

template <class T>
double value_from_logits(const neuro::Loss<T>& loss, const Matrix<T>& logits, const Matrix<T>& target) {
    return double(loss.value_from_logits(in(logits), in(target)));
}

template <class T>
Matrix<T> gradient_from_logits(const neuro::Loss<T>& loss, const Matrix<T>& logits, const Matrix<T>& target) {
    Matrix<T> g(logits.rows(), logits.cols());
    loss.gradient_from_logits(in(logits), in(target), out(g));
    return g;
}

template <class T>
Matrix<T> apply(const neuro::Layer<T>& layer, const Matrix<T>& input) {
    Matrix<T> output(input.rows(), input.cols());
    layer.forward(in(input), out(output));
    return output;
}

Matrix<double> normal_matrix(Index rows, Index cols, std::uint64_t seed, double stddev = 1) {
    neuro::Random random(seed);
    Matrix<double> m(rows, cols);
    for (Index i = 0; i < m.size(); ++i) m.data()[i] = stddev * random.normal();
    return m;
}

Matrix<double> uniform_matrix(Index rows, Index cols, std::uint64_t seed, double low, double high) {
    neuro::Random random(seed);
    Matrix<double> m(rows, cols);
    for (Index i = 0; i < m.size(); ++i) m.data()[i] = random.uniform(low, high);
    return m;
}

/// A one-hot outputs x batch matrix for the given class of each column.
Matrix<double> one_hot(Index outputs, std::initializer_list<int> classes) {
    Matrix<double> m = Matrix<double>::Zero(outputs, Index(classes.size()));
    Index j = 0;
    for (const int c : classes) m(c, j++) = 1;
    return m;
}

/// The same classes as a 1 x batch row of indices, as sparse categorical cross-entropy takes them.
Matrix<double> indices(std::initializer_list<int> classes) {
    Matrix<double> m(1, Index(classes.size()));
    Index j = 0;
    for (const int c : classes) m(0, j++) = c;
    return m;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Values by hand
// ---------------------------------------------------------------------------------------------

TEST_CASE("BinaryCrossEntropy's value is the mean over outputs and batch of -y log p - (1 - y) log(1 - p)",
          "[losses][bce]") {
    const BCE loss;
    SECTION("hard targets") {
        // p = [0.9 0.2; 0.4 0.7], y = [1 0; 0 1]: terms -log 0.9, -log 0.8, -log 0.6, -log 0.7,
        // = 0.10536 + 0.22314 + 0.51083 + 0.35667 = 1.19600, / 4 elements = 0.29900.
        const auto p = matrix<double>(2, 2, {0.9, 0.2, 0.4, 0.7});
        const auto y = matrix<double>(2, 2, {1, 0, 0, 1});
        CHECK(value(loss, p, y) == Approx(0.2990011586691898).epsilon(1e-12));
        CHECK(value(loss, p, y) == Approx(-(std::log(0.9) + std::log(0.8) + std::log(0.6) + std::log(0.7)) / 4));
    }
    SECTION("soft targets") {
        // p = 0.5, y = 0.25: -(0.25 log 0.5 + 0.75 log 0.5) = log 2 for every element.
        CHECK(value(loss, matrix<double>(1, 3, {0.5, 0.5, 0.5}), matrix<double>(1, 3, {0.25, 0.25, 0.25})) ==
              Approx(std::log(2.0)).epsilon(1e-12));
    }
    SECTION("the gradient is (p - y) / (p (1 - p)) / count") {
        // p = 0.8, y = 1 over 2 elements: (0.8 - 1) / (0.8 * 0.2) / 2 = -0.625;
        // p = 0.25, y = 0: 0.25 / (0.25 * 0.75) / 2 = 0.6666...
        const Matrix<double> g = gradient(loss, matrix<double>(1, 2, {0.8, 0.25}), matrix<double>(1, 2, {1, 0}));
        CHECK(g(0, 0) == Approx(-0.625).epsilon(1e-12));
        CHECK(g(0, 1) == Approx(2.0 / 3.0).epsilon(1e-12));
    }
    SECTION("from logits: z = 0 gives log 2 whatever the target") {
        CHECK(value_from_logits(loss, matrix<double>(1, 2, {0, 0}), matrix<double>(1, 2, {0, 1})) ==
              Approx(std::log(2.0)).epsilon(1e-12));
    }
}

TEST_CASE("CategoricalCrossEntropy's value is -1/batch sum of y log p, averaged over samples only",
          "[losses][cce]") {
    const CCE loss;
    // Columns (samples) p0 = [0.7, 0.2, 0.1], p1 = [0.1, 0.3, 0.6]; classes 0 and 2:
    // (-log 0.7 - log 0.6) / 2 samples = (0.35667 + 0.51083) / 2 = 0.43375.
    const auto p = matrix<double>(3, 2, {0.7, 0.1, 0.2, 0.3, 0.1, 0.6});
    SECTION("one-hot targets") {
        CHECK(value(loss, p, one_hot(3, {0, 2})) == Approx(0.4337502838523616).epsilon(1e-12));
    }
    SECTION("soft targets") {
        // y0 = [0.5, 0.5, 0]: -(0.5 log 0.7 + 0.5 log 0.2) = 0.98305; y1 = [0, 0, 1]: 0.51083;
        // (0.98305 + 0.51083) / 2.
        const auto y = matrix<double>(3, 2, {0.5, 0, 0.5, 0, 0, 1});
        CHECK(value(loss, p, y) ==
              Approx((-0.5 * std::log(0.7) - 0.5 * std::log(0.2) - std::log(0.6)) / 2).epsilon(1e-12));
    }
    SECTION("from logits: equal logits over 2 classes give log 2") {
        CHECK(value_from_logits(loss, matrix<double>(2, 1, {3, 3}), one_hot(2, {1})) ==
              Approx(std::log(2.0)).epsilon(1e-12));
    }
}

TEST_CASE("SparseCategoricalCrossEntropy's value is -1/batch sum of log p of the target class", "[losses][scce]") {
    const SCCE loss;
    // The same batch as the categorical case, with classes given as indices: 0.43375.
    const auto p = matrix<double>(3, 2, {0.7, 0.1, 0.2, 0.3, 0.1, 0.6});
    CHECK(value(loss, p, indices({0, 2})) == Approx(0.4337502838523616).epsilon(1e-12));
    CHECK(value(loss, p, indices({0, 2})) == Approx(value(CCE(), p, one_hot(3, {0, 2}))).epsilon(1e-14));
    SECTION("the gradient is -1 / (batch p[class]) at the class and 0 elsewhere") {
        const Matrix<double> g = gradient(loss, p, indices({0, 2}));
        // -1 / (2 * 0.7) and -1 / (2 * 0.6).
        const auto expected = matrix<double>(3, 2, {-1 / 1.4, 0, 0, 0, 0, -1 / 1.2});
        CHECK(g.isApprox(expected, 1e-12));
    }
    SECTION("targets are one row per batch") {
        CHECK(loss.target_width(5) == 1);
        CHECK(CCE().target_width(5) == 5);
        CHECK(BCE().target_width(5) == 5);
    }
}

TEST_CASE("MeanSquaredError's value is the mean over outputs and batch of (p - y)^2", "[losses][mse]") {
    const MSE loss;
    // p - y = [1 - 0, 2 - 2; 3 - 5, 4 - 3] = [1, 0; -2, 1]: squares 1 + 0 + 4 + 1 = 6, / 4 = 1.5.
    const auto p = matrix<double>(2, 2, {1, 2, 3, 4});
    const auto y = matrix<double>(2, 2, {0, 2, 5, 3});
    CHECK(value(loss, p, y) == Approx(1.5).epsilon(1e-15));
    // Gradient 2 (p - y) / 4 = [0.5, 0; -1, 0.5].
    CHECK(gradient(loss, p, y) == matrix<double>(2, 2, {0.5, 0, -1, 0.5}));
}

TEST_CASE("Huber's value is 0.5 d^2 within delta and delta (|d| - delta / 2) beyond", "[losses][huber]") {
    // d = p - y = [0.5, -2, 3, 0].
    const auto p = matrix<double>(1, 4, {1.5, -2, 3, 7});
    const auto y = matrix<double>(1, 4, {1, 0, 0, 7});
    SECTION("delta = 1 (the default)") {
        const Huber loss;
        CHECK(loss.delta() == 1.0);
        // 0.5 * 0.25 = 0.125; 1 * (2 - 0.5) = 1.5; 1 * (3 - 0.5) = 2.5; 0 -> 4.125 / 4 = 1.03125.
        CHECK(value(loss, p, y) == Approx(1.03125).epsilon(1e-15));
        // Gradient: d clipped to [-1, 1], / 4: [0.125, -0.25, 0.25, 0].
        CHECK(gradient(loss, p, y) == matrix<double>(1, 4, {0.125, -0.25, 0.25, 0}));
    }
    SECTION("delta = 2") {
        const Huber loss(2.0);
        // 0.125; |d| = 2 = delta, both branches give 0.5 * 4 = 2 * (2 - 1) = 2; 2 * (3 - 1) = 4; 0
        // -> 6.125 / 4 = 1.53125.
        CHECK(value(loss, p, y) == Approx(1.53125).epsilon(1e-15));
        CHECK(gradient(loss, p, y) == matrix<double>(1, 4, {0.125, -0.5, 0.5, 0}));
    }
    SECTION("with a small difference it equals half the mean squared error") {
        const auto near = matrix<double>(1, 4, {1.1, -0.2, 0.3, 7});
        CHECK(value(Huber(), near, y) == Approx(value(MSE(), near, y) / 2).epsilon(1e-12));
    }
}

// ---------------------------------------------------------------------------------------------
// Gradients
// ---------------------------------------------------------------------------------------------

TEST_CASE("Loss gradients match finite differences of the loss values", "[losses][gradient]") {
    SECTION("BinaryCrossEntropy, hard and soft targets") {
        const Matrix<double> p = uniform_matrix(3, 4, 1, 0.05, 0.95);
        const auto y = matrix<double>(3, 4, {1, 0, 0, 1, 0, 1, 0.3, 0.8, 1, 1, 0, 0.5});
        CHECK(neuro::check_gradients(BCE(), p, y) < 1e-6);
    }
    SECTION("CategoricalCrossEntropy, one-hot targets") {
        const Matrix<double> p = apply(neuro::Softmax<double>(), normal_matrix(3, 4, 2));
        CHECK(neuro::check_gradients(CCE(), p, one_hot(3, {0, 2, 1, 2})) < 1e-6);
    }
    SECTION("CategoricalCrossEntropy, soft targets") {
        const Matrix<double> p = apply(neuro::Softmax<double>(), normal_matrix(3, 4, 3));
        const auto y = matrix<double>(3, 4, {0.2, 0, 1, 0.1, 0.3, 0.5, 0, 0.8, 0.5, 0.5, 0, 0.1});
        CHECK(neuro::check_gradients(CCE(), p, y) < 1e-6);
    }
    SECTION("SparseCategoricalCrossEntropy") {
        const Matrix<double> p = apply(neuro::Softmax<double>(), normal_matrix(3, 4, 4));
        CHECK(neuro::check_gradients(SCCE(), p, indices({0, 2, 1, 2})) < 1e-6);
    }
    SECTION("MeanSquaredError") {
        CHECK(neuro::check_gradients(MSE(), normal_matrix(3, 4, 5), normal_matrix(3, 4, 6)) < 1e-6);
    }
    SECTION("Huber, with differences on both sides of delta") {
        const Matrix<double> p = normal_matrix(3, 4, 7, 2.0);
        const Matrix<double> y = normal_matrix(3, 4, 8);
        const Matrix<double> d = (p - y).cwiseAbs();
        for (const double delta : {1.0, 0.5}) {
            INFO("delta = " << delta);
            REQUIRE((d.array() < delta).any());
            REQUIRE((d.array() > delta).any());
            CHECK(neuro::check_gradients(Huber(delta), p, y) < 1e-6);
        }
    }
}

TEST_CASE("Fused loss gradients match finite differences of the fused values", "[losses][gradient][fused]") {
    const Matrix<double> logits = normal_matrix(3, 4, 9, 2.0);
    SECTION("BinaryCrossEntropy from logits") {
        const auto y = matrix<double>(3, 4, {1, 0, 0, 1, 0, 1, 0.3, 0.8, 1, 1, 0, 0.5});
        CHECK(neuro::check_gradients_from_logits(BCE(), logits, y) < 1e-6);
    }
    SECTION("CategoricalCrossEntropy from logits, one-hot targets") {
        CHECK(neuro::check_gradients_from_logits(CCE(), logits, one_hot(3, {2, 0, 1, 1})) < 1e-6);
    }
    SECTION("CategoricalCrossEntropy from logits, soft targets, one column not summing to 1") {
        const auto y = matrix<double>(3, 4, {0.2, 0, 1, 0.1, 0.3, 0.5, 0, 0.2, 0.5, 0.5, 0, 0.1});
        CHECK(neuro::check_gradients_from_logits(CCE(), logits, y) < 1e-6);
    }
    SECTION("SparseCategoricalCrossEntropy from logits") {
        CHECK(neuro::check_gradients_from_logits(SCCE(), logits, indices({2, 0, 1, 1})) < 1e-6);
    }
}

TEST_CASE("Fused losses equal the unfused ones applied to sigmoid or softmax of the logits",
          "[losses][fused]") {
    // Moderate logits, where the unfused form is accurate too.
    const Matrix<double> logits = normal_matrix(3, 5, 10, 2.0);

    auto check_consistent = [&](const neuro::Loss<double>& loss, neuro::Layer<double>& activation,
                                const Matrix<double>& target) {
        const Matrix<double> p = apply(activation, logits);
        CHECK(value_from_logits(loss, logits, target) == Approx(value(loss, p, target)).epsilon(1e-12));
        // The fused gradient is the unfused one chained through the activation's backward.
        const Matrix<double> unfused = gradient(loss, p, target);
        Matrix<double> chained(logits.rows(), logits.cols());
        activation.backward(in(logits), in(p), in(unfused), out(chained));
        CHECK(gradient_from_logits(loss, logits, target).isApprox(chained, 1e-10));
        // The single call a training step makes gives both, the same.
        Matrix<double> combined(logits.rows(), logits.cols());
        CHECK(double(loss.value_and_gradient_from_logits(in(logits), in(target), out(combined))) ==
              Approx(value(loss, p, target)).epsilon(1e-12));
        CHECK(combined.isApprox(chained, 1e-10));
    };

    SECTION("BinaryCrossEntropy and Sigmoid") {
        neuro::Sigmoid<double> sigmoid;
        check_consistent(BCE(), sigmoid,
                         matrix<double>(3, 5, {1, 0, 0, 1, 0, 0, 1, 0.3, 0.8, 1, 1, 0, 0.5, 0, 1}));
    }
    SECTION("CategoricalCrossEntropy and Softmax") {
        neuro::Softmax<double> softmax;
        check_consistent(CCE(), softmax, one_hot(3, {0, 1, 2, 2, 0}));
    }
    SECTION("SparseCategoricalCrossEntropy and Softmax") {
        neuro::Softmax<double> softmax;
        check_consistent(SCCE(), softmax, indices({0, 1, 2, 2, 0}));
    }
}

// ---------------------------------------------------------------------------------------------
// Extreme inputs
// ---------------------------------------------------------------------------------------------

TEMPLATE_TEST_CASE("Fused losses are finite, with finite gradients, for logits of +-100", "[losses][fused][extreme]",
                   float, double) {
    using T = TestType;
    SECTION("BinaryCrossEntropy") {
        // z = 100 with y = 0 and z = -100 with y = 1 cost 100 each (plus log1p(e^-100) ~ 0); the
        // right-side ones cost ~0: mean 50.
        const auto z = matrix<T>(1, 4, {100, -100, 100, -100});
        const auto y = matrix<T>(1, 4, {0, 1, 1, 0});
        const neuro::BinaryCrossEntropy<T> loss;
        CHECK(value_from_logits(loss, z, y) == Approx(50.0).epsilon(1e-6));
        const Matrix<T> g = gradient_from_logits(loss, z, y);
        REQUIRE(g.allFinite());
        // (sigmoid(z) - y) / 4: [1/4, -1/4, 0, 0].
        CHECK(double(g(0, 0)) == Approx(0.25));
        CHECK(double(g(0, 1)) == Approx(-0.25));
        CHECK(double(g(0, 2)) == Approx(0.0).margin(1e-30));
    }
    SECTION("CategoricalCrossEntropy") {
        // Column [100, -100, 0] with class 1: logsumexp = 100 (+ e^-100), so the loss is 200.
        const auto z = matrix<T>(3, 1, {100, -100, 0});
        const neuro::CategoricalCrossEntropy<T> loss;
        const auto y = one_hot(3, {1}).cast<T>().eval();
        CHECK(value_from_logits(loss, z, y) == Approx(200.0).epsilon(1e-6));
        const Matrix<T> g = gradient_from_logits(loss, z, y);
        REQUIRE(g.allFinite());
        CHECK(double(g(0, 0)) == Approx(1.0));
        CHECK(double(g(1, 0)) == Approx(-1.0));
    }
    SECTION("SparseCategoricalCrossEntropy") {
        const auto z = matrix<T>(3, 2, {100, -100, -100, 100, 0, 0});
        const auto y = matrix<T>(1, 2, {1, 1});
        const neuro::SparseCategoricalCrossEntropy<T> loss;
        // Column 0: logsumexp ~ 100, class 1 logit -100 -> 200. Column 1: class 1 is the largest
        // -> ~0. Mean 100.
        CHECK(value_from_logits(loss, z, y) == Approx(100.0).epsilon(1e-6));
        const Matrix<T> g = gradient_from_logits(loss, z, y);
        REQUIRE(g.allFinite());
        CHECK(double(g.cwiseAbs().maxCoeff()) <= 0.5 + 1e-6);  // (softmax - onehot) / 2
    }
}

TEMPLATE_TEST_CASE("Unfused losses are finite, with finite gradients, for probabilities of exactly 0 and 1",
                   "[losses][extreme]", float, double) {
    using T = TestType;
    SECTION("BinaryCrossEntropy: log is clamped at -100, as PyTorch does") {
        // p = [0, 1, 0, 1], y = [0, 0, 1, 1]: costs 0, 100, 100, 0 -> 50.
        const auto p = matrix<T>(1, 4, {0, 1, 0, 1});
        const auto y = matrix<T>(1, 4, {0, 0, 1, 1});
        const neuro::BinaryCrossEntropy<T> loss;
        CHECK(value(loss, p, y) == Approx(50.0).epsilon(1e-6));
        const Matrix<T> g = gradient(loss, p, y);
        CHECK(g.allFinite());
        // Pointing the right way: raise p where y = 1, lower it where y = 0.
        CHECK(g(0, 1) > T(0));
        CHECK(g(0, 2) < T(0));
    }
    SECTION("CategoricalCrossEntropy") {
        // Column [0, 1, 0] with class 0: -log(0) clamped -> 100; column [1, 0, 0], class 0: 0.
        const auto p = matrix<T>(3, 2, {0, 1, 1, 0, 0, 0});
        const neuro::CategoricalCrossEntropy<T> loss;
        const auto y = one_hot(3, {0, 0}).cast<T>().eval();
        CHECK(value(loss, p, y) == Approx(50.0).epsilon(1e-6));
        const Matrix<T> g = gradient(loss, p, y);
        CHECK(g.allFinite());
        CHECK(g(0, 0) < T(0));
    }
    SECTION("SparseCategoricalCrossEntropy") {
        const auto p = matrix<T>(3, 2, {0, 1, 1, 0, 0, 0});
        const neuro::SparseCategoricalCrossEntropy<T> loss;
        const auto y = matrix<T>(1, 2, {0, 0});
        CHECK(value(loss, p, y) == Approx(50.0).epsilon(1e-6));
        const Matrix<T> g = gradient(loss, p, y);
        CHECK(g.allFinite());
        CHECK(g(0, 0) < T(0));
    }
    SECTION("after a saturated Sigmoid or Softmax") {
        const auto z = matrix<T>(2, 2, {100, -100, -100, 100});
        const auto p_sigmoid = apply(neuro::Sigmoid<T>(), z);
        const auto p_softmax = apply(neuro::Softmax<T>(), z);
        const auto y = matrix<T>(2, 2, {0, 0, 1, 1});
        const neuro::BinaryCrossEntropy<T> bce;
        const neuro::CategoricalCrossEntropy<T> cce;
        CHECK(std::isfinite(value(bce, p_sigmoid, y)));
        CHECK(gradient(bce, p_sigmoid, y).allFinite());
        CHECK(std::isfinite(value(cce, p_softmax, y)));
        CHECK(gradient(cce, p_softmax, y).allFinite());
    }
    SECTION("MeanSquaredError and Huber") {
        const auto p = matrix<T>(1, 2, {0, 1});
        const auto y = matrix<T>(1, 2, {1, 0});
        CHECK(value(neuro::MeanSquaredError<T>(), p, y) == Approx(1.0));
        CHECK(value(neuro::Huber<T>(), p, y) == Approx(0.5));
        CHECK(gradient(neuro::MeanSquaredError<T>(), p, y).allFinite());
        CHECK(gradient(neuro::Huber<T>(), p, y).allFinite());
    }
}

// ---------------------------------------------------------------------------------------------
// Targets, options and fusion
// ---------------------------------------------------------------------------------------------

TEST_CASE("invalid_target rejects targets outside each loss's domain", "[losses][targets]") {
    SECTION("BinaryCrossEntropy: outside [0, 1]") {
        const BCE loss;
        CHECK_FALSE(loss.invalid_target(0.0, 1).has_value());
        CHECK_FALSE(loss.invalid_target(0.5, 1).has_value());
        CHECK_FALSE(loss.invalid_target(1.0, 1).has_value());
        REQUIRE(loss.invalid_target(-0.1, 1).has_value());
        CHECK_THAT(*loss.invalid_target(-0.1, 1), Contains("[0, 1]"));
        CHECK(loss.invalid_target(1.1, 1).has_value());
        CHECK(loss.invalid_target(2.0, 1).has_value());
    }
    SECTION("CategoricalCrossEntropy: outside [0, 1]") {
        const CCE loss;
        CHECK_FALSE(loss.invalid_target(0.0, 3).has_value());
        CHECK_FALSE(loss.invalid_target(1.0, 3).has_value());
        CHECK(loss.invalid_target(-1.0, 3).has_value());
        CHECK(loss.invalid_target(1.5, 3).has_value());
    }
    SECTION("SparseCategoricalCrossEntropy: not an integer in [0, outputs)") {
        const SCCE loss;
        CHECK_FALSE(loss.invalid_target(0.0, 3).has_value());
        CHECK_FALSE(loss.invalid_target(1.0, 3).has_value());
        CHECK_FALSE(loss.invalid_target(2.0, 3).has_value());
        REQUIRE(loss.invalid_target(3.0, 3).has_value());
        CHECK_THAT(*loss.invalid_target(3.0, 3), Contains("0 to 2"));
        CHECK(loss.invalid_target(-1.0, 3).has_value());
        CHECK(loss.invalid_target(1.5, 3).has_value());
        CHECK(loss.invalid_target(0.5, 3).has_value());
        CHECK(loss.invalid_target(-0.5, 3).has_value());
    }
    SECTION("MeanSquaredError and Huber accept any finite target") {
        for (const double target : {-1e6, -1.0, 0.0, 0.5, 3.0, 1e6}) {
            CHECK_FALSE(MSE().invalid_target(target, 2).has_value());
            CHECK_FALSE(Huber().invalid_target(target, 2).has_value());
        }
    }
}

TEMPLATE_TEST_CASE("Huber requires a finite delta > 0", "[losses][huber][error]", float, double) {
    using H = neuro::Huber<TestType>;
    CHECK_THROWS_AS(H(TestType(0)), neuro::Error);
    CHECK_THROWS_AS(H(TestType(-1)), neuro::Error);
    CHECK_THROWS_WITH(H(TestType(-1)), Contains("Huber") && Contains("delta"));
    CHECK_THROWS_AS(H(std::numeric_limits<TestType>::quiet_NaN()), neuro::Error);
    CHECK_THROWS_AS(H(std::numeric_limits<TestType>::infinity()), neuro::Error);
    CHECK(H(TestType(0.5)).delta() == TestType(0.5));
}

TEST_CASE("Each loss fuses only with the activation its fused form inverts", "[losses][fused]") {
    const neuro::Sigmoid<double> sigmoid;
    const neuro::Softmax<double> softmax;
    const neuro::ReLU<double> relu;
    const neuro::Tanh<double> tanh;

    SECTION("BinaryCrossEntropy with Sigmoid") {
        CHECK(BCE().fuses_with(sigmoid));
        CHECK_FALSE(BCE().fuses_with(softmax));
        CHECK_FALSE(BCE().fuses_with(relu));
        CHECK_FALSE(BCE().fuses_with(tanh));
    }
    SECTION("CategoricalCrossEntropy with Softmax") {
        CHECK(CCE().fuses_with(softmax));
        CHECK_FALSE(CCE().fuses_with(sigmoid));
        CHECK_FALSE(CCE().fuses_with(relu));
    }
    SECTION("SparseCategoricalCrossEntropy with Softmax") {
        CHECK(SCCE().fuses_with(softmax));
        CHECK_FALSE(SCCE().fuses_with(sigmoid));
        CHECK_FALSE(SCCE().fuses_with(tanh));
    }
    SECTION("MeanSquaredError and Huber with nothing, and have no fused form") {
        for (const neuro::Layer<double>* layer : {static_cast<const neuro::Layer<double>*>(&sigmoid),
                                                  static_cast<const neuro::Layer<double>*>(&softmax),
                                                  static_cast<const neuro::Layer<double>*>(&relu)}) {
            CHECK_FALSE(MSE().fuses_with(*layer));
            CHECK_FALSE(Huber().fuses_with(*layer));
        }
        const auto z = matrix<double>(1, 1, {0});
        CHECK_THROWS_AS(value_from_logits(MSE(), z, z), neuro::Error);
        CHECK_THROWS_WITH(value_from_logits(MSE(), z, z), Contains("MeanSquaredError"));
        CHECK_THROWS_AS(gradient_from_logits(Huber(), z, z), neuro::Error);
    }
}

TEST_CASE("Losses report their names and clone to the same function", "[losses]") {
    const Huber huber(0.7);
    const auto p = normal_matrix(2, 3, 11, 2.0);
    const auto y = normal_matrix(2, 3, 12);
    CHECK(BCE().type_name() == "BinaryCrossEntropy");
    CHECK(CCE().type_name() == "CategoricalCrossEntropy");
    CHECK(SCCE().type_name() == "SparseCategoricalCrossEntropy");
    CHECK(MSE().type_name() == "MeanSquaredError");
    CHECK(huber.type_name() == "Huber");
    // A clone keeps its settings: Huber's delta changes the value for |d| > delta.
    CHECK(value(*huber.clone(), p, y) == value(huber, p, y));
    CHECK(value(*huber.clone(), p, y) != value(Huber(), p, y));
}

}  // namespace test_losses
