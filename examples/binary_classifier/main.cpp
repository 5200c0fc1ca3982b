// binary_classifier: the classic Keras binary-classification tutorial, written with neuro.
//
// Takes a synthetic two-class problem (its last 20% held out as the test set) or a CSV file
// (20% held out, stratified by label), fills in missing feature values and standardizes the
// features with the training part's statistics, trains a small MLP with Adam and binary
// cross-entropy, and reports the loss per epoch and the test loss, accuracy and AUC (or one
// JSON object, --json).

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
#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

// The data set is fixed, independent of --seed, so that runs with different seeds differ
// only in the model's initial weights and the training order, not in the problem.
constexpr std::uint64_t data_seed = 7;
constexpr neuro::Index sample_count = 1000;
constexpr neuro::Index feature_count = 10;
constexpr double test_fraction = 0.2;

constexpr std::string_view usage = R"(usage: binary_classifier [options]

Trains a features-64-64-1 MLP to separate two classes: by default on a synthetic problem
(1000 samples x 10 features; the last 20% are the test set), or on a CSV file.

options:
  --csv FILE       train on FILE instead: numeric columns, one sample per row, a header row
                   optional, a label of 0 or 1. 20% of the rows, stratified by label and
                   drawn with --seed, are the test set. Rows without a label are dropped;
                   missing (empty, NA, NaN) or infinite feature values are replaced by their
                   column's mean over the training part, so a sparse column costs no rows
  --label NAME     the label column of the CSV file, by header name (default: the last column)
  --epochs N       passes over the training data (default 10, at least 1)
  --batch-size N   samples per training step (default 32, at least 1)
  --lr X           Adam learning rate (default 0.001, a finite number > 0)
  --seed N         seeds the initial weights and the shuffling (default 42)
  --out DIR        where to write roc.svg and learning_curve.svg (default: .)
  --json           print one JSON object with the results instead of text
  -h, --help       print this help and exit

Values may follow the flag or be attached with '=': --epochs 5 or --epochs=5.
)";

struct Options {
    int epochs = 10;
    neuro::Index batch_size = 32;
    float learning_rate = 1e-3f;  // float, like the model, so the validated value is the one used
    std::uint64_t seed = 42;
    std::filesystem::path out = ".";
    std::optional<std::filesystem::path> csv;  // unset: the synthetic problem
    std::optional<std::string> label;          // unset: the CSV file's last column
    bool json = false;
    bool show_help = false;
};

/// A mistake on the command line: reported with the usage hint, exit code 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A CSV file the library reads but a binary classifier cannot learn from: exit code 1.
class DataError : public std::runtime_error {
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
    ValueFlag{"--out",
              [](Options& options, std::string_view flag, std::string_view value) {
                  if (value.empty()) throw UsageError(fmt::format("{}: expected a directory", flag));
                  options.out = std::filesystem::path(value);
              }},
    ValueFlag{"--csv",
              [](Options& options, std::string_view flag, std::string_view value) {
                  if (value.empty()) throw UsageError(fmt::format("{}: expected a file", flag));
                  options.csv = std::filesystem::path(value);
              }},
    ValueFlag{"--label",
              [](Options& options, std::string_view flag, std::string_view value) {
                  if (value.empty()) throw UsageError(fmt::format("{}: expected a column name", flag));
                  options.label = std::string(value);
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
    if (options.label && !options.csv) throw UsageError("--label: names a column of the --csv file; give --csv FILE");
    return options;
}

// ---------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------

/// A problem ready for training: its two parts and what to tell about where they came from.
struct Problem {
    std::string source;       // "synthetic" or the CSV file, for --json
    std::string description;  // the lines the text output starts with
    neuro::TrainTestSplit<float> split;
};

std::string describe_split(const neuro::TrainTestSplit<float>& split) {
    return fmt::format("{} for training, {} for testing", split.train.samples(), split.test.samples());
}

/// The synthetic problem with its last 20% held out (it is already in random order).
Problem synthetic_problem() {
    auto data = neuro::make_binary_classification<float>(sample_count, feature_count, data_seed);
    const neuro::Dataset<float> dataset{std::move(data.x), std::move(data.y), {}, {}};
    Problem problem{"synthetic", {}, neuro::train_test_split(dataset, {.test_size = test_fraction, .shuffle = false})};
    problem.description = fmt::format("{} samples x {} features (data seed {}): {}", sample_count, feature_count,
                                      data_seed, describe_split(problem.split));
    return problem;
}

/// "the label \"name\"", or "the label (the last column)" for a file without a header.
std::string describe_label(const neuro::Dataset<float>& data) {
    return data.label_name.empty() ? "the label (the last column)" : fmt::format("the label \"{}\"", data.label_name);
}

/// Every label must be 0 or 1, or missing (NaN): rows without a label are dropped later.
void check_labels_are_binary(const neuro::Dataset<float>& data, const std::string& file) {
    for (neuro::Index row = 0; row < data.samples(); ++row) {
        const float label = data.y(row, 0);
        if (!std::isnan(label) && label != 0 && label != 1)
            throw DataError(fmt::format("{}: data row {}: {} is {}; a binary classifier needs 0 or 1", file, row + 1,
                                        describe_label(data), label));
    }
}

void check_both_classes(const neuro::Dataset<float>& labelled, const std::string& file) {
    const auto positives = (labelled.y.array() == 1.0f).count();
    if (positives == 0 || positives == labelled.samples())
        throw DataError(fmt::format("{}: {} of the {} labelled rows are 1; a binary classifier needs both classes",
                                    file, positives, labelled.samples()));
}

/// Rows whose label is missing give nothing to learn from or to test against.
neuro::Dataset<float> drop_unlabelled_rows(const neuro::Dataset<float>& data) {
    std::vector<neuro::Index> labelled;
    for (neuro::Index row = 0; row < data.samples(); ++row)
        if (!std::isnan(data.y(row, 0))) labelled.push_back(row);
    return neuro::select_rows(data, labelled);
}

/// What the text output says about the file: its size, its missing values and what becomes
/// of them.
std::string describe_csv(const std::string& file, const neuro::Dataset<float>& data,
                         const neuro::Dataset<float>& labelled, const neuro::NonFiniteReport& report) {
    std::string description = fmt::format("{}: {} rows, {} features and {}\n{}\n", file, data.samples(),
                                          data.features(), describe_label(data), report.summary());
    if (!report.clean()) {
        const neuro::NonFiniteReport features = neuro::report_non_finite(labelled.x);
        description += fmt::format(
            "rows dropped for a missing label: {}; feature values filled with their column's training mean: {}\n",
            data.samples() - labelled.samples(), features.missing() + features.infinite());
    }
    return description;
}

/// The CSV file of --csv, checked, without unlabelled rows, 20% held out stratified by label.
/// Missing feature values stay NaN here: only the training part may decide what fills them.
Problem csv_problem(const Options& options) {
    const std::string file = options.csv->string();
    const neuro::CsvReadOptions read_options{.label = options.label ? neuro::ColumnRef(*options.label)
                                                                    : neuro::ColumnRef::last()};
    const neuro::Dataset<float> data = neuro::read_csv<float>(*options.csv, read_options);
    if (data.features() == 0) throw DataError(fmt::format("{}: no feature column besides the label", file));
    check_labels_are_binary(data, file);
    const neuro::Dataset<float> labelled = drop_unlabelled_rows(data);
    check_both_classes(labelled, file);

    const neuro::SplitOptions split_options{.test_size = test_fraction, .stratify = true, .seed = options.seed};
    Problem problem{file, describe_csv(file, data, labelled, neuro::report_non_finite(data)),
                    neuro::train_test_split(labelled, split_options)};
    problem.description += fmt::format("{} samples: {} (stratified by label, seed {})", labelled.samples(),
                                       describe_split(problem.split), options.seed);
    return problem;
}

/// Fills missing feature values with their column's mean and rescales every feature to zero
/// mean and unit variance, with statistics of the training part only: the test set must not
/// influence anything the model sees.
void prepare_features(neuro::TrainTestSplit<float>& split) {
    neuro::Imputer imputer(neuro::ImputeStrategy::Mean);
    imputer.fit(split.train.x);
    neuro::StandardScaler scaler;
    split.train.x = scaler.fit_transform(imputer.transform(split.train.x));
    split.test.x = scaler.transform(imputer.transform(split.test.x));
}

// ---------------------------------------------------------------------------
// Model and results
// ---------------------------------------------------------------------------

neuro::Sequential<float> build_model(const Options& options, neuro::Index features) {
    neuro::Sequential<float> model(options.seed);
    model.add(neuro::Dense<float>(features, 64))
        .add(neuro::ReLU<float>())
        .add(neuro::Dense<float>(64, 64))
        .add(neuro::ReLU<float>())
        .add(neuro::Dense<float>(64, 1))
        .add(neuro::Sigmoid<float>());
    model.compile(neuro::Adam<float>(options.learning_rate), neuro::BinaryCrossEntropy<float>(),
                  {"accuracy", "auc"});
    return model;
}

struct Results {
    neuro::History history;
    double test_loss = 0;
    double test_accuracy = 0;
    double test_auc = 0;
    std::string report;  // the classification report of the test set
    std::filesystem::path roc_svg;
    std::filesystem::path learning_curve_svg;
};

/// fmt's shortest round-trip form; JSON has no NaN or infinity, so a diverged run gives null.
template <std::floating_point Number>
std::string json_number(Number value) {
    return std::isfinite(value) ? fmt::format("{}", value) : std::string("null");
}

/// A JSON string literal: quotes, backslashes and control characters escaped.
std::string json_string(std::string_view text) {
    std::string quoted = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') quoted += '\\';
        if (static_cast<unsigned char>(c) < 0x20)
            quoted += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        else
            quoted += c;
    }
    return quoted + '"';
}

void print_json(const Options& options, const Problem& problem, const Results& results) {
    const neuro::TrainTestSplit<float>& split = problem.split;
    fmt::print(
        "{{\"source\":{},\"epochs\":{},\"batch_size\":{},\"lr\":{},\"seed\":{},\"samples\":{},\"features\":{},"
        "\"train_samples\":{},\"test_samples\":{},\"final_train_loss\":{},\"test_loss\":{},"
        "\"test_accuracy\":{},\"test_auc\":{},\"roc_svg\":{},\"learning_curve_svg\":{}}}\n",
        json_string(problem.source), options.epochs, options.batch_size, json_number(options.learning_rate),
        options.seed, split.train.samples() + split.test.samples(), split.train.features(), split.train.samples(),
        split.test.samples(), json_number(results.history.loss.back()), json_number(results.test_loss),
        json_number(results.test_accuracy), json_number(results.test_auc), json_string(results.roc_svg.string()),
        json_string(results.learning_curve_svg.string()));
}

/// The classification report of the test set, its ROC curve and the learning curves (in out,
/// created if missing).
void report_on_test_set(const neuro::Sequential<float>& model, const neuro::Dataset<float>& test,
                        const std::filesystem::path& out, Results& results) {
    const neuro::Matrix<float> probabilities = model.predict(test.x);
    const Eigen::VectorXf predicted = (probabilities.array() >= 0.5f).cast<float>();
    results.report = neuro::metrics::classification_report(test.y, predicted, {"negative", "positive"});
    std::filesystem::create_directories(out);
    results.roc_svg = out / "roc.svg";
    results.learning_curve_svg = out / "learning_curve.svg";
    neuro::plot::write_roc_curve(results.roc_svg, neuro::metrics::roc_curve(test.y, probabilities),
                                 results.test_auc);
    neuro::plot::write_learning_curves(results.learning_curve_svg, results.history);
}

void print_epochs(const neuro::History& history) {
    const auto epochs = history.epochs();
    const auto width = fmt::formatted_size("{}", epochs);  // aligns " 9/10" under "10/10"
    for (std::size_t epoch = 0; epoch < epochs; ++epoch)
        fmt::print("epoch {:>{}}/{}  loss {:.4f}  accuracy {:.4f}  auc {:.4f}\n", epoch + 1, width, epochs,
                   history.loss[epoch], history.metrics.at("accuracy")[epoch], history.metrics.at("auc")[epoch]);
}

void run(const Options& options) {
    Problem problem = options.csv ? csv_problem(options) : synthetic_problem();
    prepare_features(problem.split);
    const neuro::Dataset<float>& train = problem.split.train;
    const neuro::Dataset<float>& test = problem.split.test;
    auto model = build_model(options, train.features());
    if (!options.json) {
        fmt::print("{}\n\n", problem.description);
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
    results.history = model.fit(train.x, train.y, fit_options);
    const neuro::Evaluation evaluation = model.evaluate(test.x, test.y);
    results.test_loss = evaluation.loss;
    results.test_accuracy = evaluation.metrics.at("accuracy");
    results.test_auc = evaluation.metrics.at("auc");
    report_on_test_set(model, test, options.out, results);

    if (options.json) {
        print_json(options, problem, results);
        return;
    }
    print_epochs(results.history);
    fmt::print("\ntest loss      {:.4f}\ntest accuracy  {:.4f}\ntest AUC       {:.4f}\n\n{}\n", results.test_loss,
               results.test_accuracy, results.test_auc, results.report);
    fmt::print("wrote {} and {}\n", results.roc_svg.string(), results.learning_curve_svg.string());
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
