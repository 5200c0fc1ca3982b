// Sample and class weights: the weighted loss and its gradient for every loss, and what
// fit does with FitOptions::sample_weight and class_weight (Keras' behaviour).

#include "../support/models.hpp"

#include <neuro/neuro.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace test_sample_weighting {

namespace {

using Catch::Matchers::Contains;
using neuro::Index;
using neuro::Matrix;
using neuro::testing::quiet_options;
using neuro::testing::random_matrix;

/// A loss with outputs and targets it accepts (outputs x batch, targets x batch), and whether
/// the model computes it from logits.
struct Case {
    std::string name;
    std::unique_ptr<neuro::Loss<double>> loss;
    bool from_logits;
    Matrix<double> output;
    Matrix<double> target;
};

std::vector<Case> cases(Index batch) {
    const Matrix<double> logits = random_matrix<double>(3, batch, 1);
    const Matrix<double> probabilities = (logits.array().exp().rowwise() / logits.array().exp().colwise().sum()).matrix();
    Matrix<double> one_hot = Matrix<double>::Zero(3, batch);
    Matrix<double> indices(1, batch);
    Matrix<double> bits(1, batch);
    for (Index j = 0; j < batch; ++j) {
        one_hot(j % 3, j) = 1;
        indices(0, j) = static_cast<double>(j % 3);
        bits(0, j) = static_cast<double>(j % 2);
    }
    const Matrix<double> sigmoid = (1.0 / (1.0 + (-logits.topRows(1).array()).exp())).matrix();
    std::vector<Case> result;
    result.push_back({"BCE", std::make_unique<neuro::BinaryCrossEntropy<double>>(), false, sigmoid, bits});
    result.push_back({"BCE from logits", std::make_unique<neuro::BinaryCrossEntropy<double>>(), true, logits.topRows(1), bits});
    result.push_back({"CCE", std::make_unique<neuro::CategoricalCrossEntropy<double>>(), false, probabilities, one_hot});
    result.push_back({"CCE from logits", std::make_unique<neuro::CategoricalCrossEntropy<double>>(), true, logits, one_hot});
    result.push_back({"sparse CCE from logits", std::make_unique<neuro::SparseCategoricalCrossEntropy<double>>(), true,
                      logits, indices});
    result.push_back({"MSE", std::make_unique<neuro::MeanSquaredError<double>>(), false, logits, random_matrix<double>(3, batch, 2)});
    result.push_back({"Huber", std::make_unique<neuro::Huber<double>>(0.5), false, logits, random_matrix<double>(3, batch, 3)});
    return result;
}

neuro::ConstMatrixView<double> view(const Matrix<double>& m) { return {m.data(), m.rows(), m.cols()}; }

double unweighted(const Case& c, const Matrix<double>& output, const Matrix<double>& target) {
    return c.from_logits ? c.loss->value_from_logits(view(output), view(target)) : c.loss->value(view(output), view(target));
}

double weighted(const Case& c, const Matrix<double>& output, const std::vector<double>& weights) {
    return neuro::weighted_loss(*c.loss, c.from_logits, view(output), view(c.target), std::span<const double>(weights));
}

}  // namespace

TEST_CASE("Weights of 1 give the unweighted loss", "[weights]") {
    for (const auto& c : cases(7)) {
        INFO(c.name);
        CHECK(weighted(c, c.output, std::vector<double>(7, 1.0)) == Approx(unweighted(c, c.output, c.target)).epsilon(1e-12));
    }
}

TEST_CASE("An integer weight counts a sample that many times, over the same batch size", "[weights]") {
    // Keras' reduction: sum_j w_j l_j / batch. With weights (2, 0, 1, 3, 1) that is the mean
    // loss of the batch with sample 0 twice, sample 1 dropped and sample 3 three times, times
    // its size 7, over the batch size 5.
    const std::vector<double> weights{2, 0, 1, 3, 1};
    const std::vector<Index> expanded_columns{0, 0, 2, 3, 3, 3, 4};
    for (const auto& c : cases(5)) {
        INFO(c.name);
        Matrix<double> output(c.output.rows(), 7), target(c.target.rows(), 7);
        for (Index j = 0; j < 7; ++j) {
            output.col(j) = c.output.col(expanded_columns[static_cast<std::size_t>(j)]);
            target.col(j) = c.target.col(expanded_columns[static_cast<std::size_t>(j)]);
        }
        CHECK(weighted(c, c.output, weights) == Approx(unweighted(c, output, target) * 7.0 / 5.0).epsilon(1e-12));
    }
}

TEST_CASE("The weighted gradient matches finite differences of the weighted loss", "[weights][gradient]") {
    const std::vector<double> weights{0.5, 2.0, 0.0, 1.5, 3.0, 1.0};
    for (const auto& c : cases(6)) {
        INFO(c.name);
        Matrix<double> gradient(c.output.rows(), c.output.cols());
        neuro::MatrixView<double> gradient_view(gradient.data(), gradient.rows(), gradient.cols());
        if (c.from_logits)
            c.loss->gradient_from_logits(view(c.output), view(c.target), gradient_view);
        else
            c.loss->gradient(view(c.output), view(c.target), gradient_view);
        neuro::weight_gradient(gradient_view, std::span<const double>(weights));
        const double step = 1e-6;
        for (Index i = 0; i < c.output.size(); ++i) {
            Matrix<double> plus = c.output, minus = c.output;
            plus.data()[i] += step;
            minus.data()[i] -= step;
            const double numeric = (weighted(c, plus, weights) - weighted(c, minus, weights)) / (2 * step);
            CHECK(gradient.data()[i] == Approx(numeric).margin(1e-8).epsilon(1e-6));
        }
    }
}

TEST_CASE("class_weight equals the same weights given per sample", "[weights][fit]") {
    const Matrix<double> x = random_matrix<double>(60, 4, 7);
    const Matrix<double> y = neuro::testing::separable_labels(x);
    auto trained = [&](const neuro::FitOptions& options) {
        auto model = neuro::testing::small_binary_classifier<double>(4);
        model.compile(neuro::Adam<double>(1e-2), neuro::BinaryCrossEntropy<double>());
        const auto history = model.fit(x, y, options);
        return std::pair(neuro::Vector<double>(model.parameters()), history.loss);
    };
    neuro::FitOptions by_class = quiet_options(3, 8);
    by_class.class_weight = {{1, 3.0}};  // class 0 is left out: weight 1
    neuro::FitOptions by_sample = quiet_options(3, 8);
    for (Index i = 0; i < y.rows(); ++i) by_sample.sample_weight.push_back(y(i, 0) == 1 ? 3.0 : 1.0);
    const auto [class_weights, class_loss] = trained(by_class);
    const auto [sample_weights, sample_loss] = trained(by_sample);
    CHECK(class_weights == sample_weights);
    CHECK(class_loss == sample_loss);
    CHECK(class_weights != trained(quiet_options(3, 8)).first);
}

TEST_CASE("Sample weights of 2 with SGD are a doubled learning rate", "[weights][fit]") {
    const Matrix<double> x = random_matrix<double>(40, 4, 9);
    const Matrix<double> y = neuro::testing::separable_labels(x);
    auto model = [&](double learning_rate) {
        auto m = neuro::testing::small_binary_classifier<double>(4);
        m.compile(neuro::SGD<double>(learning_rate), neuro::BinaryCrossEntropy<double>());
        return m;
    };
    neuro::FitOptions doubled = quiet_options(2, 8);
    doubled.sample_weight.assign(40, 2.0);
    auto weighted_model = model(0.05);
    const auto weighted_history = weighted_model.fit(x, y, doubled);
    auto plain_model = model(0.1);
    const auto plain_history = plain_model.fit(x, y, quiet_options(2, 8));
    CHECK(weighted_model.parameters() == plain_model.parameters());
    CHECK(weighted_history.loss.front() == Approx(2.0 * plain_history.loss.front()).epsilon(1e-12));
}

TEST_CASE("A weighted full-batch step equals a step on the data with samples repeated", "[weights][fit]") {
    // Weights (1, 2, 1, ..., 1) over N samples against the data with sample 1 twice (N + 1
    // samples): sum_j w_j grad_j / N versus the same sum / (N + 1), so the weighted step
    // takes the learning rate times N / (N + 1).
    const Index n = 30;
    const Matrix<double> x = random_matrix<double>(n, 4, 11);
    const Matrix<double> y = neuro::testing::separable_labels(x);
    Matrix<double> x_repeated(n + 1, 4), y_repeated(n + 1, 1);
    x_repeated << x, x.row(1);
    y_repeated << y, y.row(1);
    auto step = [&](const Matrix<double>& xs, const Matrix<double>& ys, double learning_rate, std::vector<double> weights) {
        auto model = neuro::testing::small_binary_classifier<double>(4);
        model.compile(neuro::SGD<double>(learning_rate), neuro::BinaryCrossEntropy<double>());
        neuro::FitOptions options = quiet_options(3, xs.rows());
        options.shuffle = false;
        options.sample_weight = std::move(weights);
        model.fit(xs, ys, options);
        return neuro::Vector<double>(model.parameters());
    };
    std::vector<double> weights(static_cast<std::size_t>(n), 1.0);
    weights[1] = 2.0;
    const auto weighted_parameters = step(x, y, 0.3 * double(n) / double(n + 1), weights);
    const auto repeated_parameters = step(x_repeated, y_repeated, 0.3, {});
    CHECK((weighted_parameters - repeated_parameters).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("Class weights help the minority class of unbalanced data", "[weights][fit]") {
    // About 10% positives, overlapping the negatives (the label sees noise the model does not):
    // weighting them 9x should raise their recall.
    const Index n = 400;
    const Matrix<double> x = random_matrix<double>(n, 2, 13);
    const Matrix<double> noise = random_matrix<double>(n, 1, 14);
    Matrix<double> y(n, 1);
    for (Index i = 0; i < n; ++i) y(i, 0) = x(i, 0) + 0.5 * x(i, 1) + noise(i, 0) > 1.8 ? 1 : 0;
    REQUIRE(y.sum() > 20);
    REQUIRE(y.sum() < 80);
    auto recall = [&](std::map<Index, double> class_weight) {
        neuro::Sequential<double> model(3);
        model.add(neuro::Dense<double>(2, 1));
        model.add(neuro::Sigmoid<double>());
        model.compile(neuro::Adam<double>(0.05), neuro::BinaryCrossEntropy<double>());
        neuro::FitOptions options = quiet_options(20, 32);
        options.class_weight = std::move(class_weight);
        model.fit(x, y, options);
        const Matrix<double> p = model.predict(x);
        double found = 0;
        for (Index i = 0; i < n; ++i) found += y(i, 0) == 1 && p(i, 0) > 0.5 ? 1 : 0;
        return found / y.sum();
    };
    const double unweighted_recall = recall({});
    const double weighted_recall = recall({{1, 9.0}});
    INFO("recall without class weights " << unweighted_recall << ", with " << weighted_recall);
    CHECK(weighted_recall > unweighted_recall + 0.2);
}

TEST_CASE("Validation loss stays unweighted", "[weights][fit]") {
    const Matrix<float> x = random_matrix<float>(50, 4, 15);
    const Matrix<float> y = neuro::testing::separable_labels(x);
    auto model = neuro::testing::small_binary_classifier<float>(4);
    model.compile(neuro::Adam<float>(1e-2f), neuro::BinaryCrossEntropy<float>());
    neuro::FitOptions options = quiet_options(2, 10);
    options.validation_split = 0.2;
    options.class_weight = {{0, 5.0}};
    const auto history = model.fit(x, y, options);
    const Matrix<float> xv = x.bottomRows(10), yv = y.bottomRows(10);
    CHECK(history.val_loss.back() == Approx(model.evaluate(xv, yv).loss).epsilon(1e-6));
}

TEST_CASE("Bad sample and class weights are rejected with what is wrong", "[weights][errors]") {
    const Matrix<float> x = random_matrix<float>(20, 4, 17);
    const Matrix<float> y = neuro::testing::separable_labels(x);
    auto model = neuro::testing::small_binary_classifier<float>(4);
    model.compile(neuro::SGD<float>(0.1f), neuro::BinaryCrossEntropy<float>());
    auto fit_with = [&](std::vector<double> sample_weight, std::map<Index, double> class_weight) {
        neuro::FitOptions options = quiet_options(1, 5);
        options.sample_weight = std::move(sample_weight);
        options.class_weight = std::move(class_weight);
        model.fit(x, y, options);
    };
    CHECK_THROWS_WITH(fit_with(std::vector<double>(19, 1.0), {}), Contains("sample_weight has 19 entries but X has 20 rows"));
    std::vector<double> negative(20, 1.0);
    negative[4] = -1;
    CHECK_THROWS_WITH(fit_with(negative, {}), Contains("sample_weight[4] is -1"));
    negative[4] = std::nan("");
    CHECK_THROWS_WITH(fit_with(negative, {}), Contains("sample_weight[4] is nan"));
    CHECK_THROWS_WITH(fit_with(std::vector<double>(20, 0.0), {}), Contains("every sample's weight is 0"));
    CHECK_THROWS_WITH(fit_with({}, {{2, 1.0}}), Contains("class_weight names class 2, but the model has classes 0 to 1"));
    CHECK_THROWS_WITH(fit_with({}, {{1, -3.0}}), Contains("class_weight of class 1 is -3"));

    neuro::Sequential<float> regression;
    regression.add(neuro::Dense<float>(4, 2));
    regression.compile(neuro::SGD<float>(0.1f), neuro::MeanSquaredError<float>());
    neuro::FitOptions options = quiet_options(1, 5);
    options.class_weight = {{0, 2.0}};
    CHECK_THROWS_WITH(regression.fit(x, random_matrix<float>(20, 2, 18), options),
                      Contains("class_weight needs a classification loss") && Contains("MeanSquaredError with 2 outputs"));
}

TEST_CASE("class_weight reads one-hot and class-index targets", "[weights][fit]") {
    const Matrix<double> x = random_matrix<double>(30, 4, 19);
    Matrix<double> indices(30, 1);
    Matrix<double> one_hot = Matrix<double>::Zero(30, 3);
    for (Index i = 0; i < 30; ++i) {
        indices(i, 0) = static_cast<double>(i % 3);
        one_hot(i, i % 3) = 1;
    }
    auto trained = [&](std::unique_ptr<neuro::Loss<double>> loss, const Matrix<double>& y) {
        neuro::Sequential<double> model(4);
        model.add(neuro::Dense<double>(4, 3));
        model.add(neuro::Softmax<double>());
        model.compile(neuro::SGD<double>(0.1).clone(), std::move(loss));
        neuro::FitOptions options = quiet_options(2, 6);
        options.class_weight = {{0, 0.5}, {2, 4.0}};
        model.fit(x, y, options);
        return neuro::Vector<double>(model.parameters());
    };
    const auto sparse = trained(std::make_unique<neuro::SparseCategoricalCrossEntropy<double>>(), indices);
    const auto dense = trained(std::make_unique<neuro::CategoricalCrossEntropy<double>>(), one_hot);
    CHECK((sparse - dense).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("Balanced class weights give every class the same total weight", "[weights]") {
    Matrix<double> labels(100, 1);
    Matrix<double> one_hot = Matrix<double>::Zero(100, 3);
    for (Index i = 0; i < 100; ++i) {
        labels(i, 0) = i < 90 ? 0 : 1;
        one_hot(i, i < 70 ? 0 : (i < 95 ? 1 : 2)) = 1;
    }
    const auto binary = neuro::balanced_class_weight(labels);
    REQUIRE(binary.size() == 2);
    CHECK(binary.at(0) == Approx(100.0 / (2 * 90)));
    CHECK(binary.at(1) == Approx(100.0 / (2 * 10)));
    CHECK(binary.at(0) * 90 == Approx(binary.at(1) * 10));
    const auto three = neuro::balanced_class_weight(one_hot);
    REQUIRE(three.size() == 3);
    CHECK(three.at(0) * 70 == Approx(100.0 / 3));
    CHECK(three.at(1) * 25 == Approx(100.0 / 3));
    CHECK(three.at(2) * 5 == Approx(100.0 / 3));
    labels(3, 0) = 0.5;
    CHECK_THROWS_WITH(neuro::balanced_class_weight(labels), Contains("y at row 3 is 0.5"));
    CHECK_THROWS_WITH(neuro::balanced_class_weight(Matrix<double>(0, 1)), Contains("y is empty"));
}

}  // namespace test_sample_weighting
