// classification_report: the exact text, laid out as scikit-learn prints it, with and without
// class names, other digits, long names, absent classes, and the errors.

#include <neuro/metrics/report.hpp>

#include <neuro/core/error.hpp>

#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <vector>

namespace test_report {

using Catch::Matchers::Contains;

namespace {

template <class T>
Eigen::Matrix<T, Eigen::Dynamic, 1> vector_of(std::initializer_list<double> values) {
    Eigen::Matrix<T, Eigen::Dynamic, 1> result(Eigen::Index(values.size()));
    Eigen::Index i = 0;
    for (const double value : values) result[i++] = T(value);
    return result;
}

// The example of scikit-learn's classification_report documentation. Pairs (true, predicted):
// (0,0) (1,0) (2,2) (2,2) (2,1).
//   class 0: tp 1, predicted 2, support 1: P 1/2, R 1,   F1 2/3
//   class 1: tp 0, predicted 1, support 1: P 0,   R 0,   F1 0
//   class 2: tp 2, predicted 2, support 3: P 1,   R 2/3, F1 4/5
// accuracy 3/5; macro P (1/2 + 0 + 1)/3 = 0.50, R (1 + 0 + 2/3)/3 = 0.556, F1 (2/3 + 0 + 4/5)/3 = 0.489;
// weighted P (1/2 + 0 + 3)/5 = 0.70, R (1 + 0 + 2)/5 = 0.60, F1 (2/3 + 0 + 12/5)/5 = 0.613.
const std::initializer_list<double> truth{0, 1, 2, 2, 2};
const std::initializer_list<double> predicted{0, 0, 2, 2, 1};

}  // namespace

TEMPLATE_TEST_CASE("classification_report prints scikit-learn's layout with class names", "[metrics][report]", int,
                   float, double) {
    const std::string report = neuro::metrics::classification_report(
        vector_of<TestType>(truth), vector_of<TestType>(predicted), {"class 0", "class 1", "class 2"});
    CHECK(report ==
          "              precision    recall  f1-score   support\n"
          "\n"
          "     class 0       0.50      1.00      0.67         1\n"
          "     class 1       0.00      0.00      0.00         1\n"
          "     class 2       1.00      0.67      0.80         3\n"
          "\n"
          "    accuracy                           0.60         5\n"
          "   macro avg       0.50      0.56      0.49         5\n"
          "weighted avg       0.70      0.60      0.61         5\n");
}

TEST_CASE("Without class names the rows are the classes present, named by index", "[metrics][report]") {
    // Labels 0 and 2: class 1 appears nowhere and gets no row.
    const std::string report =
        neuro::metrics::classification_report(vector_of<int>({0, 2, 2, 0}), vector_of<int>({0, 2, 0, 0}));
    // Class 0: tp 2, predicted 3, support 2: P 2/3, R 1, F1 4/5. Class 2: tp 1, predicted 1, support 2:
    // P 1, R 1/2, F1 2/3. Macro P 5/6 = 0.83, R 0.75, F1 (4/5 + 2/3)/2 = 0.73; weighted equal (supports 2, 2).
    CHECK(report ==
          "              precision    recall  f1-score   support\n"
          "\n"
          "           0       0.67      1.00      0.80         2\n"
          "           2       1.00      0.50      0.67         2\n"
          "\n"
          "    accuracy                           0.75         4\n"
          "   macro avg       0.83      0.75      0.73         4\n"
          "weighted avg       0.83      0.75      0.73         4\n");
}

TEST_CASE("digits sets the decimals and long class names widen the first column", "[metrics][report]") {
    const std::string report = neuro::metrics::classification_report(vector_of<int>(truth), vector_of<int>(predicted),
                                                                     {"zero", "one", "a rather long name"}, 3);
    // "a rather long name" has 18 characters, more than "weighted avg" (12).
    CHECK(report ==
          "                    precision    recall  f1-score   support\n"
          "\n"
          "              zero      0.500     1.000     0.667         1\n"
          "               one      0.000     0.000     0.000         1\n"
          "a rather long name      1.000     0.667     0.800         3\n"
          "\n"
          "          accuracy                          0.600         5\n"
          "         macro avg      0.500     0.556     0.489         5\n"
          "      weighted avg      0.700     0.600     0.613         5\n");
}

TEST_CASE("With class names every named class has a row, present or not, and counts in the macro average",
          "[metrics][report]") {
    // Only classes 0 and 1 occur; "bird" (class 2) has support 0 and scores 0 (zero division).
    // Perfect on cat and dog: macro P = (1 + 1 + 0) / 3 = 0.67; weighted by supports 2, 1, 0: 1.00.
    const std::string report = neuro::metrics::classification_report(vector_of<int>({0, 1, 0}),
                                                                     vector_of<int>({0, 1, 0}), {"cat", "dog", "bird"});
    CHECK_THAT(report, Contains("        bird       0.00      0.00      0.00         0\n"));
    CHECK_THAT(report, Contains("   macro avg       0.67      0.67      0.67         3\n"));
    CHECK_THAT(report, Contains("weighted avg       1.00      1.00      1.00         3\n"));
}

TEST_CASE("classification_report rejects labels beyond the class names and negative digits",
          "[metrics][report][errors]") {
    const auto y = vector_of<int>({0, 1, 2});
    CHECK_THROWS_WITH(neuro::metrics::classification_report(y, y, {"a", "b"}),
                      Contains("classification_report: y_true[2] = 2 is outside [0, 2)"));
    CHECK_THROWS_WITH(neuro::metrics::classification_report(y, y, {}, -1), Contains("digits must be >= 0, got -1"));
    CHECK_THROWS_WITH(neuro::metrics::classification_report(y, vector_of<int>({0, 1})),
                      Contains("y_true has 3 elements and y_pred has 2"));
    CHECK_THROWS_AS(neuro::metrics::classification_report(vector_of<double>({0.5}), vector_of<double>({0})),
                    neuro::Error);
}

}  // namespace test_report
