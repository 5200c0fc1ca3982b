// report_non_finite, drop_non_finite_rows and Imputer: what is found, what is dropped, what
// fills the gaps, and that an imputer learns from the training part only.

#include <neuro/preprocessing/cleaning.hpp>

#include <neuro/core/error.hpp>
#include <neuro/data/dataset.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

namespace test_cleaning {

using Catch::Matchers::Contains;
using neuro::Dataset;
using neuro::Imputer;
using neuro::ImputeStrategy;
using neuro::Index;
using neuro::Matrix;

namespace {

template <class T>
constexpr T missing = std::numeric_limits<T>::quiet_NaN();
template <class T>
constexpr T inf = std::numeric_limits<T>::infinity();

// Rows 1 and 3 have gaps in x; row 4 has an infinite label.
template <class T>
Dataset<T> gappy() {
    Dataset<T> data{Matrix<T>(5, 3), Matrix<T>(5, 1), {"a", "b", "c"}, "label"};
    data.x << 1, 2, 3,              //
        missing<T>, 5, missing<T>,  //
        7, 8, 9,                    //
        10, -inf<T>, 12,            //
        13, 14, 15;
    data.y << 0, 1, 2, 3, inf<T>;
    return data;
}

}  // namespace

TEMPLATE_TEST_CASE("report_non_finite finds the rows and counts the columns holding NaN or inf", "[cleaning]", float,
                   double) {
    SECTION("a matrix") {
        const auto report = neuro::report_non_finite(gappy<TestType>().x);
        CHECK(report.rows == 5);
        CHECK(report.affected_rows == std::vector<Index>{1, 3});
        CHECK(report.missing_per_column == std::vector<Index>{1, 0, 1});
        CHECK(report.infinite_per_column == std::vector<Index>{0, 1, 0});
        CHECK(report.missing() == 2);
        CHECK(report.infinite() == 1);
        CHECK(report.affected_columns() == std::vector<Index>{0, 1, 2});
        CHECK_FALSE(report.clean());
    }
    SECTION("a dataset: x's columns, then y's, with names") {
        const auto report = neuro::report_non_finite(gappy<TestType>());
        CHECK(report.affected_rows == std::vector<Index>{1, 3, 4});
        CHECK(report.infinite_per_column == std::vector<Index>{0, 1, 0, 1});
        CHECK(report.column_names == std::vector<std::string>{"a", "b", "c", "label"});
        CHECK(report.summary() ==
              "3 of 5 rows hold missing or infinite values: column 0 (\"a\") 1 missing; column 1 (\"b\") 1 infinite; "
              "column 2 (\"c\") 1 missing; column 3 (\"label\") 1 infinite");
    }
    SECTION("clean data") {
        const auto report = neuro::report_non_finite(Matrix<TestType>::Ones(4, 2));
        CHECK(report.clean());
        CHECK(report.summary() == "all 4 rows are finite");
    }
}

TEMPLATE_TEST_CASE("drop_non_finite_rows removes the rows with NaN or inf in x or y, keeping x and y together",
                   "[cleaning]", float, double) {
    const auto clean = neuro::drop_non_finite_rows(gappy<TestType>());
    REQUIRE(clean.samples() == 2);
    CHECK(clean.x.row(0) == gappy<TestType>().x.row(0));
    CHECK(clean.x.row(1) == gappy<TestType>().x.row(2));
    CHECK(clean.y(0, 0) == 0);
    CHECK(clean.y(1, 0) == 2);
    CHECK(clean.feature_names == gappy<TestType>().feature_names);
}

TEMPLATE_TEST_CASE("Imputer fills NaN and inf with each strategy's statistic of the finite values", "[cleaning]", float,
                   double) {
    using T = TestType;
    Matrix<T> x(6, 2);
    x << 1, 5,          //
        2, missing<T>,  //
        2, 5,           //
        missing<T>, 1,  //
        10, inf<T>,     //
        3, 1;
    SECTION("mean") {
        Imputer imputer(ImputeStrategy::Mean);
        const Matrix<T> filled = imputer.fit_transform(x);
        CHECK(imputer.statistics()[0] == Approx(18.0 / 5));
        CHECK(filled(3, 0) == Approx(3.6));
        CHECK(filled(1, 1) == Approx(3.0));
        CHECK(filled(4, 1) == Approx(3.0));
    }
    SECTION("median: the middle value, or the mean of the middle two") {
        Imputer imputer(ImputeStrategy::Median);
        imputer.fit(x);
        CHECK(imputer.statistics()[0] == 2);  // 1 2 2 3 10
        CHECK(imputer.statistics()[1] == 3);  // 1 1 5 5
    }
    SECTION("most frequent: the smallest of equally frequent values") {
        Imputer imputer(ImputeStrategy::MostFrequent);
        imputer.fit(x);
        CHECK(imputer.statistics()[0] == 2);
        CHECK(imputer.statistics()[1] == 1);  // 1 and 5 twice each
    }
    SECTION("constant") {
        Imputer imputer(ImputeStrategy::Constant, -1);
        const Matrix<T> filled = imputer.fit_transform(x);
        CHECK(filled(3, 0) == -1);
        CHECK(filled(4, 1) == -1);
        CHECK(imputer.strategy() == ImputeStrategy::Constant);
    }
    SECTION("finite values are left as they are") {
        const Matrix<T> filled = Imputer(ImputeStrategy::Median).fit_transform(x);
        CHECK(filled.allFinite());
        for (Index c = 0; c < 2; ++c)
            for (Index r = 0; r < 6; ++r)
                if (std::isfinite(x(r, c))) CHECK(filled(r, c) == x(r, c));
    }
}

TEST_CASE("Imputer learns from the training data only and fills new data with it", "[cleaning]") {
    Matrix<double> train(3, 1);
    train << 1, 2, 3;
    Matrix<double> test(2, 1);
    test << 100, missing<double>;
    Imputer imputer;
    imputer.fit(train);
    CHECK(imputer.transform(test)(1, 0) == 2);
}

TEST_CASE("An imputer's state restores an imputer that fills the same", "[cleaning][state]") {
    Matrix<float> x(3, 2);
    x << 1, missing<float>, missing<float>, 4, 3, 8;
    Imputer imputer(ImputeStrategy::Median);
    imputer.fit(x);
    const Imputer restored = Imputer::from_state(imputer.state());
    CHECK(restored.transform(x) == imputer.transform(x));
    CHECK_THROWS_WITH(Imputer::from_state({}), Contains("Imputer::from_state: the state has no \"statistics\""));
}

TEST_CASE("Imputer rejects a column without finite values, use before fit and the wrong width", "[cleaning][error]") {
    Matrix<double> x(2, 2);
    x << 1, missing<double>, 2, inf<double>;
    CHECK_THROWS_WITH(Imputer().fit(x), Contains("Imputer::fit: column 1 has no finite value to learn from"));
    CHECK_NOTHROW(Imputer(ImputeStrategy::Constant, 0).fit(x));
    CHECK_THROWS_WITH(Imputer().transform(x), Contains("Imputer::transform: call fit first"));
    Imputer imputer(ImputeStrategy::Constant);
    imputer.fit(x);
    CHECK_THROWS_WITH(imputer.transform(Matrix<double>::Zero(1, 3)),
                      Contains("Imputer::transform: x has 3 columns, but it was fitted on 2 columns"));
    CHECK_THROWS_WITH(Imputer().fit(Matrix<double>(0, 2)), Contains("x is 0 x 2"));
    CHECK_THROWS_WITH(Imputer(ImputeStrategy::Constant, missing<double>), Contains("the fill value nan is not finite"));
}

}  // namespace test_cleaning
