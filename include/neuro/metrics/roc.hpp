#pragma once
// How well scores rank the positive samples above the negative ones, over every threshold: the
// ROC curve and the area under it (AUC), the precision-recall curve and average precision, as
// scikit-learn computes them.
//
// Labels are 0 or 1 (the positive class 1), scores any finite numbers (probabilities, logits,
// distances) where higher means "more likely positive"; both are Eigen vectors of any
// arithmetic scalar. A threshold t predicts positive the samples whose score is >= t.

#include "neuro/core/error.hpp"
#include "neuro/core/types.hpp"
#include "neuro/metrics/classification.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <numeric>
#include <string_view>
#include <utility>
#include <vector>

namespace neuro::metrics {

/// The ROC curve as scikit-learn's roc_curve(drop_intermediate=False) gives it: point i is
/// (fpr[i], tpr[i]) when the samples scored >= thresholds[i] are predicted positive. Samples with
/// equal scores share one threshold. The first point is (0, 0) at threshold +inf, the last (1, 1)
/// at the lowest score.
struct RocCurve {
    std::vector<double> fpr;         ///< false positive rate, fp / negatives: from 0 up to 1
    std::vector<double> tpr;         ///< true positive rate (recall), tp / positives: from 0 up to 1
    std::vector<double> thresholds;  ///< decreasing: +inf, then each distinct score, highest first

    std::size_t size() const { return thresholds.size(); }
};

/// The precision-recall curve as scikit-learn's precision_recall_curve gives it: point i is
/// (recall[i], precision[i]) when the samples scored >= thresholds[i] are predicted positive;
/// one more point closes the curve at precision 1, recall 0, without a threshold.
struct PrecisionRecallCurve {
    std::vector<double> precision;   ///< tp / (tp + fp) at each threshold, then 1
    std::vector<double> recall;      ///< tp / positives, decreasing, then 0
    std::vector<double> thresholds;  ///< increasing: each distinct score, lowest first

    /// The number of points: thresholds plus the closing one.
    std::size_t size() const { return precision.size(); }
};

namespace detail {

// Binary labels and their scores, checked: the same length, at least one sample, finite scores.
struct BinaryScores {
    std::vector<Index> labels;
    std::vector<double> scores;
    double positives = 0;
    double negatives = 0;
};

inline BinaryScores binary_scores(std::string_view function, const std::vector<double>& truth,
                                  std::vector<double> scores) {
    require_same_length(function, "y_true", truth.size(), "scores", scores.size());
    BinaryScores result{
        binary_labels(function, "y_true", truth, "for more classes, roc_auc takes an N x C matrix of scores"),
        std::move(scores)};
    for (const Index label : result.labels) (label == 1 ? result.positives : result.negatives) += 1;
    return result;
}

template <ArithmeticDense True, ArithmeticDense Scores>
BinaryScores binary_scores(std::string_view function, const True& y_true, const Scores& scores) {
    std::vector<double> truth = vector_values(function, "y_true", y_true);  // y_true is checked first
    return binary_scores(function, truth, finite_values(function, "scores", scores));
}

inline void require_positive(std::string_view function, const BinaryScores& input) {
    if (input.positives == 0)
        fail("{}: y_true has no positive sample (class 1) among its {}; the metric needs one", function,
             input.labels.size());
}

inline void require_both_classes(std::string_view function, const BinaryScores& input) {
    if (input.positives == 0 || input.negatives == 0)
        fail("{}: y_true holds only class {} ({} samples); the metric needs samples of both classes 0 and 1", function,
             input.positives == 0 ? 0 : 1, input.labels.size());
}

// For each distinct score, highest first: the score, and how many positives and negatives
// score at or above it. Every curve and area below is read off these counts.
struct RankedCounts {
    std::vector<double> thresholds;
    std::vector<double> true_positives;
    std::vector<double> false_positives;
};

inline RankedCounts ranked_counts(const BinaryScores& input) {
    const std::vector<double>& scores = input.scores;
    std::vector<std::size_t> order(scores.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });

    RankedCounts counts;
    double true_positives = 0;
    double false_positives = 0;
    for (std::size_t rank = 0; rank < order.size(); ++rank) {
        const std::size_t sample = order[rank];
        (input.labels[sample] == 1 ? true_positives : false_positives) += 1;
        const bool last_of_tie = rank + 1 == order.size() || scores[order[rank + 1]] != scores[sample];
        if (!last_of_tie) continue;
        counts.thresholds.push_back(scores[sample]);
        counts.true_positives.push_back(true_positives);
        counts.false_positives.push_back(false_positives);
    }
    return counts;
}

// The trapezoids under the ROC curve, summed in counts (whole numbers, so exact below 2^53) and
// divided once: a tie of p positives and n negatives adds p n / 2, as the Mann-Whitney U counts it.
inline double area_under_roc(const RankedCounts& counts, double positives, double negatives) {
    double twice_area = 0;
    double previous_true_positives = 0;
    double previous_false_positives = 0;
    for (std::size_t k = 0; k < counts.thresholds.size(); ++k) {
        twice_area += (counts.false_positives[k] - previous_false_positives) *
                      (counts.true_positives[k] + previous_true_positives);
        previous_true_positives = counts.true_positives[k];
        previous_false_positives = counts.false_positives[k];
    }
    return twice_area / (2 * positives * negatives);
}

inline double binary_roc_auc(const BinaryScores& input) {
    require_both_classes("roc_auc", input);
    return area_under_roc(ranked_counts(input), input.positives, input.negatives);
}

// One-vs-rest: the AUC of each class's column of scores against all other classes, averaged.
inline double one_vs_rest_roc_auc(const std::vector<double>& truth, const Eigen::MatrixXd& scores) {
    require_same_length("roc_auc", "y_true", truth.size(), "the rows of scores", std::size_t(scores.rows()));
    const std::vector<Index> labels = class_indices("roc_auc", "y_true", truth, scores.cols());
    double area_sum = 0;
    for (Index label = 0; label < scores.cols(); ++label) {
        BinaryScores one_class;
        for (std::size_t i = 0; i < labels.size(); ++i) {
            const bool positive = labels[i] == label;
            one_class.labels.push_back(positive ? 1 : 0);
            one_class.scores.push_back(scores(Index(i), label));
            (positive ? one_class.positives : one_class.negatives) += 1;
        }
        if (one_class.positives == 0 || one_class.negatives == 0)
            fail(
                "roc_auc: {} of the {} samples are of class {}; one-vs-rest AUC needs every class of the {} "
                "score columns present, and not alone",
                one_class.positives, labels.size(), label, scores.cols());
        area_sum += area_under_roc(ranked_counts(one_class), one_class.positives, one_class.negatives);
    }
    return area_sum / double(scores.cols());
}

}  // namespace detail

/// The ROC curve of binary labels and scores (see RocCurve).
/// Requires: y_true of 0/1 with both classes present; finite scores; the same, nonzero length.
template <ArithmeticDense True, ArithmeticDense Scores>
RocCurve roc_curve(const True& y_true, const Scores& scores) {
    const detail::BinaryScores input = detail::binary_scores("roc_curve", y_true, scores);
    detail::require_both_classes("roc_curve", input);
    const detail::RankedCounts counts = detail::ranked_counts(input);
    RocCurve curve{{0}, {0}, {std::numeric_limits<double>::infinity()}};
    for (std::size_t k = 0; k < counts.thresholds.size(); ++k) {
        curve.fpr.push_back(counts.false_positives[k] / input.negatives);
        curve.tpr.push_back(counts.true_positives[k] / input.positives);
        curve.thresholds.push_back(counts.thresholds[k]);
    }
    return curve;
}

/// The area under the ROC curve: the probability that a random positive sample scores above a
/// random negative one, ties counting one half (the Mann-Whitney U over positives x negatives).
/// Computed exactly, not by a numerical integral of floating-point rates.
/// Two forms, told apart by the shape of `scores`:
///   binary: y_true of 0/1 and N scores (N x 1 or 1 x N);
///   multiclass: y_true class indices in [0, C) and an N x C score matrix (N, C >= 2): the
///   one-vs-rest AUC of each class, averaged with equal weights (scikit-learn's
///   multi_class="ovr", average="macro").
/// Requires: every class present in y_true, and (binary) both; finite scores.
template <ArithmeticDense True, ArithmeticDense Scores>
double roc_auc(const True& y_true, const Scores& scores) {
    if (scores.rows() > 1 && scores.cols() > 1) {
        const std::vector<double> truth = detail::vector_values("roc_auc", "y_true", y_true);
        return detail::one_vs_rest_roc_auc(truth, detail::finite_matrix("roc_auc", "scores", scores));
    }
    return detail::binary_roc_auc(detail::binary_scores("roc_auc", y_true, scores));
}

/// The precision-recall curve of binary labels and scores (see PrecisionRecallCurve).
/// Requires: y_true of 0/1 with at least one positive (else recall is undefined); finite scores;
///   the same, nonzero length.
template <ArithmeticDense True, ArithmeticDense Scores>
PrecisionRecallCurve precision_recall_curve(const True& y_true, const Scores& scores) {
    const detail::BinaryScores input = detail::binary_scores("precision_recall_curve", y_true, scores);
    detail::require_positive("precision_recall_curve", input);
    const detail::RankedCounts counts = detail::ranked_counts(input);
    PrecisionRecallCurve curve;
    for (std::size_t k = counts.thresholds.size(); k-- > 0;) {
        const double true_positives = counts.true_positives[k];
        curve.precision.push_back(true_positives / (true_positives + counts.false_positives[k]));
        curve.recall.push_back(true_positives / input.positives);
        curve.thresholds.push_back(counts.thresholds[k]);
    }
    curve.precision.push_back(1);
    curve.recall.push_back(0);
    return curve;
}

/// Average precision: the precision at each threshold weighted by the recall it adds,
/// sum over thresholds of (R_k - R_{k-1}) P_k, scikit-learn's step-wise definition (no
/// interpolation, so it is not the trapezoid area under the precision-recall curve).
/// Requires: y_true of 0/1 with both classes present; finite scores; the same, nonzero length.
template <ArithmeticDense True, ArithmeticDense Scores>
double average_precision(const True& y_true, const Scores& scores) {
    const detail::BinaryScores input = detail::binary_scores("average_precision", y_true, scores);
    detail::require_both_classes("average_precision", input);
    const detail::RankedCounts counts = detail::ranked_counts(input);
    double weighted_sum = 0;
    double previous_true_positives = 0;
    for (std::size_t k = 0; k < counts.thresholds.size(); ++k) {
        const double true_positives = counts.true_positives[k];
        weighted_sum +=
            (true_positives - previous_true_positives) * true_positives / (true_positives + counts.false_positives[k]);
        previous_true_positives = true_positives;
    }
    return weighted_sum / input.positives;
}

}  // namespace neuro::metrics
