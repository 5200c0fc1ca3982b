#pragma once
// Data and models that many tests train on: seeded normal matrices, a separable 0/1 label,
// a linear regression target, small classifiers and regressors, quiet FitOptions, and a copy
// of a model's parameters.

#include <neuro/neuro.hpp>

#include <cstdint>

namespace neuro::testing {

/// rows x cols of standard normal draws from `seed`.
template <class T>
Matrix<T> random_matrix(Index rows, Index cols, std::uint64_t seed) {
    Random random(seed);
    Matrix<T> m(rows, cols);
    for (Index c = 0; c < cols; ++c)
        for (Index r = 0; r < rows; ++r) m(r, c) = static_cast<T>(random.normal());
    return m;
}

/// 1 where x's first column exceeds its second: a linearly separable label (N x 1).
template <class T>
Matrix<T> separable_labels(const Matrix<T>& x) {
    Matrix<T> y(x.rows(), 1);
    for (Index i = 0; i < x.rows(); ++i) y(i, 0) = x(i, 0) > x(i, 1) ? T(1) : T(0);
    return y;
}

/// y = 2 x0 - x1 + 1 (N x 1), from x's first two columns.
template <class T>
Matrix<T> linear_targets(const Matrix<T>& x) {
    Matrix<T> y(x.rows(), 1);
    for (Index i = 0; i < x.rows(); ++i) y(i, 0) = T(2) * x(i, 0) - x(i, 1) + T(1);
    return y;
}

/// 2-hidden-1: Dense Tanh Dense, weights drawn from seed 7, compiled with SGD(learning_rate)
/// and mean squared error.
template <class T>
Sequential<T> tanh_regressor(Index hidden, double learning_rate) {
    Sequential<T> model(7);
    model.add(Dense<T>(2, hidden));
    model.add(Tanh<T>());
    model.add(Dense<T>(hidden, 1));
    model.compile(SGD<T>(static_cast<T>(learning_rate)), MeanSquaredError<T>());
    return model;
}

/// inputs-16-1: Dense ReLU Dense Sigmoid, weights drawn from `seed`.
template <class T>
Sequential<T> small_binary_classifier(Index inputs, std::uint64_t seed = 5) {
    Sequential<T> model(seed);
    model.add(Dense<T>(inputs, 16));
    model.add(ReLU<T>());
    model.add(Dense<T>(16, 1));
    model.add(Sigmoid<T>());
    return model;
}

/// Silent options for `epochs` epochs of batches of `batch_size`.
inline FitOptions quiet_options(int epochs, Index batch_size, std::uint64_t seed = 1) {
    FitOptions options;
    options.epochs = epochs;
    options.batch_size = batch_size;
    options.seed = seed;
    options.verbose = 0;
    return options;
}

/// Silent options for `epochs` epochs of batches of `batch_size`, in the data's order.
inline FitOptions ordered_options(int epochs, Index batch_size = 4) {
    FitOptions options = quiet_options(epochs, batch_size, 0);
    options.shuffle = false;
    return options;
}

/// A copy of the model's parameters (parameters() is a view that training changes).
template <class T>
Vector<T> parameters_of(const Sequential<T>& model) {
    return model.parameters();
}

}  // namespace neuro::testing
