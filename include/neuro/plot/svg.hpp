#pragma once
// Charts of a model's evaluation as standalone SVG files, readable in any browser: the ROC curve,
// the precision-recall curve, learning curves and the confusion matrix. No plotting library:
// each writer lays out its chart and writes the text at once (io::write_file_atomically), so a
// failed write leaves any earlier file in place.
//
// Every element a test or a reader may want to find carries a class: "series" for each data
// line (a path of "M x,y L x,y ..." commands, one per point, with the series' name in a <title>),
// "reference" for the chance lines, "cell" and "count" for the confusion matrix.

#include "neuro/core/error.hpp"
#include "neuro/core/types.hpp"
#include "neuro/io/atomic_file.hpp"
#include "neuro/metrics/classification.hpp"
#include "neuro/metrics/roc.hpp"
#include "neuro/model/history.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <iterator>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace neuro::plot {

namespace detail {

// Text made safe for XML character data and attribute values. Control characters XML 1.0
// forbids (all below 0x20 but tab, newline and return) become U+FFFD.
inline std::string xml_escaped(std::string_view text) {
    std::string escaped;
    escaped.reserve(text.size());
    for (const char c : text) {
        switch (c) {
        case '&': escaped += "&amp;"; break;
        case '<': escaped += "&lt;"; break;
        case '>': escaped += "&gt;"; break;
        case '"': escaped += "&quot;"; break;
        case '\'': escaped += "&apos;"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
                escaped += "\xEF\xBF\xBD";
            else
                escaped += c;
        }
    }
    return escaped;
}

// Characters as a reader counts them (UTF-8 continuation bytes do not start one), for layout.
inline std::size_t character_count(std::string_view text) {
    return std::size_t(std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// One axis: the data range shown, and ticks every `step` from `low` to `high`.
struct Axis {
    double low = 0;
    double high = 1;
    double step = 0.2;
    std::string label;

    std::vector<double> ticks() const {
        std::vector<double> values;
        const auto count = std::lround((high - low) / step);
        for (long i = 0; i <= count; ++i) values.push_back(low + double(i) * step);
        return values;
    }

    std::string tick_label(double value) const {
        const int decimals = std::max(0, -int(std::floor(std::log10(step) + 1e-9)));
        if (decimals > 6 || std::abs(value) >= 1e7) return fmt::format("{:.3g}", value + 0.0);
        return fmt::format("{:.{}f}", value + 0.0, decimals);  // + 0.0 turns -0 into 0
    }
};

// An axis over [low, high] with ticks at round numbers (1, 2 or 5 times a power of ten), about
// five of them, at least `minimum_step` apart; [0, 1] when there is no finite data (or a range
// too wide for a double).
inline Axis rounded_axis(double low, double high, std::string label, double minimum_step = 0) {
    if (!(low <= high && std::isfinite(high - low))) {
        low = 0;
        high = 1;
    }
    if (low == high) {  // a single value: widen the range around it
        const double half_width = low == 0 ? 0.5 : std::abs(low) / 2;
        low -= half_width;
        high += half_width;
    }
    const double raw_step = (high - low) / 5;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw_step)));
    const double fraction = raw_step / magnitude;  // in [1, 10)
    const double tolerance = 1e-9;                 // so that 0.2 / 0.1 counts as 2
    const double multiple = fraction <= 1 + tolerance   ? 1
                            : fraction <= 2 + tolerance ? 2
                            : fraction <= 5 + tolerance ? 5
                                                        : 10;
    const double step = std::max(multiple * magnitude, minimum_step);
    return {std::floor(low / step + tolerance) * step, std::ceil(high / step - tolerance) * step, step,
            std::move(label)};
}

// The unit axis of rates and probabilities: 0 to 1 in steps of 0.2.
inline Axis unit_axis(std::string label) { return {0, 1, 0.2, std::move(label)}; }

// A plot area of the image, in pixels, and the axes that map data into it.
struct Panel {
    double left = 0;
    double top = 0;
    double width = 0;
    double height = 0;
    Axis x;
    Axis y;

    double x_pixel(double value) const { return left + (value - x.low) / (x.high - x.low) * width; }
    double y_pixel(double value) const { return top + height - (value - y.low) / (y.high - y.low) * height; }
};

inline constexpr std::string_view palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                               "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
inline constexpr std::string_view reference_color = "#888888";
inline constexpr double character_width = 7;  // of 12 px sans-serif text, roughly, for layout

// The document's start; its <title> names the browser tab the chart is opened in.
inline std::string svg_begin(double width, double height, std::string_view title) {
    return fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
        "font-family=\"sans-serif\" font-size=\"12\">\n"
        "<title>{2}</title>\n"
        "<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n",
        width, height, xml_escaped(title));
}

inline void draw_text(std::string& svg, double x, double y, std::string_view text, std::string_view attributes) {
    fmt::format_to(std::back_inserter(svg), "<text x=\"{:.1f}\" y=\"{:.1f}\" {}>{}</text>\n", x, y, attributes,
                   xml_escaped(text));
}

// Grid, frame, ticks with their labels, axis labels and the title.
inline void draw_axes(std::string& svg, const Panel& panel, std::string_view title) {
    auto out = std::back_inserter(svg);
    const double right = panel.left + panel.width;
    const double bottom = panel.top + panel.height;
    for (const double tick : panel.x.ticks()) {
        const double x = panel.x_pixel(tick);
        fmt::format_to(out, "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#e6e6e6\"/>\n",
                       x, panel.top, bottom);
        fmt::format_to(out, "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#333\"/>\n", x,
                       bottom, bottom + 5);
        draw_text(svg, x, bottom + 19, panel.x.tick_label(tick), "text-anchor=\"middle\"");
    }
    for (const double tick : panel.y.ticks()) {
        const double y = panel.y_pixel(tick);
        fmt::format_to(out, "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"#e6e6e6\"/>\n",
                       panel.left, y, right);
        fmt::format_to(out, "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"#333\"/>\n",
                       panel.left - 5, y, panel.left);
        draw_text(svg, panel.left - 8, y + 4, panel.y.tick_label(tick), "text-anchor=\"end\"");
    }
    fmt::format_to(out,
                   "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" "
                   "stroke=\"#333\"/>\n",
                   panel.left, panel.top, panel.width, panel.height);
    draw_text(svg, panel.left + panel.width / 2, bottom + 42, panel.x.label, "text-anchor=\"middle\" font-size=\"13\"");
    const double y_label_x = panel.left - 56;
    const double y_label_y = panel.top + panel.height / 2;
    draw_text(svg, y_label_x, y_label_y, panel.y.label,
              fmt::format("text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 {:.1f} {:.1f})\"", y_label_x,
                          y_label_y));
    draw_text(svg, panel.left + panel.width / 2, panel.top - 16, title,
              "text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\"");
}

struct LineStyle {
    std::string_view color;
    bool dashed = false;
};

inline std::string_view dash_attribute(const LineStyle& style) {
    return style.dashed ? " stroke-dasharray=\"6 4\"" : "";
}

// One data line through (xs[i], ys[i]); a non-finite value (a diverged loss, say) leaves a gap.
// A point with no finite neighbour (a single epoch, say) draws no line, so it gets a dot.
inline void draw_series(std::string& svg, const Panel& panel, std::span<const double> xs, std::span<const double> ys,
                        std::string_view name, const LineStyle& style) {
    const auto drawable = [&](std::size_t i) { return i < xs.size() && std::isfinite(xs[i]) && std::isfinite(ys[i]); };
    std::string path;
    std::string dots;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        if (!drawable(i)) continue;
        const bool continues_line = i > 0 && drawable(i - 1);
        const double x = panel.x_pixel(xs[i]);
        const double y = panel.y_pixel(ys[i]);
        fmt::format_to(std::back_inserter(path), "{}{}{:.2f},{:.2f}", path.empty() ? "" : " ",
                       continues_line ? 'L' : 'M', x, y);
        if (!continues_line && !drawable(i + 1))
            fmt::format_to(std::back_inserter(dots), "<circle cx=\"{:.2f}\" cy=\"{:.2f}\" r=\"3\" fill=\"{}\"/>\n", x,
                           y, style.color);
    }
    fmt::format_to(std::back_inserter(svg),
                   "<path class=\"series\" d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" "
                   "stroke-linejoin=\"round\"{}><title>{}</title></path>\n{}",
                   path, style.color, dash_attribute(style), xml_escaped(name), dots);
}

inline void draw_reference_line(std::string& svg, const Panel& panel, double x1, double y1, double x2, double y2) {
    fmt::format_to(std::back_inserter(svg),
                   "<line class=\"reference\" x1=\"{:.2f}\" y1=\"{:.2f}\" x2=\"{:.2f}\" y2=\"{:.2f}\" stroke=\"{}\" "
                   "stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n",
                   panel.x_pixel(x1), panel.y_pixel(y1), panel.x_pixel(x2), panel.y_pixel(y2), reference_color);
}

struct LegendEntry {
    std::string label;
    LineStyle style;
};

enum class Corner { TopRight, BottomRight, BottomLeft };

// A boxed key of line samples and labels, inside the plot area at `corner`.
inline void draw_legend(std::string& svg, const Panel& panel, const std::vector<LegendEntry>& entries, Corner corner) {
    if (entries.empty()) return;
    std::size_t longest = 0;
    for (const LegendEntry& entry : entries) longest = std::max(longest, character_count(entry.label));
    const double row_height = 20;
    const double width = 46 + character_width * double(longest);
    const double height = 10 + row_height * double(entries.size());
    const double margin = 10;
    const double left = corner == Corner::BottomLeft ? panel.left + margin : panel.left + panel.width - margin - width;
    const double top = corner == Corner::TopRight ? panel.top + margin : panel.top + panel.height - margin - height;
    auto out = std::back_inserter(svg);
    fmt::format_to(out,
                   "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"white\" "
                   "fill-opacity=\"0.9\" stroke=\"#bbb\"/>\n",
                   left, top, width, height);
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const double y = top + 5 + row_height * (double(i) + 0.5);
        fmt::format_to(out,
                       "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
                       "stroke-width=\"2\"{}/>\n",
                       left + 8, y, left + 32, y, entries[i].style.color, dash_attribute(entries[i].style));
        draw_text(svg, left + 38, y + 4, entries[i].label, "");
    }
}

inline void require_unit_interval(std::string_view function, std::string_view name, std::span<const double> values) {
    for (std::size_t i = 0; i < values.size(); ++i)
        if (!(values[i] >= 0 && values[i] <= 1))
            fail("{}: {}[{}] = {} is outside [0, 1]", function, name, i, values[i]);
}

inline void require_unit_value(std::string_view function, std::string_view name, double value) {
    if (!(value >= 0 && value <= 1)) fail("{}: {} = {} is outside [0, 1]", function, name, value);
}

inline void require_curve(std::string_view function, std::string_view x_name, std::span<const double> xs,
                          std::string_view y_name, std::span<const double> ys) {
    if (xs.empty()) fail("{}: the curve has no points", function);
    if (xs.size() != ys.size())
        fail("{}: {} has {} points and {} has {}; they must have the same number", function, x_name, xs.size(), y_name,
             ys.size());
    require_unit_interval(function, x_name, xs);
    require_unit_interval(function, y_name, ys);
}

// The square chart of rates both ROC and precision-recall curves are drawn on.
inline constexpr double rate_chart_size = 560;
inline Panel rate_panel(std::string x_label, std::string y_label) {
    return {80, 50, 440, 440, unit_axis(std::move(x_label)), unit_axis(std::move(y_label))};
}

inline std::string svg_end(std::string svg) {
    svg += "</svg>\n";
    return svg;
}

// The panel of learning curves: one line per named series, x the epoch (1, 2, ...).
inline void draw_epoch_series(std::string& svg, const Panel& panel, std::string_view title,
                              const std::vector<std::pair<std::string, std::span<const double>>>& series,
                              Corner legend_corner) {
    draw_axes(svg, panel, title);
    std::vector<LegendEntry> legend;
    for (std::size_t s = 0; s < series.size(); ++s) {
        const auto& [name, values] = series[s];
        if (values.empty()) continue;
        std::vector<double> epochs(values.size());
        for (std::size_t i = 0; i < values.size(); ++i) epochs[i] = double(i + 1);
        const LineStyle style{palette[s % std::size(palette)]};
        draw_series(svg, panel, epochs, values, name, style);
        legend.push_back({name, style});
    }
    draw_legend(svg, panel, legend, legend_corner);
}

inline Axis value_axis(const std::vector<std::pair<std::string, std::span<const double>>>& series, std::string label) {
    double low = std::numeric_limits<double>::infinity();
    double high = -std::numeric_limits<double>::infinity();
    for (const auto& [name, values] : series)
        for (const double value : values)
            if (std::isfinite(value)) {
                low = std::min(low, value);
                high = std::max(high, value);
            }
    return rounded_axis(low, high, std::move(label));
}

// White to dark blue as `fraction` goes from 0 to 1.
inline std::string heat_color(double fraction) {
    const auto channel = [fraction](double light, double dark) {
        return int(std::lround(light + (dark - light) * fraction));
    };
    return fmt::format("rgb({},{},{})", channel(247, 8), channel(251, 48), channel(255, 107));
}

inline std::string confusion_matrix_svg(const Eigen::MatrixXd& counts, bool whole_numbers,
                                        const std::vector<std::string>& names) {
    const Index classes = counts.rows();
    const double maximum = counts.maxCoeff();
    const auto cell_text = [&](double value) {
        return whole_numbers ? fmt::format("{}", static_cast<long long>(value)) : fmt::format("{:.2f}", value);
    };
    std::size_t longest_name = 0;
    for (const std::string& name : names) longest_name = std::max(longest_name, character_count(name));

    // Cells shrink with the class count down to a size where a count still fits; names too long
    // for a column are turned by 45 degrees.
    const double cell = std::clamp(400.0 / double(classes), 30.0, 100.0);
    const double name_width = character_width * double(longest_name);
    const bool turn_column_names = name_width + 6 > cell;
    const double grid = cell * double(classes);
    const double left = 56 + name_width + 12;
    const double top = 60;
    const double column_names_height = turn_column_names ? name_width * 0.71 + 16 : 22;
    const double bar_left = left + grid + 24;
    const double width = bar_left + 16 + 64;
    const double height = top + grid + column_names_height + 48;
    const double font_size = std::clamp(cell * 0.32, 9.0, 16.0);

    std::string svg = svg_begin(width, height, "Confusion matrix");
    auto out = std::back_inserter(svg);
    for (Index row = 0; row < classes; ++row) {
        for (Index column = 0; column < classes; ++column) {
            const double value = counts(row, column);
            const double fraction = maximum > 0 ? value / maximum : 0;
            const double x = left + cell * double(column);
            const double y = top + cell * double(row);
            fmt::format_to(out,
                           "<rect class=\"cell\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
                           "fill=\"{}\" stroke=\"white\"/>\n",
                           x, y, cell, cell, heat_color(fraction));
            // Light text on the dark half of the scale, dark text on the light half.
            draw_text(svg, x + cell / 2, y + cell / 2 + font_size * 0.35, cell_text(value),
                      fmt::format("class=\"count\" text-anchor=\"middle\" font-size=\"{:.0f}\" fill=\"{}\"", font_size,
                                  fraction > 0.5 ? "white" : "#222"));
        }
    }
    for (Index c = 0; c < classes; ++c) {
        const double center = cell * (double(c) + 0.5);
        draw_text(svg, left - 8, top + center + 4, names[std::size_t(c)], "text-anchor=\"end\"");
        const double x = left + center;
        const double y = top + grid + 16;
        if (turn_column_names)
            draw_text(svg, x, y, names[std::size_t(c)],
                      fmt::format("text-anchor=\"end\" transform=\"rotate(-45 {:.1f} {:.1f})\"", x, y));
        else
            draw_text(svg, x, y, names[std::size_t(c)], "text-anchor=\"middle\"");
    }
    draw_text(svg, left + grid / 2, top + grid + column_names_height + 24, "Predicted label",
              "text-anchor=\"middle\" font-size=\"13\"");
    const double y_label_x = 24;
    const double y_label_y = top + grid / 2;
    draw_text(svg, y_label_x, y_label_y, "True label",
              fmt::format("text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 {:.1f} {:.1f})\"", y_label_x,
                          y_label_y));
    draw_text(svg, left + grid / 2, 32, "Confusion matrix",
              "text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\"");

    // The colour scale: 0 at the bottom, the largest count at the top.
    fmt::format_to(
        out,
        "<defs><linearGradient id=\"heat\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">"
        "<stop offset=\"0\" stop-color=\"{}\"/><stop offset=\"1\" stop-color=\"{}\"/>"
        "</linearGradient></defs>\n"
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"16\" height=\"{:.1f}\" fill=\"url(#heat)\" stroke=\"#333\"/>\n",
        heat_color(0), heat_color(1), bar_left, top, grid);
    draw_text(svg, bar_left + 22, top + grid, cell_text(0), "");
    draw_text(svg, bar_left + 22, top + 10, cell_text(maximum), "");
    return svg_end(std::move(svg));
}

}  // namespace detail

/// Writes the ROC curve as an SVG chart: the curve through its points in order, the chance
/// diagonal, and a legend with the AUC.
/// Requires: curve.fpr and curve.tpr of the same nonzero size, in [0, 1] (as roc_curve gives
///   them); auc in [0, 1]; the directory of `path` exists.
/// Ensures: the chart's one "series" path has curve.size() points; `path` holds the whole chart
///   or, on failure (neuro::Error naming the path), what it held before.
inline void write_roc_curve(const std::filesystem::path& path, const metrics::RocCurve& curve, double auc) {
    detail::require_curve("write_roc_curve", "fpr", curve.fpr, "tpr", curve.tpr);
    detail::require_unit_value("write_roc_curve", "auc", auc);
    const detail::Panel panel = detail::rate_panel("False positive rate", "True positive rate");
    std::string svg = detail::svg_begin(detail::rate_chart_size, detail::rate_chart_size, "ROC curve");
    detail::draw_axes(svg, panel, "ROC curve");
    detail::draw_reference_line(svg, panel, 0, 0, 1, 1);
    const detail::LineStyle curve_style{detail::palette[0]};
    detail::draw_series(svg, panel, curve.fpr, curve.tpr, "ROC", curve_style);
    detail::draw_legend(svg, panel,
                        {{fmt::format("ROC (AUC = {:.3f})", auc), curve_style},
                         {"Chance (AUC = 0.5)", {detail::reference_color, true}}},
                        detail::Corner::BottomRight);
    io::write_file_atomically(path, detail::svg_end(std::move(svg)));
}

/// Writes the precision-recall curve as an SVG chart: precision against recall drawn as steps
/// (each threshold's precision held over the recall it adds, so the area under the steps is
/// the average precision), a legend with the average precision, and, when the curve starts at
/// recall 1 as precision_recall_curve's does, the chance level: the share of positives.
/// Requires: curve.precision and curve.recall of the same nonzero size, in [0, 1];
///   average_precision in [0, 1]; the directory of `path` exists.
/// Ensures: the "series" path has 2 curve.size() - 1 points (a corner between each pair);
///   `path` holds the whole chart or, on failure (neuro::Error naming the path), what it held before.
inline void write_precision_recall_curve(const std::filesystem::path& path, const metrics::PrecisionRecallCurve& curve,
                                         double average_precision) {
    detail::require_curve("write_precision_recall_curve", "recall", curve.recall, "precision", curve.precision);
    detail::require_unit_value("write_precision_recall_curve", "average_precision", average_precision);
    const detail::Panel panel = detail::rate_panel("Recall", "Precision");
    std::string svg = detail::svg_begin(detail::rate_chart_size, detail::rate_chart_size, "Precision-recall curve");
    detail::draw_axes(svg, panel, "Precision-recall curve");

    std::vector<double> recall{curve.recall[0]};
    std::vector<double> precision{curve.precision[0]};
    for (std::size_t i = 1; i < curve.recall.size(); ++i) {
        recall.insert(recall.end(), {curve.recall[i], curve.recall[i]});
        precision.insert(precision.end(), {curve.precision[i - 1], curve.precision[i]});
    }
    const detail::LineStyle curve_style{detail::palette[0]};
    detail::draw_series(svg, panel, recall, precision, "Precision-recall", curve_style);
    std::vector<detail::LegendEntry> legend{{fmt::format("PR (AP = {:.3f})", average_precision), curve_style}};
    if (curve.recall[0] == 1) {  // predicting every sample positive: precision is the share of positives
        const double prevalence = curve.precision[0];
        detail::draw_reference_line(svg, panel, 0, prevalence, 1, prevalence);
        legend.push_back({fmt::format("Chance (AP = {:.3f})", prevalence), {detail::reference_color, true}});
    }
    detail::draw_legend(svg, panel, legend, detail::Corner::BottomLeft);
    io::write_file_atomically(path, detail::svg_end(std::move(svg)));
}

/// Writes learning curves as an SVG chart: loss and val_loss per epoch (1, 2, ...) on one
/// panel and, when `metrics` is not empty, each named metric per epoch on a second panel below.
/// A non-finite value (a diverged loss) leaves a gap in its line.
/// Requires: loss not empty; the directory of `path` exists. val_loss and each metric may have
///   any length (an empty one is not drawn).
/// Ensures: one "series" path per non-empty series (loss, val_loss, then the metrics in name
///   order), each with one point per finite value; `path` holds the whole chart or, on failure
///   (neuro::Error naming the path), what it held before.
inline void write_learning_curves(const std::filesystem::path& path, std::span<const double> loss,
                                  std::span<const double> val_loss = {},
                                  const std::map<std::string, std::vector<double>>& metrics = {}) {
    if (loss.empty()) fail("write_learning_curves: loss is empty, so there is no epoch to plot");
    const std::vector<std::pair<std::string, std::span<const double>>> losses{{"loss", loss}, {"val_loss", val_loss}};
    std::vector<std::pair<std::string, std::span<const double>>> metric_series;
    std::size_t epochs = std::max(loss.size(), val_loss.size());
    for (const auto& [name, values] : metrics) {
        metric_series.emplace_back(name, values);
        epochs = std::max(epochs, values.size());
    }
    const detail::Axis epoch_axis = detail::rounded_axis(1, double(epochs), "Epoch", 1);
    const double panel_height = 300;
    const double panel_gap = 110;  // the first panel's axis labels and the second's title
    const bool with_metrics = !metric_series.empty();
    const double height = 50 + panel_height + (with_metrics ? panel_gap + panel_height : 0) + 70;

    std::string svg = detail::svg_begin(720, height, "Learning curves");
    const detail::Panel loss_panel{90, 50, 590, panel_height, epoch_axis, detail::value_axis(losses, "Loss")};
    detail::draw_epoch_series(svg, loss_panel, "Learning curves: loss", losses, detail::Corner::TopRight);
    if (with_metrics) {
        const double metric_top = loss_panel.top + panel_height + panel_gap;
        const detail::Panel metric_panel{90,           metric_top, 590,
                                         panel_height, epoch_axis, detail::value_axis(metric_series, "Metric")};
        detail::draw_epoch_series(svg, metric_panel, "Learning curves: metrics", metric_series,
                                  detail::Corner::BottomRight);
    }
    io::write_file_atomically(path, detail::svg_end(std::move(svg)));
}

/// Writes the learning curves of a History (loss, val_loss, and its metrics on a second panel)
/// as the function above does.
inline void write_learning_curves(const std::filesystem::path& path, const History& history) {
    write_learning_curves(path, history.loss, history.val_loss, history.metrics);
}

/// Writes a confusion matrix (rows the true class, columns the predicted one, as
/// metrics::confusion_matrix gives it) as an SVG heat map: each cell shaded by its value against
/// the largest and labelled with it (whole numbers for an integer matrix, two decimals
/// otherwise, say for a normalized matrix), the classes named along both axes, a colour scale.
/// Requires: a square, non-empty matrix of finite values >= 0; class_names empty (the classes
///   are then named 0, 1, ...) or one per class; the directory of `path` exists.
/// Ensures: one "cell" rect and one "count" text per matrix element; `path` holds the whole
///   chart or, on failure (neuro::Error naming the path), what it held before.
template <metrics::ArithmeticDense M>
void write_confusion_matrix(const std::filesystem::path& path, const M& matrix,
                            const std::vector<std::string>& class_names = {}) {
    if (matrix.rows() != matrix.cols() || matrix.size() == 0)
        fail("write_confusion_matrix: the matrix must be square and not empty, got {} x {}", matrix.rows(),
             matrix.cols());
    const Eigen::MatrixXd counts = metrics::detail::finite_matrix("write_confusion_matrix", "matrix", matrix);
    if (counts.minCoeff() < 0) fail("write_confusion_matrix: the matrix has a negative value {}", counts.minCoeff());
    if (!class_names.empty() && Index(class_names.size()) != counts.rows())
        fail("write_confusion_matrix: {} class names for a {} x {} matrix; give one per class or none",
             class_names.size(), counts.rows(), counts.cols());
    std::vector<std::string> names = class_names;
    for (Index c = Index(names.size()); c < counts.rows(); ++c) names.push_back(fmt::format("{}", c));
    io::write_file_atomically(path,
                              detail::confusion_matrix_svg(counts, std::is_integral_v<typename M::Scalar>, names));
}

}  // namespace neuro::plot
