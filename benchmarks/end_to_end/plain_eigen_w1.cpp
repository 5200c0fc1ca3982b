// W1's peer: the same model, data, batches and update rule as bench_w1, trained by a plain
// hand-written Eigen loop with no library. It is what a careful programmer would write by
// hand (buffers sized once, products without temporaries), so the ratio of bench_w1's
// time to this one's is neuro's overhead. Only the data come from neuro, so that both
// programs see the same samples; nothing of neuro runs in the timed loop.

#include "harness.hpp"
#include "workloads.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

namespace {

constexpr std::string_view usage = R"(usage: bench_w1_plain_eigen [--threads N] [--repeats R]

Trains W1 (Dense 10-64-64-1, Adam 1e-3, binary cross-entropy from the logits, batch 32,
shuffled every epoch, 10 epochs on the 1000 samples of the seed problem) with a plain
Eigen loop, R times from the same weights, and prints one JSON object in the shape
bench_w1 prints.

  --threads N   threads for Eigen's matrix products (default 1; needs OpenMP)
  --repeats R   timed runs (default 3)
)";

using Eigen::Index;
using Matrix = Eigen::MatrixXf;
using Vector = Eigen::VectorXf;

constexpr float learning_rate = 1e-3f;
constexpr float beta1 = 0.9f;
constexpr float beta2 = 0.999f;
constexpr float epsilon = 1e-8f;

/// A parameter array with its gradient and Adam's two moments, all of one shape.
template <class Array>
struct Parameter {
    Array value;
    Array gradient;
    Array first_moment;
    Array second_moment;

    explicit Parameter(Array initial)
        : value(std::move(initial)), gradient(Array::Zero(value.rows(), value.cols())),
          first_moment(Array::Zero(value.rows(), value.cols())),
          second_moment(Array::Zero(value.rows(), value.cols())) {}

    // PyTorch's Adam: step_size = lr / (1 - beta1^t), correction = sqrt(1 - beta2^t).
    void adam_update(float step_size, float correction) {
        first_moment = beta1 * first_moment + (1 - beta1) * gradient;
        second_moment = beta2 * second_moment + (1 - beta2) * gradient.cwiseAbs2();
        value.array() -= step_size * first_moment.array() / (second_moment.array().sqrt() / correction + epsilon);
    }
};

/// One fully connected layer and its batch buffers (width x largest batch): the output
/// (after ReLU in hidden layers, the logits in the last) and the loss's gradient with
/// respect to the layer's pre-activation.
struct Layer {
    Parameter<Matrix> weight;  // outputs x inputs
    Parameter<Vector> bias;
    Matrix output;
    Matrix delta;
};

struct Network {
    std::vector<Layer> layers;
    Matrix batch_input;   // features x batch
    Matrix batch_labels;  // 1 x batch
    std::int64_t steps = 0;
};

/// Glorot-uniform weights (the W1 model's initializer), zero biases, buffers for `batch`.
Network make_network(Index features, Index batch) {
    std::mt19937 generator(bench::model_seed);
    Network network{{}, Matrix(features, batch), Matrix(1, batch)};
    for (const auto& [inputs, outputs] : bench::w1.layers) {
        const float limit = std::sqrt(6.0f / float(inputs + outputs));
        std::uniform_real_distribution<float> uniform(-limit, limit);
        const Matrix weight = Matrix::NullaryExpr(outputs, inputs, [&] { return uniform(generator); });
        network.layers.push_back({Parameter<Matrix>(weight), Parameter<Vector>(Vector::Zero(outputs)),
                                  Matrix(outputs, batch), Matrix(outputs, batch)});
    }
    return network;
}

/// The first `batch` columns of a buffer: the short last batch reuses the same memory.
auto columns(Matrix& buffer, Index batch) { return buffer.leftCols(batch); }

void forward(Network& network, Index batch) {
    for (std::size_t i = 0; i < network.layers.size(); ++i) {
        Layer& layer = network.layers[i];
        auto output = columns(layer.output, batch);
        const auto input = i == 0 ? columns(network.batch_input, batch) : columns(network.layers[i - 1].output, batch);
        output.noalias() = layer.weight.value * input;
        output.colwise() += layer.bias.value;
        if (i + 1 < network.layers.size()) output = output.cwiseMax(0.0f);
    }
}

/// Binary cross-entropy from the logits z, max(z, 0) - z y + log(1 + exp(-|z|)), averaged
/// over the batch; leaves its gradient, (sigmoid(z) - y) / batch, in the last layer's delta.
float loss_and_output_delta(Network& network, Index batch) {
    Layer& last = network.layers.back();
    const auto logits = columns(last.output, batch).array();
    const auto labels = columns(network.batch_labels, batch).array();
    const float loss = (logits.max(0.0f) - logits * labels + (-logits.abs()).exp().log1p()).sum() / float(batch);
    columns(last.delta, batch) = ((1.0f + (-logits).exp()).inverse() - labels) / float(batch);
    return loss;
}

/// Gradients of every parameter from the deltas, back to front; no input gradient for the
/// first layer, which nothing needs.
void backward(Network& network, Index batch) {
    for (std::size_t i = network.layers.size(); i-- > 0;) {
        Layer& layer = network.layers[i];
        const auto delta = columns(layer.delta, batch);
        const auto input = i == 0 ? columns(network.batch_input, batch) : columns(network.layers[i - 1].output, batch);
        layer.weight.gradient.noalias() = delta * input.transpose();
        layer.bias.gradient.noalias() = delta.rowwise().sum();
        if (i == 0) break;
        Layer& previous = network.layers[i - 1];
        auto previous_delta = columns(previous.delta, batch);
        previous_delta.noalias() = layer.weight.value.transpose() * delta;
        // ReLU passes the gradient where its output was positive. A lambda rather than
        // select(): Eigen 3.4 evaluates select() with a branch per element, and on data
        // with random signs that costs about 50 times more.
        const auto relu_gradient = [](float gradient, float output) { return output > 0.0f ? gradient : 0.0f; };
        previous_delta = previous_delta.binaryExpr(columns(previous.output, batch), relu_gradient);
    }
}

void adam_step(Network& network) {
    const double t = double(++network.steps);
    const float step_size = float(learning_rate / (1 - std::pow(double(beta1), t)));
    const float correction = float(std::sqrt(1 - std::pow(double(beta2), t)));
    for (Layer& layer : network.layers) {
        layer.weight.adam_update(step_size, correction);
        layer.bias.adam_update(step_size, correction);
    }
}

/// Trains for `epochs`, each over a fresh shuffle in batches of `batch_size`; returns the
/// last epoch's mean loss.
double train(Network& network, const Matrix& x, const Matrix& y, int epochs, Index batch_size) {
    std::vector<Index> order(std::size_t(x.rows()));
    std::iota(order.begin(), order.end(), Index(0));
    std::mt19937_64 generator(0);
    double epoch_loss = 0;
    for (int epoch = 0; epoch < epochs; ++epoch) {
        std::shuffle(order.begin(), order.end(), generator);
        epoch_loss = 0;
        for (Index start = 0; start < x.rows(); start += batch_size) {
            const Index batch = std::min(batch_size, x.rows() - start);
            for (Index j = 0; j < batch; ++j) {
                const Index row = order[std::size_t(start + j)];
                network.batch_input.col(j) = x.row(row).transpose();
                network.batch_labels(0, j) = y(row, 0);
            }
            forward(network, batch);
            epoch_loss += double(loss_and_output_delta(network, batch)) * double(batch);
            backward(network, batch);
            adam_step(network);
        }
        epoch_loss /= double(x.rows());
    }
    return epoch_loss;
}

/// The fraction of samples whose logit's sign gives their label (untimed, so plainly written).
double training_accuracy(const Network& network, const Matrix& x, const Matrix& y) {
    Matrix activations = x.transpose();
    for (std::size_t i = 0; i < network.layers.size(); ++i) {
        const Layer& layer = network.layers[i];
        Matrix output = (layer.weight.value * activations).colwise() + layer.bias.value;
        activations = i + 1 < network.layers.size() ? Matrix(output.cwiseMax(0.0f)) : output;
    }
    return ((activations.transpose().array() > 0.0f) == (y.array() > 0.5f)).cast<double>().mean();
}

void run(const bench::Options& options) {
    const int threads = bench::use_library_threads(options.threads);
    const auto data = bench::w1_data();
    const Index batch = bench::w1.batch_size;
    const auto runs = bench::time_repeats(
        options.repeats, [&] { return make_network(data.x.cols(), batch); },
        [&](Network& network) { return train(network, data.x, data.y, bench::w1.epochs, batch); });
    const int steps = bench::steps_of(bench::w1, data.x.rows(), bench::w1.epochs);
    auto json = bench::report("W1", "plain-eigen", threads, runs.seconds);
    json["steps"] = steps;
    json["per_step_us"] = json["median_seconds"].get<double>() / steps * 1e6;
    json["final_loss"] = runs.result;
    json["final_accuracy"] = training_accuracy(runs.model, data.x, data.y);
    json["accuracy_on"] = "train";
    bench::print(json);
}

}  // namespace

int main(int argc, char** argv) { return bench::run(argc, argv, usage, {}, {}, run); }
