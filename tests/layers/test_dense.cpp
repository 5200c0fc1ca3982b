// Dense: Y = W X + b, its parameter views, backward, regularization, errors and copies.

#include <neuro/core/error.hpp>
#include <neuro/core/random.hpp>
#include <neuro/core/types.hpp>
#include <neuro/gradient_check.hpp>
#include <neuro/layers/dense.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <type_traits>

namespace test_dense {

using Catch::Matchers::Contains;
using neuro::Dense;
using neuro::Index;
using neuro::Matrix;

namespace {

template <class T>
neuro::ConstMatrixView<T> in(const Matrix<T>& m) {
    return neuro::ConstMatrixView<T>(m.data(), m.rows(), m.cols());
}

template <class T>
neuro::MatrixView<T> out(Matrix<T>& m) {
    return neuro::MatrixView<T>(m.data(), m.rows(), m.cols());
}

/// W = [1 2 3; 4 5 6] (2 x 3), b = [0.5, -1].
template <class T>
void set_small_parameters(Dense<T>& layer) {
    layer.weight() << T(1), T(2), T(3), T(4), T(5), T(6);
    if (layer.options().use_bias) layer.bias() << T(0.5), T(-1);
}

/// Two samples as columns: x0 = [1, 0, -1], x1 = [2, 1, 0].
template <class T>
Matrix<T> small_input() {
    Matrix<T> x(3, 2);
    x << T(1), T(2),
         T(0), T(1),
         T(-1), T(0);
    return x;
}

Matrix<double> normal_matrix(Index rows, Index cols, std::uint64_t seed) {
    neuro::Random random(seed);
    Matrix<double> m(rows, cols);
    for (Index i = 0; i < m.size(); ++i) m.data()[i] = random.normal();
    return m;
}

}  // namespace

TEMPLATE_TEST_CASE("Dense::forward computes W * X + b", "[dense]", float, double) {
    using T = TestType;
    Dense<T> layer(3, 2);
    set_small_parameters(layer);
    const Matrix<T> x = small_input<T>();
    Matrix<T> y(2, 2);
    layer.forward(in(x), out(y));

    // Column 0: [1*1 + 2*0 + 3*(-1) + 0.5, 4*1 + 5*0 + 6*(-1) - 1] = [-1.5, -3]
    // Column 1: [1*2 + 2*1 + 3*0 + 0.5,    4*2 + 5*1 + 6*0 - 1]    = [4.5, 12]
    Matrix<T> expected(2, 2);
    expected << T(-1.5), T(4.5),
                T(-3), T(12);
    CHECK(y == expected);

    SECTION("and each sample is independent of the others in the batch") {
        Matrix<T> first = x.col(0);
        Matrix<T> y_first(2, 1);
        layer.forward(in(first), out(y_first));
        CHECK(y_first == expected.col(0));
    }
}

TEMPLATE_TEST_CASE("Dense without bias computes W * X and has no bias parameters", "[dense]", float, double) {
    using T = TestType;
    Dense<T> layer(3, 2, {.use_bias = false});
    CHECK(layer.parameter_count() == 6);
    CHECK(layer.bias().size() == 0);
    CHECK(layer.bias_gradient().size() == 0);
    set_small_parameters(layer);

    const Matrix<T> x = small_input<T>();
    Matrix<T> y(2, 2);
    layer.forward(in(x), out(y));
    // The same as above without b: [-2, -2; 4, 13].
    Matrix<T> expected(2, 2);
    expected << T(-2), T(4),
                T(-2), T(13);
    CHECK(y == expected);
}

TEMPLATE_TEST_CASE("Dense describes its shape", "[dense]", float, double) {
    const Dense<TestType> layer(5, 3);
    CHECK(layer.type_name() == "Dense");
    CHECK(layer.inputs() == 5);
    CHECK(layer.outputs() == 3);
    REQUIRE(layer.input_width().has_value());
    CHECK(*layer.input_width() == 5);
    CHECK(layer.output_width(5) == 3);
    CHECK(layer.parameter_count() == 5 * 3 + 3);
}

TEMPLATE_TEST_CASE("Dense's weight() and bias() are writable views of its parameters", "[dense]", float, double) {
    using T = TestType;
    Dense<T> layer(3, 2);
    CHECK(layer.weight().rows() == 2);
    CHECK(layer.weight().cols() == 3);
    CHECK(layer.bias().size() == 2);

    SECTION("they are laid out as W column-major, then b") {
        layer.weight()(1, 2) = T(7);
        layer.bias()(1) = T(-9);
        const auto values = layer.parameter_values();
        CHECK(values[2 * 2 + 1] == T(7));  // column 2, row 1 of a 2-row matrix
        CHECK(values[6 + 1] == T(-9));     // b follows the 6 weights
        CHECK(values.data() == layer.weight().data());
        CHECK(layer.bias().data() == layer.weight().data() + 6);
    }
    SECTION("forward sees what is written through them") {
        layer.weight().setZero();
        layer.bias() << T(3), T(-4);
        const Matrix<T> x = small_input<T>();
        Matrix<T> y(2, 2);
        layer.forward(in(x), out(y));
        CHECK(y.col(0) == neuro::Vector<T>::Map(layer.bias().data(), 2));
        CHECK(y.col(1) == neuro::Vector<T>::Map(layer.bias().data(), 2));
    }
    SECTION("a const layer gives read-only views") {
        const Dense<T>& read_only = layer;
        STATIC_REQUIRE(std::is_same_v<decltype(read_only.weight()), neuro::ConstMatrixView<T>>);
        STATIC_REQUIRE(std::is_same_v<decltype(read_only.bias()), neuro::ConstVectorView<T>>);
        CHECK(read_only.weight().data() == layer.weight().data());
    }
}

TEMPLATE_TEST_CASE("Dense::backward computes dW = G X^T, db = row sums of G and dX = W^T G", "[dense]", float,
                   double) {
    using T = TestType;
    Dense<T> layer(3, 2);
    set_small_parameters(layer);
    const Matrix<T> x = small_input<T>();
    Matrix<T> y(2, 2);
    layer.forward(in(x), out(y));
    Matrix<T> g(2, 2);
    g << T(1), T(-1),
         T(2), T(0.5);
    Matrix<T> dx(3, 2);

    // dW(i, k) = sum_j G(i, j) X(k, j):
    //   row 0: [1*1 - 1*2, 1*0 - 1*1, 1*(-1) - 1*0] = [-1, -1, -1]
    //   row 1: [2*1 + 0.5*2, 2*0 + 0.5*1, 2*(-1) + 0.5*0] = [3, 0.5, -2]
    Matrix<T> expected_dw(2, 3);
    expected_dw << T(-1), T(-1), T(-1),
                   T(3), T(0.5), T(-2);
    // db = [1 - 1, 2 + 0.5] = [0, 2.5]
    neuro::Vector<T> expected_db(2);
    expected_db << T(0), T(2.5);
    // dX(k, j) = sum_i W(i, k) G(i, j):
    //   column 0: [1*1 + 4*2, 2*1 + 5*2, 3*1 + 6*2] = [9, 12, 15]
    //   column 1: [1*(-1) + 4*0.5, 2*(-1) + 5*0.5, 3*(-1) + 6*0.5] = [1, 0.5, 0]
    Matrix<T> expected_dx(3, 2);
    expected_dx << T(9), T(1),
                   T(12), T(0.5),
                   T(15), T(0);

    layer.backward(in(x), in(y), in(g), out(dx));
    CHECK(Matrix<T>(layer.weight_gradient()) == expected_dw);
    CHECK(neuro::Vector<T>(layer.bias_gradient()) == expected_db);
    CHECK(dx == expected_dx);

    SECTION("overwriting the gradients rather than accumulating them") {
        layer.backward(in(x), in(y), in(g), out(dx));
        CHECK(Matrix<T>(layer.weight_gradient()) == expected_dw);
        CHECK(neuro::Vector<T>(layer.bias_gradient()) == expected_db);
    }
    SECTION("skipping the input gradient when it is not asked for") {
        layer.backward(in(x), in(y), in(g), neuro::MatrixView<T>(nullptr, 0, 0));
        CHECK(Matrix<T>(layer.weight_gradient()) == expected_dw);
    }
    SECTION("adding l1 sign(W) + 2 l2 W to dW, and nothing to db") {
        Dense<T> regularized(3, 2, {.l1 = 0.1, .l2 = 0.01});
        set_small_parameters(regularized);
        regularized.backward(in(x), in(y), in(g), out(dx));
        // W > 0 everywhere, so l1 sign(W) = 0.1 and 2 l2 W = 0.02 W.
        const Matrix<T> w = regularized.weight();
        const Matrix<T> expected = expected_dw.array() + T(0.1) + T(0.02) * w.array();
        CHECK(Matrix<T>(regularized.weight_gradient()).isApprox(expected, T(1e-6)));
        CHECK(neuro::Vector<T>(regularized.bias_gradient()) == expected_db);
    }
}

TEMPLATE_TEST_CASE("Dense's regularization penalty is l1 sum|W| + l2 sum W^2, not counting b", "[dense]", float,
                   double) {
    using T = TestType;
    auto penalty = [](neuro::DenseOptions options) {
        Dense<T> layer(3, 2, options);
        // W = [1 -2 3; -4 5 -6]: sum|W| = 21, sum W^2 = 1 + 4 + 9 + 16 + 25 + 36 = 91.
        layer.weight() << T(1), T(-2), T(3), T(-4), T(5), T(-6);
        layer.bias() << T(100), T(-100);  // must not count
        return layer.regularization_penalty();
    };
    SECTION("none by default") { CHECK(penalty({}) == 0.0); }
    SECTION("l1 = 0.1: 0.1 * 21 = 2.1") { CHECK(penalty({.l1 = 0.1}) == Approx(2.1)); }
    SECTION("l2 = 0.01: 0.01 * 91 = 0.91") { CHECK(penalty({.l2 = 0.01}) == Approx(0.91)); }
    SECTION("both: 2.1 + 0.91 = 3.01") { CHECK(penalty({.l1 = 0.1, .l2 = 0.01}) == Approx(3.01)); }
}

TEST_CASE("Dense's gradients match finite differences", "[dense][gradient]") {
    const Matrix<double> x = normal_matrix(5, 4, 11);

    SECTION("with bias") {
        Dense<double> layer(5, 3);
        const auto check = neuro::check_gradients(layer, x);
        CHECK(check.input_error < 1e-6);
        CHECK(check.parameter_error < 1e-6);
    }
    SECTION("without bias") {
        Dense<double> layer(5, 3, {.use_bias = false});
        const auto check = neuro::check_gradients(layer, x);
        CHECK(check.input_error < 1e-6);
        CHECK(check.parameter_error < 1e-6);
    }
    SECTION("with l1 regularization") {
        Dense<double> layer(5, 3, {.l1 = 0.3});
        // |W| is differentiable only away from 0; the step is 1e-6.
        REQUIRE(layer.weight().cwiseAbs().minCoeff() > 1e-3);
        const auto check = neuro::check_gradients(layer, x);
        CHECK(check.input_error < 1e-6);
        CHECK(check.parameter_error < 1e-6);
    }
    SECTION("with l2 regularization") {
        Dense<double> layer(5, 3, {.l2 = 0.5});
        const auto check = neuro::check_gradients(layer, x);
        CHECK(check.input_error < 1e-6);
        CHECK(check.parameter_error < 1e-6);
    }
    SECTION("with l1 and l2 regularization and no bias") {
        Dense<double> layer(5, 3, {.use_bias = false, .l1 = 0.3, .l2 = 0.5});
        REQUIRE(layer.weight().cwiseAbs().minCoeff() > 1e-3);
        const auto check = neuro::check_gradients(layer, x);
        CHECK(check.input_error < 1e-6);
        CHECK(check.parameter_error < 1e-6);
    }
}

TEMPLATE_TEST_CASE("Dense rejects invalid widths and regularization with a message naming the widths", "[dense][error]",
                   float, double) {
    using L = Dense<TestType>;
    SECTION("zero inputs") {
        CHECK_THROWS_AS(L(0, 3), neuro::Error);
        CHECK_THROWS_WITH(L(0, 3), Contains("Dense(0, 3)"));
    }
    SECTION("zero outputs") {
        CHECK_THROWS_AS(L(4, 0), neuro::Error);
        CHECK_THROWS_WITH(L(4, 0), Contains("Dense(4, 0)"));
    }
    SECTION("negative widths") {
        CHECK_THROWS_AS(L(-2, 3), neuro::Error);
        CHECK_THROWS_WITH(L(-2, 3), Contains("Dense(-2, 3)"));
    }
    SECTION("negative l1") {
        CHECK_THROWS_AS(L(2, 3, {.l1 = -0.1}), neuro::Error);
        CHECK_THROWS_WITH(L(2, 3, {.l1 = -0.1}), Contains("Dense(2, 3)") && Contains("l1"));
    }
    SECTION("negative l2") {
        CHECK_THROWS_AS(L(2, 3, {.l2 = -1e-4}), neuro::Error);
        CHECK_THROWS_WITH(L(2, 3, {.l2 = -1e-4}), Contains("Dense(2, 3)") && Contains("l2"));
    }
    SECTION("NaN l2") { CHECK_THROWS_AS(L(2, 3, {.l2 = std::nan("")}), neuro::Error); }
    SECTION("the smallest valid layer is accepted") { CHECK_NOTHROW(L(1, 1, {.l1 = 0, .l2 = 0})); }
}

TEMPLATE_TEST_CASE("A copied Dense owns its values", "[dense][copy]", float, double) {
    using T = TestType;
    Dense<T> original(3, 2);
    set_small_parameters(original);
    const Matrix<T> original_weight = original.weight();

    SECTION("copy construction") {
        Dense<T> copy(original);
        CHECK(Matrix<T>(copy.weight()) == original_weight);
        CHECK(copy.weight().data() != original.weight().data());
        copy.weight()(0, 0) = T(42);
        copy.bias()(0) = T(42);
        CHECK(Matrix<T>(original.weight()) == original_weight);
        CHECK(original.bias()(0) == T(0.5));
    }
    SECTION("clone") {
        const std::unique_ptr<neuro::Layer<T>> clone = original.clone();
        REQUIRE(clone->parameter_count() == original.parameter_count());
        CHECK(clone->parameter_values() == original.parameter_values());
        clone->parameter_values()[0] = T(42);
        CHECK(Matrix<T>(original.weight()) == original_weight);
    }
    SECTION("a copy of a layer bound to outside storage does not alias that storage") {
        neuro::Vector<T> values = original.parameter_values();
        neuro::Vector<T> gradients = neuro::Vector<T>::Zero(values.size());
        original.bind_parameters(values.data(), gradients.data());
        REQUIRE(original.weight().data() == values.data());

        Dense<T> copy(original);
        CHECK(Matrix<T>(copy.weight()) == original_weight);
        values[0] = T(99);  // changes the bound original ...
        CHECK(original.weight()(0, 0) == T(99));
        CHECK(copy.weight()(0, 0) == T(1));  // ... but not the copy
        copy.weight()(0, 1) = T(-99);
        CHECK(values[2] == T(2));  // and writing the copy leaves the storage alone
    }
}

// Assigning into a layer bound to a model could only unbind it (the model would then train
// values the layer no longer reads) or resize the model's buffer: layers with parameters are
// copyable, never assignable, and their values are set through weight() and bias().
TEMPLATE_TEST_CASE("A Dense layer is copyable but not assignable", "[dense][copy]", float, double) {
    STATIC_REQUIRE(std::is_copy_constructible_v<Dense<TestType>>);
    STATIC_REQUIRE_FALSE(std::is_copy_assignable_v<Dense<TestType>>);
    STATIC_REQUIRE_FALSE(std::is_move_assignable_v<Dense<TestType>>);
}

TEMPLATE_TEST_CASE("A Dense layer moved from keeps its own values", "[dense][copy]", float, double) {
    using T = TestType;
    Dense<T> source(3, 2);
    const Matrix<T> weight = source.weight();
    Dense<T> destination(std::move(source));
    source.weight()(0, 0) = T(42);  // NOLINT(bugprone-use-after-move): the point of the test
    CHECK(Matrix<T>(destination.weight()) == weight);
}

}  // namespace test_dense
