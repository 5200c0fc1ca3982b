// Data-parallel fit, evaluate and predict over MPI: the same results as one process (within
// the rounding of a different summation order), the same weights on every rank after every
// step, shards of any size, and errors on one rank reported on all of them.
// Runs under mpiexec with 2 and 3 ranks (tests/distributed/CMakeLists.txt).

#include <neuro/distributed/mpi.hpp>
#include <neuro/neuro.hpp>

#include <catch2/catch.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace {

using Catch::Matchers::Contains;
using neuro::Index;

neuro::MpiCommunicator& world() {
    static neuro::MpiCommunicator communicator;
    return communicator;
}

/// Summation over ranks reorders the sum of the shards' gradients, so results agree with one
/// process to rounding: relative to the largest weight, 1e-12 for double and 1e-5 for float
/// (after up to 15 Adam steps; measured: below 4e-16 and 1e-7).
template <class T>
constexpr double tolerance = std::is_same_v<T, double> ? 1e-12 : 1e-5;

template <class T>
neuro::Matrix<T> features(Index rows, std::uint64_t seed) {
    neuro::Random random(seed);
    neuro::Matrix<T> x(rows, 4);
    for (Index c = 0; c < x.cols(); ++c)
        for (Index r = 0; r < rows; ++r) x(r, c) = static_cast<T>(random.normal());
    return x;
}

/// Three classes (as indices) from the signs of two features.
template <class T>
neuro::Matrix<T> classes(const neuro::Matrix<T>& x) {
    neuro::Matrix<T> y(x.rows(), 1);
    for (Index r = 0; r < x.rows(); ++r) y(r, 0) = x(r, 0) > 0 ? T(0) : (x(r, 1) > 0 ? T(1) : T(2));
    return y;
}

/// 4-16-3 with an L2 penalty (which must count once, not once per rank) and Adam, whose
/// moments and step count rank 0 hands to the others.
template <class T>
neuro::Sequential<T> classifier() {
    neuro::Sequential<T> model(7);
    model.add(neuro::Dense<T>(4, 16, {.l2 = 1e-3})).add(neuro::ReLU<T>()).add(neuro::Dense<T>(16, 3));
    model.add(neuro::Softmax<T>());
    model.compile(neuro::Adam<T>(1e-2), neuro::SparseCategoricalCrossEntropy<T>(), {"accuracy"});
    return model;
}

/// The largest difference between a and b, relative to b's largest magnitude.
template <class A, class B>
double relative_difference(const A& a, const B& b) {
    const double scale = std::max(static_cast<double>(b.cwiseAbs().maxCoeff()), 1e-30);
    return static_cast<double>((a - b).cwiseAbs().maxCoeff()) / scale;
}

double relative_difference(const std::vector<double>& a, const std::vector<double>& b) {
    REQUIRE(a.size() == b.size());
    return relative_difference(Eigen::Map<const Eigen::VectorXd>(a.data(), Index(a.size())),
                               Eigen::Map<const Eigen::VectorXd>(b.data(), Index(b.size())));
}

/// True on every rank when every rank holds rank 0's values, bit for bit.
template <class T>
bool same_on_every_rank(std::span<const T> values) {
    std::vector<T> root(values.begin(), values.end());
    world().broadcast(std::as_writable_bytes(std::span(root)), 0);
    const bool differs = std::memcmp(root.data(), values.data(), values.size_bytes()) != 0;
    return world().first_failure(differs) < 0;
}

template <class T>
bool same_on_every_rank(neuro::ConstVectorView<T> values) {
    return same_on_every_rank(std::span<const T>(values.data(), static_cast<std::size_t>(values.size())));
}

/// Three epochs in batches of batch_size; `weighted`: with sample and class weights for `rows` rows.
neuro::FitOptions options(Index batch_size, Index rows = 0, bool weighted = false) {
    neuro::FitOptions result{.epochs = 3, .batch_size = batch_size, .shuffle = true, .seed = 11, .verbose = 0};
    if (!weighted) return result;
    for (Index r = 0; r < rows; ++r) result.sample_weight.push_back(0.25 + 0.5 * static_cast<double>(r % 4));
    result.class_weight = {{1, 2.5}, {2, 0.5}};
    return result;
}

/// Trains a distributed and a single-process model on the same data and compares them.
template <class T>
void check_matches_one_process(Index rows, Index batch_size, bool weighted = false) {
    const auto x = features<T>(rows, 1);
    const auto y = classes(x);
    const auto x_validation = features<T>(13, 2);
    const auto y_validation = classes(x_validation);

    auto alone = classifier<T>();
    const auto expected = alone.fit(x, y, x_validation, y_validation, options(batch_size, rows, weighted));

    auto model = classifier<T>();
    model.set_communicator(&world());
    // Different weights and optimizer state off rank 0: fit must replace them by rank 0's.
    if (world().rank() != 0) {
        model.parameters()[0] += T(1);
        model.optimizer().state().front().second[0] = T(1);
        model.optimizer().set_steps(5);
    }
    int steps = 0;
    int steps_with_different_weights = 0;
    neuro::LambdaCallback<T> check_ranks;
    check_ranks.batch_end = [&](neuro::Sequential<T>& trained, int, Index, const neuro::Logs&) {
        ++steps;
        if (!same_on_every_rank<T>(std::as_const(trained).parameters())) ++steps_with_different_weights;
    };
    const auto history = model.fit(x, y, x_validation, y_validation, options(batch_size, rows, weighted), {&check_ranks});

    CHECK(steps == 3 * ((rows + batch_size - 1) / batch_size));
    CHECK(steps_with_different_weights == 0);
    CHECK(relative_difference(std::as_const(model).parameters(), std::as_const(alone).parameters()) <= tolerance<T>);
    CHECK(model.optimizer().steps() == alone.optimizer().steps());
    // Loss and metrics are global figures, the same on every rank.
    CHECK(relative_difference(history.loss, expected.loss) <= tolerance<T>);
    CHECK(relative_difference(history.val_loss, expected.val_loss) <= tolerance<T>);
    CHECK(same_on_every_rank(std::span<const double>(history.loss)));
    CHECK(same_on_every_rank(std::span<const double>(history.val_loss)));
    for (const auto& [name, values] : expected.metrics) {
        INFO(name);
        REQUIRE(history.metrics.count(name) == 1);
        // An accuracy moves by a whole sample when rounding flips a tie, so compare within one.
        const double one_sample = 1.0 / static_cast<double>(name == "accuracy" ? rows : x_validation.rows());
        for (std::size_t epoch = 0; epoch < values.size(); ++epoch)
            CHECK(history.metrics.at(name)[epoch] == Approx(values[epoch]).margin(one_sample));
        CHECK(same_on_every_rank(std::span<const double>(history.metrics.at(name))));
    }
}

}  // namespace

TEMPLATE_TEST_CASE("Data-parallel fit reaches the weights of a single-process fit on the same global batches", "",
                   float, double) {
    INFO("rank " << world().rank() << " of " << world().size());
    SECTION("a global batch that divides by the ranks") { check_matches_one_process<TestType>(48, 12); }
    SECTION("uneven shards: a batch of 10, and a short last batch of 5") {
        check_matches_one_process<TestType>(45, 10);
    }
    SECTION("a batch smaller than the number of ranks leaves some ranks without rows") {
        check_matches_one_process<TestType>(9, 2);
    }
    SECTION("uneven shards with sample and class weights") { check_matches_one_process<TestType>(45, 10, true); }
}

TEMPLATE_TEST_CASE("A world of one rank trains exactly as a plain fit", "", float, double) {
    MPI_Comm self = MPI_COMM_NULL;
    MPI_Comm_split(MPI_COMM_WORLD, world().rank(), 0, &self);
    {
        neuro::MpiCommunicator alone(self);
        REQUIRE(alone.size() == 1);
        const auto x = features<TestType>(30, 3);
        const auto y = classes(x);
        auto plain = classifier<TestType>();
        auto model = classifier<TestType>();
        model.set_communicator(&alone);
        const auto expected = plain.fit(x, y, options(7));
        const auto history = model.fit(x, y, options(7));

        CHECK(history.loss == expected.loss);
        CHECK(history.metrics == expected.metrics);
        const auto parameters = std::as_const(model).parameters();
        const auto expected_parameters = std::as_const(plain).parameters();
        CHECK(std::memcmp(parameters.data(), expected_parameters.data(),
                          sizeof(TestType) * static_cast<std::size_t>(parameters.size())) == 0);
        CHECK(model.evaluate(x, y).loss == plain.evaluate(x, y).loss);
        CHECK(model.predict(x) == plain.predict(x));
    }
    MPI_Comm_free(&self);
}

TEMPLATE_TEST_CASE("Distributed evaluate and predict give every rank the single-process results", "", float,
                   double) {
    INFO("rank " << world().rank() << " of " << world().size());
    const auto x = features<TestType>(23, 4);
    const auto y = classes(x);
    auto model = classifier<TestType>();
    model.fit(x, y, options(8));
    const auto alone = model;  // the same weights; set_communicator(nullptr) keeps it local
    model.set_communicator(&world());
    auto local = alone;
    local.set_communicator(nullptr);

    for (const Index batch_size : {Index(5), Index(256)}) {
        INFO("batch size " << batch_size);
        const neuro::Matrix<TestType> outputs = model.predict(x, batch_size);
        const neuro::Matrix<TestType> expected = local.predict(x, batch_size);
        CHECK(relative_difference(outputs, expected) <= tolerance<TestType>);
        CHECK(same_on_every_rank(std::span<const TestType>(outputs.data(), std::size_t(outputs.size()))));

        const auto evaluation = model.evaluate(x, y, batch_size);
        const auto expected_evaluation = local.evaluate(x, y, batch_size);
        CHECK(evaluation.loss == Approx(expected_evaluation.loss).epsilon(tolerance<TestType>));
        CHECK(evaluation.metrics.at("accuracy") == Approx(expected_evaluation.metrics.at("accuracy")).margin(1.0 / 23));
        CHECK(same_on_every_rank(std::span<const double>(&evaluation.loss, 1)));
    }
}

TEST_CASE("Bad data on one rank makes every rank throw neuro::Error with that rank's message") {
    auto model = classifier<double>();
    model.set_communicator(&world());
    auto x = features<double>(20, 5);
    const auto y = classes(x);
    const int last = world().size() - 1;

    SECTION("a NaN in X on the last rank") {
        if (world().rank() == last) x(3, 2) = std::numeric_limits<double>::quiet_NaN();
        const std::string where = "rank " + std::to_string(last) + " failed";
        CHECK_THROWS_WITH(model.fit(x, y, options(4)), Contains(where) && Contains("X contains nan at row 3"));
        CHECK_THROWS_WITH(model.evaluate(x, y), Contains(where) && Contains("X contains nan"));
        CHECK_THROWS_WITH(model.predict(x), Contains(where) && Contains("X contains nan"));
    }
    SECTION("fewer rows on the last rank than on rank 0") {
        const Index rows = world().rank() == last ? 19 : 20;
        CHECK_THROWS_WITH(model.fit(x.topRows(rows), y.topRows(rows), options(4)),
                          Contains("differs from rank 0's") && Contains("every rank must pass the same data"));
    }
    SECTION("a fit that fails the same way everywhere names rank 0") {
        CHECK_THROWS_WITH(model.fit(x, y, neuro::FitOptions{.batch_size = 0}),
                          Contains("rank 0 failed: fit: batch_size must be at least 1"));
    }
    // The ranks are still in step: a collective after the failures works.
    CHECK(model.predict(x.topRows(3)).rows() == 3);
}

TEST_CASE("Only rank 0 prints progress") {
    auto model = classifier<double>();
    model.set_communicator(&world());
    const auto x = features<double>(20, 6);
    std::ostringstream out;
    auto fit_options = options(5);
    fit_options.verbose = 1;
    fit_options.output = &out;
    model.fit(x, classes(x), fit_options);
    if (world().rank() == 0) CHECK_THAT(out.str(), Contains("loss"));
    else CHECK(out.str().empty());
}
