// Every misuse of a Sequential model throws neuro::Error with a message the user can act on.
// None of them aborts: each is an exception, and a rejected call leaves the model as it was.

#include "../support/models.hpp"

#include <neuro/neuro.hpp>

#include <catch2/catch.hpp>

#include <Eigen/Core>

#include <cstdint>
#include <exception>
#include <limits>
#include <stdexcept>
#include <initializer_list>
#include <string>
#include <vector>

namespace test_errors {

namespace {

using Catch::Matchers::Contains;
using neuro::testing::parameters_of;
using Catch::Matchers::StartsWith;

/// Matches a string that contains every one of the given parts. (Catch2's Contains(a) &&
/// Contains(b) keeps pointers to its operands, so it cannot be stored in a variable.)
class ContainsAll final : public Catch::MatcherBase<std::string> {
public:
    ContainsAll(std::initializer_list<std::string> parts) : parts_(parts) {}

    bool match(const std::string& text) const override {
        for (const auto& part : parts_)
            if (text.find(part) == std::string::npos) return false;
        return true;
    }

    std::string describe() const override {
        std::string description = "contains all of:";
        for (const auto& part : parts_) description += " \"" + part + "\"";
        return description;
    }

private:
    std::vector<std::string> parts_;
};

neuro::Matrix<float> random_matrix(neuro::Index rows, neuro::Index cols, std::uint64_t seed = 1) {
    neuro::Random random(seed);
    neuro::Matrix<float> m(rows, cols);
    for (neuro::Index c = 0; c < cols; ++c)
        for (neuro::Index r = 0; r < rows; ++r) m(r, c) = static_cast<float>(random.normal());
    return m;
}

neuro::Matrix<float> binary_labels(neuro::Index rows) {
    neuro::Matrix<float> y(rows, 1);
    for (neuro::Index i = 0; i < rows; ++i) y(i, 0) = static_cast<float>(i % 2);
    return y;
}

/// 10-8-1 binary classifier: Dense ReLU Dense Sigmoid, compiled with BCE.
neuro::Sequential<float> classifier(bool compiled = true) {
    neuro::Sequential<float> model;
    model.add(neuro::Dense<float>(10, 8));
    model.add(neuro::ReLU<float>());
    model.add(neuro::Dense<float>(8, 1));
    model.add(neuro::Sigmoid<float>());
    if (compiled) model.compile(neuro::Adam<float>(1e-3f), neuro::BinaryCrossEntropy<float>());
    return model;
}

/// 4-3 classifier with Softmax, compiled with sparse categorical cross-entropy.
neuro::Sequential<float> sparse_classifier() {
    neuro::Sequential<float> model;
    model.add(neuro::Dense<float>(4, 3));
    model.add(neuro::Softmax<float>());
    model.compile(neuro::Adam<float>(1e-3f), neuro::SparseCategoricalCrossEntropy<float>());
    return model;
}

neuro::FitOptions quiet(int epochs = 1) {
    neuro::FitOptions options;
    options.epochs = epochs;
    options.batch_size = 4;
    options.verbose = 0;
    return options;
}

}  // namespace

TEST_CASE("neuro::Error is catchable as std::exception and its message starts with neuro", "[errors]") {
    auto model = classifier();
    const neuro::Matrix<float> x = random_matrix(5, 3);
    bool caught = false;
    try {
        model.predict(x);
    } catch (const std::exception& error) {
        caught = true;
        CHECK(dynamic_cast<const neuro::Error*>(&error) != nullptr);
        CHECK(dynamic_cast<const std::invalid_argument*>(&error) != nullptr);
        CHECK_THAT(std::string(error.what()), StartsWith("neuro: "));
    }
    CHECK(caught);
    REQUIRE_THROWS_AS(model.predict(x), std::invalid_argument);
}

TEST_CASE("X and y with different row counts are rejected naming both counts", "[errors][shape]") {
    auto model = classifier();
    const neuro::Matrix<float> x = random_matrix(12, 10);
    const neuro::Matrix<float> y = binary_labels(9);
    const auto initial = parameters_of(model);

    REQUIRE_THROWS_AS(model.fit(x, y, quiet()), neuro::Error);
    REQUIRE_THROWS_WITH(model.fit(x, y, quiet()), ContainsAll({"fit", "X has 12 rows", "y has 9"}));
    REQUIRE_THROWS_WITH(model.evaluate(x, y), ContainsAll({"evaluate", "12", "9"}));
    REQUIRE_THROWS_WITH(model.train_on_batch(x, y), ContainsAll({"12", "9"}));
    REQUIRE_THROWS_WITH(model.compute_gradients(x, y), ContainsAll({"12", "9"}));
    CHECK(parameters_of(model) == initial);
    CHECK(model.optimizer().steps() == 0);
}

TEST_CASE("Input of another width than the first layer is rejected naming layer 0 and both widths",
          "[errors][shape]") {
    auto model = classifier();
    const neuro::Matrix<float> x = random_matrix(6, 7);
    const neuro::Matrix<float> y = binary_labels(6);
    const auto message = ContainsAll({"layer 0", "Dense", "7 columns", "expects 10"});

    REQUIRE_THROWS_AS(model.fit(x, y, quiet()), neuro::Error);
    REQUIRE_THROWS_WITH(model.fit(x, y, quiet()), message);
    REQUIRE_THROWS_WITH(model.predict(x), message);
    REQUIRE_THROWS_WITH(model.evaluate(x, y), message);
    REQUIRE_THROWS_WITH(model.train_on_batch(x, y), message);
}

TEST_CASE("Layers whose widths do not chain are rejected at add naming the layer and both widths",
          "[errors][add]") {
    neuro::Sequential<float> model;
    model.add(neuro::Dense<float>(10, 64));
    model.add(neuro::ReLU<float>());
    const auto parameters_before = model.parameters().size();

    REQUIRE_THROWS_AS(model.add(neuro::Dense<float>(32, 1)), neuro::Error);
    REQUIRE_THROWS_WITH(model.add(neuro::Dense<float>(32, 1)),
                        ContainsAll({"layer 2", "Dense", "expects 32", "outputs 64"}));
    // The model is unchanged and still accepts a layer that fits.
    CHECK(model.size() == 2);
    CHECK(model.parameters().size() == parameters_before);
    model.add(neuro::Dense<float>(64, 1));
    CHECK(model.size() == 3);

    SECTION("directly after a Dense layer") {
        neuro::Sequential<float> direct;
        direct.add(neuro::Dense<float>(3, 5));
        REQUIRE_THROWS_WITH(direct.add(neuro::Dense<float>(4, 2)),
                            ContainsAll({"layer 1", "Dense", "expects 4", "outputs 5"}));
    }
}

TEST_CASE("Empty data is rejected", "[errors][shape]") {
    auto model = classifier();
    const neuro::Matrix<float> x(0, 10);
    const neuro::Matrix<float> y(0, 1);
    REQUIRE_THROWS_AS(model.fit(x, y, quiet()), neuro::Error);
    REQUIRE_THROWS_WITH(model.fit(x, y, quiet()), ContainsAll({"empty", "0 x 10"}));
    REQUIRE_THROWS_WITH(model.predict(x), ContainsAll({"predict", "empty"}));
    REQUIRE_THROWS_WITH(model.evaluate(x, y), ContainsAll({"evaluate", "empty"}));
    REQUIRE_THROWS_WITH(model.train_on_batch(x, y), Contains("empty"));
    const neuro::Matrix<float> no_features(5, 0);
    REQUIRE_THROWS_WITH(model.predict(no_features), ContainsAll({"empty", "5 x 0"}));
}

TEST_CASE("A batch size below 1 is rejected", "[errors][options]") {
    auto model = classifier();
    const neuro::Matrix<float> x = random_matrix(8, 10);
    const neuro::Matrix<float> y = binary_labels(8);
    const auto initial = parameters_of(model);

    auto options = quiet();
    options.batch_size = GENERATE(as<neuro::Index>{}, 0, -3);
    REQUIRE_THROWS_AS(model.fit(x, y, options), neuro::Error);
    REQUIRE_THROWS_WITH(model.fit(x, y, options),
                        ContainsAll({"batch_size must be at least 1", std::to_string(options.batch_size)}));
    REQUIRE_THROWS_WITH(model.predict(x, options.batch_size), ContainsAll({"predict", "batch_size"}));
    REQUIRE_THROWS_WITH(model.evaluate(x, y, options.batch_size), ContainsAll({"evaluate", "batch_size"}));
    CHECK(parameters_of(model) == initial);
}

TEST_CASE("A validation_split outside 0 to 1 or NaN is rejected", "[errors][options]") {
    auto model = classifier();
    const neuro::Matrix<float> x = random_matrix(10, 10);
    const neuro::Matrix<float> y = binary_labels(10);
    auto options = quiet();

    SECTION("negative") {
        options.validation_split = -0.1;
        REQUIRE_THROWS_WITH(model.fit(x, y, options), ContainsAll({"validation_split must be in [0, 1)", "-0.1"}));
    }
    SECTION("one") {
        options.validation_split = 1.0;
        REQUIRE_THROWS_WITH(model.fit(x, y, options), ContainsAll({"validation_split must be in [0, 1)", "got 1"}));
    }
    SECTION("NaN") {
        options.validation_split = std::numeric_limits<double>::quiet_NaN();
        REQUIRE_THROWS_WITH(model.fit(x, y, options), ContainsAll({"validation_split must be in [0, 1)", "nan"}));
    }
    SECTION("a split that leaves no training rows") {
        options.validation_split = 0.95;
        REQUIRE_THROWS_WITH(model.fit(x, y, options), ContainsAll({"no training samples", "10"}));
    }
    SECTION("a split that leaves no validation rows") {
        options.validation_split = 1e-20;
        REQUIRE_THROWS_WITH(model.fit(x, y, options), Contains("no validation samples"));
    }
    REQUIRE_THROWS_AS(model.fit(x, y, options), neuro::Error);
    CHECK(model.optimizer().steps() == 0);
}

TEST_CASE("NaN and infinity in X or y are rejected naming the row and column", "[errors][finite]") {
    auto model = classifier();
    neuro::Matrix<float> x = random_matrix(12, 10);
    neuro::Matrix<float> y = binary_labels(12);
    const auto initial = parameters_of(model);

    SECTION("NaN in X") {
        x(7, 3) = std::numeric_limits<float>::quiet_NaN();
        const auto message = ContainsAll({"X contains nan", "row 7, column 3"});
        REQUIRE_THROWS_WITH(model.fit(x, y, quiet()), message);
        REQUIRE_THROWS_WITH(model.predict(x), message);
        REQUIRE_THROWS_WITH(model.evaluate(x, y), message);
        REQUIRE_THROWS_WITH(model.train_on_batch(x, y), message);
    }
    SECTION("infinity in X") {
        x(11, 9) = std::numeric_limits<float>::infinity();
        REQUIRE_THROWS_WITH(model.fit(x, y, quiet()), ContainsAll({"X contains inf", "row 11, column 9"}));
        x(11, 9) = -std::numeric_limits<float>::infinity();
        REQUIRE_THROWS_WITH(model.predict(x), ContainsAll({"X contains -inf", "row 11, column 9"}));
    }
    SECTION("NaN in y") {
        y(4, 0) = std::numeric_limits<float>::quiet_NaN();
        REQUIRE_THROWS_WITH(model.fit(x, y, quiet()), ContainsAll({"y contains nan", "row 4, column 0"}));
        REQUIRE_THROWS_WITH(model.evaluate(x, y), ContainsAll({"y contains nan", "row 4, column 0"}));
    }
    SECTION("infinity in y") {
        y(0, 0) = std::numeric_limits<float>::infinity();
        REQUIRE_THROWS_WITH(model.fit(x, y, quiet()), ContainsAll({"y contains inf", "row 0, column 0"}));
    }
    SECTION("NaN in the validation part") {
        x(11, 0) = std::numeric_limits<float>::quiet_NaN();
        auto options = quiet();
        options.validation_split = 0.25;
        REQUIRE_THROWS_WITH(model.fit(x, y, options), ContainsAll({"X contains nan", "row 11, column 0"}));
    }
    SECTION("NaN in explicit validation data") {
        neuro::Matrix<float> xv = random_matrix(5, 10, 2);
        xv(2, 6) = std::numeric_limits<float>::quiet_NaN();
        REQUIRE_THROWS_WITH(model.fit(x, y, xv, binary_labels(5), quiet()),
                            ContainsAll({"validation", "nan", "row 2, column 6"}));
    }
    CHECK(parameters_of(model) == initial);
    CHECK(model.optimizer().steps() == 0);
}

TEST_CASE("fit and evaluate and train_on_batch before compile are rejected", "[errors][order]") {
    auto model = classifier(false);
    const neuro::Matrix<float> x = random_matrix(6, 10);
    const neuro::Matrix<float> y = binary_labels(6);
    REQUIRE_THROWS_AS(model.fit(x, y, quiet()), neuro::Error);
    REQUIRE_THROWS_WITH(model.fit(x, y, quiet()), ContainsAll({"fit", "not compiled"}));
    REQUIRE_THROWS_WITH(model.fit(x, y, x, y, quiet()), ContainsAll({"fit", "not compiled"}));
    REQUIRE_THROWS_WITH(model.evaluate(x, y), ContainsAll({"evaluate", "not compiled"}));
    REQUIRE_THROWS_WITH(model.train_on_batch(x, y), Contains("not compiled"));
    REQUIRE_THROWS_WITH(model.optimizer(), Contains("not compiled"));
    REQUIRE_THROWS_WITH(model.loss(), Contains("not compiled"));
    // predict needs no optimizer or loss.
    CHECK(model.predict(x).rows() == 6);
}

TEST_CASE("compile and predict and fit of a model without layers are rejected", "[errors][order]") {
    neuro::Sequential<float> model;
    const neuro::Matrix<float> x = random_matrix(3, 2);
    const neuro::Matrix<float> y = binary_labels(3);
    REQUIRE_THROWS_AS(model.compile(neuro::Adam<float>(), neuro::BinaryCrossEntropy<float>()), neuro::Error);
    REQUIRE_THROWS_WITH(model.compile(neuro::Adam<float>(), neuro::BinaryCrossEntropy<float>()),
                        ContainsAll({"compile", "no layers"}));
    CHECK_FALSE(model.is_compiled());
    REQUIRE_THROWS_WITH(model.predict(x), ContainsAll({"predict", "no layers"}));
    REQUIRE_THROWS_WITH(model.fit(x, y, quiet()), ContainsAll({"fit", "no layers"}));
    REQUIRE_THROWS_WITH(model.evaluate(x, y), ContainsAll({"evaluate", "no layers"}));
}

TEST_CASE("y with the wrong number of columns is rejected", "[errors][shape]") {
    SECTION("binary cross-entropy needs one column per output") {
        auto model = classifier();
        const neuro::Matrix<float> x = random_matrix(6, 10);
        const neuro::Matrix<float> y = neuro::Matrix<float>::Zero(6, 2);
        REQUIRE_THROWS_AS(model.fit(x, y, quiet()), neuro::Error);
        REQUIRE_THROWS_WITH(model.fit(x, y, quiet()), ContainsAll({"y has 2 columns", "outputs 1", "BinaryCrossEntropy", "needs 1"}));
        REQUIRE_THROWS_WITH(model.evaluate(x, y), Contains("y has 2 columns"));
    }
    SECTION("sparse categorical cross-entropy needs one column of class indices") {
        auto model = sparse_classifier();
        const neuro::Matrix<float> x = random_matrix(6, 4);
        const neuro::Matrix<float> one_hot = neuro::Matrix<float>::Zero(6, 3);
        REQUIRE_THROWS_WITH(model.fit(x, one_hot, quiet()), ContainsAll({"y has 3 columns", "outputs 3", "SparseCategoricalCrossEntropy", "needs 1 target column"}));
    }
    SECTION("mean squared error needs one column per output") {
        neuro::Sequential<float> model;
        model.add(neuro::Dense<float>(4, 3));
        model.compile(neuro::SGD<float>(0.1f), neuro::MeanSquaredError<float>());
        const neuro::Matrix<float> x = random_matrix(6, 4);
        REQUIRE_THROWS_WITH(model.fit(x, neuro::Matrix<float>::Zero(6, 1), quiet()),
                            ContainsAll({"y has 1 columns", "needs 3 target columns"}));
    }
}

TEST_CASE("Targets outside the loss's range are rejected naming the row and column", "[errors][targets]") {
    SECTION("binary cross-entropy target 2") {
        auto model = classifier();
        const neuro::Matrix<float> x = random_matrix(6, 10);
        neuro::Matrix<float> y = binary_labels(6);
        y(4, 0) = 2.0f;
        REQUIRE_THROWS_AS(model.fit(x, y, quiet()), neuro::Error);
        REQUIRE_THROWS_WITH(model.fit(x, y, quiet()),
                            ContainsAll({"row 4, column 0 is 2", "must be in [0, 1]"}));
        REQUIRE_THROWS_WITH(model.evaluate(x, y), Contains("row 4, column 0 is 2"));
        y(4, 0) = -0.5f;
        REQUIRE_THROWS_WITH(model.train_on_batch(x, y), Contains("row 4, column 0 is -0.5"));
    }
    SECTION("sparse class index out of range or not an integer") {
        auto model = sparse_classifier();
        const neuro::Matrix<float> x = random_matrix(6, 4);
        neuro::Matrix<float> y(6, 1);
        y << 0, 1, 2, 0, 1, 2;
        const auto initial = parameters_of(model);
        y(5, 0) = GENERATE(3.0f, -1.0f, 1.5f);
        INFO("class " << y(5, 0));
        REQUIRE_THROWS_AS(model.fit(x, y, quiet()), neuro::Error);
        REQUIRE_THROWS_WITH(model.fit(x, y, quiet()), ContainsAll({"row 5, column 0", "class indices 0 to 2"}));
        REQUIRE_THROWS_WITH(model.evaluate(x, y), ContainsAll({"row 5, column 0", "class indices 0 to 2"}));
        CHECK(parameters_of(model) == initial);
    }
}

TEST_CASE("A layer without parameters added after compile also makes fit ask for compile again",
          "[errors][order]") {
    neuro::Sequential<float> model;
    model.add(neuro::Dense<float>(4, 1));
    model.compile(neuro::Adam<float>(), neuro::BinaryCrossEntropy<float>());
    model.add(neuro::Sigmoid<float>());
    const neuro::Matrix<float> x = random_matrix(5, 4);
    const neuro::Matrix<float> y = neuro::Matrix<float>::Zero(5, 1);
    REQUIRE_THROWS_WITH(model.fit(x, y, quiet()),
                        ContainsAll({"added after compile", "2 layers now", "1 when compiled"}));
}

TEST_CASE("Layers added after compile make fit ask for compile again", "[errors][order]") {
    neuro::Sequential<float> model;
    model.add(neuro::Dense<float>(4, 6));
    model.add(neuro::ReLU<float>());
    model.compile(neuro::Adam<float>(), neuro::MeanSquaredError<float>());
    model.add(neuro::Dense<float>(6, 2));
    const neuro::Matrix<float> x = random_matrix(5, 4);
    const neuro::Matrix<float> y = neuro::Matrix<float>::Zero(5, 2);

    REQUIRE_THROWS_AS(model.fit(x, y, quiet()), neuro::Error);
    REQUIRE_THROWS_WITH(model.fit(x, y, quiet()),
                        ContainsAll({"added after compile", "3 layers now", "2 when compiled"}));
    REQUIRE_THROWS_WITH(model.evaluate(x, y), Contains("added after compile"));
    REQUIRE_THROWS_WITH(model.train_on_batch(x, y), Contains("added after compile"));
    // predict does not need the optimizer and works with the new layer.
    CHECK(model.predict(x).cols() == 2);

    model.compile(neuro::Adam<float>(), neuro::MeanSquaredError<float>());
    const neuro::History h = model.fit(x, y, quiet());
    CHECK(h.loss.size() == 1);
}

TEST_CASE("Explicit validation data of the wrong shape is rejected", "[errors][validation]") {
    auto model = classifier();
    const neuro::Matrix<float> x = random_matrix(8, 10);
    const neuro::Matrix<float> y = binary_labels(8);

    SECTION("wrong width") {
        const neuro::Matrix<float> xv = random_matrix(4, 9);
        REQUIRE_THROWS_AS(model.fit(x, y, xv, binary_labels(4), quiet()), neuro::Error);
        REQUIRE_THROWS_WITH(model.fit(x, y, xv, binary_labels(4), quiet()),
                            ContainsAll({"validation", "9 columns", "layer 0", "Dense", "expects 10"}));
    }
    SECTION("row counts that differ") {
        const neuro::Matrix<float> xv = random_matrix(4, 10);
        REQUIRE_THROWS_WITH(model.fit(x, y, xv, binary_labels(3), quiet()),
                            ContainsAll({"validation", "X has 4 rows", "y has 3"}));
    }
    SECTION("wrong number of target columns") {
        const neuro::Matrix<float> xv = random_matrix(4, 10);
        REQUIRE_THROWS_WITH(model.fit(x, y, xv, neuro::Matrix<float>::Zero(4, 2), quiet()),
                            ContainsAll({"validation", "y has 2 columns"}));
    }
    SECTION("empty") {
        const neuro::Matrix<float> xv(0, 10);
        const neuro::Matrix<float> yv(0, 1);
        REQUIRE_THROWS_WITH(model.fit(x, y, xv, yv, quiet()), ContainsAll({"validation", "empty"}));
    }
    CHECK(model.optimizer().steps() == 0);
}

TEST_CASE("validation_split together with explicit validation data is rejected", "[errors][validation]") {
    auto model = classifier();
    const neuro::Matrix<float> x = random_matrix(8, 10);
    const neuro::Matrix<float> y = binary_labels(8);
    auto options = quiet();
    options.validation_split = 0.25;
    REQUIRE_THROWS_AS(model.fit(x, y, x, y, options), neuro::Error);
    REQUIRE_THROWS_WITH(model.fit(x, y, x, y, options),
                        ContainsAll({"either validation data or validation_split", "0.25"}));
    CHECK(model.optimizer().steps() == 0);
}

TEST_CASE("Negative epochs are rejected", "[errors][options]") {
    auto model = classifier();
    const neuro::Matrix<float> x = random_matrix(8, 10);
    const neuro::Matrix<float> y = binary_labels(8);
    auto options = quiet(-1);
    REQUIRE_THROWS_AS(model.fit(x, y, options), neuro::Error);
    REQUIRE_THROWS_WITH(model.fit(x, y, options), ContainsAll({"epochs must be >= 0", "-1"}));
    REQUIRE_THROWS_WITH(model.fit(x, y, x, y, options), Contains("epochs must be >= 0"));
}

TEST_CASE("An invalid learning rate set through the model's optimizer is rejected", "[errors][options]") {
    auto model = classifier();
    REQUIRE_THROWS_AS(model.optimizer().set_learning_rate(-1e-3), neuro::Error);
    REQUIRE_THROWS_WITH(model.optimizer().set_learning_rate(std::numeric_limits<double>::quiet_NaN()),
                        ContainsAll({"Adam", "learning rate"}));
    CHECK(model.optimizer().learning_rate() == Approx(1e-3).epsilon(1e-6));
}

TEST_CASE("The input width error names the layer that fixes the width when layer 0 accepts any width",
          "[errors][shape]") {
    neuro::Sequential<float> model;
    model.add(neuro::Dropout<float>(0.1));
    model.add(neuro::Dense<float>(10, 1));
    const neuro::Matrix<float> x = random_matrix(3, 7);
    REQUIRE_THROWS_AS(model.predict(x), neuro::Error);
    // Dropout (layer 0) takes any width; the 10 comes from Dense, layer 1.
    REQUIRE_THROWS_WITH(model.predict(x), ContainsAll({"7 columns", "layer 1", "Dense", "expects 10"}));
    REQUIRE_THROWS_WITH(model.predict(x), !Contains("layer 0 (Dropout)"));
}

}  // namespace test_errors
