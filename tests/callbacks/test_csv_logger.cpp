// CSVLogger: the header, one row per epoch equal to History, appending for a resumed fit,
// flushing after every epoch, and the errors for a file it cannot write or append to.

#include "../support/models.hpp"

#include <neuro/neuro.hpp>

#include "../support/temporary_directory.hpp"

#include <catch2/catch.hpp>

#include <Eigen/Core>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace test_csv_logger {

namespace {

using Catch::Matchers::Contains;

using neuro::testing::linear_targets;
using neuro::testing::random_matrix;
using neuro::testing::tanh_regressor;

neuro::FitOptions options(int epochs, int initial_epoch = 0) {
    neuro::FitOptions o;
    o.epochs = epochs;
    o.initial_epoch = initial_epoch;
    o.batch_size = 4;
    o.shuffle = true;
    o.seed = 5;
    o.verbose = 0;
    return o;
}

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> read_lines(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::vector<std::string> split(const std::string& line, char separator = ',') {
    std::vector<std::string> fields;
    std::string field;
    std::istringstream in(line);
    while (std::getline(in, field, separator)) fields.push_back(field);
    return fields;
}

/// The field as a double; the whole field must parse.
double number(const std::string& field) {
    char* end = nullptr;
    const double value = std::strtod(field.c_str(), &end);
    REQUIRE(end == field.c_str() + field.size());
    REQUIRE(!field.empty());
    return value;
}

/// Checks that `rows` (without the header) are epochs first_epoch... with the History's values.
void check_rows(const std::vector<std::string>& rows, const neuro::History& h, int first_epoch, char separator = ',') {
    REQUIRE(rows.size() == h.loss.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        INFO("row " << rows[i]);
        const auto fields = split(rows[i], separator);
        REQUIRE(fields.size() == (h.val_loss.empty() ? 2u : 3u));
        CHECK(fields[0] == std::to_string(first_epoch + static_cast<int>(i)));
        CHECK(number(fields[1]) == h.loss[i]);  // shortest round-trip form: exact
        if (!h.val_loss.empty()) CHECK(number(fields[2]) == h.val_loss[i]);
    }
}

}  // namespace

TEMPLATE_TEST_CASE("CSVLogger writes the header and one row per epoch equal to History", "[callbacks][csv]", float,
                   double) {
    using T = TestType;
    neuro::testing::TemporaryDirectory directory;
    const auto path = directory / "log.csv";
    const neuro::Matrix<T> x = random_matrix<T>(10, 2, 1);
    const neuro::Matrix<T> y = linear_targets(x);
    auto model = tanh_regressor<T>(4, 0.05);

    SECTION("with validation data") {
        const neuro::Matrix<T> xv = random_matrix<T>(5, 2, 2);
        neuro::CSVLogger<T> logger(path);
        const neuro::History h = model.fit(x, y, xv, linear_targets(xv), options(3), {&logger});
        const auto lines = read_lines(path);
        REQUIRE(lines.size() == 4);
        CHECK(lines[0] == "epoch,loss,val_loss");
        check_rows({lines.begin() + 1, lines.end()}, h, 0);
        CHECK(h.loss[0] != h.loss[2]);
        CHECK(read_text(path).back() == '\n');
    }
    SECTION("without validation data") {
        neuro::CSVLogger<T> logger(path);
        const neuro::History h = model.fit(x, y, options(2), {&logger});
        const auto lines = read_lines(path);
        REQUIRE(lines.size() == 3);
        CHECK(lines[0] == "epoch,loss");
        check_rows({lines.begin() + 1, lines.end()}, h, 0);
    }
    SECTION("another separator") {
        neuro::CSVLogger<T> logger(path, false, ';');
        auto o = options(2);
        o.validation_split = 0.2;
        const neuro::History h = model.fit(x, y, o, {&logger});
        const auto lines = read_lines(path);
        REQUIRE(lines.size() == 3);
        CHECK(lines[0] == "epoch;loss;val_loss");
        check_rows({lines.begin() + 1, lines.end()}, h, 0, ';');
    }
    SECTION("without append, an existing file is replaced") {
        std::ofstream(path) << "old,header\n1,2\n3,4\n";
        neuro::CSVLogger<T> logger(path);
        const neuro::History h = model.fit(x, y, options(1), {&logger});
        const auto lines = read_lines(path);
        REQUIRE(lines.size() == 2);
        CHECK(lines[0] == "epoch,loss");
        check_rows({lines.begin() + 1, lines.end()}, h, 0);
    }
    SECTION("the same logger used for a second fit starts the file over") {
        neuro::CSVLogger<T> logger(path);
        model.fit(x, y, options(3), {&logger});
        const neuro::History h = model.fit(x, y, options(2), {&logger});
        const auto lines = read_lines(path);
        REQUIRE(lines.size() == 3);
        check_rows({lines.begin() + 1, lines.end()}, h, 0);
    }
    SECTION("a fit stopped early has the rows of the epochs that ran") {
        neuro::CSVLogger<T> logger(path);
        neuro::LambdaCallback<T> stopper;
        stopper.epoch_end = [](neuro::Sequential<T>& m, int e, const neuro::Logs&) {
            if (e == 1) m.stop_training();
        };
        const neuro::History h = model.fit(x, y, options(6), {&logger, &stopper});
        const auto lines = read_lines(path);
        REQUIRE(lines.size() == 3);
        check_rows({lines.begin() + 1, lines.end()}, h, 0);
    }
}

TEMPLATE_TEST_CASE("CSVLogger with append adds the rows of a resumed fit under the same header", "[callbacks][csv]",
                   float, double) {
    using T = TestType;
    neuro::testing::TemporaryDirectory directory;
    const auto path = directory / "log.csv";
    const neuro::Matrix<T> x = random_matrix<T>(10, 2, 1);
    const neuro::Matrix<T> y = linear_targets(x);
    const neuro::Matrix<T> xv = random_matrix<T>(5, 2, 2);
    const neuro::Matrix<T> yv = linear_targets(xv);
    auto model = tanh_regressor<T>(4, 0.05);

    neuro::CSVLogger<T> first(path);
    const neuro::History h1 = model.fit(x, y, xv, yv, options(2), {&first});

    SECTION("a new logger appending") {
        neuro::CSVLogger<T> second(path, true);
        const neuro::History h2 = model.fit(x, y, xv, yv, options(4, 2), {&second});
        const auto lines = read_lines(path);
        REQUIRE(lines.size() == 5);
        CHECK(lines[0] == "epoch,loss,val_loss");
        check_rows({lines.begin() + 1, lines.begin() + 3}, h1, 0);
        check_rows({lines.begin() + 3, lines.end()}, h2, 2);
    }
    SECTION("one appending logger reused for two resumed fits") {
        neuro::CSVLogger<T> second(path, true);
        const neuro::History h2 = model.fit(x, y, xv, yv, options(3, 2), {&second});
        const neuro::History h3 = model.fit(x, y, xv, yv, options(4, 3), {&second});
        const auto lines = read_lines(path);
        REQUIRE(lines.size() == 5);
        CHECK(lines[0] == "epoch,loss,val_loss");
        check_rows({lines.begin() + 3, lines.begin() + 4}, h2, 2);
        check_rows({lines.begin() + 4, lines.end()}, h3, 3);
    }
    SECTION("a mismatching header is a neuro::Error naming the path, and the file is left as it was") {
        const std::string before = read_text(path);
        neuro::CSVLogger<T> second(path, true);
        CHECK_THROWS_AS(model.fit(x, y, options(4, 2), {&second}), neuro::Error);  // no val_loss column
        neuro::CSVLogger<T> third(path, true);
        CHECK_THROWS_WITH(model.fit(x, y, options(4, 2), {&third}),
                          Contains(path.string()) && Contains("epoch,loss,val_loss") && Contains("\"epoch,loss\""));
        CHECK(read_text(path) == before);
    }
    SECTION("a different separator is a different header") {
        neuro::CSVLogger<T> second(path, true, ';');
        CHECK_THROWS_AS(model.fit(x, y, xv, yv, options(4, 2), {&second}), neuro::Error);
    }
    SECTION("appending to a file that does not exist writes the header first") {
        const auto fresh = directory / "fresh.csv";
        neuro::CSVLogger<T> second(fresh, true);
        const neuro::History h2 = model.fit(x, y, xv, yv, options(4, 2), {&second});
        const auto lines = read_lines(fresh);
        REQUIRE(lines.size() == 3);
        CHECK(lines[0] == "epoch,loss,val_loss");
        check_rows({lines.begin() + 1, lines.end()}, h2, 2);
    }
    SECTION("appending to an empty file writes the header first") {
        const auto empty = directory / "empty.csv";
        std::ofstream{empty};
        neuro::CSVLogger<T> second(empty, true);
        const neuro::History h2 = model.fit(x, y, xv, yv, options(1), {&second});
        const auto lines = read_lines(empty);
        REQUIRE(lines.size() == 2);
        CHECK(lines[0] == "epoch,loss,val_loss");
        check_rows({lines.begin() + 1, lines.end()}, h2, 0);
    }
}

TEMPLATE_TEST_CASE("CSVLogger on a path it cannot write is a neuro::Error naming the path", "[callbacks][csv]", float,
                   double) {
    using T = TestType;
    neuro::testing::TemporaryDirectory directory;
    const auto not_a_directory = directory / "plain-file";
    std::ofstream(not_a_directory) << "x\n";
    const auto path = not_a_directory / "log.csv";  // its parent is a regular file
    const neuro::Matrix<T> x = random_matrix<T>(10, 2, 1);
    const neuro::Matrix<T> y = linear_targets(x);
    auto model = tanh_regressor<T>(4, 0.05);
    const neuro::Vector<T> before = model.parameters();

    neuro::CSVLogger<T> logger(path);
    CHECK_THROWS_AS(model.fit(x, y, options(2), {&logger}), neuro::Error);
    CHECK_THROWS_WITH(model.fit(x, y, options(2), {&logger}), Contains(path.string()));
    neuro::CSVLogger<T> appending(path, true);
    CHECK_THROWS_WITH(model.fit(x, y, options(2), {&appending}), Contains(path.string()));
    neuro::CSVLogger<T> missing_directory(directory / "no" / "such" / "log.csv");
    CHECK_THROWS_WITH(model.fit(x, y, options(2), {&missing_directory}), Contains("log.csv"));
    CHECK(model.parameters() == before);  // it fails when training begins, before any step
}

TEMPLATE_TEST_CASE("CSVLogger flushes each row at the end of its epoch", "[callbacks][csv]", float, double) {
    using T = TestType;
    neuro::testing::TemporaryDirectory directory;
    const auto path = directory / "log.csv";
    const neuro::Matrix<T> x = random_matrix<T>(10, 2, 1);
    const neuro::Matrix<T> y = linear_targets(x);
    const neuro::Matrix<T> xv = random_matrix<T>(5, 2, 2);
    auto model = tanh_regressor<T>(4, 0.05);

    neuro::CSVLogger<T> logger(path);
    std::vector<std::vector<std::string>> seen;
    std::vector<neuro::Logs> logs_seen;
    neuro::LambdaCallback<T> reader;  // after the logger: its row for this epoch is written
    reader.epoch_end = [&](neuro::Sequential<T>&, int, const neuro::Logs& logs) {
        seen.push_back(read_lines(path));
        logs_seen.push_back(logs);
    };
    neuro::LambdaCallback<T> early_reader;  // before the logger: the row is not there yet
    std::vector<std::size_t> lines_before;
    early_reader.epoch_end = [&](neuro::Sequential<T>&, int, const neuro::Logs&) {
        lines_before.push_back(read_lines(path).size());
    };
    const neuro::History h = model.fit(x, y, xv, linear_targets(xv), options(3), {&early_reader, &logger, &reader});
    REQUIRE(seen.size() == 3);
    CHECK(lines_before == std::vector<std::size_t>{0, 2, 3});
    for (std::size_t e = 0; e < 3; ++e) {
        INFO("epoch " << e);
        REQUIRE(seen[e].size() == e + 2);
        CHECK(seen[e][0] == "epoch,loss,val_loss");
        const auto fields = split(seen[e].back());
        REQUIRE(fields.size() == 3);
        CHECK(fields[0] == std::to_string(e));
        CHECK(number(fields[1]) == logs_seen[e].at("loss"));
        CHECK(number(fields[2]) == logs_seen[e].at("val_loss"));
        CHECK(number(fields[1]) == h.loss[e]);
    }
}

}  // namespace test_csv_logger
