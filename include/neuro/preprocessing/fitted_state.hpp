#pragma once
// FittedState: what a fitted preprocessing step (scaler, imputer, encoder) has learned, as
// named vectors, so that it can be saved beside a model and restored; and the checks every
// such step makes before it transforms.

#include "neuro/core/error.hpp"
#include "neuro/core/types.hpp"

#include <Eigen/Core>

#include <cmath>
#include <concepts>
#include <map>
#include <string>
#include <string_view>

namespace neuro {

/// The fitted state of a preprocessing step: each statistic by name, e.g. "mean" and "scale"
/// of a StandardScaler, one element per column. Every step offers `state()` and
/// `from_state(state)`, and from_state(s.state()) transforms as s does.
using FittedState = std::map<std::string, Vector<double>>;

/// Any Eigen matrix expression (a matrix, map or block) of float or double.
template <class M>
concept FloatMatrix = std::derived_from<M, Eigen::MatrixBase<M>> && Scalar<typename M::Scalar>;

namespace detail {

// The entry `key` of `state`; when `size` >= 0 it must have that many elements.
inline const Vector<double>& state_entry(const FittedState& state, const std::string& key, std::string_view owner,
                                         Index size = -1) {
    const auto found = state.find(key);
    if (found == state.end()) fail("{}::from_state: the state has no \"{}\"", owner, key);
    if (size >= 0 && found->second.size() != size)
        fail("{}::from_state: \"{}\" has {} elements, expected {}", owner, key, found->second.size(), size);
    return found->second;
}

inline void check_fitted(bool fitted, std::string_view owner, std::string_view method) {
    if (!fitted) fail("{}::{}: call fit first", owner, method);
}

inline void check_width(Index expected, Index actual, std::string_view owner, std::string_view method) {
    if (actual != expected)
        fail("{}::{}: x has {} columns, but it was fitted on {} columns", owner, method, actual, expected);
}

// Statistics learned from NaN or inf would spread them to every value transformed later.
template <class M>
void check_finite_for_fit(const Eigen::MatrixBase<M>& x, std::string_view owner) {
    if (x.rows() == 0 || x.cols() == 0)
        fail("{}::fit: x is {} x {}; it needs rows and columns", owner, x.rows(), x.cols());
    for (Index column = 0; column < x.cols(); ++column)
        for (Index row = 0; row < x.rows(); ++row)
            if (!std::isfinite(x(row, column)))
                fail("{}::fit: x({}, {}) is {}; clean or impute the data first", owner, row, column,
                     double(x(row, column)));
}

}  // namespace detail

}  // namespace neuro
