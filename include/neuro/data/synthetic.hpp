#pragma once
// Synthetic data sets, generated in code and seeded: for examples, tests and benchmarks.

#include "neuro/core/error.hpp"
#include "neuro/core/random.hpp"
#include "neuro/core/types.hpp"

#include <cmath>
#include <cstdint>

namespace neuro {

/// Features x (samples x features) and targets y (samples x 1).
template <Scalar T>
struct SyntheticData {
    Matrix<T> x;
    Matrix<T> y;
};

/// The "seed" binary classification problem (workload W1): standard-normal features; the
/// label is 1 where the score, a fixed random unit-length linear combination of the features
/// plus a small nonlinearity 0.3 * x0 * x1, is positive. Samples whose |score| < 0.2 are
/// drawn again, so the classes keep a margin: nonlinear, yet learnable to 95% and more by the
/// W1 model from 800 samples. The same seed gives the same data.
/// Requires samples >= 1 and features >= 2 (checked).
template <Scalar T>
SyntheticData<T> make_binary_classification(Index samples = 1000, Index features = 10, std::uint64_t seed = 42) {
    if (samples < 1 || features < 2)
        fail("make_binary_classification: needs samples >= 1 and features >= 2, got {} x {}", samples, features);
    Random random(seed);
    Vector<double> direction(features);
    for (Index f = 0; f < features; ++f) direction[f] = random.normal();
    direction /= direction.norm();

    SyntheticData<T> data{Matrix<T>(samples, features), Matrix<T>(samples, 1)};
    for (Index i = 0; i < samples; ++i) {
        double score = 0;
        do {  // a sample too close to the boundary is drawn again: the classes keep a margin
            score = 0;
            for (Index f = 0; f < features; ++f) {
                const double value = random.normal();
                data.x(i, f) = T(value);
                score += direction[f] * value;
            }
            score += 0.3 * double(data.x(i, 0)) * double(data.x(i, 1));
        } while (std::abs(score) < 0.2);
        data.y(i, 0) = score > 0 ? T(1) : T(0);
    }
    return data;
}

}  // namespace neuro
