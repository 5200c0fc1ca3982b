// Dropout: identity in inference, inverted dropout in training, seeded masks.

#include <neuro/core/error.hpp>
#include <neuro/core/random.hpp>
#include <neuro/core/types.hpp>
#include <neuro/gradient_check.hpp>
#include <neuro/layers/dropout.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

namespace test_dropout {

using neuro::Dropout;
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

template <class T>
Matrix<T> normal_matrix(Index rows, Index cols, std::uint64_t seed) {
    neuro::Random random(seed);
    Matrix<T> m(rows, cols);
    for (Index i = 0; i < m.size(); ++i) m.data()[i] = T(random.normal());
    return m;
}

template <class T>
Matrix<T> train(Dropout<T>& layer, const Matrix<T>& input, neuro::Random& random) {
    Matrix<T> output(input.rows(), input.cols());
    layer.forward_training(in(input), out(output), random);
    return output;
}

template <class T>
Matrix<T> train(Dropout<T>& layer, const Matrix<T>& input, std::uint64_t seed) {
    neuro::Random random(seed);
    return train(layer, input, random);
}

}  // namespace

TEMPLATE_TEST_CASE("Dropout is the identity in inference", "[dropout]", float, double) {
    using T = TestType;
    const Dropout<T> layer(0.5);
    const Matrix<T> input = normal_matrix<T>(4, 6, 1);
    Matrix<T> output(4, 6);
    layer.forward(in(input), out(output));
    CHECK(output == input);
    CHECK_FALSE(layer.input_width().has_value());
    CHECK(layer.output_width(4) == 4);
    CHECK(layer.parameter_count() == 0);
    CHECK(layer.type_name() == "Dropout");
}

TEMPLATE_TEST_CASE("Dropout in training zeroes about `rate` of the inputs and scales the rest by 1 / (1 - rate)",
                   "[dropout]", float, double) {
    using T = TestType;
    const double rate = GENERATE(0.1, 0.3, 0.5, 0.9);
    CAPTURE(rate);
    Dropout<T> layer(rate);
    CHECK(layer.rate() == rate);

    // 200 x 500 = 1e5 elements, no input exactly 0.
    const Matrix<T> input = normal_matrix<T>(200, 500, 2).array() + T(10);
    const Matrix<T> output = train(layer, input, 3);
    const auto n = double(input.size());
    const T scale = T(1.0 / (1.0 - rate));

    Index dropped = 0;
    Index wrongly_scaled = 0;
    for (Index i = 0; i < input.size(); ++i) {
        if (output.data()[i] == T(0))
            ++dropped;
        else if (output.data()[i] != input.data()[i] * scale)
            ++wrongly_scaled;
    }
    CHECK(wrongly_scaled == 0);
    // The dropped fraction is Binomial(1e5, rate) / 1e5: SE = sqrt(rate (1 - rate) / 1e5) <= 1.6e-3;
    // 0.008 is at least 5 SE.
    CHECK(double(dropped) / n == Approx(rate).margin(0.008));

    SECTION("so the expected output equals the input") {
        // For inputs of 1 each output is 0 or 1 / (1 - rate): mean 1, SD sqrt(rate / (1 - rate))
        // <= 3, so the mean of 1e5 has SE <= 9.5e-3; 0.05 is more than 5 SE.
        const Matrix<T> ones = Matrix<T>::Ones(200, 500);
        CHECK(double(train(layer, ones, 4).mean()) == Approx(1.0).margin(0.05));
    }
}

TEST_CASE("Dropout's mask follows the seed", "[dropout]") {
    Dropout<double> layer(0.5);
    const Matrix<double> input = Matrix<double>::Ones(20, 30);

    SECTION("the same seed gives the same mask") { CHECK(train(layer, input, 7) == train(layer, input, 7)); }
    SECTION("different seeds give different masks") { CHECK(train(layer, input, 7) != train(layer, input, 8)); }
    SECTION("successive batches from one generator get fresh masks") {
        neuro::Random random(7);
        const Matrix<double> first = train(layer, input, random);
        const Matrix<double> second = train(layer, input, random);
        CHECK(first != second);
    }
    SECTION("a copied layer draws the same mask from the same seed") {
        Dropout<double> copy(layer);
        CHECK(train(copy, input, 9) == train(layer, input, 9));
    }
}

TEMPLATE_TEST_CASE("Dropout's backward applies the forward pass's mask", "[dropout]", float, double) {
    using T = TestType;
    Dropout<T> layer(0.4);
    const Matrix<T> input = Matrix<T>::Ones(6, 8);
    const Matrix<T> output = train(layer, input, 10);
    const Matrix<T> output_gradient = normal_matrix<T>(6, 8, 11);
    Matrix<T> input_gradient(6, 8);
    layer.backward(in(input), in(output), in(output_gradient), out(input_gradient));
    // With inputs of 1 the output is the mask itself.
    CHECK(input_gradient == output_gradient.cwiseProduct(output));
}

TEST_CASE("Dropout's gradient matches finite differences", "[dropout][gradient]") {
    // check_gradients re-seeds the training generator for every pass, so every pass sees the same mask.
    const Matrix<double> input = normal_matrix<double>(6, 5, 12);
    SECTION("rate 0.5") {
        Dropout<double> layer(0.5);
        const auto check = neuro::check_gradients(layer, input);
        CHECK(check.input_error < 1e-6);
        CHECK(check.parameter_error == 0);
    }
    SECTION("rate 0.2, another seed") {
        Dropout<double> layer(0.2);
        const auto check = neuro::check_gradients(layer, input, 99);
        CHECK(check.input_error < 1e-6);
    }
}

TEMPLATE_TEST_CASE("Dropout with rate 0 is the identity in training too", "[dropout]", float, double) {
    using T = TestType;
    Dropout<T> layer(0.0);
    const Matrix<T> input = normal_matrix<T>(10, 20, 13);
    CHECK(train(layer, input, 14) == input);
}

TEST_CASE("Dropout rejects a rate that is negative, 1 or more, or NaN", "[dropout][error]") {
    SECTION("negative") { CHECK_THROWS_AS(Dropout<double>(-0.1), neuro::Error); }
    SECTION("1, which would drop everything") {
        CHECK_THROWS_AS(Dropout<double>(1.0), neuro::Error);
        CHECK_THROWS_WITH(Dropout<float>(1.0), Catch::Matchers::Contains("Dropout") &&
                                                   Catch::Matchers::Contains("[0, 1)"));
    }
    SECTION("above 1") { CHECK_THROWS_AS(Dropout<float>(1.5), neuro::Error); }
    SECTION("NaN") { CHECK_THROWS_AS(Dropout<double>(std::numeric_limits<double>::quiet_NaN()), neuro::Error); }
    SECTION("the ends of the valid range are accepted") {
        CHECK_NOTHROW(Dropout<double>(0.0));
        CHECK_NOTHROW(Dropout<double>(0.999));
    }
}

}  // namespace test_dropout
