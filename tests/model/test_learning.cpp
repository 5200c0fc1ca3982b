// End-to-end learning: the model solves small problems whose answers are known.
// Every problem is seeded and small, so the file runs in about a second in an -O2 build.

#include <neuro/neuro.hpp>

#include <catch2/catch.hpp>

#include <Eigen/Core>

#include <cmath>
#include <cstdint>
#include <numbers>

namespace test_learning {

namespace {

neuro::FitOptions options(int epochs, neuro::Index batch_size, std::uint64_t seed = 42) {
    neuro::FitOptions o;
    o.epochs = epochs;
    o.batch_size = batch_size;
    o.shuffle = true;
    o.seed = seed;
    o.verbose = 0;
    return o;
}

/// Fraction of rows where the probability is on the label's side of 0.5.
template <class T>
double binary_accuracy(const neuro::Matrix<T>& probabilities, const neuro::Matrix<T>& labels) {
    neuro::Index correct = 0;
    for (neuro::Index i = 0; i < labels.rows(); ++i)
        correct += (probabilities(i, 0) > T(0.5)) == (labels(i, 0) > T(0.5)) ? 1 : 0;
    return static_cast<double>(correct) / static_cast<double>(labels.rows());
}

/// Fraction of rows whose largest probability is at the class index.
template <class T>
double categorical_accuracy(const neuro::Matrix<T>& probabilities, const neuro::Matrix<T>& classes) {
    neuro::Index correct = 0;
    for (neuro::Index i = 0; i < classes.rows(); ++i) {
        neuro::Index predicted = 0;
        probabilities.row(i).maxCoeff(&predicted);
        correct += predicted == static_cast<neuro::Index>(classes(i, 0)) ? 1 : 0;
    }
    return static_cast<double>(correct) / static_cast<double>(classes.rows());
}

/// Three Gaussian blobs in the plane (standard deviation 0.6, centres 3 apart), with class
/// indices 0..2 in y, rows in random order.
template <class T>
neuro::SyntheticData<T> blobs(neuro::Index samples, std::uint64_t seed) {
    const double centres[3][2] = {{0.0, 3.0}, {-2.6, -1.5}, {2.6, -1.5}};
    neuro::Random random(seed);
    neuro::SyntheticData<T> data{neuro::Matrix<T>(samples, 2), neuro::Matrix<T>(samples, 1)};
    for (neuro::Index i = 0; i < samples; ++i) {
        const auto c = static_cast<int>(random.below(3));
        data.x(i, 0) = static_cast<T>(centres[c][0] + 0.6 * random.normal());
        data.x(i, 1) = static_cast<T>(centres[c][1] + 0.6 * random.normal());
        data.y(i, 0) = static_cast<T>(c);
    }
    return data;
}

}  // namespace

TEMPLATE_TEST_CASE("The seed binary classification problem reaches 95 percent test accuracy", "[learning][seed]",
                   float, double) {
    using T = TestType;
    auto data = neuro::make_binary_classification<T>(1000, 10, 42);
    constexpr neuro::Index train_rows = 800;

    // Standardize with the training part's statistics only.
    const neuro::Vector<T> mean = data.x.topRows(train_rows).colwise().mean().transpose();
    neuro::Matrix<T> centred = data.x.rowwise() - mean.transpose();
    const neuro::Vector<T> stddev =
        (centred.topRows(train_rows).array().square().colwise().sum() / T(train_rows)).sqrt().transpose();
    const neuro::Matrix<T> x = centred.array().rowwise() / stddev.transpose().array();
    REQUIRE(x.allFinite());

    neuro::Sequential<T> model;
    model.add(neuro::Dense<T>(10, 64));
    model.add(neuro::ReLU<T>());
    model.add(neuro::Dense<T>(64, 64));
    model.add(neuro::ReLU<T>());
    model.add(neuro::Dense<T>(64, 1));
    model.add(neuro::Sigmoid<T>());
    model.compile(neuro::Adam<T>(T(1e-3)), neuro::BinaryCrossEntropy<T>());

    const neuro::Matrix<T> test_x = x.bottomRows(200);
    const neuro::Matrix<T> test_y = data.y.bottomRows(200);
    REQUIRE(binary_accuracy<T>(model.predict(test_x), test_y) < 0.9);  // training is what gets it there

    const neuro::History h = model.fit(x.topRows(train_rows), data.y.topRows(train_rows), options(10, 32));
    REQUIRE(h.loss.size() == 10);
    CHECK(h.loss.back() < h.loss.front());

    const double accuracy = binary_accuracy<T>(model.predict(test_x), test_y);
    INFO("test accuracy " << accuracy << ", test loss " << model.evaluate(test_x, test_y).loss);
    CHECK(accuracy >= 0.95);
}

TEMPLATE_TEST_CASE("XOR is solved with a margin", "[learning][xor]", float, double) {
    using T = TestType;
    neuro::Matrix<T> x(4, 2);
    x << T(0), T(0), T(0), T(1), T(1), T(0), T(1), T(1);
    neuro::Matrix<T> y(4, 1);
    y << T(0), T(1), T(1), T(0);

    neuro::Sequential<T> model(1);
    model.add(neuro::Dense<T>(2, 8));
    model.add(neuro::Tanh<T>());
    model.add(neuro::Dense<T>(8, 1));
    model.add(neuro::Sigmoid<T>());
    model.compile(neuro::Adam<T>(T(5e-2)), neuro::BinaryCrossEntropy<T>());
    model.fit(x, y, options(500, 4));

    const neuro::Matrix<T> p = model.predict(x);
    INFO("predictions " << p.transpose());
    CHECK(p(0, 0) < T(0.1));
    CHECK(p(1, 0) > T(0.9));
    CHECK(p(2, 0) > T(0.9));
    CHECK(p(3, 0) < T(0.1));
}

TEMPLATE_TEST_CASE("Regression of sin on -3 to 3 reaches a mean squared error below 0.01", "[learning][regression]",
                   float, double) {
    using T = TestType;
    constexpr neuro::Index n = 200;
    neuro::Matrix<T> x(n, 1);
    neuro::Matrix<T> y(n, 1);
    for (neuro::Index i = 0; i < n; ++i) {
        x(i, 0) = T(-3.0 + 6.0 * static_cast<double>(i) / static_cast<double>(n - 1));
        y(i, 0) = std::sin(x(i, 0));
    }

    neuro::Sequential<T> model(2);
    model.add(neuro::Dense<T>(1, 32));
    model.add(neuro::Tanh<T>());
    model.add(neuro::Dense<T>(32, 32));
    model.add(neuro::Tanh<T>());
    model.add(neuro::Dense<T>(32, 1));
    model.compile(neuro::Adam<T>(T(1e-2)), neuro::MeanSquaredError<T>());
    REQUIRE(model.evaluate(x, y).loss > 0.1);
    const neuro::History h = model.fit(x, y, options(150, 32));

    const double mse = model.evaluate(x, y).loss;
    INFO("final training loss " << h.loss.back() << ", mse " << mse);
    CHECK(mse < 0.01);
    // Between the training points too.
    neuro::Matrix<T> between(4, 1);
    between << T(-2.5), T(-std::numbers::pi / 2), T(0.4), T(std::numbers::pi / 2);
    const neuro::Matrix<T> p = model.predict(between);
    for (neuro::Index i = 0; i < between.rows(); ++i) CHECK(std::abs(p(i, 0) - std::sin(between(i, 0))) < T(0.2));
}

TEMPLATE_TEST_CASE("Three Gaussian blobs are classified with 95 percent accuracy", "[learning][multiclass]", float,
                   double) {
    using T = TestType;
    const auto train = blobs<T>(300, 7);
    const auto test = blobs<T>(150, 8);

    neuro::Sequential<T> model(3);
    model.add(neuro::Dense<T>(2, 16));
    model.add(neuro::ReLU<T>());
    model.add(neuro::Dense<T>(16, 3));
    model.add(neuro::Softmax<T>());
    REQUIRE(categorical_accuracy<T>(model.predict(test.x), test.y) < 0.9);  // training is what gets it there

    SECTION("Softmax with sparse categorical cross-entropy on class indices") {
        model.compile(neuro::Adam<T>(T(1e-2)), neuro::SparseCategoricalCrossEntropy<T>());
        model.fit(train.x, train.y, options(20, 32));
        const double accuracy = categorical_accuracy<T>(model.predict(test.x), test.y);
        INFO("test accuracy " << accuracy);
        CHECK(accuracy >= 0.95);
    }
    SECTION("Softmax with categorical cross-entropy on one-hot targets") {
        neuro::Matrix<T> one_hot = neuro::Matrix<T>::Zero(train.y.rows(), 3);
        for (neuro::Index i = 0; i < train.y.rows(); ++i) one_hot(i, static_cast<neuro::Index>(train.y(i, 0))) = T(1);
        model.compile(neuro::Adam<T>(T(1e-2)), neuro::CategoricalCrossEntropy<T>());
        model.fit(train.x, one_hot, options(20, 32));
        const double accuracy = categorical_accuracy<T>(model.predict(test.x), test.y);
        INFO("test accuracy " << accuracy);
        CHECK(accuracy >= 0.95);
    }
}

}  // namespace test_learning
