// Learning-rate schedules (step_decay, exponential_decay, cosine_with_warmup), the
// LearningRateScheduler that applies one at each epoch's start, and ReduceLROnPlateau.

#include "../support/models.hpp"

#include <neuro/neuro.hpp>

#include <catch2/catch.hpp>

#include <Eigen/Core>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace test_lr_schedule {

namespace {

using Catch::Matchers::Contains;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

using neuro::testing::linear_targets;
using neuro::testing::ordered_options;
using neuro::testing::parameters_of;
using neuro::testing::random_matrix;

/// A linear model, so one SGD step is exactly parameters -= lr * gradients.
template <class T>
neuro::Sequential<T> linear(double learning_rate) {
    neuro::Sequential<T> model(7);
    model.add(neuro::Dense<T>(2, 1));
    model.compile(neuro::SGD<T>(static_cast<T>(learning_rate)), neuro::MeanSquaredError<T>());
    model.optimizer().set_learning_rate(learning_rate);  // the exact double, also for float models
    return model;
}

std::vector<double> values_of(const neuro::Schedule& schedule, int epochs, double current = 1.0) {
    std::vector<double> values;
    for (int e = 0; e < epochs; ++e) values.push_back(schedule(e, current));
    return values;
}

void check_close(const std::vector<double>& actual, const std::vector<double>& expected) {
    REQUIRE(actual.size() == expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i) {
        INFO("epoch " << i);
        CHECK(actual[i] == Approx(expected[i]).epsilon(1e-12).margin(1e-15));
    }
}

}  // namespace

TEST_CASE("step_decay: initial times drop to the power floor(epoch / epochs_per_drop)", "[lr_schedule]") {
    // Halving is exact in binary floating point.
    CHECK(values_of(neuro::step_decay(0.1, 0.5, 2), 7) ==
          std::vector<double>{0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125});
    CHECK(values_of(neuro::step_decay(0.8, 0.25, 1), 4) == std::vector<double>{0.8, 0.2, 0.05, 0.0125});
    check_close(values_of(neuro::step_decay(1.0, 0.1, 3), 7), {1, 1, 1, 0.1, 0.1, 0.1, 0.01});
    // A drop above 1 grows the rate; the current rate is ignored.
    CHECK(values_of(neuro::step_decay(1.0, 2.0, 1), 4, 123.0) == std::vector<double>{1, 2, 4, 8});
}

TEST_CASE("exponential_decay: initial times rate to the power epoch", "[lr_schedule]") {
    CHECK(values_of(neuro::exponential_decay(0.1, 0.5), 4) == std::vector<double>{0.1, 0.05, 0.025, 0.0125});
    check_close(values_of(neuro::exponential_decay(2.0, 0.9), 4), {2.0, 1.8, 1.62, 1.458});
    CHECK(values_of(neuro::exponential_decay(0.3, 1.0), 3, 7.0) == std::vector<double>{0.3, 0.3, 0.3});
}

TEST_CASE("cosine_with_warmup: linear warm-up, then a cosine down to the minimum", "[lr_schedule]") {
    SECTION("warm-up 2 of 6 epochs, minimum 0") {
        const double r = std::sqrt(2.0) / 4;  // 0.5 * cos(pi / 4)
        // 0.5 and 1 while warming up; then progress 0, 1/4, 1/2, 3/4 of the cosine; minimum from epoch 6.
        check_close(values_of(neuro::cosine_with_warmup(1.0, 2, 6), 9),
                    {0.5, 1.0, 1.0, 0.5 + r, 0.5, 0.5 - r, 0.0, 0.0, 0.0});
    }
    SECTION("warm-up 4 of 8 epochs from 0.2 down to 0.02") {
        // warm-up 0.05, 0.1, 0.15, 0.2; then 0.02 + 0.09 (1 + cos(pi k / 4)) for k = 0..3; 0.02 after.
        const double c = std::sqrt(0.5);
        check_close(values_of(neuro::cosine_with_warmup(0.2, 4, 8, 0.02), 10),
                    {0.05, 0.1, 0.15, 0.2, 0.2, 0.02 + 0.09 * (1 + c), 0.11, 0.02 + 0.09 * (1 - c), 0.02, 0.02});
    }
    SECTION("no warm-up") {
        check_close(values_of(neuro::cosine_with_warmup(1.0, 0, 2), 3), {1.0, 0.5, 0.0});
    }
    SECTION("minimum equal to initial is constant") {
        check_close(values_of(neuro::cosine_with_warmup(0.3, 1, 3, 0.3), 4), {0.3, 0.3, 0.3, 0.3});
    }
}

TEST_CASE("invalid schedule parameters are neuro::Error", "[lr_schedule][errors]") {
    CHECK_THROWS_AS(neuro::step_decay(0.1, 0.0, 2), neuro::Error);
    CHECK_THROWS_AS(neuro::step_decay(0.1, -0.5, 2), neuro::Error);
    CHECK_THROWS_AS(neuro::step_decay(0.1, kNaN, 2), neuro::Error);
    CHECK_THROWS_AS(neuro::step_decay(0.1, 0.5, 0), neuro::Error);
    CHECK_THROWS_WITH(neuro::step_decay(0.1, 0.5, -1), Contains("step_decay") && Contains("epochs_per_drop"));

    CHECK_THROWS_AS(neuro::exponential_decay(0.1, 0.0), neuro::Error);
    CHECK_THROWS_AS(neuro::exponential_decay(0.1, -1.0), neuro::Error);
    CHECK_THROWS_WITH(neuro::exponential_decay(0.1, kNaN), Contains("exponential_decay"));

    CHECK_THROWS_AS(neuro::cosine_with_warmup(0.1, -1, 5), neuro::Error);
    CHECK_THROWS_AS(neuro::cosine_with_warmup(0.1, 5, 5), neuro::Error);
    CHECK_THROWS_AS(neuro::cosine_with_warmup(0.1, 6, 5), neuro::Error);
    CHECK_THROWS_AS(neuro::cosine_with_warmup(0.1, 1, 5, -0.01), neuro::Error);
    CHECK_THROWS_AS(neuro::cosine_with_warmup(0.1, 1, 5, 0.2), neuro::Error);
    CHECK_THROWS_WITH(neuro::cosine_with_warmup(0.1, 1, 5, kNaN), Contains("cosine_with_warmup"));

    CHECK_THROWS_WITH(neuro::LearningRateScheduler<float>(neuro::Schedule{}), Contains("empty"));
    CHECK_NOTHROW(neuro::step_decay(0.1, 1.0, 1));
    CHECK_NOTHROW(neuro::cosine_with_warmup(0.1, 0, 1));
}

TEMPLATE_TEST_CASE("LearningRateScheduler sets the optimizer's rate at each epoch's start", "[lr_schedule]", float,
                   double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(8, 2, 1);
    const neuro::Matrix<T> y = linear_targets(x);
    auto model = linear<T>(0.3);

    neuro::LearningRateScheduler<T> scheduler(neuro::step_decay(0.1, 0.5, 1));
    std::vector<double> at_epoch_begin;  // recorded after the scheduler ran
    std::vector<double> at_batch_begin;
    neuro::LambdaCallback<T> recorder;
    recorder.epoch_begin = [&](neuro::Sequential<T>& m, int) { at_epoch_begin.push_back(m.optimizer().learning_rate()); };
    recorder.batch_begin = [&](neuro::Sequential<T>& m, int, neuro::Index) {
        at_batch_begin.push_back(m.optimizer().learning_rate());
    };

    SECTION("the rate of every epoch") {
        model.fit(x, y, ordered_options(4), {&scheduler, &recorder});
        CHECK(at_epoch_begin == std::vector<double>{0.1, 0.05, 0.025, 0.0125});
        CHECK(at_batch_begin == std::vector<double>{0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125});
        CHECK(model.optimizer().learning_rate() == 0.0125);
    }
    SECTION("a recorder placed before the scheduler sees the rate it left behind") {
        model.fit(x, y, ordered_options(3), {&recorder, &scheduler});
        CHECK(at_epoch_begin == std::vector<double>{0.3, 0.1, 0.05});
        CHECK(at_batch_begin == std::vector<double>{0.1, 0.1, 0.05, 0.05, 0.025, 0.025});
    }
    SECTION("resumed at initial_epoch 2, the schedule starts at epoch 2") {
        auto o = ordered_options(4);
        o.initial_epoch = 2;
        model.fit(x, y, o, {&scheduler, &recorder});
        CHECK(at_epoch_begin == std::vector<double>{0.025, 0.0125});
    }
    SECTION("the steps use the rate: parameters move by rate times gradient") {
        std::vector<neuro::Vector<T>> before;
        std::vector<neuro::Vector<T>> step;
        neuro::LambdaCallback<T> track;
        track.batch_begin = [&](neuro::Sequential<T>& m, int, neuro::Index) { before.push_back(parameters_of(m)); };
        track.batch_end = [&](neuro::Sequential<T>& m, int, neuro::Index, const neuro::Logs&) {
            const neuro::Vector<T> g = m.gradients();
            step.push_back(before.back() - parameters_of(m));
            // The step is the scheduled rate times the gradient, up to rounding of the parameters.
            const double rate = m.optimizer().learning_rate();
            const double rounding = 16 * static_cast<double>(std::numeric_limits<T>::epsilon()) *
                                    (static_cast<double>(before.back().norm()) + 1);
            CHECK(static_cast<double>((step.back() - static_cast<T>(rate) * g).norm()) <= rounding);
            CHECK(rate * static_cast<double>(g.norm()) > 100 * rounding);  // a wrong rate would show
        };
        model.fit(x, y, ordered_options(3, 8), {&scheduler, &track});
        REQUIRE(step.size() == 3);
        CHECK(step[0].norm() > 0);
    }
}

TEMPLATE_TEST_CASE("LearningRateScheduler passes the epoch and the current rate to the schedule", "[lr_schedule]",
                   float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(8, 2, 1);
    const neuro::Matrix<T> y = linear_targets(x);
    auto model = linear<T>(0.2);
    std::vector<int> epochs;
    std::vector<double> given;
    neuro::LearningRateScheduler<T> scheduler([&](int epoch, double rate) {
        epochs.push_back(epoch);
        given.push_back(rate);
        return rate * 0.5;
    });
    model.fit(x, y, ordered_options(3), {&scheduler});
    CHECK(epochs == std::vector<int>{0, 1, 2});
    CHECK(given == std::vector<double>{0.2, 0.1, 0.05});
    CHECK(model.optimizer().learning_rate() == 0.025);
}

TEMPLATE_TEST_CASE("a schedule giving a NaN, infinite or negative rate is a neuro::Error naming the epoch",
                   "[lr_schedule][errors]", float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(8, 2, 1);
    const neuro::Matrix<T> y = linear_targets(x);
    auto model = linear<T>(0.2);
    std::vector<neuro::Vector<T>> at_epoch_end;
    neuro::LambdaCallback<T> capture;
    capture.epoch_end = [&](neuro::Sequential<T>& m, int, const neuro::Logs&) { at_epoch_end.push_back(parameters_of(m)); };

    for (double bad : {kNaN, kInf, -kInf, -0.01}) {
        INFO("rate " << bad);
        at_epoch_end.clear();
        neuro::LearningRateScheduler<T> scheduler([bad](int epoch, double) { return epoch == 2 ? bad : 0.01; });
        CHECK_THROWS_AS(model.fit(x, y, ordered_options(5), {&scheduler, &capture}), neuro::Error);
        // The bad rate was never applied and epoch 2 never trained.
        CHECK(model.optimizer().learning_rate() == 0.01);
        REQUIRE(at_epoch_end.size() == 2);
        CHECK(parameters_of(model) == at_epoch_end[1]);
    }
    // The epoch is named 1-based as progress prints it, with the index the schedule saw.
    neuro::LearningRateScheduler<T> scheduler([](int epoch, double) { return epoch == 2 ? kNaN : 0.01; });
    CHECK_THROWS_WITH(model.fit(x, y, ordered_options(5), {&scheduler}),
                      Contains("LearningRateScheduler") && Contains("epoch 3 (epoch index 2)") && Contains("nan"));
    neuro::LearningRateScheduler<T> negative([](int epoch, double) { return epoch == 3 ? -1.0 : 0.01; });
    CHECK_THROWS_WITH(model.fit(x, y, ordered_options(5), {&negative}),
                      Contains("epoch 4 (epoch index 3)") && Contains("-1"));
    // Zero is a valid rate.
    neuro::LearningRateScheduler<T> zero([](int, double) { return 0.0; });
    const neuro::Vector<T> before = parameters_of(model);
    CHECK_NOTHROW(model.fit(x, y, ordered_options(2), {&zero}));
    CHECK(parameters_of(model) == before);
}

namespace {

/// Runs `reducer`'s hooks directly over the monitored values (one epoch each, under `name`)
/// and returns the learning rate after each epoch.
template <class T>
std::vector<double> rates_after(neuro::ReduceLROnPlateau<T>& reducer, neuro::Sequential<T>& model,
                                const std::vector<double>& values, const std::string& name = "val_loss") {
    std::vector<double> rates;
    reducer.on_train_begin(model, neuro::TrainingPlan{});
    for (std::size_t e = 0; e < values.size(); ++e) {
        reducer.on_epoch_end(model, static_cast<int>(e), {{"loss", 1.0}, {name, values[e]}});
        rates.push_back(model.optimizer().learning_rate());
    }
    return rates;
}

}  // namespace

TEMPLATE_TEST_CASE("ReduceLROnPlateau multiplies the rate by factor after patience epochs without improvement",
                   "[lr_schedule][plateau]", float, double) {
    using T = TestType;
    auto model = linear<T>(0.8);

    SECTION("patience 2, min_delta 0") {
        neuro::ReduceLROnPlateau<T> reducer("val_loss", 0.5, 2, neuro::Mode::Auto, 0.0);
        // e0 best; e1, e2 no better: reduce at e2; e3 better (best 0.5); e4, e5 no better: reduce at e5.
        CHECK(rates_after(reducer, model, {1.0, 1.0, 1.2, 0.5, 0.6, 0.5, 0.5}) ==
              std::vector<double>{0.8, 0.8, 0.4, 0.4, 0.4, 0.2, 0.2});
    }
    SECTION("patience 0 reduces at every epoch without improvement") {
        neuro::ReduceLROnPlateau<T> reducer("val_loss", 0.5, 0, neuro::Mode::Auto, 0.0);
        CHECK(rates_after(reducer, model, {1.0, 1.0, 0.9, 0.95}) == std::vector<double>{0.8, 0.4, 0.4, 0.2});
    }
    SECTION("min_delta: only improvements larger than it reset the wait") {
        neuro::ReduceLROnPlateau<T> reducer("val_loss", 0.5, 2, neuro::Mode::Auto, 0.1);
        // 0.95, 0.92 are within 0.1 of 1.0: reduce at e2; 0.85 < 0.9 improves; 0.8, 0.78 within 0.1: reduce at e5.
        CHECK(rates_after(reducer, model, {1.0, 0.95, 0.92, 0.85, 0.8, 0.78}) ==
              std::vector<double>{0.8, 0.8, 0.4, 0.4, 0.4, 0.2});
        neuro::ReduceLROnPlateau<T> strict("val_loss", 0.5, 2, neuro::Mode::Auto, 0.0);
        model.optimizer().set_learning_rate(0.8);
        CHECK(rates_after(strict, model, {1.0, 0.95, 0.92, 0.85, 0.8, 0.78}) == std::vector<double>(6, 0.8));
    }
    SECTION("min_lr is a floor, and a rate at the floor stays") {
        neuro::ReduceLROnPlateau<T> reducer("val_loss", 0.25, 1, neuro::Mode::Auto, 0.0, 0, 0.1);
        CHECK(rates_after(reducer, model, {1.0, 1.0, 1.0, 1.0, 1.0}) == std::vector<double>{0.8, 0.2, 0.1, 0.1, 0.1});
    }
    SECTION("cooldown: epochs after a reduction do not count towards the next (as Keras)") {
        neuro::ReduceLROnPlateau<T> reducer("val_loss", 0.5, 1, neuro::Mode::Auto, 0.0, 2);
        // Constant value: reduce at e1 (cooldown 2); e2 in cooldown; e3 counts again: reduce; e4 cooldown; e5 reduce.
        CHECK(rates_after(reducer, model, std::vector<double>(6, 1.0)) ==
              std::vector<double>{0.8, 0.4, 0.4, 0.2, 0.2, 0.1});
        neuro::ReduceLROnPlateau<T> none("val_loss", 0.5, 1, neuro::Mode::Auto, 0.0, 0);
        model.optimizer().set_learning_rate(0.8);
        CHECK(rates_after(none, model, std::vector<double>(4, 1.0)) == std::vector<double>{0.8, 0.4, 0.2, 0.1});
    }
    SECTION("cooldown, min_lr and patience together") {
        neuro::ReduceLROnPlateau<T> reducer("val_loss", 0.5, 1, neuro::Mode::Auto, 0.0, 2, 0.3);
        CHECK(rates_after(reducer, model, std::vector<double>(7, 1.0)) ==
              std::vector<double>{0.8, 0.4, 0.4, 0.3, 0.3, 0.3, 0.3});
    }
    SECTION("Max mode, by name or explicitly") {
        neuro::ReduceLROnPlateau<T> by_name("val_accuracy", 0.5, 1, neuro::Mode::Auto, 0.0);
        CHECK(rates_after(by_name, model, {0.5, 0.6, 0.55}, "val_accuracy") == std::vector<double>{0.8, 0.8, 0.4});
        neuro::ReduceLROnPlateau<T> explicit_max("val_loss", 0.5, 1, neuro::Mode::Max, 0.0);
        CHECK(rates_after(explicit_max, model, {0.5, 0.6, 0.55}) == std::vector<double>{0.4, 0.4, 0.2});
    }
    SECTION("training begins afresh: the best and the wait are reset") {
        neuro::ReduceLROnPlateau<T> reducer("val_loss", 0.5, 1, neuro::Mode::Auto, 0.0);
        CHECK(rates_after(reducer, model, {0.1}) == std::vector<double>{0.8});
        CHECK(rates_after(reducer, model, {1.0, 0.9}) == std::vector<double>{0.8, 0.8});
    }
}

TEMPLATE_TEST_CASE("ReduceLROnPlateau in a real fit changes the rate the next epoch trains with",
                   "[lr_schedule][plateau]", float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(8, 2, 1);
    const neuro::Matrix<T> y = linear_targets(x);
    const neuro::Matrix<T> xv = random_matrix<T>(4, 2, 2);
    auto model = linear<T>(0.0);  // constant val_loss: a plateau from the start
    model.optimizer().set_learning_rate(0.0);
    neuro::ReduceLROnPlateau<T> reducer("val_loss", 0.5, 1, neuro::Mode::Auto, 0.0);
    // With rate 0 there is nothing to reduce (0 is not above min_lr 0).
    model.fit(x, y, xv, linear_targets(xv), ordered_options(3), {&reducer});
    CHECK(model.optimizer().learning_rate() == 0.0);

    neuro::ReduceLROnPlateau<T> needs_validation;
    CHECK_THROWS_WITH(model.fit(x, y, ordered_options(2), {&needs_validation}),
                      Contains("ReduceLROnPlateau") && Contains("\"val_loss\"") && Contains("they have: loss"));

    std::vector<double> at_batch;
    neuro::LambdaCallback<T> recorder;
    recorder.batch_begin = [&](neuro::Sequential<T>& m, int, neuro::Index) {
        at_batch.push_back(m.optimizer().learning_rate());
    };
    neuro::ReduceLROnPlateau<T> on_loss("loss", 0.5, 0, neuro::Mode::Max, 0.0);  // Max on a constant loss
    model.optimizer().set_learning_rate(1e-30);  // effectively constant weights
    model.fit(x, y, ordered_options(3, 8), {&on_loss, &recorder});
    CHECK(at_batch == std::vector<double>{1e-30, 1e-30, 0.5e-30});
}

TEST_CASE("ReduceLROnPlateau rejects invalid parameters", "[lr_schedule][plateau][errors]") {
    using R = neuro::ReduceLROnPlateau<double>;
    CHECK_THROWS_WITH(R("val_loss", 0.0), Contains("factor"));
    CHECK_THROWS_AS(R("val_loss", 1.0), neuro::Error);
    CHECK_THROWS_AS(R("val_loss", 1.5), neuro::Error);
    CHECK_THROWS_AS(R("val_loss", -0.5), neuro::Error);
    CHECK_THROWS_AS(R("val_loss", kNaN), neuro::Error);
    CHECK_THROWS_AS(R("val_loss", 0.5, -1), neuro::Error);
    CHECK_THROWS_AS(R("val_loss", 0.5, 1, neuro::Mode::Auto, -1e-4), neuro::Error);
    CHECK_THROWS_AS(R("val_loss", 0.5, 1, neuro::Mode::Auto, 0.0, -1), neuro::Error);
    CHECK_THROWS_AS(R("val_loss", 0.5, 1, neuro::Mode::Auto, 0.0, 0, -0.1), neuro::Error);
    CHECK_THROWS_AS(R("val_loss", 0.5, 1, neuro::Mode::Auto, 0.0, 0, kNaN), neuro::Error);
    CHECK_NOTHROW(R("val_loss", 0.5, 0, neuro::Mode::Auto, 0.0, 0, 0.0));
}

}  // namespace test_lr_schedule
