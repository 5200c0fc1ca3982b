#pragma once
// Sample and class weights: Keras' sample_weight and class_weight for any loss.
//
// Every built-in loss is a mean of per-sample losses l_j over the batch, so a weighted batch
// loss is (1/batch) sum_j w_j l_j (Keras' "sum over batch size" reduction: the weights scale
// the samples' shares, they are not renormalized), and its gradient with respect to sample
// j's output is w_j times the unweighted one.

#include "neuro/core/error.hpp"
#include "neuro/core/types.hpp"
#include "neuro/losses/loss.hpp"

#include <cmath>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace neuro {

/// (1/batch) sum_j weights_j * loss(column j); from the logits when `from_logits`.
template <Scalar T>
double weighted_loss(const Loss<T>& loss, bool from_logits, ConstMatrixView<T> output, ConstMatrixView<T> target,
                     std::span<const T> weights) {
    double total = 0;
    for (Index j = 0; j < output.cols(); ++j) {
        const ConstMatrixView<T> output_column(output.data() + j * output.rows(), output.rows(), 1);
        const ConstMatrixView<T> target_column(target.data() + j * target.rows(), target.rows(), 1);
        const T sample_loss = from_logits ? loss.value_from_logits(output_column, target_column)
                                          : loss.value(output_column, target_column);
        total += static_cast<double>(weights[static_cast<std::size_t>(j)]) * static_cast<double>(sample_loss);
    }
    return total / static_cast<double>(output.cols());
}

/// Turns the unweighted gradient (outputs x batch) into the weighted one.
template <Scalar T>
void weight_gradient(MatrixView<T> gradient, std::span<const T> weights) {
    for (Index j = 0; j < gradient.cols(); ++j) gradient.col(j) *= weights[static_cast<std::size_t>(j)];
}

/// The class of a target row for the classification losses: a 0/1 label (one output), a
/// class index (sparse targets) or the largest entry of a one-hot row.
template <class Row>
Index target_class(const Row& target, Index outputs) {
    if (target.size() > 1) {
        Index largest = 0;
        target.maxCoeff(&largest);
        return largest;
    }
    return outputs == 1 ? static_cast<Index>(std::lround(target(0))) : static_cast<Index>(target(0));
}

/// How many classes `loss` distinguishes for a model with `outputs` outputs: 0 when it is
/// not a single-label classification loss.
template <Scalar T>
Index class_count(const Loss<T>& loss, Index outputs) {
    const std::string type = loss.type_name();
    if (type == "BinaryCrossEntropy") return outputs == 1 ? 2 : 0;
    if (type == "CategoricalCrossEntropy" || type == "SparseCategoricalCrossEntropy") return outputs;
    return 0;
}

/// One weight per row of y: sample_weight (empty: all 1) times the weight of the row's class
/// (class_weight: class -> weight, classes it leaves out weigh 1). Throws neuro::Error for a
/// length that is not y's, a negative or non-finite weight, class weights with a loss that has
/// no classes or a class the model cannot output, or weights that are all zero.
template <Scalar T, class Y>
std::vector<T> combine_sample_weights(const std::vector<double>& sample_weight,
                                      const std::map<Index, double>& class_weight, const Y& y, const Loss<T>& loss,
                                      Index outputs) {
    const Index rows = y.rows();
    if (!sample_weight.empty() && static_cast<Index>(sample_weight.size()) != rows)
        fail("fit: sample_weight has {} entries but X has {} rows; give one weight per sample", sample_weight.size(),
             rows);
    for (std::size_t i = 0; i < sample_weight.size(); ++i)
        if (!(sample_weight[i] >= 0) || !std::isfinite(sample_weight[i]))
            fail("fit: sample_weight[{}] is {}; weights must be finite and >= 0", i, sample_weight[i]);
    const Index classes = class_count(loss, outputs);
    for (const auto& [label, weight] : class_weight) {
        if (classes == 0)
            fail("fit: class_weight needs a classification loss (binary cross-entropy with one output, or "
                 "(sparse) categorical cross-entropy); {} with {} outputs has no classes",
                 loss.type_name(), outputs);
        if (label < 0 || label >= classes)
            fail("fit: class_weight names class {}, but the model has classes 0 to {}", label, classes - 1);
        if (!(weight >= 0) || !std::isfinite(weight))
            fail("fit: class_weight of class {} is {}; weights must be finite and >= 0", label, weight);
    }
    std::vector<T> weights(static_cast<std::size_t>(rows), T(1));
    bool any_positive = false;
    for (Index i = 0; i < rows; ++i) {
        double weight = sample_weight.empty() ? 1.0 : sample_weight[static_cast<std::size_t>(i)];
        if (!class_weight.empty()) {
            const auto found = class_weight.find(target_class(y.row(i), outputs));
            if (found != class_weight.end()) weight *= found->second;
        }
        weights[static_cast<std::size_t>(i)] = static_cast<T>(weight);
        any_positive = any_positive || weight > 0;
    }
    if (!any_positive) fail("fit: every sample's weight is 0, so there is nothing to learn from");
    return weights;
}

/// scikit-learn's "balanced" class weights for labels y (N x 1 of 0/1 or class indices, or
/// N x C one-hot): class c weighs N / (classes * count_c), so every class carries the same
/// total weight; classes that never occur are left out. For FitOptions::class_weight.
template <class Y>
std::map<Index, double> balanced_class_weight(const Y& y) {
    if (y.rows() == 0) fail("balanced_class_weight: y is empty");
    std::map<Index, Index> counts;
    for (Index i = 0; i < y.rows(); ++i) {
        if (y.cols() == 1 && (!(y(i, 0) >= 0) || y(i, 0) != std::floor(y(i, 0))))
            fail("balanced_class_weight: y at row {} is {}; labels must be class indices 0, 1, ...", i, y(i, 0));
        ++counts[target_class(y.row(i), y.cols() == 1 ? Index(2) : y.cols())];
    }
    const Index classes = y.cols() == 1 ? counts.rbegin()->first + 1 : y.cols();
    std::map<Index, double> weights;
    for (const auto& [label, count] : counts)
        weights[label] = static_cast<double>(y.rows()) / (static_cast<double>(classes) * static_cast<double>(count));
    return weights;
}

}  // namespace neuro
