// Metrics of class predictions: hand-worked values (the arithmetic is in the comments), zero
// divisions, the averages over classes, every input type, and the errors.

#include <neuro/metrics/classification.hpp>

#include <neuro/core/error.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <initializer_list>
#include <limits>
#include <random>
#include <type_traits>
#include <vector>

namespace test_classification {

using Catch::Matchers::Contains;
using neuro::metrics::Average;

namespace {

template <class T>
Eigen::Matrix<T, Eigen::Dynamic, 1> vector_of(std::initializer_list<double> values) {
    Eigen::Matrix<T, Eigen::Dynamic, 1> result(Eigen::Index(values.size()));
    Eigen::Index i = 0;
    for (const double value : values) result[i++] = T(value);
    return result;
}

template <class T>
Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> matrix_of(Eigen::Index rows, Eigen::Index cols,
                                                           std::initializer_list<double> row_major) {
    Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> result(rows, cols);
    auto value = row_major.begin();
    for (Eigen::Index r = 0; r < rows; ++r)
        for (Eigen::Index c = 0; c < cols; ++c) result(r, c) = T(*value++);
    return result;
}

// Binary case: samples 0-2 TP, 3 FN, 4-5 FP, 6-9 TN. TP 3, FN 1, FP 2, TN 4; 4 positives, 6 negatives.
const std::initializer_list<double> binary_truth{1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
const std::initializer_list<double> binary_predicted{1, 1, 1, 0, 1, 1, 0, 0, 0, 0};

// Three classes. Pairs (true, predicted): (0,0) (1,2) (2,2) (2,2) (1,0) (0,0) (2,1) (2,2) (0,1) (1,2).
// Confusion matrix, rows true: [[2, 1, 0], [1, 0, 2], [0, 1, 3]]; column sums (predicted) 3 2 5,
// row sums (support) 3 3 4; 5 correct of 10.
//   class 0: tp 2, predicted 3, support 3: P 2/3, R 2/3, F1 4/6 = 2/3
//   class 1: tp 0, predicted 2, support 3: P 0,   R 0,   F1 0
//   class 2: tp 3, predicted 5, support 4: P 3/5, R 3/4, F1 6/9 = 2/3
const std::initializer_list<double> three_truth{0, 1, 2, 2, 1, 0, 2, 2, 0, 1};
const std::initializer_list<double> three_predicted{0, 2, 2, 2, 0, 0, 1, 2, 1, 2};

template <class True, class Predicted>
concept can_score = requires(const True& y_true, const Predicted& y_pred) {
    neuro::metrics::accuracy(y_true, y_pred);
};

}  // namespace

TEMPLATE_TEST_CASE("Binary metrics match counts worked by hand", "[metrics][classification]", int, float, double) {
    const auto y_true = vector_of<TestType>(binary_truth);
    const auto y_pred = vector_of<TestType>(binary_predicted);
    CHECK(neuro::metrics::accuracy(y_true, y_pred) == Approx(0.7));      // (3 + 4) / 10
    CHECK(neuro::metrics::precision(y_true, y_pred) == Approx(0.6));     // 3 / (3 + 2)
    CHECK(neuro::metrics::recall(y_true, y_pred) == Approx(0.75));       // 3 / (3 + 1)
    CHECK(neuro::metrics::f1_score(y_true, y_pred) == Approx(2.0 / 3));  // 2*3 / (2*3 + 2 + 1)
    // The mean of the recalls of class 0 (4/6) and class 1 (3/4): 17/24.
    CHECK(neuro::metrics::balanced_accuracy(y_true, y_pred) == Approx(17.0 / 24));
    // (TP TN - FP FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)) = (12 - 2) / sqrt(5*4*6*5) = 1 / sqrt(6).
    CHECK(neuro::metrics::matthews_corrcoef(y_true, y_pred) == Approx(1 / std::sqrt(6.0)));

    const neuro::metrics::ConfusionMatrix matrix = neuro::metrics::confusion_matrix(y_true, y_pred, 2);
    neuro::metrics::ConfusionMatrix expected(2, 2);
    expected << 4, 2,  // true 0: 4 TN, 2 FP
        1, 3;          // true 1: 1 FN, 3 TP
    CHECK(matrix == expected);
}

TEST_CASE("Binary labels give the per-class averages worked by hand", "[metrics][classification][average]") {
    const auto y_true = vector_of<int>(binary_truth);
    const auto y_pred = vector_of<int>(binary_predicted);
    // Class 0: tp 4, predicted 5, support 6: P 4/5, R 2/3, F1 8/11. Class 1: P 3/5, R 3/4, F1 2/3.
    SECTION("macro: the plain mean over the two classes") {
        CHECK(neuro::metrics::precision(y_true, y_pred, Average::Macro) == Approx(0.7));       // (0.8 + 0.6) / 2
        CHECK(neuro::metrics::recall(y_true, y_pred, Average::Macro) == Approx(17.0 / 24));    // (2/3 + 3/4) / 2
        CHECK(neuro::metrics::f1_score(y_true, y_pred, Average::Macro) == Approx(23.0 / 33));  // (8/11 + 2/3) / 2
    }
    SECTION("weighted: the mean weighted by the supports 6 and 4") {
        CHECK(neuro::metrics::precision(y_true, y_pred, Average::Weighted) == Approx(0.72));  // (6*0.8 + 4*0.6) / 10
        CHECK(neuro::metrics::recall(y_true, y_pred, Average::Weighted) == Approx(0.7));      // (6*2/3 + 4*3/4) / 10
        // (6 * 8/11 + 4 * 2/3) / 10 = (144/33 + 88/33) / 10 = 232/330
        CHECK(neuro::metrics::f1_score(y_true, y_pred, Average::Weighted) == Approx(232.0 / 330));
    }
    SECTION("micro: summed counts, which is accuracy") {
        CHECK(neuro::metrics::precision(y_true, y_pred, Average::Micro) == Approx(0.7));
        CHECK(neuro::metrics::recall(y_true, y_pred, Average::Micro) == Approx(0.7));
        CHECK(neuro::metrics::f1_score(y_true, y_pred, Average::Micro) == Approx(0.7));
    }
}

TEMPLATE_TEST_CASE("Multiclass metrics match counts worked by hand", "[metrics][classification][multiclass]", int,
                   float, double) {
    const auto y_true = vector_of<TestType>(three_truth);
    const auto y_pred = vector_of<TestType>(three_predicted);
    CHECK(neuro::metrics::accuracy(y_true, y_pred) == Approx(0.5));

    SECTION("macro") {
        CHECK(neuro::metrics::precision(y_true, y_pred, Average::Macro) == Approx(19.0 / 45));  // (2/3 + 0 + 3/5) / 3
        CHECK(neuro::metrics::recall(y_true, y_pred, Average::Macro) == Approx(17.0 / 36));     // (2/3 + 0 + 3/4) / 3
        CHECK(neuro::metrics::f1_score(y_true, y_pred, Average::Macro) == Approx(4.0 / 9));     // (2/3 + 0 + 2/3) / 3
    }
    SECTION("weighted by the supports 3, 3, 4") {
        CHECK(neuro::metrics::precision(y_true, y_pred, Average::Weighted) == Approx(0.44));     // (2 + 0 + 2.4) / 10
        CHECK(neuro::metrics::recall(y_true, y_pred, Average::Weighted) == Approx(0.5));         // (2 + 0 + 3) / 10
        CHECK(neuro::metrics::f1_score(y_true, y_pred, Average::Weighted) == Approx(7.0 / 15));  // (2 + 0 + 8/3) / 10
    }
    SECTION("micro equals accuracy") {
        CHECK(neuro::metrics::precision(y_true, y_pred, Average::Micro) == Approx(0.5));
        CHECK(neuro::metrics::recall(y_true, y_pred, Average::Micro) == Approx(0.5));
        CHECK(neuro::metrics::f1_score(y_true, y_pred, Average::Micro) == Approx(0.5));
    }
    SECTION("confusion matrix, rows the true class") {
        neuro::metrics::ConfusionMatrix expected(3, 3);
        expected << 2, 1, 0, 1, 0, 2, 0, 1, 3;
        CHECK(neuro::metrics::confusion_matrix(y_true, y_pred, 3) == expected);
        // A larger num_classes adds empty rows and columns.
        const neuro::metrics::ConfusionMatrix wider = neuro::metrics::confusion_matrix(y_true, y_pred, 4);
        CHECK(wider.topLeftCorner(3, 3) == expected);
        CHECK(wider.row(3).sum() == 0);
        CHECK(wider.col(3).sum() == 0);
    }
    SECTION("balanced accuracy is the macro recall") {
        CHECK(neuro::metrics::balanced_accuracy(y_true, y_pred) == Approx(17.0 / 36));
    }
    SECTION("Matthews correlation, multiclass form") {
        // c = 5 correct, s = 10 samples, t = (3, 3, 4) supports, p = (3, 2, 5) predicted counts:
        // (c s - t.p) / sqrt((s^2 - p.p)(s^2 - t.t)) = (50 - 35) / sqrt((100 - 38)(100 - 34)) = 15 / sqrt(4092).
        CHECK(neuro::metrics::matthews_corrcoef(y_true, y_pred) == Approx(15 / std::sqrt(4092.0)));
    }
}

TEST_CASE("A zero denominator gives 0, not a division by zero", "[metrics][classification][zero_division]") {
    SECTION("nothing predicted positive: precision 0, and recall and F1 0 as nothing is found") {
        const auto y_true = vector_of<int>({1, 0, 1, 0});
        const auto y_pred = vector_of<int>({0, 0, 0, 0});
        CHECK(neuro::metrics::precision(y_true, y_pred) == 0);
        CHECK(neuro::metrics::recall(y_true, y_pred) == 0);
        CHECK(neuro::metrics::f1_score(y_true, y_pred) == 0);
        CHECK(neuro::metrics::matthews_corrcoef(y_true, y_pred) == 0);  // y_pred holds one class
    }
    SECTION("no positives at all: every positive-class score is 0, accuracy 1") {
        const auto none = vector_of<int>({0, 0, 0});
        CHECK(neuro::metrics::precision(none, none) == 0);
        CHECK(neuro::metrics::recall(none, none) == 0);
        CHECK(neuro::metrics::f1_score(none, none) == 0);
        CHECK(neuro::metrics::accuracy(none, none) == 1);
        CHECK(neuro::metrics::balanced_accuracy(none, none) == 1);  // class 0's recall alone
        CHECK(neuro::metrics::matthews_corrcoef(none, none) == 0);
    }
    SECTION("a class only predicted, never true, has recall 0 in the macro average") {
        // Classes 0, 1, 2. Class 0: tp 1, support 2: R 1/2. Class 1: tp 2, support 2: R 1. Class 2: R 0/0 = 0.
        const auto y_true = vector_of<int>({0, 0, 1, 1});
        const auto y_pred = vector_of<int>({0, 2, 1, 1});
        CHECK(neuro::metrics::recall(y_true, y_pred, Average::Macro) == Approx(0.5));  // (1/2 + 1 + 0) / 3
        // Balanced accuracy averages only classes present in y_true: (1/2 + 1) / 2.
        CHECK(neuro::metrics::balanced_accuracy(y_true, y_pred) == Approx(0.75));
    }
}

TEST_CASE("All-positive predictions have recall 1 and precision the share of positives", "[metrics][classification]") {
    // TP 2, FP 3, FN 0, TN 0.
    const auto y_true = vector_of<double>({1, 0, 1, 0, 0});
    const Eigen::VectorXd y_pred = Eigen::VectorXd::Ones(5);
    CHECK(neuro::metrics::precision(y_true, y_pred) == Approx(0.4));          // 2 / 5
    CHECK(neuro::metrics::recall(y_true, y_pred) == 1);                       // 2 / 2
    CHECK(neuro::metrics::f1_score(y_true, y_pred) == Approx(4.0 / 7));       // 2*2 / (2*2 + 3 + 0)
    CHECK(neuro::metrics::balanced_accuracy(y_true, y_pred) == Approx(0.5));  // (0 + 1) / 2
    CHECK(neuro::metrics::matthews_corrcoef(y_true, y_pred) == 0);            // TN + FN = 0: undefined, so 0
}

TEST_CASE("Macro averages run over the classes present, as scikit-learn's", "[metrics][classification][average]") {
    // Labels 0 and 2 only. Class 0: tp 1, predicted 2, support 1: P 1/2. Class 2: tp 1, predicted 1: P 1.
    // Class 1, absent from both, is not averaged in (it would make the mean 1/2).
    const auto y_true = vector_of<int>({0, 2, 2});
    const auto y_pred = vector_of<int>({0, 2, 0});
    CHECK(neuro::metrics::precision(y_true, y_pred, Average::Macro) == Approx(0.75));
    CHECK(neuro::metrics::recall(y_true, y_pred, Average::Macro) == Approx(0.75));  // (1 + 1/2) / 2
}

TEST_CASE("Matthews correlation is 1 for perfect and -1 for inverted binary predictions", "[metrics][classification]") {
    const auto y_true = vector_of<int>({0, 1, 1, 0, 1});
    const Eigen::VectorXi inverted = 1 - y_true.array();
    CHECK(neuro::metrics::matthews_corrcoef(y_true, y_true) == Approx(1));
    CHECK(neuro::metrics::matthews_corrcoef(y_true, inverted) == Approx(-1));
}

TEST_CASE("F1 is the harmonic mean of precision and recall", "[metrics][classification][property]") {
    std::mt19937 generator(7);
    std::bernoulli_distribution coin(0.4);
    for (int trial = 0; trial < 50; ++trial) {
        Eigen::VectorXi y_true(25);
        Eigen::VectorXi y_pred(25);
        for (Eigen::Index i = 0; i < 25; ++i) {
            y_true[i] = coin(generator);
            y_pred[i] = coin(generator);
        }
        const double p = neuro::metrics::precision(y_true, y_pred);
        const double r = neuro::metrics::recall(y_true, y_pred);
        const double harmonic = p + r == 0 ? 0 : 2 * p * r / (p + r);
        CHECK(neuro::metrics::f1_score(y_true, y_pred) == Approx(harmonic).margin(1e-15));
    }
}

TEST_CASE("Labels may be any arithmetic Eigen vector, N x 1 or 1 x N, or an expression",
          "[metrics][classification][types]") {
    const auto truth = vector_of<double>(binary_truth);
    const auto predicted = vector_of<double>(binary_predicted);
    const double expected = 2.0 / 3;

    SECTION("row vectors") {
        const Eigen::RowVectorXf y_true = truth.cast<float>().transpose();
        const Eigen::RowVectorXi y_pred = predicted.cast<int>().transpose();
        CHECK(neuro::metrics::f1_score(y_true, y_pred) == Approx(expected));
    }
    SECTION("N x 1 matrices, as Sequential::predict returns") {
        const Eigen::MatrixXd y_true = truth;
        const Eigen::MatrixXf y_pred = predicted.cast<float>();
        CHECK(neuro::metrics::f1_score(y_true, y_pred) == Approx(expected));
    }
    SECTION("arrays, maps and blocks") {
        const Eigen::ArrayXd y_true = truth.array();
        const Eigen::Map<const Eigen::VectorXd> y_pred(predicted.data(), predicted.size());
        CHECK(neuro::metrics::f1_score(y_true, y_pred) == Approx(expected));
        Eigen::MatrixXd columns(10, 2);
        columns << truth, predicted;
        CHECK(neuro::metrics::f1_score(columns.col(0), columns.col(1)) == Approx(expected));
    }
    SECTION("thresholded probabilities: a bool expression") {
        const Eigen::VectorXf probabilities = predicted.cast<float>() * 0.8f + Eigen::VectorXf::Constant(10, 0.1f);
        CHECK(neuro::metrics::f1_score(truth, (probabilities.array() >= 0.5f)) == Approx(expected));
    }
    SECTION("results are double whatever the input") {
        const Eigen::VectorXi y = vector_of<int>({1, 0, 1});
        STATIC_REQUIRE(std::is_same_v<decltype(neuro::metrics::accuracy(y, y)), double>);
        STATIC_REQUIRE(std::is_same_v<decltype(neuro::metrics::f1_score(y.cast<float>(), y)), double>);
    }
}

TEST_CASE("Inputs that are not Eigen expressions of an arithmetic scalar are rejected at compile time",
          "[metrics][classification][types]") {
    STATIC_REQUIRE(can_score<Eigen::VectorXi, Eigen::MatrixXf>);
    STATIC_REQUIRE(can_score<Eigen::ArrayXd, Eigen::Map<const Eigen::VectorXd>>);
    STATIC_REQUIRE_FALSE(can_score<std::vector<int>, Eigen::VectorXi>);
    STATIC_REQUIRE_FALSE(can_score<Eigen::VectorXcd, Eigen::VectorXi>);
    STATIC_REQUIRE_FALSE(can_score<Eigen::VectorXi, int>);
}

TEMPLATE_TEST_CASE("log_loss of binary probabilities is the mean negative log-likelihood",
                   "[metrics][classification][log_loss]", float, double) {
    const auto y_true = vector_of<int>({1, 0, 1, 0});
    const auto probabilities = vector_of<TestType>({0.9, 0.1, 0.8, 0.35});
    // -(ln 0.9 + ln 0.9 + ln 0.8 + ln 0.65) / 4 = (0.1053605 + 0.1053605 + 0.2231436 + 0.4307829) / 4
    CHECK(neuro::metrics::log_loss(y_true, probabilities) == Approx(0.2161619).epsilon(1e-6));
    SECTION("a 1 x N row of probabilities is read the same") {
        const Eigen::Matrix<TestType, 1, Eigen::Dynamic> row = probabilities.transpose();
        CHECK(neuro::metrics::log_loss(y_true, row) == Approx(0.2161619).epsilon(1e-6));
    }
}

TEST_CASE("log_loss clips probabilities by the epsilon of their type", "[metrics][classification][log_loss]") {
    const auto positive = vector_of<int>({1});
    const auto negative = vector_of<int>({0});
    // Certain and wrong: p clipped to eps, loss -ln(eps). double: eps 2^-52, -ln = 52 ln 2 = 36.0436534.
    CHECK(neuro::metrics::log_loss(positive, vector_of<double>({0})) == Approx(52 * std::log(2.0)));
    CHECK(neuro::metrics::log_loss(negative, vector_of<double>({1})) == Approx(52 * std::log(2.0)));
    // float: eps 2^-23, -ln = 23 ln 2 = 15.9423851.
    CHECK(neuro::metrics::log_loss(positive, vector_of<float>({0})) == Approx(23 * std::log(2.0)));
    // Integer "probabilities" (hard predictions) are clipped as double.
    CHECK(neuro::metrics::log_loss(positive, vector_of<int>({0})) == Approx(52 * std::log(2.0)));
    // Certain and right costs (almost) nothing.
    CHECK(neuro::metrics::log_loss(positive, vector_of<double>({1})) == Approx(0).margin(1e-15));
}

TEMPLATE_TEST_CASE("log_loss of an N x C probability matrix picks each sample's true class",
                   "[metrics][classification][log_loss]", float, double) {
    const auto y_true = vector_of<int>({0, 2, 1});
    const auto probabilities = matrix_of<TestType>(3, 3, {0.7, 0.2, 0.1, 0.1, 0.3, 0.6, 0.25, 0.5, 0.25});
    // -(ln 0.7 + ln 0.6 + ln 0.5) / 3 = (0.3566749 + 0.5108256 + 0.6931472) / 3
    CHECK(neuro::metrics::log_loss(y_true, probabilities) == Approx(0.5202159).epsilon(1e-6));
    SECTION("two columns of binary labels equal the binary form on the second column") {
        const auto binary = vector_of<int>({1, 0, 1});
        const auto two_columns = matrix_of<TestType>(3, 2, {0.2, 0.8, 0.6, 0.4, 0.5, 0.5});
        const Eigen::Matrix<TestType, Eigen::Dynamic, 1> second = two_columns.col(1);
        CHECK(neuro::metrics::log_loss(binary, two_columns) == Approx(neuro::metrics::log_loss(binary, second)));
    }
}

TEST_CASE("log_loss rejects values that are not probabilities and shapes that do not fit",
          "[metrics][classification][log_loss][errors]") {
    const auto y_true = vector_of<int>({0, 2, 1});
    SECTION("a row that does not sum to 1, naming the row") {
        const auto logits = matrix_of<double>(3, 3, {0.7, 0.2, 0.1, 0.1, 0.3, 0.5, 0.25, 0.5, 0.25});
        CHECK_THROWS_WITH(neuro::metrics::log_loss(y_true, logits), Contains("row 1") && Contains("sums to 0.9"));
    }
    SECTION("a value outside [0, 1]") {
        CHECK_THROWS_WITH(neuro::metrics::log_loss(vector_of<int>({1}), vector_of<double>({1.5})),
                          Contains("probabilities(0, 0) = 1.5 is outside [0, 1]"));
    }
    SECTION("a class index beyond the columns") {
        const auto probabilities = matrix_of<double>(3, 2, {0.5, 0.5, 0.5, 0.5, 0.5, 0.5});
        CHECK_THROWS_WITH(neuro::metrics::log_loss(y_true, probabilities), Contains("y_true[1] = 2 is outside [0, 2)"));
    }
    SECTION("a non-binary label for the binary form") {
        CHECK_THROWS_WITH(neuro::metrics::log_loss(y_true, vector_of<double>({0.1, 0.2, 0.3})),
                          Contains("y_true[1] = 2 is not a binary label"));
    }
    SECTION("a shape that is neither N probabilities nor N x C") {
        CHECK_THROWS_WITH(neuro::metrics::log_loss(y_true, Eigen::MatrixXd::Constant(2, 3, 1.0 / 3)),
                          Contains("log_loss: probabilities is 2 x 3"));
    }
    SECTION("NaN") {
        CHECK_THROWS_WITH(neuro::metrics::log_loss(vector_of<int>({1}),
                                                   vector_of<double>({std::numeric_limits<double>::quiet_NaN()})),
                          Contains("probabilities(0, 0) is nan"));
    }
}

TEST_CASE("Mismatched, empty and non-vector inputs are rejected naming the function and the sizes",
          "[metrics][classification][errors]") {
    const Eigen::VectorXi four = Eigen::VectorXi::Zero(4);
    const Eigen::VectorXi five = Eigen::VectorXi::Zero(5);
    CHECK_THROWS_AS(neuro::metrics::accuracy(four, five), neuro::Error);
    CHECK_THROWS_WITH(neuro::metrics::accuracy(four, five),
                      Contains("accuracy") && Contains("y_true has 4 elements and y_pred has 5"));
    CHECK_THROWS_WITH(neuro::metrics::precision(five, four, Average::Macro),
                      Contains("precision") && Contains("y_true has 5 elements and y_pred has 4"));
    CHECK_THROWS_WITH(neuro::metrics::confusion_matrix(four, five, 2), Contains("confusion_matrix"));

    const Eigen::VectorXi empty(0);
    CHECK_THROWS_WITH(neuro::metrics::recall(empty, empty), Contains("recall: y_true is empty"));
    CHECK_THROWS_WITH(neuro::metrics::log_loss(four, Eigen::MatrixXd(0, 0)),
                      Contains("log_loss: probabilities is empty"));

    const Eigen::MatrixXi square = Eigen::MatrixXi::Zero(2, 2);
    CHECK_THROWS_WITH(neuro::metrics::f1_score(square, four),
                      Contains("f1_score: y_true must be a vector (N x 1 or 1 x N), got 2 x 2"));
}

TEST_CASE("Labels that are not class indices are rejected naming the position and value",
          "[metrics][classification][errors]") {
    const auto valid = vector_of<double>({0, 1, 1, 0});
    SECTION("binary metrics reject labels other than 0 and 1") {
        const auto three_classes = vector_of<int>({0, 1, 2, 0});
        CHECK_THROWS_WITH(neuro::metrics::f1_score(three_classes, valid),
                          Contains("f1_score: y_true[2] = 2 is not a binary label 0 or 1"));
        CHECK_THROWS_WITH(neuro::metrics::precision(valid, three_classes),
                          Contains("precision: y_pred[2] = 2 is not a binary label"));
        CHECK_THROWS_WITH(neuro::metrics::recall(vector_of<int>({-1, 1, 1, 0}), valid), Contains("y_true[0] = -1"));
    }
    SECTION("fractions, negatives and NaN are not class indices") {
        CHECK_THROWS_WITH(neuro::metrics::accuracy(vector_of<double>({0, 0.5, 1, 0}), valid),
                          Contains("accuracy: y_true[1] = 0.5 is not a class index"));
        CHECK_THROWS_WITH(neuro::metrics::f1_score(vector_of<int>({0, -3, 1, 0}), valid, Average::Macro),
                          Contains("y_true[1] = -3 is not a class index"));
        CHECK_THROWS_WITH(neuro::metrics::balanced_accuracy(
                              valid, vector_of<double>({0, 1, std::numeric_limits<double>::quiet_NaN(), 0})),
                          Contains("y_pred[2] = nan is not a class index"));
    }
    SECTION("confusion_matrix rejects labels outside [0, num_classes) and num_classes below 1") {
        CHECK_THROWS_WITH(neuro::metrics::confusion_matrix(vector_of<int>({0, 3, 1, 0}), valid, 3),
                          Contains("confusion_matrix: y_true[1] = 3 is outside [0, 3)"));
        CHECK_THROWS_WITH(neuro::metrics::confusion_matrix(valid, valid, 0),
                          Contains("num_classes must be at least 1, got 0"));
    }
}

}  // namespace test_classification
