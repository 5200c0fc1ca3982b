// The callback protocol of Sequential::fit: which hooks run, in which order, with which
// TrainingPlan and logs; stop_training from a batch or an epoch; initial_epoch and resuming.

#include "../support/models.hpp"

#include <neuro/neuro.hpp>

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <Eigen/Core>

#include <cstdint>
#include <string>
#include <vector>

namespace test_callbacks {

namespace {

using Catch::Matchers::Contains;

using neuro::testing::parameters_of;
using neuro::testing::random_matrix;

/// y = x0 - 2 x1 + 0.5, plus a little of x0 squared so that a linear model cannot fit it exactly.
template <class T>
neuro::Matrix<T> targets_for(const neuro::Matrix<T>& x) {
    neuro::Matrix<T> y(x.rows(), 1);
    for (neuro::Index i = 0; i < x.rows(); ++i)
        y(i, 0) = x(i, 0) - T(2) * x(i, 1) + T(0.5) + T(0.3) * x(i, 0) * x(i, 0);
    return y;
}

/// 2-4-1 regression network.
template <class T>
neuro::Sequential<T> regressor(double learning_rate) {
    neuro::Sequential<T> model(11);
    model.add(neuro::Dense<T>(2, 4));
    model.add(neuro::Tanh<T>());
    model.add(neuro::Dense<T>(4, 1));
    model.compile(neuro::SGD<T>(static_cast<T>(learning_rate)), neuro::MeanSquaredError<T>());
    return model;
}

neuro::FitOptions options(int epochs, neuro::Index batch_size, bool shuffle = false, std::uint64_t seed = 3) {
    neuro::FitOptions o;
    o.epochs = epochs;
    o.batch_size = batch_size;
    o.shuffle = shuffle;
    o.seed = seed;
    o.verbose = 0;
    return o;
}

/// A LambdaCallback that writes every hook it sees as one line of text to `events`.
template <class T>
neuro::LambdaCallback<T> recorder(std::vector<std::string>& events) {
    neuro::LambdaCallback<T> r;
    r.train_begin = [&events](neuro::Sequential<T>&, const neuro::TrainingPlan&) { events.push_back("train_begin"); };
    r.epoch_begin = [&events](neuro::Sequential<T>&, int e) { events.push_back(fmt::format("epoch_begin {}", e)); };
    r.batch_begin = [&events](neuro::Sequential<T>&, int e, neuro::Index b) {
        events.push_back(fmt::format("batch_begin {} {}", e, b));
    };
    r.batch_end = [&events](neuro::Sequential<T>&, int e, neuro::Index b, const neuro::Logs&) {
        events.push_back(fmt::format("batch_end {} {}", e, b));
    };
    r.epoch_end = [&events](neuro::Sequential<T>&, int e, const neuro::Logs&) {
        events.push_back(fmt::format("epoch_end {}", e));
    };
    r.train_end = [&events](neuro::Sequential<T>&, const neuro::Logs&) { events.push_back("train_end"); };
    return r;
}

/// The hook sequence of a complete fit over the given epochs with `batches` batches each.
std::vector<std::string> expected_events(int first_epoch, int end_epoch, neuro::Index batches) {
    std::vector<std::string> events{"train_begin"};
    for (int e = first_epoch; e < end_epoch; ++e) {
        events.push_back(fmt::format("epoch_begin {}", e));
        for (neuro::Index b = 0; b < batches; ++b) {
            events.push_back(fmt::format("batch_begin {} {}", e, b));
            events.push_back(fmt::format("batch_end {} {}", e, b));
        }
        events.push_back(fmt::format("epoch_end {}", e));
    }
    events.push_back("train_end");
    return events;
}

std::vector<std::string> keys_of(const neuro::Logs& logs) {
    std::vector<std::string> keys;
    for (const auto& entry : logs) keys.push_back(entry.first);
    return keys;
}

}  // namespace

TEMPLATE_TEST_CASE("fit calls every hook in order: 2 epochs of 3 batches", "[callbacks][hooks]", float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(10, 2, 1);
    const neuro::Matrix<T> y = targets_for(x);
    const neuro::Matrix<T> xv = random_matrix<T>(5, 2, 2);
    const neuro::Matrix<T> yv = targets_for(xv);
    auto model = regressor<T>(0.05);

    std::vector<std::string> events;
    auto r = recorder<T>(events);

    SECTION("with validation data") {
        model.fit(x, y, xv, yv, options(2, 4), {&r});  // batches of 4, 4 and 2
        CHECK(events == expected_events(0, 2, 3));
    }
    SECTION("without validation data") {
        model.fit(x, y, options(2, 4), {&r});
        CHECK(events == expected_events(0, 2, 3));
    }
    SECTION("with shuffling") {
        model.fit(x, y, options(2, 4, true), {&r});
        CHECK(events == expected_events(0, 2, 3));
    }
    SECTION("zero epochs still begin and end training") {
        model.fit(x, y, options(0, 4), {&r});
        CHECK(events == std::vector<std::string>{"train_begin", "train_end"});
    }
}

TEMPLATE_TEST_CASE("several callbacks are called in list order at every hook", "[callbacks][hooks]", float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(6, 2, 1);
    const neuro::Matrix<T> y = targets_for(x);
    auto model = regressor<T>(0.05);

    std::vector<std::string> events;
    auto first = recorder<T>(events);
    std::vector<std::string> second_events;
    auto second = recorder<T>(second_events);
    // Interleave: the second callback appends "+" to the last event, which must be the first's.
    neuro::LambdaCallback<T> marker;
    marker.epoch_begin = [&](neuro::Sequential<T>&, int) { events.back() += "+"; };
    marker.batch_end = [&](neuro::Sequential<T>&, int, neuro::Index, const neuro::Logs&) { events.back() += "+"; };
    model.fit(x, y, options(1, 3), {&first, &marker, &second});
    CHECK(events == std::vector<std::string>{"train_begin", "epoch_begin 0+", "batch_begin 0 0", "batch_end 0 0+",
                                             "batch_begin 0 1", "batch_end 0 1+", "epoch_end 0", "train_end"});
    CHECK(second_events == expected_events(0, 1, 2));
}

TEMPLATE_TEST_CASE("on_train_begin receives the TrainingPlan of the fit", "[callbacks][plan]", float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(12, 2, 1);
    const neuro::Matrix<T> y = targets_for(x);
    auto model = regressor<T>(0.05);

    std::vector<neuro::TrainingPlan> plans;
    neuro::LambdaCallback<T> r;
    r.train_begin = [&](neuro::Sequential<T>&, const neuro::TrainingPlan& plan) { plans.push_back(plan); };

    SECTION("explicit validation data and a short last batch") {
        const neuro::Matrix<T> xv = random_matrix<T>(5, 2, 2);
        model.fit(x.topRows(10), y.topRows(10), xv, targets_for(xv), options(2, 4), {&r});
        REQUIRE(plans.size() == 1);
        CHECK(plans[0].initial_epoch == 0);
        CHECK(plans[0].epochs == 2);
        CHECK(plans[0].steps_per_epoch == 3);
        CHECK(plans[0].batch_size == 4);
        CHECK(plans[0].samples == 10);
        CHECK(plans[0].validation_samples == 5);
    }
    SECTION("validation_split: 12 rows with 0.25 held out") {
        auto o = options(3, 4);
        o.validation_split = 0.25;
        model.fit(x, y, o, {&r});
        REQUIRE(plans.size() == 1);
        CHECK(plans[0].epochs == 3);
        CHECK(plans[0].samples == 9);
        CHECK(plans[0].validation_samples == 3);
        CHECK(plans[0].steps_per_epoch == 3);  // 4, 4, 1
        CHECK(plans[0].batch_size == 4);
    }
    SECTION("no validation, batches dividing the data exactly") {
        model.fit(x, y, options(1, 6), {&r});
        REQUIRE(plans.size() == 1);
        CHECK(plans[0].steps_per_epoch == 2);
        CHECK(plans[0].samples == 12);
        CHECK(plans[0].validation_samples == 0);
    }
    SECTION("a batch size larger than the data is one batch of all samples") {
        model.fit(x, y, options(1, 100), {&r});
        REQUIRE(plans.size() == 1);
        CHECK(plans[0].steps_per_epoch == 1);
        CHECK(plans[0].batch_size == 12);
    }
    SECTION("initial_epoch is reported") {
        auto o = options(5, 4);
        o.initial_epoch = 3;
        model.fit(x, y, o, {&r});
        REQUIRE(plans.size() == 1);
        CHECK(plans[0].initial_epoch == 3);
        CHECK(plans[0].epochs == 5);
    }
}

TEMPLATE_TEST_CASE("batch-end loss is the running batch-size-weighted mean of the batch losses", "[callbacks][logs]",
                   float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(10, 2, 1);
    const neuro::Matrix<T> y = targets_for(x);
    const neuro::Matrix<T> xv = random_matrix<T>(5, 2, 2);
    const neuro::Matrix<T> yv = targets_for(xv);
    // Learning rate 0: the weights never change, so each batch's loss is evaluate on its rows.
    auto model = regressor<T>(0.0);
    const neuro::Vector<T> initial = parameters_of(model);

    std::vector<std::vector<double>> batch_losses(2);
    std::vector<neuro::Logs> epoch_logs;
    neuro::Logs final_logs;
    neuro::LambdaCallback<T> r;
    r.batch_end = [&](neuro::Sequential<T>&, int e, neuro::Index, const neuro::Logs& logs) {
        batch_losses[static_cast<std::size_t>(e)].push_back(logs.at("loss"));
    };
    r.epoch_end = [&](neuro::Sequential<T>&, int, const neuro::Logs& logs) { epoch_logs.push_back(logs); };
    r.train_end = [&](neuro::Sequential<T>&, const neuro::Logs& logs) { final_logs = logs; };

    const neuro::History h = model.fit(x, y, xv, yv, options(2, 4), {&r});
    REQUIRE(parameters_of(model) == initial);

    // Batches of 4, 4 and 2 rows in order (shuffle off). Powers of two keep loss * n / n exact.
    const double l0 = model.evaluate(x.middleRows(0, 4), y.middleRows(0, 4)).loss;
    const double l1 = model.evaluate(x.middleRows(4, 4), y.middleRows(4, 4)).loss;
    const double l2 = model.evaluate(x.middleRows(8, 2), y.middleRows(8, 2)).loss;
    const std::vector<double> expected{l0, (l0 * 4 + l1 * 4) / 8, (l0 * 4 + l1 * 4 + l2 * 2) / 10};
    CHECK(batch_losses[0] == expected);
    CHECK(batch_losses[1] == expected);
    CHECK(l0 != l1);  // the running mean is not trivially constant

    REQUIRE(epoch_logs.size() == 2);
    REQUIRE(h.loss.size() == 2);
    REQUIRE(h.val_loss.size() == 2);
    for (std::size_t e = 0; e < 2; ++e) {
        CHECK(keys_of(epoch_logs[e]) == std::vector<std::string>{"loss", "val_loss"});
        CHECK(epoch_logs[e].at("loss") == h.loss[e]);
        CHECK(epoch_logs[e].at("val_loss") == h.val_loss[e]);
        CHECK(h.loss[e] == expected.back());  // the epoch loss is the last running mean
    }
    // val_loss is the loss over the validation set, batched as training was.
    CHECK(h.val_loss[0] == model.evaluate(xv, yv, 4).loss);
    // on_train_end sees the last epoch's logs.
    CHECK(final_logs == epoch_logs.back());
}

// Keras' batch logs hold the training quantities only; callback.hpp documents the same ("loss" at a
// batch end, "val_loss" also at an epoch end). A val_loss at a batch end would be a placeholder
// (0 in the first epoch) or the previous epoch's value, neither of which describes this batch.
TEMPLATE_TEST_CASE("batch-end logs hold only the running loss, no placeholder or stale val_loss",
                   "[callbacks][logs]", float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(10, 2, 1);
    const neuro::Matrix<T> y = targets_for(x);
    const neuro::Matrix<T> xv = random_matrix<T>(5, 2, 2);
    auto model = regressor<T>(0.05);

    std::vector<neuro::Logs> batch_logs;
    neuro::LambdaCallback<T> r;
    r.batch_end = [&](neuro::Sequential<T>&, int, neuro::Index, const neuro::Logs& logs) {
        batch_logs.push_back(logs);
    };
    model.fit(x, y, xv, targets_for(xv), options(2, 4), {&r});
    REQUIRE(batch_logs.size() == 6);
    for (const auto& logs : batch_logs) {
        INFO("val_loss at batch end: " << (logs.count("val_loss") ? logs.at("val_loss") : -1.0));
        CHECK(keys_of(logs) == std::vector<std::string>{"loss"});
    }
}

TEMPLATE_TEST_CASE("epoch-end logs equal the History entries while training moves the weights", "[callbacks][logs]",
                   float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(20, 2, 1);
    const neuro::Matrix<T> y = targets_for(x);
    auto model = regressor<T>(0.05);

    std::vector<neuro::Logs> epoch_logs;
    std::vector<double> last_batch_loss;
    neuro::LambdaCallback<T> r;
    r.batch_end = [&](neuro::Sequential<T>&, int e, neuro::Index, const neuro::Logs& logs) {
        last_batch_loss.resize(static_cast<std::size_t>(e) + 1);
        last_batch_loss[static_cast<std::size_t>(e)] = logs.at("loss");
    };
    r.epoch_end = [&](neuro::Sequential<T>&, int, const neuro::Logs& logs) { epoch_logs.push_back(logs); };

    SECTION("without validation: only loss") {
        const neuro::History h = model.fit(x, y, options(4, 6, true), {&r});
        REQUIRE(epoch_logs.size() == 4);
        for (std::size_t e = 0; e < 4; ++e) {
            CHECK(keys_of(epoch_logs[e]) == std::vector<std::string>{"loss"});
            CHECK(epoch_logs[e].at("loss") == h.loss[e]);
            CHECK(last_batch_loss[e] == h.loss[e]);
        }
        CHECK(h.loss[3] < h.loss[0]);
    }
    SECTION("with validation_split") {
        auto o = options(3, 6, true);
        o.validation_split = 0.25;
        const neuro::History h = model.fit(x, y, o, {&r});
        REQUIRE(epoch_logs.size() == 3);
        for (std::size_t e = 0; e < 3; ++e) {
            CHECK(epoch_logs[e].at("loss") == h.loss[e]);
            CHECK(epoch_logs[e].at("val_loss") == h.val_loss[e]);
        }
    }
}

TEMPLATE_TEST_CASE("stop_training from on_batch_end stops after that batch", "[callbacks][stop]", float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(10, 2, 1);
    const neuro::Matrix<T> y = targets_for(x);
    const neuro::Matrix<T> xv = random_matrix<T>(5, 2, 2);
    const neuro::Matrix<T> yv = targets_for(xv);
    auto model = regressor<T>(0.0);

    std::vector<std::string> events;
    auto r = recorder<T>(events);
    std::vector<double> batch_loss;
    neuro::LambdaCallback<T> stopper;
    stopper.batch_end = [&](neuro::Sequential<T>& m, int e, neuro::Index b, const neuro::Logs& logs) {
        batch_loss.push_back(logs.at("loss"));
        if (e == 1 && b == 1) m.stop_training();
    };
    const neuro::History h = model.fit(x, y, xv, yv, options(5, 4), {&stopper, &r});

    // Epoch 0 complete; epoch 1 ends after its second batch; the later callback still saw that batch end.
    std::vector<std::string> expected = expected_events(0, 1, 3);
    expected.pop_back();
    for (const char* e : {"epoch_begin 1", "batch_begin 1 0", "batch_end 1 0", "batch_begin 1 1", "batch_end 1 1",
                          "epoch_end 1", "train_end"})
        expected.emplace_back(e);
    CHECK(events == expected);

    REQUIRE(h.loss.size() == 2);
    REQUIRE(h.val_loss.size() == 2);
    const double l0 = model.evaluate(x.middleRows(0, 4), y.middleRows(0, 4)).loss;
    const double l1 = model.evaluate(x.middleRows(4, 4), y.middleRows(4, 4)).loss;
    CHECK(h.loss[1] == (l0 * 4 + l1 * 4) / 8);  // the mean over the batches that ran
    CHECK(h.loss[1] == batch_loss.back());
    CHECK(h.loss[1] != h.loss[0]);
    CHECK(model.optimizer().steps() == 5);
}

TEMPLATE_TEST_CASE("stop_training from on_epoch_end stops after that epoch", "[callbacks][stop]", float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(10, 2, 1);
    const neuro::Matrix<T> y = targets_for(x);
    auto model = regressor<T>(0.05);

    std::vector<std::string> events;
    auto r = recorder<T>(events);
    neuro::LambdaCallback<T> stopper;
    stopper.epoch_end = [&](neuro::Sequential<T>& m, int e, const neuro::Logs&) {
        if (e == 1) m.stop_training();
    };
    const neuro::History h = model.fit(x, y, options(5, 4), {&stopper, &r});
    CHECK(events == expected_events(0, 2, 3));
    CHECK(h.loss.size() == 2);
    CHECK(model.optimizer().steps() == 6);

    SECTION("a later fit is not affected by the earlier stop") {
        events.clear();
        stopper.epoch_end = nullptr;
        const neuro::History again = model.fit(x, y, options(3, 4), {&r});
        CHECK(again.loss.size() == 3);
        CHECK(events == expected_events(0, 3, 3));
    }
    SECTION("a stop requested outside fit does not carry into the next fit") {
        model.stop_training();
        const neuro::History again = model.fit(x, y, options(3, 4));
        CHECK(again.loss.size() == 3);
    }
    SECTION("stopping in on_train_begin runs no epoch") {
        events.clear();
        stopper.epoch_end = nullptr;
        stopper.train_begin = [](neuro::Sequential<T>& m, const neuro::TrainingPlan&) { m.stop_training(); };
        const neuro::History none = model.fit(x, y, options(3, 4), {&stopper, &r});
        CHECK(none.loss.empty());
        CHECK(events == std::vector<std::string>{"train_begin", "train_end"});
    }
}

TEMPLATE_TEST_CASE("a null callback pointer is a neuro::Error before any hook runs", "[callbacks][errors]", float,
                   double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(10, 2, 1);
    const neuro::Matrix<T> y = targets_for(x);
    auto model = regressor<T>(0.05);
    const neuro::Vector<T> before = parameters_of(model);
    std::vector<std::string> events;
    auto r = recorder<T>(events);
    CHECK_THROWS_AS(model.fit(x, y, options(2, 4), {&r, nullptr}), neuro::Error);
    CHECK_THROWS_WITH(model.fit(x, y, options(2, 4), {nullptr}), Contains("null"));
    const neuro::Matrix<T> xv = random_matrix<T>(5, 2, 2);
    CHECK_THROWS_AS(model.fit(x, y, xv, targets_for(xv), options(2, 4), {nullptr, &r}), neuro::Error);
    CHECK(events.empty());
    CHECK(parameters_of(model) == before);
}

TEMPLATE_TEST_CASE("initial_epoch runs the epochs from initial_epoch to epochs", "[callbacks][resume]", float,
                   double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(10, 2, 1);
    const neuro::Matrix<T> y = targets_for(x);
    auto model = regressor<T>(0.05);

    std::vector<std::string> events;
    auto r = recorder<T>(events);
    auto o = options(5, 4);
    o.initial_epoch = 3;

    SECTION("epochs 3 and 4") {
        const neuro::History h = model.fit(x, y, o, {&r});
        CHECK(events == expected_events(3, 5, 3));
        CHECK(h.loss.size() == 2);
        CHECK(model.optimizer().steps() == 6);
    }
    SECTION("initial_epoch at or past epochs trains nothing") {
        o.initial_epoch = 5;
        const neuro::Vector<T> before = parameters_of(model);
        const neuro::History h = model.fit(x, y, o, {&r});
        CHECK(h.loss.empty());
        CHECK(events == std::vector<std::string>{"train_begin", "train_end"});
        CHECK(parameters_of(model) == before);
        o.initial_epoch = 7;
        CHECK(model.fit(x, y, o).loss.empty());
    }
    SECTION("a negative initial_epoch is a neuro::Error") {
        o.initial_epoch = -1;
        CHECK_THROWS_WITH(model.fit(x, y, o), Contains("initial_epoch"));
        CHECK(events.empty());
    }
}

TEMPLATE_TEST_CASE("a fit resumed with initial_epoch on a copy reproduces an uninterrupted fit bit for bit",
                   "[callbacks][resume]", float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(23, 2, 1);
    const neuro::Matrix<T> y = targets_for(x);
    const neuro::Matrix<T> xv = random_matrix<T>(7, 2, 2);
    const neuro::Matrix<T> yv = targets_for(xv);

    // Adam (state: moments and step count) and dropout (draws from the epoch's random stream).
    neuro::Sequential<T> base(21);
    base.add(neuro::Dense<T>(2, 8));
    base.add(neuro::ReLU<T>());
    base.add(neuro::Dropout<T>(0.25));
    base.add(neuro::Dense<T>(8, 1));
    base.compile(neuro::Adam<T>(T(0.01)), neuro::MeanSquaredError<T>());

    auto o = options(4, 5, true, 99);

    auto uninterrupted = base;
    std::vector<int> seen_uninterrupted;
    neuro::LambdaCallback<T> r1;
    r1.epoch_end = [&](neuro::Sequential<T>&, int e, const neuro::Logs&) { seen_uninterrupted.push_back(e); };
    const neuro::History full = uninterrupted.fit(x, y, xv, yv, o, {&r1});

    auto first_half = base;
    o.epochs = 2;
    const neuro::History h1 = first_half.fit(x, y, xv, yv, o);

    auto resumed = first_half;  // the copy carries the optimizer with its state
    REQUIRE(resumed.optimizer().steps() == first_half.optimizer().steps());
    REQUIRE(resumed.optimizer().steps() == 2 * 5);
    CHECK(resumed.optimizer().type_name() == "Adam");
    CHECK(&resumed.optimizer() != &first_half.optimizer());

    o.initial_epoch = 2;
    o.epochs = 4;
    std::vector<int> seen_resumed;
    neuro::LambdaCallback<T> r2;
    r2.epoch_end = [&](neuro::Sequential<T>&, int e, const neuro::Logs&) { seen_resumed.push_back(e); };
    const neuro::History h2 = resumed.fit(x, y, xv, yv, o, {&r2});

    CHECK(seen_uninterrupted == std::vector<int>{0, 1, 2, 3});
    CHECK(seen_resumed == std::vector<int>{2, 3});
    CHECK(parameters_of(resumed) == parameters_of(uninterrupted));
    REQUIRE(full.loss.size() == 4);
    REQUIRE(h1.loss.size() == 2);
    REQUIRE(h2.loss.size() == 2);
    CHECK(h1.loss[0] == full.loss[0]);
    CHECK(h1.loss[1] == full.loss[1]);
    CHECK(h2.loss[0] == full.loss[2]);
    CHECK(h2.loss[1] == full.loss[3]);
    CHECK(h2.val_loss[1] == full.val_loss[3]);
    CHECK(resumed.optimizer().steps() == uninterrupted.optimizer().steps());

    // The copy was independent: training it left the original where it was.
    CHECK(first_half.optimizer().steps() == 10);

    SECTION("the optimizer state matters: recompiling (resetting Adam) before resuming diverges") {
        auto reset = first_half;
        reset.compile(neuro::Adam<T>(T(0.01)), neuro::MeanSquaredError<T>());
        reset.fit(x, y, xv, yv, o);
        CHECK(parameters_of(reset) != parameters_of(uninterrupted));
    }
    SECTION("the epoch number matters: resuming as epochs 0 and 1 diverges") {
        auto wrong = first_half;
        auto o2 = o;
        o2.initial_epoch = 0;
        o2.epochs = 2;
        wrong.fit(x, y, xv, yv, o2);
        CHECK(parameters_of(wrong) != parameters_of(uninterrupted));
    }
}

}  // namespace test_callbacks
