// SVG writers: every chart is well-formed XML (checked by xmllint, which tools/bootstrap.sh
// installs: the tests fail without it), holds one point per data point, escapes the text it is
// given, rejects bad input and bad paths naming them, and never leaves a half-written file.

#include <neuro/plot/svg.hpp>

#include <neuro/core/error.hpp>
#include <neuro/metrics/classification.hpp>
#include <neuro/metrics/roc.hpp>
#include <neuro/model/history.hpp>

#include <catch2/catch.hpp>

#include "../support/file_size_limit.hpp"
#include "../support/temporary_directory.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace test_svg {

using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

std::size_t entry_count(const fs::path& directory) {
    return std::size_t(std::distance(fs::directory_iterator(directory), {}));
}

std::string content_of(const fs::path& path) {
    std::ifstream stream(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

// xmllint exits 0 exactly when the file is well-formed XML.
bool well_formed(const fs::path& path) {
    INFO("xmllint is required: install the Debian package libxml2-utils (tools/bootstrap.sh does)");
    REQUIRE(std::system("command -v xmllint > /dev/null 2>&1") == 0);
    return std::system(("xmllint --noout '" + path.string() + "'").c_str()) == 0;
}

std::size_t occurrences(const std::string& text, const std::string& pattern) {
    std::size_t count = 0;
    for (std::size_t at = text.find(pattern); at != std::string::npos; at = text.find(pattern, at + 1)) ++count;
    return count;
}

// The d attribute of each data line, in document order.
std::vector<std::string> series_paths(const std::string& svg) {
    const std::string opening = "<path class=\"series\" d=\"";
    std::vector<std::string> paths;
    for (std::size_t at = svg.find(opening); at != std::string::npos; at = svg.find(opening, at + 1)) {
        const std::size_t begin = at + opening.size();
        paths.push_back(svg.substr(begin, svg.find('"', begin) - begin));
    }
    return paths;
}

// Each point of a path is one M (move) or L (line) command.
std::size_t point_count(const std::string& path) {
    return std::size_t(std::count_if(path.begin(), path.end(), [](char c) { return c == 'M' || c == 'L'; }));
}

std::size_t move_count(const std::string& path) { return std::size_t(std::count(path.begin(), path.end(), 'M')); }

Eigen::VectorXi tied_labels() { return (Eigen::VectorXi(8) << 1, 0, 1, 1, 0, 0, 1, 0).finished(); }
// Filled in place: GCC 12 can warn that a copy out of a comma initializer's temporary is
// uninitialized, depending on what else the translation unit inlines.
Eigen::VectorXd tied_scores() {
    Eigen::VectorXd scores(8);
    scores << 0.9, 0.9, 0.7, 0.5, 0.5, 0.5, 0.2, 0.1;
    return scores;
}

}  // namespace

TEST_CASE("The ROC chart is well-formed and draws every point, the diagonal and the AUC", "[plot][svg][roc]") {
    const neuro::testing::TemporaryDirectory scratch;
    const neuro::metrics::RocCurve curve = neuro::metrics::roc_curve(tied_labels(), tied_scores());
    const double auc = neuro::metrics::roc_auc(tied_labels(), tied_scores());
    const fs::path file = scratch / "roc.svg";
    neuro::plot::write_roc_curve(file, curve, auc);

    CHECK(well_formed(file));
    const std::string svg = content_of(file);
    const std::vector<std::string> paths = series_paths(svg);
    REQUIRE(paths.size() == 1);
    CHECK(point_count(paths[0]) == curve.size());
    CHECK(move_count(paths[0]) == 1);
    CHECK(occurrences(svg, "class=\"reference\"") == 1);
    CHECK_THAT(svg, Contains("AUC = 0.594"));  // 9.5 / 16 = 0.59375
    CHECK_THAT(svg, Contains("ROC curve"));
    CHECK_THAT(svg, Contains("False positive rate"));
    CHECK_THAT(svg, Contains("True positive rate"));
    CHECK_THAT(svg, Contains(">0.6</text>"));  // a tick label
}

TEST_CASE("The precision-recall chart draws steps, the average precision and the chance level", "[plot][svg][pr]") {
    const neuro::testing::TemporaryDirectory scratch;
    const neuro::metrics::PrecisionRecallCurve curve =
        neuro::metrics::precision_recall_curve(tied_labels(), tied_scores());
    const fs::path file = scratch / "pr.svg";
    neuro::plot::write_precision_recall_curve(file, curve,
                                              neuro::metrics::average_precision(tied_labels(), tied_scores()));

    CHECK(well_formed(file));
    const std::string svg = content_of(file);
    const std::vector<std::string> paths = series_paths(svg);
    REQUIRE(paths.size() == 1);
    CHECK(point_count(paths[0]) == 2 * curve.size() - 1);  // a corner between each pair of points
    CHECK_THAT(svg, Contains("AP = 0.560"));               // 94 / 168 = 0.5595
    CHECK(occurrences(svg, "class=\"reference\"") == 1);
    CHECK_THAT(svg, Contains("Chance (AP = 0.500)"));  // 4 positives of 8

    SECTION("a curve that does not start at recall 1 has no chance line") {
        // The two lowest thresholds both reach recall 1; without them the curve starts at 0.75.
        neuro::metrics::PrecisionRecallCurve partial = curve;
        partial.recall.erase(partial.recall.begin(), partial.recall.begin() + 2);
        partial.precision.erase(partial.precision.begin(), partial.precision.begin() + 2);
        partial.thresholds.erase(partial.thresholds.begin(), partial.thresholds.begin() + 2);
        neuro::plot::write_precision_recall_curve(file, partial, 0.5);
        CHECK(well_formed(file));
        CHECK(occurrences(content_of(file), "class=\"reference\"") == 0);
    }
}

TEST_CASE("Learning curves draw loss and val_loss with one point per epoch", "[plot][svg][learning]") {
    const neuro::testing::TemporaryDirectory scratch;
    const fs::path file = scratch / "learning.svg";
    neuro::History history;
    history.loss = {0.9, 0.6, 0.45, 0.4, 0.38};
    history.val_loss = {0.95, 0.7, 0.55, 0.52, 0.53};
    neuro::plot::write_learning_curves(file, history);

    CHECK(well_formed(file));
    std::string svg = content_of(file);
    std::vector<std::string> paths = series_paths(svg);
    REQUIRE(paths.size() == 2);
    CHECK(point_count(paths[0]) == 5);
    CHECK(point_count(paths[1]) == 5);
    CHECK_THAT(svg, Contains("<title>loss</title>"));
    CHECK_THAT(svg, Contains("<title>val_loss</title>"));
    CHECK_THAT(svg, Contains("Epoch"));
    CHECK(occurrences(svg, "<circle") == 0);  // lines need no dots

    SECTION("without validation there is one line") {
        history.val_loss.clear();
        neuro::plot::write_learning_curves(file, history);
        CHECK(well_formed(file));
        CHECK(series_paths(content_of(file)).size() == 1);
    }
    SECTION("a non-finite loss leaves a gap: the line restarts after it") {
        history.loss[2] = std::numeric_limits<double>::quiet_NaN();
        history.loss[3] = std::numeric_limits<double>::infinity();
        neuro::plot::write_learning_curves(file, history);
        CHECK(well_formed(file));
        svg = content_of(file);
        paths = series_paths(svg);
        CHECK(point_count(paths[0]) == 3);
        CHECK(move_count(paths[0]) == 2);
        CHECK(occurrences(svg, "<circle") == 1);  // the last loss, cut off from the others, is a dot
    }
    SECTION("a single epoch is drawn as dots") {
        history.loss = {0.7};
        history.val_loss = {0.8};
        neuro::plot::write_learning_curves(file, history);
        CHECK(well_formed(file));
        svg = content_of(file);
        CHECK(point_count(series_paths(svg)[0]) == 1);
        CHECK(occurrences(svg, "<circle") == 2);
    }
}

TEST_CASE("Learning curves draw named metrics on a second panel", "[plot][svg][learning]") {
    const neuro::testing::TemporaryDirectory scratch;
    const fs::path file = scratch / "learning.svg";
    const std::vector<double> loss{0.7, 0.5, 0.4};
    const std::vector<double> val_loss{0.75, 0.6, 0.55};
    const std::map<std::string, std::vector<double>> metrics{{"accuracy", {0.6, 0.75, 0.8}},
                                                             {"val_accuracy", {0.55, 0.7, 0.72}},
                                                             {"f1 <macro> & \"more\"", {0.5, 0.6, 0.7, 0.71}}};
    neuro::plot::write_learning_curves(file, loss, val_loss, metrics);

    CHECK(well_formed(file));
    const std::string svg = content_of(file);
    const std::vector<std::string> paths = series_paths(svg);
    REQUIRE(paths.size() == 5);  // loss, val_loss, then the metrics in name order
    CHECK(point_count(paths[0]) == 3);
    CHECK(point_count(paths[1]) == 3);
    CHECK(point_count(paths[2]) == 3);  // accuracy
    CHECK(point_count(paths[3]) == 4);  // f1 ..., sorted before "val_accuracy"
    CHECK(point_count(paths[4]) == 3);  // val_accuracy
    CHECK_THAT(svg, Contains("<title>f1 &lt;macro&gt; &amp; &quot;more&quot;</title>"));
    CHECK_THAT(svg, Contains("Learning curves: metrics"));
}

TEST_CASE("The confusion matrix is a heat map with one cell and one count per entry", "[plot][svg][confusion]") {
    const neuro::testing::TemporaryDirectory scratch;
    const fs::path file = scratch / "confusion.svg";
    neuro::metrics::ConfusionMatrix matrix(3, 3);
    matrix << 50, 2, 0, 7, 31, 4, 1, 0, 12;
    neuro::plot::write_confusion_matrix(file, matrix, {"cat", "dog & wolf", "<bird>"});

    CHECK(well_formed(file));
    const std::string svg = content_of(file);
    CHECK(occurrences(svg, "class=\"cell\"") == 9);
    CHECK(occurrences(svg, "class=\"count\"") == 9);
    for (const char* count : {">50<", ">2<", ">7<", ">31<", ">4<", ">12<"}) CHECK_THAT(svg, Contains(count));
    CHECK(occurrences(svg, ">0<") >= 2);  // the two empty cells (and the colour scale's 0)
    CHECK_THAT(svg, Contains("dog &amp; wolf"));
    CHECK_THAT(svg, Contains("&lt;bird&gt;"));
    CHECK_THAT(svg, Contains("Predicted label"));
    CHECK_THAT(svg, Contains("True label"));
    CHECK_THAT(svg, Contains("Confusion matrix"));

    SECTION("without names the classes are numbered") {
        neuro::plot::write_confusion_matrix(file, matrix);
        CHECK(well_formed(file));
        CHECK(occurrences(content_of(file), ">2</text>") >= 3);  // the count 2 and class 2 on both axes
    }
    SECTION("a normalized matrix of doubles shows two decimals") {
        const Eigen::MatrixXd normalized =
            matrix.cast<double>().array().colwise() / matrix.rowwise().sum().cast<double>().array();
        neuro::plot::write_confusion_matrix(file, normalized);
        CHECK(well_formed(file));
        CHECK_THAT(content_of(file), Contains(">0.96<"));  // 50 / 52
    }
    SECTION("many classes with long names") {
        const Eigen::MatrixXi many = Eigen::MatrixXi::Constant(12, 12, 3);
        std::vector<std::string> names;
        for (int c = 0; c < 12; ++c) names.push_back("a long class name " + std::to_string(c));
        neuro::plot::write_confusion_matrix(file, many, names);
        CHECK(well_formed(file));
        CHECK(occurrences(content_of(file), "class=\"cell\"") == 144);
        CHECK_THAT(content_of(file), Contains("rotate(-45"));
    }
}

TEST_CASE("Text put into the SVG is escaped, control characters included", "[plot][svg][escaping]") {
    const neuro::testing::TemporaryDirectory scratch;
    const fs::path file = scratch / "escaped.svg";
    const std::string hostile = std::string("a<b>&'\"c") + '\x01' + "]]>";
    neuro::plot::write_confusion_matrix(file, Eigen::MatrixXi::Identity(2, 2), {hostile, "plain"});
    CHECK(well_formed(file));
    CHECK_THAT(content_of(file), Contains("a&lt;b&gt;&amp;&apos;&quot;c\xEF\xBF\xBD]]&gt;"));
}

TEST_CASE("The writers reject a missing directory or a directory as the path, naming it", "[plot][svg][errors]") {
    const neuro::testing::TemporaryDirectory scratch;
    const fs::path missing = scratch / "no_such_directory" / "chart.svg";
    const fs::path directory = scratch / "a_directory";
    fs::create_directory(directory);
    const neuro::metrics::RocCurve roc = neuro::metrics::roc_curve(tied_labels(), tied_scores());
    const neuro::metrics::PrecisionRecallCurve pr =
        neuro::metrics::precision_recall_curve(tied_labels(), tied_scores());
    neuro::History history;
    history.loss = {1, 0.5};
    const Eigen::MatrixXi matrix = Eigen::MatrixXi::Identity(2, 2);

    for (const fs::path& bad : {missing, directory}) {
        CHECK_THROWS_AS(neuro::plot::write_roc_curve(bad, roc, 0.5), neuro::Error);
        CHECK_THROWS_WITH(neuro::plot::write_roc_curve(bad, roc, 0.5), Contains(bad.string()));
        CHECK_THROWS_WITH(neuro::plot::write_precision_recall_curve(bad, pr, 0.5), Contains(bad.string()));
        CHECK_THROWS_WITH(neuro::plot::write_learning_curves(bad, history), Contains(bad.string()));
        CHECK_THROWS_WITH(neuro::plot::write_confusion_matrix(bad, matrix), Contains(bad.string()));
    }
    CHECK(fs::is_directory(directory));
    CHECK(entry_count(scratch.path()) == 1);
}

TEST_CASE("The writers reject data they cannot draw, naming the function", "[plot][svg][errors]") {
    const neuro::testing::TemporaryDirectory scratch;
    const fs::path file = scratch / "chart.svg";
    neuro::metrics::RocCurve roc = neuro::metrics::roc_curve(tied_labels(), tied_scores());
    CHECK_THROWS_WITH(neuro::plot::write_roc_curve(file, roc, 1.5),
                      Contains("write_roc_curve: auc = 1.5 is outside [0, 1]"));
    roc.tpr.pop_back();
    CHECK_THROWS_WITH(neuro::plot::write_roc_curve(file, roc, 0.5),
                      Contains("write_roc_curve: fpr has 6 points and tpr has 5"));
    CHECK_THROWS_WITH(neuro::plot::write_roc_curve(file, neuro::metrics::RocCurve{}, 0.5), Contains("no points"));

    neuro::metrics::PrecisionRecallCurve pr = neuro::metrics::precision_recall_curve(tied_labels(), tied_scores());
    pr.precision[1] = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH(neuro::plot::write_precision_recall_curve(file, pr, 0.5),
                      Contains("write_precision_recall_curve: precision[1] = nan is outside [0, 1]"));

    CHECK_THROWS_WITH(neuro::plot::write_learning_curves(file, neuro::History{}),
                      Contains("write_learning_curves: loss is empty"));

    CHECK_THROWS_WITH(neuro::plot::write_confusion_matrix(file, Eigen::MatrixXi::Zero(2, 3)),
                      Contains("write_confusion_matrix: the matrix must be square and not empty, got 2 x 3"));
    CHECK_THROWS_WITH(neuro::plot::write_confusion_matrix(file, Eigen::MatrixXi::Zero(2, 2), {"one"}),
                      Contains("1 class names for a 2 x 2 matrix"));
    CHECK_THROWS_WITH(neuro::plot::write_confusion_matrix(file, -Eigen::MatrixXi::Identity(2, 2)),
                      Contains("negative value -1"));
    CHECK(entry_count(scratch.path()) == 0);  // nothing written for rejected data
}

TEST_CASE("A chart whose write fails leaves the earlier chart intact", "[plot][svg][atomic]") {
    const neuro::testing::TemporaryDirectory scratch;
    const fs::path file = scratch / "confusion.svg";
    neuro::plot::write_confusion_matrix(file, Eigen::MatrixXi::Identity(2, 2));
    const std::string earlier = content_of(file);
    const Eigen::MatrixXi large = Eigen::MatrixXi::Constant(40, 40, 7);  // a chart of about 200 kB
    {
        const neuro::testing::FileSizeLimit limit(earlier.size() + 1024);
        CHECK_THROWS_WITH(neuro::plot::write_confusion_matrix(file, large), Contains(file.string()));
    }
    CHECK(content_of(file) == earlier);
    CHECK(well_formed(file));
    CHECK(entry_count(scratch.path()) == 1);
}

}  // namespace test_svg
