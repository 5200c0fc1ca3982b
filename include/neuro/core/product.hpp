#pragma once
// The matrix product every Dense layer runs, and how it is spread over threads.
//
// Products below serial_product_work stay on the calling thread: waking a second thread
// costs more than it saves (W1, at most 64 x 64 x 32, ran several times slower at 2 threads
// than at 1). Matrix-vector products run Eigen's kernel for them; a * b and
// a * b^T small_product (no packing); the rest Eigen's packed kernel, in buffers that are
// reused, and above serial_product_work split by rows or columns over threads (parallel.hpp).
// With NEURO_USE_OPENBLAS, the large products are OpenBLAS's (through Eigen), split over the
// same threads when OpenBLAS runs on one thread (see threads.hpp), else threaded by its pool.

#include "neuro/core/parallel.hpp"
#include "neuro/core/small_product.hpp"
#include "neuro/core/types.hpp"

#include <Eigen/Core>

#include <array>
#include <cstddef>
#include <vector>

namespace neuro::detail {

/// Multiply-adds below which a product stays on one thread.
inline constexpr double serial_product_work = 1 << 20;

/// Eigen's packing blocks for one product. Eigen puts a block on the stack up to
/// EIGEN_STACK_ALLOCATION_LIMIT (128 KiB) and on the heap above, for every product: W2's
/// training step made 7 such allocations. Blocks above the limit go to buffers kept per
/// thread instead, which grow to the largest product the thread has run, then stay.
template <Scalar T>
class ReusedBlocking : public Eigen::internal::level3_blocking<T, T> {
public:
    ReusedBlocking(Index rows, Index columns, Index depth) {
        this->m_mc = rows;
        this->m_nc = columns;
        this->m_kc = depth;
        Eigen::internal::computeProductBlockingSizes<T, T>(this->m_kc, this->m_mc, this->m_nc, Index(1));
        this->m_blockA = buffer(0, this->m_kc * this->m_mc);
        this->m_blockB = buffer(1, this->m_kc * this->m_nc);
    }

private:
    // nullptr: Eigen's stack block.
    static T* buffer(std::size_t which, Index size) {
        if (static_cast<std::size_t>(size) * sizeof(T) <= EIGEN_STACK_ALLOCATION_LIMIT) return nullptr;
        thread_local std::array<std::vector<T, Eigen::aligned_allocator<T>>, 2> buffers;
        auto& storage = buffers[which];
        if (storage.size() < static_cast<std::size_t>(size)) storage.resize(static_cast<std::size_t>(size));
        return storage.data();
    }
};

/// result = op(a) * op(b), or result += op(a) * op(b) when Add, on Eigen's packed kernel, on
/// the calling thread; the operands and the result as pointers and leading dimensions, so
/// that a thread can take a block of rows or columns.
template <bool TransposeA, bool TransposeB, bool Add, Scalar T>
void packed_product(Index rows, Index columns, Index depth, const T* a, Index lda, const T* b, Index ldb,
                    T* result, Index ldr) {
    if constexpr (!Add) {  // the kernel adds to the result; one memset where the columns are adjacent
        if (ldr == rows)
            MatrixView<T>(result, rows, columns).setZero();
        else
            Eigen::Map<Matrix<T>, 0, Eigen::OuterStride<>>(result, rows, columns, Eigen::OuterStride<>(ldr)).setZero();
    }
    if (rows == 0 || columns == 0 || depth == 0) return;
    // A transposed column-major operand is the same memory read row-major, stride unchanged.
    using Kernel = Eigen::internal::general_matrix_matrix_product<
        Index, T, TransposeA ? Eigen::RowMajor : Eigen::ColMajor, false, T,
        TransposeB ? Eigen::RowMajor : Eigen::ColMajor, false, Eigen::ColMajor, 1>;
    ReusedBlocking<T> blocking(rows, columns, depth);
    Kernel::run(rows, columns, depth, a, lda, b, ldb, result, 1, ldr, T(1), blocking, nullptr);
}

/// As packed_product, on OpenBLAS through Eigen's BLAS binding (EIGEN_USE_BLAS).
template <bool TransposeA, bool TransposeB, bool Add, Scalar T>
void blas_product(Index rows, Index columns, Index depth, const T* a, Index lda, const T* b, Index ldb, T* result,
                  Index ldr) {
    using Strided = Eigen::OuterStride<>;
    using ConstMap = Eigen::Map<const Matrix<T>, 0, Strided>;
    const ConstMap a_map(a, TransposeA ? depth : rows, TransposeA ? rows : depth, Strided(lda));
    const ConstMap b_map(b, TransposeB ? columns : depth, TransposeB ? depth : columns, Strided(ldb));
    const auto op_a = [&] { if constexpr (TransposeA) return a_map.transpose(); else return a_map; };
    const auto op_b = [&] { if constexpr (TransposeB) return b_map.transpose(); else return b_map; };
    Eigen::Map<Matrix<T>, 0, Strided> result_map(result, rows, columns, Strided(ldr));
    // Eigen too zeroes the result and has OpenBLAS add to it; here the zeroing runs on the
    // thread that owns the block.
    if constexpr (!Add) result_map.setZero();
    result_map.noalias() += op_a() * op_b();
}

/// The kernel of a product: Eigen's packed one, or OpenBLAS's.
enum class Kernel { eigen, blas };

template <Kernel kernel, bool TransposeA, bool TransposeB, bool Add, Scalar T>
void block_product(Index rows, Index columns, Index depth, const T* a, Index lda, const T* b, Index ldb, T* result,
                   Index ldr) {
    if constexpr (kernel == Kernel::blas)
        blas_product<TransposeA, TransposeB, Add>(rows, columns, depth, a, lda, b, ldb, result, ldr);
    else
        packed_product<TransposeA, TransposeB, Add>(rows, columns, depth, a, lda, b, ldb, result, ldr);
}

/// The threads a product of `work` multiply-adds may use: num_threads(), or 1 below
/// serial_product_work, in parallel work, and while OpenBLAS threads the product by its own
/// pool (a split would nest the two).
inline int product_threads(double work) {
    if (work < serial_product_work || in_parallel_work()) return 1;
#ifdef NEURO_USE_OPENBLAS
    if (openblas_get_num_threads() > 1) return 1;
#endif
    return num_threads();
}

/// result (+)= op(a) * op(b), its rows or columns split evenly over `threads` threads.
/// Each thread packs and multiplies its own block, so that none waits on another until all
/// are done. Eigen's own threaded product shares packed blocks between threads that spin
/// while they wait: on a machine busy with other work, W2 ran 6 times slower at 2 threads
/// than at 1. Every thread packs all of the operand its block shares, op(a) for a block of
/// columns and op(b) for one of rows, so the split is the one that shares the smaller.
template <Kernel kernel, bool TransposeA, bool TransposeB, bool Add, Scalar T>
void threaded_product(ConstMatrixView<T> a, ConstMatrixView<T> b, MatrixView<T> result, Index depth, int threads) {
    const Index rows = result.rows(), ldr = result.rows();
    if (rows > result.cols()) {
        for_slices(rows, threads, [&](Index first, Index count) {
            // Rows [first, first + count) of op(a): columns of a when it is transposed.
            const T* a_block = a.data() + (TransposeA ? first * a.rows() : first);
            block_product<kernel, TransposeA, TransposeB, Add>(count, result.cols(), depth, a_block, a.rows(),
                                                               b.data(), b.rows(), result.data() + first, ldr);
        });
    } else {
        for_slices(result.cols(), threads, [&](Index first, Index count) {
            // Columns [first, first + count) of op(b): rows of b when it is transposed.
            const T* b_block = b.data() + (TransposeB ? first : first * b.rows());
            block_product<kernel, TransposeA, TransposeB, Add>(rows, count, depth, a.data(), a.rows(), b_block,
                                                               b.rows(), result.data() + first * ldr, ldr);
        });
    }
}

/// result = op(a) * op(b), or result += op(a) * op(b) when Add; op transposes where asked;
/// result must not overlap a or b.
template <bool TransposeA, bool TransposeB, bool Add, Scalar T>
void product(ConstMatrixView<T> a, ConstMatrixView<T> b, MatrixView<T> result) {
    const Index depth = TransposeA ? a.rows() : a.cols();
    const double work = double(result.rows()) * double(result.cols()) * double(depth);
    // Eigen never threads a matrix-vector product, and its kernel for it beats the general
    // product's packing. Outer products (depth 1) go on below: Eigen would run them through
    // its general product, threaded by its own rules.
    if (result.rows() == 1 || result.cols() == 1) {
        const auto op_a = [&] { if constexpr (TransposeA) return a.transpose(); else return a; };
        const auto op_b = [&] { if constexpr (TransposeB) return b.transpose(); else return b; };
        if constexpr (Add) result.noalias() += op_a() * op_b();
        else result.noalias() = op_a() * op_b();
        return;
    }
    const int threads = product_threads(work);
#ifdef NEURO_USE_OPENBLAS
    if (work >= serial_product_work) {
        if (threads > 1) {
            threaded_product<Kernel::blas, TransposeA, TransposeB, Add>(a, b, result, depth, threads);
            return;
        }
        // Where OpenBLAS's own pool runs the product, the zeroing may still take neuro's.
        if constexpr (!Add)
            for_column_slices(result, [&](Index first, Index count) { columns(result, first, count).setZero(); });
        blas_product<TransposeA, TransposeB, true>(result.rows(), result.cols(), depth, a.data(), a.rows(), b.data(),
                                                   b.rows(), result.data(), result.rows());
        return;
    }
#endif
    if (threads > 1) {
        threaded_product<Kernel::eigen, TransposeA, TransposeB, Add>(a, b, result, depth, threads);
        return;
    }
    if (work < serial_product_work && small_product_vectorizes<T>(result.rows())) {
        if constexpr (!TransposeA) {
            small_product<TransposeB, Add>(a, b, result);
            return;
        } else if (a.rows() == 1 || small_transpose_fits<T>(a.size())) {
            small_product_transposed<TransposeB, Add>(a, b, result);
            return;
        }
    }
    packed_product<TransposeA, TransposeB, Add>(result.rows(), result.cols(), depth, a.data(), a.rows(), b.data(),
                                                b.rows(), result.data(), result.rows());
}

/// result = op(a) * op(b), op transposing where asked; result must not overlap a or b.
template <bool TransposeA, bool TransposeB, Scalar T>
void multiply(ConstMatrixView<T> a, ConstMatrixView<T> b, MatrixView<T> result) {
    product<TransposeA, TransposeB, false>(a, b, result);
}

/// result += op(a) * op(b): a term written to result first (a bias, a penalty's gradient)
/// is added by the product's own pass over result instead of one of its own.
template <bool TransposeA, bool TransposeB, Scalar T>
void multiply_add(ConstMatrixView<T> a, ConstMatrixView<T> b, MatrixView<T> result) {
    product<TransposeA, TransposeB, true>(a, b, result);
}

}  // namespace neuro::detail
