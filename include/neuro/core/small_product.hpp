#pragma once
// A matrix product for the small operands of small networks, without packing.
//
// Eigen's general product first copies ("packs") both operands into panels shaped for its
// kernel. That pays off when the panels are reused across large blocks; for W1's products
// (at most 64 x 64 x 32) packing took a third as long as the arithmetic. When the left
// operand is column-major, its columns are already what a kernel wants: a SIMD packet of
// rows at a time. This kernel reads them in place and broadcasts the right operand's
// scalars, keeping a block of up to 4 packets x 4 columns of the result in registers.

#include "neuro/core/types.hpp"

#include <Eigen/Core>

#include <cstddef>

namespace neuro::detail {

/// c(i..i+R*width, j..j+C) = sum over k of a(i.., k) * b(k, j..), added to c's values when
/// Add; the block's rows read from a column-major a (leading dimension lda) a packet at a
/// time; b(k, j) reads the right operand.
//
// The loops over the block are unrolled by pragma so that the sums stay in registers. Left
// to itself, GCC 12 turned the loop that zeroes them into a call to memset, which put them on
// the stack: a quarter of the time of W1's 64 x 64 weight gradient went to the call and to
// storing and reloading the sums.
template <class Packet, int R, int C, bool Add, class T, class RightAt>
void small_product_block(Index depth, const T* a, Index lda, const RightAt& b, Index j, T* c, Index ldc) {
    using namespace Eigen::internal;
    constexpr Index width = unpacket_traits<Packet>::size;
    Packet sum[R][C];
#pragma GCC unroll 16
    for (int q = 0; q < C; ++q)
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r)
            sum[r][q] = Add ? ploadu<Packet>(c + (j + q) * ldc + r * width) : pset1<Packet>(T(0));
    for (Index k = 0; k < depth; ++k) {
        Packet column[R];
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) column[r] = ploadu<Packet>(a + k * lda + r * width);
#pragma GCC unroll 16
        for (int q = 0; q < C; ++q) {
            const Packet scalar = pset1<Packet>(b(k, j + q));
#pragma GCC unroll 16
            for (int r = 0; r < R; ++r) sum[r][q] = pmadd(column[r], scalar, sum[r][q]);
        }
    }
#pragma GCC unroll 16
    for (int q = 0; q < C; ++q)
#pragma GCC unroll 16
        for (int r = 0; r < R; ++r) pstoreu(c + (j + q) * ldc + r * width, sum[r][q]);
}

/// Columns per block of R packets of rows: the most whose sums fit in the registers beside
/// the R packets of a column of a and one broadcast value (6 with AVX-512's 32 registers),
/// but at least 4 and at most 8.
template <int R>
constexpr int small_product_block_columns() {
    constexpr int fit = (EIGEN_ARCH_DEFAULT_NUMBER_OF_REGISTERS - R - 1) / R;
    return fit < 4 ? 4 : fit > 8 ? 8 : fit;
}

/// The rows [0, R * width) of the result, all columns: blocks of as many columns as fit,
/// then the columns left over in blocks of 4, 2 and 1.
template <class Packet, int R, bool Add, class T, class RightAt>
void small_product_rows(Index columns, Index depth, const T* a, Index lda, const RightAt& b, T* c, Index ldc) {
    constexpr int C = small_product_block_columns<R>();
    Index j = 0;
    for (; j + C <= columns; j += C) small_product_block<Packet, R, C, Add>(depth, a, lda, b, j, c, ldc);
    if constexpr (C > 4)
        if (j + 4 <= columns) {
            small_product_block<Packet, R, 4, Add>(depth, a, lda, b, j, c, ldc);
            j += 4;
        }
    if (j + 2 <= columns) {
        small_product_block<Packet, R, 2, Add>(depth, a, lda, b, j, c, ldc);
        j += 2;
    }
    if (j < columns) small_product_block<Packet, R, 1, Add>(depth, a, lda, b, j, c, ldc);
}

/// Rows from `first` on, in blocks of 4 packets, then single packets, then the packets half
/// as wide (down to SSE's 4 floats), then one row at a time.
template <class Packet, bool Add, class T, class RightAt>
void small_product_from(Index first, Index rows, Index columns, Index depth, const T* a, Index lda,
                        const RightAt& b, T* c, Index ldc) {
    using namespace Eigen::internal;
    constexpr Index width = unpacket_traits<Packet>::size;
    Index i = first;
    for (; i + 4 * width <= rows; i += 4 * width)
        small_product_rows<Packet, 4, Add>(columns, depth, a + i, lda, b, c + i, ldc);
    for (; i + width <= rows; i += width)
        small_product_rows<Packet, 1, Add>(columns, depth, a + i, lda, b, c + i, ldc);
    using Half = typename unpacket_traits<Packet>::half;
    if constexpr (sizeof(Half) < sizeof(Packet)) {
        small_product_from<Half, Add>(i, rows, columns, depth, a, lda, b, c, ldc);
    } else {
        for (; i < rows; ++i)
            for (Index j = 0; j < columns; ++j) {
                T sum = Add ? c[i + j * ldc] : T(0);
                for (Index k = 0; k < depth; ++k) sum += a[i + k * lda] * b(k, j);
                c[i + j * ldc] = sum;
            }
    }
}

/// The narrowest SIMD packet of T this build has (SSE's 4 floats, 2 doubles; 1 without SIMD).
template <class Packet>
constexpr Index narrowest_packet_width() {
    using Half = typename Eigen::internal::unpacket_traits<Packet>::half;
    if constexpr (sizeof(Half) < sizeof(Packet)) return narrowest_packet_width<Half>();
    else return Eigen::internal::unpacket_traits<Packet>::size;
}

/// Whether small_product runs every row of a result with `rows` rows in SIMD packets. Rows
/// left over run one scalar at a time, slower than Eigen's packed product (W2's 10 classes).
template <Scalar T>
constexpr bool small_product_vectorizes(Index rows) {
    return rows % narrowest_packet_width<typename Eigen::internal::packet_traits<T>::type>() == 0;
}

/// result = a * op(b), or result += a * op(b) when Add; op transposes b where asked, a is
/// column-major and read unpacked; result must not overlap a or b.
template <bool TransposeB, bool Add, Scalar T>
void small_product(ConstMatrixView<T> a, ConstMatrixView<T> b, MatrixView<T> result) {
    using Packet = typename Eigen::internal::packet_traits<T>::type;
    const T* right = b.data();
    const Index ldb = b.rows();
    const auto right_at = [right, ldb](Index k, Index j) {
        return TransposeB ? right[j + k * ldb] : right[k + j * ldb];
    };
    small_product_from<Packet, Add>(0, result.rows(), result.cols(), a.cols(), a.data(), a.rows(), right_at,
                                    result.data(), result.rows());
}

/// transposed = a^T, column-major with leading dimension a.cols(). A block of width x width
/// values moves as `width` SIMD packets transposed in registers: Eigen's transpose assignment
/// moves one value at a time, and took 1.2 us for W1's 64 x 64 weights, as long as the
/// product that reads them.
// GCC warns that PacketBlock<__m128> drops __m128's attributes (alignment, aliasing); the
// block lives in registers, and every load and store here is unaligned, so they are not needed.
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#endif
template <Scalar T>
void transpose_into(ConstMatrixView<T> a, T* transposed) {
    using namespace Eigen::internal;
    using Packet = typename packet_traits<T>::type;
    constexpr Index width = unpacket_traits<Packet>::size;
    const Index rows = a.rows(), cols = a.cols();
    const Index block_rows = rows / width * width, block_cols = cols / width * width;
    for (Index j = 0; j < block_cols; j += width)
        for (Index i = 0; i < block_rows; i += width) {
            PacketBlock<Packet, width> block;  // packet q: rows i.. of column j + q
            for (Index q = 0; q < width; ++q) block.packet[q] = ploadu<Packet>(a.data() + i + (j + q) * rows);
            ptranspose(block);  // packet r: columns j.. of row i + r
            for (Index r = 0; r < width; ++r) pstoreu(transposed + j + (i + r) * cols, block.packet[r]);
        }
    for (Index j = 0; j < cols; ++j)  // the rows below the blocks, then the columns right of them
        for (Index i = j < block_cols ? block_rows : 0; i < rows; ++i) transposed[j + i * cols] = a(i, j);
}
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

/// The largest a, in bytes, whose transpose small_product_transposed copies: the copy is on
/// the stack, so it never allocates (W1's 64 x 64 weights are 16 KiB).
inline constexpr std::size_t small_transpose_bytes = std::size_t(64) << 10;

/// Whether an a of `size` values fits small_product_transposed's copy.
template <Scalar T>
constexpr bool small_transpose_fits(Index size) {
    return static_cast<std::size_t>(size) * sizeof(T) <= small_transpose_bytes;
}

/// result = a^T * op(b), or result += a^T * op(b) when Add: small_product on a^T, transposed
/// into a copy on the stack. A one-row a is its own transpose, read in place.
/// Requires: a has one row, or small_transpose_fits<T>(a.size()).
template <bool TransposeB, bool Add, Scalar T>
void small_product_transposed(ConstMatrixView<T> a, ConstMatrixView<T> b, MatrixView<T> result) {
    if (a.rows() == 1) {
        small_product<TransposeB, Add>(ConstMatrixView<T>(a.data(), a.cols(), 1), b, result);
        return;
    }
    alignas(64) T transposed[small_transpose_bytes / sizeof(T)];
    transpose_into(a, transposed);
    small_product<TransposeB, Add>(ConstMatrixView<T>(transposed, a.cols(), a.rows()), b, result);
}

}  // namespace neuro::detail
