// detail::multiply: Dense's products, on one thread below a size, Eigen's product above;
// detail::small_product, the kernel without packing for the small ones. Also built with
// OpenMP and on OpenBLAS (tests/CMakeLists.txt), the other ways the products can run.

#include <neuro/core/product.hpp>
#include <neuro/core/small_product.hpp>
#include <neuro/core/threads.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace test_product {

namespace {

using neuro::Index;
using Matrix = neuro::Matrix<double>;

/// Checks multiply<TA, TB> and multiply_add<TA, TB> against Eigen's own product for an
/// m x n result of depth k.
template <bool TransposeA, bool TransposeB>
void check_product(Index m, Index n, Index k) {
    const Matrix a = TransposeA ? Matrix::Random(k, m) : Matrix::Random(m, k);
    const Matrix b = TransposeB ? Matrix::Random(n, k) : Matrix::Random(k, n);
    Matrix expected(m, n);
    if constexpr (TransposeA && TransposeB) expected = a.transpose() * b.transpose();
    else if constexpr (TransposeA) expected = a.transpose() * b;
    else if constexpr (TransposeB) expected = a * b.transpose();
    else expected = a * b;
    const neuro::ConstMatrixView<double> a_view(a.data(), a.rows(), a.cols());
    const neuro::ConstMatrixView<double> b_view(b.data(), b.rows(), b.cols());
    Matrix result = Matrix::Constant(m, n, 7.0);  // stale values must not leak into the result
    neuro::detail::multiply<TransposeA, TransposeB>(a_view, b_view, neuro::MatrixView<double>(result.data(), m, n));
    CHECK(result.isApprox(expected, 1e-12));
    const Matrix initial = Matrix::Random(m, n);
    result = initial;
    neuro::detail::multiply_add<TransposeA, TransposeB>(a_view, b_view, neuro::MatrixView<double>(result.data(), m, n));
    CHECK(result.isApprox(initial + expected, 1e-12));
}

template <bool TransposeA, bool TransposeB>
void check_sizes() {
    check_product<TransposeA, TransposeB>(1, 1, 1);
    check_product<TransposeA, TransposeB>(64, 32, 10);     // small: the one-thread kernel
    check_product<TransposeA, TransposeB>(37, 29, 53);     // odd sizes, partial blocks
    check_product<TransposeA, TransposeB>(48, 20, 33);     // a^T: the small kernel on a's transpose
    check_product<TransposeA, TransposeB>(256, 2, 80);     // a^T too large to copy: packed
    check_product<TransposeA, TransposeB>(130, 100, 90);   // more than serial_product_work
    check_product<TransposeA, TransposeB>(64, 32, 1);      // outer products, small
    check_product<TransposeA, TransposeB>(1200, 1000, 1);  // and large
}

/// small_product against a product summed in long double, for an m x n result of depth k;
/// with Add, the sum starts from the result's values.
template <class T, bool TransposeB, bool Add>
void check_small_product(Index m, Index n, Index k) {
    using M = neuro::Matrix<T>;
    const M a = M::Random(m, k);
    const M b = TransposeB ? M::Random(n, k) : M::Random(k, n);
    const M initial = M::Random(m, n);
    M result = Add ? initial : M::Constant(m, n, T(7));
    neuro::detail::small_product<TransposeB, Add>(neuro::ConstMatrixView<T>(a.data(), m, k),
                                                  neuro::ConstMatrixView<T>(b.data(), b.rows(), b.cols()),
                                                  neuro::MatrixView<T>(result.data(), m, n));
    long double largest_error = 0;
    for (Index i = 0; i < m; ++i)
        for (Index j = 0; j < n; ++j) {
            long double expected = Add ? initial(i, j) : 0;
            for (Index d = 0; d < k; ++d)
                expected += static_cast<long double>(a(i, d)) * (TransposeB ? b(j, d) : b(d, j));
            largest_error = std::max(largest_error, std::abs(expected - result(i, j)));
        }
    INFO("m " << m << ", n " << n << ", k " << k << (Add ? ", added" : ""));
    CHECK(largest_error <= 16 * k * std::numeric_limits<T>::epsilon());
}

template <class T, bool TransposeB>
void check_small_product_shapes() {
    // Rows that take every path: blocks of four packets, single packets, narrower packets
    // and single rows, for SIMD widths from 2 to 16. Columns that take every path: blocks of
    // as many as the registers hold (4 to 8), then blocks of 4, 2 and 1 for those left over.
    for (const Index m : {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 100})
        for (const Index n : {1, 2, 3, 4, 5, 6, 7, 9, 11, 15})
            for (const Index k : {0, 1, 2, 13}) {
                check_small_product<T, TransposeB, false>(m, n, k);
                check_small_product<T, TransposeB, true>(m, n, k);
            }
}

}  // namespace

TEST_CASE("small_product equals the summed product for every row and column path", "[product]") {
    SECTION("float, a b") { check_small_product_shapes<float, false>(); }
    SECTION("float, a b^T") { check_small_product_shapes<float, true>(); }
    SECTION("double, a b") { check_small_product_shapes<double, false>(); }
    SECTION("double, a b^T") { check_small_product_shapes<double, true>(); }
}

TEMPLATE_TEST_CASE("transpose_into equals Eigen's transpose, in SIMD blocks and at the edges", "[product]", float,
                   double) {
    using M = neuro::Matrix<TestType>;
    for (const Index rows : {1, 2, 3, 8, 15, 16, 17, 33, 64})
        for (const Index cols : {1, 4, 7, 16, 31, 32, 40}) {
            const M a = M::Random(rows, cols);
            M transposed = M::Constant(cols, rows, TestType(7));
            neuro::detail::transpose_into(neuro::ConstMatrixView<TestType>(a.data(), rows, cols), transposed.data());
            INFO("rows " << rows << ", cols " << cols);
            CHECK(transposed == a.transpose());
        }
}

TEST_CASE("multiply equals Eigen's product with and without transposes, small and large", "[product]") {
    STATIC_REQUIRE(130.0 * 100 * 90 > neuro::detail::serial_product_work);
    STATIC_REQUIRE(1200.0 * 1000 * 1 > neuro::detail::serial_product_work);
    // a^T for 48 x 20 x 33 fits the small kernel's copy; for 256 x 2 x 80 it does not.
    STATIC_REQUIRE(neuro::detail::small_transpose_fits<double>(33 * 48));
    STATIC_REQUIRE(!neuro::detail::small_transpose_fits<double>(80 * 256));
    SECTION("a b") { check_sizes<false, false>(); }
    SECTION("a^T b") { check_sizes<true, false>(); }
    SECTION("a b^T") { check_sizes<false, true>(); }
    SECTION("a^T b^T") { check_sizes<true, true>(); }
}

TEST_CASE("multiply gives Eigen's product when large products take two threads", "[product][threads]") {
    // These split their rows (700 x 3) or columns (3 x 701) over the threads, unevenly where
    // the count is odd.
    neuro::set_num_threads(2);
    STATIC_REQUIRE(3.0 * 700 * 600 > neuro::detail::serial_product_work);
    check_product<false, false>(700, 3, 600);
    check_product<true, false>(700, 3, 600);
    check_product<false, true>(700, 3, 600);
    check_product<true, true>(700, 3, 600);
    check_product<false, false>(3, 701, 600);
    check_product<true, false>(3, 701, 600);
    check_product<false, true>(3, 701, 600);
    check_product<true, true>(3, 701, 600);
    check_sizes<false, false>();
    check_sizes<true, false>();
    check_sizes<false, true>();
    neuro::set_num_threads(1);
}

#ifdef NEURO_USE_OPENBLAS
TEST_CASE("On OpenBLAS, neuro splits a product only while OpenBLAS's own pool has one thread", "[product][threads]") {
    const double large = 4 * neuro::detail::serial_product_work;
    // OpenBLAS's pool threads the product: a split over neuro's threads would nest the two.
    openblas_set_num_threads(2);
    CHECK(neuro::detail::product_threads(large) == 1);
    check_product<false, true>(700, 3, 600);
    // neuro's workers take the products; each part runs OpenBLAS on one thread.
    neuro::set_num_threads(2);
    CHECK(openblas_get_num_threads() == 1);
    CHECK(neuro::detail::product_threads(large) == 2);
    CHECK(neuro::detail::product_threads(neuro::detail::serial_product_work / 2) == 1);
    check_product<true, false>(3, 701, 600);
    neuro::set_num_threads(1);
    CHECK(openblas_get_num_threads() == 1);
    CHECK(neuro::detail::product_threads(large) == 1);
}
#endif

TEST_CASE("multiply of an empty depth gives zeros, multiply_add leaves the result", "[product]") {
    const Matrix a(3, 0), b(0, 4);
    Matrix result = Matrix::Constant(3, 4, 7.0);
    neuro::detail::multiply<false, false>(neuro::ConstMatrixView<double>(a.data(), 3, 0),
                                          neuro::ConstMatrixView<double>(b.data(), 0, 4),
                                          neuro::MatrixView<double>(result.data(), 3, 4));
    CHECK(result.isZero());
    result.setConstant(7.0);
    neuro::detail::multiply_add<false, false>(neuro::ConstMatrixView<double>(a.data(), 3, 0),
                                              neuro::ConstMatrixView<double>(b.data(), 0, 4),
                                              neuro::MatrixView<double>(result.data(), 3, 4));
    CHECK(result == Matrix::Constant(3, 4, 7.0));
}

TEST_CASE("set_num_threads takes counts from 1 and rejects fewer", "[threads]") {
    CHECK_THROWS_AS(neuro::set_num_threads(0), neuro::Error);
    CHECK_THROWS_WITH(neuro::set_num_threads(-2), Catch::Matchers::Contains("at least 1, got -2"));
    neuro::set_num_threads(1);
    CHECK(neuro::num_threads() == 1);
    neuro::set_num_threads(2);
    CHECK(neuro::num_threads() == 2);
    CHECK(neuro::detail::product_threads(4 * neuro::detail::serial_product_work) == 2);
    neuro::set_num_threads(1);
}

}  // namespace test_product
