// predict and evaluate are const and may run on several threads at once on one model.

#include "../support/models.hpp"

#include <neuro/neuro.hpp>

#include <catch2/catch.hpp>

#include <Eigen/Core>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace test_threads {

namespace {

using neuro::testing::random_matrix;

}  // namespace

TEMPLATE_TEST_CASE("predict and evaluate from four threads on one const model match single-threaded results",
                   "[threads]", float, double) {
    using T = TestType;
    constexpr int thread_count = 4;
    constexpr int repetitions = 10;

    const neuro::Matrix<T> x = random_matrix<T>(500, 12, 1);
    neuro::Matrix<T> y(500, 1);
    for (neuro::Index i = 0; i < x.rows(); ++i) y(i, 0) = x(i, 0) + x(i, 5) > T(0) ? T(1) : T(0);

    neuro::Sequential<T> trained;
    trained.add(neuro::Dense<T>(12, 64));
    trained.add(neuro::ReLU<T>());
    trained.add(neuro::Dropout<T>(0.2));
    trained.add(neuro::Dense<T>(64, 32));
    trained.add(neuro::Tanh<T>());
    trained.add(neuro::Dense<T>(32, 1));
    trained.add(neuro::Sigmoid<T>());
    trained.compile(neuro::Adam<T>(T(1e-2)), neuro::BinaryCrossEntropy<T>());
    neuro::FitOptions options;
    options.epochs = 2;
    options.verbose = 0;
    trained.fit(x, y, options);
    const neuro::Sequential<T>& model = trained;

    const neuro::Matrix<T> expected_predictions = model.predict(x);
    const double expected_loss = model.evaluate(x, y).loss;
    const neuro::Matrix<T> expected_small_batches = model.predict(x, 7);
    const double expected_small_batch_loss = model.evaluate(x, y, 7).loss;

    std::vector<std::vector<neuro::Matrix<T>>> predictions(thread_count);
    std::vector<std::vector<neuro::Matrix<T>>> small_batch_predictions(thread_count);
    std::vector<std::vector<double>> losses(thread_count);
    std::vector<std::vector<double>> small_batch_losses(thread_count);
    std::atomic<int> ready{0};
    std::atomic<int> failures{0};

    std::vector<std::thread> threads;
    for (int t = 0; t < thread_count; ++t) {
        threads.emplace_back([&, t] {
            // Start together so that the calls overlap.
            ready.fetch_add(1);
            while (ready.load() < thread_count) std::this_thread::yield();
            try {
                for (int r = 0; r < repetitions; ++r) {
                    predictions[t].push_back(model.predict(x));
                    losses[t].push_back(model.evaluate(x, y).loss);
                    small_batch_predictions[t].push_back(model.predict(x, 7));
                    small_batch_losses[t].push_back(model.evaluate(x, y, 7).loss);
                }
            } catch (...) {
                failures.fetch_add(1);
            }
        });
    }
    for (auto& thread : threads) thread.join();

    REQUIRE(failures.load() == 0);
    for (int t = 0; t < thread_count; ++t) {
        INFO("thread " << t);
        REQUIRE(predictions[t].size() == repetitions);
        for (int r = 0; r < repetitions; ++r) {
            INFO("repetition " << r);
            CHECK(predictions[t][r] == expected_predictions);
            CHECK(losses[t][r] == expected_loss);
            CHECK(small_batch_predictions[t][r] == expected_small_batches);
            CHECK(small_batch_losses[t][r] == expected_small_batch_loss);
        }
    }
}

}  // namespace test_threads
