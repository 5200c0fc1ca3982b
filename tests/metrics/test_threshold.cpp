// best_threshold: the operating point that maximizes F1 or Youden's J, worked by hand, the
// tie rule, agreement with the metrics at the chosen threshold, and the errors.

#include <neuro/metrics/threshold.hpp>

#include <neuro/core/error.hpp>
#include <neuro/metrics/classification.hpp>
#include <neuro/metrics/roc.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <random>

namespace test_threshold {

using Catch::Matchers::Contains;
using neuro::metrics::Criterion;

namespace {

template <class T>
Eigen::Matrix<T, Eigen::Dynamic, 1> vector_of(std::initializer_list<double> values) {
    Eigen::Matrix<T, Eigen::Dynamic, 1> result(Eigen::Index(values.size()));
    Eigen::Index i = 0;
    for (const double value : values) result[i++] = T(value);
    return result;
}

// Scores from the highest, with the counts at or above each (4 positives, 4 negatives):
//   0.9: tp 1, fp 1    F1 = 2 tp / (positives + tp + fp) = 2/6    J = tp/4 - fp/4 = 0
//   0.7: tp 2, fp 1    F1 = 4/7                                   J = 0.25
//   0.5: tp 3, fp 3    F1 = 6/10                                  J = 0
//   0.2: tp 4, fp 3    F1 = 8/11                                  J = 0.25
//   0.1: tp 4, fp 4    F1 = 8/12                                  J = 0
const std::initializer_list<double> truth{1, 0, 1, 1, 0, 0, 1, 0};
const std::initializer_list<double> scores{0.9, 0.9, 0.7, 0.5, 0.5, 0.5, 0.2, 0.1};

}  // namespace

TEMPLATE_TEST_CASE("best_threshold finds the F1-maximizing threshold worked by hand", "[metrics][threshold]", float,
                   double) {
    const auto y_true = vector_of<int>(truth);
    const auto y_score = vector_of<TestType>(scores);
    const neuro::metrics::OperatingPoint best = neuro::metrics::best_threshold(y_true, y_score, Criterion::F1);
    CHECK(best.threshold == double(TestType(0.2)));
    CHECK(best.value == Approx(8.0 / 11));
    SECTION("F1 is the default criterion") {
        CHECK(neuro::metrics::best_threshold(y_true, y_score).threshold == best.threshold);
    }
}

TEMPLATE_TEST_CASE("best_threshold with Youden's J takes the highest of tied thresholds", "[metrics][threshold]", float,
                   double) {
    const auto y_true = vector_of<int>(truth);
    const auto y_score = vector_of<TestType>(scores);
    // 0.7 and 0.2 both reach J = 0.25; the higher one predicts fewer positives.
    const neuro::metrics::OperatingPoint best = neuro::metrics::best_threshold(y_true, y_score, Criterion::YoudenJ);
    CHECK(best.threshold == double(TestType(0.7)));
    CHECK(best.value == 0.25);
}

TEST_CASE("The chosen threshold achieves the reported value, and no score does better",
          "[metrics][threshold][property]") {
    std::mt19937 generator(17);
    std::bernoulli_distribution coin(0.35);
    std::uniform_int_distribution<int> whole(0, 30);
    for (int trial = 0; trial < 20; ++trial) {
        Eigen::VectorXi y_true(40);
        Eigen::VectorXd y_score(40);
        for (Eigen::Index i = 0; i < 40; ++i) {
            y_true[i] = coin(generator);
            y_score[i] = (whole(generator) + 8 * y_true[i]) / 4.0;
        }
        y_true[0] = 0;
        y_true[1] = 1;

        const neuro::metrics::OperatingPoint f1 = neuro::metrics::best_threshold(y_true, y_score, Criterion::F1);
        const Eigen::VectorXi at_f1 = (y_score.array() >= f1.threshold).cast<int>();
        CHECK(neuro::metrics::f1_score(y_true, at_f1) == Approx(f1.value));

        const neuro::metrics::OperatingPoint youden =
            neuro::metrics::best_threshold(y_true, y_score, Criterion::YoudenJ);
        const Eigen::VectorXi at_youden = (y_score.array() >= youden.threshold).cast<int>();
        const double specificity = neuro::metrics::recall((1 - y_true.array()).eval(), (1 - at_youden.array()).eval());
        CHECK(neuro::metrics::recall(y_true, at_youden) + specificity - 1 == Approx(youden.value));

        for (const double candidate : y_score) {
            const Eigen::VectorXi predicted = (y_score.array() >= candidate).cast<int>();
            CHECK(neuro::metrics::f1_score(y_true, predicted) <= f1.value + 1e-12);
        }
        // Youden's J at each ROC point never exceeds the chosen one.
        const neuro::metrics::RocCurve curve = neuro::metrics::roc_curve(y_true, y_score);
        for (std::size_t i = 0; i < curve.size(); ++i) CHECK(curve.tpr[i] - curve.fpr[i] <= youden.value + 1e-12);
    }
}

TEST_CASE("Perfectly separated scores give F1 1 and J 1 at the lowest positive score", "[metrics][threshold]") {
    const auto y_true = vector_of<int>({0, 0, 1, 1, 0});
    const auto y_score = vector_of<double>({0.1, 0.3, 0.6, 0.8, 0.2});
    const neuro::metrics::OperatingPoint f1 = neuro::metrics::best_threshold(y_true, y_score, Criterion::F1);
    const neuro::metrics::OperatingPoint youden = neuro::metrics::best_threshold(y_true, y_score, Criterion::YoudenJ);
    CHECK(f1.threshold == 0.6);
    CHECK(f1.value == 1);
    CHECK(youden.threshold == 0.6);
    CHECK(youden.value == 1);
}

TEST_CASE("best_threshold rejects labels its criterion cannot score", "[metrics][threshold][errors]") {
    const auto y_score = vector_of<double>({0.1, 0.5, 0.9});
    CHECK_THROWS_WITH(neuro::metrics::best_threshold(vector_of<int>({0, 0, 0}), y_score, Criterion::F1),
                      Contains("best_threshold: y_true has no positive sample"));
    CHECK_THROWS_WITH(neuro::metrics::best_threshold(vector_of<int>({1, 1, 1}), y_score, Criterion::YoudenJ),
                      Contains("best_threshold: y_true holds only class 1"));
    // F1 is defined without negatives: predict everything positive.
    const neuro::metrics::OperatingPoint all = neuro::metrics::best_threshold(vector_of<int>({1, 1, 1}), y_score);
    CHECK(all.threshold == 0.1);
    CHECK(all.value == 1);
    CHECK_THROWS_WITH(neuro::metrics::best_threshold(vector_of<int>({0, 1}), y_score),
                      Contains("y_true has 2 elements and scores has 3"));
    CHECK_THROWS_WITH(
        neuro::metrics::best_threshold(vector_of<int>({0, 1, 1}),
                                       vector_of<double>({0.1, std::numeric_limits<double>::quiet_NaN(), 0.2})),
        Contains("scores[1] is nan"));
    CHECK_THROWS_AS(neuro::metrics::best_threshold(vector_of<int>({0, 2, 1}), y_score), neuro::Error);
}

}  // namespace test_threshold
