// Dataset: its sizes, check_dataset's requirements and select_rows.

#include <neuro/data/dataset.hpp>

#include <neuro/core/error.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace test_dataset {

using Catch::Matchers::Contains;
using neuro::Dataset;
using neuro::Index;
using neuro::Matrix;

namespace {

// x(i, j) = 10 i + j and y(i) = -i: every value says where it came from.
template <class T>
Dataset<T> numbered(Index rows) {
    Dataset<T> data{Matrix<T>(rows, 2), Matrix<T>(rows, 1), {"first", "second"}, "label"};
    for (Index i = 0; i < rows; ++i) {
        data.x(i, 0) = T(10 * i);
        data.x(i, 1) = T(10 * i + 1);
        data.y(i, 0) = T(-i);
    }
    return data;
}

}  // namespace

TEMPLATE_TEST_CASE("Dataset reports samples, features and outputs", "[dataset]", float, double) {
    const auto data = numbered<TestType>(5);
    CHECK(data.samples() == 5);
    CHECK(data.features() == 2);
    CHECK(data.outputs() == 1);
    CHECK_NOTHROW(neuro::check_dataset(data, "test"));
}

TEST_CASE("check_dataset rejects x and y of different lengths and names that do not match x", "[dataset][error]") {
    auto data = numbered<double>(3);
    SECTION("rows") {
        data.y = Matrix<double>::Zero(4, 1);
        CHECK_THROWS_WITH(neuro::check_dataset(data, "here"), Contains("here: x has 3 rows but y has 4"));
    }
    SECTION("names") {
        data.feature_names.push_back("third");
        CHECK_THROWS_WITH(neuro::check_dataset(data, "here"), Contains("here: 3 feature names for 2 columns of x"));
    }
    SECTION("no names at all is fine") {
        data.feature_names.clear();
        CHECK_NOTHROW(neuro::check_dataset(data, "here"));
    }
}

TEMPLATE_TEST_CASE("select_rows keeps x and y rows together, in the order asked, with the names", "[dataset]", float,
                   double) {
    const auto data = numbered<TestType>(6);
    const std::vector<Index> rows = {4, 0, 4, 2};
    const auto selected = neuro::select_rows(data, rows);
    REQUIRE(selected.samples() == 4);
    for (Index i = 0; i < 4; ++i) {
        const Index source = rows[std::size_t(i)];
        CHECK(selected.x.row(i) == data.x.row(source));
        CHECK(selected.y(i, 0) == data.y(source, 0));
    }
    CHECK(selected.feature_names == data.feature_names);
    CHECK(selected.label_name == "label");
    CHECK(neuro::select_rows(data, std::vector<Index>{}).samples() == 0);
}

TEST_CASE("select_rows rejects a row outside the dataset", "[dataset][error]") {
    const auto data = numbered<float>(3);
    CHECK_THROWS_WITH(neuro::select_rows(data, std::vector<Index>{0, 3}),
                      Contains("select_rows: row 3 is outside the dataset's 3 samples"));
    CHECK_THROWS_AS(neuro::select_rows(data, std::vector<Index>{-1}), neuro::Error);
}

}  // namespace test_dataset
