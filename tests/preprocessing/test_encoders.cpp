// to_categorical, OneHotEncoder and LabelEncoder: encodings, inverses, state and misuse.

#include <neuro/preprocessing/encoders.hpp>

#include <neuro/core/error.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace test_encoders {

using Catch::Matchers::Contains;
using neuro::Index;
using neuro::LabelEncoder;
using neuro::Matrix;
using neuro::OneHotEncoder;

namespace {

template <class T>
Matrix<T> column(std::initializer_list<T> values) {
    Matrix<T> m(Index(values.size()), 1);
    Index row = 0;
    for (const T value : values) m(row++, 0) = value;
    return m;
}

}  // namespace

TEMPLATE_TEST_CASE("to_categorical turns class indices into one-hot rows", "[encoders]", float, double) {
    const Matrix<TestType> labels = column<TestType>({2, 0, 1, 2});
    SECTION("with the number of classes given") {
        const Matrix<TestType> one_hot = neuro::to_categorical(labels, 4);
        Matrix<TestType> expected(4, 4);
        expected << 0, 0, 1, 0,  //
            1, 0, 0, 0,          //
            0, 1, 0, 0,          //
            0, 0, 1, 0;
        CHECK(one_hot == expected);
    }
    SECTION("with the number of classes taken from the largest label") {
        CHECK(neuro::to_categorical(labels).cols() == 3);
        CHECK(neuro::to_categorical(labels).rowwise().sum() == Matrix<TestType>::Ones(4, 1));
    }
}

TEST_CASE("to_categorical rejects labels that are not class indices", "[encoders][error]") {
    CHECK_THROWS_WITH(neuro::to_categorical(column<double>({0, 1.5}), 3),
                      Contains("to_categorical: the label of row 1 is 1.5; class indices are integers 0 to 2"));
    CHECK_THROWS_WITH(neuro::to_categorical(column<double>({-1}), 3), Contains("row 0 is -1"));
    CHECK_THROWS_WITH(neuro::to_categorical(column<float>({3}), 3), Contains("row 0 is 3"));
    CHECK_THROWS_WITH(neuro::to_categorical(column<float>({NAN})), Contains("row 0 is nan"));
    CHECK_THROWS_WITH(neuro::to_categorical(Matrix<float>::Zero(2, 2), 2), Contains("labels are N x 1, got 2 x 2"));
    CHECK_THROWS_WITH(neuro::to_categorical(column<float>({0}), 0), Contains("num_classes is 0"));
}

TEMPLATE_TEST_CASE("OneHotEncoder learns the sorted distinct labels and encodes and decodes with them", "[encoders]",
                   float, double) {
    OneHotEncoder encoder;
    const Matrix<TestType> labels = column<TestType>({7, 3, 9, 7});
    const Matrix<TestType> one_hot = encoder.fit_transform(labels);
    CHECK(encoder.categories() == (neuro::Vector<double>(3) << 3, 7, 9).finished());
    Matrix<TestType> expected(4, 3);
    expected << 0, 1, 0,  //
        1, 0, 0,          //
        0, 0, 1,          //
        0, 1, 0;
    CHECK(one_hot == expected);
    CHECK(encoder.inverse_transform(one_hot) == labels);
    SECTION("inverse_transform takes the largest entry, so probabilities decode too") {
        Matrix<TestType> probabilities(1, 3);
        probabilities << TestType(0.2), TestType(0.1), TestType(0.7);
        CHECK(encoder.inverse_transform(probabilities)(0, 0) == 9);
    }
    SECTION("the state restores the same encoder") {
        const OneHotEncoder restored = OneHotEncoder::from_state(encoder.state());
        CHECK(restored.transform(labels) == one_hot);
    }
}

TEST_CASE("OneHotEncoder rejects unseen labels, non-integers, use before fit and bad states", "[encoders][error]") {
    OneHotEncoder encoder;
    CHECK_THROWS_WITH(encoder.transform(column<double>({1})), Contains("OneHotEncoder::transform: call fit first"));
    encoder.fit(column<double>({1, 2}));
    CHECK_THROWS_WITH(encoder.transform(column<double>({1, 5})),
                      Contains("the label of row 1 is 5, a category fit never saw"));
    CHECK_THROWS_WITH(encoder.fit(column<double>({0.5})), Contains("OneHotEncoder::fit: the label of row 0 is 0.5"));
    CHECK_THROWS_WITH(encoder.inverse_transform(Matrix<double>::Zero(1, 3)),
                      Contains("x has 3 columns, but it was fitted on 2 columns"));
    CHECK_THROWS_WITH(OneHotEncoder::from_state({{"categories", (neuro::Vector<double>(2) << 2, 1).finished()}}),
                      Contains("the categories must be increasing integers; category 1 is 1"));
}

TEST_CASE("LabelEncoder numbers text labels by their sorted order and decodes them back", "[encoders]") {
    const std::vector<std::string> labels = {"dog", "cat", "bird", "cat"};
    LabelEncoder encoder;
    const Matrix<float> codes = encoder.fit_transform<float>(labels);
    CHECK(encoder.classes() == std::vector<std::string>{"bird", "cat", "dog"});
    CHECK(codes == column<float>({2, 1, 0, 1}));
    CHECK(encoder.inverse_transform(codes) == labels);
    CHECK(encoder.transform<double>(std::vector<std::string>{"bird"}) == column<double>({0}));
    const LabelEncoder restored = LabelEncoder::from_classes(encoder.classes());
    CHECK(restored.transform<float>(labels) == codes);
}

TEST_CASE("LabelEncoder rejects unseen labels, codes out of range, use before fit and unsorted classes",
          "[encoders][error]") {
    LabelEncoder encoder;
    CHECK_THROWS_WITH(encoder.transform<float>(std::vector<std::string>{"a"}),
                      Contains("LabelEncoder::transform: call fit first"));
    encoder.fit(std::vector<std::string>{"a", "b"});
    CHECK_THROWS_WITH(encoder.transform<float>(std::vector<std::string>{"a", "c"}),
                      Contains("label 1 is \"c\", a class fit never saw"));
    CHECK_THROWS_WITH(encoder.inverse_transform(column<double>({2})),
                      Contains("the label of row 0 is 2; class indices are integers 0 to 1"));
    CHECK_THROWS_WITH(encoder.fit(std::vector<std::string>{}), Contains("LabelEncoder::fit: no labels"));
    CHECK_THROWS_WITH(LabelEncoder::from_classes({"b", "a"}), Contains("\"a\" follows \"b\""));
    CHECK_THROWS_WITH(LabelEncoder::from_classes({"a", "a"}), Contains("sorted and distinct"));
}

}  // namespace test_encoders
