// Activation layers: forward values at chosen points, gradients, widths, float and double.
//
// Reference values come from the closed forms (computed in double precision with the C
// library's exp, tanh and erf). Tolerances: double results are a few roundings from the
// reference, so 1e-12 relative; float results 1e-5 relative, which covers float rounding
// (6e-8 per operation) amplified by GELU's cancellation in 1 + erf(x) at x = -3 (x 370).

#include "../support/activations.hpp"

#include <neuro/core/error.hpp>
#include <neuro/core/random.hpp>
#include <neuro/core/types.hpp>
#include <neuro/gradient_check.hpp>
#include <neuro/layers/activations.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace test_activations {

using neuro::Index;
using neuro::Matrix;

namespace {

template <class T>
Matrix<T> forward(const neuro::Layer<T>& layer, const Matrix<T>& input) {
    Matrix<T> output(layer.output_width(input.rows()), input.cols());
    output.setConstant(std::numeric_limits<T>::quiet_NaN());  // every element must be written
    layer.forward(neuro::ConstMatrixView<T>(input.data(), input.rows(), input.cols()),
                  neuro::MatrixView<T>(output.data(), output.rows(), output.cols()));
    return output;
}

/// A 1 x n row of values: each column is a sample with one feature.
template <class T>
Matrix<T> row(std::initializer_list<double> values) {
    Matrix<T> m(1, Index(values.size()));
    Index i = 0;
    for (const double value : values) m(0, i++) = T(value);
    return m;
}

template <class T>
Approx close_to(double expected) {
    const double tolerance = std::is_same_v<T, float> ? 1e-5 : 1e-12;
    return Approx(expected).epsilon(tolerance).margin(tolerance * 1e-3);
}

/// Applies `layer` to each point (as one batch) and compares with the expected values.
template <class T>
void check_values(const neuro::Layer<T>& layer, std::initializer_list<double> points,
                  std::initializer_list<double> expected) {
    const Matrix<T> output = forward(layer, row<T>(points));
    REQUIRE(output.size() == Index(expected.size()));
    Index i = 0;
    for (const double value : expected) {
        INFO("x = " << *(points.begin() + i));
        CHECK(double(output(0, i)) == close_to<T>(value));
        ++i;
    }
}

Matrix<double> normal_matrix(Index rows, Index cols, std::uint64_t seed) {
    neuro::Random random(seed);
    Matrix<double> m(rows, cols);
    for (Index i = 0; i < m.size(); ++i) m.data()[i] = random.normal();
    return m;
}

/// Normal values pushed at least 0.1 away from 0, where ReLU, LeakyReLU and ELU have kinks.
Matrix<double> away_from_zero(Index rows, Index cols, std::uint64_t seed) {
    Matrix<double> m = normal_matrix(rows, cols, seed);
    return m.unaryExpr([](double x) { return x < 0 ? x - 0.1 : x + 0.1; });
}

}  // namespace

TEMPLATE_TEST_CASE("ReLU keeps positive inputs and zeroes the others", "[activations]", float, double) {
    check_values<TestType>(neuro::ReLU<TestType>(), {-2, -0.5, 0, 0.5, 3, 1e30}, {0, 0, 0, 0.5, 3, 1e30});
}

TEMPLATE_TEST_CASE("LeakyReLU scales negative inputs by its slope", "[activations]", float, double) {
    using T = TestType;
    SECTION("the default slope is 0.01") {
        const neuro::LeakyReLU<T> layer;
        CHECK(layer.negative_slope() == T(0.01));
        check_values<T>(layer, {-2, -0.5, 0, 0.5, 3}, {-0.02, -0.005, 0, 0.5, 3});
    }
    SECTION("a custom slope") {
        check_values<T>(neuro::LeakyReLU<T>(T(0.2)), {-2, -0.5, 0, 0.5, 3}, {-0.4, -0.1, 0, 0.5, 3});
    }
    SECTION("a non-finite slope is rejected") {
        CHECK_THROWS_AS(neuro::LeakyReLU<T>(std::numeric_limits<T>::quiet_NaN()), neuro::Error);
        CHECK_THROWS_AS(neuro::LeakyReLU<T>(std::numeric_limits<T>::infinity()), neuro::Error);
    }
}

TEMPLATE_TEST_CASE("ELU is x for positive x and alpha (exp(x) - 1) otherwise", "[activations]", float, double) {
    using T = TestType;
    SECTION("alpha = 1 by default") {
        const neuro::ELU<T> layer;
        CHECK(layer.alpha() == T(1));
        // exp(-1) - 1 = -0.6321205588285577, exp(-2) - 1 = -0.8646647167633873; -> -1 far left.
        check_values<T>(layer, {-100, -2, -1, 0, 0.5, 3},
                        {-1, -0.8646647167633873, -0.6321205588285577, 0, 0.5, 3});
    }
    SECTION("alpha = 2") {
        check_values<T>(neuro::ELU<T>(T(2)), {-100, -1, -0.5, 2},
                        {-2, -1.2642411176571153, -0.7869386805747332, 2});
    }
    SECTION("a non-finite alpha is rejected") {
        CHECK_THROWS_AS(neuro::ELU<T>(std::numeric_limits<T>::quiet_NaN()), neuro::Error);
    }
}

TEMPLATE_TEST_CASE("GELU is the exact x Phi(x)", "[activations]", float, double) {
    // x Phi(x) with Phi(x) = (1 + erf(x / sqrt 2)) / 2; GELU(1) = Phi(1) = 0.8413447460685429.
    check_values<TestType>(neuro::GELU<TestType>(), {-3, -1, 0, 0.5, 1, 2},
                           {-0.00404969409489031, -0.15865525393145707, 0, 0.34573123063700656,
                            0.8413447460685429, 1.9544997361036416});
}

TEMPLATE_TEST_CASE("Sigmoid is 1 / (1 + exp(-x)) and saturates without overflow", "[activations]", float, double) {
    using T = TestType;
    SECTION("moderate inputs") {
        check_values<T>(neuro::Sigmoid<T>(), {-2, 0, 0.5, 2},
                        {0.11920292202211755, 0.5, 0.6224593312018546, 0.8807970779778823});
    }
    SECTION("large inputs are finite and saturate to 1 and 0") {
        const Matrix<T> output = forward(neuro::Sigmoid<T>(), row<T>({100, -100, 1000, -1000}));
        CHECK(output.allFinite());
        CHECK(output(0, 0) == T(1));
        CHECK(output(0, 2) == T(1));
        // sigmoid(-100) = 3.7e-44: 0 to any useful precision, and never negative.
        CHECK(output(0, 1) >= T(0));
        CHECK(double(output(0, 1)) < 1e-40);
        CHECK(output(0, 3) == T(0));
    }
}

TEMPLATE_TEST_CASE("Tanh matches std::tanh", "[activations]", float, double) {
    using T = TestType;
    check_values<T>(neuro::Tanh<T>(), {-50, -1, 0, 0.5, 2, 50},
                    {-1, -0.7615941559557649, 0, 0.46211715726000974, 0.9640275800758169, 1});
}

TEMPLATE_TEST_CASE("Softmax turns each column into probabilities", "[activations]", float, double) {
    using T = TestType;
    const neuro::Softmax<T> softmax;

    SECTION("known values, computed per column") {
        Matrix<T> input(3, 2);
        // Column 0: [1, 2, 3] -> e^k / (e + e^2 + e^3).
        // Column 1: [0, 0, ln 2] -> [1, 1, 2] / 4.
        input << T(1), T(0),
                 T(2), T(0),
                 T(3), T(std::log(2.0));
        const Matrix<T> output = forward(softmax, input);
        CHECK(double(output(0, 0)) == close_to<T>(0.09003057317038046));
        CHECK(double(output(1, 0)) == close_to<T>(0.24472847105479767));
        CHECK(double(output(2, 0)) == close_to<T>(0.6652409557748219));
        CHECK(double(output(0, 1)) == close_to<T>(0.25));
        CHECK(double(output(1, 1)) == close_to<T>(0.25));
        CHECK(double(output(2, 1)) == close_to<T>(0.5));
    }
    SECTION("columns sum to 1") {
        const Matrix<T> output = forward(softmax, normal_matrix(5, 7, 3).cast<T>().eval());
        CHECK((output.array() > T(0)).all());
        for (Index j = 0; j < output.cols(); ++j) CHECK(double(output.col(j).sum()) == close_to<T>(1.0));
    }
    SECTION("inputs of 1000 are stable: finite, and shifted copies give the same result") {
        Matrix<T> input(3, 3);
        input << T(1000), T(1), T(-1000),
                 T(1001), T(2), T(-999),
                 T(1002), T(3), T(-998);
        const Matrix<T> output = forward(softmax, input);
        REQUIRE(output.allFinite());
        for (Index i = 0; i < 3; ++i) {
            CHECK(double(output(i, 0)) == close_to<T>(double(output(i, 1))));
            CHECK(double(output(i, 2)) == close_to<T>(double(output(i, 1))));
        }
        CHECK(double(output.col(0).sum()) == close_to<T>(1.0));
    }
    SECTION("a single class gets probability 1") {
        const Matrix<T> output = forward(softmax, row<T>({-5, 0, 1000}));
        CHECK(output == Matrix<T>::Ones(1, 3));
    }
}

TEMPLATE_TEST_CASE("Activations keep their input width and have no parameters", "[activations]", float, double) {
    using T = TestType;
    const auto layers = neuro::testing::every_activation<T>();
    const std::vector<std::string> names{"ReLU", "LeakyReLU", "ELU", "GELU", "Sigmoid", "Tanh", "Softmax"};

    const Matrix<T> input = normal_matrix(7, 4, 5).cast<T>();
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const auto& layer = *layers[i];
        INFO(names[i]);
        CHECK(layer.type_name() == names[i]);
        CHECK_FALSE(layer.input_width().has_value());
        CHECK(layer.output_width(7) == 7);
        CHECK(layer.output_width(1) == 1);
        CHECK(layer.parameter_count() == 0);
        const Matrix<T> output = forward(layer, input);
        CHECK(output.rows() == 7);
        CHECK(output.allFinite());
        // A clone is the same function.
        CHECK(forward(*layer.clone(), input) == output);
    }

    SECTION("clones keep their settings") {
        const neuro::LeakyReLU<T> leaky(T(0.3));
        const neuro::ELU<T> elu(T(2.5));
        const Matrix<T> negative = row<T>({-1, -2});
        CHECK(forward(*leaky.clone(), negative) == forward(leaky, negative));
        CHECK(forward(*elu.clone(), negative) == forward(elu, negative));
        CHECK(forward(*leaky.clone(), negative) != forward(neuro::LeakyReLU<T>(), negative));
    }
}

TEST_CASE("Activation gradients match finite differences", "[activations][gradient]") {
    // Inputs 6 x 5; the checker's loss is sum(R * output) with random R.
    auto check = [](neuro::Layer<double>& layer, const Matrix<double>& input) {
        const neuro::GradientCheck result = neuro::check_gradients(layer, input);
        CHECK(result.input_error < 1e-6);
        CHECK(result.parameter_error == 0);
    };
    const Matrix<double> smooth_input = normal_matrix(6, 5, 21) * 2.0;
    const Matrix<double> kinked_input = away_from_zero(6, 5, 22) * 2.0;

    SECTION("ReLU, away from its kink") {
        neuro::ReLU<double> layer;
        check(layer, kinked_input);
    }
    SECTION("LeakyReLU, away from its kink") {
        neuro::LeakyReLU<double> layer(0.2);
        check(layer, kinked_input);
    }
    SECTION("ELU, away from 0") {
        neuro::ELU<double> layer;
        check(layer, kinked_input);
    }
    SECTION("ELU with alpha = 2, where the derivative jumps at 0") {
        neuro::ELU<double> layer(2.0);
        check(layer, kinked_input);
    }
    SECTION("GELU") {
        neuro::GELU<double> layer;
        check(layer, smooth_input);
    }
    SECTION("Sigmoid") {
        neuro::Sigmoid<double> layer;
        check(layer, smooth_input);
    }
    SECTION("Tanh") {
        neuro::Tanh<double> layer;
        check(layer, smooth_input);
    }
    SECTION("Softmax") {
        neuro::Softmax<double> layer;
        check(layer, smooth_input);
    }
}

}  // namespace test_activations
