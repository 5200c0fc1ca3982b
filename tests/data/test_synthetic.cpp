// make_binary_classification: shapes, labels, balance, determinism and argument checks.

#include <neuro/core/error.hpp>
#include <neuro/core/types.hpp>
#include <neuro/data/synthetic.hpp>

#include <catch2/catch.hpp>

#include <Eigen/QR>

#include <cstdint>

namespace test_synthetic {

using Catch::Matchers::Contains;
using neuro::Index;
using neuro::make_binary_classification;

TEMPLATE_TEST_CASE("make_binary_classification returns samples x features and samples x 1", "[synthetic]", float,
                   double) {
    SECTION("the defaults: 1000 samples of 10 features") {
        const auto data = make_binary_classification<TestType>();
        CHECK(data.x.rows() == 1000);
        CHECK(data.x.cols() == 10);
        CHECK(data.y.rows() == 1000);
        CHECK(data.y.cols() == 1);
    }
    SECTION("other sizes") {
        const auto data = make_binary_classification<TestType>(37, 3, 1);
        CHECK(data.x.rows() == 37);
        CHECK(data.x.cols() == 3);
        CHECK(data.y.rows() == 37);
        CHECK(data.y.cols() == 1);
    }
    SECTION("the smallest valid problem: 1 sample of 2 features") {
        const auto data = make_binary_classification<TestType>(1, 2, 1);
        CHECK(data.x.rows() == 1);
        CHECK(data.x.cols() == 2);
        CHECK(data.y.rows() == 1);
    }
}

TEMPLATE_TEST_CASE("make_binary_classification labels are 0 or 1, with both classes well represented",
                   "[synthetic]", float, double) {
    const std::uint64_t seed = GENERATE(0, 1, 42, 12345);
    const Index features = GENERATE(2, 10);
    CAPTURE(seed, features);
    const auto data = make_binary_classification<TestType>(1000, features, seed);

    CHECK(((data.y.array() == TestType(0)) || (data.y.array() == TestType(1))).all());
    // The linear part of the score is symmetric about 0 and the 0.3 x0 x1 term has mean 0, so
    // the classes are close to balanced (observed 0.42 to 0.55 over many seeds); a binomial
    // sample of 1000 has SE 0.016, and [0.3, 0.7] leaves room for the nonlinearity's tilt.
    const double positive_fraction = double(data.y.mean());
    CHECK(positive_fraction > 0.3);
    CHECK(positive_fraction < 0.7);
}

TEMPLATE_TEST_CASE("make_binary_classification features are standard normal, up to the margin's resampling",
                   "[synthetic]", float, double) {
    const auto data = make_binary_classification<TestType>(2000, 10, 7);
    const neuro::Matrix<double> x = data.x.template cast<double>();
    const double n = double(x.size());
    const double mean = x.mean();
    const double variance = (x.array() - mean).square().sum() / n;
    // Redrawing samples with |score| < 0.2 (16% of N(0, 1) scores) leaves the variance along the
    // score's unit direction at E[s^2 | |s| >= 0.2] = 1.186, so the mean variance of the 10
    // features is about 1 + 0.186 / 10 = 1.019. 20000 draws: SE of the mean 0.0071 and of the
    // variance sqrt(2 / 20000) = 0.01; the bounds are about 5 SE.
    CHECK(mean == Approx(0.0).margin(0.035));
    CHECK(variance == Approx(1.019).margin(0.05));
    CHECK(x.allFinite());
}

TEST_CASE("make_binary_classification labels follow a boundary linear in x and x0 x1", "[synthetic]") {
    // The label is the sign of d . x + 0.3 x0 x1 (with |score| >= 0.2), so a least-squares
    // linear discriminant on the features [x, x0 x1, 1] classifies nearly all samples
    // (observed >= 99.6%); random labels would give about 50%.
    const auto data = make_binary_classification<double>(1000, 10, 3);
    Eigen::MatrixXd design(1000, 12);
    design.leftCols(10) = data.x;
    design.col(10) = data.x.col(0).cwiseProduct(data.x.col(1));
    design.col(11).setOnes();
    const Eigen::VectorXd weights = design.colPivHouseholderQr().solve(data.y.col(0));
    const Eigen::VectorXd score = design * weights;
    Index correct = 0;
    for (Index i = 0; i < 1000; ++i) correct += (score[i] > 0.5) == (data.y(i, 0) > 0.5);
    CHECK(correct >= 950);
}

TEMPLATE_TEST_CASE("make_binary_classification is deterministic in its seed", "[synthetic]", float, double) {
    const auto first = make_binary_classification<TestType>(200, 5, 9);
    SECTION("the same seed gives the same data") {
        const auto again = make_binary_classification<TestType>(200, 5, 9);
        CHECK(again.x == first.x);
        CHECK(again.y == first.y);
    }
    SECTION("a different seed gives different data") {
        const auto other = make_binary_classification<TestType>(200, 5, 10);
        CHECK(other.x != first.x);
        CHECK(other.y != first.y);
    }
}

TEST_CASE("make_binary_classification gives the same features in float as in double", "[synthetic]") {
    const auto as_double = make_binary_classification<double>(300, 4, 11);
    const auto as_float = make_binary_classification<float>(300, 4, 11);
    CHECK(as_float.x == as_double.x.cast<float>());
}

TEST_CASE("make_binary_classification rejects too few samples or features", "[synthetic][error]") {
    SECTION("no samples") {
        CHECK_THROWS_AS(make_binary_classification<double>(0, 10), neuro::Error);
        CHECK_THROWS_WITH(make_binary_classification<double>(0, 10),
                          Contains("make_binary_classification") && Contains("0 x 10"));
    }
    SECTION("negative samples") { CHECK_THROWS_AS(make_binary_classification<float>(-5, 10), neuro::Error); }
    SECTION("one feature, too few for the x0 x1 term") {
        CHECK_THROWS_AS(make_binary_classification<double>(100, 1), neuro::Error);
        CHECK_THROWS_WITH(make_binary_classification<double>(100, 1), Contains("100 x 1"));
    }
    SECTION("no features") { CHECK_THROWS_AS(make_binary_classification<float>(100, 0), neuro::Error); }
}

}  // namespace test_synthetic
