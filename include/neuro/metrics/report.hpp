#pragma once
// classification_report: precision, recall, F1 and support per class, with accuracy and the
// macro and weighted averages, as a text table laid out as scikit-learn prints it.

#include "neuro/core/error.hpp"
#include "neuro/core/types.hpp"
#include "neuro/metrics/classification.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace neuro::metrics {

namespace detail {

// Characters as a reader counts them: UTF-8 continuation bytes do not start one.
inline std::size_t character_count(std::string_view text) {
    return std::size_t(std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

inline std::string report_of(const LabelPair& labels, const std::vector<std::string>& class_names, int digits) {
    const PerClassCounts per_class =
        per_class_counts(labels, class_names.empty() ? Index(-1) : Index(class_names.size()));
    std::vector<std::string> names = class_names;
    if (names.empty())
        for (const Index label : per_class.classes) names.push_back(fmt::format("{}", label));

    // The name column fits the longest row heading, and is never narrower than "weighted avg".
    std::size_t name_width = std::max<std::size_t>(std::string_view("weighted avg").size(), std::size_t(digits));
    for (const std::string& name : names) name_width = std::max(name_width, character_count(name));
    const auto padded_name = [&](std::string_view name) {
        return std::string(name_width - character_count(name), ' ') + std::string(name);
    };
    const auto append_row = [&](std::string& report, std::string_view heading, double precision, double recall,
                                double f1, Index support) {
        fmt::format_to(std::back_inserter(report), "{}  {:>9.{}f} {:>9.{}f} {:>9.{}f} {:>9}\n", padded_name(heading),
                       precision, digits, recall, digits, f1, digits, support);
    };

    std::string report = fmt::format("{}  {:>9} {:>9} {:>9} {:>9}\n\n", std::string(name_width, ' '), "precision",
                                     "recall", "f1-score", "support");
    for (std::size_t c = 0; c < names.size(); ++c) {
        const ClassCounts& counts = per_class.counts[c];
        append_row(report, names[c], precision_of(counts), recall_of(counts), f1_of(counts), Index(counts.actual));
    }
    const Index samples = Index(labels.truth.size());
    // For single-label data the micro average of each score is the accuracy: one number, one column.
    fmt::format_to(std::back_inserter(report), "\n{}  {:>9} {:>9} {:>9.{}f} {:>9}\n", padded_name("accuracy"), "", "",
                   averaged(per_class.counts, Average::Micro, f1_of), digits, samples);
    for (const Average average : {Average::Macro, Average::Weighted})
        append_row(report, average == Average::Macro ? "macro avg" : "weighted avg",
                   averaged(per_class.counts, average, precision_of), averaged(per_class.counts, average, recall_of),
                   averaged(per_class.counts, average, f1_of), samples);
    return report;
}

}  // namespace detail

/// The per-class table of precision, recall, f1-score and support (samples of the class in
/// y_true), then the accuracy, the macro average (each class counts the same) and the weighted
/// average (by support), with `digits` decimals; laid out as scikit-learn's classification_report.
/// Rows: with class_names, one per name for the classes 0 ... class_names.size() - 1, present
/// or not; without, one per class present in y_true or y_pred, named by its index.
/// Requires: class indices of the same, nonzero length (in [0, class_names.size()) when names
///   are given); digits >= 0.
/// Ensures: zero divisions give 0, as in precision, recall and f1_score.
template <ArithmeticDense True, ArithmeticDense Predicted>
std::string classification_report(const True& y_true, const Predicted& y_pred,
                                  const std::vector<std::string>& class_names = {}, int digits = 2) {
    if (digits < 0) fail("classification_report: digits must be >= 0, got {}", digits);
    const Index num_classes = class_names.empty() ? Index(-1) : Index(class_names.size());
    const detail::LabelPair labels = detail::class_pair(
        "classification_report", detail::label_values("classification_report", y_true, y_pred), num_classes);
    return detail::report_of(labels, class_names, digits);
}

}  // namespace neuro::metrics
