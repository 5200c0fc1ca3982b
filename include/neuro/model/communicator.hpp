#pragma once
// Communicator: what a model needs from a group of processes to train data-parallel.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace neuro {

/// Represents: this process's place in a group of `size()` processes ("ranks") that run the
/// same program on the same data, and the few collective operations data-parallel training
/// needs. neuro/distributed/mpi.hpp implements it with MPI; nothing here depends on MPI, so
/// Sequential knows only this interface.
/// Requires: every rank calls the collective operations (all but rank, size and abort) in
/// the same order with spans of the same size, from one thread.
/// Ensures: after allreduce_sum every rank holds the same values, bit for bit.
class Communicator {
public:
    virtual ~Communicator() = default;

    /// This process's index in [0, size()); rank 0 is the one that reports.
    virtual int rank() const = 0;
    virtual int size() const = 0;

    /// Replaces `values` on every rank by their element-wise sum over all ranks.
    virtual void allreduce_sum(std::span<float> values) = 0;
    virtual void allreduce_sum(std::span<double> values) = 0;

    /// Copies `bytes` of rank `root` into `bytes` of every other rank.
    virtual void broadcast(std::span<std::byte> bytes, int root) = 0;

    /// The lowest rank that passed `failed` = true, or -1 when none did.
    virtual int first_failure(bool failed) = 0;

    /// Ends every rank's process at once after printing `message` (for a failure on one rank
    /// that the others could otherwise wait on forever).
    [[noreturn]] virtual void abort(const std::string& message) = 0;

    /// root's text on every rank.
    std::string broadcast(std::string text, int root) {
        auto length = static_cast<std::uint64_t>(text.size());
        broadcast(std::as_writable_bytes(std::span(&length, 1)), root);
        text.resize(static_cast<std::size_t>(length));
        broadcast(std::as_writable_bytes(std::span(text)), root);
        return text;
    }

protected:
    Communicator() = default;
    Communicator(const Communicator&) = default;
    Communicator& operator=(const Communicator&) = default;
};

}  // namespace neuro
