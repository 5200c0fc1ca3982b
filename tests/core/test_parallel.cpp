// The passes neuro splits over threads (core/parallel.hpp, core/thread_pool.hpp): the slices
// cover every item once, on threads of their own, and a split pass gives what the same pass on
// one thread gives, bit for bit where no sum is regrouped. Built twice: as it is, and with
// OpenMP (test_parallel_openmp), whose parallel regions a pass must not split again.

#include "../support/activations.hpp"
#include "../support/models.hpp"

#include <catch2/catch.hpp>

#include "neuro/core/error.hpp"
#include "neuro/core/parallel.hpp"
#include "neuro/core/threads.hpp"
#include "neuro/core/types.hpp"
#include "neuro/layers/dense.hpp"
#include "neuro/optimizers/adagrad.hpp"
#include "neuro/optimizers/adam.hpp"
#include "neuro/optimizers/rmsprop.hpp"
#include "neuro/optimizers/sgd.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace test_parallel {

namespace {

using neuro::Index;
using neuro::testing::random_matrix;
using Catch::Matchers::Contains;

/// Runs `one` on one thread, then `two` on two, so that a test can compare what each left
/// behind.
void on_one_then_two_threads(const std::function<void()>& one, const std::function<void()>& two) {
    neuro::set_num_threads(1);
    one();
    neuro::set_num_threads(2);
    two();
    neuro::set_num_threads(1);
}

/// A pass this size runs on threads when there are any: above serial_pass_values, and not
/// a multiple of the slices.
constexpr Index large = Index(1) << 19 | 123;

}  // namespace

TEST_CASE("all_slices calls the body on every item once and combines what it returns", "[parallel]") {
    for (const int threads : {1, 2, 3, 8}) {
        for (const Index items : {0, 1, 2, 5, 1000}) {
            INFO(threads << " threads, " << items << " items");
            std::vector<int> seen(static_cast<std::size_t>(items), 0);  // each slice writes its own items
            std::atomic<int> calls = 0;
            const bool all = neuro::detail::all_slices(items, threads, [&](Index first, Index count) {
                for (Index i = first; i < first + count; ++i) ++seen[static_cast<std::size_t>(i)];
                ++calls;
                return true;
            });
            CHECK(all);
            CHECK(calls >= 1);
            CHECK(calls <= std::max<Index>(items, 1));
            CHECK(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }));
            if (items == 0) continue;
            // One slice that answers false makes the whole answer false.
            const Index middle = items / 2;
            CHECK_FALSE(neuro::detail::all_slices(items, threads, [&](Index first, Index count) {
                return !(first <= middle && middle < first + count);
            }));
        }
    }
}

TEST_CASE("an exception thrown in a slice is rethrown once all slices are done", "[parallel]") {
    for (const int threads : {1, 2}) {
        std::vector<int> done(4, 0);
        CHECK_THROWS_WITH(neuro::detail::for_slices(4, threads,
                                                    [&](Index first, Index count) {
                                                        for (Index i = first; i < first + count; ++i) done[i] = 1;
                                                        if (first + count == 4) neuro::fail("the last slice failed");
                                                    }),
                          Contains("the last slice failed"));
        CHECK(done == std::vector<int>(4, 1));
    }
}

TEST_CASE("slices run on threads of their own, and a slice's own slices run on its thread", "[parallel]") {
    for (const int threads : {2, 3}) {
        INFO(threads << " threads");
        std::vector<std::thread::id> thread_of(static_cast<std::size_t>(threads));
        std::vector<std::vector<std::thread::id>> nested_thread_of(thread_of.size());
        std::vector<int> nested_threads(thread_of.size(), -1);
        neuro::detail::for_slices(threads, threads, [&](Index first, Index) {
            const auto slice = static_cast<std::size_t>(first);
            thread_of[slice] = std::this_thread::get_id();
            nested_threads[slice] = neuro::detail::pass_threads(double(large));
            nested_thread_of[slice].resize(2);
            neuro::detail::for_slices(2, 2, [&](Index nested, Index) {
                nested_thread_of[slice][static_cast<std::size_t>(nested)] = std::this_thread::get_id();
            });
        });
        CHECK(thread_of.front() == std::this_thread::get_id());
        std::vector<std::thread::id> distinct = thread_of;
        std::sort(distinct.begin(), distinct.end());
        CHECK(std::unique(distinct.begin(), distinct.end()) == distinct.end());
        for (std::size_t slice = 0; slice < thread_of.size(); ++slice) {
            CHECK(nested_threads[slice] == 1);
            CHECK(nested_thread_of[slice] == std::vector<std::thread::id>(2, thread_of[slice]));
        }
    }
}

TEST_CASE("threads that split passes at the same time each get every item once", "[parallel]") {
    // Without polling every wait sleeps: a wake-up lost there would hang the test.
    const auto default_poll = neuro::idle_poll();
    for (const auto poll : {default_poll, std::chrono::microseconds(0)}) {
        INFO("idle poll " << poll.count() << " us");
        neuro::set_idle_poll(poll);
        constexpr int callers = 4, rounds = 200;
        constexpr Index items = 1000;
        std::atomic<int> wrong = 0;
        std::vector<std::thread> threads;
        for (int caller = 0; caller < callers; ++caller) {
            threads.emplace_back([&] {
                for (int round = 0; round < rounds; ++round) {
                    std::vector<int> seen(items, 0);
                    neuro::detail::for_slices(items, 2, [&](Index first, Index count) {
                        for (Index i = first; i < first + count; ++i) ++seen[static_cast<std::size_t>(i)];
                    });
                    if (!std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; })) ++wrong;
                }
            });
        }
        for (auto& thread : threads) thread.join();
        CHECK(wrong == 0);
    }
    neuro::set_idle_poll(default_poll);
}

TEST_CASE("the idle poll is 100 us unless set, and never negative", "[parallel]") {
    CHECK(neuro::idle_poll() == std::chrono::microseconds(100));
    CHECK_THROWS_WITH(neuro::set_idle_poll(std::chrono::microseconds(-1)),
                      Contains("set_idle_poll") && Contains("-1 us"));
    CHECK(neuro::idle_poll() == std::chrono::microseconds(100));
}

TEST_CASE("a child process made by fork splits passes over threads of its own", "[parallel]") {
    neuro::detail::for_slices(2, 2, [](Index, Index) {});  // the parent's workers exist
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        alarm(20);  // a child left waiting for the parent's workers dies of SIGALRM
        std::vector<std::thread::id> thread_of(2);
        neuro::detail::for_slices(2, 2, [&](Index first, Index) { thread_of[first] = std::this_thread::get_id(); });
        _exit(thread_of[0] != thread_of[1] ? 0 : 1);
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("the thread count starts at 1, or at OpenMP's count in a build with OpenMP", "[parallel]") {
#ifdef _OPENMP
    CHECK(neuro::detail::default_thread_count() == omp_get_max_threads());
#else
    CHECK(neuro::detail::default_thread_count() == 1);
#endif
}

TEST_CASE("a large pass may take the threads set_num_threads allows, a small one stays on the caller",
          "[parallel]") {
    neuro::set_num_threads(2);
    CHECK(neuro::num_threads() == 2);
    CHECK(neuro::detail::pass_threads(1000) == 1);
    CHECK(neuro::detail::pass_threads(double(large)) == 2);
#ifdef _OPENMP
    // Inside a parallel region, a pass does not start another.
    int nested = 0;
#pragma omp parallel num_threads(2)
    {
#pragma omp single
        nested = neuro::detail::pass_threads(double(large));
    }
    CHECK(nested == 1);
#endif
    neuro::set_num_threads(1);
    CHECK(neuro::detail::pass_threads(double(large)) == 1);
}

TEMPLATE_TEST_CASE("all_finite_in_slices finds a non-finite value in any slice", "[parallel]", float, double) {
    using T = TestType;
    neuro::Vector<T> values = neuro::Vector<T>::Ones(large);
    const neuro::ConstVectorView<T> view(values.data(), large);
    const auto check = [&] { return neuro::detail::all_finite_in_slices(view); };
    bool one = false, two = false;
    on_one_then_two_threads([&] { one = check(); }, [&] { two = check(); });
    CHECK(one);
    CHECK(two);
    for (const Index at : {Index(0), large / 2, large - 1}) {
        values(at) = std::numeric_limits<T>::infinity();
        on_one_then_two_threads([&] { one = check(); }, [&] { two = check(); });
        CHECK_FALSE(one);
        CHECK_FALSE(two);
        values(at) = T(1);
    }
}

TEMPLATE_TEST_CASE("an optimizer step over a large model is the same on one thread and on two", "[parallel]", float,
                   double) {
    using T = TestType;
    std::vector<std::unique_ptr<neuro::Optimizer<T>>> optimizers;
    optimizers.push_back(std::make_unique<neuro::SGD<T>>(T(0.1), T(0.9), true));
    optimizers.push_back(std::make_unique<neuro::Adam<T>>(T(0.01)));
    optimizers.push_back(std::make_unique<neuro::RMSprop<T>>(T(0.01), T(0.9), T(1e-8), T(0.5)));
    optimizers.push_back(std::make_unique<neuro::Adagrad<T>>(T(0.1)));
    const neuro::Vector<T> start = random_matrix<T>(large, 1, 1).col(0);
    for (const auto& optimizer : optimizers) {
        INFO(optimizer->type_name());
        const auto run = [&](neuro::Vector<T>& values, neuro::Optimizer<T>& steps) {
            steps.reset(large);
            values = start;
            for (std::uint64_t step = 0; step < 3; ++step) {
                neuro::Vector<T> gradients = random_matrix<T>(large, 1, 10 + step).col(0);
                REQUIRE(steps.step(neuro::VectorView<T>(values.data(), large),
                                   neuro::VectorView<T>(gradients.data(), large)));
            }
        };
        const auto alone = optimizer->clone();
        neuro::Vector<T> one, two;
        on_one_then_two_threads([&] { run(one, *alone); }, [&] { run(two, *optimizer); });
        CHECK(one != start);
        CHECK(one == two);
        const auto one_state = std::as_const(*alone).state();
        const auto two_state = std::as_const(*optimizer).state();
        REQUIRE(one_state.size() == two_state.size());
        for (std::size_t k = 0; k < one_state.size(); ++k) CHECK(one_state[k].second == two_state[k].second);
    }
    SECTION("an overflow in the second thread's half is reported") {
        neuro::SGD<T> sgd(T(1));
        neuro::Vector<T> values = neuro::Vector<T>::Ones(large);
        neuro::Vector<T> gradients = neuro::Vector<T>::Zero(large);
        gradients(large - 1) = -std::numeric_limits<T>::max();
        values(large - 1) = std::numeric_limits<T>::max();
        sgd.reset(large);
        neuro::set_num_threads(2);
        CHECK_FALSE(
            sgd.step(neuro::VectorView<T>(values.data(), large), neuro::VectorView<T>(gradients.data(), large)));
        neuro::set_num_threads(1);
    }
}

TEMPLATE_TEST_CASE("activations split over threads give the one-thread result", "[parallel]", float, double) {
    using T = TestType;
    const auto activations = neuro::testing::every_activation<T>();
    const Index rows = 700, cols = 751;  // 525,700 values
    const neuro::Matrix<T> input = random_matrix<T>(rows, cols, 2);
    const neuro::Matrix<T> output_gradient = random_matrix<T>(rows, cols, 3);
    for (const auto& activation : activations) {
        INFO(activation->type_name());
        neuro::Matrix<T> output[2], input_gradient[2];
        const auto run = [&](int i) {
            output[i].resize(rows, cols);
            input_gradient[i].resize(rows, cols);
            activation->forward(neuro::ConstMatrixView<T>(input.data(), rows, cols),
                                neuro::MatrixView<T>(output[i].data(), rows, cols));
            activation->backward(neuro::ConstMatrixView<T>(input.data(), rows, cols),
                                 neuro::ConstMatrixView<T>(output[i].data(), rows, cols),
                                 neuro::ConstMatrixView<T>(output_gradient.data(), rows, cols),
                                 neuro::MatrixView<T>(input_gradient[i].data(), rows, cols));
        };
        on_one_then_two_threads([&] { run(0); }, [&] { run(1); });
        CHECK(output[0].allFinite());
        CHECK(output[0] == output[1]);
        CHECK(input_gradient[0] == input_gradient[1]);
    }
}

TEMPLATE_TEST_CASE("Dense's bias, added forward and summed backward in slices, matches one thread", "[parallel]",
                   float, double) {
    using T = TestType;
    const Index inputs = 3, outputs = 1100, batch = 500;  // 550,000 outputs
    neuro::Dense<T> dense(inputs, outputs);
    neuro::Vector<T> parameters = random_matrix<T>(dense.parameter_count(), 1, 4).col(0);
    neuro::Vector<T> gradients[2] = {neuro::Vector<T>::Zero(dense.parameter_count()),
                                     neuro::Vector<T>::Zero(dense.parameter_count())};
    const neuro::Matrix<T> input = random_matrix<T>(inputs, batch, 5);
    const neuro::Matrix<T> output_gradient = random_matrix<T>(outputs, batch, 6);
    neuro::Matrix<T> output[2] = {neuro::Matrix<T>(outputs, batch), neuro::Matrix<T>(outputs, batch)};
    const auto run = [&](int i) {
        dense.bind_parameters(parameters.data(), gradients[i].data());
        dense.forward(neuro::ConstMatrixView<T>(input.data(), inputs, batch),
                      neuro::MatrixView<T>(output[i].data(), outputs, batch));
        dense.backward(neuro::ConstMatrixView<T>(input.data(), inputs, batch),
                       neuro::ConstMatrixView<T>(output[i].data(), outputs, batch),
                       neuro::ConstMatrixView<T>(output_gradient.data(), outputs, batch),
                       neuro::MatrixView<T>(nullptr, 0, 0));
    };
    on_one_then_two_threads([&] { run(0); }, [&] { run(1); });
    // The forward product, of depth 3, sums in the same order however its columns are shared
    // out; the sums over the batch (the gradients) need not: Eigen's SIMD sums group the terms
    // by where a row falls in its packets.
    CHECK(output[0] == output[1]);
    CHECK((gradients[0] - gradients[1]).cwiseAbs().maxCoeff() <= T(1e-4) * gradients[0].cwiseAbs().maxCoeff());
    // And they are right: the output's row means less the product's are the bias.
    const neuro::Vector<T> bias = parameters.tail(outputs);
    const neuro::Matrix<T> weight = Eigen::Map<const neuro::Matrix<T>>(parameters.data(), outputs, inputs);
    CHECK(((output[0] - weight * input).colwise() - bias).cwiseAbs().maxCoeff() < T(1e-4));
    CHECK((gradients[0].tail(outputs) - output_gradient.rowwise().sum()).cwiseAbs().maxCoeff() < T(1e-2));
}

}  // namespace test_parallel
