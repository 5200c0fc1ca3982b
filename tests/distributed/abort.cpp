// A callback that throws on rank 1 only, after the ranks agreed to train: the other ranks
// would wait for rank 1 in the next step forever, so the fit must end every rank instead,
// with rank 1's message (tests/distributed/CMakeLists.txt checks the output).

#include <neuro/distributed/mpi.hpp>
#include <neuro/neuro.hpp>

#include <cstdio>
#include <stdexcept>

int main(int argc, char** argv) {
    neuro::MpiEnvironment mpi(argc, argv);
    neuro::MpiCommunicator world;
    neuro::Sequential<double> model(1);
    model.add(neuro::Dense<double>(2, 1));
    model.compile(neuro::SGD<double>(0.1), neuro::MeanSquaredError<double>());
    model.set_communicator(&world);
    const neuro::Matrix<double> x = neuro::Matrix<double>::Ones(8, 2);
    const neuro::Matrix<double> y = neuro::Matrix<double>::Zero(8, 1);
    neuro::LambdaCallback<double> failing_checkpoint;
    failing_checkpoint.epoch_end = [&](neuro::Sequential<double>&, int, const neuro::Logs&) {
        if (world.rank() == 1) throw std::runtime_error("checkpoint disk full on rank 1");
    };
    model.fit(x, y, neuro::FitOptions{.epochs = 3, .batch_size = 4, .verbose = 0}, {&failing_checkpoint});
    std::printf("rank %d: fit returned although rank 1 failed\n", world.rank());
    return 1;
}
