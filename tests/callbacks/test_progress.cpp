// ProgressLogger: the plain per-epoch lines and the terminal bar, checked exactly against an
// injected clock, the rate of terminal redraws, and where fit's verbose output goes.

#include "../support/models.hpp"

#include <neuro/neuro.hpp>

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <Eigen/Core>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

namespace test_progress {

namespace {

/// The " - "-separated fields of a plain progress line.
std::vector<std::string> split_fields(const std::string& line) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (std::size_t found; (found = line.find(" - ", start)) != std::string::npos; start = found + 3)
        fields.push_back(line.substr(start, found - start));
    fields.push_back(line.substr(start));
    return fields;
}

bool is_whole_number(const std::string& text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// "420us", "850ms" or "12.3s", as ProgressLogger prints durations.
bool is_duration(const std::string& text) {
    for (const std::string unit : {"us", "ms"})
        if (text.ends_with(unit)) return is_whole_number(text.substr(0, text.size() - unit.size()));
    if (!text.ends_with("s")) return false;
    const std::string number = text.substr(0, text.size() - 1);
    const auto point = number.find('.');
    return point != std::string::npos && is_whole_number(number.substr(0, point)) &&
           number.size() - point == 2 && is_whole_number(number.substr(point + 1));
}

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

using neuro::testing::linear_targets;
using neuro::testing::random_matrix;
using neuro::testing::tanh_regressor;

neuro::FitOptions options(int epochs, neuro::Index batch_size, int verbose = 0) {
    neuro::FitOptions o;
    o.epochs = epochs;
    o.batch_size = batch_size;
    o.shuffle = false;
    o.verbose = verbose;
    return o;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::istringstream stream(text);
    std::vector<std::string> lines;
    for (std::string line; std::getline(stream, line);) lines.push_back(line);
    return lines;
}

std::size_t count(const std::string& text, char c) { return static_cast<std::size_t>(std::ranges::count(text, c)); }

std::size_t count(const std::string& text, const std::string& part) {
    std::size_t n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
    return n;
}

/// Sends std::cout to a string while it lives.
class CaptureCout {
public:
    CaptureCout() : previous_(std::cout.rdbuf(captured_.rdbuf())) {}
    ~CaptureCout() { std::cout.rdbuf(previous_); }
    CaptureCout(const CaptureCout&) = delete;
    CaptureCout& operator=(const CaptureCout&) = delete;
    std::string text() const { return captured_.str(); }

private:
    std::ostringstream captured_;
    std::streambuf* previous_;
};

/// A clock the test sets from hooks that run before the logger's.
template <class T>
struct ScriptedClock {
    double now = 0;
    std::vector<double> epoch_begin;  // the time each epoch starts
    std::vector<double> epoch_end;    // and ends
    std::vector<double> batch_step;   // per epoch: time added at each batch end

    neuro::LambdaCallback<T> driver() {
        neuro::LambdaCallback<T> d;
        d.epoch_begin = [this](neuro::Sequential<T>&, int e) { now = epoch_begin.at(static_cast<std::size_t>(e)); };
        d.batch_end = [this](neuro::Sequential<T>&, int e, neuro::Index, const neuro::Logs&) {
            now += batch_step.empty() ? 0.0 : batch_step.at(static_cast<std::size_t>(e));
        };
        d.epoch_end = [this](neuro::Sequential<T>&, int e, const neuro::Logs&) {
            now = epoch_end.at(static_cast<std::size_t>(e));
        };
        return d;
    }
    typename neuro::ProgressLogger<T>::Clock clock() {
        return [this] { return now; };
    }
};

}  // namespace

TEMPLATE_TEST_CASE("ProgressLogger in plain mode prints one exact line per epoch", "[callbacks][progress]", float,
                   double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(10, 2, 1);
    const neuro::Matrix<T> y = linear_targets(x);
    const neuro::Matrix<T> xv = random_matrix<T>(5, 2, 2);
    auto model = tanh_regressor<T>(4, 0.05);

    ScriptedClock<T> clock;
    clock.epoch_begin = {10.0, 20.0, 30.0};
    clock.epoch_end = {10.25, 21.5, 30.0004};
    auto driver = clock.driver();
    std::ostringstream out;
    neuro::ProgressLogger<T> logger(out, false, clock.clock());

    SECTION("two epochs with validation: milliseconds, then seconds") {
        const neuro::History h = model.fit(x, y, xv, linear_targets(xv), options(2, 4), {&driver, &logger});
        // 10 samples in 0.25 s and in 1.5 s.
        const std::string expected =
            fmt::format("Epoch 1/2 - 3 steps - 250ms - 40 samples/s - loss: {:.4f} - val_loss: {:.4f}\n"
                        "Epoch 2/2 - 3 steps - 1.5s - 7 samples/s - loss: {:.4f} - val_loss: {:.4f}\n",
                        h.loss[0], h.val_loss[0], h.loss[1], h.val_loss[1]);
        CHECK(out.str() == expected);
        CHECK(count(out.str(), '\r') == 0);
    }
    SECTION("microseconds, and no val_loss without validation data") {
        const neuro::History h = model.fit(x, y, options(3, 5), {&driver, &logger});
        const auto lines = lines_of(out.str());
        REQUIRE(lines.size() == 3);
        CHECK(lines[0] == fmt::format("Epoch 1/3 - 2 steps - 250ms - 40 samples/s - loss: {:.4f}", h.loss[0]));
        CHECK(lines[2] == fmt::format("Epoch 3/3 - 2 steps - 400us - 25000 samples/s - loss: {:.4f}", h.loss[2]));
    }
    SECTION("a resumed fit numbers its epochs from initial_epoch") {
        clock.epoch_begin = {0, 0, 0, 10.0, 20.0};
        clock.epoch_end = {0, 0, 0, 12.0, 20.5};
        auto o = options(5, 10);
        o.initial_epoch = 3;
        const neuro::History h = model.fit(x, y, o, {&driver, &logger});
        CHECK(out.str() == fmt::format("Epoch 4/5 - 1 steps - 2.0s - 5 samples/s - loss: {:.4f}\n"
                                       "Epoch 5/5 - 1 steps - 500ms - 20 samples/s - loss: {:.4f}\n",
                                       h.loss[0], h.loss[1]));
    }
}

TEMPLATE_TEST_CASE("ProgressLogger in terminal mode draws an exact bar", "[callbacks][progress]", float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(10, 2, 1);
    const neuro::Matrix<T> y = linear_targets(x);
    const neuro::Matrix<T> xv = random_matrix<T>(5, 2, 2);
    auto model = tanh_regressor<T>(4, 0.05);

    ScriptedClock<T> clock;
    clock.epoch_begin = {10.0, 20.0};
    clock.epoch_end = {10.5, 22.0};
    clock.batch_step = {0.0625, 0.25};
    auto driver = clock.driver();
    std::vector<std::vector<double>> running(2);
    neuro::LambdaCallback<T> losses;
    losses.batch_end = [&](neuro::Sequential<T>&, int e, neuro::Index, const neuro::Logs& logs) {
        running[static_cast<std::size_t>(e)].push_back(logs.at("loss"));
    };
    std::ostringstream out;
    neuro::ProgressLogger<T> logger(out, true, clock.clock());
    const neuro::History h = model.fit(x, y, xv, linear_targets(xv), options(2, 4), {&driver, &losses, &logger});

    // Epoch 1: batch 1 ends at +0.0625 s (drawn: the first), batch 2 at +0.125 s (under 0.1 s after
    // the last draw: skipped), batch 3 is the last (drawn by the epoch end at +0.5 s).
    // Epoch 2: batches end at +0.25 s and +0.5 s, both drawn; the epoch ends at +2 s.
    const std::string third = std::string(10, '=') + '>' + std::string(19, '.');
    const std::string two_thirds = std::string(20, '=') + '>' + std::string(9, '.');
    const std::string full(30, '=');
    const std::string expected = fmt::format(
        "Epoch 1/2\n"
        "\r1/3 [{0}] - ETA: 125ms - 64 samples/s - loss: {3:.4f}\x1b[K"
        "\r3/3 [{2}] - 500ms - 20 samples/s - loss: {4:.4f} - val_loss: {5:.4f}\x1b[K\n"
        "Epoch 2/2\n"
        "\r1/3 [{0}] - ETA: 500ms - 16 samples/s - loss: {6:.4f}\x1b[K"
        "\r2/3 [{1}] - ETA: 250ms - 16 samples/s - loss: {7:.4f}\x1b[K"
        "\r3/3 [{2}] - 2.0s - 5 samples/s - loss: {8:.4f} - val_loss: {9:.4f}\x1b[K\n",
        third, two_thirds, full, running[0][0], h.loss[0], h.val_loss[0], running[1][0], running[1][1], h.loss[1],
        h.val_loss[1]);
    CHECK(out.str() == expected);
}

TEMPLATE_TEST_CASE("ProgressLogger shows the batches run when training stops within an epoch",
                   "[callbacks][progress]", float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(10, 2, 1);
    const neuro::Matrix<T> y = linear_targets(x);
    auto model = tanh_regressor<T>(4, 0.05);

    ScriptedClock<T> clock;
    clock.epoch_begin = {10.0};
    clock.epoch_end = {10.5};
    clock.batch_step = {0.0625};
    auto driver = clock.driver();
    neuro::LambdaCallback<T> stopper;  // stops after the second of three batches
    stopper.batch_end = [](neuro::Sequential<T>& m, int, neuro::Index batch, const neuro::Logs&) {
        if (batch == 1) m.stop_training();
    };
    std::ostringstream out;

    SECTION("plain: the steps run and the samples they took") {
        neuro::ProgressLogger<T> logger(out, false, clock.clock());
        const neuro::History h = model.fit(x, y, options(2, 4), {&driver, &stopper, &logger});
        REQUIRE(h.loss.size() == 1);
        CHECK(out.str() == fmt::format("Epoch 1/2 - 2 steps - 500ms - 16 samples/s - loss: {:.4f}\n", h.loss[0]));
    }
    SECTION("terminal: a partial bar with the epoch's time, no ETA") {
        neuro::ProgressLogger<T> logger(out, true, clock.clock());
        std::vector<double> running;
        neuro::LambdaCallback<T> losses;
        losses.batch_end = [&](neuro::Sequential<T>&, int, neuro::Index, const neuro::Logs& logs) {
            running.push_back(logs.at("loss"));
        };
        const neuro::History h = model.fit(x, y, options(2, 4), {&driver, &stopper, &losses, &logger});
        REQUIRE(running.size() == 2);
        // Batch 1 is drawn; batch 2, 0.0625 s later, is not; the epoch's end draws 2 of 3.
        const std::string third = std::string(10, '=') + '>' + std::string(19, '.');
        const std::string two_thirds = std::string(20, '=') + '>' + std::string(9, '.');
        CHECK(out.str() == fmt::format("Epoch 1/2\n"
                                       "\r1/3 [{}] - ETA: 125ms - 64 samples/s - loss: {:.4f}\x1b[K"
                                       "\r2/3 [{}] - 500ms - 16 samples/s - loss: {:.4f}\x1b[K\n",
                                       third, running[0], two_thirds, h.loss[0]));
    }
}

TEMPLATE_TEST_CASE("ProgressLogger redraws the terminal bar at most ten times a second", "[callbacks][progress]",
                   float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(200, 2, 1);
    const neuro::Matrix<T> y = linear_targets(x);
    const neuro::Matrix<T> xv = random_matrix<T>(5, 2, 2);
    auto model = tanh_regressor<T>(4, 0.05);

    long calls = 0;
    std::vector<long> calls_at_begin;
    std::vector<long> calls_at_end;
    neuro::LambdaCallback<T> before;  // runs before the logger's hooks
    before.epoch_begin = [&](neuro::Sequential<T>&, int) { calls_at_begin.push_back(calls); };
    neuro::LambdaCallback<T> after;  // and this after
    after.epoch_end = [&](neuro::Sequential<T>&, int, const neuro::Logs&) { calls_at_end.push_back(calls); };

    std::ostringstream out;
    SECTION("a clock advancing 0.01 s per reading") {
        neuro::ProgressLogger<T> logger(out, true, [&calls] { return 0.01 * static_cast<double>(calls++); });
        const neuro::History h = model.fit(x, y, xv, linear_targets(xv), options(2, 1), {&before, &logger, &after});
        const std::string text = out.str();
        REQUIRE(count(text, "Epoch 1/2\n") == 1);
        REQUIRE(count(text, "Epoch 2/2\n") == 1);
        CHECK(count(text, '\n') == 4);  // the header and the final line of each epoch
        const auto second = text.find("Epoch 2/2\n");
        for (std::size_t e = 0; e < 2; ++e) {
            INFO("epoch " << e + 1);
            const std::string part = e == 0 ? text.substr(0, second) : text.substr(second);
            CHECK_THAT(part, StartsWith(fmt::format("Epoch {}/2\n\r", e + 1)));
            const double seconds = 0.01 * static_cast<double>(calls_at_end[e] - calls_at_begin[e]);
            const std::size_t redraws = count(part, '\r');
            // The first batch and the epoch's end are drawn; in between, at most one draw per 0.1 s.
            CHECK(static_cast<double>(redraws) <= 10 * seconds + 2);
            CHECK(redraws >= 10);  // ~2 s of fake time: it does keep redrawing
            // Every redraw but the last is an unfinished bar with an ETA and no val_loss.
            std::vector<std::string> draws;
            for (std::size_t at = part.find('\r'); at != std::string::npos;) {
                const auto next = part.find('\r', at + 1);
                draws.push_back(part.substr(at + 1, next == std::string::npos ? std::string::npos : next - at - 1));
                at = next;
            }
            REQUIRE(draws.size() == redraws);
            for (std::size_t i = 0; i + 1 < draws.size(); ++i) {
                INFO(draws[i]);
                CHECK_THAT(draws[i], Contains("ETA: ") && Contains(">") && Contains(" - loss: "));
                CHECK_THAT(draws[i], !Contains("val_loss") && !Contains("\n"));
            }
            CHECK_THAT(draws.front(), StartsWith("  1/200 [>.....") && Contains(".] - ETA: "));
            CHECK_THAT(draws.back(), StartsWith(fmt::format("200/200 [{}] - ", std::string(30, '='))));
            CHECK_THAT(draws.back(), Contains(fmt::format(" - loss: {:.4f} - val_loss: {:.4f}\x1b[K\n", h.loss[e],
                                                          h.val_loss[e])));
            CHECK_THAT(draws.back(), !Contains("ETA"));
        }
    }
    SECTION("a frozen clock: only the first batch and the epoch end are drawn") {
        neuro::ProgressLogger<T> logger(out, true, [] { return 5.0; });
        model.fit(x, y, options(2, 1), {&logger});
        CHECK(count(out.str(), '\r') == 4);
        CHECK_THAT(out.str(), Contains("\r  1/200 [>") && Contains("\r200/200 [="));
    }
}

TEMPLATE_TEST_CASE("fit's verbose output goes to FitOptions::output, plain on a non-terminal stream",
                   "[callbacks][progress]", float, double) {
    using T = TestType;
    const neuro::Matrix<T> x = random_matrix<T>(10, 2, 1);
    const neuro::Matrix<T> y = linear_targets(x);
    const neuro::Matrix<T> xv = random_matrix<T>(5, 2, 2);
    auto model = tanh_regressor<T>(4, 0.05);
    std::ostringstream out;

    SECTION("verbose 1 writes the plain lines to output, nothing to std::cout") {
        auto o = options(2, 4, 1);
        o.output = &out;
        neuro::History h;
        {
            CaptureCout cout;
            h = model.fit(x, y, xv, linear_targets(xv), o);
            CHECK(cout.text().empty());
        }
        const auto lines = lines_of(out.str());
        REQUIRE(lines.size() == 2);
        // "Epoch e/2 - 3 steps - <duration> - <rate> samples/s - loss: L - val_loss: V"; the
        // duration and rate depend on the real clock, so only their form is checked.
        for (std::size_t e = 0; e < 2; ++e) {
            INFO(lines[e]);
            const std::vector<std::string> fields = split_fields(lines[e]);
            REQUIRE(fields.size() == 6);
            CHECK(fields[0] == fmt::format("Epoch {}/2", e + 1));
            CHECK(fields[1] == "3 steps");
            CHECK(is_duration(fields[2]));
            CHECK(fields[3].ends_with(" samples/s"));
            CHECK(is_whole_number(fields[3].substr(0, fields[3].size() - std::string(" samples/s").size())));
            CHECK(fields[4] == fmt::format("loss: {:.4f}", h.loss[e]));
            CHECK(fields[5] == fmt::format("val_loss: {:.4f}", h.val_loss[e]));
        }
        CHECK(count(out.str(), '\r') == 0);
    }
    SECTION("verbose 0 prints nothing anywhere") {
        auto o = options(2, 4, 0);
        o.output = &out;
        CaptureCout cout;
        model.fit(x, y, xv, linear_targets(xv), o);
        CHECK(cout.text().empty());
        CHECK(out.str().empty());
    }
    SECTION("without output, verbose 1 writes to std::cout") {
        CaptureCout cout;
        model.fit(x, y, options(2, 4, 1));
        CHECK_THAT(cout.text(), Contains("Epoch 1/2") && Contains("Epoch 2/2") && Contains("loss: "));
    }
    SECTION("the logger runs after the user's callbacks, so a stop in on_epoch_end still prints that epoch") {
        auto o = options(5, 4, 1);
        o.output = &out;
        neuro::LambdaCallback<T> stopper;
        stopper.epoch_end = [](neuro::Sequential<T>& m, int, const neuro::Logs&) { m.stop_training(); };
        model.fit(x, y, o, {&stopper});
        CHECK(lines_of(out.str()).size() == 1);
        CHECK_THAT(out.str(), StartsWith("Epoch 1/5 - 3 steps - "));
    }
    CHECK_FALSE(neuro::ProgressLogger<T>::is_terminal(out));
}

}  // namespace test_progress
