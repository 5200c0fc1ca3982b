// ROC and precision-recall curves, AUC and average precision: curves worked by hand (with ties),
// the properties AUC must have, the one-vs-rest multiclass AUC, and the errors.

#include <neuro/metrics/roc.hpp>

#include <neuro/core/error.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <initializer_list>
#include <limits>
#include <random>
#include <vector>

namespace test_roc {

using Catch::Matchers::Contains;

namespace {

template <class T>
Eigen::Matrix<T, Eigen::Dynamic, 1> vector_of(std::initializer_list<double> values) {
    Eigen::Matrix<T, Eigen::Dynamic, 1> result(Eigen::Index(values.size()));
    Eigen::Index i = 0;
    for (const double value : values) result[i++] = T(value);
    return result;
}

// Element-wise Approx comparison, with the index in the failure message.
void check_values(const std::vector<double>& actual, std::initializer_list<double> expected) {
    REQUIRE(actual.size() == expected.size());
    std::size_t i = 0;
    for (const double value : expected) {
        INFO("index " << i);
        if (std::isinf(value))
            CHECK(actual[i] == value);
        else
            CHECK(actual[i] == Approx(value));
        ++i;
    }
}

const double inf = std::numeric_limits<double>::infinity();

// Labels and scores with ties across the classes. Scores from the highest, with their labels:
//   0.9: {1, 0}   -> at or above: tp 1, fp 1
//   0.7: {1}      ->              tp 2, fp 1
//   0.5: {1, 0, 0} ->             tp 3, fp 3
//   0.2: {1}      ->              tp 4, fp 3
//   0.1: {0}      ->              tp 4, fp 4        (4 positives, 4 negatives)
const std::initializer_list<double> tied_truth{1, 0, 1, 1, 0, 0, 1, 0};
const std::initializer_list<double> tied_scores{0.9, 0.9, 0.7, 0.5, 0.5, 0.5, 0.2, 0.1};

// Random labels (about 40% positive) and whole-number scores, so that ties are common and the
// transforms below cannot round two distinct scores together.
struct RandomProblem {
    Eigen::VectorXi labels;
    Eigen::VectorXd scores;
};

RandomProblem random_problem(std::mt19937& generator, Eigen::Index size) {
    std::bernoulli_distribution coin(0.4);
    std::uniform_int_distribution<int> whole(-20, 20);
    RandomProblem problem{Eigen::VectorXi(size), Eigen::VectorXd(size)};
    for (Eigen::Index i = 0; i < size; ++i) {
        problem.labels[i] = coin(generator);
        problem.scores[i] = whole(generator) + 3 * problem.labels[i];
    }
    problem.labels[0] = 0;  // both classes, always
    problem.labels[1] = 1;
    return problem;
}

// The Mann-Whitney U over positives x negatives, pair by pair, ties counting one half.
double pairwise_auc(const RandomProblem& problem) {
    double wins = 0;
    double pairs = 0;
    for (Eigen::Index i = 0; i < problem.labels.size(); ++i)
        for (Eigen::Index j = 0; j < problem.labels.size(); ++j)
            if (problem.labels[i] == 1 && problem.labels[j] == 0) {
                pairs += 1;
                wins += problem.scores[i] > problem.scores[j]    ? 1.0
                        : problem.scores[i] == problem.scores[j] ? 0.5
                                                                 : 0.0;
            }
    return wins / pairs;
}

}  // namespace

TEMPLATE_TEST_CASE("roc_curve matches scikit-learn's documented example", "[metrics][roc]", float, double) {
    // scikit-learn's roc_curve docstring: y [0, 0, 1, 1], scores [0.1, 0.4, 0.35, 0.8].
    // From the top: 0.8 is positive (tp 1, fp 0), 0.4 negative (1, 1), 0.35 positive (2, 1), 0.1 negative (2, 2).
    const auto y_true = vector_of<int>({0, 0, 1, 1});
    const auto scores = vector_of<TestType>({0.1, 0.4, 0.35, 0.8});
    const neuro::metrics::RocCurve curve = neuro::metrics::roc_curve(y_true, scores);
    REQUIRE(curve.size() == 5);
    check_values(curve.fpr, {0, 0, 0.5, 0.5, 1});
    check_values(curve.tpr, {0, 0.5, 0.5, 1, 1});
    check_values(curve.thresholds,
                 {inf, double(TestType(0.8)), double(TestType(0.4)), double(TestType(0.35)), double(TestType(0.1))});
    // The positive 0.8 beats both negatives, 0.35 beats one: 3 of 4 pairs.
    CHECK(neuro::metrics::roc_auc(y_true, scores) == 0.75);
}

TEMPLATE_TEST_CASE("Tied scores form one threshold of the ROC curve", "[metrics][roc][ties]", float, double) {
    const auto y_true = vector_of<int>(tied_truth);
    const auto scores = vector_of<TestType>(tied_scores);
    const neuro::metrics::RocCurve curve = neuro::metrics::roc_curve(y_true, scores);
    REQUIRE(curve.size() == 6);                               // +inf and the 5 distinct scores
    check_values(curve.fpr, {0, 0.25, 0.25, 0.75, 0.75, 1});  // fp / 4
    check_values(curve.tpr, {0, 0.25, 0.5, 0.75, 1, 1});      // tp / 4
    check_values(curve.thresholds, {inf, double(TestType(0.9)), double(TestType(0.7)), double(TestType(0.5)),
                                    double(TestType(0.2)), double(TestType(0.1))});
    // Pairs won by each positive over the negatives {0.9, 0.5, 0.5, 0.1}, a tie counting 1/2:
    // 0.9: 3 + 1/2, 0.7: 3, 0.5: 1 + 2/2, 0.2: 1; U = 9.5 of 16 pairs.
    // Trapezoids: 0.25 * (0 + 0.25)/2 + 0.5 * (0.5 + 0.75)/2 + 0.25 * (1 + 1)/2 = 0.03125 + 0.3125 + 0.25.
    CHECK(neuro::metrics::roc_auc(y_true, scores) == 9.5 / 16);
}

TEST_CASE("Scores all equal give the chance diagonal", "[metrics][roc][ties]") {
    const auto y_true = vector_of<int>({1, 0, 1});
    const Eigen::VectorXd scores = Eigen::VectorXd::Constant(3, 0.5);
    const neuro::metrics::RocCurve curve = neuro::metrics::roc_curve(y_true, scores);
    check_values(curve.fpr, {0, 1});
    check_values(curve.tpr, {0, 1});
    check_values(curve.thresholds, {inf, 0.5});
    CHECK(neuro::metrics::roc_auc(y_true, scores) == 0.5);
}

TEST_CASE("Perfect ranking has AUC 1 and inverted ranking AUC 0", "[metrics][roc]") {
    const auto y_true = vector_of<int>({0, 1, 0, 1, 1});
    const auto scores = vector_of<double>({-3, 2, -1, 4, 0});
    CHECK(neuro::metrics::roc_auc(y_true, scores) == 1);
    CHECK(neuro::metrics::roc_auc(y_true, (-scores).eval()) == 0);
}

TEST_CASE("AUC properties hold on random scores with ties", "[metrics][roc][property]") {
    std::mt19937 generator(11);
    for (int trial = 0; trial < 30; ++trial) {
        const RandomProblem problem = random_problem(generator, 40);
        const double auc = neuro::metrics::roc_auc(problem.labels, problem.scores);

        // Exact: the count, not a floating-point integral.
        CHECK(auc == Approx(pairwise_auc(problem)).margin(1e-15));

        const Eigen::VectorXd reversed = -problem.scores;
        CHECK(neuro::metrics::roc_auc(problem.labels, reversed) == Approx(1 - auc).margin(1e-15));

        // Strictly increasing transforms keep the ranking and the ties, so the AUC.
        const Eigen::VectorXd exponential = (problem.scores.array() / 10).exp();
        const Eigen::VectorXd affine = 3 * problem.scores.array() + 1;
        const Eigen::VectorXd logistic = 1 / (1 + (-problem.scores.array() / 10).exp());
        CHECK(neuro::metrics::roc_auc(problem.labels, exponential) == auc);
        CHECK(neuro::metrics::roc_auc(problem.labels, affine) == auc);
        CHECK(neuro::metrics::roc_auc(problem.labels, logistic) == auc);
        const Eigen::VectorXf as_float = problem.scores.cast<float>();
        CHECK(neuro::metrics::roc_auc(problem.labels, as_float) == auc);

        // roc_auc is the trapezoid area under roc_curve.
        const neuro::metrics::RocCurve curve = neuro::metrics::roc_curve(problem.labels, problem.scores);
        double trapezoids = 0;
        for (std::size_t i = 1; i < curve.size(); ++i)
            trapezoids += (curve.fpr[i] - curve.fpr[i - 1]) * (curve.tpr[i] + curve.tpr[i - 1]) / 2;
        CHECK(auc == Approx(trapezoids).margin(1e-12));
    }
}

TEST_CASE("The ROC curve starts at (0, 0), ends at (1, 1), and its rates and thresholds are monotone",
          "[metrics][roc][property]") {
    std::mt19937 generator(5);
    const RandomProblem problem = random_problem(generator, 60);
    const neuro::metrics::RocCurve curve = neuro::metrics::roc_curve(problem.labels, problem.scores);
    CHECK(curve.fpr.front() == 0);
    CHECK(curve.tpr.front() == 0);
    CHECK(curve.fpr.back() == 1);
    CHECK(curve.tpr.back() == 1);
    CHECK(curve.thresholds.back() == problem.scores.minCoeff());
    for (std::size_t i = 1; i < curve.size(); ++i) {
        CHECK(curve.fpr[i] >= curve.fpr[i - 1]);
        CHECK(curve.tpr[i] >= curve.tpr[i - 1]);
        CHECK(curve.thresholds[i] < curve.thresholds[i - 1]);
    }
}

TEMPLATE_TEST_CASE("precision_recall_curve matches scikit-learn's documented example", "[metrics][pr]", float, double) {
    // scikit-learn's precision_recall_curve docstring: y [0, 0, 1, 1], scores [0.1, 0.4, 0.35, 0.8].
    // Thresholds from the lowest: >= 0.1 takes all (2 of 4 right), >= 0.35 takes 3 (2 right),
    // >= 0.4 takes 2 (1 right), >= 0.8 takes 1 (1 right); then the closing point (recall 0, precision 1).
    const auto y_true = vector_of<int>({0, 0, 1, 1});
    const auto scores = vector_of<TestType>({0.1, 0.4, 0.35, 0.8});
    const neuro::metrics::PrecisionRecallCurve curve = neuro::metrics::precision_recall_curve(y_true, scores);
    check_values(curve.precision, {0.5, 2.0 / 3, 0.5, 1, 1});
    check_values(curve.recall, {1, 1, 0.5, 0.5, 0});
    check_values(curve.thresholds,
                 {double(TestType(0.1)), double(TestType(0.35)), double(TestType(0.4)), double(TestType(0.8))});
    CHECK(curve.size() == 5);
    // Step-wise: recall 0 -> 0.5 at precision 1 (threshold 0.8), 0.5 -> 1 at precision 2/3 (0.35): 1/2 + 1/3.
    CHECK(neuro::metrics::average_precision(y_true, scores) == Approx(5.0 / 6));
}

TEMPLATE_TEST_CASE("The precision-recall curve and average precision with tied scores", "[metrics][pr][ties]", float,
                   double) {
    const auto y_true = vector_of<int>(tied_truth);
    const auto scores = vector_of<TestType>(tied_scores);
    const neuro::metrics::PrecisionRecallCurve curve = neuro::metrics::precision_recall_curve(y_true, scores);
    // From the lowest threshold: tp / (tp + fp) = 4/8, 4/7, 3/6, 2/3, 1/2, then 1; recall tp / 4.
    check_values(curve.precision, {0.5, 4.0 / 7, 0.5, 2.0 / 3, 0.5, 1});
    check_values(curve.recall, {1, 1, 0.75, 0.5, 0.25, 0});
    REQUIRE(curve.thresholds.size() == 5);
    CHECK(curve.thresholds.front() == double(TestType(0.1)));
    CHECK(curve.thresholds.back() == double(TestType(0.9)));
    // Each threshold's precision times the recall it adds, from the highest threshold:
    // 0.25 * 1/2 + 0.25 * 2/3 + 0.25 * 1/2 + 0.25 * 4/7 + 0 = 1/8 + 1/6 + 1/8 + 1/7 = 94/168.
    CHECK(neuro::metrics::average_precision(y_true, scores) == Approx(94.0 / 168));
}

TEST_CASE("Average precision is the step-wise sum over the precision-recall curve, not interpolated",
          "[metrics][pr][property]") {
    std::mt19937 generator(3);
    for (int trial = 0; trial < 20; ++trial) {
        const RandomProblem problem = random_problem(generator, 30);
        const neuro::metrics::PrecisionRecallCurve curve =
            neuro::metrics::precision_recall_curve(problem.labels, problem.scores);
        double steps = 0;
        for (std::size_t i = 0; i + 1 < curve.size(); ++i)
            steps += (curve.recall[i] - curve.recall[i + 1]) * curve.precision[i];
        CHECK(neuro::metrics::average_precision(problem.labels, problem.scores) == Approx(steps).margin(1e-12));
    }
}

TEST_CASE("All-positive labels give a precision-recall curve of precision 1", "[metrics][pr]") {
    const auto y_true = vector_of<int>({1, 1, 1});
    const auto scores = vector_of<double>({0.2, 0.9, 0.5});
    const neuro::metrics::PrecisionRecallCurve curve = neuro::metrics::precision_recall_curve(y_true, scores);
    check_values(curve.precision, {1, 1, 1, 1});
    check_values(curve.recall, {1, 2.0 / 3, 1.0 / 3, 0});
}

TEMPLATE_TEST_CASE("Multiclass roc_auc is the mean of the one-vs-rest AUCs", "[metrics][roc][multiclass]", float,
                   double) {
    const auto y_true = vector_of<int>({0, 1, 2, 0, 1, 2});
    Eigen::Matrix<TestType, Eigen::Dynamic, Eigen::Dynamic> scores(6, 3);
    scores << 0.7, 0.2, 0.1,  //
        0.2, 0.5, 0.3,        //
        0.1, 0.3, 0.6,        //
        0.3, 0.4, 0.3,        //
        0.5, 0.3, 0.2,        //
        0.2, 0.2, 0.6;
    // Class 0: positives {0.7, 0.3} vs {0.2, 0.1, 0.5, 0.2}: 4 + 3 of 8 pairs = 0.875.
    // Class 1: positives {0.5, 0.3} vs {0.2, 0.3, 0.4, 0.2}: 4 + (2 + 1/2) of 8 = 0.8125.
    // Class 2: positives {0.6, 0.6} vs {0.1, 0.3, 0.3, 0.2}: 8 of 8 = 1.
    CHECK(neuro::metrics::roc_auc(y_true, scores) == Approx((0.875 + 0.8125 + 1) / 3));

    SECTION("with two columns it is the binary AUC of the second") {
        const auto binary = vector_of<int>({1, 0, 1, 0});
        Eigen::Matrix<TestType, Eigen::Dynamic, Eigen::Dynamic> two(4, 2);
        two << 0.2, 0.8, 0.6, 0.4, 0.5, 0.5, 0.3, 0.7;
        const Eigen::Matrix<TestType, Eigen::Dynamic, 1> second = two.col(1);
        CHECK(neuro::metrics::roc_auc(binary, two) == Approx(neuro::metrics::roc_auc(binary, second)));
    }
}

TEST_CASE("Metrics that need both classes reject a single-class y_true", "[metrics][roc][errors]") {
    const auto negatives = vector_of<int>({0, 0, 0});
    const auto positives = vector_of<int>({1, 1, 1});
    const auto scores = vector_of<double>({0.1, 0.5, 0.9});
    CHECK_THROWS_AS(neuro::metrics::roc_auc(negatives, scores), neuro::Error);
    CHECK_THROWS_WITH(neuro::metrics::roc_auc(negatives, scores),
                      Contains("roc_auc: y_true holds only class 0 (3 samples)"));
    CHECK_THROWS_WITH(neuro::metrics::roc_auc(positives, scores), Contains("holds only class 1"));
    CHECK_THROWS_WITH(neuro::metrics::roc_curve(positives, scores), Contains("roc_curve"));
    CHECK_THROWS_WITH(neuro::metrics::average_precision(negatives, scores), Contains("average_precision"));
    CHECK_THROWS_WITH(neuro::metrics::average_precision(positives, scores), Contains("holds only class 1"));
    CHECK_THROWS_WITH(neuro::metrics::precision_recall_curve(negatives, scores),
                      Contains("precision_recall_curve: y_true has no positive sample"));
}

TEST_CASE("Scores must be finite and match the labels in length", "[metrics][roc][errors]") {
    const auto y_true = vector_of<int>({0, 1, 1});
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH(neuro::metrics::roc_auc(y_true, vector_of<double>({0.1, nan, 0.3})),
                      Contains("roc_auc: scores[1] is nan; it must be finite"));
    CHECK_THROWS_WITH(neuro::metrics::roc_curve(y_true, vector_of<float>({0.1f, 0.2f, float(nan)})),
                      Contains("scores[2] is nan"));
    CHECK_THROWS_WITH(neuro::metrics::average_precision(y_true, vector_of<double>({inf, 0.2, 0.3})),
                      Contains("scores[0] is inf"));
    CHECK_THROWS_WITH(neuro::metrics::roc_auc(y_true, vector_of<double>({0.1, 0.2})),
                      Contains("roc_auc: y_true has 3 elements and scores has 2"));
    CHECK_THROWS_WITH(neuro::metrics::precision_recall_curve(Eigen::VectorXi(0), Eigen::VectorXd(0)),
                      Contains("y_true is empty"));
    CHECK_THROWS_WITH(neuro::metrics::roc_curve(vector_of<int>({0, 2, 1}), vector_of<double>({0.1, 0.2, 0.3})),
                      Contains("roc_curve: y_true[1] = 2 is not a binary label"));
}

TEST_CASE("Multiclass roc_auc rejects absent classes, labels beyond the columns and row mismatches",
          "[metrics][roc][multiclass][errors]") {
    const Eigen::MatrixXd scores = Eigen::MatrixXd::Constant(4, 3, 1.0 / 3);
    CHECK_THROWS_WITH(neuro::metrics::roc_auc(vector_of<int>({0, 1, 0, 1}), scores),
                      Contains("roc_auc: 0 of the 4 samples are of class 2"));
    CHECK_THROWS_WITH(neuro::metrics::roc_auc(vector_of<int>({0, 1, 3, 2}), scores),
                      Contains("y_true[2] = 3 is outside [0, 3)"));
    CHECK_THROWS_WITH(neuro::metrics::roc_auc(vector_of<int>({0, 1, 2}), scores),
                      Contains("y_true has 3 elements and the rows of scores has 4"));
    Eigen::MatrixXd with_nan = scores;
    with_nan(1, 2) = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH(neuro::metrics::roc_auc(vector_of<int>({0, 1, 2, 0}), with_nan), Contains("scores(1, 2) is nan"));
}

}  // namespace test_roc
