// Divergence in fit: a loss that stops being finite is a neuro::Error naming the epoch and the
// batch (1-based, as printed), the model keeps the weights of the last finite step, and with
// TerminateOnNaN fit returns the History of the completed epochs instead. train_on_batch
// refuses such a step in the same way.

#include "../support/models.hpp"

#include <neuro/neuro.hpp>

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <Eigen/Core>

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace test_divergence {

namespace {

using Catch::Matchers::Contains;
using neuro::testing::ordered_options;
using neuro::testing::parameters_of;

/// A target that is finite in T but whose square is not.
template <class T>
constexpr T huge_target() {
    if constexpr (sizeof(T) == sizeof(float))
        return T(1e30);
    else
        return T(1e200);
}

template <class T>
neuro::Sequential<T> linear(double learning_rate) {
    neuro::Sequential<T> model(3);
    model.add(neuro::Dense<T>(1, 1));
    model.compile(neuro::SGD<T>(static_cast<T>(learning_rate)), neuro::MeanSquaredError<T>());
    return model;
}

/// Records the parameters and the position of every completed batch, and the epochs that ended.
template <class T>
struct Tracker {
    std::vector<neuro::Vector<T>> parameters;  // after each completed step
    std::vector<std::pair<int, neuro::Index>> batches;
    std::vector<int> epochs_ended;
    int train_ends = 0;

    neuro::LambdaCallback<T> callback() {
        neuro::LambdaCallback<T> c;
        c.batch_end = [this](neuro::Sequential<T>& m, int e, neuro::Index b, const neuro::Logs& logs) {
            CHECK(std::isfinite(logs.at("loss")));
            parameters.push_back(parameters_of(m));
            batches.emplace_back(e, b);
        };
        c.epoch_end = [this](neuro::Sequential<T>&, int e, const neuro::Logs&) { epochs_ended.push_back(e); };
        c.train_end = [this](neuro::Sequential<T>&, const neuro::Logs&) { ++train_ends; };
        return c;
    }
};

/// x = 1 and y = 1 everywhere: with SGD at rate 5, each step multiplies the linear model's error by
/// 1 - 4 * 5 = -19, so the loss overflows after a few epochs while the weights stay finite.
template <class T>
struct Exploding {
    neuro::Matrix<T> x = neuro::Matrix<T>::Ones(8, 1);
    neuro::Matrix<T> y = neuro::Matrix<T>::Ones(8, 1);
    neuro::Matrix<T> xv = neuro::Matrix<T>::Ones(2, 1);
    neuro::Matrix<T> yv = neuro::Matrix<T>::Ones(2, 1);
};

}  // namespace

TEMPLATE_TEST_CASE("an infinite loss at the second batch is a neuro::Error naming epoch 1, batch 2",
                   "[fit][divergence]", float, double) {
    using T = TestType;
    neuro::Matrix<T> x(8, 1);
    neuro::Matrix<T> y(8, 1);
    for (neuro::Index i = 0; i < 8; ++i) {
        x(i, 0) = T(1) + T(0.1) * static_cast<T>(i);
        y(i, 0) = i < 4 ? T(0.5) : huge_target<T>();  // the second batch's loss overflows
    }
    auto model = linear<T>(0.01);
    Tracker<T> tracker;
    auto track = tracker.callback();

    SECTION("without TerminateOnNaN: an error, and the weights after batch 1") {
        CHECK_THROWS_WITH(model.fit(x, y, ordered_options(3, 4), {&track}),
                          Contains("epoch 1, batch 2") && Contains("the loss became inf") && Contains("diverged"));
        REQUIRE(tracker.parameters.size() == 1);
        CHECK(tracker.batches[0] == std::pair<int, neuro::Index>{0, 0});
        CHECK(parameters_of(model).allFinite());
        CHECK(parameters_of(model) == tracker.parameters.back());
        CHECK(tracker.epochs_ended.empty());
        CHECK(model.optimizer().steps() == 1);
    }
    SECTION("with TerminateOnNaN: no error, an empty History, the weights after batch 1") {
        neuro::TerminateOnNaN<T> terminate;
        neuro::History h;
        CHECK_NOTHROW(h = model.fit(x, y, ordered_options(3, 4), {&track, &terminate}));
        CHECK(h.loss.empty());
        CHECK(h.val_loss.empty());
        REQUIRE(tracker.parameters.size() == 1);
        CHECK(parameters_of(model) == tracker.parameters.back());
        CHECK(tracker.epochs_ended.empty());
        CHECK(tracker.train_ends == 1);
    }
    SECTION("the model trains normally again on data without the huge targets") {
        CHECK_THROWS_AS(model.fit(x, y, ordered_options(3, 4)), neuro::Error);
        const neuro::History h = model.fit(x.topRows(4), y.topRows(4), ordered_options(2, 4));
        CHECK(h.loss.size() == 2);
        CHECK(parameters_of(model).allFinite());
    }
}

TEMPLATE_TEST_CASE("a loss that grows until it overflows names the epoch and batch where it did",
                   "[fit][divergence]", float, double) {
    using T = TestType;
    const Exploding<T> data;
    auto model = linear<T>(5.0);
    Tracker<T> tracker;
    auto track = tracker.callback();

    std::string message;
    try {
        model.fit(data.x, data.y, data.xv, data.yv, ordered_options(1000, 4), {&track});
        FAIL("fit did not diverge");
    } catch (const neuro::Error& error) {
        message = error.what();
    }
    REQUIRE(!tracker.batches.empty());
    // The failing batch is the one after the last completed one (2 batches per epoch).
    const auto [epoch, batch] = tracker.batches.back();
    const int failing_epoch = batch == 1 ? epoch + 1 : epoch;
    const neuro::Index failing_batch = batch == 1 ? 0 : 1;
    INFO(message);
    CHECK(failing_epoch >= 2);  // several epochs ran first, so the number is informative
    CHECK_THAT(message, Contains(fmt::format("epoch {}, batch {}", failing_epoch + 1, failing_batch + 1)));
    CHECK_THAT(message, Contains("the loss became"));
    CHECK(parameters_of(model).allFinite());
    CHECK(parameters_of(model) == tracker.parameters.back());
    CHECK(model.optimizer().steps() == static_cast<std::int64_t>(tracker.batches.size()));
    CHECK(tracker.epochs_ended.size() == static_cast<std::size_t>(failing_epoch));
}

TEMPLATE_TEST_CASE("with TerminateOnNaN a diverging fit returns the completed epochs and finite weights",
                   "[fit][divergence]", float, double) {
    using T = TestType;
    const Exploding<T> data;
    auto model = linear<T>(5.0);
    Tracker<T> tracker;
    auto track = tracker.callback();
    neuro::TerminateOnNaN<T> terminate;

    SECTION("validation data") {
        const neuro::History h = model.fit(data.x, data.y, data.xv, data.yv, ordered_options(1000, 4), {&terminate, &track});
        REQUIRE(!tracker.batches.empty());
        CHECK(h.loss.size() < 1000);
        CHECK(h.loss.size() >= 2);
        CHECK(h.loss.size() == tracker.epochs_ended.size());
        CHECK(h.val_loss.size() == h.loss.size());
        for (double loss : h.loss) CHECK(std::isfinite(loss));
        CHECK(parameters_of(model).allFinite());
        CHECK(parameters_of(model) == tracker.parameters.back());
        CHECK(tracker.train_ends == 1);
        CHECK(h.loss.back() > h.loss.front());
    }
    SECTION("the same stop point as the error without it") {
        auto other = linear<T>(5.0);
        Tracker<T> other_tracker;
        auto other_track = other_tracker.callback();
        CHECK_THROWS_AS(other.fit(data.x, data.y, ordered_options(1000, 4), {&other_track}), neuro::Error);
        const neuro::History h = model.fit(data.x, data.y, ordered_options(1000, 4), {&track, &terminate});
        CHECK(parameters_of(model) == parameters_of(other));
        CHECK(tracker.batches == other_tracker.batches);
        CHECK(h.loss.size() == other_tracker.epochs_ended.size());
    }
    SECTION("a later fit on sane data trains again (the quiet stop does not stick)") {
        model.fit(data.x, data.y, ordered_options(1000, 4), {&terminate});
        model.parameters().setZero();
        model.optimizer().set_learning_rate(0.05);
        const neuro::History h = model.fit(data.x, data.y, ordered_options(3, 4), {&terminate});
        CHECK(h.loss.size() == 3);
        CHECK(h.loss.back() < h.loss.front());
    }
}

// A step whose update overflows (finite loss and gradient, but rate times gradient beyond the
// largest T) cannot keep the previous weights without a copy of them every step; fit reports it
// at that very step instead of returning or training on with infinite weights.
TEMPLATE_TEST_CASE("a step that overflows the weights stops fit with an error naming the step",
                   "[fit][divergence]", float, double) {
    using T = TestType;
    const double rate = sizeof(T) == sizeof(float) ? 1e36 : 1e300;
    const T target = sizeof(T) == sizeof(float) ? T(1e5) : T(1e10);  // gradient ~2e5 / 2e10: finite
    const neuro::Matrix<T> x = neuro::Matrix<T>::Ones(8, 1);
    const neuro::Matrix<T> y = neuro::Matrix<T>::Constant(8, 1, target);
    auto model = linear<T>(rate);
    CHECK_THROWS_WITH(model.fit(x, y, ordered_options(1, 8)),
                      Contains("epoch 1, batch 1") && Contains("overflowed") && Contains("learning rate"));
}

TEMPLATE_TEST_CASE("train_on_batch refuses a step whose loss is not finite and keeps the weights",
                   "[train_on_batch][divergence]", float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = neuro::Matrix<T>::Ones(4, 1);
    auto model = linear<T>(0.01);
    const neuro::Vector<T> before = parameters_of(model);

    const neuro::Matrix<T> y = neuro::Matrix<T>::Constant(4, 1, huge_target<T>());
    CHECK_THROWS_WITH(model.train_on_batch(x, y), Contains("train_on_batch: the loss became inf") &&
                                                      Contains("diverged") && Contains("weights are unchanged"));
    CHECK(parameters_of(model) == before);
    CHECK(model.optimizer().steps() == 0);
    // The refused step leaves the model able to train.
    CHECK(std::isfinite(model.train_on_batch(x, x)));
    CHECK(model.optimizer().steps() == 1);
}

TEMPLATE_TEST_CASE("train_on_batch reports an update that overflows the weights", "[train_on_batch][divergence]",
                   float, double) {
    using T = TestType;
    const double rate = sizeof(T) == sizeof(float) ? 1e36 : 1e300;
    const T target = sizeof(T) == sizeof(float) ? T(1e5) : T(1e10);  // as in the fit test above
    auto model = linear<T>(rate);
    CHECK_THROWS_WITH(model.train_on_batch(neuro::Matrix<T>::Ones(8, 1), neuro::Matrix<T>::Constant(8, 1, target)),
                      Contains("train_on_batch: the update overflowed") && Contains("learning rate"));
}

}  // namespace test_divergence
