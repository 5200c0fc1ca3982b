// ModelCheckpoint: the files it writes (names from the pattern, one per epoch or only on
// improvement, observed through the epoch each file records), that what it saved loads and
// resumes training exactly, and its errors.

#include "../support/models.hpp"

#include <neuro/callbacks/checkpoint.hpp>

#include <neuro/callbacks/callback.hpp>
#include <neuro/callbacks/monitor.hpp>
#include <neuro/core/error.hpp>
#include <neuro/core/random.hpp>
#include <neuro/core/types.hpp>
#include <neuro/layers/activations.hpp>
#include <neuro/layers/dense.hpp>
#include <neuro/losses/mean_squared_error.hpp>
#include <neuro/model/persistence.hpp>
#include <neuro/model/sequential.hpp>
#include <neuro/optimizers/adam.hpp>

#include "../support/temporary_directory.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <Eigen/Core>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace test_checkpoint {

namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using neuro::Index;
using neuro::Matrix;
using neuro::Vector;
using neuro::testing::TemporaryDirectory;

using neuro::testing::random_matrix;

template <class T>
Matrix<T> targets_for(const Matrix<T>& x) {
    Matrix<T> y(x.rows(), 1);
    for (Index i = 0; i < x.rows(); ++i) y(i, 0) = x(i, 0) - T(2) * x(i, 1) + T(0.3) * x(i, 0) * x(i, 0);
    return y;
}

/// A 2-4-1 regression network trained with Adam.
template <class T>
neuro::Sequential<T> regressor() {
    neuro::Sequential<T> model(11);
    model.add(neuro::Dense<T>(2, 4));
    model.add(neuro::Tanh<T>());
    model.add(neuro::Dense<T>(4, 1));
    model.compile(neuro::Adam<T>(T(0.02)), neuro::MeanSquaredError<T>());
    return model;
}

neuro::FitOptions options(int epochs) {
    neuro::FitOptions o;
    o.epochs = epochs;
    o.batch_size = 8;
    o.seed = 3;
    o.validation_split = 0.2;
    o.verbose = 0;
    return o;
}

std::set<std::string> files_in(const fs::path& directory) {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(directory)) names.insert(entry.path().filename().string());
    return names;
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

/// Forwards epoch ends to `inner` with the logs extended by `name` = script[epoch], so that a
/// test decides what is monitored; then calls `after` (to look at what inner did).
template <class T>
class Scripted final : public neuro::Callback<T> {
public:
    Scripted(neuro::Callback<T>& inner, std::string name, std::vector<double> script,
             std::function<void(neuro::Sequential<T>&, int)> after)
        : inner_(inner), name_(std::move(name)), script_(std::move(script)), after_(std::move(after)) {}

    void on_epoch_end(neuro::Sequential<T>& model, int epoch, const neuro::Logs& logs) override {
        neuro::Logs scripted = logs;
        scripted[name_] = script_.at(static_cast<std::size_t>(epoch));
        inner_.on_epoch_end(model, epoch, scripted);
        after_(model, epoch);
    }

private:
    neuro::Callback<T>& inner_;
    std::string name_;
    std::vector<double> script_;
    std::function<void(neuro::Sequential<T>&, int)> after_;
};

}  // namespace

TEMPLATE_TEST_CASE("ModelCheckpoint saves every epoch to the path its pattern names", "[callbacks][checkpoint]", float,
                   double) {
    using T = TestType;
    TemporaryDirectory directory;
    const Matrix<T> x = random_matrix<T>(40, 2, 1);
    auto model = regressor<T>();
    std::vector<Vector<T>> weights_after_epoch;
    neuro::LambdaCallback<T> recorder;
    recorder.epoch_end = [&](neuro::Sequential<T>& m, int, const neuro::Logs&) {
        weights_after_epoch.emplace_back(m.parameters());
    };

    SECTION("{epoch} is the 1-based epoch number") {
        neuro::ModelCheckpoint<T> checkpoint((directory / "ckpt-{epoch}.safetensors").string());
        model.fit(x, targets_for(x), options(3), {&checkpoint, &recorder});
        CHECK(files_in(directory.path()) ==
              std::set<std::string>{"ckpt-1.safetensors", "ckpt-2.safetensors", "ckpt-3.safetensors"});
        CHECK(checkpoint.last_saved() == directory / "ckpt-3.safetensors");
        for (int epoch = 0; epoch < 3; ++epoch) {
            const fs::path path = directory / fmt::format("ckpt-{}.safetensors", epoch + 1);
            CHECK(neuro::saved_epoch(path) == epoch);
            const auto loaded = neuro::load_model<T>(path);
            CHECK(Vector<T>(loaded.parameters()) == weights_after_epoch[static_cast<std::size_t>(epoch)]);
        }
        CHECK(neuro::load_model<T>(directory / "ckpt-3.safetensors").predict(x) == model.predict(x));
    }
    SECTION("{epoch:03} pads it, and the epoch logs fill placeholders of their names") {
        neuro::ModelCheckpoint<T> checkpoint((directory / "ckpt-{epoch:03}-{val_loss:.4f}.safetensors").string());
        const auto history = model.fit(x, targets_for(x), options(2), {&checkpoint});
        CHECK(files_in(directory.path()) ==
              std::set<std::string>{fmt::format("ckpt-001-{:.4f}.safetensors", history.val_loss[0]),
                                    fmt::format("ckpt-002-{:.4f}.safetensors", history.val_loss[1])});
    }
    SECTION("a pattern without {epoch} keeps only the last epoch") {
        neuro::ModelCheckpoint<T> checkpoint((directory / "last.safetensors").string());
        model.fit(x, targets_for(x), options(3), {&checkpoint, &recorder});
        CHECK(files_in(directory.path()) == std::set<std::string>{"last.safetensors"});
        CHECK(neuro::saved_epoch(directory / "last.safetensors") == 2);
        CHECK(Vector<T>(neuro::load_model<T>(directory / "last.safetensors").parameters()) ==
              weights_after_epoch.back());
    }
}

TEST_CASE("With save_best_only ModelCheckpoint saves only when the monitored value improves",
          "[callbacks][checkpoint]") {
    TemporaryDirectory directory;
    const Matrix<double> x = random_matrix<double>(40, 2, 2);
    auto model = regressor<double>();
    const fs::path best = directory / "best.safetensors";
    std::vector<std::optional<int>> epoch_in_file;
    std::vector<bool> file_matches_model;
    const auto look = [&](neuro::Sequential<double>& m, int) {
        epoch_in_file.push_back(neuro::saved_epoch(best));
        file_matches_model.push_back(Vector<double>(neuro::load_model<double>(best).parameters()) ==
                                     Vector<double>(m.parameters()));
    };

    SECTION("lower is better for a loss") {
        neuro::ModelCheckpoint<double> checkpoint(best.string(), "score_loss", true);
        Scripted<double> scripted(checkpoint, "score_loss", {3, 2, 2.5, 1, 1}, look);
        model.fit(x, targets_for(x), options(5), {&scripted});
        CHECK(epoch_in_file == std::vector<std::optional<int>>{0, 1, 1, 3, 3});
        CHECK(file_matches_model == std::vector<bool>{true, true, false, true, false});
        CHECK(checkpoint.best() == 1);
    }
    SECTION("higher is better in Max mode") {
        neuro::ModelCheckpoint<double> checkpoint(best.string(), "score", true, neuro::Mode::Max);
        Scripted<double> scripted(checkpoint, "score", {3, 2, 2.5, 4, 1}, look);
        model.fit(x, targets_for(x), options(5), {&scripted});
        CHECK(epoch_in_file == std::vector<std::optional<int>>{0, 0, 0, 3, 3});
        CHECK(checkpoint.best() == 4);
    }
    SECTION("with {epoch} in the pattern, only improving epochs have a file") {
        neuro::ModelCheckpoint<double> checkpoint((directory / "best-{epoch}.safetensors").string(), "score_loss",
                                                  true);
        Scripted<double> scripted(checkpoint, "score_loss", {3, 2, 2.5, 1, 1}, [](auto&, int) {});
        model.fit(x, targets_for(x), options(5), {&scripted});
        CHECK(files_in(directory.path()) ==
              std::set<std::string>{"best-1.safetensors", "best-2.safetensors", "best-4.safetensors"});
    }
    SECTION("the best is kept across fits, so a resumed fit does not overwrite a better file") {
        neuro::ModelCheckpoint<double> checkpoint(best.string(), "score_loss", true);
        Scripted<double> scripted(checkpoint, "score_loss", {3, 1, 2, 0.5}, look);
        model.fit(x, targets_for(x), options(2), {&scripted});
        auto resumed = options(4);
        resumed.initial_epoch = 2;
        model.fit(x, targets_for(x), resumed, {&scripted});
        CHECK(epoch_in_file == std::vector<std::optional<int>>{0, 1, 1, 3});
    }
}

TEST_CASE("A checkpoint saved with the optimizer resumes training bit for bit", "[callbacks][checkpoint]") {
    TemporaryDirectory directory;
    const Matrix<float> x = random_matrix<float>(40, 2, 3);
    const Matrix<float> y = targets_for(x);

    auto uninterrupted = regressor<float>();
    uninterrupted.fit(x, y, options(4));

    auto interrupted = regressor<float>();
    neuro::ModelCheckpoint<float> checkpoint((directory / "ckpt-{epoch}.safetensors").string(), "val_loss", false,
                                             neuro::Mode::Auto, true);
    interrupted.fit(x, y, options(3), {&checkpoint});

    // Resume from the end of the second epoch, as if the third had never run.
    const fs::path path = directory / "ckpt-2.safetensors";
    auto resumed = neuro::load_model<float>(path);
    auto remaining = options(4);
    remaining.initial_epoch = *neuro::saved_epoch(path) + 1;
    resumed.fit(x, y, remaining);
    CHECK(Vector<float>(resumed.parameters()) == Vector<float>(uninterrupted.parameters()));
}

TEST_CASE("ModelCheckpoint errors name the pattern, the path or the monitored quantity", "[callbacks][checkpoint]") {
    TemporaryDirectory directory;
    const Matrix<double> x = random_matrix<double>(20, 2, 4);
    auto model = regressor<double>();
    const auto fit_with = [&](neuro::ModelCheckpoint<double>& checkpoint, neuro::FitOptions o) {
        return error_of([&] { model.fit(x, targets_for(x), o, {&checkpoint}); });
    };

    SECTION("a placeholder the logs do not have") {
        const std::string pattern = (directory / "ckpt-{accuracy}.safetensors").string();
        neuro::ModelCheckpoint<double> checkpoint(pattern);
        const std::string message = fit_with(checkpoint, options(1));
        CHECK_THAT(message, Contains(pattern));
        CHECK_THAT(message, Contains("epoch, loss, val_loss"));
    }
    SECTION("a directory that does not exist") {
        const fs::path path = directory / "missing" / "ckpt.safetensors";
        neuro::ModelCheckpoint<double> checkpoint(path.string());
        CHECK_THAT(fit_with(checkpoint, options(1)), Contains(path.string()));
    }
    SECTION("save_best_only on val_loss without validation data") {
        neuro::ModelCheckpoint<double> checkpoint((directory / "best.safetensors").string(), "val_loss", true);
        auto o = options(1);
        o.validation_split = 0;
        const std::string message = fit_with(checkpoint, o);
        CHECK_THAT(message, Contains("ModelCheckpoint"));
        CHECK_THAT(message, Contains("\"val_loss\""));
    }
    SECTION("an empty pattern") {
        CHECK_THAT(error_of([] { neuro::ModelCheckpoint<double> checkpoint(""); }), Contains("pattern is empty"));
    }
    CHECK(files_in(directory.path()).empty());
}

}  // namespace test_checkpoint
