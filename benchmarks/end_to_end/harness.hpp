#pragma once
// What the end-to-end programs share: their command line, the thread count, the timing of
// repeats, and the fields that open the one JSON object each prints.

#include "neuro/core/threads.hpp"

#include <Eigen/Core>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <exception>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bench {

struct Options {
    int threads = 1;
    int repeats = 3;
    int epochs = 1;  // only programs that accept --epochs change it
    // neuro::set_idle_poll, the library's default unless a program that takes --idle-poll
    // is given one.
    int idle_poll_us = static_cast<int>(neuro::idle_poll().count());
};

/// The flags a program accepts besides --threads and --repeats.
struct Extras {
    bool epochs = false;
    bool idle_poll = false;
};

/// A mistake on the command line: reported with the usage text, exit code 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The whole of `text` as a whole number >= `least`.
inline int parse_count(std::string_view flag, std::string_view text, int least) {
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < least)
        throw UsageError(fmt::format("{} needs a whole number >= {}, got '{}'", flag, least, text));
    return value;
}

/// Reads --threads N, --repeats R and the `extras`: --epochs E, --idle-poll US; a value follows
/// its flag or is attached with '='. nullopt: --help was asked for.
inline std::optional<Options> parse_options(std::span<char*> arguments, Options defaults, Extras extras) {
    Options options = defaults;
    for (std::size_t i = 1; i < arguments.size(); ++i) {
        const std::string_view argument = arguments[i];
        if (argument == "-h" || argument == "--help") return std::nullopt;
        const auto equals = argument.find('=');
        const std::string_view flag = argument.substr(0, equals);
        int* target = flag == "--threads"                   ? &options.threads
                      : flag == "--repeats"                 ? &options.repeats
                      : extras.epochs && flag == "--epochs"       ? &options.epochs
                      : extras.idle_poll && flag == "--idle-poll" ? &options.idle_poll_us
                                                                  : nullptr;
        if (target == nullptr) throw UsageError(fmt::format("unknown option '{}'", argument));
        const int least = target == &options.idle_poll_us ? 0 : 1;
        if (equals != std::string_view::npos) {
            *target = parse_count(flag, argument.substr(equals + 1), least);
        } else {
            if (i + 1 == arguments.size()) throw UsageError(fmt::format("{} needs a value", flag));
            *target = parse_count(flag, arguments[++i], least);
        }
    }
    return options;
}

/// Runs `body(options)` as main's body: usage mistakes exit 2, any other error 1.
template <class Body>
int run(int argc, char** argv, std::string_view usage, Options defaults, Extras extras, Body&& body) {
    try {
        const auto options = parse_options(std::span<char*>(argv, std::size_t(argc)), defaults, extras);
        if (!options) {
            fmt::print("{}", usage);
            return 0;
        }
        body(*options);
        return 0;
    } catch (const UsageError& error) {
        fmt::print(stderr, "error: {}\n{}", error.what(), usage);
        return 2;
    } catch (const std::exception& error) {
        fmt::print(stderr, "error: {}\n", error.what());
        return 1;
    }
}

/// Asks for `requested` threads; returns the count the products will really use.
inline int use_threads(int requested) {
    neuro::set_num_threads(requested);
    return neuro::num_threads();
}

/// For the programs that run Eigen's products without neuro (the plain Eigen loop, the GEMM
/// limit): asks Eigen's own threads (OpenMP builds), or OpenBLAS's pool on OpenBLAS, for
/// `requested` threads; returns the count they will really use. neuro::set_num_threads
/// would set OpenBLAS's pool to one thread (neuro's workers split the products it runs).
inline int use_library_threads(int requested) {
#ifdef NEURO_USE_OPENBLAS
    openblas_set_num_threads(requested);
    return openblas_get_num_threads();
#else
    Eigen::setNbThreads(requested);
    return Eigen::nbThreads();
#endif
}

/// Asks for options' threads and idle poll, for a program that takes --idle-poll; returns the
/// thread count the products will really use.
inline int use_threads_and_poll(const Options& options) {
    neuro::set_idle_poll(std::chrono::microseconds(options.idle_poll_us));
    return use_threads(options.threads);
}

/// Wall-clock seconds `work` takes.
template <class Work>
double seconds_of(Work&& work) {
    const auto start = std::chrono::steady_clock::now();
    work();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

inline double median(std::vector<double> values) {
    std::ranges::sort(values);
    const std::size_t middle = values.size() / 2;
    return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

/// The seconds of each repeat, and the model the last one trained (to measure accuracy).
template <class Model, class Result>
struct Runs {
    std::vector<double> seconds;
    Model model;
    Result result;  // what the last repeat's training returned (its loss history)
};

/// Each repeat builds a fresh model with make_model() (untimed: every repeat starts from the
/// same weights) and times train(model) alone.
template <class MakeModel, class Train>
auto time_repeats(int repeats, MakeModel&& make_model, Train&& train) {
    using Model = decltype(make_model());
    using Result = decltype(train(std::declval<Model&>()));
    std::vector<double> seconds;
    std::optional<Model> model;
    std::optional<Result> result;
    for (int repeat = 0; repeat < repeats; ++repeat) {
        model.emplace(make_model());
        seconds.push_back(seconds_of([&] { result.emplace(train(*model)); }));
    }
    return Runs<Model, Result>{std::move(seconds), std::move(*model), std::move(*result)};
}

/// The fields every program prints first; each then adds its own figures.
inline nlohmann::ordered_json report(std::string_view workload, std::string_view implementation, int threads,
                                     const std::vector<double>& seconds) {
    nlohmann::ordered_json json;
    json["workload"] = std::string(workload);
    json["implementation"] = std::string(implementation);
    json["threads"] = threads;
    json["repeats"] = seconds.size();
    json["median_seconds"] = median(seconds);
    json["seconds"] = seconds;
    return json;
}

inline void print(const nlohmann::ordered_json& json) { fmt::print("{}\n", json.dump()); }

}  // namespace bench
