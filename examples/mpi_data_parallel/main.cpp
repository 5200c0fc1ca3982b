// mpi_data_parallel: workload W2 (Fashion-MNIST MLP) trained data-parallel over MPI ranks.
//
//   mpirun -np 2 ./mpi_data_parallel --epochs 5
//
// Every rank loads the whole data set and builds the same model; fit gives each rank its
// share of every batch of 128 and sums the gradients over the ranks, so the run trains the
// model a single process would (to rounding) in less time per epoch. Rank 0 prints.

#include "../fashion_mnist/w2_model.hpp"

#include <neuro/distributed/mpi.hpp>
#include <neuro/neuro.hpp>

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace {

// One contiguous image per row: each shuffled batch then copies whole images, several times
// faster than gathering them from a column-major matrix (see neuro::RowMatrix).
using Images = neuro::RowMatrix<float>;

constexpr std::string_view usage = R"(usage: mpirun -np RANKS mpi_data_parallel [options]

Trains W2, Dense(784, 512) ReLU Dense(512, 256) ReLU Dense(256, 10) Softmax, on
Fashion-MNIST with Adam (lr 0.001) and batches of 128 split over the MPI ranks, then
prints the test accuracy. Every rank reads the data (apt-get install dataset-fashion-mnist).

options:
  --epochs N          passes over the training data (default 5)
  --seed N            seeds the initial weights and the shuffling (default 42)
  --train-samples N   train on the first N training images only (default: all 60000)
  --data DIR          the directory of the four IDX files
                      (default /usr/share/datasets/fashion-mnist)
  -h, --help          print this help and exit
)";

struct Options {
    int epochs = 5;
    std::uint64_t seed = 42;
    std::optional<neuro::Index> train_samples;
    std::filesystem::path data = neuro::fashion_mnist_directory;
    bool show_help = false;
};

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

template <class Number>
Number whole_number(std::string_view flag, std::string_view text) {
    Number number{};
    const auto [stop, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc{} || stop != text.data() + text.size() || number < 1)
        throw UsageError(fmt::format("{}: expected a whole number of at least 1, got '{}'", flag, text));
    return number;
}

/// Flags as in examples/fashion_mnist: "--epochs 5" or "--epochs=5".
Options parse_arguments(std::span<char* const> arguments) {
    Options options;
    for (std::size_t index = 0; index < arguments.size(); ++index) {
        std::string_view flag = arguments[index];
        if (flag == "-h" || flag == "--help") {
            options.show_help = true;
            return options;
        }
        std::string_view value;
        if (const auto equals = flag.find('='); equals != std::string_view::npos) {
            value = flag.substr(equals + 1);
            flag = flag.substr(0, equals);
        } else if (index + 1 < arguments.size()) {
            value = arguments[++index];
        } else {
            throw UsageError(fmt::format("{}: missing value", flag));
        }
        if (flag == "--epochs") options.epochs = whole_number<int>(flag, value);
        else if (flag == "--seed") options.seed = whole_number<std::uint64_t>(flag, value);
        else if (flag == "--train-samples") options.train_samples = whole_number<neuro::Index>(flag, value);
        else if (flag == "--data") options.data = std::filesystem::path(value);
        else throw UsageError(fmt::format("unknown flag '{}'", flag));
    }
    return options;
}

/// Loads the data on this rank; every rank learns whether all of them could, so that a
/// missing file on one machine ends the run everywhere instead of leaving the others waiting.
neuro::FashionMnist<float, Images> load_on_every_rank(const Options& options, neuro::Communicator& world) {
    std::optional<neuro::FashionMnist<float, Images>> data;
    std::string failure;
    try {
        data = neuro::load_fashion_mnist<float, Images>(options.data);
    } catch (const std::exception& error) {
        failure = error.what();
    }
    const int failed = world.first_failure(!failure.empty());
    if (failed >= 0)
        throw std::runtime_error(failure.empty() ? fmt::format("rank {} could not load the data", failed) : failure);
    if (options.train_samples) {
        const neuro::Index kept = std::min(*options.train_samples, data->train.samples());
        data->train.x.conservativeResize(kept, Eigen::NoChange);
        data->train.y.conservativeResize(kept, Eigen::NoChange);
    }
    return std::move(*data);
}

void run(const Options& options, neuro::MpiCommunicator& world) {
    const auto data = load_on_every_rank(options, world);
    auto model = w2::model(options.seed);
    model.set_communicator(&world);
    const bool reports = world.rank() == 0;
    if (reports)
        fmt::print("W2 on {} ranks: {} training and {} test images, batch 128 split over the ranks\n", world.size(),
                   data.train.samples(), data.test.samples());
    const auto start = std::chrono::steady_clock::now();
    model.fit(data.train.x, data.train.y,
              neuro::FitOptions{.epochs = options.epochs, .batch_size = w2::batch_size, .seed = options.seed, .verbose = 1});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const neuro::Evaluation test = model.evaluate(data.test.x, data.test.y);  // every rank gets it
    if (reports)
        fmt::print("training: {:.1f} s, {:.0f} samples/s\ntest loss      {:.4f}\ntest accuracy  {:.4f}\n", seconds,
                   double(data.train.samples()) * options.epochs / seconds, test.loss, test.metrics.at("accuracy"));
}

}  // namespace

int main(int argc, char** argv) {
    neuro::MpiEnvironment mpi(argc, argv);
    neuro::MpiCommunicator world;
    try {
        const std::span<char* const> command_line(argv, static_cast<std::size_t>(argc));
        const Options options = parse_arguments(command_line.subspan(std::min<std::size_t>(1, command_line.size())));
        if (options.show_help) {
            if (world.rank() == 0) fmt::print("{}", usage);
            return 0;
        }
        run(options, world);
        return 0;
    } catch (const UsageError& error) {  // the same on every rank, so every rank returns
        if (world.rank() == 0)
            fmt::print(stderr, "mpi_data_parallel: {}\nRun 'mpi_data_parallel --help' for usage.\n", error.what());
        return 2;
    } catch (const std::exception& error) {  // neuro::Error (the same on every rank), missing data
        fmt::print(stderr, "mpi_data_parallel (rank {}): {}\n", world.rank(), error.what());
        return 1;
    }
}
