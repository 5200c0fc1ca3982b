#pragma once
// Metrics of class predictions: accuracy, precision, recall, F1, the confusion matrix,
// balanced accuracy, Matthews' correlation, and the log loss of predicted probabilities.
//
// Labels are class indices 0, 1, ..., C - 1 (binary: 0 and 1, the positive class 1) held in an
// Eigen vector, N x 1 or 1 x N, of any arithmetic scalar (int, float, double, bool); every
// result is a double. A ratio whose denominator is 0 is 0, as scikit-learn's zero_division=0.
// The input checks here are shared by the other metrics headers.

#include "neuro/core/error.hpp"
#include "neuro/core/types.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <string_view>
#include <type_traits>
#include <vector>

namespace neuro::metrics {

/// Any Eigen dense matrix, array, map, block or expression of an arithmetic scalar: what labels,
/// predictions, scores and probabilities may be.
template <class E>
concept ArithmeticDense = std::derived_from<E, Eigen::DenseBase<E>> && std::is_arithmetic_v<typename E::Scalar>;

/// C x C counts: row i, column j counts the samples of true class i predicted as class j.
using ConfusionMatrix = Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic>;

/// How per-class precision, recall or F1 become one number.
enum class Average {
    Binary,    ///< labels must be 0 and 1: the score of class 1
    Macro,     ///< the unweighted mean over the classes present in y_true or y_pred
    Micro,     ///< from the counts summed over classes: equals accuracy for single-label data
    Weighted,  ///< the mean over classes weighted by their support (their count in y_true)
};

namespace detail {

// The largest whole number a double counts exactly; larger "class indices" are not labels.
inline constexpr double largest_class_index = 9007199254740992.0;

// The elements of a vector (N x 1 or 1 x N), in order, as doubles.
template <ArithmeticDense E>
std::vector<double> vector_values(std::string_view function, std::string_view name, const E& values) {
    if (values.rows() != 1 && values.cols() != 1)
        fail("{}: {} must be a vector (N x 1 or 1 x N), got {} x {}", function, name, values.rows(), values.cols());
    if (values.size() == 0) fail("{}: {} is empty", function, name);
    // Evaluated once, so that an expression (a product, say) is not recomputed per element.
    const Eigen::MatrixXd evaluated = values.template cast<double>();
    return {evaluated.data(), evaluated.data() + evaluated.size()};
}

// As vector_values, and every element finite: scores rank samples, and NaN ranks nothing.
template <ArithmeticDense E>
std::vector<double> finite_values(std::string_view function, std::string_view name, const E& values) {
    std::vector<double> result = vector_values(function, name, values);
    for (std::size_t i = 0; i < result.size(); ++i)
        if (!std::isfinite(result[i])) fail("{}: {}[{}] is {}; it must be finite", function, name, i, result[i]);
    return result;
}

// A whole matrix as doubles, every element finite.
template <ArithmeticDense E>
Eigen::MatrixXd finite_matrix(std::string_view function, std::string_view name, const E& values) {
    if (values.size() == 0) fail("{}: {} is empty ({} x {})", function, name, values.rows(), values.cols());
    Eigen::MatrixXd result = values.template cast<double>();
    for (Index column = 0; column < result.cols(); ++column)
        for (Index row = 0; row < result.rows(); ++row)
            if (!std::isfinite(result(row, column)))
                fail("{}: {}({}, {}) is {}; it must be finite", function, name, row, column, result(row, column));
    return result;
}

inline void require_same_length(std::string_view function, std::string_view first, std::size_t first_size,
                                std::string_view second, std::size_t second_size) {
    if (first_size != second_size)
        fail("{}: {} has {} elements and {} has {}; they must have the same length", function, first, first_size,
             second, second_size);
}

// Class indices: whole numbers in [0, num_classes); num_classes < 0 means no upper bound.
inline std::vector<Index> class_indices(std::string_view function, std::string_view name,
                                        const std::vector<double>& values, Index num_classes = -1) {
    std::vector<Index> indices(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double value = values[i];
        if (!(value >= 0 && value <= largest_class_index && value == std::floor(value)))
            fail("{}: {}[{}] = {} is not a class index (a whole number >= 0)", function, name, i, value);
        if (num_classes >= 0 && value >= double(num_classes))
            fail("{}: {}[{}] = {} is outside [0, {})", function, name, i, value, num_classes);
        indices[i] = Index(value);
    }
    return indices;
}

// Binary labels: 0 or 1, the positive class 1. `multiclass_hint` tells the caller's user how to
// pass labels of more classes instead.
inline std::vector<Index> binary_labels(std::string_view function, std::string_view name,
                                        const std::vector<double>& values, std::string_view multiclass_hint) {
    std::vector<Index> labels(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (values[i] != 0 && values[i] != 1)
            fail("{}: {}[{}] = {} is not a binary label 0 or 1; {}", function, name, i, values[i], multiclass_hint);
        labels[i] = Index(values[i]);
    }
    return labels;
}

// True and predicted labels as given, of the same length, at least one.
struct LabelValues {
    std::vector<double> truth;
    std::vector<double> predicted;
};

// True and predicted labels checked as binary labels or class indices.
struct LabelPair {
    std::vector<Index> truth;
    std::vector<Index> predicted;
};

template <ArithmeticDense True, ArithmeticDense Predicted>
LabelValues label_values(std::string_view function, const True& y_true, const Predicted& y_pred) {
    LabelValues values{vector_values(function, "y_true", y_true), vector_values(function, "y_pred", y_pred)};
    require_same_length(function, "y_true", values.truth.size(), "y_pred", values.predicted.size());
    return values;
}

inline LabelPair binary_pair(std::string_view function, const LabelValues& values) {
    constexpr std::string_view hint = "for class indices of more classes pass Average::Macro, Micro or Weighted";
    return {binary_labels(function, "y_true", values.truth, hint),
            binary_labels(function, "y_pred", values.predicted, hint)};
}

inline LabelPair class_pair(std::string_view function, const LabelValues& values, Index num_classes = -1) {
    return {class_indices(function, "y_true", values.truth, num_classes),
            class_indices(function, "y_pred", values.predicted, num_classes)};
}

// One class's counts; doubles, so that the ratios below need no casts (exact up to 2^53).
struct ClassCounts {
    double true_positives = 0;  // predicted as the class and truly of it
    double predicted = 0;       // predicted as the class: true + false positives
    double actual = 0;          // truly of the class, its support: true positives + false negatives
};

inline double ratio(double numerator, double denominator) { return denominator == 0 ? 0 : numerator / denominator; }
inline double precision_of(const ClassCounts& counts) { return ratio(counts.true_positives, counts.predicted); }
inline double recall_of(const ClassCounts& counts) { return ratio(counts.true_positives, counts.actual); }
// 2 tp / (2 tp + fp + fn): the harmonic mean of precision and recall, and 0 where both are 0.
inline double f1_of(const ClassCounts& counts) {
    return ratio(2 * counts.true_positives, counts.predicted + counts.actual);
}

inline ClassCounts counts_of_class(const LabelPair& labels, Index label) {
    ClassCounts counts;
    for (std::size_t i = 0; i < labels.truth.size(); ++i) {
        counts.true_positives += labels.truth[i] == label && labels.predicted[i] == label;
        counts.predicted += labels.predicted[i] == label;
        counts.actual += labels.truth[i] == label;
    }
    return counts;
}

// The counts of each class, in increasing class order: the classes 0 ... num_classes - 1, or
// (num_classes < 0) the classes present in either vector, as scikit-learn's unique_labels.
struct PerClassCounts {
    std::vector<Index> classes;
    std::vector<ClassCounts> counts;
};

inline PerClassCounts per_class_counts(const LabelPair& labels, Index num_classes = -1) {
    PerClassCounts result;
    if (num_classes >= 0) {
        for (Index label = 0; label < num_classes; ++label) result.classes.push_back(label);
    } else {
        result.classes = labels.truth;
        result.classes.insert(result.classes.end(), labels.predicted.begin(), labels.predicted.end());
        std::sort(result.classes.begin(), result.classes.end());
        result.classes.erase(std::unique(result.classes.begin(), result.classes.end()), result.classes.end());
    }
    result.counts.resize(result.classes.size());
    // Classes are sorted, so a label's slot is found by binary search, however large the labels.
    const auto slot = [&](Index label) {
        return std::size_t(std::lower_bound(result.classes.begin(), result.classes.end(), label) -
                           result.classes.begin());
    };
    for (std::size_t i = 0; i < labels.truth.size(); ++i) {
        ClassCounts& truth = result.counts[slot(labels.truth[i])];
        truth.actual += 1;
        result.counts[slot(labels.predicted[i])].predicted += 1;
        truth.true_positives += labels.truth[i] == labels.predicted[i];
    }
    return result;
}

using ClassScore = double (*)(const ClassCounts&);

// A per-class score averaged over classes as `average` (not Binary) says.
inline double averaged(const std::vector<ClassCounts>& per_class, Average average, ClassScore score) {
    double total = 0;
    double weight = 0;
    ClassCounts summed;
    for (const ClassCounts& counts : per_class) {
        summed.true_positives += counts.true_positives;
        summed.predicted += counts.predicted;
        summed.actual += counts.actual;
        if (average == Average::Weighted) {
            total += counts.actual * score(counts);
            weight += counts.actual;
        } else {
            total += score(counts);
            weight += 1;
        }
    }
    return average == Average::Micro ? score(summed) : ratio(total, weight);
}

template <ArithmeticDense True, ArithmeticDense Predicted>
double score_of(std::string_view function, const True& y_true, const Predicted& y_pred, Average average,
                ClassScore score) {
    const LabelValues values = label_values(function, y_true, y_pred);
    if (average == Average::Binary) return score(counts_of_class(binary_pair(function, values), 1));
    return averaged(per_class_counts(class_pair(function, values)).counts, average, score);
}

inline double balanced_accuracy_of(const LabelPair& labels) {
    double recall_sum = 0;
    double classes_with_support = 0;
    for (const ClassCounts& counts : per_class_counts(labels).counts) {
        if (counts.actual == 0) continue;  // a class only ever predicted has no recall to average
        recall_sum += recall_of(counts);
        classes_with_support += 1;
    }
    return recall_sum / classes_with_support;
}

// The multiclass form (Gorodkin's R_K), which is the phi coefficient for two classes:
// (c s - t.p) / sqrt((s^2 - p.p)(s^2 - t.t)), with c the correct predictions, s the samples,
// t and p the per-class true and predicted counts.
inline double matthews_corrcoef_of(const LabelPair& labels) {
    double correct = 0;
    double true_dot_predicted = 0;
    double predicted_squared = 0;
    double true_squared = 0;
    for (const ClassCounts& counts : per_class_counts(labels).counts) {
        correct += counts.true_positives;
        true_dot_predicted += counts.actual * counts.predicted;
        predicted_squared += counts.predicted * counts.predicted;
        true_squared += counts.actual * counts.actual;
    }
    const double samples = double(labels.truth.size());
    const double denominator =
        std::sqrt(samples * samples - predicted_squared) * std::sqrt(samples * samples - true_squared);
    return ratio(correct * samples - true_dot_predicted, denominator);
}

inline double log_loss_of(const std::vector<double>& truth, const Eigen::MatrixXd& probabilities, double epsilon) {
    const std::size_t samples = truth.size();
    for (Index column = 0; column < probabilities.cols(); ++column)
        for (Index row = 0; row < probabilities.rows(); ++row)
            if (probabilities(row, column) < 0 || probabilities(row, column) > 1)
                fail("log_loss: probabilities({}, {}) = {} is outside [0, 1]", row, column, probabilities(row, column));
    const auto clipped = [epsilon](double p) { return std::clamp(p, epsilon, 1 - epsilon); };
    double total = 0;

    const bool one_column_per_class = probabilities.rows() == Index(samples) && probabilities.cols() >= 2;
    if (one_column_per_class) {
        const std::vector<Index> labels = class_indices("log_loss", "y_true", truth, probabilities.cols());
        // Sums off 1 by more than rounding mean the rows are not probabilities (logits, say).
        const double tolerance = std::sqrt(epsilon);
        for (std::size_t i = 0; i < samples; ++i) {
            const double row_sum = probabilities.row(Index(i)).sum();
            if (std::abs(row_sum - 1) > tolerance)
                fail("log_loss: row {} of probabilities sums to {}, not 1; pass probabilities (a softmax output)", i,
                     row_sum);
            total -= std::log(clipped(probabilities(Index(i), labels[i])));
        }
        return total / double(samples);
    }
    const bool one_per_sample =
        (probabilities.rows() == 1 || probabilities.cols() == 1) && probabilities.size() == Index(samples);
    if (!one_per_sample)
        fail("log_loss: probabilities is {} x {}; for {} labels pass {} probabilities of class 1 or a {} x C matrix",
             probabilities.rows(), probabilities.cols(), samples, samples, samples);
    const std::vector<Index> labels =
        binary_labels("log_loss", "y_true", truth, "for more classes pass an N x C matrix of probabilities");
    for (std::size_t i = 0; i < samples; ++i) {
        const double p = clipped(probabilities.data()[i]);
        total -= labels[i] == 1 ? std::log(p) : std::log(1 - p);
    }
    return total / double(samples);
}

}  // namespace detail

/// The fraction of samples whose predicted class is the true one.
/// Requires: y_true and y_pred class indices (whole numbers >= 0) of the same, nonzero length.
template <ArithmeticDense True, ArithmeticDense Predicted>
double accuracy(const True& y_true, const Predicted& y_pred) {
    const detail::LabelPair labels = detail::class_pair("accuracy", detail::label_values("accuracy", y_true, y_pred));
    double correct = 0;
    for (std::size_t i = 0; i < labels.truth.size(); ++i) correct += labels.truth[i] == labels.predicted[i];
    return correct / double(labels.truth.size());
}

/// tp / (tp + fp): of the samples predicted as a class, the fraction truly of it.
/// Requires: labels 0 or 1 for Average::Binary (the score of class 1), class indices otherwise;
///   y_true and y_pred of the same, nonzero length.
/// Ensures: 0 where nothing is predicted as the class.
template <ArithmeticDense True, ArithmeticDense Predicted>
double precision(const True& y_true, const Predicted& y_pred, Average average = Average::Binary) {
    return detail::score_of("precision", y_true, y_pred, average, detail::precision_of);
}

/// tp / (tp + fn): of the samples truly of a class, the fraction predicted as it.
/// Requires and ensures as precision; 0 for a class absent from y_true.
template <ArithmeticDense True, ArithmeticDense Predicted>
double recall(const True& y_true, const Predicted& y_pred, Average average = Average::Binary) {
    return detail::score_of("recall", y_true, y_pred, average, detail::recall_of);
}

/// The harmonic mean of precision and recall, 2 tp / (2 tp + fp + fn), per class; Macro and
/// Weighted average the per-class F1 (not the F1 of averaged precision and recall).
/// Requires and ensures as precision; 0 where precision and recall are both 0.
template <ArithmeticDense True, ArithmeticDense Predicted>
double f1_score(const True& y_true, const Predicted& y_pred, Average average = Average::Binary) {
    return detail::score_of("f1_score", y_true, y_pred, average, detail::f1_of);
}

/// Counts of (true class, predicted class), num_classes x num_classes, rows the true class.
/// Requires: num_classes >= 1; labels in [0, num_classes); y_true and y_pred of the same,
///   nonzero length.
template <ArithmeticDense True, ArithmeticDense Predicted>
ConfusionMatrix confusion_matrix(const True& y_true, const Predicted& y_pred, Index num_classes) {
    if (num_classes < 1) fail("confusion_matrix: num_classes must be at least 1, got {}", num_classes);
    const detail::LabelPair labels =
        detail::class_pair("confusion_matrix", detail::label_values("confusion_matrix", y_true, y_pred), num_classes);
    ConfusionMatrix matrix = ConfusionMatrix::Zero(num_classes, num_classes);
    for (std::size_t i = 0; i < labels.truth.size(); ++i) ++matrix(labels.truth[i], labels.predicted[i]);
    return matrix;
}

/// The mean of the recall of each class present in y_true: accuracy that a majority class
/// cannot inflate.
/// Requires: class indices of the same, nonzero length.
template <ArithmeticDense True, ArithmeticDense Predicted>
double balanced_accuracy(const True& y_true, const Predicted& y_pred) {
    return detail::balanced_accuracy_of(
        detail::class_pair("balanced_accuracy", detail::label_values("balanced_accuracy", y_true, y_pred)));
}

/// Matthews' correlation coefficient, in [-1, 1]: 1 perfect, 0 no better than chance, -1 every
/// prediction wrong (two classes); the multiclass generalization for more classes.
/// Requires: class indices of the same, nonzero length.
/// Ensures: 0 where it is undefined (y_true or y_pred holds a single class).
template <ArithmeticDense True, ArithmeticDense Predicted>
double matthews_corrcoef(const True& y_true, const Predicted& y_pred) {
    return detail::matthews_corrcoef_of(
        detail::class_pair("matthews_corrcoef", detail::label_values("matthews_corrcoef", y_true, y_pred)));
}

/// The mean negative log-likelihood of the true labels (natural log), the cross-entropy loss.
/// Two forms, told apart by the shape of `probabilities`:
///   binary: y_true of 0/1 labels and N probabilities of class 1 (N x 1 or 1 x N);
///   multiclass: y_true class indices and an N x C matrix (C >= 2) whose rows sum to 1.
/// Probabilities are clipped to [eps, 1 - eps], eps the machine epsilon of their scalar (of
/// double for integers), as scikit-learn does: a confident wrong answer costs a large finite loss.
/// Requires: finite probabilities in [0, 1]; rows summing to 1 within sqrt(eps); labels in range.
template <ArithmeticDense True, ArithmeticDense Probabilities>
double log_loss(const True& y_true, const Probabilities& probabilities) {
    using Scalar = typename Probabilities::Scalar;
    const double epsilon =
        std::max(double(std::numeric_limits<Scalar>::epsilon()), std::numeric_limits<double>::epsilon());
    const std::vector<double> truth = detail::vector_values("log_loss", "y_true", y_true);
    return detail::log_loss_of(truth, detail::finite_matrix("log_loss", "probabilities", probabilities), epsilon);
}

}  // namespace neuro::metrics
