// CSV loading speed: neuro::read_csv on a ~100 MB numeric file, against a minimal reader
// that does nothing but split on commas and newlines and convert with std::from_chars (the
// fastest conversion the standard library offers, and no checks). Prints one JSON object.

#include "harness.hpp"

#include <neuro/neuro.hpp>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace {

constexpr std::string_view usage = R"(usage: bench_csv_read [--repeats R]

Writes a CSV of 100,000 rows x 100 columns (a header, then numbers with 6 significant
digits, about 90 MB) to the temporary directory, reads it R times with neuro::read_csv
(double and float) and with a minimal from_chars reader, and prints one JSON object with
the median seconds and MB/s of each. The file is removed afterwards.

  --repeats R   timed reads of each kind (default 3)
  --threads N   accepted for symmetry with the other programs; reading uses one thread
)";

constexpr neuro::Index rows = 100000;
constexpr neuro::Index columns = 100;

/// Writes the file: standard-normal features, the last column a 0/1 label.
void write_file(const std::filesystem::path& path) {
    neuro::Random random(1);
    std::string text;
    for (neuro::Index c = 0; c + 1 < columns; ++c) text += fmt::format("x{},", c);
    text += "label\n";
    std::ofstream out(path, std::ios::binary);
    for (neuro::Index r = 0; r < rows; ++r) {
        for (neuro::Index c = 0; c + 1 < columns; ++c) text += fmt::format("{:.6g},", random.normal());
        text += random.uniform() < 0.5 ? "0\n" : "1\n";
        if (text.size() > (1 << 20)) {
            out << text;
            text.clear();
        }
    }
    out << text;
    if (!out) throw std::runtime_error(fmt::format("could not write {}", path.string()));
}

/// The peer: whole file in memory, split on ',' and '\n', std::from_chars, no checks.
std::vector<double> read_minimal(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<double> values;
    values.reserve(static_cast<std::size_t>(rows * columns));
    const char* position = text.data() + text.find('\n') + 1;  // past the header
    const char* const end = text.data() + text.size();
    while (position < end) {
        double value = 0;
        position = std::from_chars(position, end, value).ptr + 1;  // + 1: past ',' or '\n'
        values.push_back(value);
    }
    return values;
}

void run(const bench::Options& options) {
    const auto path = std::filesystem::temp_directory_path() / fmt::format("neuro-bench-{}.csv", ::getpid());
    write_file(path);
    const double megabytes = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
    std::vector<double> neuro_double, neuro_float, minimal;
    neuro::Index loaded_rows = 0;
    std::size_t minimal_values = 0;
    for (int repeat = 0; repeat < options.repeats; ++repeat) {
        // Alternating keeps the three on the same machine state.
        neuro_double.push_back(bench::seconds_of([&] { loaded_rows = neuro::read_csv<double>(path).x.rows(); }));
        neuro_float.push_back(bench::seconds_of([&] { neuro::read_csv<float>(path); }));
        minimal.push_back(bench::seconds_of([&] { minimal_values = read_minimal(path).size(); }));
    }
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    if (loaded_rows != rows || minimal_values != static_cast<std::size_t>(rows * columns))
        throw std::runtime_error("a reader did not read every value");

    auto json = bench::report("CSV read", "neuro read_csv<double>", 1, neuro_double);
    json["megabytes"] = megabytes;
    json["rows"] = rows;
    json["columns"] = columns;
    json["mb_per_second"] = megabytes / bench::median(neuro_double);
    json["float_median_seconds"] = bench::median(neuro_float);
    json["float_mb_per_second"] = megabytes / bench::median(neuro_float);
    json["minimal_from_chars_median_seconds"] = bench::median(minimal);
    json["minimal_from_chars_mb_per_second"] = megabytes / bench::median(minimal);
    json["ratio_neuro_double_to_minimal"] = bench::median(minimal) / bench::median(neuro_double);
    bench::print(json);
}

}  // namespace

int main(int argc, char** argv) { return bench::run(argc, argv, usage, {}, {}, run); }
