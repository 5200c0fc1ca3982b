#pragma once
// MetricSet: the metrics a model reports by name while training and in evaluate.

#include "neuro/core/error.hpp"
#include "neuro/core/types.hpp"
#include "neuro/metrics/classification.hpp"
#include "neuro/metrics/roc.hpp"

#include <Eigen/Core>

#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace neuro {

/// Represents: metrics named as Keras names them, computed from targets (N x target width)
/// and the model's outputs (N x outputs, probabilities after Sigmoid or Softmax):
/// - for BinaryCrossEntropy, every output is a 0/1 label scored by its probability:
///   "accuracy", "precision", "recall", "f1" (label 1 where the score >= 0.5) and "auc", over
///   all outputs together;
/// - for categorical cross-entropy (one-hot or class indices), the predicted class is the
///   largest output: "accuracy", and "precision", "recall", "f1" and "auc" macro-averaged
///   over classes (AUC one-vs-rest);
/// - for any loss: "mae" and "mse", the mean absolute and squared error of the outputs
///   against the targets (one-hot or 0/1 targets as they are).
/// An AUC that is undefined (targets of one class only) is NaN, not an error: a validation
/// split may lack a class.
/// Requires: known names that fit the loss (checked when the set is made).
class MetricSet {
public:
    MetricSet() = default;

    MetricSet(std::vector<std::string> names, std::string_view loss_type)
        : names_(std::move(names)), kind_(kind_of(loss_type)) {
        for (const auto& name : names_) check_name(name, loss_type);
    }

    bool empty() const { return names_.empty(); }
    const std::vector<std::string>& names() const { return names_; }

    /// Writes each metric into values under prefix + name ("val_" for validation data).
    template <class Targets, class Outputs>
    void compute(const Targets& targets, const Outputs& outputs, const std::string& prefix,
                 std::map<std::string, double, std::less<>>& values) const {
        const Eigen::MatrixXd y = targets.template cast<double>();
        const Eigen::MatrixXd p = outputs.template cast<double>();
        for (const auto& name : names_) values[prefix + name] = value_of(name, y, p);
    }

private:
    enum class Kind { Binary, OneHot, ClassIndex, Regression };

    static Kind kind_of(std::string_view loss_type) {
        if (loss_type == "BinaryCrossEntropy") return Kind::Binary;
        if (loss_type == "CategoricalCrossEntropy") return Kind::OneHot;
        if (loss_type == "SparseCategoricalCrossEntropy") return Kind::ClassIndex;
        return Kind::Regression;
    }

    void check_name(const std::string& name, std::string_view loss_type) const {
        const bool classification = name == "accuracy" || name == "precision" || name == "recall" ||
                                    name == "f1" || name == "auc";
        if (name == "mae" || name == "mse") return;
        if (!classification)
            fail("compile: unknown metric \"{}\"; known: accuracy, precision, recall, f1, auc, mae, mse", name);
        if (kind_ == Kind::Regression)
            fail("compile: the metric \"{}\" needs a classification loss (binary or categorical cross-entropy), "
                 "not {}",
                 name, loss_type);
    }

    double value_of(const std::string& name, const Eigen::MatrixXd& y, const Eigen::MatrixXd& p) const {
        if (name == "mae" || name == "mse") return regression_error(name, y, p);
        if (kind_ == Kind::Binary) return binary_metric(name, y.reshaped(), p.reshaped());
        return multiclass_metric(name, true_classes(y), p);
    }

    // One-hot or probability targets compare as they are; class-index targets as one-hot.
    double regression_error(const std::string& name, const Eigen::MatrixXd& y, const Eigen::MatrixXd& p) const {
        const Eigen::MatrixXd target = kind_ == Kind::ClassIndex ? one_hot(y, p.cols()) : y;
        const Eigen::ArrayXXd difference = (p - target).array();
        return name == "mae" ? difference.abs().mean() : difference.square().mean();
    }

    static double binary_metric(const std::string& name, const Eigen::VectorXd& labels, const Eigen::VectorXd& scores) {
        if (name == "auc") return defined_auc(labels, scores);
        const Eigen::VectorXd predicted = (scores.array() >= 0.5).cast<double>();
        if (name == "accuracy") return metrics::accuracy(labels, predicted);
        if (name == "precision") return metrics::precision(labels, predicted);
        if (name == "recall") return metrics::recall(labels, predicted);
        return metrics::f1_score(labels, predicted);
    }

    static double multiclass_metric(const std::string& name, const Eigen::VectorXd& classes,
                                    const Eigen::MatrixXd& scores) {
        if (name == "auc") return defined_auc(classes, scores);
        Eigen::VectorXd predicted(scores.rows());
        for (Index i = 0; i < scores.rows(); ++i) {
            Index best = 0;
            scores.row(i).maxCoeff(&best);
            predicted[i] = static_cast<double>(best);
        }
        using metrics::Average;
        if (name == "accuracy") return metrics::accuracy(classes, predicted);
        if (name == "precision") return metrics::precision(classes, predicted, Average::Macro);
        if (name == "recall") return metrics::recall(classes, predicted, Average::Macro);
        return metrics::f1_score(classes, predicted, Average::Macro);
    }

    Eigen::VectorXd true_classes(const Eigen::MatrixXd& y) const {
        if (kind_ == Kind::ClassIndex) return y.col(0);
        Eigen::VectorXd classes(y.rows());
        for (Index i = 0; i < y.rows(); ++i) {
            Index best = 0;
            y.row(i).maxCoeff(&best);
            classes[i] = static_cast<double>(best);
        }
        return classes;
    }

    static Eigen::MatrixXd one_hot(const Eigen::MatrixXd& classes, Index count) {
        Eigen::MatrixXd encoded = Eigen::MatrixXd::Zero(classes.rows(), count);
        for (Index i = 0; i < classes.rows(); ++i) encoded(i, static_cast<Index>(classes(i, 0))) = 1;
        return encoded;
    }

    // AUC needs every class it ranks present in the targets; otherwise it is undefined.
    template <class Scores>
    static double defined_auc(const Eigen::VectorXd& labels, const Scores& scores) {
        const Index classes = scores.cols() == 1 ? 2 : scores.cols();
        std::vector<bool> present(static_cast<std::size_t>(classes), false);
        for (Index i = 0; i < labels.size(); ++i) present[static_cast<std::size_t>(labels[i])] = true;
        for (bool seen : present)
            if (!seen) return std::numeric_limits<double>::quiet_NaN();
        return metrics::roc_auc(labels, scores);
    }

    std::vector<std::string> names_;
    Kind kind_ = Kind::Regression;
};

}  // namespace neuro
