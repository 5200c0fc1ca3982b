// W1, W2 and W3 trained with libtorch (Debian's libtorch-dev), the C++ API of PyTorch, for
// benchmarks/compare/run.sh. The same models, data, batches and optimizers as neuro's
// bench_w1/w2/w3; prints one JSON object in their shape.

#include "peer_data.hpp"

#include <torch/torch.h>

#include <string_view>
#include <vector>

namespace {

constexpr std::string_view usage = R"(usage: libtorch_workloads W1|W2|W3 [--threads N] [--repeats R] [--epochs E]
Trains the workload with libtorch R times from the same seed; prints one JSON object.
)";

/// An N x F Eigen matrix as an N x F torch tensor (row-major copy).
torch::Tensor tensor_of(const neuro::Matrix<float>& m) {
    const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows = m;
    return torch::from_blob(const_cast<float*>(rows.data()), {m.rows(), m.cols()}).clone();
}

torch::nn::Sequential make_model(const bench::Workload& workload) {
    torch::manual_seed(42);
    torch::nn::Sequential model;
    for (std::size_t i = 0; i < workload.layers.size(); ++i) {
        model->push_back(torch::nn::Linear(workload.layers[i].inputs, workload.layers[i].outputs));
        if (i + 1 < workload.layers.size()) model->push_back(torch::nn::ReLU());
    }
    return model;
}

void run(const bench::Workload& workload, int epochs, const bench::Options& options) {
    torch::set_num_threads(options.threads);
    const auto data = compare::load(workload.name);
    const bool binary = workload.name == "W1";
    const torch::Tensor x = tensor_of(data.x);
    const torch::Tensor y = binary ? tensor_of(data.y) : tensor_of(data.y).squeeze(1).to(torch::kLong);
    const auto samples = x.size(0);
    std::vector<double> seconds;
    torch::nn::Sequential model = nullptr;
    double final_loss = 0;
    for (int repeat = 0; repeat < options.repeats; ++repeat) {
        model = make_model(workload);
        std::unique_ptr<torch::optim::Optimizer> optimizer;
        if (workload.name == "W3") optimizer = std::make_unique<torch::optim::SGD>(model->parameters(), 0.01);
        else optimizer = std::make_unique<torch::optim::Adam>(model->parameters(), 1e-3);
        torch::manual_seed(0);
        seconds.push_back(bench::seconds_of([&] {
            for (int epoch = 0; epoch < epochs; ++epoch) {
                const torch::Tensor order = torch::randperm(samples, torch::kLong);
                for (std::int64_t start = 0; start < samples; start += workload.batch_size) {
                    const torch::Tensor rows = order.slice(0, start, std::min(samples, start + workload.batch_size));
                    optimizer->zero_grad();
                    const torch::Tensor output = model->forward(x.index_select(0, rows));
                    const torch::Tensor target = y.index_select(0, rows);
                    const torch::Tensor loss = binary ? torch::binary_cross_entropy_with_logits(output, target)
                                                      : torch::nn::functional::cross_entropy(output, target);
                    loss.backward();
                    optimizer->step();
                    final_loss = loss.item<double>();
                }
            }
        }));
    }
    auto json = bench::report(workload.name, "libtorch", torch::get_num_threads(), seconds);
    compare::add_figures(json, workload, samples, epochs);
    json["final_loss"] = final_loss;
    torch::NoGradGuard no_gradients;
    const torch::Tensor output = model->forward(tensor_of(data.test_x));
    const torch::Tensor truth = tensor_of(data.test_y).squeeze(1);
    const torch::Tensor predicted = binary ? (output.squeeze(1) > 0).to(torch::kFloat) : output.argmax(1).to(torch::kFloat);
    json["final_accuracy"] = predicted.eq(truth).to(torch::kFloat).mean().item<double>();
    json["accuracy_on"] = workload.name == "W2" ? "test" : "train";
    bench::print(json);
}

}  // namespace

int main(int argc, char** argv) { return compare::run(argc, argv, usage, run); }
