// binary_classifier: the classic Keras binary-classification tutorial, written with neuro.
//
// Generates a synthetic two-class problem, holds out the last 20% of it as a test set,
// standardizes the features, trains a small MLP with Adam and binary cross-entropy, and
// reports the loss per epoch and the test loss and accuracy (or one JSON object, --json).

#include <neuro/neuro.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <concepts>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace {

// The data set is fixed, independent of --seed, so that runs with different seeds differ
// only in the model's initial weights and the training order, not in the problem.
constexpr std::uint64_t data_seed = 7;
constexpr neuro::Index sample_count = 1000;
constexpr neuro::Index feature_count = 10;
constexpr neuro::Index test_count = sample_count / 5;
constexpr neuro::Index train_count = sample_count - test_count;

constexpr std::string_view usage = R"(usage: binary_classifier [options]

Trains a 10-64-64-1 MLP on a synthetic binary classification problem
(1000 samples x 10 features; the last 20% are the test set).

options:
  --epochs N       passes over the training data (default 10, at least 1)
  --batch-size N   samples per training step (default 32, at least 1)
  --lr X           Adam learning rate (default 0.001, a finite number > 0)
  --seed N         seeds the initial weights and the shuffling (default 42)
  --json           print one JSON object with the results instead of text
  -h, --help       print this help and exit

Values may follow the flag or be attached with '=': --epochs 5 or --epochs=5.
)";

struct Options {
    int epochs = 10;
    neuro::Index batch_size = 32;
    float learning_rate = 1e-3f;  // float, like the model, so the validated value is the one used
    std::uint64_t seed = 42;
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

/// The whole of `text` as a Number; anything else (trailing characters, overflow) is an error.
template <class Number>
Number parse_number(std::string_view flag, std::string_view text) {
    Number number{};
    const char* const end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, number);
    if (error == std::errc::result_out_of_range)
        throw UsageError(fmt::format("{}: '{}' is out of range", flag, text));
    if (error != std::errc{} || stop != end)
        throw UsageError(fmt::format("{}: expected {}, got '{}'", flag,
                                     std::is_integral_v<Number> ? "a whole number" : "a number", text));
    return number;
}

template <class Number>
Number parse_at_least_one(std::string_view flag, std::string_view text) {
    const auto number = parse_number<Number>(flag, text);
    if (number < 1) throw UsageError(fmt::format("{}: must be at least 1, got {}", flag, number));
    return number;
}

float parse_learning_rate(std::string_view flag, std::string_view text) {
    const auto rate = parse_number<float>(flag, text);
    // from_chars accepts "inf" and "nan", which would silently wreck training.
    if (!std::isfinite(rate) || rate <= 0)
        throw UsageError(fmt::format("{}: must be a finite number > 0, got '{}'", flag, text));
    return rate;
}

/// A flag that takes a value, and how that value is stored into the options.
struct ValueFlag {
    std::string_view name;
    void (*store)(Options&, std::string_view flag, std::string_view value);
};

constexpr std::array value_flags{
    ValueFlag{"--epochs",
              [](Options& options, std::string_view flag, std::string_view value) {
                  options.epochs = parse_at_least_one<int>(flag, value);
              }},
    ValueFlag{"--batch-size",
              [](Options& options, std::string_view flag, std::string_view value) {
                  options.batch_size = parse_at_least_one<neuro::Index>(flag, value);
              }},
    ValueFlag{"--lr",
              [](Options& options, std::string_view flag, std::string_view value) {
                  options.learning_rate = parse_learning_rate(flag, value);
              }},
    ValueFlag{"--seed",
              [](Options& options, std::string_view flag, std::string_view value) {
                  options.seed = parse_number<std::uint64_t>(flag, value);
              }},
};

const ValueFlag* find_value_flag(std::string_view name) {
    const auto* flag = std::ranges::find(value_flags, name, &ValueFlag::name);
    return flag == value_flags.end() ? nullptr : flag;
}

/// Splits "--name=value" at the first '='; a bare "--name" has no attached value.
std::pair<std::string_view, std::optional<std::string_view>> split_attached_value(std::string_view argument) {
    const auto equals = argument.find('=');
    if (equals == std::string_view::npos) return {argument, std::nullopt};
    return {argument.substr(0, equals), argument.substr(equals + 1)};
}

void reject_attached_value(std::string_view flag, std::optional<std::string_view> attached) {
    if (attached) throw UsageError(fmt::format("{}: takes no value", flag));
}

/// The value of `flag`: attached with '=', or else the next argument (which is consumed).
std::string_view take_value(std::string_view flag, std::optional<std::string_view> attached,
                            std::span<char* const> arguments, std::size_t& index) {
    if (attached) return *attached;
    // "--epochs --json" is a forgotten value, not a request to parse "--json" as a number.
    if (index + 1 >= arguments.size() || std::string_view(arguments[index + 1]).starts_with("--"))
        throw UsageError(fmt::format("{}: missing value", flag));
    return arguments[++index];
}

Options parse_arguments(std::span<char* const> arguments) {
    Options options;
    for (std::size_t index = 0; index < arguments.size(); ++index) {
        const std::string_view argument = arguments[index];
        const auto [name, attached] = split_attached_value(argument);
        if (name == "--json") {
            reject_attached_value(name, attached);
            options.json = true;
            continue;
        }
        if (name == "--help" || name == "-h") {
            reject_attached_value(name, attached);
            options.show_help = true;  // help wins over whatever follows
            return options;
        }
        const ValueFlag* flag = find_value_flag(name);
        if (!flag) {
            throw UsageError(argument.starts_with("-") ? fmt::format("unknown flag '{}'", name)
                                                       : fmt::format("unexpected argument '{}'", argument));
        }
        flag->store(options, flag->name, take_value(flag->name, attached, arguments, index));
    }
    return options;
}

// ---------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------

struct Split {
    neuro::Matrix<float> x_train;
    neuro::Matrix<float> y_train;
    neuro::Matrix<float> x_test;
    neuro::Matrix<float> y_test;
};

/// Rescales every feature to zero mean and unit variance, using the training rows'
/// statistics for both parts: the test set must not influence anything the model sees.
void standardize(neuro::Matrix<float>& train, neuro::Matrix<float>& test) {
    const Eigen::RowVectorXf mean = train.colwise().mean();
    const Eigen::RowVectorXf std_dev = (train.rowwise() - mean).array().square().colwise().mean().sqrt();
    // A constant column has a zero (or, after rounding, tiny) spread: dividing by it would give
    // NaN or amplified noise, so such a column is only centered.
    const Eigen::RowVectorXf tiny = 10 * std::numeric_limits<float>::epsilon() * mean.cwiseAbs().cwiseMax(1.0f);
    const Eigen::RowVectorXf scale = (std_dev.array() > tiny.array()).select(std_dev, 1.0f);
    train = (train.rowwise() - mean).array().rowwise() / scale.array();
    test = (test.rowwise() - mean).array().rowwise() / scale.array();
}

/// The synthetic problem with its last 20% held out (it is already in random order).
Split make_split() {
    auto data = neuro::make_binary_classification<float>(sample_count, feature_count, data_seed);
    Split split{data.x.topRows(train_count), data.y.topRows(train_count), data.x.bottomRows(test_count),
                data.y.bottomRows(test_count)};
    standardize(split.x_train, split.x_test);
    return split;
}

// ---------------------------------------------------------------------------
// Model and results
// ---------------------------------------------------------------------------

neuro::Sequential<float> build_model(const Options& options) {
    neuro::Sequential<float> model(options.seed);
    model.add(neuro::Dense<float>(feature_count, 64))
        .add(neuro::ReLU<float>())
        .add(neuro::Dense<float>(64, 64))
        .add(neuro::ReLU<float>())
        .add(neuro::Dense<float>(64, 1))
        .add(neuro::Sigmoid<float>());
    model.compile(neuro::Adam<float>(options.learning_rate), neuro::BinaryCrossEntropy<float>());
    return model;
}

/// The fraction of samples whose predicted probability falls on the side of 0.5 of its label.
double accuracy(const neuro::Matrix<float>& probabilities, const neuro::Matrix<float>& labels) {
    const auto predicted = (probabilities.array() > 0.5f).cast<float>();
    return (predicted == labels.array()).cast<double>().mean();
}

struct Results {
    neuro::History history;
    double test_loss = 0;
    double test_accuracy = 0;
};

/// fmt's shortest round-trip form; JSON has no NaN or infinity, so a diverged run gives null.
template <std::floating_point Number>
std::string json_number(Number value) {
    return std::isfinite(value) ? fmt::format("{}", value) : std::string("null");
}

void print_json(const Options& options, const Results& results) {
    fmt::print(
        "{{\"epochs\":{},\"batch_size\":{},\"lr\":{},\"seed\":{},\"samples\":{},\"features\":{},"
        "\"train_samples\":{},\"test_samples\":{},\"final_train_loss\":{},\"test_loss\":{},"
        "\"test_accuracy\":{}}}\n",
        options.epochs, options.batch_size, json_number(options.learning_rate), options.seed, sample_count,
        feature_count, train_count, test_count, json_number(results.history.loss.back()),
        json_number(results.test_loss), json_number(results.test_accuracy));
}

void print_epochs(const neuro::History& history) {
    const auto epochs = history.epochs();
    const auto width = fmt::formatted_size("{}", epochs);  // aligns " 9/10" under "10/10"
    for (std::size_t epoch = 0; epoch < epochs; ++epoch)
        fmt::print("epoch {:>{}}/{}  loss {:.4f}\n", epoch + 1, width, epochs, history.loss[epoch]);
}

void run(const Options& options) {
    const Split split = make_split();
    auto model = build_model(options);
    if (!options.json) {
        fmt::print("{} samples x {} features (data seed {}): {} for training, {} for testing\n\n", sample_count,
                   feature_count, data_seed, train_count, test_count);
        fmt::print("{}\n", model.summary());
        fmt::print("Adam lr {}, batch size {}, seed {}\n", options.learning_rate, options.batch_size,
                   options.seed);
    }

    // verbose 0: the library's own progress lines would break --json; epochs are printed below.
    const neuro::FitOptions fit_options{.epochs = options.epochs,
                                        .batch_size = options.batch_size,
                                        .shuffle = true,
                                        .seed = options.seed,
                                        .verbose = 0};
    Results results;
    results.history = model.fit(split.x_train, split.y_train, fit_options);
    results.test_loss = model.evaluate(split.x_test, split.y_test).loss;
    results.test_accuracy = accuracy(model.predict(split.x_test), split.y_test);

    if (options.json) {
        print_json(options, results);
        return;
    }
    print_epochs(results.history);
    fmt::print("\ntest loss      {:.4f}\ntest accuracy  {:.4f}\n", results.test_loss, results.test_accuracy);
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
        fmt::print(stderr, "binary_classifier: {}\nRun 'binary_classifier --help' for usage.\n", error.what());
        return 2;
    } catch (const std::exception& error) {  // neuro::Error and anything else the library throws
        fmt::print(stderr, "binary_classifier: {}\n", error.what());
        return 1;
    }
}
