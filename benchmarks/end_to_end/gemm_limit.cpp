// The limit for W3: Eigen's single-precision GEMM rate (OpenBLAS's, built on OpenBLAS) at
// exactly the products one W3 training step computes, with no library around them. Prints
// one JSON object in the style of bench_w3, whose "gflops" is comparable to bench_w3's.

#include "harness.hpp"
#include "workloads.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::string_view usage = R"(usage: bench_gemm_limit [--threads N] [--repeats R]

Times, for each Dense layer of W3 at batch 512 (out x in weights W, in x batch inputs X):
forward Y = W X, weight gradient dW = dY X^T and input gradient dX = W^T dY, each the
median of R runs after one warm-up run. Prints one JSON object: GFLOP/s per product, and
step_seconds and gflops over the products one W3 step computes (not the first layer's dX).

  --threads N   threads for the products: Eigen's (needs OpenMP), or on OpenBLAS its own
                (default 1)
  --repeats R   timed runs of each product (default 3)
)";

using Matrix = Eigen::MatrixXf;

/// The median seconds of `product` over `repeats` runs, after one untimed run.
template <class Product>
double median_seconds(int repeats, Product&& product) {
    product();
    std::vector<double> seconds;
    for (int repeat = 0; repeat < repeats; ++repeat) seconds.push_back(bench::seconds_of(product));
    return bench::median(seconds);
}

/// The median seconds of each product of one Dense layer.
struct LayerTimes {
    double forward;
    double weight_gradient;
    double input_gradient;
};

LayerTimes time_layer(const bench::DenseShape& shape, neuro::Index batch, int repeats) {
    const Matrix weight = Matrix::Random(shape.outputs, shape.inputs);
    const Matrix input = Matrix::Random(shape.inputs, batch);
    const Matrix output_gradient = Matrix::Random(shape.outputs, batch);
    Matrix output(shape.outputs, batch);
    Matrix weight_gradient(shape.outputs, shape.inputs);
    Matrix input_gradient(shape.inputs, batch);
    return {median_seconds(repeats, [&] { output.noalias() = weight * input; }),
            median_seconds(repeats, [&] { weight_gradient.noalias() = output_gradient * input.transpose(); }),
            median_seconds(repeats, [&] { input_gradient.noalias() = weight.transpose() * output_gradient; })};
}

void run(const bench::Options& options) {
    const int threads = bench::use_library_threads(options.threads);
    const neuro::Index batch = bench::w3.batch_size;
    nlohmann::ordered_json layers = nlohmann::ordered_json::array();
    double step_seconds = 0;  // the products of one W3 step, counted as bench_w3 counts them
    for (std::size_t i = 0; i < bench::w3.layers.size(); ++i) {
        const auto shape = bench::w3.layers[i];
        const LayerTimes times = time_layer(shape, batch, options.repeats);
        const double gigaflops = bench::gemm_flops(shape.outputs, batch, shape.inputs) / 1e9;
        step_seconds += times.forward + times.weight_gradient + (i == 0 ? 0 : times.input_gradient);
        layers.push_back({{"shape", std::to_string(shape.inputs) + "->" + std::to_string(shape.outputs)},
                          {"forward_gflops", gigaflops / times.forward},
                          {"weight_gradient_gflops", gigaflops / times.weight_gradient},
                          {"input_gradient_gflops", gigaflops / times.input_gradient}});
    }
    nlohmann::ordered_json json;
    json["workload"] = "W3";
#ifdef NEURO_USE_OPENBLAS
    json["implementation"] = "openblas-sgemm";
#else
    json["implementation"] = "eigen-sgemm";
#endif
    json["threads"] = threads;
    json["repeats"] = options.repeats;
    json["step_seconds"] = step_seconds;
    json["gflops"] = bench::training_flops(bench::w3, batch) / 1e9 / step_seconds;
    json["layers"] = layers;
    bench::print(json);
}

}  // namespace

int main(int argc, char** argv) { return bench::run(argc, argv, usage, {}, {}, run); }
