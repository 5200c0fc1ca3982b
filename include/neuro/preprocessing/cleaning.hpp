#pragma once
// Cleaning: finding missing (NaN) and infinite values, dropping the rows that hold them, or
// filling them in with an Imputer fitted on the training part.

#include "neuro/core/error.hpp"
#include "neuro/core/types.hpp"
#include "neuro/data/dataset.hpp"
#include "neuro/preprocessing/fitted_state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

namespace neuro {

/// Represents: where a matrix (or a dataset's x and y side by side) holds NaN or +-inf.
/// Columns are numbered as in the matrix; for a dataset x's columns come first, then y's.
struct NonFiniteReport {
    Index rows = 0;                          ///< rows examined
    std::vector<Index> affected_rows;        ///< ascending: rows holding at least one NaN or inf
    std::vector<Index> missing_per_column;   ///< NaN count of each column
    std::vector<Index> infinite_per_column;  ///< +-inf count of each column
    std::vector<std::string> column_names;   ///< one per column where known, else empty

    bool clean() const { return affected_rows.empty(); }
    Index missing() const { return std::accumulate(missing_per_column.begin(), missing_per_column.end(), Index(0)); }
    Index infinite() const { return std::accumulate(infinite_per_column.begin(), infinite_per_column.end(), Index(0)); }

    /// Ascending: columns holding at least one NaN or inf.
    std::vector<Index> affected_columns() const {
        std::vector<Index> columns;
        for (std::size_t column = 0; column < missing_per_column.size(); ++column)
            if (missing_per_column[column] + infinite_per_column[column] > 0) columns.push_back(Index(column));
        return columns;
    }

    /// One line for a log: "2 of 100 rows hold missing or infinite values: column 1 ("age")
    /// 2 missing; column 4 1 infinite".
    std::string summary() const {
        if (clean()) return fmt::format("all {} rows are finite", rows);
        std::string text = fmt::format("{} of {} rows hold missing or infinite values:", affected_rows.size(), rows);
        const char* separator = " ";
        for (const Index column : affected_columns()) {
            text += fmt::format("{}column {}", separator, column);
            if (std::size_t(column) < column_names.size())
                text += fmt::format(" (\"{}\")", column_names[std::size_t(column)]);
            const Index missing = missing_per_column[std::size_t(column)];
            const Index infinite = infinite_per_column[std::size_t(column)];
            if (missing > 0) text += fmt::format(" {} missing", missing);
            if (infinite > 0) text += fmt::format(" {} infinite", infinite);
            separator = "; ";
        }
        return text;
    }
};

namespace detail {

// Adds the counts of `x`, whose columns are numbered from `first_column`, to `report`.
template <class M>
void count_non_finite(const Eigen::MatrixBase<M>& x, Index first_column, NonFiniteReport& report,
                      std::vector<char>& row_affected) {
    for (Index column = 0; column < x.cols(); ++column) {
        for (Index row = 0; row < x.rows(); ++row) {
            const auto value = x(row, column);
            if (std::isfinite(value)) continue;
            row_affected[std::size_t(row)] = 1;
            ++(std::isnan(value) ? report.missing_per_column
                                 : report.infinite_per_column)[std::size_t(first_column + column)];
        }
    }
}

inline void collect_affected_rows(const std::vector<char>& row_affected, NonFiniteReport& report) {
    for (std::size_t row = 0; row < row_affected.size(); ++row)
        if (row_affected[row]) report.affected_rows.push_back(Index(row));
}

}  // namespace detail

/// Ensures: where x (N x F, float or double) holds NaN or +-inf, by row and by column.
template <FloatMatrix M>
NonFiniteReport report_non_finite(const M& x) {
    NonFiniteReport report{
        x.rows(), {}, std::vector<Index>(std::size_t(x.cols())), std::vector<Index>(std::size_t(x.cols())), {}};
    std::vector<char> row_affected(std::size_t(x.rows()));
    detail::count_non_finite(x, 0, report, row_affected);
    detail::collect_affected_rows(row_affected, report);
    return report;
}

/// Ensures: where the dataset's x or y holds NaN or +-inf; columns are x's then y's, named
/// when the dataset has names. Requires a valid dataset (checked).
template <Scalar T>
NonFiniteReport report_non_finite(const Dataset<T>& dataset) {
    check_dataset(dataset, "report_non_finite");
    const auto columns = std::size_t(dataset.features() + dataset.outputs());
    NonFiniteReport report{dataset.samples(), {}, std::vector<Index>(columns), std::vector<Index>(columns), {}};
    std::vector<char> row_affected(std::size_t(dataset.samples()));
    detail::count_non_finite(dataset.x, 0, report, row_affected);
    detail::count_non_finite(dataset.y, dataset.features(), report, row_affected);
    detail::collect_affected_rows(row_affected, report);
    if (!dataset.feature_names.empty()) {
        report.column_names = dataset.feature_names;
        const std::string label = dataset.label_name.empty() ? "y" : dataset.label_name;
        for (Index column = 0; column < dataset.outputs(); ++column)
            report.column_names.push_back(dataset.outputs() == 1 ? label : fmt::format("{}_{}", label, column));
    }
    return report;
}

/// Ensures: the dataset without the rows whose x or y holds NaN or +-inf, the other rows in
/// their order, x and y kept together. Requires a valid dataset (checked).
template <Scalar T>
Dataset<T> drop_non_finite_rows(const Dataset<T>& dataset) {
    const NonFiniteReport report = report_non_finite(dataset);
    std::vector<Index> kept;
    kept.reserve(std::size_t(dataset.samples()) - report.affected_rows.size());
    auto affected = report.affected_rows.begin();
    for (Index row = 0; row < dataset.samples(); ++row) {
        if (affected != report.affected_rows.end() && *affected == row) ++affected;
        else kept.push_back(row);
    }
    return select_rows(dataset, kept);
}

/// What an Imputer fills a column's missing values with.
enum class ImputeStrategy {
    Mean,          ///< the mean of the column's finite values
    Median,        ///< their median (the mean of the middle two for an even count)
    MostFrequent,  ///< their most frequent value (the smallest of equally frequent ones)
    Constant,      ///< the fill value given at construction
};

/// Represents: per-column filling of missing values (NaN and +-inf) with a statistic learned
/// from the finite values of the training data (scikit-learn's SimpleImputer).
/// Requires: fit on at least one row; for every strategy but Constant, each column needs a
/// finite value (checked: neuro::Error naming the column); transform after fit, on as many
/// columns (checked: neuro::Error naming both widths).
/// Ensures: transform returns x with every non-finite value replaced by its column's
/// statistic and every finite value unchanged.
class Imputer {
public:
    explicit Imputer(ImputeStrategy strategy = ImputeStrategy::Mean, double fill_value = 0.0)
        : strategy_(strategy), fill_value_(fill_value) {
        if (strategy == ImputeStrategy::Constant && !std::isfinite(fill_value))
            fail("Imputer: the fill value {} is not finite", fill_value);
    }

    template <FloatMatrix M>
    Imputer& fit(const M& x) {
        if (x.rows() == 0 || x.cols() == 0)
            fail("Imputer::fit: x is {} x {}; it needs rows and columns", x.rows(), x.cols());
        statistics_.resize(x.cols());
        std::vector<double> finite;
        for (Index column = 0; column < x.cols(); ++column) {
            finite.clear();
            for (Index row = 0; row < x.rows(); ++row)
                if (std::isfinite(x(row, column))) finite.push_back(double(x(row, column)));
            statistics_[column] = statistic(finite, column);
        }
        return *this;
    }

    template <FloatMatrix M>
    Matrix<typename M::Scalar> transform(const M& x) const {
        detail::check_fitted(fitted(), name, "transform");
        detail::check_width(features(), x.cols(), name, "transform");
        using S = typename M::Scalar;
        Matrix<S> filled = x;
        for (Index column = 0; column < filled.cols(); ++column)
            for (Index row = 0; row < filled.rows(); ++row)
                if (!std::isfinite(filled(row, column))) filled(row, column) = S(statistics_[column]);
        return filled;
    }

    template <FloatMatrix M>
    Matrix<typename M::Scalar> fit_transform(const M& x) {
        return fit(x).transform(x);
    }

    bool fitted() const { return statistics_.size() > 0; }
    Index features() const { return statistics_.size(); }
    ImputeStrategy strategy() const { return strategy_; }
    /// The value that fills each column.
    const Vector<double>& statistics() const { return statistics_; }

    /// {"statistics"}: all that transform needs.
    FittedState state() const {
        detail::check_fitted(fitted(), name, "state");
        return {{"statistics", statistics_}};
    }

    /// An imputer that transforms as the one whose state it was; its strategy reads Constant,
    /// since only the filled values are kept.
    static Imputer from_state(const FittedState& state) {
        Imputer imputer(ImputeStrategy::Constant);
        imputer.statistics_ = detail::state_entry(state, "statistics", name);
        for (Index column = 0; column < imputer.statistics_.size(); ++column)
            if (!std::isfinite(imputer.statistics_[column]))
                fail("Imputer::from_state: the statistic of column {} is {}; it must be finite", column,
                     imputer.statistics_[column]);
        return imputer;
    }

private:
    static constexpr std::string_view name = "Imputer";

    double statistic(std::vector<double>& finite, Index column) const {
        if (strategy_ == ImputeStrategy::Constant) return fill_value_;
        if (finite.empty())
            fail(
                "Imputer::fit: column {} has no finite value to learn from; drop it or use "
                "ImputeStrategy::Constant",
                column);
        switch (strategy_) {
            case ImputeStrategy::Mean: return mean(finite);
            case ImputeStrategy::Median: return median(finite);
            case ImputeStrategy::MostFrequent: return most_frequent(finite);
            case ImputeStrategy::Constant: break;
        }
        return fill_value_;
    }

    static double mean(const std::vector<double>& values) {
        return std::accumulate(values.begin(), values.end(), 0.0) / double(values.size());
    }

    static double median(std::vector<double>& values) {
        const std::size_t middle = values.size() / 2;
        std::nth_element(values.begin(), values.begin() + std::ptrdiff_t(middle), values.end());
        const double upper = values[middle];
        if (values.size() % 2 == 1) return upper;
        const double lower = *std::max_element(values.begin(), values.begin() + std::ptrdiff_t(middle));
        return lower + (upper - lower) / 2;  // no overflow for values near the largest double
    }

    static double most_frequent(std::vector<double>& values) {
        std::sort(values.begin(), values.end());
        double best = values.front();
        std::size_t best_count = 0;
        for (std::size_t start = 0; start < values.size();) {
            std::size_t end = start;
            while (end < values.size() && values[end] == values[start]) ++end;
            if (end - start > best_count) {  // strictly more: the smallest value wins a tie
                best = values[start];
                best_count = end - start;
            }
            start = end;
        }
        return best;
    }

    ImputeStrategy strategy_;
    double fill_value_;
    Vector<double> statistics_;
};

}  // namespace neuro
