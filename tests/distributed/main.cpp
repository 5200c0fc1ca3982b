// main() for the data-parallel tests: Catch2 runs on every rank between MPI's start and end.
// A rank that fails still returns normally, so every rank reaches MPI_Finalize.

#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <neuro/distributed/mpi.hpp>

int main(int argc, char** argv) {
    neuro::MpiEnvironment mpi(argc, argv);
    // Catch prints fixed-point decimals: enough of them that a relative difference of 1e-16
    // reads as such in a failure rather than as 0.0.
    Catch::StringMaker<double>::precision = 20;
    Catch::StringMaker<float>::precision = 12;
    Catch::Session session;
    // Every rank reports; the failing assertions name the rank in their messages.
    const int failures = session.run(argc, argv);
    int any_failures = failures;
    MPI_Allreduce(MPI_IN_PLACE, &any_failures, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return any_failures == 0 ? 0 : 1;
}
