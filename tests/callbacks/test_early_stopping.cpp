// EarlyStopping: patience, min_delta, the direction of the monitored quantity, restoring the
// best weights, and its errors. The monitored value is scripted by a wrapper callback so that
// every stop happens at a known epoch of a real fit (the stop itself is observed through the
// number of epochs fit ran).

#include "../support/models.hpp"

#include <neuro/neuro.hpp>

#include <catch2/catch.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace test_early_stopping {

namespace {

using Catch::Matchers::Contains;

using neuro::testing::linear_targets;
using neuro::testing::ordered_options;
using neuro::testing::parameters_of;
using neuro::testing::random_matrix;
using neuro::testing::tanh_regressor;

/// Forwards the hooks to `inner`, with the epoch logs extended by `name` = script[epoch]
/// (the logs fit passes are const, so this is how a test decides what is monitored).
template <class T>
class Scripted final : public neuro::Callback<T> {
public:
    Scripted(neuro::Callback<T>& inner, std::string name, std::vector<double> script)
        : inner_(inner), name_(std::move(name)), script_(std::move(script)) {}

    void on_train_begin(neuro::Sequential<T>& model, const neuro::TrainingPlan& plan) override {
        inner_.on_train_begin(model, plan);
    }
    void on_epoch_end(neuro::Sequential<T>& model, int epoch, const neuro::Logs& logs) override {
        neuro::Logs scripted = logs;
        scripted[name_] = script_.at(static_cast<std::size_t>(epoch));
        inner_.on_epoch_end(model, epoch, scripted);
    }
    void on_train_end(neuro::Sequential<T>& model, const neuro::Logs& logs) override {
        inner_.on_train_end(model, logs);
    }

private:
    neuro::Callback<T>& inner_;
    std::string name_;
    std::vector<double> script_;
};

/// Fits `model` for up to script.size() epochs with `stopper` watching `name` = script[epoch];
/// returns the number of epochs fit ran.
template <class T>
std::size_t epochs_run(neuro::Sequential<T>& model, neuro::EarlyStopping<T>& stopper, const std::string& name,
                       std::vector<double> script) {
    const neuro::Matrix<T> x = random_matrix<T>(8, 2, 1);
    const neuro::Matrix<T> y = linear_targets(x);
    const auto epochs = static_cast<int>(script.size());
    Scripted<T> scripted(stopper, name, std::move(script));
    return model.fit(x, y, ordered_options(epochs), {&scripted}).epochs();
}

}  // namespace

TEMPLATE_TEST_CASE("EarlyStopping with patience 0 stops at the first epoch without improvement", "[early_stopping]",
                   float, double) {
    using T = TestType;
    auto model = tanh_regressor<T>(3, 0.01);
    neuro::EarlyStopping<T> stopper;  // val_loss, min_delta 0, patience 0
    CHECK(epochs_run(model, stopper, "val_loss", {1.0, 0.9, 0.9, 0.5, 0.4, 0.3}) == 3);
    CHECK(stopper.stopped_epoch() == 2);
    CHECK(stopper.best_epoch() == 1);
    CHECK(stopper.best() == 0.9);
}

TEMPLATE_TEST_CASE("EarlyStopping waits patience epochs without improvement, and improvement resets the wait",
                   "[early_stopping]", float, double) {
    using T = TestType;
    auto model = tanh_regressor<T>(3, 0.01);
    neuro::EarlyStopping<T> stopper("val_loss", 0, 2);
    // e0 best; e1 worse (wait 1); e2 best (wait 0); e3, e4 worse (wait 1, 2): stop at 4.
    CHECK(epochs_run(model, stopper, "val_loss", {1.0, 1.1, 0.9, 0.95, 0.95, 0.1, 0.1}) == 5);
    CHECK(stopper.stopped_epoch() == 4);
    CHECK(stopper.best_epoch() == 2);
    CHECK(stopper.best() == 0.9);

    SECTION("the state is reset when training begins again") {
        CHECK(epochs_run(model, stopper, "val_loss", {5.0, 4.0, 3.0, 2.0}) == 4);
        CHECK(stopper.stopped_epoch() == -1);
        CHECK(stopper.best_epoch() == 3);
        CHECK(stopper.best() == 2.0);
    }
    SECTION("equal values are not an improvement") {
        CHECK(epochs_run(model, stopper, "val_loss", {1.0, 1.0, 1.0, 1.0}) == 3);
        CHECK(stopper.best_epoch() == 0);
        CHECK(stopper.stopped_epoch() == 2);
    }
}

TEMPLATE_TEST_CASE("EarlyStopping with patience p >= 1 on a constant val_loss runs p + 1 epochs", "[early_stopping]", float,
                   double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(12, 2, 1);
    const neuro::Matrix<T> y = linear_targets(x);
    const neuro::Matrix<T> xv = random_matrix<T>(5, 2, 2);
    auto model = tanh_regressor<T>(3, 0.0);  // the weights, and so val_loss, never change
    for (int patience : {0, 1, 3}) {
        neuro::EarlyStopping<T> stopper("val_loss", 0, patience);
        const neuro::History h = model.fit(x, y, xv, linear_targets(xv), ordered_options(20), {&stopper});
        // The first epoch always improves; the next `patience` do not (patience 0 stops at the
        // first that does not, as does patience 1).
        const int last = std::max(patience, 1);
        CHECK(h.epochs() == static_cast<std::size_t>(last + 1));
        CHECK(stopper.stopped_epoch() == last);
        CHECK(stopper.best_epoch() == 0);
        CHECK(stopper.best() == h.val_loss.front());
    }
    SECTION("monitoring the training loss needs no validation data") {
        neuro::EarlyStopping<T> stopper("loss", 0, 2);
        CHECK(model.fit(x, y, ordered_options(20), {&stopper}).epochs() == 3);
    }
}

TEMPLATE_TEST_CASE("EarlyStopping counts only improvements larger than min_delta", "[early_stopping]", float,
                   double) {
    using T = TestType;
    auto model = tanh_regressor<T>(3, 0.01);
    const std::vector<double> slow{1.0, 0.95, 0.92, 0.85, 0.8, 0.78, 0.76, 0.7, 0.69};
    SECTION("min_delta 0.1") {
        neuro::EarlyStopping<T> stopper("val_loss", 0.1, 3);
        // e1, e2 within 0.1 of 1.0 (wait 1, 2); e3 = 0.85 < 0.9 improves; e4..e6 within 0.1 of 0.85: stop at 6.
        CHECK(epochs_run(model, stopper, "val_loss", slow) == 7);
        CHECK(stopper.best_epoch() == 3);
        CHECK(stopper.best() == 0.85);
        CHECK(stopper.stopped_epoch() == 6);
    }
    SECTION("min_delta 0: every decrease is an improvement") {
        neuro::EarlyStopping<T> stopper("val_loss", 0, 3);
        CHECK(epochs_run(model, stopper, "val_loss", slow) == slow.size());
        CHECK(stopper.stopped_epoch() == -1);
        CHECK(stopper.best_epoch() == 8);
    }
    SECTION("min_delta applies upwards in Max mode") {
        neuro::EarlyStopping<T> stopper("val_accuracy", 0.05, 1);
        // 0.5, then 0.54 (not by more than 0.05): stop at 1.
        CHECK(epochs_run(model, stopper, "val_accuracy", {0.5, 0.54, 0.9}) == 2);
        CHECK(stopper.best() == 0.5);
    }
}

TEMPLATE_TEST_CASE("EarlyStopping's mode: Min, Max and Auto by the monitored name", "[early_stopping]", float,
                   double) {
    using T = TestType;
    auto model = tanh_regressor<T>(3, 0.01);
    const std::vector<double> rising{0.5, 0.6, 0.7, 0.6};

    SECTION("Max: rising values improve") {
        neuro::EarlyStopping<T> stopper("val_loss", 0, 0, neuro::Mode::Max);
        CHECK(epochs_run(model, stopper, "val_loss", rising) == 4);
        CHECK(stopper.best_epoch() == 2);
        CHECK(stopper.stopped_epoch() == 3);
        CHECK(stopper.best() == 0.7);
    }
    SECTION("Min: rising values do not") {
        neuro::EarlyStopping<T> stopper("val_accuracy", 0, 0, neuro::Mode::Min);
        CHECK(epochs_run(model, stopper, "val_accuracy", rising) == 2);
        CHECK(stopper.best_epoch() == 0);
        CHECK(stopper.stopped_epoch() == 1);
    }
    SECTION("Auto: val_loss and loss are minimized") {
        neuro::EarlyStopping<T> stopper("val_loss");
        CHECK(epochs_run(model, stopper, "val_loss", rising) == 2);
        neuro::EarlyStopping<T> on_loss("loss");
        CHECK(epochs_run(model, on_loss, "loss", rising) == 2);
    }
    SECTION("Auto: names containing acc, auc, precision, recall or f1 are maximized") {
        for (const char* name : {"val_accuracy", "acc", "val_auc", "precision", "val_recall", "f1_score"}) {
            INFO(name);
            neuro::EarlyStopping<T> stopper(name);
            CHECK(epochs_run(model, stopper, name, rising) == 4);
            CHECK(stopper.best_epoch() == 2);
        }
    }
}

TEMPLATE_TEST_CASE("EarlyStopping with restore_best_weights ends with the best epoch's parameters",
                   "[early_stopping]", float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(8, 2, 1);
    const neuro::Matrix<T> y = linear_targets(x);
    auto model = tanh_regressor<T>(3, 0.05);  // the weights move every epoch

    std::vector<neuro::Vector<T>> at_epoch_end;
    neuro::LambdaCallback<T> capture;
    capture.epoch_end = [&](neuro::Sequential<T>& m, int, const neuro::Logs&) {
        at_epoch_end.push_back(parameters_of(m));
    };

    SECTION("stopped early: the weights of the best epoch, not of the last") {
        neuro::EarlyStopping<T> stopper("val_loss", 0, 2, neuro::Mode::Auto, true);
        Scripted<T> scripted(stopper, "val_loss", {1.0, 0.5, 0.7, 0.6, 0.1, 0.1});
        const neuro::History h = model.fit(x, y, ordered_options(6), {&capture, &scripted});
        REQUIRE(h.epochs() == 4);
        REQUIRE(at_epoch_end.size() == 4);
        CHECK(stopper.best_epoch() == 1);
        CHECK(at_epoch_end[1] != at_epoch_end[3]);
        CHECK(parameters_of(model) == at_epoch_end[1]);
    }
    SECTION("not stopped: the best weights are restored all the same") {
        neuro::EarlyStopping<T> stopper("val_loss", 0, 5, neuro::Mode::Auto, true);
        Scripted<T> scripted(stopper, "val_loss", {1.0, 0.5, 0.2, 0.6});
        const neuro::History h = model.fit(x, y, ordered_options(4), {&scripted, &capture});
        REQUIRE(h.epochs() == 4);
        CHECK(stopper.stopped_epoch() == -1);
        CHECK(parameters_of(model) == at_epoch_end[2]);
        CHECK(at_epoch_end[2] != at_epoch_end[3]);
    }
    SECTION("without restore_best_weights the last weights stay") {
        neuro::EarlyStopping<T> stopper("val_loss", 0, 2);
        Scripted<T> scripted(stopper, "val_loss", {1.0, 0.5, 0.7, 0.6, 0.1, 0.1});
        model.fit(x, y, ordered_options(6), {&capture, &scripted});
        REQUIRE(at_epoch_end.size() == 4);
        CHECK(parameters_of(model) == at_epoch_end[3]);
    }
    SECTION("the best of the current fit, not of an earlier one") {
        neuro::EarlyStopping<T> stopper("val_loss", 0, 1, neuro::Mode::Auto, true);
        Scripted<T> first(stopper, "val_loss", {0.001, 0.5});
        model.fit(x, y, ordered_options(2), {&first});
        at_epoch_end.clear();
        Scripted<T> second(stopper, "val_loss", {1.0, 0.5, 0.7});
        model.fit(x, y, ordered_options(3), {&capture, &second});
        CHECK(stopper.best_epoch() == 1);
        CHECK(parameters_of(model) == at_epoch_end[1]);
    }
}

TEMPLATE_TEST_CASE("EarlyStopping on a monitor missing from the logs names it and what the logs have",
                   "[early_stopping][errors]", float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(8, 2, 1);
    const neuro::Matrix<T> y = linear_targets(x);
    auto model = tanh_regressor<T>(3, 0.01);

    neuro::EarlyStopping<T> stopper;  // val_loss, but there is no validation data
    CHECK_THROWS_AS(model.fit(x, y, ordered_options(3), {&stopper}), neuro::Error);
    CHECK_THROWS_WITH(model.fit(x, y, ordered_options(3), {&stopper}),
                      Contains("EarlyStopping") && Contains("\"val_loss\"") && Contains("they have: loss"));

    const neuro::Matrix<T> xv = random_matrix<T>(4, 2, 2);
    neuro::EarlyStopping<T> typo("val_los");
    CHECK_THROWS_WITH(model.fit(x, y, xv, linear_targets(xv), ordered_options(3), {&typo}),
                      Contains("\"val_los\"") && Contains("loss, val_loss"));
}

TEST_CASE("EarlyStopping rejects a negative patience or min_delta", "[early_stopping][errors]") {
    CHECK_THROWS_AS(neuro::EarlyStopping<float>("val_loss", 0, -1), neuro::Error);
    CHECK_THROWS_WITH(neuro::EarlyStopping<double>("val_loss", 0, -3), Contains("patience") && Contains("-3"));
    CHECK_THROWS_AS(neuro::EarlyStopping<double>("val_loss", -0.1), neuro::Error);
    CHECK_THROWS_WITH(neuro::EarlyStopping<float>("val_loss", -0.5), Contains("min_delta"));
    CHECK_THROWS_AS(neuro::EarlyStopping<double>("val_loss", std::numeric_limits<double>::quiet_NaN()), neuro::Error);
    CHECK_NOTHROW(neuro::EarlyStopping<double>("val_loss", 0, 0));
}

TEMPLATE_TEST_CASE("EarlyStopping driven directly through its hooks", "[early_stopping]", float, double) {
    using T = TestType;
    auto model = tanh_regressor<T>(3, 0.01);
    neuro::EarlyStopping<T> stopper("val_loss", 0.0, 1);
    CHECK(stopper.best_epoch() == -1);
    CHECK(stopper.stopped_epoch() == -1);
    stopper.on_train_begin(model, neuro::TrainingPlan{});
    stopper.on_epoch_end(model, 0, {{"loss", 3.0}, {"val_loss", 2.0}});
    CHECK(stopper.best() == 2.0);
    stopper.on_epoch_end(model, 1, {{"loss", 3.0}, {"val_loss", 1.5}});
    CHECK(stopper.best_epoch() == 1);
    CHECK(stopper.stopped_epoch() == -1);
    stopper.on_epoch_end(model, 2, {{"loss", 3.0}, {"val_loss", std::numeric_limits<double>::quiet_NaN()}});
    CHECK(stopper.stopped_epoch() == 2);  // NaN is no improvement
    CHECK(stopper.best() == 1.5);
}

}  // namespace test_early_stopping
