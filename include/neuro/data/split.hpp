#pragma once
// Splitting samples: train_test_split (optionally stratified), KFold and StratifiedKFold.
//
// Shuffles use neuro::Random, so a seed gives the same split with every standard library.
// Stratification groups samples by their label: y(i, 0) when y has one column, the column of
// the largest entry of the row when y is one-hot.

#include "neuro/core/error.hpp"
#include "neuro/core/random.hpp"
#include "neuro/core/types.hpp"
#include "neuro/data/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <span>
#include <string_view>
#include <vector>

namespace neuro {

/// How train_test_split divides the samples. An aggregate: `{.test_size = 0.2, .stratify = true}`.
struct SplitOptions {
    double test_size = 0.25;  ///< the fraction in the test part, in (0, 1)
    bool shuffle = true;      ///< false: the first rows train, the last rows test
    bool stratify = false;    ///< keep each class's share in both parts (requires shuffle)
    std::uint64_t seed = 0;
};

/// Row indices of the two parts of a split.
struct SplitIndices {
    std::vector<Index> train;
    std::vector<Index> test;
};

/// The two parts of a dataset.
template <Scalar T>
struct TrainTestSplit {
    Dataset<T> train;
    Dataset<T> test;
};

/// One fold of a cross-validation: the rows to train on and the rows to test on, ascending.
struct Fold {
    std::vector<Index> train;
    std::vector<Index> test;
};

/// How KFold and StratifiedKFold order the samples before dealing them into folds.
struct FoldOptions {
    bool shuffle = false;
    std::uint64_t seed = 0;
};

namespace detail {

// The class of each row of y as a dense index 0, 1, ... in the order of the sorted labels.
template <class M>
std::vector<Index> class_of_each_row(const Eigen::MatrixBase<M>& y, std::string_view context) {
    if (y.cols() == 0) fail("{}: stratifying needs labels, but y has no columns", context);
    std::vector<double> label(std::size_t(y.rows()));
    for (Index row = 0; row < y.rows(); ++row) {
        Index largest = 0;
        if (y.cols() > 1) y.row(row).maxCoeff(&largest);
        label[std::size_t(row)] = y.cols() > 1 ? double(largest) : double(y(row, 0));
        if (std::isnan(label[std::size_t(row)])) fail("{}: the label of row {} is NaN", context, row);
    }
    std::vector<double> distinct = label;
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    std::vector<Index> classes(label.size());
    for (std::size_t row = 0; row < label.size(); ++row)
        classes[row] = Index(std::lower_bound(distinct.begin(), distinct.end(), label[row]) - distinct.begin());
    return classes;
}

// The rows of each class, in row order.
inline std::vector<std::vector<Index>> rows_by_class(const std::vector<Index>& classes) {
    const Index count = classes.empty() ? 0 : *std::max_element(classes.begin(), classes.end()) + 1;
    std::vector<std::vector<Index>> rows(std::size_t(count), std::vector<Index>{});
    for (std::size_t row = 0; row < classes.size(); ++row) rows[std::size_t(classes[row])].push_back(Index(row));
    return rows;
}

// The test size as a row count: ceil(fraction * samples) as scikit-learn, but a product one
// rounding away from an integer (0.7 * 10 = 7.000000000000001) counts as that integer.
inline Index test_count(double test_size, Index samples) {
    if (!(test_size > 0 && test_size < 1)) fail("train_test_split: test_size {} is not in (0, 1)", test_size);
    const double exact = test_size * double(samples);
    const double nearest = std::round(exact);
    const Index test = Index(std::abs(exact - nearest) <= 1e-9 * std::max(1.0, exact) ? nearest : std::ceil(exact));
    if (test < 1 || test >= samples)
        fail("train_test_split: test_size {} of {} samples leaves {} to test and {} to train; both need at least 1",
             test_size, samples, test, samples - test);
    return test;
}

// How many of each class go to the test part: the floor of each class's share of `test`,
// then one more for the classes with the largest remainders until the sizes add up, so
// that every class's count in each part is within one sample of its exact share.
inline std::vector<Index> test_counts_by_class(const std::vector<std::vector<Index>>& rows, Index samples, Index test) {
    std::vector<Index> counts(rows.size());
    std::vector<double> remainders(rows.size());
    Index assigned = 0;
    for (std::size_t c = 0; c < rows.size(); ++c) {
        const double share = double(rows[c].size()) * double(test) / double(samples);
        counts[c] = Index(std::floor(share));
        remainders[c] = share - double(counts[c]);
        assigned += counts[c];
    }
    std::vector<std::size_t> order(rows.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return remainders[a] > remainders[b]; });
    for (std::size_t k = 0; assigned < test && k < order.size(); ++k, ++assigned) ++counts[order[k]];
    return counts;
}

inline SplitIndices split_indices(Index samples, const SplitOptions& options, const std::vector<Index>* classes) {
    const Index test = test_count(options.test_size, samples);
    Random random(options.seed);
    SplitIndices split;
    if (classes == nullptr) {
        std::vector<Index> order(static_cast<std::size_t>(samples));
        std::iota(order.begin(), order.end(), Index(0));
        if (options.shuffle) random.shuffle(std::span(order));
        split.train.assign(order.begin(), order.end() - test);
        split.test.assign(order.end() - test, order.end());
        return split;
    }
    if (!options.shuffle) fail("train_test_split: stratify needs shuffle; without it the parts would be biased");
    auto rows = rows_by_class(*classes);
    const std::vector<Index> test_counts = test_counts_by_class(rows, samples, test);
    for (std::size_t c = 0; c < rows.size(); ++c) {
        random.shuffle(std::span(rows[c]));
        const auto middle = rows[c].begin() + std::ptrdiff_t(test_counts[c]);
        split.test.insert(split.test.end(), rows[c].begin(), middle);
        split.train.insert(split.train.end(), middle, rows[c].end());
    }
    // Grouped by class so far: mix the classes, so that no part is ordered by label.
    random.shuffle(std::span(split.train));
    random.shuffle(std::span(split.test));
    return split;
}

// Fold f's test rows are those dealt to f; every other row trains. Both ascending.
inline std::vector<Fold> folds_from_assignment(const std::vector<Index>& fold_of_row, Index folds) {
    std::vector<Fold> result(static_cast<std::size_t>(folds));
    for (std::size_t row = 0; row < fold_of_row.size(); ++row)
        for (Index f = 0; f < folds; ++f)
            (f == fold_of_row[row] ? result[std::size_t(f)].test : result[std::size_t(f)].train).push_back(Index(row));
    return result;
}

inline void check_fold_count(Index folds, Index samples, std::string_view context) {
    if (folds < 2) fail("{}: {} folds; cross-validation needs at least 2", context, folds);
    if (samples < folds) fail("{}: {} folds of {} samples; every fold needs a sample", context, folds, samples);
}

}  // namespace detail

/// Ensures: the rows of `samples` samples split into train and test parts of
/// ceil(test_size * samples) test rows, shuffled with `options.seed` (or, without shuffle,
/// the last rows test). Every row is in exactly one part.
/// Requires: test_size in (0, 1) leaving both parts non-empty; no stratify (it needs
/// labels: use the overload with y). Checked: neuro::Error.
inline SplitIndices train_test_indices(Index samples, const SplitOptions& options = {}) {
    if (options.stratify) fail("train_test_split: stratify needs labels; pass y");
    return detail::split_indices(samples, options, nullptr);
}

/// The same, for the rows of y (N x outputs); with options.stratify each class (see the top
/// of this header) has, in each part, its exact share of that part's size within one sample.
template <class M>
SplitIndices train_test_indices(const Eigen::MatrixBase<M>& y, const SplitOptions& options = {}) {
    if (!options.stratify) return detail::split_indices(y.rows(), options, nullptr);
    const std::vector<Index> classes = detail::class_of_each_row(y, "train_test_split");
    return detail::split_indices(y.rows(), options, &classes);
}

/// Splits a dataset into train and test parts; see train_test_indices. Rows of x and y stay
/// together, names are kept. Requires a valid dataset (checked).
template <Scalar T>
TrainTestSplit<T> train_test_split(const Dataset<T>& dataset, const SplitOptions& options = {}) {
    check_dataset(dataset, "train_test_split");
    const SplitIndices split = train_test_indices(dataset.y, options);
    return {select_rows(dataset, split.train), select_rows(dataset, split.test)};
}

/// Represents: k-fold cross-validation: the samples dealt into k folds of sizes differing by
/// at most one (the first samples % k folds one larger), each fold once the test part.
/// Requires: k >= 2 and samples >= k (checked at split: neuro::Error).
/// Ensures: every sample is in exactly one fold's test part, and in the train part of every
/// other fold.
class KFold {
public:
    explicit KFold(Index folds, FoldOptions options = {}) : folds_(folds), options_(options) {}

    std::vector<Fold> split(Index samples) const {
        detail::check_fold_count(folds_, samples, "KFold");
        std::vector<Index> order(static_cast<std::size_t>(samples));
        std::iota(order.begin(), order.end(), Index(0));
        if (options_.shuffle) Random(options_.seed).shuffle(std::span(order));
        // Contiguous runs of the (shuffled) order: sizes samples / k, the first samples % k one more.
        std::vector<Index> fold_of_row(static_cast<std::size_t>(samples));
        const Index base = samples / folds_;
        const Index larger = samples % folds_;
        std::size_t next = 0;
        for (Index f = 0; f < folds_; ++f)
            for (Index i = 0; i < base + (f < larger ? 1 : 0); ++i) fold_of_row[std::size_t(order[next++])] = f;
        return detail::folds_from_assignment(fold_of_row, folds_);
    }

    Index folds() const { return folds_; }

private:
    Index folds_;
    FoldOptions options_;
};

/// Represents: k-fold cross-validation that keeps each class's share in every fold: the
/// samples of each class (see the top of this header), shuffled when asked, are dealt round
/// the folds in turn, continuing from class to class.
/// Requires: k >= 2 and samples >= k (checked at split: neuro::Error).
/// Ensures: every sample is in exactly one fold's test part; each class's count differs by
/// at most one across the folds' test parts, and so do the fold sizes.
class StratifiedKFold {
public:
    explicit StratifiedKFold(Index folds, FoldOptions options = {}) : folds_(folds), options_(options) {}

    template <class M>
    std::vector<Fold> split(const Eigen::MatrixBase<M>& y) const {
        detail::check_fold_count(folds_, y.rows(), "StratifiedKFold");
        auto rows = detail::rows_by_class(detail::class_of_each_row(y, "StratifiedKFold"));
        Random random(options_.seed);
        std::vector<Index> fold_of_row(std::size_t(y.rows()));
        Index dealt = 0;
        for (auto& class_rows : rows) {
            if (options_.shuffle) random.shuffle(std::span(class_rows));
            for (const Index row : class_rows) fold_of_row[std::size_t(row)] = dealt++ % folds_;
        }
        return detail::folds_from_assignment(fold_of_row, folds_);
    }

    Index folds() const { return folds_; }

private:
    Index folds_;
    FoldOptions options_;
};

}  // namespace neuro
