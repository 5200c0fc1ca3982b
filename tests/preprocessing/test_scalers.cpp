// StandardScaler, MinMaxScaler, RobustScaler: statistics against hand-computed values,
// round trips through inverse_transform, constant columns, state, and misuse.

#include <neuro/preprocessing/scalers.hpp>

#include <neuro/core/error.hpp>
#include <neuro/core/random.hpp>

#include <catch2/catch.hpp>

#include <cmath>

namespace test_scalers {

using Catch::Matchers::Contains;
using neuro::Index;
using neuro::Matrix;
using neuro::MinMaxScaler;
using neuro::RobustScaler;
using neuro::StandardScaler;

namespace {

// Columns: 1 2 3 4 (mean 2.5, population sd sqrt(1.25)); 10 0 -10 100; the constant 7.
template <class T>
Matrix<T> sample() {
    Matrix<T> x(4, 3);
    x << 1, 10, 7,  //
        2, 0, 7,    //
        3, -10, 7,  //
        4, 100, 7;
    return x;
}

// Random values of several magnitudes and offsets, column by column.
template <class T>
Matrix<T> random_matrix(Index rows, Index cols, std::uint64_t seed) {
    neuro::Random random(seed);
    Matrix<T> x(rows, cols);
    for (Index c = 0; c < cols; ++c)
        for (Index r = 0; r < rows; ++r) x(r, c) = T(random.normal() * std::pow(10.0, double(c)) + 5.0 * double(c));
    return x;
}

template <class T>
double tolerance() {
    return std::is_same_v<T, float> ? 1e-5 : 1e-12;
}

}  // namespace

TEMPLATE_TEST_CASE("StandardScaler centers each column and divides by its population standard deviation", "[scalers]",
                   float, double) {
    StandardScaler scaler;
    const Matrix<TestType> z = scaler.fit_transform(sample<TestType>());
    CHECK(scaler.mean()[0] == Approx(2.5));
    CHECK(scaler.scale()[0] == Approx(std::sqrt(1.25)));
    CHECK(scaler.mean()[1] == Approx(25.0));
    CHECK(z(0, 0) == Approx(-1.5 / std::sqrt(1.25)));
    for (Index c = 0; c < 2; ++c) {
        CHECK(z.col(c).template cast<double>().mean() == Approx(0.0).margin(1e-6));
        CHECK(std::sqrt(z.col(c).template cast<double>().array().square().mean()) == Approx(1.0));
    }
}

TEMPLATE_TEST_CASE("MinMaxScaler maps each training column onto the feature range", "[scalers]", float, double) {
    SECTION("the default range [0, 1]") {
        MinMaxScaler scaler;
        const Matrix<TestType> scaled = scaler.fit_transform(sample<TestType>());
        CHECK(scaled.col(0).minCoeff() == 0);
        CHECK(scaled.col(0).maxCoeff() == Approx(1));
        CHECK(scaled(1, 1) == Approx(10.0 / 110.0));
        CHECK(scaler.data_min()[1] == -10);
        CHECK(scaler.data_max()[1] == 100);
    }
    SECTION("a range of [-1, 1]") {
        MinMaxScaler scaler(-1, 1);
        const Matrix<TestType> scaled = scaler.fit_transform(sample<TestType>());
        CHECK(scaled.col(1).minCoeff() == -1);
        CHECK(scaled.col(1).maxCoeff() == Approx(1));
        CHECK(scaled(0, 0) == Approx(-1));
        CHECK(scaler.feature_minimum() == -1);
        CHECK(scaler.feature_maximum() == 1);
    }
    SECTION("new data outside the training range is not clipped") {
        MinMaxScaler scaler;
        scaler.fit(sample<TestType>());
        Matrix<TestType> outside(1, 3);
        outside << 7, -120, 7;
        const Matrix<TestType> scaled = scaler.transform(outside);
        CHECK(scaled(0, 0) == Approx(2.0));
        CHECK(scaled(0, 1) == Approx(-1.0));
    }
}

TEMPLATE_TEST_CASE("RobustScaler centers on the median and divides by the interquartile range", "[scalers]", float,
                   double) {
    SECTION("the default 25 to 75 range, interpolated as NumPy does") {
        RobustScaler scaler;
        scaler.fit(sample<TestType>());
        // Column 0 sorted is 1 2 3 4: median 2.5, q25 1.75, q75 3.25.
        CHECK(scaler.center()[0] == Approx(2.5));
        CHECK(scaler.scale()[0] == Approx(1.5));
        // Column 1 sorted is -10 0 10 100: median 5, q25 -2.5, q75 32.5.
        CHECK(scaler.center()[1] == Approx(5.0));
        CHECK(scaler.scale()[1] == Approx(35.0));
        CHECK(scaler.transform(sample<TestType>())(3, 1) == Approx(95.0 / 35.0));
    }
    SECTION("a quantile range of 10 to 90") {
        RobustScaler scaler(10, 90);
        scaler.fit(sample<TestType>());
        CHECK(scaler.scale()[0] == Approx(3.7 - 1.3));
        CHECK(scaler.low_percentile() == 10);
        CHECK(scaler.high_percentile() == 90);
    }
    SECTION("an outlier moves neither the center nor the scale much") {
        Matrix<TestType> x = random_matrix<TestType>(101, 1, 3);
        RobustScaler before;
        before.fit(x);
        x(0, 0) = TestType(1e6);
        RobustScaler after;
        after.fit(x);
        CHECK(after.center()[0] == Approx(before.center()[0]).margin(0.05));
        CHECK(after.scale()[0] == Approx(before.scale()[0]).epsilon(0.1));
    }
}

TEMPLATE_TEST_CASE("A constant column scales by 1, not by zero, so no NaN appears", "[scalers]", float, double) {
    const Matrix<TestType> x = sample<TestType>();
    SECTION("StandardScaler: the column becomes 0") {
        StandardScaler scaler;
        const Matrix<TestType> z = scaler.fit_transform(x);
        CHECK(scaler.scale()[2] == 1.0);
        CHECK((z.col(2).array() == 0).all());
    }
    SECTION("MinMaxScaler: the column becomes the range's minimum") {
        MinMaxScaler scaler(2, 3);
        const Matrix<TestType> scaled = scaler.fit_transform(x);
        CHECK(scaler.scale()[2] == Approx(1.0));
        CHECK((scaled.col(2).array() == 2).all());
    }
    SECTION("RobustScaler: the column becomes 0") {
        RobustScaler scaler;
        const Matrix<TestType> scaled = scaler.fit_transform(x);
        CHECK(scaler.scale()[2] == 1.0);
        CHECK((scaled.col(2).array() == 0).all());
    }
    SECTION("a single row is constant in every column") {
        StandardScaler scaler;
        CHECK(scaler.fit_transform(x.topRows(1)).allFinite());
    }
}

TEMPLATE_TEST_CASE("Each scaler's inverse_transform undoes its transform", "[scalers][roundtrip]", float, double) {
    const Matrix<TestType> train = random_matrix<TestType>(200, 4, 1);
    const Matrix<TestType> test = random_matrix<TestType>(50, 4, 2);
    const auto check_round_trip = [&](auto scaler) {
        scaler.fit(train);
        const Matrix<TestType> back = scaler.inverse_transform(scaler.transform(test));
        for (Index c = 0; c < test.cols(); ++c)
            for (Index r = 0; r < test.rows(); ++r)
                CHECK(back(r, c) == Approx(test(r, c)).epsilon(tolerance<TestType>()).margin(tolerance<TestType>()));
    };
    SECTION("StandardScaler") { check_round_trip(StandardScaler()); }
    SECTION("MinMaxScaler") { check_round_trip(MinMaxScaler(-3, 5)); }
    SECTION("RobustScaler") { check_round_trip(RobustScaler(5, 95)); }
}

TEST_CASE("Scalers take blocks and maps of a matrix, and keep the input's scalar", "[scalers]") {
    const Matrix<double> x = random_matrix<double>(20, 3, 4);
    StandardScaler scaler;
    scaler.fit(x.topRows(10));
    const Eigen::Map<const Matrix<double>> view(x.data(), 20, 3);
    CHECK(scaler.transform(view.bottomRows(10)).isApprox(scaler.transform(Matrix<double>(x.bottomRows(10)))));
    const Matrix<float> as_float = scaler.transform(x.cast<float>());
    CHECK(as_float.isApprox(scaler.transform(x).cast<float>()));
}

TEMPLATE_TEST_CASE("A scaler's state restores a scaler that transforms the same", "[scalers][state]", float, double) {
    const Matrix<TestType> x = random_matrix<TestType>(30, 3, 5);
    const auto check_restored = [&](const auto& fitted, const auto& restored) {
        CHECK(restored.transform(x) == fitted.transform(x));
        CHECK(restored.inverse_transform(x) == fitted.inverse_transform(x));
    };
    SECTION("StandardScaler") {
        StandardScaler scaler;
        scaler.fit(x);
        const auto state = scaler.state();
        CHECK(state.at("mean") == scaler.mean());
        CHECK(state.at("scale") == scaler.scale());
        check_restored(scaler, StandardScaler::from_state(state));
    }
    SECTION("MinMaxScaler") {
        MinMaxScaler scaler(-2, 2);
        scaler.fit(x);
        const auto restored = MinMaxScaler::from_state(scaler.state());
        CHECK(restored.feature_minimum() == -2);
        check_restored(scaler, restored);
    }
    SECTION("RobustScaler") {
        RobustScaler scaler(20, 80);
        scaler.fit(x);
        const auto restored = RobustScaler::from_state(scaler.state());
        CHECK(restored.high_percentile() == 80);
        check_restored(scaler, restored);
    }
}

TEST_CASE("Scalers reject use before fit, the wrong width, non-finite training data and bad settings",
          "[scalers][error]") {
    const Matrix<double> x = sample<double>();
    SECTION("transform before fit") {
        CHECK_THROWS_WITH(StandardScaler().transform(x), Contains("StandardScaler::transform: call fit first"));
        CHECK_THROWS_WITH(MinMaxScaler().inverse_transform(x), Contains("MinMaxScaler::inverse_transform: call fit"));
        CHECK_THROWS_WITH(RobustScaler().state(), Contains("RobustScaler::state: call fit first"));
    }
    SECTION("the wrong width, naming both") {
        StandardScaler scaler;
        scaler.fit(x);
        CHECK_THROWS_WITH(scaler.transform(x.leftCols(2)),
                          Contains("StandardScaler::transform: x has 2 columns, but it was fitted on 3 columns"));
        RobustScaler robust;
        robust.fit(x);
        CHECK_THROWS_WITH(robust.inverse_transform(Matrix<double>::Zero(1, 5)), Contains("x has 5 columns"));
    }
    SECTION("NaN or inf in the training data, naming the cell") {
        Matrix<double> bad = x;
        bad(2, 1) = std::nan("");
        CHECK_THROWS_WITH(StandardScaler().fit(bad), Contains("StandardScaler::fit: x(2, 1) is nan; clean or impute"));
        bad(2, 1) = INFINITY;
        CHECK_THROWS_WITH(MinMaxScaler().fit(bad), Contains("x(2, 1) is inf"));
    }
    SECTION("empty training data") {
        CHECK_THROWS_WITH(RobustScaler().fit(Matrix<double>(0, 3)), Contains("x is 0 x 3"));
    }
    SECTION("ranges that are empty or reversed") {
        CHECK_THROWS_WITH(MinMaxScaler(1, 1), Contains("feature range [1, 1] needs minimum < maximum"));
        CHECK_THROWS_WITH(RobustScaler(75, 25), Contains("quantile range (75, 25) needs 0 <= low < high <= 100"));
        CHECK_THROWS_AS(RobustScaler(-1, 50), neuro::Error);
    }
    SECTION("a state that is incomplete or inconsistent") {
        CHECK_THROWS_WITH(StandardScaler::from_state({{"mean", neuro::Vector<double>::Zero(2)}}),
                          Contains("StandardScaler::from_state: the state has no \"scale\""));
        CHECK_THROWS_WITH(StandardScaler::from_state(
                              {{"mean", neuro::Vector<double>::Zero(2)}, {"scale", neuro::Vector<double>::Ones(3)}}),
                          Contains("\"scale\" has 3 elements, expected 2"));
        CHECK_THROWS_WITH(RobustScaler::from_state({{"center", neuro::Vector<double>::Zero(1)},
                                                    {"scale", neuro::Vector<double>::Zero(1)},
                                                    {"quantile_range", neuro::Vector<double>::LinSpaced(2, 25, 75)}}),
                          Contains("the scale of column 0 is 0; it must be positive"));
        neuro::Vector<double> range(2);
        range << 0, 1;
        CHECK_THROWS_WITH(MinMaxScaler::from_state({{"data_min", neuro::Vector<double>::Ones(1)},
                                                    {"data_max", neuro::Vector<double>::Zero(1)},
                                                    {"feature_range", range}}),
                          Contains("column 0 has data_min 1 above data_max 0"));
    }
}

}  // namespace test_scalers
