#pragma once
// MPI for neuro: a Communicator over an MPI communicator, and MPI's start and end.
// Not part of neuro/neuro.hpp: include it (and link neuro::mpi) to train data-parallel.

#include "neuro/core/error.hpp"
#include "neuro/model/communicator.hpp"

#include <mpi.h>

#include <climits>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

namespace neuro {

/// Represents: MPI initialized for this process's lifetime: MPI_Init at construction (unless
/// someone already did it), MPI_Finalize at destruction (if it was this object's MPI_Init).
/// Create one at the start of main, before any MpiCommunicator.
class MpiEnvironment {
public:
    MpiEnvironment(int& argc, char**& argv) {
        int initialized = 0;
        MPI_Initialized(&initialized);
        if (!initialized) {
            if (MPI_Init(&argc, &argv) != MPI_SUCCESS) fail("MpiEnvironment: MPI_Init failed");
            owns_ = true;
        }
    }
    MpiEnvironment(const MpiEnvironment&) = delete;
    MpiEnvironment& operator=(const MpiEnvironment&) = delete;
    ~MpiEnvironment() {
        if (owns_) MPI_Finalize();
    }

private:
    bool owns_ = false;
};

/// Represents: the ranks of an MPI communicator (MPI_COMM_WORLD unless given another) as
/// neuro's Communicator, for Sequential::set_communicator.
/// Requires: MPI initialized (see MpiEnvironment) for as long as this object is used.
/// Ensures: allreduce_sum is one MPI_Allreduce (MPI_SUM), whose result Open MPI makes the
/// same on every rank; errors of MPI itself abort (MPI's default error handler).
class MpiCommunicator final : public Communicator {
public:
    explicit MpiCommunicator(MPI_Comm communicator = MPI_COMM_WORLD) : communicator_(communicator) {
        MPI_Comm_rank(communicator_, &rank_);
        MPI_Comm_size(communicator_, &size_);
    }

    int rank() const override { return rank_; }
    int size() const override { return size_; }

    void allreduce_sum(std::span<float> values) override { allreduce(values.data(), values.size(), MPI_FLOAT); }
    void allreduce_sum(std::span<double> values) override { allreduce(values.data(), values.size(), MPI_DOUBLE); }

    using Communicator::broadcast;
    void broadcast(std::span<std::byte> bytes, int root) override {
        MPI_Bcast(bytes.data(), count(bytes.size()), MPI_BYTE, root, communicator_);
    }

    int first_failure(bool failed) override {
        int rank = failed ? rank_ : INT_MAX;
        MPI_Allreduce(MPI_IN_PLACE, &rank, 1, MPI_INT, MPI_MIN, communicator_);
        return rank == INT_MAX ? -1 : rank;
    }

    [[noreturn]] void abort(const std::string& message) override {
        std::fprintf(stderr, "%s\nneuro: aborting all %d ranks\n", message.c_str(), size_);
        std::fflush(stderr);
        MPI_Abort(communicator_, 1);
        std::abort();  // MPI_Abort does not return; this tells the compiler so
    }

    MPI_Comm handle() const { return communicator_; }

private:
    static int count(std::size_t elements) {
        if (elements > static_cast<std::size_t>(INT_MAX))
            fail("MpiCommunicator: {} elements exceed what one MPI call takes ({})", elements, INT_MAX);
        return static_cast<int>(elements);
    }

    void allreduce(void* values, std::size_t elements, MPI_Datatype type) {
        if (elements == 0) return;  // every rank passes the same size, so all skip together
        MPI_Allreduce(MPI_IN_PLACE, values, count(elements), type, MPI_SUM, communicator_);
    }

    MPI_Comm communicator_;
    int rank_ = 0;
    int size_ = 1;
};

}  // namespace neuro
