// write_file_atomically: the new content appears whole or not at all. Failures are provoked
// without relying on permissions (the tests may run as root): a writer that throws, and a
// write past the process's file size limit (RLIMIT_FSIZE), as a full disk would fail it.

#include <neuro/io/atomic_file.hpp>

#include <neuro/core/error.hpp>

#include <catch2/catch.hpp>

#include "../support/file_size_limit.hpp"
#include "../support/temporary_directory.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <stdexcept>
#include <string>

namespace test_atomic_file {

using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

std::size_t entry_count(const fs::path& directory) {
    return std::size_t(std::distance(fs::directory_iterator(directory), {}));
}

std::string content_of(const fs::path& path) {
    std::ifstream stream(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("write_file_atomically creates the file with exactly the content and leaves nothing else",
          "[io][atomic_file]") {
    const neuro::testing::TemporaryDirectory scratch;
    const fs::path target = scratch.path() / "model.bin";
    neuro::io::write_file_atomically(target, std::string("first\0binary", 12));
    CHECK(content_of(target) == std::string("first\0binary", 12));
    CHECK(entry_count(scratch.path()) == 1);

    SECTION("a second write replaces the whole content, a shorter one leaving no tail") {
        neuro::io::write_file_atomically(target, [](std::ostream& stream) { stream << "new"; });
        CHECK(content_of(target) == "new");
        CHECK(entry_count(scratch.path()) == 1);
    }
}

TEST_CASE("A writer that throws leaves the old file intact and no temporary file", "[io][atomic_file]") {
    const neuro::testing::TemporaryDirectory scratch;
    const fs::path target = scratch.path() / "chart.svg";
    neuro::io::write_file_atomically(target, "old content");
    const auto half_then_fail = [](std::ostream& stream) {
        stream << "<svg>half of a chart";
        throw std::runtime_error("the writer failed");
    };
    CHECK_THROWS_WITH(neuro::io::write_file_atomically(target, half_then_fail), "the writer failed");
    CHECK(content_of(target) == "old content");
    CHECK(entry_count(scratch.path()) == 1);
}

TEST_CASE("A write that fails part-way leaves the old file intact, and the error names the path", "[io][atomic_file]") {
    const neuro::testing::TemporaryDirectory scratch;
    const fs::path target = scratch.path() / "weights.bin";
    neuro::io::write_file_atomically(target, "old content");
    const std::string large(1 << 20, 'x');  // far past the limit, and past any stream buffer
    {
        const neuro::testing::FileSizeLimit limit(4096);
        CHECK_THROWS_WITH(neuro::io::write_file_atomically(target, large),
                          Contains("cannot write '" + target.string() + "'") && Contains("writing failed"));
    }
    CHECK(content_of(target) == "old content");
    CHECK(entry_count(scratch.path()) == 1);
}

TEST_CASE("A missing directory or a directory as the path is rejected naming the path", "[io][atomic_file]") {
    const neuro::testing::TemporaryDirectory scratch;
    const fs::path in_missing = scratch.path() / "missing" / "file.txt";
    CHECK_THROWS_AS(neuro::io::write_file_atomically(in_missing, "x"), neuro::Error);
    CHECK_THROWS_WITH(neuro::io::write_file_atomically(in_missing, "x"),
                      Contains(in_missing.string()) && Contains("does not exist"));
    CHECK_FALSE(fs::exists(in_missing.parent_path()));

    const fs::path directory = scratch.path() / "a_directory";
    fs::create_directory(directory);
    CHECK_THROWS_WITH(neuro::io::write_file_atomically(directory, "x"),
                      Contains(directory.string()) && Contains("is a directory"));
    CHECK(fs::is_directory(directory));

    CHECK_THROWS_WITH(neuro::io::write_file_atomically(scratch.path() / "", "x"), Contains("does not name a file"));
}

TEST_CASE("Replacing a file keeps its permissions", "[io][atomic_file]") {
    const neuro::testing::TemporaryDirectory scratch;
    const fs::path target = scratch.path() / "private.txt";
    neuro::io::write_file_atomically(target, "old");
    fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write);
    neuro::io::write_file_atomically(target, "new");
    CHECK(content_of(target) == "new");
    CHECK(fs::status(target).permissions() == (fs::perms::owner_read | fs::perms::owner_write));
}

TEST_CASE("A bare file name is written in the current directory", "[io][atomic_file]") {
    const neuro::testing::TemporaryDirectory scratch;
    const fs::path previous = fs::current_path();
    fs::current_path(scratch.path());
    neuro::io::write_file_atomically("bare.txt", "here");
    fs::current_path(previous);
    CHECK(content_of(scratch.path() / "bare.txt") == "here");
    CHECK(entry_count(scratch.path()) == 1);
}

}  // namespace test_atomic_file
