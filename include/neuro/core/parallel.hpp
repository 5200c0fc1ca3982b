#pragma once
// Work split into contiguous slices, one per thread.
//
// Besides its products, a training step makes passes that memory, not arithmetic, bounds: the
// optimizer's update, the gradients' finiteness check, activations, the bias's sum. Left on
// one thread while the products ran on two, they took a quarter of a W3 step. Passes over
// fewer than serial_pass_values values stay on the calling thread: handing work to another
// costs more than it saves (W1's passes hold a few thousand values). W2's activations (32K
// and 64K values) are worth splitting since the workers poll: at 2 threads, W2 ran 1.06x
// faster with the limit at 2^15 than at 2^18; 2^14 and 2^16 were slower than 2^15.

#include "neuro/core/thread_pool.hpp"
#include "neuro/core/threads.hpp"
#include "neuro/core/types.hpp"
#include "neuro/core/vectorized.hpp"

#include <algorithm>
#include <atomic>
#include <exception>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace neuro::detail {

/// Values below which an elementwise pass stays on one thread.
inline constexpr double serial_pass_values = 1 << 15;

/// Whether the calling thread runs a slice, or is in an OpenMP parallel region: work it
/// splits would nest in work already split.
inline bool in_parallel_work() {
#ifdef _OPENMP
    if (omp_in_parallel()) return true;
#endif
    return ThreadPool::in_job();
}

/// The threads a pass over `values` values may use: num_threads(), or 1 below
/// serial_pass_values and in parallel work.
inline int pass_threads(double values) {
    return values >= serial_pass_values && !in_parallel_work() ? num_threads() : 1;
}

/// Calls body(first, count) on up to `threads` contiguous slices of [0, items), one per
/// thread of ThreadPool (the first on the calling thread), and returns whether every call
/// returned true. The slices run one after another on the calling thread when the pool is
/// busy with another thread's slices or when called from a slice. An exception from a slice
/// is rethrown once all are done.
template <class Body>
bool all_slices(Index items, int threads, Body&& body) {
    threads = static_cast<int>(std::clamp<Index>(items, 1, std::clamp(threads, 1, ThreadPool::max_parts)));
    if (threads == 1) return body(Index(0), items);
    std::atomic<bool> all{true};
    std::exception_ptr failure;
    std::atomic_flag failed;
    auto part_body = [&](int part) {
        const Index first = items * part / threads;
        try {
            if (!body(first, items * (part + 1) / threads - first)) all.store(false, std::memory_order_relaxed);
        } catch (...) {
            if (!failed.test_and_set()) failure = std::current_exception();
        }
    };
    if (!ThreadPool::instance().try_run(threads, part_body))
        for (int part = 0; part < threads; ++part) part_body(part);
    if (failure) std::rethrow_exception(failure);
    return all.load();
}

/// Calls body(first, count) on `threads` contiguous slices of [0, items); see all_slices.
template <class Body>
void for_slices(Index items, int threads, Body&& body) {
    all_slices(items, threads, [&](Index first, Index count) {
        body(first, count);
        return true;
    });
}

/// Calls body(first, count) on slices of the columns of `matrix` (first, count: columns), on
/// threads when the matrix holds at least serial_pass_values values.
template <class Matrix, class Body>
void for_column_slices(const Matrix& matrix, Body&& body) {
    for_slices(matrix.cols(), pass_threads(double(matrix.size())), body);
}

/// Whether every value is finite, the slices checked on threads when there are many.
template <Scalar T>
bool all_finite_in_slices(ConstVectorView<T> values) {
    return all_slices(values.size(), pass_threads(double(values.size())), [&](Index first, Index count) {
        return all_finite(values.segment(first, count));
    });
}

/// Columns [first, first + count) of a column-major matrix, as a view; an empty matrix (an
/// argument a layer does not read) stays empty.
template <Scalar T>
MatrixView<T> columns(MatrixView<T> matrix, Index first, Index count) {
    if (matrix.size() == 0) return matrix;
    return MatrixView<T>(matrix.data() + first * matrix.rows(), matrix.rows(), count);
}

template <Scalar T>
ConstMatrixView<T> columns(ConstMatrixView<T> matrix, Index first, Index count) {
    if (matrix.size() == 0) return matrix;
    return ConstMatrixView<T>(matrix.data() + first * matrix.rows(), matrix.rows(), count);
}

}  // namespace neuro::detail
