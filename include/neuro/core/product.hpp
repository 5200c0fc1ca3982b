#pragma once
// The matrix product every Dense layer runs, with a thread policy for small products.
//
// Eigen splits any product of more than about 100,000 multiply-adds over its OpenMP
// threads. For the products of a small network (W1: at most 64 x 64 x 32) waking a second
// thread costs more than it saves: W1 ran several times slower at 2 threads than at 1.
// Products below serial_product_work stay on the calling thread: a matrix-vector or outer
// product on Eigen's kernels for those, a * b and a * b^T on small_product (no packing),
// a^T * b on Eigen's general kernel.

#include "neuro/core/small_product.hpp"
#include "neuro/core/types.hpp"

#include <Eigen/Core>

namespace neuro::detail {

/// Multiply-adds below which a product stays on one thread.
inline constexpr double serial_product_work = 1 << 20;

/// result = op(a) * op(b), op transposing where asked; result must not overlap a or b.
template <bool TransposeA, bool TransposeB, Scalar T>
void multiply(ConstMatrixView<T> a, ConstMatrixView<T> b, MatrixView<T> result) {
    const Index depth = TransposeA ? a.rows() : a.cols();
    const double work = double(result.rows()) * double(result.cols()) * double(depth);
    // Eigen never threads a matrix-vector or outer product, and its kernels for them beat
    // the general product's packing.
    if (work >= serial_product_work || result.rows() == 1 || result.cols() == 1 || depth == 1) {
        if constexpr (TransposeA && TransposeB) result.noalias() = a.transpose() * b.transpose();
        else if constexpr (TransposeA) result.noalias() = a.transpose() * b;
        else if constexpr (TransposeB) result.noalias() = a * b.transpose();
        else result.noalias() = a * b;
        return;
    }
    if constexpr (!TransposeA) {
        if (small_product_vectorizes<T>(result.rows())) {
            small_product<TransposeB>(a, b, result);
            return;
        }
    }
    result.setZero();
    if (work == 0) return;
    // A transposed column-major operand is the same memory read row-major, stride unchanged.
    using Kernel = Eigen::internal::general_matrix_matrix_product<
        Index, T, TransposeA ? Eigen::RowMajor : Eigen::ColMajor, false, T,
        TransposeB ? Eigen::RowMajor : Eigen::ColMajor, false, Eigen::ColMajor, 1>;
    Eigen::internal::gemm_blocking_space<Eigen::ColMajor, T, T, Eigen::Dynamic, Eigen::Dynamic, Eigen::Dynamic>
        blocking(result.rows(), result.cols(), depth, 1, true);
    Kernel::run(result.rows(), result.cols(), depth, a.data(), a.rows(), b.data(), b.rows(), result.data(), 1,
                result.rows(), T(1), blocking, nullptr);
}

}  // namespace neuro::detail
