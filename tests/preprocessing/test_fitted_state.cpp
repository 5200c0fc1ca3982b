// FittedState's helpers: the checks every preprocessing step shares.

#include <neuro/preprocessing/fitted_state.hpp>

#include <neuro/core/error.hpp>

#include <catch2/catch.hpp>

#include <cmath>

namespace test_fitted_state {

using Catch::Matchers::Contains;
using neuro::FittedState;
using neuro::Matrix;
using neuro::Vector;

TEST_CASE("state_entry returns a named vector of the expected size, or names what is wrong", "[fitted_state]") {
    const FittedState state = {{"mean", Vector<double>::Zero(3)}};
    CHECK(neuro::detail::state_entry(state, "mean", "Owner").size() == 3);
    CHECK(neuro::detail::state_entry(state, "mean", "Owner", 3).size() == 3);
    CHECK_THROWS_WITH(neuro::detail::state_entry(state, "scale", "Owner"),
                      Contains("Owner::from_state: the state has no \"scale\""));
    CHECK_THROWS_WITH(neuro::detail::state_entry(state, "mean", "Owner", 2),
                      Contains("\"mean\" has 3 elements, expected 2"));
}

TEST_CASE("The shared checks name the step, the method and the sizes", "[fitted_state][error]") {
    CHECK_NOTHROW(neuro::detail::check_fitted(true, "Owner", "transform"));
    CHECK_THROWS_WITH(neuro::detail::check_fitted(false, "Owner", "transform"), Contains("Owner::transform: call fit"));
    CHECK_NOTHROW(neuro::detail::check_width(4, 4, "Owner", "transform"));
    CHECK_THROWS_WITH(neuro::detail::check_width(4, 5, "Owner", "transform"),
                      Contains("Owner::transform: x has 5 columns, but it was fitted on 4 columns"));
    Matrix<float> x = Matrix<float>::Ones(2, 2);
    CHECK_NOTHROW(neuro::detail::check_finite_for_fit(x, "Owner"));
    x(1, 0) = NAN;
    CHECK_THROWS_WITH(neuro::detail::check_finite_for_fit(x, "Owner"), Contains("Owner::fit: x(1, 0) is nan"));
}

TEST_CASE("FloatMatrix admits float and double matrices and their blocks, nothing else", "[fitted_state]") {
    STATIC_REQUIRE(neuro::FloatMatrix<Matrix<float>>);
    STATIC_REQUIRE(neuro::FloatMatrix<Eigen::Block<Matrix<double>>>);
    STATIC_REQUIRE(neuro::FloatMatrix<Eigen::Map<const Matrix<double>>>);
    STATIC_REQUIRE_FALSE(neuro::FloatMatrix<Eigen::MatrixXi>);
    STATIC_REQUIRE_FALSE(neuro::FloatMatrix<Eigen::ArrayXXf>);
    STATIC_REQUIRE_FALSE(neuro::FloatMatrix<double>);
}

}  // namespace test_fitted_state
