// W3 "gemm-bound" trained with neuro: large layers, where the GEMMs decide the time. Times
// model.fit alone and prints one JSON object with the achieved GFLOP/s, to set against
// bench_gemm_limit's figure for the same shapes.

#include "harness.hpp"
#include "workloads.hpp"

#include <string_view>

namespace {

constexpr std::string_view usage = R"(usage: bench_w3 [--threads N] [--repeats R]

Trains W3 (Dense 1024-2048-2048-10, SGD 0.01, categorical cross-entropy, batch 512, 1 epoch)
on 8192 random normal samples with 10 random classes R times from the same weights, and
prints one JSON object: the median fit time and the GFLOP/s achieved (6 M N K flops per
Dense layer per batch, 4 M N K for the first, whose input gradient is not computed).

  --threads N   threads for Eigen's matrix products (default 1; needs OpenMP)
  --repeats R   timed runs (default 3)
)";

constexpr neuro::Index sample_count = 8192;
constexpr neuro::Index class_count = 10;

/// 8192 x 1024 standard-normal features, and y: 8192 x 1 class indices drawn uniformly.
neuro::SyntheticData<float> w3_data() {
    neuro::Random random(3);
    const neuro::Index features = bench::w3.layers[0].inputs;
    neuro::SyntheticData<float> data{neuro::Matrix<float>(sample_count, features),
                                     neuro::Matrix<float>(sample_count, 1)};
    for (neuro::Index i = 0; i < data.x.size(); ++i) data.x.data()[i] = float(random.normal());
    for (neuro::Index i = 0; i < sample_count; ++i) data.y(i, 0) = float(random.below(class_count));
    return data;
}

void run(const bench::Options& options) {
    const int threads = bench::use_threads(options.threads);
    const auto data = w3_data();
    const auto runs = bench::time_repeats(options.repeats, bench::w3_model, [&](neuro::Sequential<float>& model) {
        return model.fit(data.x, data.y, bench::fit_options(bench::w3, bench::w3.epochs));
    });
    const int steps = bench::steps_of(bench::w3, sample_count, bench::w3.epochs);
    const double flops = steps * bench::training_flops(bench::w3, bench::w3.batch_size);
    auto json = bench::report("W3", "neuro", threads, runs.seconds);
    json["steps"] = steps;
    json["gflops"] = flops / json["median_seconds"].get<double>() / 1e9;
    json["final_loss"] = runs.result.loss.back();  // about log(10) = 2.30: the labels are random
    bench::print(json);
}

}  // namespace

int main(int argc, char** argv) { return bench::run(argc, argv, usage, {}, false, run); }
