// Template misuse is rejected by C++20 concepts at the call, not deep inside Eigen.
// Each check asks whether a call would compile; none of these calls is ever made.

#include <neuro/neuro.hpp>

#include <catch2/catch.hpp>

namespace test_concepts {

namespace {

template <class Model, class X, class Y>
concept can_fit = requires(Model model, const X& x, const Y& y) { model.fit(x, y); };

template <class Model, class X>
concept can_predict = requires(const Model model, const X& x) { model.predict(x); };

template <class Model, class L>
concept can_add = requires(Model model, L layer) { model.add(layer); };

template <class Model, class O, class L>
concept can_compile = requires(Model model, O optimizer, L loss) { model.compile(optimizer, loss); };

using FloatModel = neuro::Sequential<float>;
using RowMajorXf = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

}  // namespace

TEST_CASE("models accept any Eigen matrix of their own scalar", "[concepts]") {
    STATIC_REQUIRE(can_fit<FloatModel, Eigen::MatrixXf, Eigen::MatrixXf>);
    STATIC_REQUIRE(can_fit<FloatModel, RowMajorXf, Eigen::VectorXf>);
    STATIC_REQUIRE(can_fit<FloatModel, Eigen::Map<const Eigen::MatrixXf>, Eigen::MatrixXf>);
    STATIC_REQUIRE(can_predict<FloatModel, Eigen::MatrixXf>);
    STATIC_REQUIRE(can_predict<FloatModel, RowMajorXf>);
}

TEST_CASE("models reject matrices of another scalar", "[concepts]") {
    STATIC_REQUIRE_FALSE(can_fit<FloatModel, Eigen::MatrixXd, Eigen::MatrixXd>);
    STATIC_REQUIRE_FALSE(can_fit<FloatModel, Eigen::MatrixXf, Eigen::MatrixXi>);
    STATIC_REQUIRE_FALSE(can_predict<FloatModel, Eigen::MatrixXd>);
    STATIC_REQUIRE_FALSE(can_fit<FloatModel, Eigen::ArrayXXf, Eigen::ArrayXXf>);
}

TEST_CASE("models reject layers, optimizers and losses of another scalar", "[concepts]") {
    STATIC_REQUIRE(can_add<FloatModel, neuro::Dense<float>>);
    STATIC_REQUIRE(can_add<FloatModel, neuro::ReLU<float>>);
    STATIC_REQUIRE_FALSE(can_add<FloatModel, neuro::Dense<double>>);
    STATIC_REQUIRE_FALSE(can_add<FloatModel, int>);
    STATIC_REQUIRE(can_compile<FloatModel, neuro::Adam<float>, neuro::BinaryCrossEntropy<float>>);
    STATIC_REQUIRE_FALSE(can_compile<FloatModel, neuro::Adam<double>, neuro::BinaryCrossEntropy<float>>);
    STATIC_REQUIRE_FALSE(can_compile<FloatModel, neuro::BinaryCrossEntropy<float>, neuro::Adam<float>>);
}

TEST_CASE("only float and double are model scalars", "[concepts]") {
    STATIC_REQUIRE(neuro::Scalar<float>);
    STATIC_REQUIRE(neuro::Scalar<double>);
    STATIC_REQUIRE_FALSE(neuro::Scalar<int>);
    STATIC_REQUIRE_FALSE(neuro::Scalar<long double>);
}

}  // namespace test_concepts
