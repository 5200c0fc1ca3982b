// read_file: whole reads of files of any size, and errors that name the caller and the path.

#include <neuro/core/file.hpp>

#include <neuro/core/error.hpp>

#include "../support/temporary_directory.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

namespace test_file {

using Catch::Matchers::Contains;

TEST_CASE("read_file returns every byte of a file", "[file]") {
    const neuro::testing::TemporaryDirectory directory;
    const auto path = directory / "bytes.bin";
    std::string bytes(200000, '\0');
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = char(i * 7 % 256);
    std::ofstream(path, std::ios::binary) << bytes;
    CHECK(neuro::read_file(path, "test") == bytes);
    std::ofstream(directory / "empty");
    CHECK(neuro::read_file(directory / "empty", "test").empty());
}

TEST_CASE("read_file reads a file whose size the system reports as 0 to its end", "[file]") {
    // Files under /proc report size 0, as pipes do, yet have content.
    CHECK_THAT(neuro::read_file("/proc/self/status", "test"), Contains("Name:"));
}

TEST_CASE("read_file names the caller and the path of a file it cannot read", "[file][error]") {
    const neuro::testing::TemporaryDirectory directory;
    const auto missing = directory / "missing.txt";
    CHECK_THROWS_WITH(neuro::read_file(missing, "reader"), Contains("reader: cannot open " + missing.string()));
    CHECK_THROWS_WITH(neuro::read_file(directory.path(), "reader"), Contains("is a directory"));
}

}  // namespace test_file
