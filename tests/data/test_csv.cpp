// read_csv / parse_csv / write_csv: layout, delimiters, headers, quoting, missing values,
// categorical columns, every parse error with its line and column, and exact round trips.

#include <neuro/data/csv.hpp>

#include <neuro/core/error.hpp>
#include <neuro/core/random.hpp>
#include <neuro/data/categorical.hpp>
#include <neuro/data/dataset.hpp>

#include "../support/temporary_directory.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace test_csv {

using Catch::Matchers::Contains;
using neuro::CategoricalEncoding;
using neuro::CategoricalMode;
using neuro::ColumnRef;
using neuro::CsvHeader;
using neuro::Dataset;
using neuro::Index;
using neuro::Matrix;
using neuro::parse_csv;
using neuro::UnseenCategory;

namespace {

template <class T>
Matrix<T> matrix(Index rows, Index cols, std::initializer_list<T> values) {
    Matrix<T> m(rows, cols);
    auto value = values.begin();
    for (Index r = 0; r < rows; ++r)
        for (Index c = 0; c < cols; ++c) m(r, c) = *value++;
    return m;
}

// Equal element by element, NaN equal to NaN, and -0 distinct from +0: what "exact" means.
template <class T>
bool identical(const Matrix<T>& a, const Matrix<T>& b) {
    if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
    for (Index i = 0; i < a.size(); ++i) {
        const T x = a.data()[i];
        const T y = b.data()[i];
        if (std::isnan(x) != std::isnan(y)) return false;
        if (!std::isnan(x) && (x != y || std::signbit(x) != std::signbit(y))) return false;
    }
    return true;
}

// The message of the neuro::Error that parsing `text` throws.
std::string parse_error(const std::string& text, const neuro::CsvReadOptions& options = {}) {
    try {
        parse_csv<double>(text, options);
    } catch (const neuro::Error& error) {
        return error.what();
    }
    FAIL("parse_csv accepted: " << text);
    return {};
}

}  // namespace

TEMPLATE_TEST_CASE("read_csv reads a header, numeric features and the last column as the label", "[csv]", float,
                   double) {
    const auto data = parse_csv<TestType>("a,b,label\n1,2.5,0\n-3,4e2,1\n");
    CHECK(data.x == matrix<TestType>(2, 2, {1, 2.5, -3, 400}));
    CHECK(data.y == matrix<TestType>(2, 1, {0, 1}));
    CHECK(data.feature_names == std::vector<std::string>{"a", "b"});
    CHECK(data.label_name == "label");
    CHECK(data.samples() == 2);
    CHECK(data.features() == 2);
    CHECK(data.outputs() == 1);
}

TEMPLATE_TEST_CASE("read_csv reads numbers exactly as from_chars rounds them", "[csv]", float, double) {
    const auto data = parse_csv<TestType>("v,y\n0.1,0\n+7,0\n1e-3,0\n-0,0\n", {.header = CsvHeader::Present});
    CHECK(data.x(0, 0) == TestType(0.1));
    CHECK(data.x(1, 0) == TestType(7));
    CHECK(data.x(2, 0) == TestType(1e-3));
    CHECK(data.x(3, 0) == TestType(0));
    CHECK(std::signbit(data.x(3, 0)));
}

TEST_CASE("read_csv sniffs comma, semicolon and tab delimiters", "[csv]") {
    const Matrix<double> expected_x = matrix<double>(2, 2, {1, 2, 4, 5});
    SECTION("comma") { CHECK(parse_csv<double>("a,b,c\n1,2,3\n4,5,6\n").x == expected_x); }
    SECTION("semicolon") { CHECK(parse_csv<double>("a;b;c\n1;2;3\n4;5;6\n").x == expected_x); }
    SECTION("tab") { CHECK(parse_csv<double>("a\tb\tc\n1\t2\t3\n4\t5\t6\n").x == expected_x); }
    SECTION("the delimiter that splits every row alike wins over one that splits only some") {
        // Commas split the header into 2 fields and the data rows into 1; semicolons split all into 3.
        const auto data = parse_csv<double>("a,b;c;d\n1;2;3\n4;5;6\n");
        CHECK(data.feature_names == std::vector<std::string>{"a,b", "c"});
    }
    SECTION("a delimiter inside quotes does not count") {
        const auto data = parse_csv<double>("\"a,b\";c;d\n1;2;3\n");
        CHECK(data.feature_names == std::vector<std::string>{"a,b", "c"});
    }
    SECTION("an explicit delimiter is used as given") {
        const auto data = parse_csv<double>("a|b\n1|2\n", {.delimiter = '|'});
        CHECK(data.x == matrix<double>(1, 1, {1}));
        CHECK(data.y == matrix<double>(1, 1, {2}));
    }
    SECTION("a single column") {
        const auto data = parse_csv<double>("y\n1\n2\n");
        CHECK(data.features() == 0);
        CHECK(data.y == matrix<double>(2, 1, {1, 2}));
    }
}

TEST_CASE("read_csv detects whether the first row is a header", "[csv]") {
    SECTION("a row of names is a header") { CHECK(parse_csv<double>("x,y\n1,2\n").samples() == 1); }
    SECTION("a row of numbers is data") {
        const auto data = parse_csv<double>("1,2\n3,4\n");
        CHECK(data.samples() == 2);
        CHECK(data.feature_names.empty());
        CHECK(data.label_name.empty());
    }
    SECTION("a header with a numeric name above numbers is still a header") {
        const auto data = parse_csv<double>("width,2024\n1,2\n");
        CHECK(data.samples() == 1);
        CHECK(data.label_name == "2024");
    }
    SECTION("a first data row with a category and numbers is data") {
        CategoricalEncoding encoding({{0, CategoricalMode::Codes}});
        const auto data = parse_csv<double>("red,1\nblue,2\n", {}, encoding);
        CHECK(data.samples() == 2);
    }
    SECTION("the header can be forced on or off") {
        CHECK(parse_csv<double>("1,2\n3,4\n", {.header = CsvHeader::Present}).label_name == "2");
        CHECK(parse_csv<double>("1,2\n3,4\n", {.header = CsvHeader::Present}).samples() == 1);
        CategoricalEncoding encoding({{0}, {1}});
        CHECK(parse_csv<double>("a,b\nc,d\n", {.header = CsvHeader::Absent}, encoding).samples() == 2);
    }
}

TEST_CASE("read_csv takes the label column by name or by index, or none", "[csv]") {
    const std::string text = "a,b,c\n1,2,3\n4,5,6\n";
    SECTION("by name") {
        const auto data = parse_csv<double>(text, {.label = "a"});
        CHECK(data.y == matrix<double>(2, 1, {1, 4}));
        CHECK(data.x == matrix<double>(2, 2, {2, 3, 5, 6}));
        CHECK(data.feature_names == std::vector<std::string>{"b", "c"});
        CHECK(data.label_name == "a");
    }
    SECTION("by index") {
        const auto data = parse_csv<double>(text, {.label = 1});
        CHECK(data.y == matrix<double>(2, 1, {2, 5}));
        CHECK(data.x == matrix<double>(2, 2, {1, 3, 4, 6}));
    }
    SECTION("index 0") { CHECK(parse_csv<double>(text, {.label = 0}).label_name == "a"); }
    SECTION("no label: y has no columns") {
        const auto data = parse_csv<double>(text, {.label = std::nullopt});
        CHECK(data.x == matrix<double>(2, 3, {1, 2, 3, 4, 5, 6}));
        CHECK(data.y.rows() == 2);
        CHECK(data.y.cols() == 0);
    }
}

TEST_CASE("read_csv understands RFC 4180 quoting", "[csv]") {
    SECTION("doubled quotes, delimiters and line breaks inside quoted names") {
        const auto data = parse_csv<double>("\"say \"\"hi\"\"\",\"a,b\",\"two\nlines\"\n1,2,3\n");
        CHECK(data.feature_names == std::vector<std::string>{"say \"hi\"", "a,b"});
        CHECK(data.label_name == "two\nlines");
    }
    SECTION("quoted numbers are numbers") {
        CHECK(parse_csv<double>("a,b\n\"1.5\",\" 2 \"\n").x == matrix<double>(1, 1, {1.5}));
    }
    SECTION("an empty quoted field is missing") { CHECK(std::isnan(parse_csv<double>("a,b\n\"\",1\n").x(0, 0))); }
    SECTION("lines inside a quoted field still count for later messages") {
        CHECK_THAT(parse_error("\"a\nb\",c\n1,2\n1,x\n"), Contains("line 4, column 2"));
    }
    SECTION("a quote inside an unquoted field is an ordinary character") {
        CategoricalEncoding encoding({{"name"}});
        const auto data = parse_csv<double>("name,y\n5\"11,1\n", {}, encoding);
        CHECK(encoding.categories(0) == std::vector<std::string>{"5\"11"});
        CHECK(data.x(0, 0) == 0);
    }
}

TEST_CASE("read_csv accepts LF, CRLF and CR line ends, a byte order mark, blank lines and spaces", "[csv]") {
    const Matrix<double> expected = matrix<double>(2, 1, {1, 3});
    SECTION("CRLF") { CHECK(parse_csv<double>("a,b\r\n1,2\r\n3,4\r\n").x == expected); }
    SECTION("CR") { CHECK(parse_csv<double>("a,b\r1,2\r3,4\r").x == expected); }
    SECTION("no line end after the last row") { CHECK(parse_csv<double>("a,b\n1,2\n3,4").x == expected); }
    SECTION("blank and space-only lines are skipped") {
        CHECK(parse_csv<double>("\n\na,b\n\n1,2\n   \n\r\n3,4\n\n").x == expected);
    }
    SECTION("a UTF-8 byte order mark is skipped") {
        const auto data = parse_csv<double>(
            "\xEF\xBB\xBF"
            "a,b\n1,2\n3,4\n");
        CHECK(data.feature_names == std::vector<std::string>{"a"});
    }
    SECTION("spaces around fields are ignored") {
        const auto data = parse_csv<double>(" a , b \n 1 ,2\n3, 4 \n");
        CHECK(data.x == expected);
        CHECK(data.feature_names == std::vector<std::string>{"a"});
    }
}

TEMPLATE_TEST_CASE("read_csv reads empty fields, NA, NaN and nan as missing", "[csv]", float, double) {
    const auto data = parse_csv<TestType>("a,b,c,d,e,y\n,NA,NaN,nan,inf,1\n1,2,3,4,-inf,NA\n");
    CHECK(std::isnan(data.x(0, 0)));
    CHECK(std::isnan(data.x(0, 1)));
    CHECK(std::isnan(data.x(0, 2)));
    CHECK(std::isnan(data.x(0, 3)));
    CHECK(data.x(0, 4) == std::numeric_limits<TestType>::infinity());
    CHECK(data.x(1, 4) == -std::numeric_limits<TestType>::infinity());
    CHECK(std::isnan(data.y(1, 0)));
    CHECK(data.x(1, 3) == 4);
}

TEST_CASE("read_csv reads a float beyond float's range as infinity and a tiny one as zero", "[csv]") {
    const auto data = parse_csv<float>("a,b\n1e39,1e-50\n");
    CHECK(data.x(0, 0) == std::numeric_limits<float>::infinity());
    CHECK(data.y(0, 0) == 0.0f);
}

TEST_CASE("read_csv reads files and streams", "[csv]") {
    const neuro::testing::TemporaryDirectory directory;
    SECTION("a file") {
        const auto path = directory / "data.csv";
        std::ofstream(path) << "a,b\n1,2\n";
        CHECK(neuro::read_csv<double>(path).x == matrix<double>(1, 1, {1}));
    }
    SECTION("a stream") {
        std::istringstream in("a;b\n1;2\n3;4\n");
        CHECK(neuro::read_csv<float>(in).y == matrix<float>(2, 1, {2, 4}));
    }
    SECTION("errors name the file") {
        const auto path = directory / "broken.csv";
        std::ofstream(path) << "a,b\n1,x\n";
        CHECK_THROWS_WITH(neuro::read_csv<double>(path), Contains(path.string() + ", line 2, column 2 (\"b\")"));
    }
    SECTION("errors name a stream <stream>") {
        std::istringstream in("a,b\n1,2,3\n");
        CHECK_THROWS_WITH(neuro::read_csv<double>(in), Contains("read_csv: <stream>, line 2, column 3"));
    }
    SECTION("a missing file") {
        const auto path = directory / "absent.csv";
        CHECK_THROWS_AS(neuro::read_csv<double>(path), neuro::Error);
        CHECK_THROWS_WITH(neuro::read_csv<double>(path), Contains("absent.csv"));
    }
}

TEST_CASE("read_csv reports a malformed file with its line and column", "[csv][error]") {
    SECTION("a row with too few fields") {
        const std::string message = parse_error("a,b,c\n1,2,3\n4,5\n");
        CHECK_THAT(message, Contains("read_csv: <text>, line 3, column 3:"));
        CHECK_THAT(message, Contains("the row has 2 fields, but the header (line 1) has 3"));
    }
    SECTION("a row with too many fields, without a header") {
        CHECK_THAT(parse_error("1,2\n3,4,5\n"),
                   Contains("line 2, column 3: the row has 3 fields, but the first row (line 1) has 2"));
    }
    SECTION("text in a numeric column, with the column's name") {
        const std::string message = parse_error("a,b,c\n1,2,3\n4,five,6\n");
        CHECK_THAT(message, Contains("line 3, column 2 (\"b\"): \"five\" is not a number"));
    }
    SECTION("text in a numeric column without a header") {
        CHECK_THAT(parse_error("1,2\n3,4\n5,x\n", {.header = CsvHeader::Absent}),
                   Contains("line 3, column 2: \"x\" is not a number"));
    }
    SECTION("text in the label column") {
        CHECK_THAT(parse_error("a,label\n1,cat\n"), Contains("line 2, column 2 (\"label\"): \"cat\" is not a number"));
    }
    SECTION("a number followed by text") {
        CHECK_THAT(parse_error("a,b\n1,2x\n"), Contains("line 2, column 2 (\"b\"): \"2x\""));
    }
    SECTION("a number beyond double's range") {
        CHECK_THAT(parse_error("a,b\n1,1e999\n"), Contains("line 2, column 2 (\"b\"): 1e999 is out of the range"));
    }
    SECTION("an unterminated quote, at the line and column where it opens") {
        const std::string message = parse_error("a,b\n1,2\n3,\"4\n5,6\n");
        CHECK_THAT(message, Contains("line 3, column 2:"));
        CHECK_THAT(message, Contains("never closed"));
    }
    SECTION("text after a closing quote") {
        CHECK_THAT(parse_error("a,b\n1,\"2\"x\n"), Contains("line 2, column 2: 'x' after the closing quote"));
    }
    SECTION("no data rows after the header") {
        CHECK_THAT(parse_error("a,b\n"), Contains("line 2, column 1: no data rows after the header on line 1"));
    }
    SECTION("an empty input") { CHECK_THAT(parse_error("\n \n"), Contains("line 3, column 1: no data rows")); }
    SECTION("a label column name that does not exist") {
        const std::string message = parse_error("a,b\n1,2\n", {.label = "price"});
        CHECK_THAT(message, Contains("read_csv: <text>, line 1: no column is named \"price\""));
        CHECK_THAT(message, Contains("the header has: a, b"));
    }
    SECTION("a label column index that does not exist") {
        CHECK_THAT(parse_error("1,2\n", {.label = 5}),
                   Contains("line 1: column index 5 does not exist; the rows have 2 columns"));
    }
    SECTION("a label named in a file without a header") {
        CHECK_THAT(parse_error("1,2\n", {.label = "b"}),
                   Contains("line 1: column \"b\" is named, but there is no header"));
    }
    SECTION("a quote as the delimiter") {
        CHECK_THROWS_WITH(parse_csv<double>("a\n", {.delimiter = '"'}), Contains("cannot be the delimiter"));
    }
}

TEST_CASE("read_csv encodes categorical columns as codes or one-hot columns", "[csv][categorical]") {
    const std::string train = "color,size,weight,kind\nred,L,1.5,cat\nblue,S,2,dog\ngreen,L,NA,cat\nred,,4,bird\n";
    CategoricalEncoding encoding({{"color", CategoricalMode::OneHot}, {1}, {"kind"}});
    const auto data = parse_csv<double>(train, {}, encoding);
    REQUIRE(encoding.fitted());
    CHECK(encoding.categories(0) == std::vector<std::string>{"blue", "green", "red"});
    CHECK(encoding.categories(1) == std::vector<std::string>{"L", "S"});
    CHECK(encoding.categories(2) == std::vector<std::string>{"bird", "cat", "dog"});
    CHECK(data.feature_names == std::vector<std::string>{"color=blue", "color=green", "color=red", "size", "weight"});
    CHECK(data.label_name == "kind");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK(identical(data.x, matrix<double>(4, 5, {0, 0, 1, 0,   1.5,  //
                                                  1, 0, 0, 1,   2,    //
                                                  0, 1, 0, 0,   nan,  //
                                                  0, 0, 1, nan, 4})));
    CHECK(data.y == matrix<double>(4, 1, {1, 2, 1, 0}));

    SECTION("a fitted encoding encodes a new file the same way, whatever its row order") {
        const auto test = parse_csv<double>("color,size,weight,kind\ngreen,S,1,dog\nblue,L,2,bird\n", {}, encoding);
        CHECK(test.x == matrix<double>(2, 5, {0, 1, 0, 1, 1, 1, 0, 0, 0, 2}));
        CHECK(test.y == matrix<double>(2, 1, {2, 0}));
    }
    SECTION("an unseen category is an error by default, with its line and column") {
        CHECK_THROWS_WITH(parse_csv<double>("color,size,weight,kind\nred,L,1,cat\npink,S,1,dog\n", {}, encoding),
                          Contains("line 3, column 1 (\"color\"): \"pink\" is not one of the 3 categories"));
    }
    SECTION("a missing category is NaN in every one-hot column") {
        const auto test = parse_csv<double>("color,size,weight,kind\n,S,1,dog\n", {}, encoding);
        CHECK(test.x.row(0).head(3).array().isNaN().all());
    }
}

TEST_CASE("read_csv can ignore unseen categories: code -1, or a one-hot row of zeros", "[csv][categorical]") {
    CategoricalEncoding encoding({{"a", CategoricalMode::OneHot}, {"b", CategoricalMode::Codes}},
                                 UnseenCategory::Ignore);
    parse_csv<float>("a,b,y\nx,p,0\ny,q,1\n", {}, encoding);
    const auto test = parse_csv<float>("a,b,y\nz,r,0\ny,p,1\n", {}, encoding);
    CHECK(test.x == matrix<float>(2, 3, {0, 0, -1, 0, 1, 0}));
}

TEST_CASE("read_csv encodes a text label as class indices or one-hot rows", "[csv][categorical]") {
    const std::string text = "f,species\n1,setosa\n2,virginica\n3,versicolor\n4,setosa\n";
    SECTION("class indices, as SparseCategoricalCrossEntropy takes them") {
        CategoricalEncoding encoding({{"species"}});
        CHECK(parse_csv<double>(text, {}, encoding).y == matrix<double>(4, 1, {0, 2, 1, 0}));
    }
    SECTION("one-hot rows, as CategoricalCrossEntropy takes them") {
        CategoricalEncoding encoding({{"species", CategoricalMode::OneHot}});
        const auto data = parse_csv<double>(text, {}, encoding);
        CHECK(data.y == matrix<double>(4, 3, {1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0}));
        CHECK(data.label_name == "species");
    }
}

TEST_CASE("read_csv gives a one-hot column with no value but missing ones no columns", "[csv][categorical]") {
    CategoricalEncoding encoding({{"c", CategoricalMode::OneHot}});
    const auto data = parse_csv<double>("a,c,y\n1,,0\n2,NA,1\n", {}, encoding);
    CHECK(encoding.categories(0).empty());
    CHECK(data.x == matrix<double>(2, 1, {1, 2}));
    CHECK(data.feature_names == std::vector<std::string>{"a"});
}

TEST_CASE("read_csv rejects a categorical column that does not exist", "[csv][categorical][error]") {
    CategoricalEncoding encoding({{"colour"}});
    CHECK_THROWS_WITH(parse_csv<double>("color,y\nred,1\n", {}, encoding),
                      Contains("read_csv: <text>, line 1: no column is named \"colour\""));
    CHECK_FALSE(encoding.fitted());
}

TEST_CASE("read_csv leaves an encoding unfitted when the file it was fitting on is malformed", "[csv][categorical]") {
    CategoricalEncoding encoding({{"c"}});
    CHECK_THROWS_AS(parse_csv<double>("c,y\nred,1\nblue,x\n", {}, encoding), neuro::Error);
    CHECK_FALSE(encoding.fitted());
}

TEMPLATE_TEST_CASE("write_csv then read_csv gives back the same dataset exactly", "[csv][roundtrip]", float, double) {
    using T = TestType;
    using limits = std::numeric_limits<T>;
    neuro::Random random(5);
    Dataset<T> data{Matrix<T>(50, 4), Matrix<T>(50, 1), {"alpha", "beta", "gamma", "delta"}, "target"};
    for (Index i = 0; i < data.x.size(); ++i)
        data.x.data()[i] = T(random.normal() * std::pow(10.0, random.uniform(-30, 30)));
    for (Index i = 0; i < data.y.size(); ++i) data.y.data()[i] = T(random.below(3));
    // The awkward values: extremes, subnormals, signed zero and the non-finite ones.
    data.x(0, 0) = limits::max();
    data.x(0, 1) = limits::lowest();
    data.x(0, 2) = limits::denorm_min();
    data.x(0, 3) = limits::min();
    data.x(1, 0) = T(-0.0);
    data.x(1, 1) = limits::quiet_NaN();
    data.x(1, 2) = limits::infinity();
    data.x(1, 3) = -limits::infinity();
    data.x(2, 0) = T(0.1);
    data.x(2, 1) = T(1) / T(3);

    SECTION("through a file") {
        const neuro::testing::TemporaryDirectory directory;
        const auto path = directory / "round.csv";
        neuro::write_csv(data, path);
        const auto back = neuro::read_csv<T>(path);
        CHECK(identical(back.x, data.x));
        CHECK(identical(back.y, data.y));
        CHECK(back.feature_names == data.feature_names);
        CHECK(back.label_name == data.label_name);
    }
    SECTION("through a stream, with a semicolon and no header") {
        std::stringstream stream;
        neuro::write_csv(data, stream, {.delimiter = ';', .header = false});
        const auto back = neuro::read_csv<T>(stream, {.header = CsvHeader::Absent});
        CHECK(identical(back.x, data.x));
        CHECK(identical(back.y, data.y));
        CHECK(back.feature_names.empty());
    }
}

TEST_CASE("write_csv quotes names that hold delimiters, quotes, line breaks or edge spaces", "[csv][roundtrip]") {
    Dataset<double> data{Matrix<double>::Ones(1, 5),
                         Matrix<double>::Zero(1, 1),
                         {"a,b", "say \"hi\"", "two\nlines", " padded ",
                          "\xEF\xBB\xBF"
                          "bom"},
                         "y;label"};
    std::stringstream stream;
    neuro::write_csv(data, stream);
    CHECK(
        stream.str().starts_with("\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" padded \",\"\xEF\xBB\xBF"
                                 "bom\",y;label\n"));
    const auto back = neuro::read_csv<double>(stream);
    CHECK(back.feature_names == data.feature_names);
    CHECK(back.label_name == data.label_name);
    SECTION("a name with a byte order mark keeps it even as the first column") {
        data.feature_names = {
            "\xEF\xBB\xBF"
            "first",
            "b", "c", "d", "e"};
        std::stringstream first;
        neuro::write_csv(data, first);
        CHECK(neuro::read_csv<double>(first).feature_names == data.feature_names);
    }
}

TEST_CASE("read_csv keeps empty header names, and write_csv writes them back quoted", "[csv][roundtrip]") {
    const auto data = parse_csv<double>(",a,\n1,2,3\n");
    CHECK(data.feature_names == std::vector<std::string>{"", "a"});
    CHECK(data.label_name.empty());
    std::stringstream stream;
    neuro::write_csv(Dataset<double>{data.x, data.y, data.feature_names, "y"}, stream);
    CHECK(stream.str() == "\"\",a,y\n1,2,3\n");
    const Dataset<double> only_label{Matrix<double>(2, 0), Matrix<double>::Ones(2, 1), {}, ""};
    std::stringstream single;
    neuro::write_csv(only_label, single, {.header = true});
    CHECK(single.str() == "y\n1\n1\n");
}

TEST_CASE("write_csv names unnamed columns x0, x1, ... and y, or label_0, label_1, ... for several outputs", "[csv]") {
    std::stringstream unnamed;
    neuro::write_csv(Dataset<float>{Matrix<float>::Zero(1, 2), Matrix<float>::Zero(1, 1), {}, {}}, unnamed);
    CHECK(unnamed.str() == "x0,x1,y\n0,0,0\n");
    std::stringstream several;
    neuro::write_csv(Dataset<float>{Matrix<float>::Zero(1, 1), Matrix<float>::Ones(1, 2), {"f"}, "class"}, several);
    CHECK(several.str() == "f,class_0,class_1\n0,1,1\n");
}

TEST_CASE("write_csv replaces a file whole and leaves no temporary file behind", "[csv]") {
    const neuro::testing::TemporaryDirectory directory;
    const auto path = directory / "out.csv";
    std::ofstream(path) << "old content that is longer than the new one\n";
    neuro::write_csv(Dataset<double>{Matrix<double>::Ones(1, 1), Matrix<double>::Zero(1, 1), {"a"}, "b"}, path);
    std::ifstream in(path);
    const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(content == "a,b\n1,0\n");
    CHECK(std::distance(std::filesystem::directory_iterator(directory.path()), std::filesystem::directory_iterator()) ==
          1);
}

TEST_CASE("write_csv rejects a delimiter that can occur in a number and an inconsistent dataset", "[csv][error]") {
    std::stringstream out;
    const Dataset<double> data{Matrix<double>::Ones(2, 1), Matrix<double>::Zero(2, 1), {}, {}};
    CHECK_THROWS_WITH(neuro::write_csv(data, out, {.delimiter = '.'}), Contains("'.' cannot be the delimiter"));
    CHECK_THROWS_WITH(neuro::write_csv(data, out, {.delimiter = 'e'}), Contains("cannot be the delimiter"));
    const Dataset<double> ragged{Matrix<double>::Ones(2, 1), Matrix<double>::Zero(3, 1), {}, {}};
    CHECK_THROWS_WITH(neuro::write_csv(ragged, out), Contains("write_csv: x has 2 rows but y has 3"));
    const neuro::testing::TemporaryDirectory directory;
    CHECK_THROWS_AS(neuro::write_csv(data, directory / "missing" / "out.csv"), neuro::Error);
    CHECK_THROWS_WITH(neuro::write_csv(ragged, directory / "ragged.csv"), Contains("x has 2 rows but y has 3"));
    CHECK(std::filesystem::is_empty(directory.path()));  // nothing written, no temporary file left
}

}  // namespace test_csv
