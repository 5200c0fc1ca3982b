// W1, W2 and W3 trained with tiny-dnn (Debian's tiny-dnn, header-only), for
// benchmarks/compare/run.sh. The same models, data, batches and optimizers as neuro's
// bench_w1/w2/w3; prints one JSON object in their shape. tiny-dnn threads with std::async
// over every core unless built with CNN_SINGLE_THREAD: run.sh builds it both ways.

#include "peer_data.hpp"

#include <tiny_dnn/tiny_dnn.h>

#include <algorithm>
#include <memory>
#include <numeric>
#include <random>
#include <string_view>
#include <thread>
#include <vector>

namespace {

constexpr std::string_view usage = R"(usage: tiny_dnn_workloads W1|W2|W3 [--repeats R] [--epochs E]
Trains the workload with tiny-dnn R times from the same seed; prints one JSON object.
)";

using Network = tiny_dnn::network<tiny_dnn::sequential>;

std::vector<tiny_dnn::vec_t> rows_of(const neuro::Matrix<float>& m) {
    std::vector<tiny_dnn::vec_t> rows(std::size_t(m.rows()), tiny_dnn::vec_t(std::size_t(m.cols())));
    for (neuro::Index i = 0; i < m.rows(); ++i)
        for (neuro::Index j = 0; j < m.cols(); ++j) rows[std::size_t(i)][std::size_t(j)] = m(i, j);
    return rows;
}

/// Builds the workload's model in place: a tiny-dnn network is not safely copied or moved.
void build_model(const bench::Workload& workload, Network& model) {
    tiny_dnn::set_random_seed(42);
    const auto& layers = workload.layers;
    using tiny_dnn::fully_connected_layer;
    namespace activation = tiny_dnn::activation;
    model << fully_connected_layer<activation::relu>(layers[0].inputs, layers[0].outputs)
          << fully_connected_layer<activation::relu>(layers[1].inputs, layers[1].outputs);
    if (workload.name == "W1") model << fully_connected_layer<activation::sigmoid>(layers[2].inputs, layers[2].outputs);
    else model << fully_connected_layer<activation::softmax>(layers[2].inputs, layers[2].outputs);
}

/// One epoch over `order`, gathered into the batch order first (tiny-dnn does not shuffle).
template <class Loss, class Optimizer>
void train_epoch(Network& model, Optimizer& optimizer, const std::vector<tiny_dnn::vec_t>& x,
                 const std::vector<tiny_dnn::vec_t>& y, const std::vector<std::size_t>& order, std::size_t batch) {
    std::vector<tiny_dnn::vec_t> xs, ys;
    xs.reserve(order.size());
    ys.reserve(order.size());
    for (std::size_t i : order) {
        xs.push_back(x[i]);
        ys.push_back(y[i]);
    }
    model.fit<Loss>(optimizer, xs, ys, batch, 1, [] {}, [] {}, false, CNN_TASK_SIZE);
}

void run(const bench::Workload& workload, int epochs, const bench::Options& options) {
    const auto data = compare::load(workload.name);
    const bool binary = workload.name == "W1";
    const auto x = rows_of(data.x);
    std::vector<tiny_dnn::vec_t> y;
    for (neuro::Index i = 0; i < data.y.rows(); ++i) {
        if (binary) {
            y.push_back({data.y(i, 0)});
        } else {
            tiny_dnn::vec_t one_hot(std::size_t(workload.layers.back().outputs), 0.0f);
            one_hot[std::size_t(data.y(i, 0))] = 1.0f;
            y.push_back(one_hot);
        }
    }
    std::vector<double> seconds;
    std::unique_ptr<Network> trained;
    for (int repeat = 0; repeat < options.repeats; ++repeat) {
        trained = std::make_unique<Network>();
        Network& model = *trained;
        build_model(workload, model);
        tiny_dnn::adam adam;  // alpha 1e-3, PyTorch's betas and eps
        tiny_dnn::gradient_descent sgd;
        sgd.alpha = 0.01f;
        std::mt19937_64 generator(0);
        std::vector<std::size_t> order(x.size());
        seconds.push_back(bench::seconds_of([&] {
            for (int epoch = 0; epoch < epochs; ++epoch) {
                std::iota(order.begin(), order.end(), std::size_t(0));
                std::shuffle(order.begin(), order.end(), generator);
                const auto batch = std::size_t(workload.batch_size);
                // tiny-dnn's cross_entropy takes log(p) unclamped: with Adam on W1 the loss turns
                // NaN and nothing is learnt. Mean squared error on the sigmoid trains, at the same cost.
                if (binary) train_epoch<tiny_dnn::mse>(model, adam, x, y, order, batch);
                else if (workload.name == "W2") train_epoch<tiny_dnn::cross_entropy_multiclass>(model, adam, x, y, order, batch);
                else train_epoch<tiny_dnn::cross_entropy_multiclass>(model, sgd, x, y, order, batch);
            }
        }));
    }
#ifdef CNN_SINGLE_THREAD
    const int threads = 1;
#else
    const int threads = int(std::thread::hardware_concurrency());
#endif
    auto json = bench::report(workload.name, "tiny-dnn", threads, seconds);
    compare::add_figures(json, workload, data.x.rows(), epochs);
    const auto test_x = rows_of(data.test_x);
    neuro::Index correct = 0;
    for (std::size_t i = 0; i < test_x.size(); ++i) {
        const tiny_dnn::vec_t output = trained->predict(test_x[i]);
        const float predicted = binary ? float(output[0] > 0.5f)
                                       : float(std::max_element(output.begin(), output.end()) - output.begin());
        correct += predicted == data.test_y(neuro::Index(i), 0);
    }
    json["final_accuracy"] = double(correct) / double(test_x.size());
    json["accuracy_on"] = workload.name == "W2" ? "test" : "train";
    bench::print(json);
}

}  // namespace

int main(int argc, char** argv) { return compare::run(argc, argv, usage, run); }
