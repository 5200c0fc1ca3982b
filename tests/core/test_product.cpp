// detail::multiply: Dense's products, on one thread below a size, Eigen's product above.

#include <neuro/core/product.hpp>
#include <neuro/core/threads.hpp>

#include <catch2/catch.hpp>

namespace {

using neuro::Index;
using Matrix = neuro::Matrix<double>;

/// Checks multiply<TA, TB> against Eigen's own product for an m x n result of depth k.
template <bool TransposeA, bool TransposeB>
void check_product(Index m, Index n, Index k) {
    const Matrix a = TransposeA ? Matrix::Random(k, m) : Matrix::Random(m, k);
    const Matrix b = TransposeB ? Matrix::Random(n, k) : Matrix::Random(k, n);
    Matrix expected(m, n);
    if constexpr (TransposeA && TransposeB) expected = a.transpose() * b.transpose();
    else if constexpr (TransposeA) expected = a.transpose() * b;
    else if constexpr (TransposeB) expected = a * b.transpose();
    else expected = a * b;
    Matrix result = Matrix::Constant(m, n, 7.0);  // stale values must not leak into the result
    neuro::detail::multiply<TransposeA, TransposeB>(neuro::ConstMatrixView<double>(a.data(), a.rows(), a.cols()),
                                                    neuro::ConstMatrixView<double>(b.data(), b.rows(), b.cols()),
                                                    neuro::MatrixView<double>(result.data(), m, n));
    CHECK(result.isApprox(expected, 1e-12));
}

template <bool TransposeA, bool TransposeB>
void check_sizes() {
    check_product<TransposeA, TransposeB>(1, 1, 1);
    check_product<TransposeA, TransposeB>(64, 32, 10);     // small: the one-thread kernel
    check_product<TransposeA, TransposeB>(37, 29, 53);     // odd sizes, partial blocks
    check_product<TransposeA, TransposeB>(130, 100, 90);   // more than serial_product_work
}

}  // namespace

TEST_CASE("multiply equals Eigen's product with and without transposes, small and large", "[product]") {
    STATIC_REQUIRE(130.0 * 100 * 90 > neuro::detail::serial_product_work);
    SECTION("a b") { check_sizes<false, false>(); }
    SECTION("a^T b") { check_sizes<true, false>(); }
    SECTION("a b^T") { check_sizes<false, true>(); }
    SECTION("a^T b^T") { check_sizes<true, true>(); }
}

TEST_CASE("multiply of an empty depth gives zeros", "[product]") {
    const Matrix a(3, 0), b(0, 4);
    Matrix result = Matrix::Constant(3, 4, 7.0);
    neuro::detail::multiply<false, false>(neuro::ConstMatrixView<double>(a.data(), 3, 0),
                                          neuro::ConstMatrixView<double>(b.data(), 0, 4),
                                          neuro::MatrixView<double>(result.data(), 3, 4));
    CHECK(result.isZero());
}

TEST_CASE("set_num_threads takes counts from 1 and rejects fewer", "[threads]") {
    CHECK_THROWS_AS(neuro::set_num_threads(0), neuro::Error);
    CHECK_THROWS_WITH(neuro::set_num_threads(-2), Catch::Matchers::Contains("at least 1, got -2"));
    neuro::set_num_threads(1);
    CHECK(neuro::num_threads() == 1);
    neuro::set_num_threads(2);
    CHECK(neuro::num_threads() >= 1);
    CHECK(neuro::num_threads() <= 2);
    neuro::set_num_threads(1);
}
