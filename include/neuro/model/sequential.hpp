#pragma once
// Sequential: a stack of layers trained as one model.

#include "neuro/callbacks/callback.hpp"
#include "neuro/callbacks/progress.hpp"
#include "neuro/core/error.hpp"
#include "neuro/core/huge_pages.hpp"
#include "neuro/core/parallel.hpp"
#include "neuro/core/vectorized.hpp"
#include "neuro/core/random.hpp"
#include "neuro/core/types.hpp"
#include "neuro/layers/dense.hpp"
#include "neuro/layers/layer.hpp"
#include "neuro/losses/loss.hpp"
#include "neuro/losses/sample_weighting.hpp"
#include "neuro/metrics/training_metrics.hpp"
#include "neuro/model/communicator.hpp"
#include "neuro/model/fit_options.hpp"
#include "neuro/model/history.hpp"
#include "neuro/model/workspace.hpp"
#include "neuro/optimizers/optimizer.hpp"
#include "neuro/preprocessing/augment.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <initializer_list>
#include <iostream>
#include <memory>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace neuro {

/// Any Eigen matrix expression of scalar T: what fit, evaluate and predict accept.
template <class M, class T>
concept MatrixOf = std::derived_from<M, Eigen::MatrixBase<M>> && std::same_as<typename M::Scalar, T>;

namespace detail {

/// Matrices and maps are read in place; other expressions are evaluated once.
template <class M>
constexpr bool has_direct_storage = std::is_base_of_v<Eigen::PlainObjectBase<M>, M> ||
                                    std::is_base_of_v<Eigen::MapBase<M, Eigen::ReadOnlyAccessors>, M>;

template <class M, class F>
decltype(auto) with_storage(const M& matrix, F&& use) {
    if constexpr (has_direct_storage<M>)
        return use(matrix);
    else
        return use(matrix.eval());
}

/// True once neuro/model/persistence.hpp is included (it specializes this), so that save and
/// load without it fail to compile with a message rather than to link.
template <class Dependent, class = void>
struct persistence_included : std::false_type {};

}  // namespace detail

template <Scalar T>
class Sequential;

/// Defined in neuro/model/persistence.hpp; declared here for Sequential::load.
template <Scalar T>
Sequential<T> load_model(const std::filesystem::path& path);

/// Represents: a feed-forward network, the layers applied in the order they were added,
/// with all trainable parameters in one contiguous vector that each layer views a slice of.
/// Requires: layers whose widths chain (checked by add); compile before fit and evaluate.
/// Ensures: weights are drawn when a layer is added, from the model's seed, so two models
/// built the same way start equal; fit never re-draws them. predict and evaluate are const
/// and may run on several threads at once. Every misuse throws neuro::Error naming the
/// layer (index and type) or the argument, with the expected and actual shapes.
/// Data at the boundary is N x F, one sample per row; inside, batches are F x batch.
template <Scalar T>
class Sequential {
public:
    /// Callbacks for fit, owned by the caller.
    using Callbacks = std::vector<Callback<T>*>;

    explicit Sequential(std::uint64_t seed = 42) : seed_(seed), random_(seed) {}

    Sequential(const Sequential& other)
        : seed_(other.seed_), random_(other.random_), input_width_(other.input_width_),
          input_layer_(other.input_layer_), output_width_(other.output_width_), compiled_layers_(other.compiled_layers_),
          parameters_(other.parameters_), gradients_(other.gradients_),
          optimizer_(other.optimizer_ ? other.optimizer_->clone() : nullptr),
          loss_(other.loss_ ? other.loss_->clone() : nullptr), metrics_(other.metrics_),
          communicator_(other.communicator_) {
        for (const auto& layer : other.layers_) layers_.push_back(layer->clone());
        bind_layers();
    }

    Sequential& operator=(const Sequential& other) {
        if (this != &other) *this = Sequential(other);
        return *this;
    }

    Sequential(Sequential&&) noexcept = default;  // Eigen's move keeps the buffers, so the bindings hold
    Sequential& operator=(Sequential&&) noexcept = default;
    ~Sequential() = default;

    /// Appends a copy of `layer` and draws its initial parameters from the model's seed.
    /// Throws neuro::Error when its input width does not match the previous layers' output.
    template <class L>
        requires std::derived_from<std::remove_cvref_t<L>, Layer<T>>
    Sequential& add(L&& layer) {
        return add(std::unique_ptr<Layer<T>>(std::make_unique<std::remove_cvref_t<L>>(std::forward<L>(layer))));
    }

    Sequential& add(std::unique_ptr<Layer<T>> layer) {
        if (!layer) fail("add: the layer is null");
        check_chains(*layer);
        const Index old_count = parameters_.size();
        const Index new_count = old_count + layer->parameter_count();
        Vector<T> parameters = detail::zeros_on_huge_pages<T>(new_count);
        parameters.head(old_count) = parameters_;
        parameters_.swap(parameters);
        gradients_ = detail::zeros_on_huge_pages<T>(new_count);
        layers_.push_back(std::move(layer));
        bind_layers();
        layers_.back()->initialize_parameters(random_);
        return *this;
    }

    /// Sets the optimizer and the loss (copies of them) and resets the optimizer's state.
    template <class O, class L>
        requires std::derived_from<O, Optimizer<T>> && std::derived_from<L, Loss<T>>
    void compile(const O& optimizer, const L& loss, std::vector<std::string> metrics = {}) {
        compile(optimizer.clone(), loss.clone(), std::move(metrics));
    }

    /// The same, taking ownership (e.g. of what make_optimizer and make_loss build).
    void compile(std::unique_ptr<Optimizer<T>> optimizer, std::unique_ptr<Loss<T>> loss,
                 std::vector<std::string> metrics = {}) {
        if (layers_.empty()) fail("compile: the model has no layers; add layers first");
        if (!optimizer || !loss) fail("compile: the optimizer or the loss is null");
        metrics_ = MetricSet(std::move(metrics), loss->type_name());
        optimizer_ = std::move(optimizer);
        loss_ = std::move(loss);
        optimizer_->reset(parameters_.size());
        compiled_layers_ = layers_.size();
    }

    /// Layer `index` as the Layer interface (type_name, settings, parameters).
    const Layer<T>& layer_at(std::size_t index) const {
        if (index >= layers_.size())
            fail("layer_at({}): index out of range, the model has {} layers", index, layers_.size());
        return *layers_[index];
    }

    bool is_compiled() const { return optimizer_ != nullptr; }

    /// Trains on x (N x F) and y (N x outputs; N x 1 class indices for sparse categorical
    /// cross-entropy), holding out options.validation_split of the rows from the end.
    template <MatrixOf<T> X, MatrixOf<T> Y>
    History fit(const X& x, const Y& y, const FitOptions& options = {}, const Callbacks& callbacks = {}) {
        return collectively([&] {
            return detail::with_storage(x, [&](const auto& xs) {
                return detail::with_storage(y, [&](const auto& ys) { return fit_split(xs, ys, options, callbacks); });
            });
        });
    }

    /// Trains on x and y, reporting val_loss on the given validation data each epoch
    /// (options.validation_split must be 0).
    template <MatrixOf<T> X, MatrixOf<T> Y, MatrixOf<T> XV, MatrixOf<T> YV>
    History fit(const X& x, const Y& y, const XV& x_validation, const YV& y_validation,
                const FitOptions& options = {}, const Callbacks& callbacks = {}) {
        return collectively([&] { return fit_validated(x, y, x_validation, y_validation, options, callbacks); });
    }

    /// The model's outputs for x (N x F): N x outputs, probabilities after Sigmoid/Softmax.
    /// Training-only layers (dropout) are off. Const and safe to call from several threads.
    /// Distributed (see set_communicator), each rank computes a share of the rows and every
    /// rank returns all of them.
    template <MatrixOf<T> X>
    Matrix<T> predict(const X& x, Index batch_size = 256) const {
        return collectively([&] {
            require_layers("predict");
            check_batch_size(batch_size, "predict");
            return detail::with_storage(x, [&](const auto& xs) {
                check_features(xs, "predict", "");
                check_finite(xs, "predict", "X");
                agree_on_shape({xs.rows(), xs.cols()});
                Matrix<T> result(xs.rows(), output_width(xs.cols()));
                const auto [first, rows] = shard(xs.rows());
                if (distributed()) result.setZero();  // the other ranks' rows, for the sum
                predict_rows(xs, first, first + rows, batch_size, result);
                if (distributed()) communicator_->allreduce_sum(std::span<T>(result.data(), result.size()));
                return result;
            });
        });
    }

    /// The mean loss over x and y (including regularization terms). Const and thread-safe.
    /// Distributed, each rank evaluates a share of the rows and every rank returns the whole.
    template <MatrixOf<T> X, MatrixOf<T> Y>
    Evaluation evaluate(const X& x, const Y& y, Index batch_size = 256) const {
        return collectively([&] {
            require_compiled("evaluate");
            check_batch_size(batch_size, "evaluate");
            return detail::with_storage(x, [&](const auto& xs) {
                return detail::with_storage(y, [&](const auto& ys) {
                    check_data(xs, ys, "evaluate");
                    agree_on_shape({xs.rows(), xs.cols()});
                    Workspace<T> workspace;
                    Matrix<T> outputs(metrics_.empty() ? 0 : xs.rows(), output_width(xs.cols()));
                    Evaluation evaluation{mean_loss(Data{xs, ys, 0, xs.rows()}, workspace, batch_size, outputs), {}};
                    if (!metrics_.empty()) metrics_.compute(ys, outputs, "", evaluation.metrics);
                    return evaluation;
                });
            });
        });
    }

    /// Makes fit, evaluate and predict run data-parallel over the ranks of `communicator`
    /// (owned by the caller, e.g. a neuro::MpiCommunicator; nullptr: this process alone).
    /// Requires: every rank builds the same model, passes the same data and calls the same
    /// functions in the same order. Ensures: see "Data-parallel training with MPI" in the
    /// README: fit broadcasts rank 0's weights and optimizer state, then keeps the weights
    /// bit-identical on every rank; a world of one rank trains exactly as without one.
    /// train_on_batch and compute_gradients stay local to each rank. Copies of the model
    /// share the communicator.
    void set_communicator(Communicator* communicator) { communicator_ = communicator; }
    Communicator* communicator() const { return communicator_; }

    /// One optimizer step on the batch (x, y), all rows; returns the batch's loss.
    /// Throws neuro::Error, as fit does, when the loss or a gradient is not finite (the
    /// weights are left as they were) and when the update overflows the weights.
    template <MatrixOf<T> X, MatrixOf<T> Y>
    double train_on_batch(const X& x, const Y& y) {
        const double loss = gradients_on_batch(x, y, "train_on_batch");
        if (!finite_step(loss))
            fail("train_on_batch: {}: training diverged. The weights are unchanged; {}", divergence(loss),
                 divergence_remedies);
        if (!optimizer_->step(parameters(), gradients())) fail("train_on_batch: {}", update_overflow());
        return loss;
    }

    /// Forward and backward over all of (x, y) as one batch, leaving d loss / d parameters
    /// in gradients(); returns the loss. No update. Dropout draws from a generator seeded 0.
    template <MatrixOf<T> X, MatrixOf<T> Y>
    double compute_gradients(const X& x, const Y& y) {
        return gradients_on_batch(x, y, "compute_gradients");
    }

    /// A Keras-style table: each layer's index, type, output width and parameter count.
    std::string summary() const {
        std::string table = fmt::format("{:<7}{:<14}{:>14}{:>12}\n", "Index", "Layer", "Output width", "Params");
        table += std::string(47, '-') + "\n";
        std::optional<Index> width = input_width_;
        for (std::size_t i = 0; i < layers_.size(); ++i) {
            if (width) width = layers_[i]->output_width(*width);
            table += fmt::format("{:<7}{:<14}{:>14}{:>12}\n", i, layers_[i]->type_name(),
                                 width ? fmt::format("{}", *width) : std::string("?"),
                                 layers_[i]->parameter_count());
        }
        table += std::string(47, '=') + "\n";
        table += fmt::format("Total params: {}\n", parameters_.size());
        return table;
    }

    /// The number of layers, activations included.
    std::size_t size() const { return layers_.size(); }

    /// Layer `index` (counting every layer, as torch.nn.Sequential does) as type L.
    /// Throws neuro::Error for an index out of range or a layer of another type.
    template <class L>
        requires std::derived_from<L, Layer<T>>
    L& layer(std::size_t index) {
        return const_cast<L&>(std::as_const(*this).template layer<L>(index));
    }

    template <class L>
        requires std::derived_from<L, Layer<T>>
    const L& layer(std::size_t index) const {
        if (index >= layers_.size())
            fail("layer({}): index out of range, the model has {} layers", index, layers_.size());
        const auto* typed = dynamic_cast<const L*>(layers_[index].get());
        if (!typed)
            fail("layer({}): the layer is a {}, not the type asked for", index, layers_[index]->type_name());
        return *typed;
    }

    /// The width of the input the model expects, once a layer fixes it.
    std::optional<Index> input_width() const { return input_width_; }

    /// All parameters, layer after layer (each Dense: W column-major, then b).
    VectorView<T> parameters() { return VectorView<T>(parameters_.data(), parameters_.size()); }
    ConstVectorView<T> parameters() const { return ConstVectorView<T>(parameters_.data(), parameters_.size()); }
    /// d loss / d parameters from the last training step, laid out as parameters().
    VectorView<T> gradients() { return VectorView<T>(gradients_.data(), gradients_.size()); }
    ConstVectorView<T> gradients() const { return ConstVectorView<T>(gradients_.data(), gradients_.size()); }

    /// The compiled optimizer, e.g. to change the learning rate between epochs.
    Optimizer<T>& optimizer() {
        require_compiled("optimizer");
        return *optimizer_;
    }
    const Optimizer<T>& optimizer() const {
        require_compiled("optimizer");
        return *optimizer_;
    }
    const Loss<T>& loss() const {
        require_compiled("loss");
        return *loss_;
    }

    std::uint64_t seed() const { return seed_; }

    /// Asks a running fit to stop after the current batch (for callbacks).
    void stop_training() { stop_requested_ = true; }

    /// Writes the model to a .safetensors file (see neuro/model/persistence.hpp, which must be included).
    template <class Path = std::filesystem::path>
    void save(const Path& path, bool include_optimizer = false) const {
        static_assert(detail::persistence_included<Path>::value,
                      "Sequential::save needs #include <neuro/model/persistence.hpp>");
        save_model(*this, std::filesystem::path(path), include_optimizer);
    }
    /// Fills the weights from a .safetensors file (see load_model_weights in neuro/model/persistence.hpp).
    template <class Path = std::filesystem::path>
    void load_weights(const Path& path) {
        static_assert(detail::persistence_included<Path>::value,
                      "Sequential::load_weights needs #include <neuro/model/persistence.hpp>");
        load_model_weights(*this, std::filesystem::path(path));
    }
    /// The model saved in a .safetensors file (see load_model in neuro/model/persistence.hpp).
    template <class Path = std::filesystem::path>
    static Sequential load(const Path& path) {
        static_assert(detail::persistence_included<Path>::value,
                      "Sequential::load needs #include <neuro/model/persistence.hpp>");
        return load_model<T>(std::filesystem::path(path));
    }

private:
    /// Rows [begin, end) of a data set held as x (N x F) and y (N x targets).
    template <class X, class Y>
    struct Data {
        const X& x;
        const Y& y;
        Index begin;
        Index end;
        Index rows() const { return end - begin; }
    };
    template <class X, class Y>
    Data(const X&, const Y&, Index, Index) -> Data<X, Y>;

    /// What fit does to each gathered batch beyond the forward and backward pass.
    struct BatchSetup {
        std::vector<T> sample_weights;  // one per row of the data (empty: unweighted)
        BatchAugmenter<T> augmenter;
    };

    template <class X, class Y, class XV, class YV>
    History fit_validated(const X& x, const Y& y, const XV& x_validation, const YV& y_validation,
                          const FitOptions& options, const Callbacks& callbacks) {
        require_compiled("fit");
        if (options.validation_split != 0)
            fail("fit: pass either validation data or validation_split, not both (validation_split = {})",
                 options.validation_split);
        return detail::with_storage(x, [&](const auto& xs) {
            return detail::with_storage(y, [&](const auto& ys) {
                return detail::with_storage(x_validation, [&](const auto& xv) {
                    return detail::with_storage(y_validation, [&](const auto& yv) {
                        check_data(xv, yv, "fit", "validation ");
                        const Data validation{xv, yv, 0, xv.rows()};
                        check_data(xs, ys, "fit");
                        return train(Data{xs, ys, 0, xs.rows()}, &validation, options, callbacks);
                    });
                });
            });
        });
    }

    template <class X, class Y>
    double gradients_on_batch(const X& x, const Y& y, const char* operation) {
        require_compiled(operation);
        return detail::with_storage(x, [&](const auto& xs) {
            return detail::with_storage(y, [&](const auto& ys) {
                check_data(xs, ys, operation);
                const Index rows = xs.rows();
                const Index targets = loss_->target_width(output_width(xs.cols()));
                training_workspace_.reserve(layers_, xs.cols(), targets, rows, true);
                gather_rows(xs, 0, rows, training_workspace_.activation(0, rows));
                gather_rows(ys, 0, rows, training_workspace_.targets(targets, rows));
                Random random(0);
                return forward_backward(rows, targets, random);
            });
        });
    }

    template <class X, class Y>
    History fit_split(const X& x, const Y& y, const FitOptions& options, const Callbacks& callbacks) {
        require_compiled("fit");
        if (!(options.validation_split >= 0 && options.validation_split < 1))
            fail("fit: validation_split must be in [0, 1), got {}", options.validation_split);
        check_data(x, y, "fit");
        const auto training_rows =
            static_cast<Index>(std::floor(static_cast<double>(x.rows()) * (1.0 - options.validation_split)));
        if (training_rows == 0)
            fail("fit: validation_split = {} leaves no training samples out of {}", options.validation_split,
                 x.rows());
        if (options.validation_split > 0 && training_rows == x.rows())
            fail("fit: validation_split = {} of {} samples leaves no validation samples", options.validation_split,
                 x.rows());
        const Data<X, Y> validation{x, y, training_rows, x.rows()};
        return train(Data<X, Y>{x, y, 0, training_rows}, training_rows < x.rows() ? &validation : nullptr, options,
                     callbacks);
    }

    template <class X, class Y, class Validation>
    History train(const Data<X, Y>& data, const Validation* validation, const FitOptions& options,
                  const Callbacks& user_callbacks) {
        check_options(options, user_callbacks);
        if (distributed()) start_data_parallel({data.rows(), data.x.cols(), validation ? validation->rows() : 0});
        const Index targets = loss_->target_width(output_width(data.x.cols()));
        const Index batch_size = std::min(options.batch_size, data.rows());
        training_workspace_.reserve(layers_, data.x.cols(), targets, batch_size, true);
        Workspace<T> validation_workspace;
        const Index outputs = output_width(data.x.cols());
        BatchSetup batches{training_sample_weights(data.y, options, outputs), BatchAugmenter<T>(options.augmentation)};
        check_augmentation(options.augmentation, data.x.cols(), targets == outputs);
        batches.augmenter.reserve(data.x.cols(), targets, batch_size);
        batch_weights_.resize(batches.sample_weights.empty() ? 0 : static_cast<std::size_t>(batch_size));

        Callbacks callbacks = user_callbacks;
        std::optional<ProgressLogger<T>> progress;
        if (options.verbose > 0 && (!distributed() || communicator_->rank() == 0)) {
            std::ostream& out = options.output ? *options.output : std::cout;
            callbacks.push_back(&progress.emplace(out, ProgressLogger<T>::is_terminal(out)));
        }
        const TrainingPlan plan{options.initial_epoch, options.epochs, (data.rows() + batch_size - 1) / batch_size,
                                batch_size, data.rows(), validation ? validation->rows() : 0};

        std::vector<Index> order(static_cast<std::size_t>(data.rows()));
        History history;
        const auto planned_epochs = static_cast<std::size_t>(std::max(0, options.epochs - options.initial_epoch));
        history.loss.reserve(planned_epochs);
        if (validation) history.val_loss.reserve(planned_epochs);
        Logs logs{{"loss", 0.0}};
        if (validation) logs.emplace("val_loss", 0.0);
        Logs batch_logs{{"loss", 0.0}};  // a batch has no validation figures
        // The outputs of each epoch, row by row as the data, for the metrics (empty without).
        training_outputs_.resize(metrics_.empty() ? 0 : data.rows(), outputs);
        Matrix<T> validation_outputs(metrics_.empty() || !validation ? 0 : validation->rows(), outputs);

        stop_requested_ = false;
        for (auto* callback : callbacks) callback->on_train_begin(*this, plan);
        for (int epoch = options.initial_epoch; epoch < options.epochs && !stop_requested_; ++epoch) {
            for (auto* callback : callbacks) callback->on_epoch_begin(*this, epoch);
            if (distributed()) training_outputs_.setZero();  // each rank fills its shards' rows
            const auto loss =
                train_epoch(data, targets, batch_size, epoch, options, callbacks, batches, order, batch_logs);
            if (!loss) break;  // diverged, and a callback asked to stop quietly
            if (distributed() && training_outputs_.size() > 0)
                communicator_->allreduce_sum(std::span<T>(training_outputs_.data(), training_outputs_.size()));
            history.loss.push_back(*loss);
            logs.find("loss")->second = *loss;
            if (!metrics_.empty())
                metrics_.compute(data.y.middleRows(data.begin, data.rows()), training_outputs_, "", logs);
            if (validation) {
                history.val_loss.push_back(
                    mean_loss(*validation, validation_workspace, batch_size, validation_outputs));
                logs.find("val_loss")->second = history.val_loss.back();
                if (!metrics_.empty())
                    metrics_.compute(validation->y.middleRows(validation->begin, validation->rows()),
                                     validation_outputs, "val_", logs);
            }
            for (const auto& [name, value] : logs)
                if (name != "loss" && name != "val_loss") history.metrics[name].push_back(value);
            for (auto* callback : callbacks) callback->on_epoch_end(*this, epoch, logs);
        }
        for (auto* callback : callbacks) callback->on_train_end(*this, logs);
        return history;
    }

    /// One pass over the training data in a fresh permutation drawn from (seed, epoch), so
    /// that a fit resumed at any epoch sees the batches an uninterrupted one would. Returns
    /// the batch-size-weighted mean loss of the batches run, or nullopt when the loss stopped
    /// being finite and a callback asked for a quiet stop (otherwise that throws).
    template <class X, class Y>
    std::optional<double> train_epoch(const Data<X, Y>& data, Index targets, Index batch_size, int epoch,
                                      const FitOptions& options, const Callbacks& callbacks, BatchSetup& batches,
                                      std::vector<Index>& order, Logs& batch_logs) {
        Random random(options.seed + 0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(epoch + 1));
        std::iota(order.begin(), order.end(), data.begin);
        if (options.shuffle) random.shuffle(std::span<Index>(order));
        // The same permutation on every rank, but each rank's own dropout masks.
        if (distributed()) random = Random(random.next() + static_cast<std::uint64_t>(communicator_->rank()));
        double loss_sum = 0;
        Index samples = 0;
        for (Index start = 0, batch_index = 0; start < data.rows() && !stop_requested_; start += batch_size, ++batch_index) {
            for (auto* callback : callbacks) callback->on_batch_begin(*this, epoch, batch_index);
            const Index global_batch = std::min(batch_size, data.rows() - start);
            const auto [first, batch] = shard(global_batch);  // the whole batch unless distributed
            const std::span<const Index> rows(order.data() + start + first, static_cast<std::size_t>(batch));
            double loss = 0;
            if (batch > 0) {
                gather_rows(data.x, rows, training_workspace_.activation(0, batch));
                gather_rows(data.y, rows, training_workspace_.targets(targets, batch));
                const std::span<T> weights = gather_weights(batches.sample_weights, rows);
                if (batches.augmenter.enabled())
                    batches.augmenter.apply(training_workspace_.activation(0, batch),
                                            training_workspace_.targets(targets, batch), weights, random);
                loss = forward_backward(batch, targets, random, weights);
                if (training_outputs_.size() > 0) record_outputs(batch, rows, data.begin);
            }
            if (distributed()) loss = sum_over_ranks(loss, batch, global_batch);
            if (!finite_step(loss)) {
                if (std::ranges::none_of(callbacks, [](auto* c) { return c->stops_on_non_finite_loss(); }))
                    fail("fit: {} at epoch {}, batch {}: training diverged. The model keeps the weights of the "
                         "last finite step; {}",
                         divergence(loss), epoch + 1, batch_index + 1, divergence_remedies);
                stop_requested_ = true;
                return std::nullopt;
            }
            if (!optimizer_->step(parameters(), gradients()))
                fail("fit: at epoch {}, batch {}: {}", epoch + 1, batch_index + 1, update_overflow());
            loss_sum += loss * static_cast<double>(global_batch);
            samples += global_batch;
            batch_logs.find("loss")->second = loss_sum / static_cast<double>(samples);
            for (auto* callback : callbacks) callback->on_batch_end(*this, epoch, batch_index, batch_logs);
        }
        return loss_sum / static_cast<double>(samples);
    }

    /// Whether a training step's loss and every gradient are finite.
    bool finite_step(double loss) const { return std::isfinite(loss) && detail::all_finite_in_slices(gradients()); }

    static constexpr const char* divergence_remedies =
        "try a lower learning rate, gradient clipping (optimizer().set_clip_norm) or scaled inputs";

    /// What stopped being finite in a training step whose loss was `loss`.
    static std::string divergence(double loss) {
        if (std::isfinite(loss)) return "a gradient became non-finite";
        return fmt::format("the loss became {}", loss);
    }

    /// Finite loss and gradient, yet the update overflowed (a learning rate far too high): the
    /// old weights are gone, so say so rather than train on or return infinities.
    std::string update_overflow() const {
        return fmt::format("the update overflowed the weights to non-finite values although the loss and gradient "
                           "were finite; the learning rate ({}) is far too high",
                           optimizer_->learning_rate());
    }

    /// Forward and backward for the batch already gathered in the training workspace;
    /// returns its loss including regularization, each sample's share scaled by its weight
    /// when `weights` is not empty. After a Sigmoid or Softmax that the loss fuses with, that
    /// last layer is skipped and the loss is taken from the logits.
    double forward_backward(Index batch, Index targets, Random& random, std::span<const T> weights = {}) {
        Workspace<T>& ws = training_workspace_;
        const std::size_t count = layers_.size();
        const bool fused = loss_->fuses_with(*layers_.back());
        const std::size_t last = fused ? count - 1 : count;
        for (std::size_t i = 0; i < last; ++i)
            layers_[i]->forward_training(read_only(ws.activation(i, batch)), ws.activation(i + 1, batch), random);
        const auto target = read_only(ws.targets(targets, batch));
        const auto output = read_only(ws.activation(last, batch));
        double loss;
        if (!weights.empty()) {
            loss = weighted_loss(*loss_, fused, output, target, weights);
            if (fused)
                loss_->gradient_from_logits(output, target, ws.gradient(last, batch));
            else
                loss_->gradient(output, target, ws.gradient(last, batch));
            weight_gradient(ws.gradient(last, batch), weights);
        } else if (fused) {
            loss = loss_->value_and_gradient_from_logits(output, target, ws.gradient(last, batch));
        } else {
            loss = loss_->value(output, target);
            loss_->gradient(output, target, ws.gradient(last, batch));
        }
        for (std::size_t i = last; i-- > 0;) {
            if (i == 0 && layers_[0]->parameter_count() == 0) break;  // nothing left to compute
            auto input_gradient = i == 0 ? MatrixView<T>(nullptr, 0, 0) : ws.gradient(i, batch);
            layers_[i]->backward(read_only(ws.activation(i, batch)), read_only(ws.activation(i + 1, batch)),
                                 read_only(ws.gradient(i + 1, batch)), input_gradient);
        }
        return loss + regularization_penalty();
    }

    /// Copies the batch's outputs (probabilities: a fused last layer, which training skips, is
    /// applied here) into training_outputs_, at the rows the samples came from.
    void record_outputs(Index batch, std::span<const Index> rows, Index first_row) {
        const std::size_t count = layers_.size();
        if (loss_->fuses_with(*layers_.back()))
            layers_.back()->forward(read_only(training_workspace_.activation(count - 1, batch)),
                                    training_workspace_.activation(count, batch));
        const auto output = training_workspace_.activation(count, batch);
        for (std::size_t j = 0; j < rows.size(); ++j)
            training_outputs_.row(rows[j] - first_row) = output.col(static_cast<Index>(j)).transpose();
    }

    /// Mean loss over data (including regularization), in batches through workspace; with a
    /// non-empty `outputs` (rows x outputs), also the model's outputs, as predict gives them.
    template <class X, class Y>
    double mean_loss(const Data<X, Y>& data, Workspace<T>& workspace, Index batch_size) const {
        Matrix<T> no_outputs;
        return mean_loss(data, workspace, batch_size, no_outputs);
    }

    /// Distributed, each rank takes a share of the rows and every rank gets the whole result.
    template <class X, class Y>
    double mean_loss(const Data<X, Y>& data, Workspace<T>& workspace, Index batch_size, Matrix<T>& outputs) const {
        if (!distributed())
            return total_loss(data, workspace, batch_size, outputs) / static_cast<double>(data.rows()) +
                   regularization_penalty();
        const auto [first, rows] = shard(data.rows());
        Matrix<T> shard_outputs(outputs.rows() == 0 ? 0 : rows, outputs.cols());
        double total = 0;
        if (rows > 0)
            total = total_loss(Data<X, Y>{data.x, data.y, data.begin + first, data.begin + first + rows}, workspace,
                             batch_size, shard_outputs);
        communicator_->allreduce_sum(std::span<double>(&total, 1));
        if (outputs.size() > 0) {
            outputs.setZero();
            outputs.middleRows(first, rows) = shard_outputs;
            communicator_->allreduce_sum(std::span<T>(outputs.data(), outputs.size()));
        }
        return total / static_cast<double>(data.rows()) + regularization_penalty();
    }

    /// The sum of the per-sample losses over data (no regularization); outputs as mean_loss.
    template <class X, class Y>
    double total_loss(const Data<X, Y>& data, Workspace<T>& workspace, Index batch_size, Matrix<T>& outputs) const {
        const Index targets = loss_->target_width(output_width(data.x.cols()));
        const bool fused = loss_->fuses_with(*layers_.back());
        const std::size_t last = fused ? layers_.size() - 1 : layers_.size();
        double total = 0;
        for (Index start = 0; start < data.rows(); start += batch_size) {
            const Index batch = std::min(batch_size, data.rows() - start);
            workspace.reserve(layers_, data.x.cols(), targets, batch, false);
            gather_rows(data.x, data.begin + start, batch, workspace.activation(0, batch));
            gather_rows(data.y, data.begin + start, batch, workspace.targets(targets, batch));
            for (std::size_t i = 0; i < last; ++i)
                layers_[i]->forward(read_only(workspace.activation(i, batch)), workspace.activation(i + 1, batch));
            const auto output = read_only(workspace.activation(last, batch));
            const auto target = read_only(workspace.targets(targets, batch));
            const T loss = fused ? loss_->value_from_logits(output, target) : loss_->value(output, target);
            total += static_cast<double>(loss) * static_cast<double>(batch);
            if (outputs.size() == 0) continue;
            if (fused) layers_.back()->forward(output, workspace.activation(layers_.size(), batch));
            outputs.middleRows(start, batch) = workspace.activation(layers_.size(), batch).transpose();
        }
        return total;
    }

    /// Writes the outputs for rows [begin, end) of x into the same rows of result.
    template <class X>
    void predict_rows(const X& x, Index begin, Index end, Index batch_size, Matrix<T>& result) const {
        Workspace<T> workspace;
        for (Index start = begin; start < end; start += batch_size) {
            const Index batch = std::min(batch_size, end - start);
            workspace.reserve(layers_, x.cols(), 0, batch, false);
            gather_rows(x, start, batch, workspace.activation(0, batch));
            for (std::size_t i = 0; i < layers_.size(); ++i)
                layers_[i]->forward(read_only(workspace.activation(i, batch)), workspace.activation(i + 1, batch));
            result.middleRows(start, batch) = workspace.activation(layers_.size(), batch).transpose();
        }
    }

    double regularization_penalty() const {
        double penalty = 0;
        for (const auto& layer : layers_) penalty += layer->regularization_penalty();
        return penalty;
    }

    /// One weight per row of y from options' sample and class weights; empty when neither is set.
    template <class Y>
    std::vector<T> training_sample_weights(const Y& y, const FitOptions& options, Index outputs) const {
        if (options.sample_weight.empty() && options.class_weight.empty()) return {};
        return combine_sample_weights<T>(options.sample_weight, options.class_weight, y, *loss_, outputs);
    }

    /// The weights of the batch's rows, in batch_weights_; empty when unweighted.
    std::span<T> gather_weights(const std::vector<T>& sample_weights, std::span<const Index> rows) {
        if (sample_weights.empty()) return {};
        for (std::size_t j = 0; j < rows.size(); ++j)
            batch_weights_[j] = sample_weights[static_cast<std::size_t>(rows[j])];
        return std::span<T>(batch_weights_.data(), rows.size());
    }

    /// Copies the given rows of source (N x W) into destination (W x rows) as columns. From a
    /// column-major source, column by column: the rows wanted from one column lie in one stretch
    /// of memory, where row by row every element is on another page (that gather took a third
    /// of W2's training time).
    template <class M>
    static void gather_rows(const M& source, std::span<const Index> rows, MatrixView<T> destination) {
        if constexpr (M::IsRowMajor) {
            for (std::size_t j = 0; j < rows.size(); ++j)
                destination.col(static_cast<Index>(j)) = source.row(rows[j]).transpose();
        } else {
            for (Index feature = 0; feature < source.cols(); ++feature) {
                const auto column = source.col(feature);
                for (std::size_t j = 0; j < rows.size(); ++j)
                    destination(feature, static_cast<Index>(j)) = column(rows[j]);
            }
        }
    }

    template <class M>
    static void gather_rows(const M& source, Index begin, Index count, MatrixView<T> destination) {
        destination = source.middleRows(begin, count).transpose();
    }

    void bind_layers() {
        Index offset = 0;
        for (auto& layer : layers_) {
            layer->bind_parameters(parameters_.data() + offset, gradients_.data() + offset);
            offset += layer->parameter_count();
        }
    }

    /// Checks that `layer` accepts what the model outputs so far, and records widths.
    void check_chains(const Layer<T>& layer) {
        const auto expected = layer.input_width();
        if (expected && output_width_ && *expected != *output_width_) {
            const auto& previous = *layers_.back();
            fail("add: layer {} ({}) expects {} inputs, but the model so far outputs {} (layer {}, {}); "
                 "widths must chain",
                 layers_.size(), layer.type_name(), *expected, *output_width_, layers_.size() - 1,
                 previous.type_name());
        }
        if (expected && !input_width_) {
            input_width_ = *expected;
            input_layer_ = layers_.size();
        }
        if (expected || output_width_) output_width_ = layer.output_width(expected ? *expected : *output_width_);
    }

    Index output_width(Index input_width) const {
        Index width = input_width;
        for (const auto& layer : layers_) width = layer->output_width(width);
        return width;
    }

    void require_layers(const char* operation) const {
        if (layers_.empty()) fail("{}: the model has no layers", operation);
    }

    void require_compiled(const char* operation) const {
        require_layers(operation);
        if (!optimizer_) fail("{}: the model is not compiled; call compile(optimizer, loss) first", operation);
        if (compiled_layers_ != layers_.size())
            fail("{}: layers were added after compile ({} layers now, {} when compiled); call compile again",
                 operation, layers_.size(), compiled_layers_);
    }

    static void check_batch_size(Index batch_size, const char* operation) {
        if (batch_size < 1) fail("{}: batch_size must be at least 1, got {}", operation, batch_size);
    }

    void check_options(const FitOptions& options, const Callbacks& callbacks) const {
        check_batch_size(options.batch_size, "fit");
        if (options.epochs < 0) fail("fit: epochs must be >= 0, got {}", options.epochs);
        if (options.initial_epoch < 0) fail("fit: initial_epoch must be >= 0, got {}", options.initial_epoch);
        if (std::ranges::find(callbacks, nullptr) != callbacks.end()) fail("fit: a callback pointer is null");
    }

    /// Messages read "<operation>: <part>X has ...", part being "" or "validation ".
    template <class M>
    void check_features(const M& x, const char* operation, const char* part) const {
        if (x.rows() == 0 || x.cols() == 0)
            fail("{}: {}X is empty ({} x {}); it needs at least one sample", operation, part, x.rows(), x.cols());
        if (input_width_ && x.cols() != *input_width_)
            fail("{}: {}X has {} columns (features), but layer {} ({}) expects {}", operation, part, x.cols(),
                 input_layer_, layers_[input_layer_]->type_name(), *input_width_);
    }

    template <class M>
    static void check_finite(const M& m, const char* operation, const char* name) {
        // One vectorized pass in storage order; the element-wise search only to name the culprit
        // (column by column, it crossed a row-major X of Fashion-MNIST's size in 1.6 s).
        if (detail::all_finite(m)) return;
        for (Index c = 0; c < m.cols(); ++c)
            for (Index r = 0; r < m.rows(); ++r)
                if (!std::isfinite(m(r, c)))
                    fail("{}: {} contains {} at row {}, column {}", operation, name, m(r, c), r, c);
    }

    template <class X, class Y>
    void check_data(const X& x, const Y& y, const char* operation, const char* part = "") const {
        check_features(x, operation, part);
        if (y.rows() != x.rows())
            fail("{}: {}X has {} rows but y has {}; both need one row per sample", operation, part, x.rows(),
                 y.rows());
        const Index outputs = output_width(x.cols());
        const Index targets = loss_->target_width(outputs);
        if (y.cols() != targets)
            fail("{}: {}y has {} columns but the model outputs {} and {} needs {} target column{}", operation, part,
                 y.cols(), outputs, loss_->type_name(), targets, targets == 1 ? "" : "s");
        check_finite(x, operation, *part ? "validation X" : "X");
        check_finite(y, operation, *part ? "validation y" : "y");
        for (Index c = 0; c < y.cols(); ++c)
            for (Index r = 0; r < y.rows(); ++r)
                if (auto why = loss_->invalid_target(y(r, c), outputs))
                    fail("{}: {}y at row {}, column {} is {}: {}", operation, part, r, c, y(r, c), *why);
    }

    // ---- Data-parallel training (a communicator of more than one rank) ----

    /// How far the ranks got in a collective call; decides how a failure ends it without
    /// leaving a rank waiting for the others forever.
    enum class Agreement { pending, reached, failed_everywhere };

    bool distributed() const { return communicator_ && communicator_->size() > 1; }

    /// This rank's contiguous share [first, first + count) of `rows` rows: shares differ by at
    /// most one row, and a rank gets none when there are fewer rows than ranks. All of them
    /// when not distributed.
    std::pair<Index, Index> shard(Index rows) const {
        if (!distributed()) return {0, rows};
        const Index rank = communicator_->rank();
        const Index ranks = communicator_->size();
        const Index first = rows * rank / ranks;
        return {first, rows * (rank + 1) / ranks - first};
    }

    /// Runs fit, evaluate or predict. Distributed, an exception before the ranks agreed that
    /// their inputs are valid joins that agreement, which throws the same neuro::Error on
    /// every rank; one after it (a callback failing on one rank, or a diverged loss) aborts
    /// every rank with its message, as the others would otherwise wait for this one forever.
    template <class F>
    auto collectively(F&& body) const {
        if (!distributed()) return body();
        const Agreement outer = agreement_;  // a callback may evaluate during fit
        agreement_ = Agreement::pending;
        try {
            auto result = body();
            agreement_ = outer;
            return result;
        } catch (const std::exception& error) {
            if (agreement_ == Agreement::failed_everywhere) throw;
            if (agreement_ == Agreement::reached)
                communicator_->abort(fmt::format("rank {}: {}", communicator_->rank(), error.what()));
            agree(error.what(), {});
            throw;  // not reached: agree throws
        }
    }

    /// The ranks' agreement that each passed its checks (an empty `failure`) and holds data of
    /// rank 0's `shape`; otherwise every rank throws the first failing rank's message.
    void agree(std::string failure, std::initializer_list<Index> shape) const {
        int failed = communicator_->first_failure(!failure.empty());
        if (failed < 0) {
            std::vector<Index> root_shape(shape);
            communicator_->broadcast(std::as_writable_bytes(std::span(root_shape)), 0);
            if (!std::ranges::equal(root_shape, shape))
                failure = fmt::format("the data's shape ({}) differs from rank 0's ({}); every rank must pass the "
                                      "same data",
                                      fmt::join(shape, ", "), fmt::join(root_shape, ", "));
            failed = communicator_->first_failure(!failure.empty());
        }
        if (failed < 0) {
            agreement_ = Agreement::reached;
            return;
        }
        agreement_ = Agreement::failed_everywhere;
        std::string message = communicator_->broadcast(std::move(failure), failed);
        if (message.starts_with("neuro: ")) message.erase(0, 7);
        fail("rank {} failed: {}", failed, message);
    }

    void agree_on_shape(std::initializer_list<Index> shape) const {
        if (distributed()) agree({}, shape);
    }

    /// Before a distributed fit: the ranks agree on the data and take rank 0's weights and
    /// optimizer state, so that they start, and then stay, identical.
    void start_data_parallel(std::initializer_list<Index> shape) {
        agree({}, shape);
        communicator_->broadcast(std::as_writable_bytes(std::span(parameters_.data(), parameters_.size())), 0);
        for (auto& [name, state] : optimizer_->state())
            communicator_->broadcast(std::as_writable_bytes(std::span(state.data(), state.size())), 0);
        std::int64_t steps = optimizer_->steps();
        communicator_->broadcast(std::as_writable_bytes(std::span(&steps, 1)), 0);
        optimizer_->set_steps(steps);
        fused_.resize(parameters_.size() + 1);
    }

    /// Sums the ranks' shard gradients, each weighted by its share of the global batch, in one
    /// collective over one buffer (gradients, then the loss), so that every rank holds the
    /// gradient of the mean loss over the global batch; regularization counts once, as the
    /// shares add up to 1. Returns that loss (in T's precision).
    double sum_over_ranks(double shard_loss, Index shard_rows, Index global_rows) {
        const Index count = gradients_.size();
        const double share = static_cast<double>(shard_rows) / static_cast<double>(global_rows);
        if (shard_rows > 0) fused_.head(count).noalias() = gradients_ * static_cast<T>(share);
        else fused_.head(count).setZero();
        fused_[count] = static_cast<T>(shard_rows > 0 ? shard_loss * share : 0.0);
        communicator_->allreduce_sum(std::span<T>(fused_.data(), static_cast<std::size_t>(fused_.size())));
        gradients_.noalias() = fused_.head(count);
        return static_cast<double>(fused_[count]);
    }

    std::uint64_t seed_;
    Random random_;  // draws initial weights as layers are added
    std::vector<std::unique_ptr<Layer<T>>> layers_;
    std::optional<Index> input_width_;   // fixed by the first layer with a fixed input width ...
    std::size_t input_layer_ = 0;        // ... which is this one
    std::optional<Index> output_width_;  // the width the layers so far output, once known
    std::size_t compiled_layers_ = 0;    // how many layers the model had at compile
    Vector<T> parameters_;
    Vector<T> gradients_;
    std::unique_ptr<Optimizer<T>> optimizer_;
    std::unique_ptr<Loss<T>> loss_;
    Workspace<T> training_workspace_;
    MetricSet metrics_;
    Matrix<T> training_outputs_;  // an epoch's outputs, for the metrics
    std::vector<T> batch_weights_;  // the sample weights of the batch being trained on
    bool stop_requested_ = false;
    Communicator* communicator_ = nullptr;  // not owned; see set_communicator
    mutable Agreement agreement_ = Agreement::pending;
    Vector<T> fused_;  // a distributed step's gradients and loss, summed over the ranks at once
};

}  // namespace neuro
