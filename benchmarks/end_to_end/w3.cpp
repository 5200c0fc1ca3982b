// W3 "gemm-bound" trained with neuro: large layers, where the GEMMs decide the time. Times
// model.fit alone and prints one JSON object with the achieved GFLOP/s, to set against
// bench_gemm_limit's figure for the same shapes.

#include "harness.hpp"
#include "workloads.hpp"

#include <string_view>

namespace {

constexpr std::string_view usage = R"(usage: bench_w3 [--threads N] [--repeats R] [--idle-poll US]

Trains W3 (Dense 1024-2048-2048-10, SGD 0.01, categorical cross-entropy, batch 512, 1 epoch)
on 8192 random normal samples with 10 random classes R times from the same weights, and
prints one JSON object: the median fit time and the GFLOP/s achieved (6 M N K flops per
Dense layer per batch, 4 M N K for the first, whose input gradient is not computed).

  --threads N     threads for the products and passes (default 1)
  --repeats R     timed runs (default 3)
  --idle-poll US  how long idle threads poll before they sleep (default 100; 0 sleeps at once)
)";

void run(const bench::Options& options) {
    const int threads = bench::use_threads_and_poll(options);
    const auto data = bench::w3_data();
    // Row-major, as W2's images and the peers' tensors: a shuffled batch is then 512
    // contiguous rows, not one value from each of 512 random places per feature.
    const neuro::RowMatrix<float> x = data.x;
    const auto runs = bench::time_repeats(options.repeats, bench::w3_model, [&](neuro::Sequential<float>& model) {
        return model.fit(x, data.y, bench::fit_options(bench::w3, bench::w3.epochs));
    });
    const int steps = bench::steps_of(bench::w3, bench::w3_sample_count, bench::w3.epochs);
    const double flops = steps * bench::training_flops(bench::w3, bench::w3.batch_size);
    auto json = bench::report("W3", "neuro", threads, runs.seconds);
    json["idle_poll_us"] = options.idle_poll_us;
    json["steps"] = steps;
    json["gflops"] = flops / json["median_seconds"].get<double>() / 1e9;
    json["final_loss"] = runs.result.loss.back();  // about log(10) = 2.30: the labels are random
    bench::print(json);
}

}  // namespace

int main(int argc, char** argv) { return bench::run(argc, argv, usage, {}, {.idle_poll = true}, run); }
