// CategoricalEncoding: declared columns, fitting (sorted, distinct), codes, one-hot widths and
// the unseen-category policies. read_csv's use of it is tested in test_csv.cpp.

#include <neuro/data/categorical.hpp>

#include <neuro/core/error.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace test_categorical {

using Catch::Matchers::Contains;
using neuro::CategoricalEncoding;
using neuro::CategoricalMode;
using neuro::UnseenCategory;

TEST_CASE("CategoricalEncoding sorts and deduplicates the categories it is fitted with", "[categorical]") {
    CategoricalEncoding encoding({{"color", CategoricalMode::OneHot}, {2, CategoricalMode::Codes}});
    CHECK_FALSE(encoding.fitted());
    encoding.fit({{"red", "blue", "red", "green"}, {"b", "a"}});
    CHECK(encoding.fitted());
    CHECK(encoding.categories(0) == std::vector<std::string>{"blue", "green", "red"});
    CHECK(encoding.categories(1) == std::vector<std::string>{"a", "b"});
    CHECK(encoding.encoded_width(0) == 3);
    CHECK(encoding.encoded_width(1) == 1);
    CHECK(encoding.code(0, "green") == 1);
    CHECK(encoding.find(1, "b") == 1);
    CHECK_FALSE(encoding.find(1, "c").has_value());
}

TEST_CASE("CategoricalEncoding treats an unseen category as the policy says", "[categorical]") {
    SECTION("Error: neuro::Error naming the value and the fitted categories") {
        CategoricalEncoding encoding({{"size"}});
        encoding.fit({{"S", "M"}});
        CHECK_THROWS_WITH(encoding.code(0, "XL"),
                          Contains("\"XL\" is not a category of column \"size\" (fitted: M, S)"));
    }
    SECTION("Ignore: code -1") {
        CategoricalEncoding encoding({{"size"}}, UnseenCategory::Ignore);
        encoding.fit({{"S", "M"}});
        CHECK(encoding.code(0, "XL") == -1);
        CHECK(encoding.unseen() == UnseenCategory::Ignore);
    }
}

TEST_CASE("CategoricalEncoding rejects misuse", "[categorical][error]") {
    SECTION("a column declared twice") {
        CHECK_THROWS_WITH(CategoricalEncoding({{"a"}, {"a", CategoricalMode::OneHot}}),
                          Contains("column \"a\" is declared twice"));
    }
    SECTION("a query before fit") {
        const CategoricalEncoding encoding({{"a"}});
        CHECK_THROWS_WITH(encoding.categories(0), Contains("not fitted yet"));
    }
    SECTION("a column that was not declared") {
        CategoricalEncoding encoding({{"a"}});
        encoding.fit({{"x"}});
        CHECK_THROWS_WITH(encoding.encoded_width(1), Contains("column 1 of 1 declared columns"));
    }
    SECTION("a fit with the wrong number of lists") {
        CategoricalEncoding encoding({{"a"}});
        CHECK_THROWS_WITH(encoding.fit({{"x"}, {"y"}}), Contains("2 category lists for 1 declared columns"));
    }
}

TEST_CASE("CategoricalEncoding without columns is empty and counts as fitted", "[categorical]") {
    const CategoricalEncoding none;
    CHECK(none.empty());
    CHECK(none.fitted());
}

}  // namespace test_categorical
