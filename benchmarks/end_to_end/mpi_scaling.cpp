// Data-parallel scaling over MPI: W2 and W3 trained by one process, then by all the ranks of
// the job, and the share of the distributed step time spent in the gradient allreduce.
//
//   mpirun -np 2 bench_mpi_scaling [--repeats R]
//
// Prints one JSON object per workload (rank 0): the median fit seconds of 1 rank and of N,
// the speedup, the scaling efficiency (speedup / N) and the communication share.

#include "harness.hpp"
#include "workloads.hpp"

#include <neuro/distributed/mpi.hpp>

#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::string_view usage = R"(usage: mpirun -np N bench_mpi_scaling [--repeats R]

Times one epoch of W2 (Fashion-MNIST MLP, batch 128) and of W3 (1024-2048-2048-10, batch
512) trained first by rank 0 alone (the other ranks wait), then data-parallel by all N
ranks (each one Eigen thread), R times each from the same weights. Prints per workload one
JSON object: the median seconds of both, the speedup, the scaling efficiency (speedup / N)
and the share of the distributed fit's time spent in the allreduce of the gradients, which
includes the wait for the slowest rank. Fashion-MNIST comes from dataset-fashion-mnist.

  --repeats R   timed runs of each (default 3)
)";

/// The MPI communicator, timing its allreduce (for the communication share).
class TimedCommunicator final : public neuro::Communicator {
public:
    explicit TimedCommunicator(neuro::MpiCommunicator& mpi) : mpi_(mpi) {}

    int rank() const override { return mpi_.rank(); }
    int size() const override { return mpi_.size(); }
    void allreduce_sum(std::span<float> values) override { timed([&] { mpi_.allreduce_sum(values); }); }
    void allreduce_sum(std::span<double> values) override { timed([&] { mpi_.allreduce_sum(values); }); }
    using Communicator::broadcast;
    void broadcast(std::span<std::byte> bytes, int root) override { mpi_.broadcast(bytes, root); }
    int first_failure(bool failed) override { return mpi_.first_failure(failed); }
    [[noreturn]] void abort(const std::string& message) override { mpi_.abort(message); }

    double allreduce_seconds = 0;

private:
    template <class Work>
    void timed(Work&& work) {
        allreduce_seconds += bench::seconds_of(work);
    }

    neuro::MpiCommunicator& mpi_;
};

template <class MakeModel>
void measure(std::string_view name, const bench::Workload& workload, MakeModel&& make_model,
             const neuro::RowMatrix<float>& x, const neuro::Matrix<float>& y, int repeats,
             neuro::MpiCommunicator& world) {
    const auto options = bench::fit_options(workload, 1);
    std::vector<double> alone;
    std::vector<double> together;
    std::vector<double> communication_shares;
    for (int repeat = 0; repeat < repeats; ++repeat) {
        MPI_Barrier(world.handle());
        if (world.rank() == 0) {
            auto model = make_model();
            alone.push_back(bench::seconds_of([&] { model.fit(x, y, options); }));
        }
        MPI_Barrier(world.handle());
        TimedCommunicator timed(world);
        auto model = make_model();
        model.set_communicator(&timed);
        const double seconds = bench::seconds_of([&] { model.fit(x, y, options); });
        together.push_back(seconds);
        communication_shares.push_back(timed.allreduce_seconds / seconds);
    }
    if (world.rank() != 0) return;
    const double one = bench::median(alone);
    const double all = bench::median(together);
    auto json = bench::report(name, "neuro-mpi", 1, together);
    json["ranks"] = world.size();
    json["samples"] = x.rows();
    json["median_seconds_1_rank"] = one;
    json["seconds_1_rank"] = alone;
    json["speedup"] = one / all;
    json["scaling_efficiency"] = one / all / world.size();
    json["communication_share"] = bench::median(communication_shares);
    bench::print(json);
}

void run(const bench::Options& options, neuro::MpiCommunicator& world) {
    bench::use_threads(1);
    const auto fashion = neuro::load_fashion_mnist<float, neuro::RowMatrix<float>>();
    measure("W2", bench::w2, bench::w2_model, fashion.train.x, fashion.train.y, options.repeats, world);
    const auto w3 = bench::w3_data();
    const neuro::RowMatrix<float> w3_x = w3.x;  // row-major, as bench_w3's
    measure("W3", bench::w3, bench::w3_model, w3_x, w3.y, options.repeats, world);
}

}  // namespace

int main(int argc, char** argv) {
    neuro::MpiEnvironment mpi(argc, argv);
    neuro::MpiCommunicator world;
    return bench::run(argc, argv, usage, {}, {}, [&](const bench::Options& options) { run(options, world); });
}
