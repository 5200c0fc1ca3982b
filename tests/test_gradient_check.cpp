// The public gradient checker itself: relative_error, numerical_gradient, check_gradients on
// layers (including deliberately wrong ones, to prove the checker can fail) and on whole
// compiled models.

#include <neuro/core/random.hpp>
#include <neuro/core/types.hpp>
#include <neuro/gradient_check.hpp>
#include <neuro/layers/activations.hpp>
#include <neuro/layers/dense.hpp>
#include <neuro/layers/dropout.hpp>
#include <neuro/layers/layer.hpp>
#include <neuro/losses/binary_cross_entropy.hpp>
#include <neuro/losses/huber.hpp>
#include <neuro/losses/mean_squared_error.hpp>
#include <neuro/losses/sparse_categorical_cross_entropy.hpp>
#include <neuro/model/sequential.hpp>
#include <neuro/optimizers/sgd.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <optional>
#include <string>

namespace test_gradient_check {

using neuro::Index;
using neuro::Matrix;
using neuro::Vector;

namespace {

Matrix<double> normal_matrix(Index rows, Index cols, std::uint64_t seed, double stddev = 1) {
    neuro::Random random(seed);
    Matrix<double> m(rows, cols);
    for (Index i = 0; i < m.size(); ++i) m.data()[i] = stddev * random.normal();
    return m;
}

/// y = x^2 elementwise, whose backward multiplies the true input gradient 2 x dy by
/// `input_gradient_scale` (1 is correct, 2 is a bug).
class Square final : public neuro::Layer<double> {
public:
    explicit Square(double input_gradient_scale) : scale_(input_gradient_scale) {}
    std::string type_name() const override { return "Square"; }
    std::unique_ptr<neuro::Layer<double>> clone() const override { return std::make_unique<Square>(*this); }
    void forward(neuro::ConstMatrixView<double> input, neuro::MatrixView<double> output) const override {
        output = input.array().square();
    }
    void backward(neuro::ConstMatrixView<double> input, neuro::ConstMatrixView<double>,
                  neuro::ConstMatrixView<double> output_gradient,
                  neuro::MatrixView<double> input_gradient) override {
        if (input_gradient.size() != 0)
            input_gradient = scale_ * 2.0 * input.array() * output_gradient.array();
    }

private:
    double scale_;
};

/// y(i, j) = w_i x(i, j): one trainable scale per row, whose backward multiplies the true
/// parameter gradient by `parameter_gradient_scale` (the input gradient is always right).
class RowScale final : public neuro::Layer<double> {
public:
    RowScale(Index width, double parameter_gradient_scale)
        : width_(width), scale_(parameter_gradient_scale), parameters_(width) {
        for (Index i = 0; i < width; ++i) parameters_.values()[i] = 0.5 + 0.25 * double(i);
    }
    std::string type_name() const override { return "RowScale"; }
    std::optional<Index> input_width() const override { return width_; }
    Index parameter_count() const override { return width_; }
    void bind_parameters(double* values, double* gradients) override { parameters_.bind(values, gradients); }
    neuro::VectorView<double> parameter_values() override {
        return neuro::VectorView<double>(parameters_.values(), width_);
    }
    neuro::VectorView<double> parameter_gradients() override {
        return neuro::VectorView<double>(parameters_.gradients(), width_);
    }
    std::unique_ptr<neuro::Layer<double>> clone() const override { return std::make_unique<RowScale>(*this); }
    void forward(neuro::ConstMatrixView<double> input, neuro::MatrixView<double> output) const override {
        output = weights().asDiagonal() * input;
    }
    void backward(neuro::ConstMatrixView<double> input, neuro::ConstMatrixView<double>,
                  neuro::ConstMatrixView<double> output_gradient,
                  neuro::MatrixView<double> input_gradient) override {
        neuro::VectorView<double>(parameters_.gradients(), width_) =
            scale_ * input.cwiseProduct(output_gradient).rowwise().sum();
        if (input_gradient.size() != 0) input_gradient = weights().asDiagonal() * output_gradient;
    }

private:
    neuro::ConstVectorView<double> weights() const { return neuro::ConstVectorView<double>(parameters_.values(), width_); }

    Index width_;
    double scale_;
    neuro::ParameterStorage<double> parameters_;
};

}  // namespace

TEST_CASE("relative_error is ||a - n|| / max(||a||, ||n||)", "[gradient_check]") {
    const Vector<double> a = normal_matrix(10, 1, 1);
    SECTION("identical vectors give 0") { CHECK(neuro::relative_error(a, a) == 0.0); }
    SECTION("two zero vectors give 0, not NaN") {
        const Vector<double> zero = Vector<double>::Zero(4);
        CHECK(neuro::relative_error(zero, zero) == 0.0);
    }
    SECTION("a gradient off by a factor 2 gives ||a|| / ||2a|| = 1/2, either way round") {
        const Vector<double> doubled = 2 * a;
        CHECK(neuro::relative_error(doubled, a) == Approx(0.5).epsilon(1e-15));
        CHECK(neuro::relative_error(a, doubled) == Approx(0.5).epsilon(1e-15));
    }
    SECTION("a gradient of the wrong sign gives 2, a missing one gives 1") {
        const Vector<double> negated = -a;
        CHECK(neuro::relative_error(negated, a) == Approx(2.0).epsilon(1e-15));
        CHECK(neuro::relative_error(Vector<double>::Zero(10).eval(), a) == Approx(1.0).epsilon(1e-15));
    }
    SECTION("a tiny perturbation gives a tiny error") {
        const Vector<double> perturbed = a * (1 + 1e-10);
        CHECK(neuro::relative_error(perturbed, a) == Approx(1e-10).epsilon(1e-4));
    }
    SECTION("it accepts float vectors") {
        const Vector<float> f = a.cast<float>();
        const Vector<float> f2 = 2.0f * f;
        CHECK(neuro::relative_error(f2, f) == Approx(0.5).epsilon(1e-6));
    }
}

TEST_CASE("numerical_gradient takes central differences and restores the values", "[gradient_check]") {
    // f(v) = sum v_i^3, so df/dv_i = 3 v_i^2; central differences are exact up to the h^2 term (h^2 = 1e-10).
    Vector<double> v = normal_matrix(5, 1, 2);
    const Vector<double> saved = v;
    neuro::VectorView<double> view(v.data(), v.size());
    const Vector<double> numerical = neuro::numerical_gradient<double>(view, [&] { return v.array().cube().sum(); }, 1e-5);
    const Vector<double> exact = 3 * v.array().square();
    CHECK(neuro::relative_error(numerical, exact) < 1e-8);
    CHECK(v == saved);
}

TEST_CASE("check_gradients on a layer passes a correct backward", "[gradient_check]") {
    const Matrix<double> input = normal_matrix(4, 3, 3);
    SECTION("without parameters") {
        Square square(1.0);
        const neuro::GradientCheck check = neuro::check_gradients<double>(square, input);
        CHECK(check.input_error < 1e-6);
        CHECK(check.parameter_error == 0);
        CHECK(check.max_error() == check.input_error);
    }
    SECTION("with parameters") {
        RowScale layer(4, 1.0);
        const neuro::GradientCheck check = neuro::check_gradients<double>(layer, input);
        CHECK(check.input_error < 1e-6);
        CHECK(check.parameter_error < 1e-6);
    }
}

TEST_CASE("check_gradients on a layer fails a backward that is off by a factor 2", "[gradient_check]") {
    const Matrix<double> input = normal_matrix(4, 3, 3);
    SECTION("in the input gradient") {
        Square wrong(2.0);
        const neuro::GradientCheck check = neuro::check_gradients<double>(wrong, input);
        CHECK(check.input_error > 0.1);
        // relative_error(2 g, g) = 1/2, up to the finite differences' own error.
        CHECK(check.input_error == Approx(0.5).margin(1e-6));
        CHECK(check.max_error() == check.input_error);
    }
    SECTION("in the parameter gradient only, and the checker tells which") {
        RowScale wrong(4, 2.0);
        const neuro::GradientCheck check = neuro::check_gradients<double>(wrong, input);
        CHECK(check.input_error < 1e-6);
        CHECK(check.parameter_error > 0.1);
        CHECK(check.parameter_error == Approx(0.5).margin(1e-6));
        CHECK(check.max_error() == check.parameter_error);
    }
    SECTION("a layer that forgets the parameter gradient entirely") {
        RowScale wrong(4, 0.0);
        CHECK(neuro::check_gradients<double>(wrong, input).parameter_error == Approx(1.0).margin(1e-6));
    }
}

TEST_CASE("check_gradients on a layer leaves its parameters as they were", "[gradient_check]") {
    neuro::Dense<double> layer(4, 3);
    const Vector<double> before = layer.parameter_values();
    neuro::check_gradients<double>(layer, normal_matrix(4, 5, 4));
    CHECK(Vector<double>(layer.parameter_values()) == before);
}

TEST_CASE("check_gradients on a compiled model matches d loss / d parameters", "[gradient_check][model]") {
    // 6 samples of 4 features, one row per sample, as the model's public API takes data.
    const Matrix<double> x = normal_matrix(6, 4, 5);
    const double l2 = GENERATE(0.0, 0.1);
    CAPTURE(l2);
    const neuro::DenseOptions first_layer{.l2 = l2};
    neuro::Sequential<double> model(7);
    Matrix<double> y;

    SECTION("Dense-Tanh-Dense-Softmax with SparseCategoricalCrossEntropy (fused)") {
        model.add(neuro::Dense<double>(4, 8, first_layer));
        model.add(neuro::Tanh<double>());
        model.add(neuro::Dense<double>(8, 3));
        model.add(neuro::Softmax<double>());
        model.compile(neuro::SGD<double>(0.1), neuro::SparseCategoricalCrossEntropy<double>());
        y = Matrix<double>(6, 1);
        y << 0, 2, 1, 1, 0, 2;
    }
    SECTION("Dense-ReLU-Dense-Sigmoid with BinaryCrossEntropy (fused)") {
        model.add(neuro::Dense<double>(4, 8, first_layer));
        model.add(neuro::ReLU<double>());
        model.add(neuro::Dense<double>(8, 2));
        model.add(neuro::Sigmoid<double>());
        model.compile(neuro::SGD<double>(0.1), neuro::BinaryCrossEntropy<double>());
        y = Matrix<double>(6, 2);
        y << 0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1;
    }
    SECTION("Dense-GELU-Dense with MeanSquaredError") {
        model.add(neuro::Dense<double>(4, 8, first_layer));
        model.add(neuro::GELU<double>());
        model.add(neuro::Dense<double>(8, 2));
        model.compile(neuro::SGD<double>(0.1), neuro::MeanSquaredError<double>());
        y = normal_matrix(6, 2, 6);
    }
    SECTION("Dense-GELU-Dense with Huber, residuals on both sides of delta") {
        model.add(neuro::Dense<double>(4, 8, first_layer));
        model.add(neuro::GELU<double>());
        model.add(neuro::Dense<double>(8, 2));
        model.compile(neuro::SGD<double>(0.1), neuro::Huber<double>(1.0));
        y = normal_matrix(6, 2, 6, 3.0);
        const Matrix<double> residual = (model.predict(x) - y).cwiseAbs();
        REQUIRE((residual.array() < 1.0).any());
        REQUIRE((residual.array() > 1.0).any());
    }
    SECTION("Dense-Tanh-Dense-Sigmoid with MeanSquaredError (not fused: through Sigmoid's backward)") {
        model.add(neuro::Dense<double>(4, 8, first_layer));
        model.add(neuro::Tanh<double>());
        model.add(neuro::Dense<double>(8, 2));
        model.add(neuro::Sigmoid<double>());
        model.compile(neuro::SGD<double>(0.1), neuro::MeanSquaredError<double>());
        y = Matrix<double>(6, 2);
        y << 0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1;
    }
    SECTION("Dropout-Dense-Tanh-Dense with MeanSquaredError (a first layer without parameters)") {
        model.add(neuro::Dropout<double>(0.25));
        model.add(neuro::Dense<double>(4, 8, first_layer));
        model.add(neuro::Tanh<double>());
        model.add(neuro::Dense<double>(8, 2));
        model.compile(neuro::SGD<double>(0.1), neuro::MeanSquaredError<double>());
        y = normal_matrix(6, 2, 6);
    }
    SECTION("ReLU-Dense with MeanSquaredError (an activation first)") {
        model.add(neuro::ReLU<double>());
        model.add(neuro::Dense<double>(4, 2, first_layer));
        model.compile(neuro::SGD<double>(0.1), neuro::MeanSquaredError<double>());
        y = normal_matrix(6, 2, 6);
    }
    SECTION("Dense-Dropout-Dense with MeanSquaredError (the same mask in every pass)") {
        model.add(neuro::Dense<double>(4, 8, first_layer));
        model.add(neuro::Dropout<double>(0.5));
        model.add(neuro::Dense<double>(8, 2));
        model.compile(neuro::SGD<double>(0.1), neuro::MeanSquaredError<double>());
        y = normal_matrix(6, 2, 6);
    }

    const Vector<double> parameters_before = model.parameters();
    const double error = neuro::check_gradients(model, x, y);
    CHECK(error < 1e-6);
    // The check perturbs every parameter in place; each one is restored exactly.
    CHECK(Vector<double>(model.parameters()) == parameters_before);
}

TEST_CASE("check_gradients on a compiled model fails when a layer's backward is wrong", "[gradient_check][model]") {
    const Matrix<double> x = normal_matrix(6, 4, 8);
    const Matrix<double> y = normal_matrix(6, 2, 9);
    auto model_error = [&](double wrong_factor) {
        neuro::Sequential<double> model(3);
        model.add(neuro::Dense<double>(4, 5));
        model.add(Square(wrong_factor));  // only its input gradient is wrong; it has no parameters
        model.add(neuro::Dense<double>(5, 2));
        model.compile(neuro::SGD<double>(0.1), neuro::MeanSquaredError<double>());
        return neuro::check_gradients(model, x, y);
    };
    CHECK(model_error(1.0) < 1e-6);
    // The first Dense's gradient flows through Square's backward and is doubled; the second's
    // is not, so the error is between 0 and 1/2.
    CHECK(model_error(2.0) > 0.1);
}

}  // namespace test_gradient_check
