// Weight initializers: each one's empirical distribution matches its formula.
//
// The layer is 400 x 300 (fan_out = 400 rows, fan_in = 300 columns): 120000 draws, and
// fan_in != fan_out so that a formula using the wrong fan is caught (He and LeCun would be
// off by sqrt(400/300) = 15% in stddev). Bounds are stated in standard errors (SE).

#include <neuro/core/random.hpp>
#include <neuro/core/types.hpp>
#include <neuro/init.hpp>
#include <neuro/layers/dense.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <string_view>

namespace test_init {

namespace {

using neuro::Initializer;

constexpr neuro::Index fan_out = 400;
constexpr neuro::Index fan_in = 300;
constexpr double count = double(fan_out * fan_in);

template <class T>
neuro::Matrix<T> initialized(Initializer initializer, std::uint64_t seed = 3) {
    neuro::Matrix<T> weight(fan_out, fan_in);
    weight.setConstant(T(123));  // so that an element the initializer skips is noticed
    neuro::Random random(seed);
    neuro::initialize<T>(neuro::MatrixView<T>(weight.data(), weight.rows(), weight.cols()), initializer, random);
    return weight;
}

struct Moments {
    double mean;
    double stddev;
    double largest_magnitude;
};

template <class T>
Moments moments_of(const neuro::Matrix<T>& weight) {
    const neuro::Matrix<double> w = weight.template cast<double>();
    const double mean = w.mean();
    const double variance = (w.array() - mean).square().sum() / count;
    return {mean, std::sqrt(variance), w.cwiseAbs().maxCoeff()};
}

/// A uniform [-limit, limit] sample: within the limit, reaching it, mean 0, stddev limit / sqrt(3).
template <class T>
void check_uniform(const neuro::Matrix<T>& weight, double limit) {
    const Moments m = moments_of(weight);
    // Rounded to T, a draw just below the limit may round to T(limit), never beyond.
    CHECK(m.largest_magnitude <= double(T(limit)));
    // P(no |w| in [0.999 limit, limit]) = 0.999^120000 = e^-120.
    CHECK(m.largest_magnitude > 0.999 * limit);
    // SE of the mean: (limit / sqrt(3)) / sqrt(120000) = 1.7e-3 limit; 0.01 limit is about 6 SE.
    CHECK(m.mean == Approx(0.0).margin(0.01 * limit));
    // SE of the variance: sqrt(4/45 / 120000) limit^2 = 8.6e-4 limit^2, 0.26% of limit^2 / 3,
    // so about 0.13% of the stddev; 1% is about 7.5 SE.
    CHECK(m.stddev == Approx(limit / std::sqrt(3.0)).epsilon(0.01));
}

/// A normal N(0, stddev^2) sample, not truncated.
template <class T>
void check_normal(const neuro::Matrix<T>& weight, double stddev) {
    const Moments m = moments_of(weight);
    // SE of the mean: stddev / sqrt(120000) = 2.9e-3 stddev; 0.015 stddev is about 5 SE.
    CHECK(m.mean == Approx(0.0).margin(0.015 * stddev));
    // SE of the sample stddev: stddev / sqrt(2 * 120000) = 0.2%; 1% is 5 SE.
    CHECK(m.stddev == Approx(stddev).epsilon(0.01));
    // Not truncated: P(|w| > 3 stddev) = 0.27%, about 324 of the draws.
    CHECK(m.largest_magnitude > 3.5 * stddev);
}

}  // namespace

TEMPLATE_TEST_CASE("Uniform initializers draw from -limit to limit with the documented limit", "[init]", float,
                   double) {
    SECTION("GlorotUniform: limit = sqrt(6 / (fan_in + fan_out))") {
        check_uniform(initialized<TestType>(Initializer::GlorotUniform), std::sqrt(6.0 / (fan_in + fan_out)));
    }
    SECTION("HeUniform: limit = sqrt(6 / fan_in)") {
        check_uniform(initialized<TestType>(Initializer::HeUniform), std::sqrt(6.0 / fan_in));
    }
    SECTION("LeCunUniform: limit = sqrt(3 / fan_in)") {
        check_uniform(initialized<TestType>(Initializer::LeCunUniform), std::sqrt(3.0 / fan_in));
    }
}

TEMPLATE_TEST_CASE("Normal initializers draw from N(0, stddev^2) with the documented stddev", "[init]", float,
                   double) {
    SECTION("GlorotNormal: stddev = sqrt(2 / (fan_in + fan_out))") {
        check_normal(initialized<TestType>(Initializer::GlorotNormal), std::sqrt(2.0 / (fan_in + fan_out)));
    }
    SECTION("HeNormal: stddev = sqrt(2 / fan_in)") {
        check_normal(initialized<TestType>(Initializer::HeNormal), std::sqrt(2.0 / fan_in));
    }
    SECTION("LeCunNormal: stddev = sqrt(1 / fan_in)") {
        check_normal(initialized<TestType>(Initializer::LeCunNormal), std::sqrt(1.0 / fan_in));
    }
}

TEMPLATE_TEST_CASE("Zeros sets every weight to zero", "[init]", float, double) {
    const auto weight = initialized<TestType>(Initializer::Zeros);
    CHECK(weight.isZero(0));
}

TEST_CASE("Initializers are deterministic in the random generator's seed", "[init]") {
    const Initializer random_initializers[] = {Initializer::GlorotUniform, Initializer::GlorotNormal,
                                               Initializer::HeUniform,     Initializer::HeNormal,
                                               Initializer::LeCunUniform,  Initializer::LeCunNormal};
    for (const Initializer initializer : random_initializers) {
        INFO(neuro::to_string(initializer));
        CHECK(initialized<double>(initializer, 5) == initialized<double>(initializer, 5));
        CHECK(initialized<double>(initializer, 5) != initialized<double>(initializer, 6));
    }
}

TEST_CASE("A Dense layer uses GlorotUniform by default, drawn with seed 0, and a zero bias", "[init][dense]") {
    CHECK(neuro::DenseOptions{}.initializer == Initializer::GlorotUniform);

    // Dense(inputs = fan_in, outputs = fan_out): W is fan_out x fan_in, like the matrices above.
    const neuro::Dense<double> layer(fan_in, fan_out);
    CHECK(layer.options().initializer == Initializer::GlorotUniform);
    CHECK(neuro::Matrix<double>(layer.weight()) == initialized<double>(Initializer::GlorotUniform, 0));
    CHECK(layer.bias().isZero(0));

    SECTION("and follows another initializer when asked") {
        const neuro::Dense<double> he(fan_in, fan_out, {.initializer = Initializer::HeNormal});
        CHECK(neuro::Matrix<double>(he.weight()) == initialized<double>(Initializer::HeNormal, 0));
        check_normal(neuro::Matrix<double>(he.weight()), std::sqrt(2.0 / fan_in));
    }
}

TEST_CASE("to_string gives each initializer its Keras name", "[init]") {
    STATIC_REQUIRE(neuro::to_string(Initializer::GlorotUniform) == std::string_view("glorot_uniform"));
    CHECK(neuro::to_string(Initializer::GlorotUniform) == "glorot_uniform");
    CHECK(neuro::to_string(Initializer::GlorotNormal) == "glorot_normal");
    CHECK(neuro::to_string(Initializer::HeUniform) == "he_uniform");
    CHECK(neuro::to_string(Initializer::HeNormal) == "he_normal");
    CHECK(neuro::to_string(Initializer::LeCunUniform) == "lecun_uniform");
    CHECK(neuro::to_string(Initializer::LeCunNormal) == "lecun_normal");
    CHECK(neuro::to_string(Initializer::Zeros) == "zeros");
}

}  // namespace test_init
