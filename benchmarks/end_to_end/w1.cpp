// W1 "seed" trained with neuro: the small binary classifier, where per-step overhead rather
// than arithmetic decides the time. Times model.fit alone and prints one JSON object.

#include "harness.hpp"
#include "workloads.hpp"

#include <string_view>

namespace {

constexpr std::string_view usage = R"(usage: bench_w1 [--threads N] [--repeats R] [--idle-poll US]

Trains W1 (Dense 10-64-64-1, Adam 1e-3, binary cross-entropy, batch 32, 10 epochs on the
1000 samples of the seed problem) R times from the same weights, and prints one JSON
object: the median fit time, microseconds per step and the accuracy on the training set.

  --threads N     threads for the products and passes (default 1)
  --repeats R     timed runs (default 3)
  --idle-poll US  how long idle threads poll before they sleep (default 100; 0 sleeps at once)
)";

/// The fraction of samples whose probability, thresholded at 0.5, gives their label.
double training_accuracy(const neuro::Sequential<float>& model, const neuro::SyntheticData<float>& data) {
    const neuro::Matrix<float> probabilities = model.predict(data.x);
    return ((probabilities.array() > 0.5f) == (data.y.array() > 0.5f)).cast<double>().mean();
}

void run(const bench::Options& options) {
    const int threads = bench::use_threads_and_poll(options);
    const auto data = bench::w1_data();
    const auto runs = bench::time_repeats(options.repeats, bench::w1_model, [&](neuro::Sequential<float>& model) {
        return model.fit(data.x, data.y, bench::fit_options(bench::w1, bench::w1.epochs));
    });
    const int steps = bench::steps_of(bench::w1, data.x.rows(), bench::w1.epochs);
    auto json = bench::report("W1", "neuro", threads, runs.seconds);
    json["idle_poll_us"] = options.idle_poll_us;
    json["steps"] = steps;
    json["per_step_us"] = json["median_seconds"].get<double>() / steps * 1e6;
    json["final_loss"] = runs.result.loss.back();
    json["final_accuracy"] = training_accuracy(runs.model, data);
    json["accuracy_on"] = "train";  // W1 trains on all 1000 samples
    bench::print(json);
}

}  // namespace

int main(int argc, char** argv) { return bench::run(argc, argv, usage, {}, {.idle_poll = true}, run); }
