#pragma once
// What the C++ peers share: the workload named on the command line and its data, taken
// from neuro's loaders (untimed) so that every peer trains on the samples neuro trains on.

#include "end_to_end/harness.hpp"
#include "workloads.hpp"

#include <string_view>

namespace compare {

/// A workload's training and evaluation data: x is N x F, y is N x 1 (label or class index).
struct WorkloadData {
    neuro::Matrix<float> x, y, test_x, test_y;
};

/// W1 evaluates on its training set, W2 on the Fashion-MNIST test set, W3 on its training set.
inline WorkloadData load(std::string_view workload) {
    if (workload == "W1") {
        auto data = bench::w1_data();
        return {data.x, data.y, data.x, data.y};
    }
    if (workload == "W2") {
        auto data = neuro::load_fashion_mnist<float>();
        return {std::move(data.train.x), std::move(data.train.y), std::move(data.test.x), std::move(data.test.y)};
    }
    auto data = bench::w3_data();
    return {data.x, data.y, data.x, data.y};
}

inline const bench::Workload& workload_named(std::string_view name) {
    if (name == "W1") return bench::w1;
    if (name == "W2") return bench::w2;
    if (name == "W3") return bench::w3;
    throw bench::UsageError("the first argument must be W1, W2 or W3");
}

/// Adds the workload's own figure to a report: us per step (W1), samples/s (W2), GFLOP/s (W3).
inline void add_figures(nlohmann::ordered_json& json, const bench::Workload& workload, neuro::Index samples,
                        int epochs) {
    const double seconds = json["median_seconds"].get<double>();
    if (workload.name == "W1") {
        const int steps = bench::steps_of(workload, samples, epochs);
        json["steps"] = steps;
        json["per_step_us"] = seconds / steps * 1e6;
    } else if (workload.name == "W2") {
        json["epochs"] = epochs;
        json["samples_per_second"] = double(samples) * epochs / seconds;
    } else {
        double flops = 0;
        for (neuro::Index start = 0; start < samples; start += workload.batch_size)
            flops += bench::training_flops(workload, std::min(workload.batch_size, samples - start));
        json["gflops"] = flops * epochs / seconds / 1e9;
    }
}

/// main's body for a peer: argv[1] names the workload, the rest are bench's flags.
template <class Body>
int run(int argc, char** argv, std::string_view usage, Body&& body) {
    if (argc < 2) {
        fmt::print(stderr, "{}", usage);
        return 2;
    }
    const std::string_view name = argv[1];
    return bench::run(argc - 1, argv + 1, usage, {.epochs = 0}, {.epochs = true}, [&](const bench::Options& options) {
        const bench::Workload& workload = workload_named(name);
        body(workload, options.epochs == 0 ? workload.epochs : options.epochs, options);
    });
}

}  // namespace compare
