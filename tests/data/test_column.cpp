// ColumnRef: resolving a column by index, by name or as the last, and the errors of each.

#include <neuro/data/column.hpp>

#include <neuro/core/error.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace test_column {

using Catch::Matchers::Contains;
using neuro::ColumnRef;

namespace {
const std::vector<std::string> header = {"a", "b", "c"};
const std::vector<std::string> no_header = {};
}  // namespace

TEST_CASE("ColumnRef resolves an index, a name or the last column to a position", "[column]") {
    CHECK(ColumnRef(0).resolve(header, 3, "ctx") == 0);
    CHECK(ColumnRef(2).resolve(no_header, 3, "ctx") == 2);
    CHECK(ColumnRef(neuro::Index(1)).resolve(header, 3, "ctx") == 1);
    CHECK(ColumnRef("b").resolve(header, 3, "ctx") == 1);
    CHECK(ColumnRef(std::string("c")).resolve(header, 3, "ctx") == 2);
    CHECK(ColumnRef::last().resolve(header, 3, "ctx") == 2);
    CHECK(ColumnRef::last().resolve(no_header, 7, "ctx") == 6);
}

TEST_CASE("ColumnRef reports a column that does not exist, starting with the caller's context", "[column][error]") {
    SECTION("an index past the end") {
        CHECK_THROWS_WITH(ColumnRef(3).resolve(header, 3, "here"),
                          Contains("here: column index 3 does not exist; the rows have 3 columns (indices 0 to 2)"));
    }
    SECTION("a negative index") { CHECK_THROWS_AS(ColumnRef(-1).resolve(header, 3, "here"), neuro::Error); }
    SECTION("an unknown name, listing the names there are") {
        CHECK_THROWS_WITH(ColumnRef("d").resolve(header, 3, "here"),
                          Contains("here: no column is named \"d\"; the header has: a, b, c"));
    }
    SECTION("a name without a header") {
        CHECK_THROWS_WITH(ColumnRef("a").resolve(no_header, 3, "here"), Contains("there is no header row"));
    }
    SECTION("a name two columns share") {
        CHECK_THROWS_WITH(ColumnRef("a").resolve({"a", "x", "a"}, 3, "here"),
                          Contains("columns 0 and 2 are both named \"a\""));
    }
}

TEST_CASE("ColumnRef describes itself and compares by what it names", "[column]") {
    CHECK(ColumnRef(4).describe() == "column 4");
    CHECK(ColumnRef("price").describe() == "column \"price\"");
    CHECK(ColumnRef::last().describe() == "the last column");
    CHECK(ColumnRef("a") == ColumnRef(std::string("a")));
    CHECK(ColumnRef(1) == ColumnRef(neuro::Index(1)));
    CHECK_FALSE(ColumnRef(1) == ColumnRef("1"));
    CHECK(ColumnRef::last() == ColumnRef::last());
    CHECK(ColumnRef("a").by_name());
    CHECK_FALSE(ColumnRef(0).by_name());
}

}  // namespace test_column
