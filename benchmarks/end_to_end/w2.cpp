// W2 "fashion" trained with neuro: the Fashion-MNIST MLP. Times model.fit alone (loading the
// data is not timed) and prints one JSON object with the training throughput and the
// accuracy on the 10000 test images.

#include "harness.hpp"
#include "workloads.hpp"

#include <sys/resource.h>

#include <string_view>

namespace {

constexpr std::string_view usage = R"(usage: bench_w2 [--threads N] [--repeats R] [--idle-poll US] [--epochs E]

Trains W2 (Dense 784-512-256-10, Adam 1e-3, categorical cross-entropy, batch 128) on the
60000 Fashion-MNIST training images R times from the same weights, and prints one JSON
object: the median fit time, training samples per second and the test accuracy.
Fashion-MNIST comes from Debian's dataset-fashion-mnist package.

  --threads N     threads for the products and passes (default 1)
  --repeats R     timed runs (default 3)
  --idle-poll US  how long idle threads poll before they sleep (default 100; 0 sleeps at once)
  --epochs E      epochs per run (default 1, the speed measure; 5 for the accuracy measure)
)";

/// Each row's most probable class.
neuro::Vector<float> predicted_classes(const neuro::Matrix<float>& probabilities) {
    neuro::Vector<float> classes(probabilities.rows());
    for (neuro::Index i = 0; i < probabilities.rows(); ++i) {
        neuro::Index best = 0;
        probabilities.row(i).maxCoeff(&best);
        classes[i] = float(best);
    }
    return classes;
}

/// The process's peak resident set so far (Linux reports ru_maxrss in KiB), in MiB.
double peak_resident_megabytes() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_maxrss) / 1024.0;
}

void run(const bench::Options& options) {
    const int threads = bench::use_threads_and_poll(options);
    const auto data = neuro::load_fashion_mnist<float, neuro::RowMatrix<float>>();
    const double rss_after_load = peak_resident_megabytes();
    const auto runs = bench::time_repeats(options.repeats, bench::w2_model, [&](neuro::Sequential<float>& model) {
        return model.fit(data.train.x, data.train.y, bench::fit_options(bench::w2, options.epochs));
    });
    const double samples = double(data.train.x.rows()) * options.epochs;
    auto json = bench::report("W2", "neuro", threads, runs.seconds);
    json["idle_poll_us"] = options.idle_poll_us;
    json["epochs"] = options.epochs;
    json["samples_per_second"] = samples / json["median_seconds"].get<double>();
    json["final_loss"] = runs.result.loss.back();
    json["final_accuracy"] =
        neuro::metrics::accuracy(data.test.y.col(0), predicted_classes(runs.model.predict(data.test.x)));
    json["accuracy_on"] = "test";
    json["max_rss_after_load_mb"] = rss_after_load;  // the data set and its loading
    json["max_rss_mb"] = peak_resident_megabytes();
    bench::print(json);
}

}  // namespace

int main(int argc, char** argv) {
    return bench::run(argc, argv, usage, {.epochs = bench::w2.epochs}, {.epochs = true, .idle_poll = true}, run);
}
