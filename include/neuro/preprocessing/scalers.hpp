#pragma once
// Feature scalers: StandardScaler, MinMaxScaler and RobustScaler, as scikit-learn defines them.
//
// Each is fitted on the training part only, then transforms every part the same way. They
// take x as N x F (one sample per row) of float or double, compute and keep their statistics
// in double, and return a matrix of the input's scalar.

#include "neuro/core/error.hpp"
#include "neuro/core/types.hpp"
#include "neuro/preprocessing/fitted_state.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

namespace neuro {

namespace detail {

// (x - subtract) / divide, column by column.
template <class M>
Matrix<typename M::Scalar> subtract_and_divide(const Eigen::MatrixBase<M>& x, const Vector<double>& subtract,
                                               const Vector<double>& divide) {
    return ((x.template cast<double>().array().rowwise() - subtract.transpose().array()).rowwise() /
            divide.transpose().array())
        .template cast<typename M::Scalar>();
}

// x * multiply + add, column by column.
template <class M>
Matrix<typename M::Scalar> multiply_and_add(const Eigen::MatrixBase<M>& x, const Vector<double>& multiply,
                                            const Vector<double>& add) {
    return ((x.template cast<double>().array().rowwise() * multiply.transpose().array()).rowwise() +
            add.transpose().array())
        .template cast<typename M::Scalar>();
}

// A spread of zero (a constant column) divides by 1 instead, as scikit-learn does, so that a
// constant feature becomes a constant instead of NaN.
inline double spread_or_one(double spread) { return spread == 0 ? 1.0 : spread; }

// A restored scale must be one that fit could have produced, or transform would divide by it.
inline void check_positive_scale(const Vector<double>& scale, std::string_view owner) {
    for (Index column = 0; column < scale.size(); ++column)
        if (!(scale[column] > 0 && std::isfinite(scale[column])))
            fail("{}::from_state: the scale of column {} is {}; it must be positive and finite", owner, column,
                 scale[column]);
}

// The q-th percentile (q in [0, 100]) of sorted values, interpolated linearly between the two
// nearest ranks (NumPy's default, which RobustScaler uses).
inline double percentile(const std::vector<double>& sorted, double q) {
    const double position = q / 100.0 * double(sorted.size() - 1);
    const auto below = std::size_t(std::floor(position));
    const std::size_t above = std::min(below + 1, sorted.size() - 1);
    const double fraction = position - double(below);
    return sorted[below] + fraction * (sorted[above] - sorted[below]);
}

// What every scaler shares: fit_transform and the checks before a transform. Derived has
// fit, transform, features() (0 until fitted) and a static `name`.
template <class Derived>
class Scaler {
public:
    template <FloatMatrix M>
    Matrix<typename M::Scalar> fit_transform(const M& x) {
        return derived().fit(x).transform(x);
    }

    bool fitted() const { return derived().features() > 0; }

protected:
    void check_ready(Index width, std::string_view method) const {
        check_fitted(fitted(), Derived::name, method);
        check_width(derived().features(), width, Derived::name, method);
    }

private:
    Derived& derived() { return static_cast<Derived&>(*this); }
    const Derived& derived() const { return static_cast<const Derived&>(*this); }
};

// A scaler of the form x' = (x - center) / scale, column by column (StandardScaler,
// RobustScaler): Derived's fit sets center_ and scale_.
template <class Derived>
class CenteringScaler : public Scaler<Derived> {
public:
    template <FloatMatrix M>
    Matrix<typename M::Scalar> transform(const M& x) const {
        this->check_ready(x.cols(), "transform");
        return subtract_and_divide(x, center_, scale_);
    }

    template <FloatMatrix M>
    Matrix<typename M::Scalar> inverse_transform(const M& scaled) const {
        this->check_ready(scaled.cols(), "inverse_transform");
        return multiply_and_add(scaled, scale_, center_);
    }

    Index features() const { return center_.size(); }
    const Vector<double>& scale() const { return scale_; }

protected:
    // Restores center and scale from a saved state under the given key of the center.
    void restore(const FittedState& state, const std::string& center_key) {
        center_ = state_entry(state, center_key, Derived::name);
        scale_ = state_entry(state, "scale", Derived::name, center_.size());
        check_positive_scale(scale_, Derived::name);
    }

    Vector<double> center_;
    Vector<double> scale_;
};

}  // namespace detail

/// Represents: per-column standardization z = (x - mean) / scale, where scale is the
/// population standard deviation (scikit-learn's StandardScaler).
/// Requires: fit on at least one row, all finite; transform and inverse_transform after fit,
/// on as many columns as fit saw (checked: neuro::Error naming both widths).
/// Ensures: the transformed training columns have mean 0 and, unless constant, standard
/// deviation 1; a constant column has scale 1 and becomes 0, never NaN;
/// inverse_transform(transform(x)) == x up to rounding.
class StandardScaler : public detail::CenteringScaler<StandardScaler> {
public:
    static constexpr std::string_view name = "StandardScaler";

    template <FloatMatrix M>
    StandardScaler& fit(const M& x) {
        detail::check_finite_for_fit(x, name);
        center_.resize(x.cols());
        scale_.resize(x.cols());
        for (Index column = 0; column < x.cols(); ++column) {
            const auto values = x.col(column).template cast<double>();
            if (values.minCoeff() == values.maxCoeff()) {
                // Exact, where a computed mean and variance could be off by rounding: z is 0.
                center_[column] = values[0];
                scale_[column] = 1.0;
                continue;
            }
            const double mean = values.mean();
            center_[column] = mean;
            scale_[column] = detail::spread_or_one(std::sqrt((values.array() - mean).square().mean()));
        }
        return *this;
    }

    const Vector<double>& mean() const { return center_; }

    /// {"mean", "scale"}.
    FittedState state() const {
        detail::check_fitted(fitted(), name, "state");
        return {{"mean", center_}, {"scale", scale_}};
    }

    static StandardScaler from_state(const FittedState& state) {
        StandardScaler scaler;
        scaler.restore(state, "mean");
        return scaler;
    }
};

/// Represents: per-column rescaling of [data_min, data_max] onto the feature range
/// [minimum, maximum]: x' = x * scale + offset (scikit-learn's MinMaxScaler).
/// Requires: minimum < maximum (checked at construction); fit on at least one row, all
/// finite; transform after fit on as many columns (checked: neuro::Error).
/// Ensures: the training data's columns span exactly the feature range; a constant column
/// has scale (maximum - minimum) and maps to `minimum`, never NaN; new data outside the
/// training range maps outside the feature range (no clipping).
class MinMaxScaler : public detail::Scaler<MinMaxScaler> {
public:
    static constexpr std::string_view name = "MinMaxScaler";

    explicit MinMaxScaler(double minimum = 0.0, double maximum = 1.0) : range_(2) {
        if (!(minimum < maximum))
            fail("MinMaxScaler: the feature range [{}, {}] needs minimum < maximum", minimum, maximum);
        range_ << minimum, maximum;
    }

    template <FloatMatrix M>
    MinMaxScaler& fit(const M& x) {
        detail::check_finite_for_fit(x, name);
        data_min_ = x.template cast<double>().colwise().minCoeff().transpose();
        data_max_ = x.template cast<double>().colwise().maxCoeff().transpose();
        update_scale();
        return *this;
    }

    template <FloatMatrix M>
    Matrix<typename M::Scalar> transform(const M& x) const {
        check_ready(x.cols(), "transform");
        return detail::multiply_and_add(x, scale_, offset_);
    }

    template <FloatMatrix M>
    Matrix<typename M::Scalar> inverse_transform(const M& scaled) const {
        check_ready(scaled.cols(), "inverse_transform");
        return detail::subtract_and_divide(scaled, offset_, scale_);
    }

    Index features() const { return data_min_.size(); }
    double feature_minimum() const { return range_[0]; }
    double feature_maximum() const { return range_[1]; }
    const Vector<double>& data_min() const { return data_min_; }
    const Vector<double>& data_max() const { return data_max_; }
    const Vector<double>& scale() const { return scale_; }
    const Vector<double>& offset() const { return offset_; }

    /// {"data_min", "data_max", "feature_range"}; the feature range as [minimum, maximum].
    FittedState state() const {
        detail::check_fitted(fitted(), name, "state");
        return {{"data_min", data_min_}, {"data_max", data_max_}, {"feature_range", range_}};
    }

    static MinMaxScaler from_state(const FittedState& state) {
        const Vector<double>& range = detail::state_entry(state, "feature_range", name, 2);
        MinMaxScaler scaler(range[0], range[1]);
        scaler.data_min_ = detail::state_entry(state, "data_min", name);
        scaler.data_max_ = detail::state_entry(state, "data_max", name, scaler.data_min_.size());
        for (Index column = 0; column < scaler.data_min_.size(); ++column)
            if (!(scaler.data_min_[column] <= scaler.data_max_[column]))
                fail("MinMaxScaler::from_state: column {} has data_min {} above data_max {}", column,
                     scaler.data_min_[column], scaler.data_max_[column]);
        scaler.update_scale();
        return scaler;
    }

private:
    void update_scale() {
        scale_.resize(data_min_.size());
        for (Index column = 0; column < data_min_.size(); ++column)
            scale_[column] = (range_[1] - range_[0]) / detail::spread_or_one(data_max_[column] - data_min_[column]);
        offset_ = range_[0] - data_min_.array() * scale_.array();
    }

    Vector<double> range_;
    Vector<double> data_min_;
    Vector<double> data_max_;
    Vector<double> scale_;
    Vector<double> offset_;
};

/// Represents: per-column scaling robust to outliers: x' = (x - median) / (q_high - q_low),
/// where q_low and q_high are percentiles of the training column, by default the
/// interquartile range 25 to 75 (scikit-learn's RobustScaler; percentiles interpolate
/// linearly, as NumPy's do).
/// Requires: 0 <= low < high <= 100 (checked at construction); fit on at least one row, all
/// finite; transform after fit on as many columns (checked: neuro::Error).
/// Ensures: the transformed training columns have median 0; a column whose quantile range is
/// zero has scale 1, never NaN.
class RobustScaler : public detail::CenteringScaler<RobustScaler> {
public:
    static constexpr std::string_view name = "RobustScaler";

    explicit RobustScaler(double low_percentile = 25.0, double high_percentile = 75.0) : quantile_range_(2) {
        if (!(0.0 <= low_percentile && low_percentile < high_percentile && high_percentile <= 100.0))
            fail("RobustScaler: the quantile range ({}, {}) needs 0 <= low < high <= 100", low_percentile,
                 high_percentile);
        quantile_range_ << low_percentile, high_percentile;
    }

    template <FloatMatrix M>
    RobustScaler& fit(const M& x) {
        detail::check_finite_for_fit(x, name);
        center_.resize(x.cols());
        scale_.resize(x.cols());
        std::vector<double> sorted(std::size_t(x.rows()));
        for (Index column = 0; column < x.cols(); ++column) {
            for (Index row = 0; row < x.rows(); ++row) sorted[std::size_t(row)] = double(x(row, column));
            std::sort(sorted.begin(), sorted.end());
            center_[column] = detail::percentile(sorted, 50.0);
            const double spread =
                detail::percentile(sorted, quantile_range_[1]) - detail::percentile(sorted, quantile_range_[0]);
            scale_[column] = detail::spread_or_one(spread);
        }
        return *this;
    }

    double low_percentile() const { return quantile_range_[0]; }
    double high_percentile() const { return quantile_range_[1]; }
    const Vector<double>& center() const { return center_; }

    /// {"center", "scale", "quantile_range"}; the quantile range as [low, high] percentiles.
    FittedState state() const {
        detail::check_fitted(fitted(), name, "state");
        return {{"center", center_}, {"scale", scale_}, {"quantile_range", quantile_range_}};
    }

    static RobustScaler from_state(const FittedState& state) {
        const Vector<double>& range = detail::state_entry(state, "quantile_range", name, 2);
        RobustScaler scaler(range[0], range[1]);
        scaler.restore(state, "center");
        return scaler;
    }

private:
    Vector<double> quantile_range_;
};

}  // namespace neuro
