// Saving and loading models: a saved model loads back and predicts the same, the file is
// PyTorch's torch.nn.Sequential state_dict layout (checked against a file written byte by
// byte here), every mismatch between a file and a model is a neuro::Error naming the tensor,
// a failed save leaves the old file, a fit resumed from a checkpoint saved with its
// optimizer ends bit for bit where an uninterrupted one does, and fitted preprocessing saved
// with the model comes back bit for bit.

#include "../support/models.hpp"

#include <neuro/model/persistence.hpp>

#include <neuro/core/error.hpp>
#include <neuro/core/random.hpp>
#include <neuro/core/types.hpp>
#include <neuro/io/safetensors.hpp>
#include <neuro/layers/activations.hpp>
#include <neuro/layers/dense.hpp>
#include <neuro/layers/dropout.hpp>
#include <neuro/layers/layer.hpp>
#include <neuro/losses/categorical_cross_entropy.hpp>
#include <neuro/losses/huber.hpp>
#include <neuro/losses/mean_squared_error.hpp>
#include <neuro/model/sequential.hpp>
#include <neuro/optimizers/adam.hpp>
#include <neuro/optimizers/sgd.hpp>
#include <neuro/preprocessing/fitted_state.hpp>
#include <neuro/preprocessing/scalers.hpp>

#include "../support/file_size_limit.hpp"
#include "../support/temporary_directory.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <Eigen/Core>

#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace test_persistence {

namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using neuro::Index;
using neuro::Matrix;
using neuro::Vector;
using neuro::testing::TemporaryDirectory;
using Shape = std::vector<std::uint64_t>;

using neuro::testing::random_matrix;

/// One-hot targets of 3 classes from the sign pattern of x's first two columns.
template <class T>
Matrix<T> classes_for(const Matrix<T>& x) {
    Matrix<T> y = Matrix<T>::Zero(x.rows(), 3);
    for (Index i = 0; i < x.rows(); ++i) y(i, x(i, 0) > 0 ? 0 : (x(i, 1) > 0 ? 1 : 2)) = T(1);
    return y;
}

neuro::FitOptions quiet(int epochs, neuro::Index batch_size = 8) {
    neuro::FitOptions options;
    options.epochs = epochs;
    options.batch_size = batch_size;
    options.seed = 5;
    options.verbose = 0;
    return options;
}

/// Every built-in kind of layer with non-default settings: 4 -> 3 classes.
template <class T>
neuro::Sequential<T> mixed_layers(std::uint64_t seed = 17) {
    neuro::Sequential<T> model(seed);
    model.add(neuro::Dense<T>(4, 6));
    model.add(neuro::LeakyReLU<T>(T(0.2)));
    model.add(neuro::Dense<T>(6, 5, {.initializer = neuro::Initializer::HeNormal, .l2 = 1e-3}));
    model.add(neuro::ELU<T>(T(0.7)));
    model.add(neuro::Dropout<T>(0.25));
    model.add(neuro::Dense<T>(5, 3, {.use_bias = false}));
    model.add(neuro::Softmax<T>());
    return model;
}

/// mixed_layers compiled and trained a little, so that its weights are not the initial ones
/// (which a model rebuilt from the same seed would have anyway).
template <class T>
neuro::Sequential<T> trained_model() {
    auto model = mixed_layers<T>();
    model.compile(neuro::Adam<T>(T(0.01), T(0.8), T(0.99)), neuro::CategoricalCrossEntropy<T>());
    const Matrix<T> x = random_matrix<T>(32, 4, 1);
    model.fit(x, classes_for(x), quiet(2));
    return model;
}

std::string error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const neuro::Error& error) {
        return error.what();
    }
    FAIL("no neuro::Error was thrown");
    return "";
}

std::string contents_of(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

template <class T>
std::map<std::string, Shape> shapes_in(const neuro::io::SafetensorsFile& file) {
    std::map<std::string, Shape> shapes;
    for (const auto& [name, info] : file.tensors()) {
        CHECK(info.dtype == (std::is_same_v<T, float> ? "F32" : "F64"));
        shapes.emplace(name, info.shape);
    }
    return shapes;
}

/// Writes a copy of the safetensors file at `from` to `to`, with its metadata edited.
void rewrite(const fs::path& from, const fs::path& to,
             const std::function<void(neuro::io::SafetensorsMetadata&)>& edit_metadata) {
    const auto file = neuro::io::read_safetensors(from);
    neuro::io::SafetensorsWriter writer;
    for (const auto& [name, info] : file.tensors()) {
        const Matrix<double> values = file.tensor_as_matrix<double>(name);
        if (info.shape.size() == 1)
            writer.add(name, Vector<double>(values.col(0)));
        else
            writer.add(name, values);
    }
    auto metadata = file.metadata();
    edit_metadata(metadata);
    for (const auto& [key, value] : metadata) writer.set_metadata(key, value);
    writer.write(to);
}

/// A layer of the user's own, with parameters: y = s .* x, one scale per feature.
template <class T>
class Scale final : public neuro::Layer<T> {
public:
    explicit Scale(Index width) : width_(width), parameters_(width) {}

    std::string type_name() const override { return "Scale"; }
    std::optional<Index> input_width() const override { return width_; }
    Index parameter_count() const override { return width_; }
    void bind_parameters(T* values, T* gradients) override { parameters_.bind(values, gradients); }
    neuro::VectorView<T> parameter_values() override { return neuro::VectorView<T>(parameters_.values(), width_); }
    neuro::VectorView<T> parameter_gradients() override {
        return neuro::VectorView<T>(parameters_.gradients(), width_);
    }
    void initialize_parameters(neuro::Random&) override { parameter_values().setOnes(); }
    std::unique_ptr<neuro::Layer<T>> clone() const override { return std::make_unique<Scale>(*this); }

    void forward(neuro::ConstMatrixView<T> input, neuro::MatrixView<T> output) const override {
        output = neuro::ConstVectorView<T>(parameters_.values(), width_).asDiagonal() * input;
    }
    void backward(neuro::ConstMatrixView<T> input, neuro::ConstMatrixView<T>,
                  neuro::ConstMatrixView<T> output_gradient, neuro::MatrixView<T> input_gradient) override {
        parameter_gradients() = output_gradient.cwiseProduct(input).rowwise().sum();
        if (input_gradient.size() != 0)
            input_gradient = neuro::ConstVectorView<T>(parameters_.values(), width_).asDiagonal() * output_gradient;
    }

private:
    Index width_;
    neuro::ParameterStorage<T> parameters_;
};

// ---- a file written byte by byte, as safetensors.torch.save_file writes a state_dict ----

std::string little_endian(std::uint64_t value, int bytes) {
    std::string out;
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
    return out;
}

std::string f32s(std::initializer_list<float> values) {
    std::string out;
    for (const float value : values) out += little_endian(std::bit_cast<std::uint32_t>(value), 4);
    return out;
}

std::string file_of(const std::string& header, const std::string& data) {
    return little_endian(header.size(), 8) + header + data;
}

/// torch.nn.Sequential(Linear(3, 2), ReLU(), Linear(2, 1)) with weights
/// W0 = [[1, 2, 3], [-1, 0.5, -2]], b0 = [0.5, -1], W2 = [[2, -3]], b2 = [0.25].
std::string pytorch_state_dict() {
    const std::string header = R"({"__metadata__":{"format":"pt"},)"
                               R"("0.bias":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                               R"("0.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[8,32]},)"
                               R"("2.bias":{"dtype":"F32","shape":[1],"data_offsets":[32,36]},)"
                               R"("2.weight":{"dtype":"F32","shape":[1,2],"data_offsets":[36,44]}})";
    const std::string data = f32s({0.5f, -1.0f}) + f32s({1, 2, 3, -1, 0.5f, -2}) + f32s({0.25f}) + f32s({2, -3});
    return file_of(header, data);
}

template <class T>
neuro::Sequential<T> pytorch_architecture() {
    neuro::Sequential<T> model(3);
    model.add(neuro::Dense<T>(3, 2));
    model.add(neuro::ReLU<T>());
    model.add(neuro::Dense<T>(2, 1));
    return model;
}

}  // namespace

TEMPLATE_TEST_CASE("A saved model loads back and predicts exactly what it predicted", "[model][persistence]", float,
                   double) {
    using T = TestType;
    TemporaryDirectory directory;
    const fs::path path = directory / "model.safetensors";
    const Matrix<T> x = random_matrix<T>(20, 4, 2);

    SECTION("a compiled model comes back compiled with its loss and optimizer") {
        auto model = trained_model<T>();
        neuro::save_model(model, path);
        auto loaded = neuro::load_model<T>(path);

        CHECK(loaded.predict(x) == model.predict(x));
        CHECK(Vector<T>(loaded.parameters()) == Vector<T>(model.parameters()));
        CHECK(loaded.seed() == model.seed());
        CHECK(loaded.summary() == model.summary());
        for (std::size_t i = 0; i < model.size(); ++i) {
            CHECK(loaded.layer_at(i).type_name() == model.layer_at(i).type_name());
            CHECK(loaded.layer_at(i).settings() == model.layer_at(i).settings());
        }
        REQUIRE(loaded.is_compiled());
        CHECK(loaded.loss().type_name() == "CategoricalCrossEntropy");
        CHECK(loaded.optimizer().type_name() == "Adam");
        CHECK(loaded.optimizer().settings() == model.optimizer().settings());
        CHECK(loaded.optimizer().steps() == 0);  // the optimizer's state was not saved
        CHECK(loaded.evaluate(x, classes_for(x)).loss == model.evaluate(x, classes_for(x)).loss);
    }
    SECTION("a model that was never compiled comes back uncompiled") {
        auto model = mixed_layers<T>();
        model.parameters() = random_matrix<T>(model.parameters().size(), 1, 9);
        model.save(path);
        const auto loaded = neuro::Sequential<T>::load(path.string());
        CHECK(!loaded.is_compiled());
        CHECK(loaded.predict(x) == model.predict(x));
    }
    SECTION("a Huber loss and SGD keep their settings") {
        auto model = pytorch_architecture<T>();
        neuro::SGD<T> sgd(T(0.05), T(0.9), true);
        sgd.set_clip_norm(2.5);
        model.compile(sgd, neuro::Huber<T>(T(0.3)));
        neuro::save_model(model, path);
        auto loaded = neuro::load_model<T>(path);
        CHECK(loaded.optimizer().settings() == model.optimizer().settings());
        CHECK(loaded.loss().settings() == model.loss().settings());
    }
}

TEMPLATE_TEST_CASE("load_weights fills a model built in code with the saved weights", "[model][persistence]", float,
                   double) {
    using T = TestType;
    TemporaryDirectory directory;
    const fs::path path = directory / "model.safetensors";
    const auto model = trained_model<T>();
    model.save(path);

    auto rebuilt = mixed_layers<T>(99);  // another seed: other initial weights
    REQUIRE(Vector<T>(rebuilt.parameters()) != Vector<T>(model.parameters()));
    rebuilt.load_weights(path);
    CHECK(Vector<T>(rebuilt.parameters()) == Vector<T>(model.parameters()));
    const Matrix<T> x = random_matrix<T>(10, 4, 3);
    CHECK(rebuilt.predict(x) == model.predict(x));
}

TEMPLATE_TEST_CASE("The file names and shapes tensors as PyTorch's state_dict and describes the model",
                   "[model][persistence]", float, double) {
    using T = TestType;
    TemporaryDirectory directory;
    const fs::path path = directory / "model.safetensors";
    auto model = trained_model<T>();

    SECTION("without the optimizer") {
        neuro::save_model(model, path);
        const auto file = neuro::io::read_safetensors(path);
        CHECK(shapes_in<T>(file) == std::map<std::string, Shape>{{"0.weight", {6, 4}},
                                                                 {"0.bias", {6}},
                                                                 {"2.weight", {5, 6}},
                                                                 {"2.bias", {5}},
                                                                 {"5.weight", {3, 5}}});
        // Row-major [outputs, inputs], as torch.nn.Linear.weight.
        CHECK(file.tensor_as_matrix<T>("2.weight") == model.template layer<neuro::Dense<T>>(2).weight());
        CHECK(file.tensor_as_matrix<T>("2.bias") == model.template layer<neuro::Dense<T>>(2).bias());

        const auto& metadata = file.metadata();
        CHECK(metadata.at("format") == "neuro");
        CHECK(metadata.at("neuro_version") == NEURO_PROJECT_VERSION);  // project(VERSION) in CMakeLists.txt
        CHECK(metadata.at("scalar") == (std::is_same_v<T, float> ? "float" : "double"));
        CHECK(metadata.at("model_seed") == "17");
        CHECK(!metadata.contains("optimizer_steps"));
        CHECK(!metadata.contains("epoch"));
        CHECK(!metadata.contains("preprocessing"));
        const auto architecture = nlohmann::json::parse(metadata.at("architecture"));
        REQUIRE(architecture.size() == 7);
        CHECK(architecture[1] == nlohmann::json{{"type", "LeakyReLU"}, {"settings", {{"negative_slope", "0.2"}}}});
        CHECK(architecture[4] == nlohmann::json{{"type", "Dropout"}, {"settings", {{"rate", "0.25"}}}});
        CHECK(architecture[6] == nlohmann::json{{"type", "Softmax"}, {"settings", nlohmann::json::object()}});
        CHECK(architecture[5]["settings"]["use_bias"] == "false");
        CHECK(nlohmann::json::parse(metadata.at("loss"))["type"] == "CategoricalCrossEntropy");
        const auto optimizer = nlohmann::json::parse(metadata.at("optimizer"));
        CHECK(optimizer["type"] == "Adam");
        CHECK(optimizer["settings"]["beta1"].template get<double>() == double(T(0.8)));
    }
    SECTION("with the optimizer and the epoch") {
        neuro::save_model(model, path, {.include_optimizer = true, .epoch = 1});
        const auto file = neuro::io::read_safetensors(path);
        const auto count = static_cast<std::uint64_t>(model.parameters().size());
        const auto shapes = shapes_in<T>(file);
        CHECK(shapes.size() == 7);
        CHECK(shapes.at("optimizer.first_moment") == Shape{count});
        CHECK(shapes.at("optimizer.second_moment") == Shape{count});
        CHECK(file.metadata().at("optimizer_steps") == "8");  // 2 epochs of 4 batches
        CHECK(file.metadata().at("epoch") == "1");
        CHECK(neuro::saved_epoch(path) == 1);
        const auto state = model.optimizer().state();
        CHECK(file.tensor_as_matrix<T>("optimizer.second_moment") == state[1].second);
    }
}

TEST_CASE("A layer of the user's own with parameters is saved as its parameter vector", "[model][persistence]") {
    TemporaryDirectory directory;
    const fs::path path = directory / "model.safetensors";
    const auto build = [](std::uint64_t seed) {
        neuro::Sequential<double> model(seed);
        model.add(neuro::Dense<double>(2, 3));
        model.add(Scale<double>(3));
        model.add(neuro::Dense<double>(3, 1));
        return model;
    };
    auto model = build(1);
    model.parameters().segment(9, 3) << 2, 3, 4;  // after Dense(2, 3)'s 6 weights and 3 biases
    model.save(path);

    CHECK(neuro::io::read_safetensors(path).tensor_as_matrix<double>("1.parameters") ==
          Matrix<double>((Matrix<double>(3, 1) << 2, 3, 4).finished()));
    auto rebuilt = build(2);
    rebuilt.load_weights(path);
    CHECK(Vector<double>(rebuilt.parameters()) == Vector<double>(model.parameters()));

    const std::string message = error_of([&] { neuro::load_model<double>(path); });
    CHECK_THAT(message, Contains(path.string()));
    CHECK_THAT(message, Contains("layer 1 of the architecture"));
    CHECK_THAT(message, Contains("unknown layer type \"Scale\""));
    CHECK_THAT(message, Contains("load_weights"));
}

TEMPLATE_TEST_CASE("A PyTorch state_dict written byte by byte loads with load_weights and predicts what its "
                   "weights imply",
                   "[model][persistence]", float, double) {
    using T = TestType;
    TemporaryDirectory directory;
    const fs::path path = directory / "pytorch.safetensors";
    write_bytes(path, pytorch_state_dict());

    auto model = pytorch_architecture<T>();
    model.load_weights(path);
    CHECK(model.template layer<neuro::Dense<T>>(0).weight() == (Matrix<T>(2, 3) << 1, 2, 3, -1, 0.5, -2).finished());
    const Matrix<T> x = (Matrix<T>(2, 3) << 1, 1, 1, 0, -1, 2).finished();
    // Row 0: W0 x + b0 = [6.5, -3.5], ReLU [6.5, 0], 2 * 6.5 + 0.25. Row 1: [4.5, -5.5] -> 9.25.
    CHECK(model.predict(x) == (Matrix<T>(2, 1) << 13.25, 9.25).finished());

    // Weights alone do not say what model they belong to.
    const std::string message = error_of([&] { neuro::load_model<T>(path); });
    CHECK_THAT(message, Contains(path.string()));
    CHECK_THAT(message, Contains("PyTorch"));
    CHECK_THAT(message, Contains("load_weights"));
}

TEST_CASE("load_weights rejects a file that does not fit the model, naming the tensor, layer and shapes, and "
          "leaves the model unchanged",
          "[model][persistence]") {
    TemporaryDirectory directory;
    const fs::path path = directory / "weights.safetensors";
    auto model = pytorch_architecture<float>();
    const Vector<float> before = model.parameters();
    neuro::io::SafetensorsWriter writer;
    writer.add("0.weight", Matrix<float>::Ones(2, 3));
    writer.add("0.bias", Vector<float>::Ones(2));
    writer.add("2.bias", Vector<float>::Ones(1));
    std::string message;

    SECTION("a tensor is missing") {
        writer.write(path);
        message = error_of([&] { model.load_weights(path); });
        CHECK_THAT(message, Contains("no tensor '2.weight' (layer 2, Dense, shape [1, 2])"));
    }
    SECTION("a tensor has the wrong shape") {
        writer.add("2.weight", Matrix<float>::Ones(2, 1));
        writer.write(path);
        message = error_of([&] { model.load_weights(path); });
        CHECK_THAT(message, Contains("tensor '2.weight' (layer 2, Dense) has shape [2, 1], expected [1, 2]"));
    }
    SECTION("a tensor is not finite") {
        writer.add("2.weight", (Matrix<float>(1, 2) << 1, std::numeric_limits<float>::quiet_NaN()).finished());
        writer.write(path);
        message = error_of([&] { model.load_weights(path); });
        CHECK_THAT(message, Contains("tensor '2.weight' (layer 2, Dense) holds nan at [0, 1]"));
    }
    SECTION("a tensor belongs to no layer of the model") {
        writer.add("2.weight", Matrix<float>::Ones(1, 2));
        writer.add("7.weight", Matrix<float>::Ones(1, 2));
        writer.write(path);
        message = error_of([&] { model.load_weights(path); });
        CHECK_THAT(message, Contains("tensor '7.weight' of shape [1, 2], which does not belong to this model "
                                     "(the model has only 3 layers)"));
    }
    SECTION("the file is of a model whose layers have other types") {
        writer.add("1.weight", Matrix<float>::Ones(1, 2));
        writer.add("2.weight", Matrix<float>::Ones(1, 2));
        writer.write(path);
        message = error_of([&] { model.load_weights(path); });
        CHECK_THAT(message, Contains("'1.weight'"));
        CHECK_THAT(message, Contains("layer 1 is a ReLU, which has no parameters"));
    }
    SECTION("the file is not a safetensors file") {
        write_bytes(path, "abc");
        message = error_of([&] { model.load_weights(path); });
        CHECK_THAT(message, Contains("too short"));
    }
    SECTION("there is no file") {
        message = error_of([&] { model.load_weights(directory / "missing.safetensors"); });
        CHECK_THAT(message, Contains("missing.safetensors"));
    }
    CHECK_THAT(message, Contains(".safetensors"));
    CHECK(Vector<float>(model.parameters()) == before);
}

TEST_CASE("load_weights restores optimizer state of the same type, ignores other state, and converts scalars",
          "[model][persistence]") {
    TemporaryDirectory directory;
    const fs::path path = directory / "weights.safetensors";
    auto model = pytorch_architecture<double>();
    model.parameters() = random_matrix<double>(model.parameters().size(), 1, 4);

    SECTION("a model compiled with the same optimizer type gets the saved state and step count") {
        model.compile(neuro::Adam<double>(), neuro::MeanSquaredError<double>());
        model.train_on_batch(random_matrix<double>(4, 3, 5), random_matrix<double>(4, 1, 6));
        neuro::save_model(model, path, true);
        auto rebuilt = pytorch_architecture<double>();
        rebuilt.compile(neuro::Adam<double>(0.5), neuro::MeanSquaredError<double>());
        rebuilt.load_weights(path);
        CHECK(rebuilt.optimizer().steps() == 1);
        CHECK(rebuilt.optimizer().learning_rate() == 0.5);  // the settings stay the model's
        CHECK(rebuilt.optimizer().state()[0].second == model.optimizer().state()[0].second);
        CHECK(rebuilt.optimizer().state()[1].second == model.optimizer().state()[1].second);
    }
    SECTION("optimizer state in a file loaded into an uncompiled model is ignored") {
        model.compile(neuro::Adam<double>(), neuro::MeanSquaredError<double>());
        model.train_on_batch(random_matrix<double>(4, 3, 5), random_matrix<double>(4, 1, 6));
        neuro::save_model(model, path, true);
        auto rebuilt = pytorch_architecture<double>();
        rebuilt.load_weights(path);
        CHECK(Vector<double>(rebuilt.parameters()) == Vector<double>(model.parameters()));
    }
    SECTION("optimizer state for another optimizer type is ignored") {
        model.compile(neuro::Adam<double>(), neuro::MeanSquaredError<double>());
        model.train_on_batch(random_matrix<double>(4, 3, 5), random_matrix<double>(4, 1, 6));
        neuro::save_model(model, path, true);
        auto rebuilt = pytorch_architecture<double>();
        rebuilt.compile(neuro::SGD<double>(0.1, 0.9), neuro::MeanSquaredError<double>());
        rebuilt.load_weights(path);
        CHECK(rebuilt.optimizer().steps() == 0);
        CHECK(rebuilt.optimizer().state()[0].second.isZero());
    }
    SECTION("optimizer state of the same type saved with other settings is an error") {
        model.compile(neuro::SGD<double>(0.1), neuro::MeanSquaredError<double>());
        neuro::save_model(model, path, true);
        auto rebuilt = pytorch_architecture<double>();
        rebuilt.compile(neuro::SGD<double>(0.1, 0.9), neuro::MeanSquaredError<double>());
        const std::string message = error_of([&] { rebuilt.load_weights(path); });
        CHECK_THAT(message, Contains("no tensor 'optimizer.velocity'"));
        CHECK_THAT(message, Contains("call load_weights before compile"));
    }
    SECTION("a double model's file loads into a float model, rounded") {
        model.save(path);
        auto single = pytorch_architecture<float>();
        single.load_weights(path);
        CHECK(Vector<float>(single.parameters()) == Vector<double>(model.parameters()).cast<float>());
        auto loaded = neuro::load_model<float>(path);
        CHECK(Vector<float>(loaded.parameters()) == Vector<double>(model.parameters()).cast<float>());
    }
    SECTION("a float model's file loads into a double model exactly") {
        auto single = pytorch_architecture<float>();
        single.parameters() = random_matrix<float>(single.parameters().size(), 1, 4);
        single.save(path);
        model.load_weights(path);
        CHECK(Vector<double>(model.parameters()) == Vector<float>(single.parameters()).cast<double>());
    }
}

TEST_CASE("load_model names the file and what in its description it cannot rebuild", "[model][persistence]") {
    TemporaryDirectory directory;
    const fs::path saved = directory / "saved.safetensors";
    const fs::path edited = directory / "edited.safetensors";
    auto model = trained_model<double>();
    model.save(saved);
    std::string message;

    SECTION("an unknown layer type") {
        rewrite(saved, edited, [](auto& metadata) {
            auto architecture = nlohmann::json::parse(metadata.at("architecture"));
            architecture[3]["type"] = "Conv2d";
            metadata["architecture"] = architecture.dump();
        });
        message = error_of([&] { neuro::load_model<double>(edited); });
        CHECK_THAT(message, Contains("layer 3 of the architecture: unknown layer type \"Conv2d\""));
    }
    SECTION("a malformed layer setting") {
        rewrite(saved, edited, [](auto& metadata) {
            auto architecture = nlohmann::json::parse(metadata.at("architecture"));
            architecture[1]["settings"]["negative_slope"] = "steep";
            metadata["architecture"] = architecture.dump();
        });
        message = error_of([&] { neuro::load_model<double>(edited); });
        CHECK_THAT(message, Contains("layer 1 of the architecture: LeakyReLU layer: the setting \"negative_slope\" "
                                     "is \"steep\", not a number"));
    }
    SECTION("an architecture that is not JSON") {
        rewrite(saved, edited, [](auto& metadata) { metadata["architecture"] = "[{\"type\":"; });
        message = error_of([&] { neuro::load_model<double>(edited); });
        CHECK_THAT(message, Contains("the metadata \"architecture\" is not valid JSON"));
    }
    SECTION("an unknown optimizer") {
        rewrite(saved, edited, [](auto& metadata) {
            metadata["optimizer"] = R"({"type":"Lion","settings":{"lr":0.1}})";
        });
        message = error_of([&] { neuro::load_model<double>(edited); });
        CHECK_THAT(message, Contains("the metadata \"optimizer\": unknown optimizer type \"Lion\""));
    }
    SECTION("a seed that is not a number") {
        rewrite(saved, edited, [](auto& metadata) { metadata["model_seed"] = "forty-two"; });
        message = error_of([&] { neuro::load_model<double>(edited); });
        CHECK_THAT(message, Contains("the metadata \"model_seed\" is \"forty-two\""));
    }
    SECTION("a tensor the architecture does not have") {
        rewrite(saved, edited, [](auto& metadata) {
            auto architecture = nlohmann::json::parse(metadata.at("architecture"));
            architecture[5]["settings"]["use_bias"] = "true";  // the file has no 5.bias
            metadata["architecture"] = architecture.dump();
        });
        message = error_of([&] { neuro::load_model<double>(edited); });
        CHECK_THAT(message, Contains("no tensor '5.bias' (layer 5, Dense, shape [3])"));
    }
    SECTION("a file that is not safetensors") {
        write_bytes(edited, std::string(64, '\xFF'));
        message = error_of([&] { neuro::load_model<double>(edited); });
        CHECK_THAT(message, Contains("header size"));
    }
    CHECK_THAT(message, Contains(edited.string()));
}

TEST_CASE("save_model refuses what it could not load back", "[model][persistence]") {
    TemporaryDirectory directory;
    const fs::path path = directory / "model.safetensors";
    auto model = pytorch_architecture<float>();
    std::string message;

    SECTION("a model without layers") {
        message = error_of([&] { neuro::save_model(neuro::Sequential<float>(), path); });
        CHECK_THAT(message, Contains("the model has no layers"));
    }
    SECTION("the optimizer of an uncompiled model") {
        message = error_of([&] { model.save(path, true); });
        CHECK_THAT(message, Contains("include_optimizer needs a compiled model"));
    }
    SECTION("weights that are not finite") {
        model.template layer<neuro::Dense<float>>(2).bias()(0) = std::numeric_limits<float>::infinity();
        message = error_of([&] { model.save(path); });
        CHECK_THAT(message, Contains("tensor '2.bias' (layer 2, Dense) holds NaN or inf"));
    }
    SECTION("an epoch below -1") {
        message = error_of([&] { neuro::save_model(model, path, {.epoch = -2}); });
        CHECK_THAT(message, Contains("epoch must be >= 0"));
    }
    CHECK_THAT(message, Contains(path.string()));
    CHECK(!fs::exists(path));
}

TEST_CASE("A failed save leaves the file that was there as it was", "[model][persistence]") {
    TemporaryDirectory directory;
    const fs::path path = directory / "model.safetensors";
    auto small = pytorch_architecture<float>();
    small.save(path);
    const std::string old_content = contents_of(path);

    SECTION("the write fails half-way (a file size limit)") {
        neuro::Sequential<double> large;
        large.add(neuro::Dense<double>(100, 100));
        const neuro::testing::FileSizeLimit limit(old_content.size() + 1024);
        CHECK_THAT(error_of([&] { large.save(path); }), Contains(path.string()));
    }
    SECTION("the parent of the path is a regular file") {
        const fs::path inside_a_file = path / "model.safetensors";
        CHECK_THAT(error_of([&] { small.save(inside_a_file); }), Contains(inside_a_file.string()));
    }
    CHECK(contents_of(path) == old_content);
    CHECK(std::distance(fs::directory_iterator(directory.path()), fs::directory_iterator()) == 1);
}

TEMPLATE_TEST_CASE("Resuming from a file saved with the optimizer ends bit for bit where an uninterrupted fit ends",
                   "[model][persistence]", float, double) {
    using T = TestType;
    TemporaryDirectory directory;
    const fs::path path = directory / "checkpoint.safetensors";
    const Matrix<T> x = random_matrix<T>(40, 4, 8);
    const Matrix<T> y = classes_for(x);
    auto options = quiet(4, 6);  // 30 training rows: a short last batch
    options.shuffle = true;
    options.validation_split = 0.25;

    std::unique_ptr<neuro::Optimizer<T>> optimizer;
    SECTION("Adam") { optimizer = std::make_unique<neuro::Adam<T>>(T(0.01)); }
    SECTION("SGD with momentum") { optimizer = std::make_unique<neuro::SGD<T>>(T(0.05), T(0.9)); }
    auto build = [&] {
        auto model = mixed_layers<T>();  // Dropout makes each epoch's masks matter too
        model.compile(optimizer->clone(), std::make_unique<neuro::CategoricalCrossEntropy<T>>());
        return model;
    };

    auto uninterrupted = build();
    const auto full = uninterrupted.fit(x, y, options);

    auto first_half = build();
    options.epochs = 2;
    first_half.fit(x, y, options);
    neuro::save_model(first_half, path, {.include_optimizer = true, .epoch = 1});

    auto resumed = neuro::load_model<T>(path);
    CHECK(resumed.optimizer().steps() == first_half.optimizer().steps());
    options.initial_epoch = *neuro::saved_epoch(path) + 1;
    options.epochs = 4;
    const auto second_half = resumed.fit(x, y, options);

    CHECK(Vector<T>(resumed.parameters()) == Vector<T>(uninterrupted.parameters()));
    CHECK(second_half.loss == std::vector<double>(full.loss.begin() + 2, full.loss.end()));
    CHECK(second_half.val_loss == std::vector<double>(full.val_loss.begin() + 2, full.val_loss.end()));
    CHECK(resumed.optimizer().steps() == uninterrupted.optimizer().steps());

    // Without the optimizer's state the same resume ends elsewhere: the check above has teeth.
    neuro::save_model(first_half, path);
    auto restarted = neuro::load_model<T>(path);
    options.initial_epoch = 2;
    restarted.fit(x, y, options);
    CHECK(Vector<T>(restarted.parameters()) != Vector<T>(uninterrupted.parameters()));
}

// ---- fitted preprocessing saved with the model ----

namespace {

/// Same size and the same bytes: -0.0 differs from 0.0 here, as it does not under ==.
template <class A, class B>
bool same_bits(const A& a, const B& b) {
    static_assert(std::is_same_v<typename A::Scalar, typename B::Scalar>);
    if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
    // memcmp must not see the null data pointer of an empty vector, even for zero bytes.
    return a.size() == 0 ||
           std::memcmp(a.derived().data(), b.derived().data(), sizeof(typename A::Scalar) * std::size_t(a.size())) == 0;
}

bool same_state(const neuro::FittedState& a, const neuro::FittedState& b) {
    if (a.size() != b.size()) return false;
    for (const auto& [key, values] : a)
        if (!b.contains(key) || !same_bits(values, b.at(key))) return false;
    return true;
}

/// Training data for the scalers: 4 features on different scales, the last one constant.
Matrix<double> raw_features(Index rows, std::uint64_t seed) {
    Matrix<double> x = random_matrix<double>(rows, 4, seed);
    x.col(0) = x.col(0).array() * 1000.0 + 50.0;
    x.col(1) = x.col(1).array() * 0.001 - 3.0;
    x.col(3).setConstant(7.25);
    return x;
}

/// A file holding only preprocessing: tensors added by `add_tensors`, and `listing` as the
/// metadata "preprocessing" (none when empty).
void write_preprocessing_file(const fs::path& path, const std::string& listing,
                              const std::function<void(neuro::io::SafetensorsWriter&)>& add_tensors) {
    neuro::io::SafetensorsWriter writer;
    add_tensors(writer);
    if (!listing.empty()) writer.set_metadata("preprocessing", listing);
    writer.write(path);
}

}  // namespace

TEMPLATE_TEST_CASE("Fitted scalers saved with the model come back bit for bit and transform as the originals",
                   "[model][persistence][preprocessing]", float, double) {
    using T = TestType;
    TemporaryDirectory directory;
    const fs::path path = directory / "model.safetensors";
    const Matrix<double> train = raw_features(50, 21);
    neuro::StandardScaler standard;
    standard.fit(train);
    neuro::MinMaxScaler min_max(-1.0, 2.0);
    min_max.fit(train);
    auto model = trained_model<T>();
    neuro::save_model(model, path,
                      {.include_optimizer = true,
                       .preprocessing = {{"scaler", {"StandardScaler", standard.state()}},
                                         {"bounds", {"MinMaxScaler", min_max.state()}}}});

    const auto steps = neuro::load_preprocessing(path);
    REQUIRE(steps.size() == 2);
    CHECK(steps.at("scaler").type == "StandardScaler");
    CHECK(steps.at("bounds").type == "MinMaxScaler");
    CHECK(same_state(steps.at("scaler").state, standard.state()));
    CHECK(same_state(steps.at("bounds").state, min_max.state()));

    const auto restored_standard = neuro::StandardScaler::from_state(steps.at("scaler").state);
    const auto restored_min_max = neuro::MinMaxScaler::from_state(steps.at("bounds").state);
    // New data, partly outside the training range, in the model's scalar.
    const Matrix<T> x = (raw_features(30, 22) * 1.5).cast<T>();
    CHECK(same_bits(restored_standard.transform(x), standard.transform(x)));
    CHECK(same_bits(restored_min_max.transform(x), min_max.transform(x)));
    CHECK(same_bits(restored_standard.inverse_transform(x), standard.inverse_transform(x)));
    CHECK(same_bits(restored_min_max.inverse_transform(x), min_max.inverse_transform(x)));

    SECTION("the file stores each state entry as a 1-D F64 tensor and lists the steps in the metadata") {
        const auto file = neuro::io::read_safetensors(path);
        for (const auto& [step, key] : {std::pair{"scaler", "mean"}, {"scaler", "scale"}, {"bounds", "data_min"},
                                        {"bounds", "data_max"}, {"bounds", "feature_range"}}) {
            const auto& info = file.info(std::string("preprocessing.") + step + "." + key);
            CHECK(info.dtype == "F64");
            CHECK(info.shape == Shape{std::string(key) == "feature_range" ? 2u : 4u});
        }
        CHECK(nlohmann::json::parse(file.metadata().at("preprocessing")) ==
              nlohmann::json::parse(R"({"bounds": {"type": "MinMaxScaler", "keys": ["data_max", "data_min",
                                        "feature_range"]}, "scaler": {"type": "StandardScaler",
                                        "keys": ["mean", "scale"]}})"));
    }
    SECTION("load_model loads such a file, and the whole pipeline predicts as before") {
        auto loaded = neuro::load_model<T>(path);
        CHECK(Vector<T>(loaded.parameters()) == Vector<T>(model.parameters()));
        CHECK(loaded.optimizer().steps() == model.optimizer().steps());
        CHECK(same_bits(loaded.predict(restored_standard.transform(x)),
                        model.predict(standard.transform(x))));
    }
    SECTION("load_weights ignores the preprocessing tensors") {
        auto rebuilt = mixed_layers<T>(99);
        rebuilt.load_weights(path);
        CHECK(Vector<T>(rebuilt.parameters()) == Vector<T>(model.parameters()));
    }
}

TEST_CASE("Preprocessing values come back bit for bit, whatever finite values they are",
          "[model][persistence][preprocessing]") {
    TemporaryDirectory directory;
    const fs::path path = directory / "model.safetensors";
    using limits = std::numeric_limits<double>;
    Vector<double> extremes(8);
    extremes << -0.0, 0.0, limits::denorm_min(), -limits::min(), limits::max(), limits::lowest(), 1.0 / 3.0, 0.1;
    const std::map<std::string, neuro::PreprocessingState> given = {
        {"custom", {"MyStep", {{"extremes", extremes}, {"empty", Vector<double>()}, {"dotted.key", Vector<double>::Ones(1)}}}},
        {"unicode_\u00e9", {"StandardScaler", {{"mean", Vector<double>::Zero(2)}}}},
        {"nothing", {"Stateless", {}}}};
    neuro::save_model(pytorch_architecture<float>(), path, {.preprocessing = given});

    const auto loaded = neuro::load_preprocessing(path);
    REQUIRE(loaded.size() == given.size());
    for (const auto& [step, preprocessing] : given) {
        REQUIRE(loaded.contains(step));
        CHECK(loaded.at(step).type == preprocessing.type);
        CHECK(same_state(loaded.at(step).state, preprocessing.state));
    }
    CHECK(!same_bits(Vector<double>(Vector<double>::Constant(1, -0.0)), Vector<double>(Vector<double>::Zero(1))));  // the check sees the sign
}

TEST_CASE("A file without preprocessing gives none back", "[model][persistence][preprocessing]") {
    TemporaryDirectory directory;
    const fs::path path = directory / "model.safetensors";

    SECTION("saved by neuro without preprocessing") {
        neuro::save_model(trained_model<double>(), path, {.include_optimizer = true});
        CHECK(!neuro::io::read_safetensors(path).metadata().contains("preprocessing"));
    }
    SECTION("a PyTorch state_dict") { write_bytes(path, pytorch_state_dict()); }
    CHECK(neuro::load_preprocessing(path).empty());
}

TEST_CASE("save_model refuses preprocessing it could not load back", "[model][persistence][preprocessing]") {
    TemporaryDirectory directory;
    const fs::path path = directory / "model.safetensors";
    const auto model = pytorch_architecture<double>();
    const neuro::FittedState fine = {{"mean", Vector<double>::Zero(2)}};
    std::map<std::string, neuro::PreprocessingState> steps;
    std::string expected;

    SECTION("a name with a dot") {
        steps = {{"input.scaler", {"StandardScaler", fine}}};
        expected = "preprocessing step \"input.scaler\": the name is not allowed: it holds a '.'";
    }
    SECTION("an empty name") {
        steps = {{"", {"StandardScaler", fine}}};
        expected = "preprocessing step \"\": the name is not allowed: it is empty";
    }
    SECTION("no type") {
        steps = {{"scaler", {"", fine}}};
        expected = "preprocessing step \"scaler\" has no type";
    }
    SECTION("an empty key") {
        steps = {{"scaler", {"StandardScaler", {{"", Vector<double>::Zero(2)}}}}};
        expected = "preprocessing step \"scaler\": its state has an entry with an empty key";
    }
    SECTION("a value that is not finite") {
        steps = {{"scaler", {"StandardScaler", {{"scale", Vector<double>::Constant(3, std::numeric_limits<double>::quiet_NaN())}}}}};
        expected = "preprocessing step \"scaler\": \"scale\" holds nan at [0]; a model file holds only finite values";
    }
    SECTION("an infinite value") {
        Vector<double> values = Vector<double>::Ones(3);
        values[2] = -std::numeric_limits<double>::infinity();
        steps = {{"scaler", {"StandardScaler", {{"mean", values}}}}};
        expected = "\"mean\" holds -inf at [2]";
    }
    SECTION("a type that is not UTF-8") {
        steps = {{"scaler", {"Scaler\xFF", fine}}};
        expected = "the preprocessing names, types and keys must be valid UTF-8";
    }
    const std::string message = error_of([&] { neuro::save_model(model, path, {.preprocessing = steps}); });
    CHECK_THAT(message, Contains(expected));
    CHECK_THAT(message, Contains(path.string()));
    CHECK(!fs::exists(path));
}

TEST_CASE("load_preprocessing rejects a malformed preprocessing entry, naming the file and what is wrong",
          "[model][persistence][preprocessing]") {
    TemporaryDirectory directory;
    const fs::path path = directory / "model.safetensors";
    std::string listing = R"({"scaler": {"type": "StandardScaler", "keys": ["mean", "scale"]}})";
    Vector<double> mean = Vector<double>::Zero(2);
    std::function<void(neuro::io::SafetensorsWriter&)> extra = [](auto&) {};
    std::string expected;

    SECTION("the metadata is not JSON") {
        listing = R"({"scaler": )";
        expected = "the metadata \"preprocessing\" is not valid JSON";
    }
    SECTION("the metadata is not an object") {
        listing = R"(["scaler"])";
        expected = "the metadata \"preprocessing\" is a JSON array, not an object of steps by name";
    }
    SECTION("a step has no type") {
        listing = R"({"scaler": {"keys": ["mean", "scale"]}})";
        expected = "preprocessing step \"scaler\": its metadata is not {\"type\": a non-empty string, \"keys\": an "
                   "array of strings}";
    }
    SECTION("a step's keys are not an array") {
        listing = R"({"scaler": {"type": "StandardScaler", "keys": "mean"}})";
        expected = "preprocessing step \"scaler\": its metadata is not {\"type\"";
    }
    SECTION("a key is not a string") {
        listing = R"({"scaler": {"type": "StandardScaler", "keys": ["mean", 7]}})";
        expected = "preprocessing step \"scaler\": its \"keys\" holds 7, not a non-empty string";
    }
    SECTION("a key is listed twice") {
        listing = R"({"scaler": {"type": "StandardScaler", "keys": ["mean", "scale", "mean"]}})";
        expected = "preprocessing step \"scaler\": the key \"mean\" is listed twice";
    }
    SECTION("a step name holds a dot") {
        listing = R"({"input.scaler": {"type": "StandardScaler", "keys": []}})";
        expected = "preprocessing step \"input.scaler\": the name is not allowed";
    }
    SECTION("a listed tensor is missing") {
        listing = R"({"scaler": {"type": "StandardScaler", "keys": ["mean", "scale", "var"]}})";
        expected = "preprocessing step \"scaler\": the file has no tensor 'preprocessing.scaler.var' for its key "
                   "\"var\"";
    }
    SECTION("a tensor is not 1-D") {
        extra = [](auto& writer) { writer.add("preprocessing.other.mean", Matrix<double>::Zero(2, 1)); };
        listing = R"({"scaler": {"type": "StandardScaler", "keys": ["mean", "scale"]},
                      "other": {"type": "StandardScaler", "keys": ["mean"]}})";
        expected = "preprocessing step \"other\": tensor 'preprocessing.other.mean' has shape [2, 1]; a state entry "
                   "is 1-D [n]";
    }
    SECTION("a value is not finite") {
        mean[1] = std::numeric_limits<double>::quiet_NaN();
        expected = "preprocessing step \"scaler\": tensor 'preprocessing.scaler.mean' holds nan at [1]; a model file "
                   "holds only finite values";
    }
    SECTION("a tensor is not listed") {
        extra = [](auto& writer) { writer.add("preprocessing.scaler.var", Vector<double>::Ones(2)); };
        expected = "tensor 'preprocessing.scaler.var' of shape [2] is not listed in the metadata \"preprocessing\"";
    }
    SECTION("there are preprocessing tensors but no metadata") {
        listing.clear();
        expected = "tensor 'preprocessing.scaler.mean' of shape [2] is not listed";
    }
    write_preprocessing_file(path, listing, [&](auto& writer) {
        writer.add("preprocessing.scaler.mean", mean);
        writer.add("preprocessing.scaler.scale", Vector<double>::Ones(2));
        extra(writer);
    });
    const std::string message = error_of([&] { neuro::load_preprocessing(path); });
    CHECK_THAT(message, Contains("load_preprocessing '" + path.string() + "': "));
    CHECK_THAT(message, Contains(expected));
}

TEST_CASE("load_preprocessing rejects a state tensor of a dtype that is not floating-point",
          "[model][persistence][preprocessing]") {
    TemporaryDirectory directory;
    const fs::path path = directory / "model.safetensors";
    const std::string header = R"({"__metadata__":{"preprocessing":"{\"s\":{\"type\":\"T\",\"keys\":[\"k\"]}}"},)"
                               R"("preprocessing.s.k":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}})";
    write_bytes(path, file_of(header, little_endian(1, 4) + little_endian(2, 4)));
    CHECK_THAT(error_of([&] { neuro::load_preprocessing(path); }),
               Contains("preprocessing step \"s\": tensor 'preprocessing.s.k' has dtype I32; a state entry is F64"));
}

TEST_CASE("A state the file keeps but its step refuses fails in from_state, not in load_preprocessing",
          "[model][persistence][preprocessing]") {
    TemporaryDirectory directory;
    const fs::path path = directory / "model.safetensors";
    // A zero scale is finite, so the file keeps it; only StandardScaler knows it cannot divide by it.
    const neuro::FittedState state = {{"mean", Vector<double>::Zero(2)}, {"scale", Vector<double>::Zero(2)}};
    neuro::save_model(pytorch_architecture<double>(), path, {.preprocessing = {{"scaler", {"StandardScaler", state}}}});
    const auto steps = neuro::load_preprocessing(path);
    CHECK_THAT(error_of([&] { neuro::StandardScaler::from_state(steps.at("scaler").state); }),
               Contains("StandardScaler::from_state: the scale of column 0 is 0"));
}

}  // namespace test_persistence
