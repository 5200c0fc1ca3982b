// Metrics named at compile: computed each epoch on the training and validation data, kept in
// History by name, and returned by evaluate, equal to the metrics functions applied by hand.

#include <neuro/neuro.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace test_training_metrics {

using Catch::Matchers::Contains;

namespace {

template <class T>
neuro::Sequential<T> binary_model(std::vector<std::string> metrics, double learning_rate) {
    neuro::Sequential<T> model(3);
    model.add(neuro::Dense<T>(10, 16));
    model.add(neuro::ReLU<T>());
    model.add(neuro::Dense<T>(16, 1));
    model.add(neuro::Sigmoid<T>());
    model.compile(neuro::SGD<T>(T(learning_rate)), neuro::BinaryCrossEntropy<T>(), std::move(metrics));
    return model;
}

neuro::FitOptions quiet(int epochs) {
    neuro::FitOptions options;
    options.epochs = epochs;
    options.batch_size = 16;
    options.verbose = 0;
    return options;
}

}  // namespace

TEMPLATE_TEST_CASE("training metrics with a learning rate of 0 equal the metrics of predict", "[metrics][fit]",
                   float, double) {
    using T = TestType;
    const auto data = neuro::make_binary_classification<T>(200, 10, 5);
    auto model = binary_model<T>({"accuracy", "precision", "recall", "f1", "auc"}, 0.0);
    // With no update the outputs seen during the epoch are predict's outputs.
    const neuro::History history = model.fit(data.x, data.y, quiet(2));
    const neuro::Matrix<T> scores = model.predict(data.x);
    const Eigen::Matrix<T, Eigen::Dynamic, 1> labels = (scores.array() >= T(0.5)).template cast<T>();
    REQUIRE(history.metrics.size() == 5);
    for (const auto& [name, values] : history.metrics) REQUIRE(values.size() == 2);
    CHECK(history.metrics.at("accuracy")[1] == Approx(neuro::metrics::accuracy(data.y, labels)));
    CHECK(history.metrics.at("precision")[1] == Approx(neuro::metrics::precision(data.y, labels)));
    CHECK(history.metrics.at("recall")[1] == Approx(neuro::metrics::recall(data.y, labels)));
    CHECK(history.metrics.at("f1")[1] == Approx(neuro::metrics::f1_score(data.y, labels)));
    CHECK(history.metrics.at("auc")[1] == Approx(neuro::metrics::roc_auc(data.y, scores)));
}

TEMPLATE_TEST_CASE("validation metrics equal evaluate on the validation rows after each epoch", "[metrics][fit]",
                   float, double) {
    using T = TestType;
    const auto data = neuro::make_binary_classification<T>(200, 10, 6);
    auto model = binary_model<T>({"accuracy", "auc"}, 0.1);
    neuro::FitOptions options = quiet(1);
    options.validation_split = 0.25;
    const neuro::History history = model.fit(data.x, data.y, options);
    const neuro::Evaluation validation = model.evaluate(data.x.bottomRows(50), data.y.bottomRows(50));
    CHECK(history.metrics.at("val_accuracy")[0] == Approx(validation.metrics.at("accuracy")));
    CHECK(history.metrics.at("val_auc")[0] == Approx(validation.metrics.at("auc")));
    CHECK(history.val_loss[0] == Approx(validation.loss));
}

TEST_CASE("multiclass metrics take the largest output as the predicted class", "[metrics][fit]") {
    neuro::Sequential<double> model(4);
    model.add(neuro::Dense<double>(2, 3));
    model.add(neuro::Softmax<double>());
    model.compile(neuro::SGD<double>(0.1), neuro::SparseCategoricalCrossEntropy<double>(),
                  {"accuracy", "f1", "auc", "mse"});
    neuro::Matrix<double> x(6, 2);
    x << 1, 0, 0, 1, -1, -1, 2, 0, 0, 2, -2, -2;
    neuro::Matrix<double> y(6, 1);
    y << 0, 1, 2, 0, 1, 2;
    const neuro::Evaluation evaluation = model.evaluate(x, y);
    const neuro::Matrix<double> scores = model.predict(x);
    Eigen::VectorXd predicted(6);
    for (Eigen::Index i = 0; i < 6; ++i) scores.row(i).maxCoeff(&predicted.coeffRef(i)) ;
    CHECK(evaluation.metrics.at("accuracy") == Approx(neuro::metrics::accuracy(y, predicted)));
    CHECK(evaluation.metrics.at("f1") ==
          Approx(neuro::metrics::f1_score(y, predicted, neuro::metrics::Average::Macro)));
    CHECK(evaluation.metrics.at("auc") == Approx(neuro::metrics::roc_auc(y, scores)));
    neuro::Matrix<double> one_hot = neuro::Matrix<double>::Zero(6, 3);
    for (Eigen::Index i = 0; i < 6; ++i) one_hot(i, static_cast<Eigen::Index>(y(i, 0))) = 1;
    CHECK(evaluation.metrics.at("mse") == Approx((scores - one_hot).array().square().mean()));
}

TEST_CASE("an AUC without both classes in the targets is NaN, not an error", "[metrics][fit]") {
    auto model = binary_model<double>({"auc", "accuracy"}, 0.1);
    const auto data = neuro::make_binary_classification<double>(50, 10, 7);
    const neuro::Matrix<double> ones = neuro::Matrix<double>::Ones(50, 1);
    const neuro::Evaluation evaluation = model.evaluate(data.x, ones);
    CHECK(std::isnan(evaluation.metrics.at("auc")));
    CHECK(std::isfinite(evaluation.metrics.at("accuracy")));
}

TEST_CASE("compile rejects unknown metrics and classification metrics for a regression loss", "[metrics][errors]") {
    neuro::Sequential<float> model;
    model.add(neuro::Dense<float>(2, 1));
    REQUIRE_THROWS_WITH(model.compile(neuro::SGD<float>(0.1f), neuro::MeanSquaredError<float>(), {"accuracy"}),
                        Contains("accuracy") && Contains("classification loss") && Contains("MeanSquaredError"));
    REQUIRE_THROWS_WITH(model.compile(neuro::SGD<float>(0.1f), neuro::BinaryCrossEntropy<float>(), {"acuracy"}),
                        Contains("unknown metric \"acuracy\""));
    CHECK_NOTHROW(model.compile(neuro::SGD<float>(0.1f), neuro::MeanSquaredError<float>(), {"mae", "mse"}));
}

TEST_CASE("without metrics History and evaluate carry none", "[metrics][fit]") {
    auto model = binary_model<float>({}, 0.1);
    const auto data = neuro::make_binary_classification<float>(64, 10, 8);
    CHECK(model.fit(data.x, data.y, quiet(1)).metrics.empty());
    CHECK(model.evaluate(data.x, data.y).metrics.empty());
}

}  // namespace test_training_metrics
