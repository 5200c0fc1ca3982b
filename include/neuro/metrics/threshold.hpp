#pragma once
// Choosing an operating point: the score threshold at which a binary classifier does best by a
// chosen criterion, found by trying every distinct score.

#include "neuro/core/types.hpp"
#include "neuro/metrics/classification.hpp"
#include "neuro/metrics/roc.hpp"

#include <cstddef>

namespace neuro::metrics {

/// What "best" means for best_threshold.
enum class Criterion {
    F1,       ///< the F1 score of the positive class, 2 tp / (2 tp + fp + fn)
    YoudenJ,  ///< Youden's J = tpr - fpr: the ROC point farthest above the diagonal
};

/// A threshold and the criterion's value there.
struct OperatingPoint {
    double threshold = 0;  ///< predict positive where score >= threshold: always one of the scores
    double value = 0;      ///< the criterion at this threshold
};

/// The threshold that maximizes `criterion`, among the distinct scores; between thresholds of
/// equal value, the highest (the one that predicts fewest positives).
/// Requires: y_true of 0/1 with a positive sample (F1) or both classes (YoudenJ); finite scores;
///   the same, nonzero length.
/// Ensures: predicting score >= threshold as positive achieves `value`, and no threshold does
///   better.
template <ArithmeticDense True, ArithmeticDense Scores>
OperatingPoint best_threshold(const True& y_true, const Scores& scores, Criterion criterion = Criterion::F1) {
    const detail::BinaryScores input = detail::binary_scores("best_threshold", y_true, scores);
    if (criterion == Criterion::YoudenJ)
        detail::require_both_classes("best_threshold", input);
    else
        detail::require_positive("best_threshold", input);
    const detail::RankedCounts counts = detail::ranked_counts(input);
    const double positives = input.positives;
    const double negatives = input.negatives;
    // Each value is one division of whole numbers, so equal values compare equal and the tie
    // rule holds exactly.
    const auto value_at = [&](std::size_t k) {
        const double true_positives = counts.true_positives[k];
        const double false_positives = counts.false_positives[k];
        if (criterion == Criterion::YoudenJ)
            return (true_positives * negatives - false_positives * positives) / (positives * negatives);
        return 2 * true_positives / (positives + true_positives + false_positives);
    };
    OperatingPoint best{counts.thresholds[0], value_at(0)};
    for (std::size_t k = 1; k < counts.thresholds.size(); ++k) {
        const double value = value_at(k);
        if (value > best.value) best = {counts.thresholds[k], value};
    }
    return best;
}

}  // namespace neuro::metrics
