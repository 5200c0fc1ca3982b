// fashion_mnist: workload W2 of the reference workloads, end to end.
//
// Loads Fashion-MNIST from Debian's dataset-fashion-mnist package, trains a 784-512-256-10
// MLP with Adam and sparse categorical cross-entropy, and reports the loss and accuracy per
// epoch, the test loss and accuracy, the training speed in samples per second (the fit alone)
// and the classification report of the test set (or one JSON object, --json).

#include "w2_model.hpp"

#include <neuro/neuro.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

// One contiguous image per row: each shuffled batch then copies whole images, several times
// faster than gathering them from a column-major matrix (see neuro::RowMatrix).
using Images = neuro::RowMatrix<float>;

using w2::batch_size;
using w2::learning_rate;

constexpr std::string_view usage = R"(usage: fashion_mnist [options]

Trains the W2 model, Dense(784, 512) ReLU Dense(512, 256) ReLU Dense(256, 10) Softmax,
on Fashion-MNIST (60000 training and 10000 test images) with Adam (lr 0.001), sparse
categorical cross-entropy and shuffled batches of 128. The data comes from Debian's
dataset-fashion-mnist package (apt-get install dataset-fashion-mnist).

options:
  --epochs N          passes over the training data (default 5, at least 1)
  --seed N            seeds the initial weights and the shuffling (default 42)
  --train-samples N   train on the first N training images only (default: all 60000):
                      a quick run, e.g. a smoke test; the test set stays whole
  --data DIR          the directory of the four IDX files
                      (default /usr/share/datasets/fashion-mnist)
  --json              print one JSON object with the results instead of text
  -h, --help          print this help and exit

Values may follow the flag or be attached with '=': --epochs 5 or --epochs=5.
)";

struct Options {
    int epochs = 5;
    std::uint64_t seed = 42;
    std::optional<neuro::Index> train_samples;  // unset: the whole training set
    std::filesystem::path data = neuro::fashion_mnist_directory;
    bool json = false;
    bool show_help = false;
};

/// A mistake on the command line: reported with the usage hint, exit code 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

/// The whole of `text` as a number of at least `minimum`; anything else is an error.
template <class Number>
Number parse_number(std::string_view flag, std::string_view text, Number minimum) {
    Number number{};
    const char* const end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, number);
    if (error != std::errc{} || stop != end)
        throw UsageError(fmt::format("{}: expected a whole number, got '{}'", flag, text));
    if (number < minimum) throw UsageError(fmt::format("{}: must be at least {}, got {}", flag, minimum, number));
    return number;
}

/// A flag that takes a value, and how that value is stored into the options.
struct ValueFlag {
    std::string_view name;
    void (*store)(Options&, std::string_view flag, std::string_view value);
};

constexpr std::array value_flags{
    ValueFlag{"--epochs",
              [](Options& options, std::string_view flag, std::string_view value) {
                  options.epochs = parse_number<int>(flag, value, 1);
              }},
    ValueFlag{"--seed",
              [](Options& options, std::string_view flag, std::string_view value) {
                  options.seed = parse_number<std::uint64_t>(flag, value, 0);
              }},
    ValueFlag{"--train-samples",
              [](Options& options, std::string_view flag, std::string_view value) {
                  options.train_samples = parse_number<neuro::Index>(flag, value, 1);
              }},
    ValueFlag{"--data",
              [](Options& options, std::string_view flag, std::string_view value) {
                  if (value.empty()) throw UsageError(fmt::format("{}: expected a directory", flag));
                  options.data = std::filesystem::path(value);
              }},
};

Options parse_arguments(std::span<char* const> arguments) {
    Options options;
    for (std::size_t index = 0; index < arguments.size(); ++index) {
        const std::string_view argument = arguments[index];
        if (!argument.starts_with("-")) throw UsageError(fmt::format("unexpected argument '{}'", argument));
        const auto equals = argument.find('=');
        const std::string_view flag = argument.substr(0, equals);
        const bool attached = equals != std::string_view::npos;
        if (flag == "--help" || flag == "-h" || flag == "--json") {
            if (attached) throw UsageError(fmt::format("{}: takes no value", flag));
            if (flag == "--json") {
                options.json = true;
                continue;
            }
            options.show_help = true;  // help wins over whatever follows
            return options;
        }
        const auto* value_flag = std::ranges::find(value_flags, flag, &ValueFlag::name);
        if (value_flag == value_flags.end()) throw UsageError(fmt::format("unknown flag '{}'", flag));
        // "--epochs --json" is a forgotten value, not a request to parse "--json" as a number.
        if (!attached && (index + 1 == arguments.size() || std::string_view(arguments[index + 1]).starts_with("--")))
            throw UsageError(fmt::format("{}: missing value", flag));
        value_flag->store(options, flag, attached ? argument.substr(equals + 1) : std::string_view(arguments[++index]));
    }
    return options;
}

// ---------------------------------------------------------------------------
// Data and model
// ---------------------------------------------------------------------------

/// The library's message names a missing file; a missing directory means the package is not
/// installed at all, which deserves the whole remedy.
void check_data_installed(const std::filesystem::path& directory) {
    if (!std::filesystem::is_directory(directory))
        throw std::runtime_error(fmt::format(
            "Fashion-MNIST is not installed: {} does not exist. Install it with "
            "`apt-get install dataset-fashion-mnist` (or run tools/bootstrap.sh in neuro's source tree)",
            directory.string()));
}

/// Keeps the first `samples` images of a part. Fashion-MNIST's images are in random order,
/// so a prefix holds every class in about its share.
void keep_first(neuro::Dataset<float, Images>& part, neuro::Index samples) {
    const neuro::Index kept = std::min(samples, part.samples());
    part.x.conservativeResize(kept, Eigen::NoChange);
    part.y.conservativeResize(kept, Eigen::NoChange);
}

// ---------------------------------------------------------------------------
// Training and results
// ---------------------------------------------------------------------------

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct Results {
    neuro::History history;
    double fit_seconds = 0;
    double samples_per_second = 0;
    double test_loss = 0;
    double test_accuracy = 0;
    std::string report;  // the classification report of the test set
};

/// Trains and times the fit alone: loading, evaluation and process start are not the
/// workload. Text mode shows the library's progress: a live bar on a terminal, one line per
/// epoch elsewhere.
void train(neuro::Sequential<float>& model, const neuro::Dataset<float, Images>& train_set, const Options& options,
           Results& results) {
    const neuro::FitOptions fit_options{.epochs = options.epochs,
                                        .batch_size = batch_size,
                                        .shuffle = true,
                                        .seed = options.seed,
                                        .verbose = options.json ? 0 : 1};
    const auto start = std::chrono::steady_clock::now();
    results.history = model.fit(train_set.x, train_set.y, fit_options);
    results.fit_seconds = seconds_since(start);
    results.samples_per_second = double(train_set.samples()) * options.epochs / results.fit_seconds;
}

/// The predicted class of each row: the index of its largest probability.
Eigen::VectorXi predicted_classes(const neuro::Matrix<float>& probabilities) {
    Eigen::VectorXi classes(probabilities.rows());
    for (neuro::Index row = 0; row < probabilities.rows(); ++row) probabilities.row(row).maxCoeff(&classes[row]);
    return classes;
}

void test(const neuro::Sequential<float>& model, const neuro::Dataset<float, Images>& test_set, Results& results) {
    const neuro::Evaluation evaluation = model.evaluate(test_set.x, test_set.y);
    results.test_loss = evaluation.loss;
    results.test_accuracy = evaluation.metrics.at("accuracy");
    const std::vector<std::string> class_names(neuro::fashion_mnist_class_names.begin(),
                                               neuro::fashion_mnist_class_names.end());
    results.report = neuro::metrics::classification_report(
        test_set.y.col(0), predicted_classes(model.predict(test_set.x)), class_names);
}

/// fmt's shortest round-trip form; JSON has no NaN or infinity, so a diverged run gives null.
template <std::floating_point Number>
std::string json_number(Number value) {
    return std::isfinite(value) ? fmt::format("{}", value) : std::string("null");
}

std::string json_array(const std::vector<double>& values) {
    std::vector<std::string> numbers;
    for (const double value : values) numbers.push_back(json_number(value));
    return fmt::format("[{}]", fmt::join(numbers, ","));
}

void print_json(const Options& options, const neuro::FashionMnist<float, Images>& data, const Results& results) {
    fmt::print(
        "{{\"workload\":\"W2\",\"epochs\":{},\"batch_size\":{},\"lr\":{},\"seed\":{},\"train_samples\":{},"
        "\"test_samples\":{},\"loss\":{},\"accuracy\":{},\"fit_seconds\":{},\"samples_per_second\":{},"
        "\"test_loss\":{},\"test_accuracy\":{}}}\n",
        options.epochs, batch_size, json_number(learning_rate), options.seed, data.train.samples(),
        data.test.samples(), json_array(results.history.loss), json_array(results.history.metrics.at("accuracy")),
        json_number(results.fit_seconds), json_number(results.samples_per_second), json_number(results.test_loss),
        json_number(results.test_accuracy));
}

void print_text(const Results& results) {
    fmt::print("\ntraining: {:.1f} s, {:.0f} samples/s\n", results.fit_seconds, results.samples_per_second);
    fmt::print("test loss      {:.4f}\ntest accuracy  {:.4f}\n\n{}", results.test_loss, results.test_accuracy,
               results.report);
}

void run(const Options& options) {
    check_data_installed(options.data);
    const auto load_start = std::chrono::steady_clock::now();
    auto data = neuro::load_fashion_mnist<float, Images>(options.data);
    const double load_seconds = seconds_since(load_start);
    if (options.train_samples) keep_first(data.train, *options.train_samples);
    auto model = w2::model(options.seed);
    if (!options.json) {
        fmt::print("Fashion-MNIST from {} ({:.1f} s): {} training and {} test images of 28 x 28\n\n",
                   options.data.string(), load_seconds, data.train.samples(), data.test.samples());
        fmt::print("{}\n", model.summary());
        fmt::print("Adam lr {}, batch size {}, seed {}\n", learning_rate, batch_size, options.seed);
    }
    Results results;
    train(model, data.train, options, results);
    test(model, data.test, results);
    if (options.json) print_json(options, data, results);
    else print_text(results);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const std::span<char* const> command_line(argv, static_cast<std::size_t>(argc));
        // argv[0] is the program name (and argc may be 0 when a caller passes nothing at all).
        const Options options = parse_arguments(command_line.subspan(std::min<std::size_t>(1, command_line.size())));
        if (options.show_help) {
            fmt::print("{}", usage);
            return 0;
        }
        run(options);
        return 0;
    } catch (const UsageError& error) {
        fmt::print(stderr, "fashion_mnist: {}\nRun 'fashion_mnist --help' for usage.\n", error.what());
        return 2;
    } catch (const std::exception& error) {  // neuro::Error, a missing data set, anything else
        fmt::print(stderr, "fashion_mnist: {}\n", error.what());
        return 1;
    }
}
