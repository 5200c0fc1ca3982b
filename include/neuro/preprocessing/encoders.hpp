#pragma once
// Label encoders: class indices to one-hot rows (to_categorical, OneHotEncoder) and text
// labels to class indices (LabelEncoder), the targets the categorical losses take.

#include "neuro/core/error.hpp"
#include "neuro/core/types.hpp"
#include "neuro/preprocessing/fitted_state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace neuro {

namespace detail {

// Labels come as one column: N x 1.
template <class M>
void check_label_column(const Eigen::MatrixBase<M>& labels, std::string_view context) {
    if (labels.cols() != 1) fail("{}: labels are N x 1, got {} x {}", context, labels.rows(), labels.cols());
}

// The label of `row` as a class index in [0, classes), or neuro::Error naming the row.
template <class M>
Index class_index(const Eigen::MatrixBase<M>& labels, Index row, Index classes, std::string_view context) {
    const double value = double(labels(row, 0));
    // Compared as double before converting: a cast of an out-of-range value would be undefined.
    if (!(value >= 0 && value < double(classes) && value == std::floor(value)))
        fail("{}: the label of row {} is {}; class indices are integers 0 to {}", context, row, value, classes - 1);
    return Index(value);
}

}  // namespace detail

/// Ensures: the one-hot rows of N x 1 class indices: N x num_classes, row i holding 1 in
/// column labels(i) and 0 elsewhere (Keras' to_categorical). num_classes defaults to the
/// largest label + 1.
/// Requires: labels N x 1 of integers in [0, num_classes) (checked: neuro::Error naming the row).
template <FloatMatrix M>
Matrix<typename M::Scalar> to_categorical(const M& labels, std::optional<Index> num_classes = std::nullopt) {
    constexpr std::string_view context = "to_categorical";
    detail::check_label_column(labels, context);
    Index classes = num_classes.value_or(0);
    if (!num_classes) {
        // The largest label + 1; every label is checked against the bound below.
        for (Index row = 0; row < labels.rows(); ++row)
            classes = std::max(classes, detail::class_index(labels, row, Index(1) << 31, context) + 1);
    }
    if (classes < 1) fail("{}: num_classes is {}; it must be at least 1", context, classes);
    Matrix<typename M::Scalar> one_hot = Matrix<typename M::Scalar>::Zero(labels.rows(), classes);
    for (Index row = 0; row < labels.rows(); ++row)
        one_hot(row, detail::class_index(labels, row, classes, context)) = 1;
    return one_hot;
}

/// Represents: one-hot encoding of N x 1 integer labels whose distinct values (the
/// categories, sorted) need not be 0 to K - 1, e.g. {3, 7, 9} (scikit-learn's OneHotEncoder
/// on one column).
/// Requires: labels N x 1 of finite integers; fit on at least one row; transform after fit
/// and only labels fit saw (checked: neuro::Error naming the row and value).
/// Ensures: transform gives N x K rows with a 1 in the column of the label's category;
/// inverse_transform gives, for each row, the category of its largest entry (so it also turns
/// predicted probabilities into labels).
class OneHotEncoder {
public:
    template <FloatMatrix M>
    OneHotEncoder& fit(const M& labels) {
        detail::check_label_column(labels, "OneHotEncoder::fit");
        if (labels.rows() == 0) fail("OneHotEncoder::fit: no labels");
        std::vector<double> values;
        for (Index row = 0; row < labels.rows(); ++row) values.push_back(checked_label(labels, row, "fit"));
        std::sort(values.begin(), values.end());
        values.erase(std::unique(values.begin(), values.end()), values.end());
        categories_ = Eigen::Map<const Vector<double>>(values.data(), Index(values.size()));
        return *this;
    }

    template <FloatMatrix M>
    Matrix<typename M::Scalar> transform(const M& labels) const {
        detail::check_fitted(fitted(), name, "transform");
        detail::check_label_column(labels, "OneHotEncoder::transform");
        Matrix<typename M::Scalar> one_hot = Matrix<typename M::Scalar>::Zero(labels.rows(), categories_.size());
        const double* begin = categories_.data();
        const double* end = begin + categories_.size();
        for (Index row = 0; row < labels.rows(); ++row) {
            const double value = checked_label(labels, row, "transform");
            const double* found = std::lower_bound(begin, end, value);
            if (found == end || *found != value)
                fail("OneHotEncoder::transform: the label of row {} is {}, a category fit never saw", row, value);
            one_hot(row, Index(found - begin)) = 1;
        }
        return one_hot;
    }

    template <FloatMatrix M>
    Matrix<typename M::Scalar> fit_transform(const M& labels) {
        return fit(labels).transform(labels);
    }

    template <FloatMatrix M>
    Matrix<typename M::Scalar> inverse_transform(const M& one_hot) const {
        detail::check_fitted(fitted(), name, "inverse_transform");
        detail::check_width(categories_.size(), one_hot.cols(), name, "inverse_transform");
        Matrix<typename M::Scalar> labels(one_hot.rows(), 1);
        for (Index row = 0; row < one_hot.rows(); ++row) {
            Index largest = 0;
            one_hot.row(row).maxCoeff(&largest);
            labels(row, 0) = typename M::Scalar(categories_[largest]);
        }
        return labels;
    }

    bool fitted() const { return categories_.size() > 0; }
    /// The sorted distinct labels; column k of a one-hot row stands for categories()[k].
    const Vector<double>& categories() const { return categories_; }

    /// {"categories"}.
    FittedState state() const {
        detail::check_fitted(fitted(), name, "state");
        return {{"categories", categories_}};
    }

    static OneHotEncoder from_state(const FittedState& state) {
        OneHotEncoder encoder;
        encoder.categories_ = detail::state_entry(state, "categories", name);
        const Vector<double>& categories = encoder.categories_;
        for (Index k = 0; k < categories.size(); ++k)
            if (!std::isfinite(categories[k]) || categories[k] != std::floor(categories[k]) ||
                (k > 0 && !(categories[k - 1] < categories[k])))
                fail("OneHotEncoder::from_state: the categories must be increasing integers; category {} is {}", k,
                     categories[k]);
        return encoder;
    }

private:
    static constexpr std::string_view name = "OneHotEncoder";

    template <class M>
    static double checked_label(const Eigen::MatrixBase<M>& labels, Index row, std::string_view method) {
        const double value = double(labels(row, 0));
        if (!std::isfinite(value) || value != std::floor(value))
            fail("OneHotEncoder::{}: the label of row {} is {}; labels are integers", method, row, value);
        return value;
    }

    Vector<double> categories_;
};

/// Represents: text labels as class indices: the index of each label in the sorted distinct
/// labels seen by fit (scikit-learn's LabelEncoder).
/// Requires: fit on at least one label; transform after fit and only labels fit saw;
/// inverse_transform of integer codes in [0, classes) (checked: neuro::Error naming the
/// position and the value).
/// Ensures: transform gives N x 1 class indices, the target SparseCategoricalCrossEntropy
/// takes; inverse_transform(transform(labels)) == labels.
class LabelEncoder {
public:
    LabelEncoder& fit(std::span<const std::string> labels) {
        if (labels.empty()) fail("LabelEncoder::fit: no labels");
        classes_.assign(labels.begin(), labels.end());
        std::sort(classes_.begin(), classes_.end());
        classes_.erase(std::unique(classes_.begin(), classes_.end()), classes_.end());
        return *this;
    }

    /// N x 1 class indices, as T: `encoder.transform<float>(labels)`.
    template <Scalar T>
    Matrix<T> transform(std::span<const std::string> labels) const {
        detail::check_fitted(fitted(), name, "transform");
        Matrix<T> codes(Index(labels.size()), 1);
        for (std::size_t i = 0; i < labels.size(); ++i) {
            const auto found = std::lower_bound(classes_.begin(), classes_.end(), labels[i]);
            if (found == classes_.end() || *found != labels[i])
                fail("LabelEncoder::transform: label {} is \"{}\", a class fit never saw", i, labels[i]);
            codes(Index(i), 0) = T(found - classes_.begin());
        }
        return codes;
    }

    template <Scalar T>
    Matrix<T> fit_transform(std::span<const std::string> labels) {
        return fit(labels).template transform<T>(labels);
    }

    template <FloatMatrix M>
    std::vector<std::string> inverse_transform(const M& codes) const {
        detail::check_fitted(fitted(), name, "inverse_transform");
        detail::check_label_column(codes, "LabelEncoder::inverse_transform");
        std::vector<std::string> labels;
        labels.reserve(std::size_t(codes.rows()));
        for (Index row = 0; row < codes.rows(); ++row)
            labels.push_back(classes_[std::size_t(
                detail::class_index(codes, row, Index(classes_.size()), "LabelEncoder::inverse_transform"))]);
        return labels;
    }

    bool fitted() const { return !classes_.empty(); }
    /// The sorted distinct labels; class index k stands for classes()[k].
    const std::vector<std::string>& classes() const { return classes_; }

    /// The encoder that fit would have made from labels whose distinct values are `classes`.
    /// Requires: classes sorted, distinct and not empty (checked).
    static LabelEncoder from_classes(std::vector<std::string> classes) {
        if (classes.empty()) fail("LabelEncoder::from_classes: no classes");
        for (std::size_t k = 1; k < classes.size(); ++k)
            if (!(classes[k - 1] < classes[k]))
                fail("LabelEncoder::from_classes: the classes must be sorted and distinct; \"{}\" follows \"{}\"",
                     classes[k], classes[k - 1]);
        LabelEncoder encoder;
        encoder.classes_ = std::move(classes);
        return encoder;
    }

private:
    static constexpr std::string_view name = "LabelEncoder";

    std::vector<std::string> classes_;
};

}  // namespace neuro
