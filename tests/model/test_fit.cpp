// Sequential::fit and train_on_batch: history, validation, batching, epochs, learning rate,
// verbosity, dropout and the losses a model is commonly trained with.

#include "../support/models.hpp"

#include <neuro/neuro.hpp>

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <Eigen/Core>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace test_fit {

namespace {

using Catch::Matchers::Contains;

using neuro::testing::parameters_of;
using neuro::testing::random_matrix;

template <class T>
neuro::Matrix<T> labels_for(const neuro::Matrix<T>& x) {
    neuro::Matrix<T> y(x.rows(), 1);
    for (neuro::Index i = 0; i < x.rows(); ++i) y(i, 0) = x(i, 0) - x(i, 1) > T(0) ? T(1) : T(0);
    return y;
}

/// 4-16-1: Dense ReLU Dense Sigmoid, optionally with an L2 penalty on the first layer.
template <class T>
neuro::Sequential<T> small_classifier(double l2 = 0.0) {
    neuro::Sequential<T> model(5);
    model.add(neuro::Dense<T>(4, 16, {.l2 = l2}));
    model.add(neuro::ReLU<T>());
    model.add(neuro::Dense<T>(16, 1));
    model.add(neuro::Sigmoid<T>());
    return model;
}

neuro::FitOptions options(int epochs, neuro::Index batch_size, bool shuffle = true, std::uint64_t seed = 1) {
    neuro::FitOptions o;
    o.epochs = epochs;
    o.batch_size = batch_size;
    o.shuffle = shuffle;
    o.seed = seed;
    o.verbose = 0;
    return o;
}

/// Runs `action` with the process's standard output (file descriptor 1) sent to a
/// temporary file, and returns what was written there.
std::string capture_stdout(const std::function<void()>& action) {
    std::fflush(stdout);
    std::cout.flush();
    std::FILE* file = std::tmpfile();
    REQUIRE(file != nullptr);
    const int saved = ::dup(STDOUT_FILENO);
    REQUIRE(saved >= 0);
    REQUIRE(::dup2(::fileno(file), STDOUT_FILENO) >= 0);
    try {
        action();
    } catch (...) {
        std::fflush(stdout);
        ::dup2(saved, STDOUT_FILENO);
        ::close(saved);
        std::fclose(file);
        throw;
    }
    std::fflush(stdout);
    std::cout.flush();
    ::dup2(saved, STDOUT_FILENO);
    ::close(saved);

    std::string text;
    std::rewind(file);
    char buffer[4096];
    for (std::size_t read; (read = std::fread(buffer, 1, sizeof buffer, file)) > 0;) text.append(buffer, read);
    std::fclose(file);
    return text;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::istringstream stream(text);
    std::vector<std::string> lines;
    for (std::string line; std::getline(stream, line);) lines.push_back(line);
    return lines;
}

}  // namespace

TEMPLATE_TEST_CASE("History has one loss per epoch and val_loss only with validation data", "[fit][history]", float,
                   double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(50, 4, 1);
    const neuro::Matrix<T> y = labels_for(x);
    auto model = small_classifier<T>();
    model.compile(neuro::Adam<T>(T(1e-2)), neuro::BinaryCrossEntropy<T>());

    SECTION("without validation") {
        const neuro::History h = model.fit(x, y, options(3, 16));
        CHECK(h.loss.size() == 3);
        CHECK(h.epochs() == 3);
        CHECK(h.val_loss.empty());
    }
    SECTION("with validation_split") {
        auto o = options(4, 16);
        o.validation_split = 0.2;
        const neuro::History h = model.fit(x, y, o);
        CHECK(h.loss.size() == 4);
        CHECK(h.val_loss.size() == 4);
    }
    SECTION("with explicit validation data") {
        const neuro::Matrix<T> xv = random_matrix<T>(9, 4, 2);
        const neuro::History h = model.fit(x, y, xv, labels_for(xv), options(2, 16));
        CHECK(h.loss.size() == 2);
        CHECK(h.val_loss.size() == 2);
    }
    SECTION("losses are finite and positive and fall on a learnable problem") {
        auto o = options(30, 10);
        o.validation_split = 0.2;
        const neuro::History h = model.fit(x, y, o);
        for (double loss : h.loss) CHECK((std::isfinite(loss) && loss > 0));
        for (double loss : h.val_loss) CHECK((std::isfinite(loss) && loss > 0));
        CHECK(h.loss.back() < 0.5 * h.loss.front());
    }
}

TEMPLATE_TEST_CASE("validation_split holds out the last rows of the data", "[fit][validation]", float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(100, 4, 3);
    const neuro::Matrix<T> y = labels_for(x);
    auto base = small_classifier<T>();
    base.compile(neuro::Adam<T>(T(1e-2)), neuro::BinaryCrossEntropy<T>());

    auto split = base;
    auto o = options(3, 16);
    o.validation_split = 0.2;
    const neuro::History h_split = split.fit(x, y, o);

    auto explicit_validation = base;
    const neuro::History h_explicit =
        explicit_validation.fit(x.topRows(80), y.topRows(80), x.bottomRows(20), y.bottomRows(20), options(3, 16));

    CHECK(parameters_of(split) == parameters_of(explicit_validation));
    CHECK(h_split.loss == h_explicit.loss);
    CHECK(h_split.val_loss == h_explicit.val_loss);

    SECTION("and not the first rows") {
        auto first_rows_held_out = base;
        first_rows_held_out.fit(x.bottomRows(80), y.bottomRows(80), x.topRows(20), y.topRows(20), options(3, 16));
        CHECK(parameters_of(first_rows_held_out) != parameters_of(split));
    }
    SECTION("the split point is floor of N times one minus the split") {
        // 10 rows with a split of 0.25: 7.5 training rows, so 7 train and 3 validate.
        const neuro::Matrix<T> xs = x.topRows(10);
        const neuro::Matrix<T> ys = y.topRows(10);
        auto a = base;
        auto os = options(2, 4);
        os.validation_split = 0.25;
        const neuro::History ha = a.fit(xs, ys, os);
        auto b = base;
        const neuro::History hb = b.fit(xs.topRows(7), ys.topRows(7), xs.bottomRows(3), ys.bottomRows(3), options(2, 4));
        CHECK(parameters_of(a) == parameters_of(b));
        CHECK(ha.val_loss == hb.val_loss);
        CHECK(a.optimizer().steps() == 4);  // 7 rows in batches of 4, two epochs
    }
}

TEMPLATE_TEST_CASE("val_loss equals evaluate on the validation data after the epoch", "[fit][validation]", float,
                   double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(60, 4, 4);
    const neuro::Matrix<T> y = labels_for(x);
    const neuro::Matrix<T> xv = random_matrix<T>(25, 4, 5);
    const neuro::Matrix<T> yv = labels_for(xv);
    auto model = small_classifier<T>();
    model.compile(neuro::Adam<T>(T(1e-2)), neuro::BinaryCrossEntropy<T>());

    SECTION("explicit validation data") {
        const neuro::History h = model.fit(x, y, xv, yv, options(1, 16));
        REQUIRE(h.val_loss.size() == 1);
        // Validation runs in batches of the training batch size; the same batches give the same sum.
        CHECK(h.val_loss[0] == model.evaluate(xv, yv, 16).loss);
        CHECK(h.val_loss[0] == Approx(model.evaluate(xv, yv).loss).epsilon(100 * std::numeric_limits<T>::epsilon()));
        CHECK(h.val_loss[0] != model.evaluate(x, y).loss);
    }
    SECTION("the last epoch of several") {
        const neuro::History h = model.fit(x, y, xv, yv, options(3, 16));
        REQUIRE(h.val_loss.size() == 3);
        CHECK(h.val_loss.back() == model.evaluate(xv, yv, 16).loss);
        CHECK(h.val_loss[0] != h.val_loss[2]);
    }
    SECTION("validation_split") {
        auto o = options(1, 16);
        o.validation_split = 0.25;
        const neuro::History h = model.fit(x, y, o);
        REQUIRE(h.val_loss.size() == 1);
        CHECK(h.val_loss[0] == model.evaluate(x.bottomRows(15), y.bottomRows(15), 16).loss);
    }
}

TEMPLATE_TEST_CASE("History loss is the batch-size-weighted mean of the batch losses", "[fit][history]", float,
                   double) {
    using T = TestType;
    // With learning rate 0 and no shuffling, every batch loss is evaluate on that batch.
    const neuro::Matrix<T> x = random_matrix<T>(10, 4, 6);
    const neuro::Matrix<T> y = labels_for(x);
    const double l2 = GENERATE(0.0, 1e-2);
    auto model = small_classifier<T>(l2);
    model.compile(neuro::SGD<T>(T(0)), neuro::BinaryCrossEntropy<T>());
    const neuro::Vector<T> initial = parameters_of(model);

    const neuro::History h = model.fit(x, y, options(2, 4, false));
    REQUIRE(h.loss.size() == 2);
    CHECK(parameters_of(model) == initial);
    CHECK(model.optimizer().steps() == 6);  // batches of 4, 4 and 2, twice

    // Each batch's loss as the library reports it: the mean over the batch plus the penalty.
    const double batch_0 = model.evaluate(x.topRows(4), y.topRows(4)).loss;
    const double batch_1 = model.evaluate(x.middleRows(4, 4), y.middleRows(4, 4)).loss;
    const double batch_2 = model.evaluate(x.bottomRows(2), y.bottomRows(2)).loss;
    const double weighted = (4 * batch_0 + 4 * batch_1 + 2 * batch_2) / 10;
    const double unweighted = (batch_0 + batch_1 + batch_2) / 3;
    REQUIRE(weighted != Approx(unweighted).epsilon(1e-6));  // the data tells the two apart

    CHECK(h.loss[0] == Approx(weighted).epsilon(1e-12));
    CHECK(h.loss[1] == h.loss[0]);
    CHECK(h.loss[0] == Approx(model.evaluate(x, y, 4).loss).epsilon(1e-12));
    // Over all samples at once the float sums round differently, within the scalar's precision.
    CHECK(h.loss[0] == Approx(model.evaluate(x, y).loss).epsilon(10 * std::numeric_limits<T>::epsilon()));
    if (l2 > 0) {
        const double penalty = model.template layer<neuro::Dense<T>>(0).regularization_penalty();
        REQUIRE(penalty > 0);
        auto unregularized = small_classifier<T>();
        unregularized.compile(neuro::SGD<T>(T(0)), neuro::BinaryCrossEntropy<T>());
        const neuro::History plain = unregularized.fit(x, y, options(1, 4, false));
        CHECK(h.loss[0] == Approx(plain.loss[0] + penalty).epsilon(1e-12));
    }
}

TEMPLATE_TEST_CASE("A short last batch and a batch larger than the data both train", "[fit][batch]", float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(10, 4, 7);
    const neuro::Matrix<T> y = labels_for(x);
    auto model = small_classifier<T>();
    model.compile(neuro::Adam<T>(T(1e-2)), neuro::BinaryCrossEntropy<T>());
    const neuro::Vector<T> initial = parameters_of(model);

    SECTION("ten rows in batches of four") {
        const neuro::History h = model.fit(x, y, options(2, 4));
        CHECK(model.optimizer().steps() == 6);
        CHECK(std::isfinite(h.loss[0]));
        CHECK(std::isfinite(h.loss[1]));
        CHECK(parameters_of(model) != initial);
        CHECK(model.predict(x).allFinite());
    }
    SECTION("a batch larger than the data is one full batch, as train_on_batch") {
        auto by_batch = model;
        const neuro::History h = model.fit(x, y, options(1, 100, false));
        CHECK(model.optimizer().steps() == 1);
        const double loss = by_batch.train_on_batch(x, y);
        CHECK(parameters_of(model) == parameters_of(by_batch));
        CHECK(h.loss[0] == Approx(loss).epsilon(1e-12));
    }
    SECTION("a batch exactly the size of the data") {
        model.fit(x, y, options(3, 10));
        CHECK(model.optimizer().steps() == 3);
    }
}

TEMPLATE_TEST_CASE("The batch size may change between fit calls", "[fit][batch]", float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(10, 4, 8);
    const neuro::Matrix<T> y = labels_for(x);
    auto model = small_classifier<T>();
    model.compile(neuro::Adam<T>(T(1e-2)), neuro::BinaryCrossEntropy<T>());

    model.fit(x, y, options(1, 4));
    CHECK(model.optimizer().steps() == 3);
    // A copy starts with fresh buffers, so it shows what the next fit should do.
    const std::vector<neuro::Index> next_sizes = {8, 2, 10, 3, 1};
    std::int64_t steps = 3;
    for (neuro::Index batch : next_sizes) {
        INFO("batch size " << batch);
        auto fresh = model;
        model.fit(x, y, options(1, batch));
        fresh.fit(x, y, options(1, batch));
        steps += (10 + batch - 1) / batch;
        CHECK(model.optimizer().steps() == steps);
        CHECK(parameters_of(model) == parameters_of(fresh));
    }
    CHECK(model.predict(x).allFinite());
}

TEMPLATE_TEST_CASE("epochs of 0 return an empty history and leave the weights unchanged", "[fit][epochs]", float,
                   double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(20, 4, 9);
    const neuro::Matrix<T> y = labels_for(x);
    auto model = small_classifier<T>();
    model.compile(neuro::Adam<T>(T(1e-2)), neuro::BinaryCrossEntropy<T>());
    const neuro::Vector<T> initial = parameters_of(model);

    auto o = options(0, 4);
    SECTION("without validation") {}
    SECTION("with validation_split") { o.validation_split = 0.5; }
    const neuro::History h = model.fit(x, y, o);
    CHECK(h.loss.empty());
    CHECK(h.val_loss.empty());
    CHECK(h.epochs() == 0);
    CHECK(parameters_of(model) == initial);
    CHECK(model.optimizer().steps() == 0);
}

TEMPLATE_TEST_CASE("The learning rate can be changed between epochs through optimizer", "[fit][learning-rate]", float,
                   double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(30, 4, 10);
    const neuro::Matrix<T> y = labels_for(x);
    auto model = small_classifier<T>();
    model.compile(neuro::Adam<T>(T(1e-2)), neuro::BinaryCrossEntropy<T>());
    CHECK(model.optimizer().learning_rate() == Approx(1e-2).epsilon(1e-6));

    SECTION("a learning rate of 0 leaves the weights unchanged") {
        model.fit(x, y, options(1, 8));
        const neuro::Vector<T> after_first = parameters_of(model);
        model.optimizer().set_learning_rate(0.0);
        CHECK(model.optimizer().learning_rate() == 0.0);
        const neuro::History h = model.fit(x, y, options(2, 8, false));
        CHECK(parameters_of(model) == after_first);
        CHECK(h.loss[0] == h.loss[1]);
        CHECK(model.optimizer().steps() == 4 + 8);

        model.optimizer().set_learning_rate(1e-2);
        model.fit(x, y, options(1, 8));
        CHECK(parameters_of(model) != after_first);
    }
    SECTION("the new rate is the one used") {
        // Without shuffling, two fits of one epoch are one fit of two epochs.
        auto two_epochs = model;
        two_epochs.fit(x, y, options(2, 8, false));

        auto same_rate = model;
        same_rate.fit(x, y, options(1, 8, false));
        same_rate.optimizer().set_learning_rate(same_rate.optimizer().learning_rate());
        same_rate.fit(x, y, options(1, 8, false));
        CHECK(parameters_of(same_rate) == parameters_of(two_epochs));

        auto faster = model;
        faster.fit(x, y, options(1, 8, false));
        faster.optimizer().set_learning_rate(5e-2);
        faster.fit(x, y, options(1, 8, false));
        CHECK(parameters_of(faster) != parameters_of(two_epochs));
    }
}

TEST_CASE("verbose 1 prints one line per epoch on standard output and verbose 0 prints nothing", "[fit][verbose]") {
    const neuro::Matrix<float> x = random_matrix<float>(20, 4, 11);
    const neuro::Matrix<float> y = labels_for(x);
    auto model = small_classifier<float>();
    model.compile(neuro::Adam<float>(1e-2f), neuro::BinaryCrossEntropy<float>());

    SECTION("verbose 1") {
        auto o = options(2, 8);
        o.verbose = 1;
        neuro::History h;
        const std::string output = capture_stdout([&] { h = model.fit(x, y, o); });
        const auto lines = lines_of(output);
        REQUIRE(lines.size() == 2);
        CHECK_THAT(lines[0], Contains("Epoch 1/2") && Contains(fmt::format("loss: {:.4f}", h.loss[0])));
        CHECK_THAT(lines[1], Contains("Epoch 2/2") && Contains(fmt::format("loss: {:.4f}", h.loss[1])));
        CHECK_THAT(output, !Contains("val_loss"));
    }
    SECTION("verbose 1 with validation reports val_loss") {
        auto o = options(3, 8);
        o.verbose = 1;
        o.validation_split = 0.25;
        neuro::History h;
        const std::string output = capture_stdout([&] { h = model.fit(x, y, o); });
        const auto lines = lines_of(output);
        REQUIRE(lines.size() == 3);
        for (std::size_t e = 0; e < 3; ++e) {
            CHECK_THAT(lines[e], Contains(fmt::format("Epoch {}/3", e + 1)) &&
                                     Contains(fmt::format("val_loss: {:.4f}", h.val_loss[e])));
        }
    }
    SECTION("verbose 0") {
        auto o = options(2, 8);
        o.verbose = 0;
        o.validation_split = 0.25;
        const std::string output = capture_stdout([&] {
            model.fit(x, y, o);
            model.predict(x);
            model.evaluate(x, y);
            model.train_on_batch(x, y);
        });
        CHECK(output.empty());
    }
    SECTION("the default is verbose 1") {
        neuro::FitOptions o;
        o.epochs = 1;
        const std::string output = capture_stdout([&] { model.fit(x, y, o); });
        CHECK_THAT(output, Contains("Epoch 1/1"));
    }
}

TEMPLATE_TEST_CASE("train_on_batch returns the batch loss and updates the weights", "[fit][train_on_batch]", float,
                   double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(12, 4, 12);
    const neuro::Matrix<T> y = labels_for(x);
    auto model = small_classifier<T>();
    model.compile(neuro::Adam<T>(T(1e-2)), neuro::BinaryCrossEntropy<T>());
    const neuro::Vector<T> initial = parameters_of(model);
    const double before = model.evaluate(x, y).loss;

    const double loss = model.train_on_batch(x, y);
    CHECK(loss == Approx(before).epsilon(1e-12));
    CHECK(parameters_of(model) != initial);
    CHECK(model.optimizer().steps() == 1);
    CHECK(model.gradients().squaredNorm() > 0);

    double latest = loss;
    for (int step = 0; step < 50; ++step) latest = model.train_on_batch(x, y);
    CHECK(latest < loss);
    CHECK(model.optimizer().steps() == 51);

    SECTION("a smaller batch after a larger one") {
        const double small = model.train_on_batch(x.topRows(3), y.topRows(3));
        CHECK(std::isfinite(small));
        CHECK(model.optimizer().steps() == 52);
    }
    SECTION("as one step of fit") {
        auto fitted = small_classifier<T>();
        fitted.compile(neuro::Adam<T>(T(1e-2)), neuro::BinaryCrossEntropy<T>());
        auto stepped = fitted;
        fitted.fit(x, y, options(1, 12, false));
        stepped.train_on_batch(x, y);
        CHECK(parameters_of(fitted) == parameters_of(stepped));
    }
}

TEMPLATE_TEST_CASE("A model with Dropout trains and predicts deterministically with dropout off", "[fit][dropout]",
                   float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(64, 4, 13);
    const neuro::Matrix<T> y = labels_for(x);
    neuro::Sequential<T> model(5);
    model.add(neuro::Dense<T>(4, 32));
    model.add(neuro::ReLU<T>());
    model.add(neuro::Dropout<T>(0.5));
    model.add(neuro::Dense<T>(32, 1));
    model.add(neuro::Sigmoid<T>());
    model.compile(neuro::Adam<T>(T(1e-2)), neuro::BinaryCrossEntropy<T>());

    const neuro::History h = model.fit(x, y, options(20, 16));
    CHECK(h.loss.back() < h.loss.front());

    const neuro::Matrix<T> p = model.predict(x);
    CHECK(model.predict(x) == p);
    // Another batch size may take another matrix-product kernel: equal within rounding.
    CHECK(model.predict(x, 7).isApprox(p, 10 * std::numeric_limits<T>::epsilon()));

    // The same weights without the Dropout layer give the same predictions and loss.
    neuro::Sequential<T> without(5);
    without.add(neuro::Dense<T>(4, 32));
    without.add(neuro::ReLU<T>());
    without.add(neuro::Dense<T>(32, 1));
    without.add(neuro::Sigmoid<T>());
    without.compile(neuro::Adam<T>(T(1e-2)), neuro::BinaryCrossEntropy<T>());
    without.template layer<neuro::Dense<T>>(0).weight() = model.template layer<neuro::Dense<T>>(0).weight();
    without.template layer<neuro::Dense<T>>(0).bias() = model.template layer<neuro::Dense<T>>(0).bias();
    without.template layer<neuro::Dense<T>>(2).weight() = model.template layer<neuro::Dense<T>>(3).weight();
    without.template layer<neuro::Dense<T>>(2).bias() = model.template layer<neuro::Dense<T>>(3).bias();
    CHECK(without.predict(x) == p);
    CHECK(without.evaluate(x, y).loss == model.evaluate(x, y).loss);

    SECTION("dropout is active while fitting") {
        model.optimizer().set_learning_rate(0.0);
        const neuro::History frozen = model.fit(x, y, options(1, 64, false));
        CHECK(frozen.loss[0] != Approx(model.evaluate(x, y).loss).epsilon(1e-3));
        CHECK(model.predict(x) == p);
    }
}

TEMPLATE_TEST_CASE("SparseCategoricalCrossEntropy trains with an N x 1 column of class indices", "[fit][sparse]",
                   float, double) {
    using T = TestType;
    constexpr neuro::Index n = 90;
    neuro::Matrix<T> x = random_matrix<T>(n, 2, 14);
    neuro::Matrix<T> y(n, 1);
    for (neuro::Index i = 0; i < n; ++i) {
        const auto c = i % 3;
        y(i, 0) = T(c);
        x(i, 0) += T(3) * T(c == 1) - T(3) * T(c == 2);
        x(i, 1) += T(3) * T(c == 0);
    }
    neuro::Sequential<T> model(3);
    model.add(neuro::Dense<T>(2, 16)).add(neuro::Tanh<T>()).add(neuro::Dense<T>(16, 3)).add(neuro::Softmax<T>());
    model.compile(neuro::Adam<T>(T(2e-2)), neuro::SparseCategoricalCrossEntropy<T>());

    const neuro::History h = model.fit(x, y, options(20, 16));
    CHECK(h.loss.back() < 0.5 * h.loss.front());

    const neuro::Matrix<T> p = model.predict(x);
    REQUIRE(p.rows() == n);
    REQUIRE(p.cols() == 3);
    for (neuro::Index i = 0; i < n; ++i) CHECK(p.row(i).sum() == Approx(1.0).epsilon(10 * std::numeric_limits<T>::epsilon()));

    SECTION("the loss equals categorical cross-entropy on one-hot targets") {
        neuro::Matrix<T> one_hot = neuro::Matrix<T>::Zero(n, 3);
        for (neuro::Index i = 0; i < n; ++i) one_hot(i, static_cast<neuro::Index>(y(i, 0))) = T(1);
        auto categorical = model;
        categorical.compile(neuro::Adam<T>(T(2e-2)), neuro::CategoricalCrossEntropy<T>());
        CHECK(categorical.evaluate(x, one_hot).loss ==
              Approx(model.evaluate(x, y).loss).epsilon(10 * std::numeric_limits<T>::epsilon()));
        // And the same mean of -log p[class] computed from predict.
        double expected = 0;
        for (neuro::Index i = 0; i < n; ++i)
            expected -= std::log(static_cast<double>(p(i, static_cast<neuro::Index>(y(i, 0)))));
        expected /= n;
        CHECK(model.evaluate(x, y).loss == Approx(expected).epsilon(100 * std::numeric_limits<T>::epsilon()));
    }
}

TEMPLATE_TEST_CASE("MeanSquaredError regression with several outputs", "[fit][mse]", float, double) {
    using T = TestType;
    constexpr neuro::Index n = 64;
    const neuro::Matrix<T> x = random_matrix<T>(n, 4, 15);
    neuro::Matrix<T> a(4, 3);
    a << T(1), T(-2), T(0.5), T(0), T(1), T(1), T(-1), T(0.25), T(2), T(0.5), T(0), T(-1);
    const neuro::Matrix<T> y = x * a;
    neuro::Sequential<T> model(6);
    model.add(neuro::Dense<T>(4, 3));
    model.compile(neuro::Adam<T>(T(5e-2)), neuro::MeanSquaredError<T>());

    const double start = model.evaluate(x, y).loss;
    const neuro::History h = model.fit(x, y, options(200, 16));
    CHECK(h.loss.back() < 1e-3 * start);
    CHECK(model.evaluate(x, y).loss < 1e-3);
    CHECK(model.template layer<neuro::Dense<T>>(0).weight().isApprox(a.transpose(), T(1e-2)));

    // The loss averages over outputs as well as samples.
    const neuro::Matrix<T> p = model.predict(x);
    REQUIRE(p.cols() == 3);
    const double by_hand = static_cast<double>((p - y).squaredNorm()) / (n * 3);
    CHECK(model.evaluate(x, y).loss == Approx(by_hand).epsilon(100 * std::numeric_limits<T>::epsilon()));
}

// Regression test, kept last in this file: backward used to be called on a parameterless
// layer 0 with an empty input gradient, which aborts on an Eigen assertion (dev/test presets).
TEMPLATE_TEST_CASE("A model whose first layer has no parameters trains", "[fit][first-layer]", float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(32, 4, 16);
    const neuro::Matrix<T> y = labels_for(x);
    neuro::Sequential<T> model(5);
    SECTION("input dropout") { model.add(neuro::Dropout<T>(0.2)); }
    SECTION("an activation first") { model.add(neuro::Tanh<T>()); }
    model.add(neuro::Dense<T>(4, 8)).add(neuro::ReLU<T>()).add(neuro::Dense<T>(8, 1)).add(neuro::Sigmoid<T>());
    model.compile(neuro::Adam<T>(T(1e-2)), neuro::BinaryCrossEntropy<T>());
    const neuro::Vector<T> initial = parameters_of(model);

    const neuro::History h = model.fit(x, y, options(3, 8));
    CHECK(h.loss.size() == 3);
    CHECK(parameters_of(model) != initial);
    CHECK(std::isfinite(model.train_on_batch(x, y)));
}

}  // namespace test_fit
