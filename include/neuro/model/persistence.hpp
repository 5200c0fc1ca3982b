#pragma once
// Saving a Sequential model to a .safetensors file and loading it back, in the layout
// PyTorch's torch.nn.Sequential uses, so that weights move between the two both ways.
//
// The file (see neuro/io/safetensors.hpp for the container):
// - Tensors, named as torch.nn.Sequential's state_dict names them, i counting every layer
//   (activations too): Dense i gives "i.weight" [outputs, inputs] and, with a bias, "i.bias"
//   [outputs]; any other layer with parameters gives "i.parameters" [parameter_count], its
//   parameter_values(). F32 for a float model, F64 for a double one. A file without
//   optimizer state or preprocessing loads into the equivalent torch.nn.Sequential with
//   model.load_state_dict(safetensors.torch.load_file(path)).
// - With the optimizer: "optimizer.<name>" [parameter count] for each non-empty state view
//   (Adam's "first_moment", SGD's "velocity", ...). PyTorch's strict load_state_dict rejects
//   these: drop the "optimizer." keys first.
// - With preprocessing (SaveOptions::preprocessing): "preprocessing.<step>.<key>" [n], F64
//   whatever the model's scalar, for each entry of each step's FittedState. PyTorch's strict
//   load_state_dict rejects these too: drop the "preprocessing." keys first. load_weights and
//   load_model ignore them, as they ignore "optimizer."; load_preprocessing reads them.
// - "__metadata__", strings (structured values are JSON text): "format": "neuro",
//   "neuro_version", "scalar" ("float" or "double"), "model_seed", "architecture"
//   ([{"type", "settings"}, ...] per layer), "loss" and "optimizer" ({"type", "settings"}, when
//   compiled), "optimizer_steps" (with the optimizer's state), "epoch" (the 0-based epoch at
//   whose end the file was saved, when given), "preprocessing" (with preprocessing:
//   {"<step>": {"type": "StandardScaler", "keys": ["mean", "scale"]}, ...}, each step's type
//   and the keys of its state, whose tensors are the ones above).
//
// Loading converts: F16, BF16, F32 and F64 load into either scalar, so a double model's file
// loads as a float model (rounding each value) and the other way round (exactly).
// This header needs nlohmann-json, as neuro/io/safetensors.hpp does.

#include "neuro/core/error.hpp"
#include "neuro/core/types.hpp"
#include "neuro/io/safetensors.hpp"
#include "neuro/layers/dense.hpp"
#include "neuro/layers/layer.hpp"
#include "neuro/layers/registry.hpp"
#include "neuro/losses/registry.hpp"
#include "neuro/model/sequential.hpp"
#include "neuro/optimizers/optimizer.hpp"
#include "neuro/optimizers/registry.hpp"
#include "neuro/preprocessing/fitted_state.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace neuro {

/// A fitted preprocessing step (scaler, imputer, encoder) as saved beside a model: `state` is
/// what the step's state() returned, and `type` names the step whose from_state restores it
/// (e.g. "StandardScaler"), since a FittedState does not say.
struct PreprocessingState {
    std::string type;
    FittedState state;
};

/// What save_model writes besides the model.
struct SaveOptions {
    bool include_optimizer = false;  ///< the optimizer's state and step count, to resume exactly
    int epoch = -1;                  ///< the 0-based epoch just finished, for resuming; -1: none
    /// Fitted preprocessing steps, by a name of the caller's choosing ("scaler", "imputer"),
    /// for load_preprocessing to give back. Names are not empty and hold no '.', types and
    /// keys are not empty, values are finite (checked by save_model).
    std::map<std::string, PreprocessingState> preprocessing = {};
};

namespace detail {

/// Tells Sequential's save and load that this header is included (see sequential.hpp).
template <class Dependent>
struct persistence_included<Dependent, void> : std::true_type {};

inline constexpr const char* model_file_version = "0.1.0";

/// Where one tensor of the file lives in the model: the parameters of layer `layer` from
/// `offset` in the model's parameter vector, stored column-major; `shape` is the tensor's in
/// the file (row-major): [rows, cols] or [rows].
struct TensorSlot {
    std::string name;
    std::size_t layer = 0;
    std::vector<std::uint64_t> shape;
    Index offset = 0;

    Index rows() const { return static_cast<Index>(shape[0]); }
    Index cols() const { return shape.size() == 2 ? static_cast<Index>(shape[1]) : 1; }
};

/// The tensors a file of `model` holds, layer by layer, in parameter order.
template <Scalar T>
std::vector<TensorSlot> tensor_slots(const Sequential<T>& model) {
    std::vector<TensorSlot> slots;
    Index offset = 0;
    for (std::size_t i = 0; i < model.size(); ++i) {
        const Layer<T>& layer = model.layer_at(i);
        if (const auto* dense = dynamic_cast<const Dense<T>*>(&layer)) {
            // Dense keeps W (outputs x inputs) then b: torch.nn.Linear's weight and bias.
            const auto outputs = static_cast<std::uint64_t>(dense->outputs());
            const auto inputs = static_cast<std::uint64_t>(dense->inputs());
            slots.push_back({fmt::format("{}.weight", i), i, {outputs, inputs}, offset});
            if (dense->options().use_bias)
                slots.push_back({fmt::format("{}.bias", i), i, {outputs}, offset + dense->outputs() * dense->inputs()});
        } else if (layer.parameter_count() > 0) {
            slots.push_back({fmt::format("{}.parameters", i), i,
                             {static_cast<std::uint64_t>(layer.parameter_count())}, offset});
        }
        offset += layer.parameter_count();
    }
    return slots;
}

/// The message of `error` without the "neuro: " that every neuro::Error starts with, to
/// rethrow it with more context.
inline std::string_view message_of(const Error& error) {
    constexpr std::string_view prefix = "neuro: ";
    std::string_view message = error.what();
    if (message.starts_with(prefix)) message.remove_prefix(prefix.size());
    return message;
}

/// Runs `step`, rethrowing its failure (a neuro::Error, or JSON of the wrong shape) as a
/// neuro::Error with `context` in front, so that it says which file and which part of it.
template <class Step>
decltype(auto) in_context(const std::string& context, Step&& step) {
    try {
        return step();
    } catch (const nlohmann::json::exception& error) {
        fail("{}: {}", context, error.what());
    } catch (const Error& error) {
        fail("{}: {}", context, message_of(error));
    }
}

// ---- saving ----

template <class Settings>
std::string description(const std::string& type, const Settings& settings) {
    return nlohmann::json{{"type", type}, {"settings", settings}}.dump();
}

template <Scalar T>
io::SafetensorsMetadata model_metadata(const Sequential<T>& model) {
    nlohmann::json architecture = nlohmann::json::array();
    for (std::size_t i = 0; i < model.size(); ++i) {
        const Layer<T>& layer = model.layer_at(i);
        architecture.push_back(nlohmann::json{{"type", layer.type_name()}, {"settings", layer.settings()}});
    }
    io::SafetensorsMetadata metadata{{"format", "neuro"},
                                     {"neuro_version", model_file_version},
                                     {"scalar", std::is_same_v<T, float> ? "float" : "double"},
                                     {"model_seed", fmt::format("{}", model.seed())},
                                     {"architecture", architecture.dump()}};
    if (model.is_compiled()) {
        const Optimizer<T>& optimizer = model.optimizer();
        metadata.emplace("optimizer", description(optimizer.type_name(), optimizer.settings()));
        metadata.emplace("loss", description(model.loss().type_name(), model.loss().settings()));
    }
    return metadata;
}

template <Scalar T>
void add_parameters(io::SafetensorsWriter& writer, const Sequential<T>& model, const std::string& context) {
    const ConstVectorView<T> parameters = model.parameters();
    for (const TensorSlot& slot : tensor_slots(model)) {
        const ConstMatrixView<T> values(parameters.data() + slot.offset, slot.rows(), slot.cols());
        // A file that holds NaN or inf could never be loaded back.
        if (!values.allFinite())
            fail("{}: tensor '{}' (layer {}, {}) holds NaN or inf; training diverged before this save", context,
                 slot.name, slot.layer, model.layer_at(slot.layer).type_name());
        if (slot.shape.size() == 2)
            writer.add(slot.name, values);
        else
            writer.add(slot.name, ConstVectorView<T>(values.data(), values.size()));  // 1-D, as PyTorch's bias
    }
}

template <Scalar T>
void add_optimizer_state(io::SafetensorsWriter& writer, const Sequential<T>& model, const std::string& context) {
    if (!model.is_compiled()) fail("{}: include_optimizer needs a compiled model; this one is not compiled", context);
    const Optimizer<T>& optimizer = model.optimizer();
    for (const auto& [name, values] : optimizer.state())
        if (values.size() > 0) writer.add("optimizer." + name, values);
    writer.set_metadata("optimizer_steps", fmt::format("{}", optimizer.steps()));
}

inline std::string preprocessing_tensor(const std::string& step, const std::string& key) {
    return fmt::format("preprocessing.{}.{}", step, key);
}

/// Why `step` cannot name a preprocessing step, or nullptr when it can. Without a '.' in the
/// step's name, "preprocessing.<step>.<key>" names one tensor for each step and key.
inline const char* bad_step_name(std::string_view step) {
    if (step.empty()) return "it is empty";
    if (step.find('.') != std::string_view::npos) return "it holds a '.', which would make tensor names ambiguous";
    return nullptr;
}

inline void add_preprocessing(io::SafetensorsWriter& writer, const std::map<std::string, PreprocessingState>& steps,
                              const std::string& context) {
    if (steps.empty()) return;
    nlohmann::json listing = nlohmann::json::object();
    for (const auto& [step, preprocessing] : steps) {
        const std::string where = fmt::format("{}: preprocessing step \"{}\"", context, io::detail::shown(step));
        if (const char* reason = bad_step_name(step)) fail("{}: the name is not allowed: {}", where, reason);
        if (preprocessing.type.empty())
            fail("{} has no type; give the step whose from_state restores it, e.g. \"StandardScaler\"", where);
        nlohmann::json keys = nlohmann::json::array();
        for (const auto& [key, values] : preprocessing.state) {
            if (key.empty()) fail("{}: its state has an entry with an empty key", where);
            for (Index i = 0; i < values.size(); ++i)
                if (!std::isfinite(values[i]))
                    fail("{}: \"{}\" holds {} at [{}]; a model file holds only finite values", where,
                         io::detail::shown(key), values[i], i);
            writer.add(preprocessing_tensor(step, key), values);
            keys.push_back(key);
        }
        listing[step] = nlohmann::json{{"type", preprocessing.type}, {"keys", std::move(keys)}};
    }
    writer.set_metadata("preprocessing",
                        in_context(context + ": the preprocessing names, types and keys must be valid UTF-8",
                                   [&] { return listing.dump(); }));
}

// ---- loading ----

inline std::string context_for(std::string_view operation, const io::SafetensorsFile& file) {
    return fmt::format("{} '{}'", operation, file.source());
}

inline std::string shape_of(const std::vector<std::uint64_t>& shape) { return io::detail::shape_text(shape); }

/// The metadata entry `key`, or nullptr when the file has none.
inline const std::string* metadata_entry(const io::SafetensorsFile& file, const std::string& key) {
    const auto found = file.metadata().find(key);
    return found == file.metadata().end() ? nullptr : &found->second;
}

inline const std::string& required_metadata(const io::SafetensorsFile& file, const std::string& key,
                                            const std::string& context) {
    const std::string* entry = metadata_entry(file, key);
    if (!entry) fail("{}: the metadata has no \"{}\"", context, key);
    return *entry;
}

template <class Number>
Number metadata_number(const io::SafetensorsFile& file, const std::string& key, const std::string& context) {
    const std::string& text = required_metadata(file, key, context);
    Number value{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size())
        fail("{}: the metadata \"{}\" is \"{}\", not an integer", context, key, io::detail::shown(text));
    return value;
}

inline nlohmann::json metadata_json(const io::SafetensorsFile& file, const std::string& key,
                                    const std::string& context) {
    const std::string& text = required_metadata(file, key, context);
    return in_context(fmt::format("{}: the metadata \"{}\" is not valid JSON", context, key),
                      [&] { return nlohmann::json::parse(text); });
}

/// The type name and settings of a {"type": ..., "settings": {...}} description.
template <class Settings>
std::pair<std::string, Settings> read_description(const nlohmann::json& description) {
    return {description.at("type").get<std::string>(), description.at("settings").get<Settings>()};
}

/// The optimizer type the file was saved with, when it holds optimizer state.
inline std::optional<std::string> saved_optimizer_type(const io::SafetensorsFile& file, const std::string& context) {
    if (!metadata_entry(file, "optimizer_steps")) return std::nullopt;
    const nlohmann::json optimizer = metadata_json(file, "optimizer", context);
    return in_context(context + ": the metadata \"optimizer\"",
                      [&] { return optimizer.at("type").get<std::string>(); });
}

/// Why tensor `name` of the file has no place in `model`.
template <Scalar T>
std::string foreign_reason(const Sequential<T>& model, std::string_view name) {
    std::size_t index = 0;
    const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), index);
    if (error != std::errc{} || end == name.data() + name.size() || *end != '.')
        return "neuro's tensors are named '<layer index>.weight', '.bias' or '.parameters'";
    if (index >= model.size()) return fmt::format("the model has only {} layers", model.size());
    const Layer<T>& layer = model.layer_at(index);
    if (layer.parameter_count() == 0)
        return fmt::format("layer {} is a {}, which has no parameters", index, layer.type_name());
    return fmt::format("layer {} ({}) has no such tensor", index, layer.type_name());
}

/// Rejects tensors that are neither the model's nor optimizer state: a file of another model.
template <Scalar T>
void reject_foreign_tensors(const Sequential<T>& model, const std::vector<TensorSlot>& slots,
                            const io::SafetensorsFile& file, const std::string& context) {
    for (const auto& [name, info] : file.tensors()) {
        if (name.starts_with("optimizer.") || name.starts_with("preprocessing.")) continue;
        const bool expected = std::ranges::any_of(slots, [&](const TensorSlot& slot) { return slot.name == name; });
        if (!expected)
            fail("{}: the file has tensor '{}' of shape {}, which does not belong to this model ({}); it was saved "
                 "from a different architecture",
                 context, io::detail::shown(name), shape_of(info.shape), foreign_reason(model, name));
    }
}

/// Tensor `name` of the file as T, checked to have `shape` and finite values; `owner`
/// describes whose tensor it is, for the messages.
template <Scalar T>
Matrix<T> read_tensor(const io::SafetensorsFile& file, const std::string& name,
                      const std::vector<std::uint64_t>& shape, const std::string& owner, const std::string& context) {
    const auto found = file.tensors().find(name);
    if (found == file.tensors().end())
        fail("{}: the file has no tensor '{}' ({}, shape {})", context, name, owner, shape_of(shape));
    if (found->second.shape != shape)
        fail("{}: tensor '{}' ({}) has shape {}, expected {}", context, name, owner,
             shape_of(found->second.shape), shape_of(shape));
    Matrix<T> values = file.tensor_as_matrix<T>(name);
    for (Index c = 0; c < values.cols(); ++c)
        for (Index r = 0; r < values.rows(); ++r)
            if (!std::isfinite(values(r, c)))
                fail("{}: tensor '{}' ({}) holds {} at [{}, {}]; a model file holds only finite values", context,
                     name, owner, values(r, c), r, c);
    return values;
}

/// Copies of the optimizer's state views filled from the file, ready to write back.
template <Scalar T>
struct StagedOptimizerState {
    std::vector<std::pair<VectorView<T>, Vector<T>>> views;
    std::int64_t steps = 0;
};

/// The file's optimizer state, when it has some and the model is compiled with an optimizer
/// of the type it was saved from; state for another type would not mean the same thing.
template <Scalar T>
std::optional<StagedOptimizerState<T>> read_optimizer_state(Sequential<T>& model, const io::SafetensorsFile& file,
                                                             const std::string& context) {
    const auto saved_type = saved_optimizer_type(file, context);
    if (!saved_type || !model.is_compiled() || *saved_type != model.optimizer().type_name()) return std::nullopt;
    Optimizer<T>& optimizer = model.optimizer();
    StagedOptimizerState<T> staged;
    const std::string owner = fmt::format("state of the {} optimizer", *saved_type);
    for (const auto& [name, view] : optimizer.state()) {
        if (view.size() == 0) continue;
        const std::string tensor = "optimizer." + name;
        if (!file.tensors().contains(tensor))
            fail("{}: the file's {} state has no tensor '{}', which the model's {} keeps (it was saved with other "
                 "settings); to load the weights alone, call load_weights before compile",
                 context, *saved_type, tensor, *saved_type);
        const Matrix<T> values =
            read_tensor<T>(file, tensor, {static_cast<std::uint64_t>(view.size())}, owner, context);
        staged.views.emplace_back(view, values.col(0));
    }
    staged.steps = metadata_number<std::int64_t>(file, "optimizer_steps", context);
    if (staged.steps < 0) fail("{}: the metadata \"optimizer_steps\" is {}, not >= 0", context, staged.steps);
    return staged;
}

/// Fills model's parameters (and optimizer state, see read_optimizer_state) from file, all or
/// nothing: everything is read and checked before anything in the model changes.
template <Scalar T>
void load_into(Sequential<T>& model, const io::SafetensorsFile& file, const std::string& context) {
    const std::vector<TensorSlot> slots = tensor_slots(model);
    reject_foreign_tensors(model, slots, file, context);
    Vector<T> parameters = model.parameters();
    for (const TensorSlot& slot : slots) {
        const std::string owner = fmt::format("layer {}, {}", slot.layer, model.layer_at(slot.layer).type_name());
        MatrixView<T>(parameters.data() + slot.offset, slot.rows(), slot.cols()) =
            read_tensor<T>(file, slot.name, slot.shape, owner, context);
    }
    auto optimizer_state = read_optimizer_state(model, file, context);
    model.parameters() = parameters;
    if (!optimizer_state) return;
    for (auto& [view, values] : optimizer_state->views) view = values;
    model.optimizer().set_steps(optimizer_state->steps);
}

/// Tensor `tensor` of the file, listed for `key` of a preprocessing step (`where`), checked to be
/// 1-D, floating-point (each converts to double exactly) and finite.
inline Vector<double> read_preprocessing_tensor(const io::SafetensorsFile& file, const std::string& tensor,
                                                const std::string& key, const std::string& where) {
    const auto found = file.tensors().find(tensor);
    if (found == file.tensors().end())
        fail("{}: the file has no tensor '{}' for its key \"{}\"", where, io::detail::shown(tensor),
             io::detail::shown(key));
    const io::TensorInfo& info = found->second;
    if (info.shape.size() != 1)
        fail("{}: tensor '{}' has shape {}; a state entry is 1-D [n]", where, io::detail::shown(tensor),
             shape_of(info.shape));
    if (info.dtype != "F64" && info.dtype != "F32" && info.dtype != "F16" && info.dtype != "BF16")
        fail("{}: tensor '{}' has dtype {}; a state entry is F64 (or F32, F16, BF16)", where,
             io::detail::shown(tensor), info.dtype);
    const Matrix<double> values = file.tensor_as_matrix<double>(tensor);
    for (Index i = 0; i < values.rows(); ++i)
        if (!std::isfinite(values(i, 0)))
            fail("{}: tensor '{}' holds {} at [{}]; a model file holds only finite values", where,
                 io::detail::shown(tensor), values(i, 0), i);
    return values.col(0);
}

/// The preprocessing steps the file's metadata "preprocessing" lists, with their tensors;
/// every "preprocessing." tensor must be listed.
inline std::map<std::string, PreprocessingState> read_preprocessing(const io::SafetensorsFile& file,
                                                                    const std::string& context) {
    std::map<std::string, PreprocessingState> steps;
    std::set<std::string, std::less<>> listed_tensors;
    if (metadata_entry(file, "preprocessing")) {
        const nlohmann::json listing = metadata_json(file, "preprocessing", context);
        if (!listing.is_object())
            fail("{}: the metadata \"preprocessing\" is a JSON {}, not an object of steps by name", context,
                 listing.type_name());
        for (const auto& [step, entry] : listing.items()) {
            const std::string where = fmt::format("{}: preprocessing step \"{}\"", context, io::detail::shown(step));
            if (const char* reason = bad_step_name(step)) fail("{}: the name is not allowed: {}", where, reason);
            const auto type = entry.is_object() ? entry.find("type") : entry.end();
            const auto keys = entry.is_object() ? entry.find("keys") : entry.end();
            if (type == entry.end() || !type->is_string() || type->get_ref<const std::string&>().empty() ||
                keys == entry.end() || !keys->is_array())
                fail("{}: its metadata is not {{\"type\": a non-empty string, \"keys\": an array of strings}}",
                     where);
            PreprocessingState preprocessing{type->get<std::string>(), {}};
            for (const nlohmann::json& key_entry : *keys) {
                if (!key_entry.is_string() || key_entry.get_ref<const std::string&>().empty())
                    fail("{}: its \"keys\" holds {}, not a non-empty string", where,
                         io::detail::shown(key_entry.dump()));
                const std::string key = key_entry.get<std::string>();
                if (preprocessing.state.contains(key))
                    fail("{}: the key \"{}\" is listed twice", where, io::detail::shown(key));
                const std::string tensor = preprocessing_tensor(step, key);
                preprocessing.state.emplace(key, read_preprocessing_tensor(file, tensor, key, where));
                listed_tensors.insert(tensor);
            }
            steps.emplace(step, std::move(preprocessing));
        }
    }
    for (const auto& [name, info] : file.tensors())
        if (name.starts_with("preprocessing.") && !listed_tensors.contains(name))
            fail("{}: tensor '{}' of shape {} is not listed in the metadata \"preprocessing\"", context,
                 io::detail::shown(name), shape_of(info.shape));
    return steps;
}

/// A model with the file's architecture and seed; its weights are still the initial ones.
template <Scalar T>
Sequential<T> build_architecture(const io::SafetensorsFile& file, const std::string& context) {
    const nlohmann::json architecture = metadata_json(file, "architecture", context);
    if (!architecture.is_array() || architecture.empty())
        fail("{}: the metadata \"architecture\" is not a non-empty JSON array of layers", context);
    Sequential<T> model(metadata_number<std::uint64_t>(file, "model_seed", context));
    for (std::size_t i = 0; i < architecture.size(); ++i) {
        in_context(fmt::format("{}: layer {} of the architecture", context, i), [&] {
            const auto [type, settings] = read_description<LayerSettings>(architecture[i]);
            model.add(make_layer<T>(type, settings));
        });
    }
    return model;
}

/// Compiles model with the file's optimizer and loss, when the file has them.
template <Scalar T>
void compile_as_saved(Sequential<T>& model, const io::SafetensorsFile& file, const std::string& context) {
    if (!metadata_entry(file, "optimizer")) return;
    using Settings = std::map<std::string, double>;
    const nlohmann::json optimizer_description = metadata_json(file, "optimizer", context);
    const nlohmann::json loss_description = metadata_json(file, "loss", context);
    auto optimizer = in_context(context + ": the metadata \"optimizer\"", [&] {
        const auto [type, settings] = read_description<Settings>(optimizer_description);
        return make_optimizer<T>(type, settings);
    });
    auto loss = in_context(context + ": the metadata \"loss\"", [&] {
        const auto [type, settings] = read_description<Settings>(loss_description);
        return make_loss<T>(type, settings);
    });
    model.compile(std::move(optimizer), std::move(loss));
}

}  // namespace detail

/// Writes `model` to `path` as a .safetensors file (the layout is described at the top of
/// this header), replacing any file there in one step.
/// Requires: a model with layers and finite weights; for options.include_optimizer, a
///   compiled model; options.epoch >= -1; options.preprocessing as SaveOptions describes.
/// Ensures: on success the file holds the weights and the metadata to rebuild the model; on
///   any failure neuro::Error naming the path, and the file at `path` is as it was.
template <Scalar T>
void save_model(const Sequential<T>& model, const std::filesystem::path& path, const SaveOptions& options = {}) {
    const std::string context = fmt::format("save_model '{}'", path.string());
    if (model.size() == 0) fail("{}: the model has no layers", context);
    if (options.epoch < -1) fail("{}: epoch must be >= 0 (or -1: none), got {}", context, options.epoch);
    io::SafetensorsWriter writer;
    detail::add_parameters(writer, model, context);
    for (auto& [key, value] : detail::model_metadata(model)) writer.set_metadata(key, value);
    if (options.include_optimizer) detail::add_optimizer_state(writer, model, context);
    if (options.epoch >= 0) writer.set_metadata("epoch", fmt::format("{}", options.epoch));
    detail::add_preprocessing(writer, options.preprocessing, context);
    writer.write(path);
}

/// The same, with the optimizer's state when include_optimizer (as Sequential::save).
template <Scalar T>
void save_model(const Sequential<T>& model, const std::filesystem::path& path, bool include_optimizer) {
    save_model(model, path, SaveOptions{.include_optimizer = include_optimizer});
}

/// Fills the parameters of an already-built `model` from the .safetensors file at `path`:
/// one neuro saved, or a PyTorch torch.nn.Sequential state_dict of the same architecture.
/// F32, F64, F16 and BF16 tensors convert to T.
/// Requires: the file has every tensor the model has, with the same shape ([outputs, inputs]
///   for a weight), finite values, and no tensor the model lacks ("optimizer.*" and
///   "preprocessing.*" aside; preprocessing is load_preprocessing's).
/// Ensures: the model's parameters are the file's. When the file holds optimizer state and
///   the model is compiled with an optimizer of the type saved, that state and the step count
///   are restored too (the optimizer's settings stay the model's); for another type, or an
///   uncompiled model, the file's optimizer state is ignored. On any failure neuro::Error
///   naming the path and the tensor (with its layer's index and type and the expected and
///   actual shapes), and the model is unchanged.
template <Scalar T>
void load_model_weights(Sequential<T>& model, const std::filesystem::path& path) {
    const io::SafetensorsFile file = io::read_safetensors(path);
    detail::load_into(model, file, detail::context_for("load_weights", file));
}

/// The model saved at `path` by save_model: its layers (rebuilt by make_layer, so only
/// neuro's built-in layer types), seed and weights, compiled with the saved optimizer and loss
/// when it was compiled, with the optimizer's state and step count when they were saved.
/// A file saved from the other scalar loads converted (double to float rounds each value).
/// Requires: a file with neuro's metadata; for a file without it (e.g. a PyTorch state_dict),
///   build the model in code and call load_weights.
/// Ensures: predict gives what the saved model gave (exactly for the same scalar); fit with
///   FitOptions::initial_epoch = saved_epoch(path) + 1 continues a run saved with its
///   optimizer as if it had not stopped. Otherwise neuro::Error naming the path.
template <Scalar T>
Sequential<T> load_model(const std::filesystem::path& path) {
    const io::SafetensorsFile file = io::read_safetensors(path);
    const std::string context = detail::context_for("load_model", file);
    const std::string* format = detail::metadata_entry(file, "format");
    if (!format || *format != "neuro" || !detail::metadata_entry(file, "architecture"))
        fail("{}: the file has weights but not neuro's description of the model (metadata \"format\": "
             "\"neuro\" and \"architecture\"), as a PyTorch state_dict saved with safetensors does; build the "
             "same model in code and call model.load_weights(path)",
             context);
    Sequential<T> model = detail::build_architecture<T>(file, context);
    detail::compile_as_saved(model, file, context);
    detail::load_into(model, file, context);
    return model;
}

/// The fitted preprocessing steps saved with the model at `path` (SaveOptions::preprocessing),
/// exactly as given: the same names, types, keys and values, bit for bit. Restore each with
/// its type's from_state, e.g. StandardScaler::from_state(steps.at("scaler").state), which
/// checks the state's meaning (a positive scale, ...). Empty for a file saved without any, or
/// one from PyTorch. load_model and load_weights ignore preprocessing; this reads nothing else.
/// Throws neuro::Error naming the path when the file cannot be read or its preprocessing is
/// malformed: the metadata "preprocessing" is not as described at the top of this header, a
/// listed tensor is missing, not 1-D, not floating-point or not finite, or a "preprocessing."
/// tensor is not listed.
inline std::map<std::string, PreprocessingState> load_preprocessing(const std::filesystem::path& path) {
    const io::SafetensorsFile file = io::read_safetensors(path);
    return detail::read_preprocessing(file, detail::context_for("load_preprocessing", file));
}

/// The 0-based epoch at whose end the file at `path` was saved (resume with
/// FitOptions::initial_epoch = it + 1), or nullopt when none was recorded.
/// Throws neuro::Error naming the path when the file cannot be read or the entry is malformed.
inline std::optional<int> saved_epoch(const std::filesystem::path& path) {
    const io::SafetensorsFile file = io::read_safetensors(path);
    if (!detail::metadata_entry(file, "epoch")) return std::nullopt;
    return detail::metadata_number<int>(file, "epoch", detail::context_for("saved_epoch", file));
}

}  // namespace neuro
