#pragma once
// The matrix vocabulary every neuro header speaks.
//
// Inside the library, a batch is a column-major matrix of features x batch: one column per
// sample, so that a Dense layer is one GEMM (Y = W * X). At the public boundary (fit,
// predict, evaluate) data is N x F, one sample per row, as users keep it.

#include <Eigen/Core>

#include <concepts>

namespace neuro {

using Index = Eigen::Index;

/// The scalar types a model can be built on.
template <class T>
concept Scalar = std::same_as<T, float> || std::same_as<T, double>;

template <Scalar T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;

/// One sample per row, each stored contiguously. fit, evaluate and predict take it as they
/// take Matrix; for data sets larger than the cache it is the faster layout, because each
/// shuffled batch then copies whole samples. From a column-major matrix, every value of a
/// randomly chosen row lies on another page (Fashion-MNIST: 1.7 ms against 0.1 ms a batch).
template <Scalar T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <Scalar T>
using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;

/// A writable view of a column-major matrix; layers read and write batches through these
/// so that the buffers behind them can be sized once and reused for any batch size.
template <Scalar T>
using MatrixView = Eigen::Map<Matrix<T>>;

template <Scalar T>
using ConstMatrixView = Eigen::Map<const Matrix<T>>;

template <Scalar T>
using VectorView = Eigen::Map<Vector<T>>;

template <Scalar T>
using ConstVectorView = Eigen::Map<const Vector<T>>;

/// The read-only view of the same memory.
template <Scalar T>
ConstMatrixView<T> read_only(const MatrixView<T>& view) {
    return ConstMatrixView<T>(view.data(), view.rows(), view.cols());
}

/// Matrix<T> or RowMatrix<T>: what a loader can fill, one sample per row.
template <class M, class T>
concept SampleMatrixOf = std::same_as<M, Matrix<T>> || std::same_as<M, RowMatrix<T>>;

/// Any Eigen dense matrix or array expression whose scalar is T (row- or column-major).
template <class M, class T>
concept DenseOf = std::derived_from<M, Eigen::DenseBase<M>> && std::same_as<typename M::Scalar, T>;

}  // namespace neuro
