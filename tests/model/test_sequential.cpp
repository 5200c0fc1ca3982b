// Sequential: building a model, inspecting it, its layers, seeds, copies and input kinds.

#include "../support/models.hpp"

#include <neuro/neuro.hpp>

#include <catch2/catch.hpp>

#include <Eigen/Core>

#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace test_sequential {

namespace {

using Catch::Matchers::Contains;

using neuro::testing::parameters_of;
using neuro::testing::random_matrix;

/// 0/1 labels from the sign of the first feature plus the second.
template <class T>
neuro::Matrix<T> labels_for(const neuro::Matrix<T>& x) {
    neuro::Matrix<T> y(x.rows(), 1);
    for (neuro::Index i = 0; i < x.rows(); ++i) y(i, 0) = x(i, 0) + x(i, 1) > T(0) ? T(1) : T(0);
    return y;
}

/// The 10-64-64-1 model of the brief: Dense ReLU Dense ReLU Dense Sigmoid.
template <class T>
neuro::Sequential<T> seed_model(std::uint64_t seed = 42) {
    neuro::Sequential<T> model(seed);
    model.add(neuro::Dense<T>(10, 64));
    model.add(neuro::ReLU<T>());
    model.add(neuro::Dense<T>(64, 64));
    model.add(neuro::ReLU<T>());
    model.add(neuro::Dense<T>(64, 1));
    model.add(neuro::Sigmoid<T>());
    return model;
}

neuro::FitOptions quiet_options(int epochs = 2, neuro::Index batch_size = 8) {
    neuro::FitOptions options;
    options.epochs = epochs;
    options.batch_size = batch_size;
    options.shuffle = true;
    options.seed = 3;
    options.verbose = 0;
    return options;
}

/// The whitespace-separated words of one line.
std::vector<std::string> words_of(const std::string& line) {
    std::istringstream stream(line);
    std::vector<std::string> words;
    for (std::string word; stream >> word;) words.push_back(word);
    return words;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::istringstream stream(text);
    std::vector<std::string> lines;
    for (std::string line; std::getline(stream, line);) lines.push_back(line);
    return lines;
}

}  // namespace

TEST_CASE("A new model is empty and add appends layers in order", "[sequential]") {
    neuro::Sequential<float> model;
    CHECK(model.size() == 0);
    CHECK_FALSE(model.input_width().has_value());
    CHECK(model.parameters().size() == 0);
    CHECK_FALSE(model.is_compiled());
    CHECK(model.seed() == 42);

    neuro::Sequential<float>& returned = model.add(neuro::Dense<float>(10, 64));
    CHECK(&returned == &model);
    REQUIRE(model.size() == 1);
    REQUIRE(model.input_width().has_value());
    CHECK(*model.input_width() == 10);
    CHECK(model.parameters().size() == 704);

    model.add(neuro::ReLU<float>()).add(neuro::Dense<float>(64, 1)).add(neuro::Sigmoid<float>());
    CHECK(model.size() == 4);
    CHECK(model.parameters().size() == 704 + 65);
    CHECK(model.gradients().size() == model.parameters().size());
    CHECK(model.layer<neuro::Dense<float>>(0).outputs() == 64);
    CHECK(model.layer<neuro::ReLU<float>>(1).type_name() == "ReLU");
    CHECK(model.layer<neuro::Dense<float>>(2).inputs() == 64);
    CHECK(model.layer<neuro::Sigmoid<float>>(3).type_name() == "Sigmoid");

    model.compile(neuro::Adam<float>(1e-3f), neuro::BinaryCrossEntropy<float>());
    CHECK(model.is_compiled());
    CHECK(model.optimizer().type_name() == "Adam");
    CHECK(model.loss().type_name() == "BinaryCrossEntropy");
}

TEST_CASE("A model can be built from a layer passed as a unique_ptr", "[sequential]") {
    neuro::Sequential<double> model;
    model.add(std::make_unique<neuro::Dense<double>>(3, 2));
    model.add(std::unique_ptr<neuro::Layer<double>>(std::make_unique<neuro::Tanh<double>>()));
    CHECK(model.size() == 2);
    CHECK(model.parameters().size() == 8);
    REQUIRE_THROWS_AS(model.add(std::unique_ptr<neuro::Layer<double>>()), neuro::Error);
    CHECK(model.size() == 2);
}

TEST_CASE("summary lists each layer's type and output width and parameter count and the total",
          "[sequential][summary]") {
    const auto model = seed_model<float>();
    const std::string summary = model.summary();
    const auto lines = lines_of(summary);

    // Header, rule, six layer rows, rule, total.
    REQUIRE(lines.size() == 10);
    CHECK_THAT(lines[0], Contains("Layer") && Contains("Output width") && Contains("Params"));

    const std::vector<std::vector<std::string>> expected_rows = {
        {"0", "Dense", "64", "704"},  {"1", "ReLU", "64", "0"},    {"2", "Dense", "64", "4160"},
        {"3", "ReLU", "64", "0"},     {"4", "Dense", "1", "65"},   {"5", "Sigmoid", "1", "0"},
    };
    for (std::size_t i = 0; i < expected_rows.size(); ++i) {
        INFO("row " << i << ": " << lines[i + 2]);
        CHECK(words_of(lines[i + 2]) == expected_rows[i]);
    }
    CHECK(words_of(lines.back()) == std::vector<std::string>{"Total", "params:", "4929"});
    CHECK(model.parameters().size() == 4929);
}

TEST_CASE("summary marks an unknown width until a layer fixes the input width", "[sequential][summary]") {
    neuro::Sequential<double> model;
    model.add(neuro::ReLU<double>());
    const auto lines = lines_of(model.summary());
    REQUIRE(lines.size() == 5);
    CHECK(words_of(lines[2]) == std::vector<std::string>{"0", "ReLU", "?", "0"});
    CHECK(words_of(lines.back()) == std::vector<std::string>{"Total", "params:", "0"});
}

TEMPLATE_TEST_CASE("layer gives writable weight and bias that change predictions", "[sequential][layer]", float,
                   double) {
    using T = TestType;
    auto model = seed_model<T>();
    const neuro::Matrix<T> x = random_matrix<T>(5, 10, 1);
    const neuro::Matrix<T> before = model.predict(x);

    auto& output = model.template layer<neuro::Dense<T>>(4);
    REQUIRE(output.weight().rows() == 1);
    REQUIRE(output.weight().cols() == 64);
    REQUIRE(output.bias().size() == 1);

    SECTION("zero weights leave Sigmoid of the bias") {
        output.weight().setZero();
        output.bias()(0) = T(0.75);
        const neuro::Matrix<T> after = model.predict(x);
        const T expected = T(1) / (T(1) + std::exp(T(-0.75)));
        for (neuro::Index i = 0; i < after.rows(); ++i) CHECK(after(i, 0) == Approx(expected));
        CHECK(after != before);
    }
    SECTION("a changed first-layer weight changes the predictions and the parameter vector") {
        auto& first = model.template layer<neuro::Dense<T>>(0);
        const T old_value = model.parameters()(0);
        first.weight()(0, 0) += T(5);
        CHECK(model.parameters()(0) == old_value + T(5));
        first.bias().setConstant(T(0.5));
        CHECK(model.predict(x) != before);
    }
    SECTION("the const overload sees the same values") {
        output.bias()(0) = T(-2);
        const auto& constant = std::as_const(model);
        CHECK(constant.template layer<neuro::Dense<T>>(4).bias()(0) == T(-2));
    }
}

TEST_CASE("layer with an index out of range or the wrong type throws naming the index and the actual type",
          "[sequential][layer]") {
    auto model = seed_model<float>();
    const auto& constant = model;

    SECTION("index out of range") {
        REQUIRE_THROWS_AS(model.layer<neuro::Dense<float>>(6), neuro::Error);
        REQUIRE_THROWS_WITH(model.layer<neuro::Dense<float>>(6),
                            Contains("layer(6)") && Contains("out of range") && Contains("6 layers"));
        REQUIRE_THROWS_WITH(constant.layer<neuro::ReLU<float>>(100), Contains("layer(100)") && Contains("6 layers"));
    }
    SECTION("wrong type") {
        REQUIRE_THROWS_AS(model.layer<neuro::Dense<float>>(1), neuro::Error);
        REQUIRE_THROWS_WITH(model.layer<neuro::Dense<float>>(1), Contains("layer(1)") && Contains("ReLU"));
        REQUIRE_THROWS_WITH(constant.layer<neuro::Tanh<float>>(5), Contains("layer(5)") && Contains("Sigmoid"));
        REQUIRE_THROWS_WITH(model.layer<neuro::Sigmoid<float>>(0), Contains("layer(0)") && Contains("Dense"));
    }
    SECTION("an empty model") {
        neuro::Sequential<float> empty;
        REQUIRE_THROWS_WITH(empty.layer<neuro::Dense<float>>(0), Contains("layer(0)") && Contains("0 layers"));
    }
}

TEMPLATE_TEST_CASE("Models built the same way with the same seed start equal and another seed differs",
                   "[sequential][seed]", float, double) {
    using T = TestType;
    const auto a = seed_model<T>(7);
    const auto b = seed_model<T>(7);
    const auto c = seed_model<T>(8);
    CHECK(parameters_of(a) == parameters_of(b));
    CHECK(parameters_of(a) != parameters_of(c));
    // Every Dense layer is drawn from the model's seed, not only the first.
    CHECK(a.template layer<neuro::Dense<T>>(2).weight() != c.template layer<neuro::Dense<T>>(2).weight());
    CHECK(a.template layer<neuro::Dense<T>>(4).weight() != c.template layer<neuro::Dense<T>>(4).weight());
    // Biases start at zero.
    CHECK(a.template layer<neuro::Dense<T>>(0).bias().isZero(0));

    SECTION("the default seed is 42") {
        neuro::Sequential<T> unseeded;
        unseeded.add(neuro::Dense<T>(10, 64));
        neuro::Sequential<T> seeded(42);
        seeded.add(neuro::Dense<T>(10, 64));
        CHECK(parameters_of(unseeded) == parameters_of(seeded));
    }
    SECTION("the layers of one model get different draws") {
        neuro::Sequential<T> model(7);
        model.add(neuro::Dense<T>(4, 4)).add(neuro::Dense<T>(4, 4));
        CHECK(model.template layer<neuro::Dense<T>>(0).weight() != model.template layer<neuro::Dense<T>>(1).weight());
    }
}

TEMPLATE_TEST_CASE("A copied model has independent parameters and predicts the same until trained",
                   "[sequential][copy]", float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(40, 10, 2);
    const neuro::Matrix<T> y = labels_for(x);
    auto original = seed_model<T>();
    original.compile(neuro::Adam<T>(T(1e-2)), neuro::BinaryCrossEntropy<T>());
    original.fit(x, y, quiet_options(1));  // the optimizer has state worth copying
    const neuro::Vector<T> original_parameters = parameters_of(original);
    const neuro::Matrix<T> original_predictions = original.predict(x);

    SECTION("copy construction") {
        neuro::Sequential<T> copy(original);
        CHECK(parameters_of(copy) == original_parameters);
        CHECK(copy.predict(x) == original_predictions);
        CHECK(copy.parameters().data() != original.parameters().data());
        CHECK(copy.optimizer().steps() == original.optimizer().steps());

        copy.fit(x, y, quiet_options(2));
        CHECK(parameters_of(copy) != original_parameters);
        CHECK(parameters_of(original) == original_parameters);
        CHECK(original.predict(x) == original_predictions);
        CHECK(original.optimizer().steps() == 5);  // 40 rows in batches of 8, one epoch

        copy.template layer<neuro::Dense<T>>(0).weight().setZero();
        CHECK(parameters_of(original) == original_parameters);
    }
    SECTION("copy assignment") {
        auto copy = seed_model<T>(99);
        copy = original;
        CHECK(parameters_of(copy) == original_parameters);
        CHECK(copy.predict(x) == original_predictions);
        copy.fit(x, y, quiet_options(2));
        CHECK(parameters_of(copy) != original_parameters);
        CHECK(parameters_of(original) == original_parameters);
    }
    SECTION("training the original leaves the copy") {
        const neuro::Sequential<T> copy(original);
        original.fit(x, y, quiet_options(2));
        CHECK(parameters_of(copy) == original_parameters);
        CHECK(copy.predict(x) == original_predictions);
    }
    SECTION("a copy trains exactly as the original would") {
        neuro::Sequential<T> copy(original);
        copy.fit(x, y, quiet_options(2));
        original.fit(x, y, quiet_options(2));
        CHECK(parameters_of(copy) == parameters_of(original));
    }
    SECTION("a moved model keeps its parameters and its layers stay bound to them") {
        neuro::Sequential<T> moved(std::move(original));
        CHECK(parameters_of(moved) == original_parameters);
        CHECK(moved.predict(x) == original_predictions);
        moved.template layer<neuro::Dense<T>>(4).bias()(0) = T(3);
        CHECK(moved.parameters()(moved.parameters().size() - 1) == T(3));
        CHECK(moved.predict(x) != original_predictions);

        neuro::Sequential<T> assigned;
        assigned = std::move(moved);
        assigned.template layer<neuro::Dense<T>>(4).bias()(0) = T(0);
        CHECK(assigned.parameters()(assigned.parameters().size() - 1) == T(0));
        assigned.fit(x, y, quiet_options(1));
        CHECK(parameters_of(assigned) != original_parameters);
    }
}

TEMPLATE_TEST_CASE("predict of a hand-set one-layer model equals Sigmoid of W x plus b", "[sequential][predict]",
                   float, double) {
    using T = TestType;
    neuro::Sequential<T> model;
    model.add(neuro::Dense<T>(3, 2));
    model.add(neuro::Sigmoid<T>());
    auto& dense = model.template layer<neuro::Dense<T>>(0);
    neuro::Matrix<T> w(2, 3);
    w << T(0.5), T(-1.25), T(2), T(-0.75), T(0.25), T(1.5);
    neuro::Vector<T> b(2);
    b << T(0.125), T(-0.5);
    dense.weight() = w;
    dense.bias() = b;

    neuro::Matrix<T> x(4, 3);
    x << T(1), T(2), T(-1), T(0), T(0), T(0), T(-3), T(0.5), T(4), T(10), T(-10), T(10);

    const neuro::Matrix<T> p = model.predict(x);
    REQUIRE(p.rows() == 4);
    REQUIRE(p.cols() == 2);
    for (neuro::Index i = 0; i < x.rows(); ++i) {
        for (neuro::Index o = 0; o < 2; ++o) {
            double z = static_cast<double>(b(o));
            for (neuro::Index f = 0; f < 3; ++f) z += static_cast<double>(w(o, f)) * static_cast<double>(x(i, f));
            const double expected = 1.0 / (1.0 + std::exp(-z));
            INFO("sample " << i << ", output " << o << ", z = " << z);
            CHECK(static_cast<double>(p(i, o)) ==
                  Approx(expected).epsilon(4 * std::numeric_limits<T>::epsilon()).margin(0));
        }
    }

    SECTION("predicting in other batch sizes gives the same numbers within rounding") {
        // Another batch size may take another matrix-product kernel.
        const T tolerance = 4 * std::numeric_limits<T>::epsilon();
        CHECK(model.predict(x, 1).isApprox(p, tolerance));
        CHECK(model.predict(x, 3).isApprox(p, tolerance));
        CHECK(model.predict(x, 1000) == p);
        CHECK(model.predict(x.row(2)).isApprox(p.row(2), tolerance));
    }
}

TEMPLATE_TEST_CASE("Row-major matrices and maps and blocks give the same predictions and fit as a column-major matrix",
                   "[sequential][input]", float, double) {
    using T = TestType;
    using ColMajor = neuro::Matrix<T>;
    using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    constexpr neuro::Index n = 37;
    constexpr neuro::Index features = 10;

    const ColMajor x = random_matrix<T>(n, features, 11);
    const ColMajor y = labels_for(x);
    auto model = seed_model<T>();
    model.compile(neuro::Adam<T>(T(1e-2)), neuro::BinaryCrossEntropy<T>());

    const ColMajor expected_predictions = model.predict(x);
    auto reference = model;
    const neuro::History expected_history = reference.fit(x, y, quiet_options(2));
    const neuro::Vector<T> expected_parameters = parameters_of(reference);
    const double expected_loss = model.evaluate(x, y).loss;

    // Rows past n and columns past F hold NaN, which must never be read.
    ColMajor tall = ColMajor::Constant(n + 5, features + 3, std::numeric_limits<T>::quiet_NaN());
    tall.topLeftCorner(n, features) = x;
    ColMajor tall_y = ColMajor::Constant(n + 5, 1, std::numeric_limits<T>::quiet_NaN());
    tall_y.topRows(n) = y;
    RowMajor wide_row_major = RowMajor::Constant(n + 4, features + 2, std::numeric_limits<T>::quiet_NaN());
    wide_row_major.block(2, 1, n, features) = x;

    auto check_same = [&](const auto& xs, const auto& ys) {
        CHECK(model.predict(xs) == expected_predictions);
        CHECK(model.evaluate(xs, ys).loss == expected_loss);
        auto trained = model;
        const neuro::History history = trained.fit(xs, ys, quiet_options(2));
        CHECK(history.loss == expected_history.loss);
        CHECK(parameters_of(trained) == expected_parameters);
    };

    SECTION("row-major matrix") {
        const RowMajor xr = x;
        const RowMajor yr = y;
        check_same(xr, y);
        check_same(xr, yr);
    }
    SECTION("map of column-major storage") {
        const Eigen::Map<const ColMajor> xm(x.data(), n, features);
        Eigen::Map<const ColMajor> ym(y.data(), n, 1);
        check_same(xm, ym);
    }
    SECTION("writable map of row-major storage") {
        RowMajor storage = x;
        Eigen::Map<RowMajor> xm(storage.data(), n, features);
        check_same(xm, y);
    }
    SECTION("block of the top rows of a taller matrix") {
        check_same(tall.topLeftCorner(n, features), tall_y.topRows(n));
        ColMajor tall_x_only = ColMajor::Constant(n + 5, features, std::numeric_limits<T>::quiet_NaN());
        tall_x_only.topRows(n) = x;
        check_same(tall_x_only.topRows(n), y);
    }
    SECTION("inner block of a row-major matrix") {
        check_same(wide_row_major.block(2, 1, n, features), y);
    }
    SECTION("column vector y") {
        const neuro::Vector<T> yv = y.col(0);
        check_same(x, yv);
    }
    SECTION("an expression that is not stored") {
        check_same(x * T(1), y.array().matrix());
    }
}

}  // namespace test_sequential
