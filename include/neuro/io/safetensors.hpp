#pragma once
// safetensors files: named tensors behind a JSON header, the format Hugging Face and PyTorch
// exchange weights in (https://github.com/huggingface/safetensors).
//
// Layout: an 8-byte little-endian header size N; N bytes of UTF-8 JSON, an object mapping each
// tensor name to {"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]}, plus
// an optional "__metadata__" object of string -> string, possibly padded with trailing
// spaces; then the data section: each tensor's elements, row-major and little-endian, at its
// [begin, end) byte range, the ranges back to back from 0 to the end of the file.
//
// Reading accepts what the reference reader accepts, with these choices:
// - Nothing in a file is trusted: every size and offset is checked (with overflow checks)
//   against the file's length before anything is allocated from it.
// - Dtypes of whole bytes the reference knows (BOOL, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, I16,
//   U16, F16, BF16, I32, U32, F32, I64, U64, F64, C64) load and stay readable as raw bytes;
//   only F32, F64, F16 and BF16 convert to a matrix. Other dtype names are rejected when the
//   file is read: their byte length cannot be checked.
// - A key twice in any JSON object is rejected (JSON parsers disagree on which one wins),
//   and so is a header that does not start with '{' (the reference's next format rule).
// - Fields of a tensor entry besides dtype, shape and data_offsets are ignored, as the
//   reference does.
//
// Writing (SafetensorsWriter) stores float as F32 and double as F64, doubles first, then floats,
// each group in the order added: every tensor then starts at a multiple of its element size
// (the data section starts at a multiple of 8), which the reference writer also ensures.
//
// Every failure is a neuro::Error naming the file (or the buffer's name) and the problem.
// This header needs nlohmann-json (Debian: nlohmann-json3-dev; CMake: nlohmann_json).

#include "neuro/core/error.hpp"
#include "neuro/core/file.hpp"
#include "neuro/core/types.hpp"
#include "neuro/io/atomic_file.hpp"
#include "neuro/io/half.hpp"

#include <Eigen/Core>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <ostream>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace neuro::io {

/// A tensor as the header of a safetensors file describes it.
struct TensorInfo {
    std::string dtype;                 ///< as in the file: "F32", "BF16", "I64", ...
    std::vector<std::uint64_t> shape;  ///< outermost dimension first (row-major); [] is a scalar
    std::uint64_t begin = 0;           ///< the tensor's bytes: [begin, end) of the data section
    std::uint64_t end = 0;
};

/// The "__metadata__" of a safetensors file: free-form string -> string.
using SafetensorsMetadata = std::map<std::string, std::string>;

/// The tensors of a safetensors file by name (sorted; looked up with a string_view too).
using TensorIndex = std::map<std::string, TensorInfo, std::less<>>;

namespace detail {

// The reference reader's limit: a larger header is an attack or a broken file.
inline constexpr std::uint64_t safetensors_header_limit = 100'000'000;

template <class... Args>
[[noreturn]] void reject(std::string_view source, fmt::format_string<Args...> format, Args&&... args) {
    fail("safetensors file '{}': {}", source, fmt::format(format, std::forward<Args>(args)...));
}

// Names come from untrusted files: a megabyte-long one must not become a megabyte-long message.
inline std::string shown(std::string_view name) {
    constexpr std::size_t longest = 80;
    if (name.size() <= longest) return std::string(name);
    return fmt::format("{}... ({} bytes)", name.substr(0, longest), name.size());
}

// A shape as "[2, 3]"; an untrusted one may have millions of dimensions, so only the first are shown.
inline std::string shape_text(const std::vector<std::uint64_t>& shape) {
    constexpr std::size_t shown_dimensions = 8;
    if (shape.size() <= shown_dimensions) return fmt::format("{}", shape);
    return fmt::format("[{}, ...] ({} dimensions)", fmt::join(shape.begin(), shape.begin() + shown_dimensions, ", "),
                       shape.size());
}

// Bytes per element of the dtypes of whole bytes the reference implementation knows; 0 for
// any other name.
inline std::uint64_t dtype_size(std::string_view dtype) {
    static const std::map<std::string_view, std::uint64_t> sizes = {
        {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"F8_E8M0", 1},
        {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},     {"U32", 4},
        {"F32", 4},  {"I64", 8}, {"U64", 8}, {"F64", 8},     {"C64", 8}};
    const auto found = sizes.find(dtype);
    return found == sizes.end() ? 0 : found->second;
}

template <std::unsigned_integral Unsigned>
Unsigned load_little_endian(const unsigned char* bytes) {
    Unsigned value = 0;
    for (std::size_t i = 0; i < sizeof(Unsigned); ++i) value |= Unsigned(bytes[i]) << (8 * i);
    return value;
}

template <std::unsigned_integral Unsigned>
void append_little_endian(std::string& out, Unsigned value) {
    for (std::size_t i = 0; i < sizeof(Unsigned); ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFFu));
}

// False when a * b does not fit in 64 bits.
inline bool multiply(std::uint64_t a, std::uint64_t b, std::uint64_t& product) {
    if (b != 0 && a > std::numeric_limits<std::uint64_t>::max() / b) return false;
    product = a * b;
    return true;
}

// Ensures: the header size N, checked against the limit and the file's length.
inline std::uint64_t safetensors_header_size(std::string_view bytes, std::string_view source) {
    if (bytes.size() < 8)
        reject(source, "it is {} bytes long, too short for the 8-byte header size", bytes.size());
    const auto size = load_little_endian<std::uint64_t>(reinterpret_cast<const unsigned char*>(bytes.data()));
    if (size > safetensors_header_limit)
        reject(source, "the header size {} is over the limit of {} bytes", size, safetensors_header_limit);
    if (size > bytes.size() - 8)
        reject(source, "the header size {} runs past the end of the file ({} bytes after the size)", size,
               bytes.size() - 8);
    return size;
}

// Ensures: the header parsed as JSON, with no key twice in any object.
inline nlohmann::json parse_safetensors_header(std::string_view text, std::string_view source) {
    if (text.empty() || text.front() != '{')
        reject(source, "the header is not a JSON object (it must start with '{{')");
    // nlohmann takes a NUL byte for the end of its input and would ignore what follows; JSON
    // never holds one.
    if (text.find('\0') != std::string_view::npos) reject(source, "the header is not valid JSON: it holds a NUL byte");
    using Event = nlohmann::json::parse_event_t;
    std::vector<std::set<std::string, std::less<>>> keys_of_open_objects;
    const auto reject_duplicate_keys = [&](int, Event event, nlohmann::json& parsed) {
        if (event == Event::object_start) keys_of_open_objects.emplace_back();
        if (event == Event::object_end) keys_of_open_objects.pop_back();
        if (event == Event::key && !keys_of_open_objects.back().insert(parsed.get<std::string>()).second)
            reject(source, "the header has the key \"{}\" twice in one object", shown(parsed.get<std::string>()));
        return true;
    };
    try {
        return nlohmann::json::parse(text.begin(), text.end(), reject_duplicate_keys);
    } catch (const nlohmann::json::exception& error) {
        reject(source, "the header is not valid JSON: {}", error.what());
    }
}

inline SafetensorsMetadata read_safetensors_metadata(const nlohmann::json& entry, std::string_view source) {
    if (!entry.is_object()) reject(source, "__metadata__ is a JSON {}, not an object of strings", entry.type_name());
    SafetensorsMetadata metadata;
    for (const auto& [key, value] : entry.items()) {
        if (!value.is_string())
            reject(source, "__metadata__ \"{}\" is a JSON {}, not a string", shown(key), value.type_name());
        metadata.emplace(key, value.get<std::string>());
    }
    return metadata;
}

inline const nlohmann::json& tensor_field(const nlohmann::json& entry, const char* field, std::string_view name,
                                          std::string_view source) {
    const auto found = entry.find(field);
    if (found == entry.end()) reject(source, "tensor '{}' has no \"{}\"", shown(name), field);
    return *found;
}

inline std::vector<std::uint64_t> unsigned_array(const nlohmann::json& array, const char* field,
                                                 std::string_view name, std::string_view source) {
    if (!array.is_array())
        reject(source, "tensor '{}': \"{}\" is a JSON {}, not an array of unsigned integers", shown(name), field,
               array.type_name());
    std::vector<std::uint64_t> values;
    values.reserve(array.size());
    for (const auto& value : array) {
        if (!value.is_number_unsigned())
            reject(source, "tensor '{}': \"{}\" holds a value that is not an unsigned 64-bit integer", shown(name),
                   field);
        values.push_back(value.get<std::uint64_t>());
    }
    return values;
}

// Ensures: the entry's dtype is known, and its shape fits its byte range, which lies inside
// the data section of `data_size` bytes.
inline TensorInfo read_tensor_info(std::string_view name, const nlohmann::json& entry, std::uint64_t data_size,
                                   std::string_view source) {
    if (!entry.is_object())
        reject(source, "tensor '{}' is a JSON {}, not an object with dtype, shape and data_offsets", shown(name),
               entry.type_name());
    const nlohmann::json& dtype = tensor_field(entry, "dtype", name, source);
    if (!dtype.is_string())
        reject(source, "tensor '{}': \"dtype\" is a JSON {}, not a string", shown(name), dtype.type_name());
    TensorInfo info;
    info.dtype = dtype.get<std::string>();
    const std::uint64_t element_size = dtype_size(info.dtype);
    if (element_size == 0) reject(source, "tensor '{}' has the unknown dtype \"{}\"", shown(name), shown(info.dtype));
    info.shape = unsigned_array(tensor_field(entry, "shape", name, source), "shape", name, source);
    const auto offsets =
        unsigned_array(tensor_field(entry, "data_offsets", name, source), "data_offsets", name, source);
    if (offsets.size() != 2)
        reject(source, "tensor '{}': \"data_offsets\" has {} values, not 2 (begin, end)", shown(name), offsets.size());
    info.begin = offsets[0];
    info.end = offsets[1];
    if (info.end < info.begin)
        reject(source, "tensor '{}': data_offsets [{}, {}] end before they begin", shown(name), info.begin, info.end);
    if (info.end > data_size)
        reject(source, "tensor '{}': data_offsets [{}, {}] run past the data section of {} bytes", shown(name),
               info.begin, info.end, data_size);
    // Elements first, then bytes, as the reference does: [2^63, 0] is an empty tensor, not an overflow.
    std::uint64_t elements = 1;
    std::uint64_t bytes = 0;
    for (const std::uint64_t dimension : info.shape)
        if (!multiply(elements, dimension, elements))
            reject(source, "tensor '{}': the element count of shape {} overflows 64 bits", shown(name),
                   shape_text(info.shape));
    if (!multiply(elements, element_size, bytes))
        reject(source, "tensor '{}': the byte size of {} elements of dtype {} overflows 64 bits", shown(name), elements,
               info.dtype);
    if (bytes != info.end - info.begin)
        reject(source, "tensor '{}' of dtype {} and shape {} needs {} bytes, but data_offsets [{}, {}] hold {}",
               shown(name), info.dtype, shape_text(info.shape), bytes, info.begin, info.end,
               info.end - info.begin);
    return info;
}

// Ensures: the tensors' byte ranges tile the data section exactly: no gap, no overlap, no byte
// after the last one.
inline void check_safetensors_layout(const TensorIndex& tensors, std::uint64_t data_size, std::string_view source) {
    std::vector<const TensorIndex::value_type*> by_offset;
    by_offset.reserve(tensors.size());
    for (const auto& tensor : tensors) by_offset.push_back(&tensor);
    std::sort(by_offset.begin(), by_offset.end(), [](const auto* left, const auto* right) {
        return std::pair(left->second.begin, left->second.end) < std::pair(right->second.begin, right->second.end);
    });
    std::uint64_t expected_begin = 0;
    const std::string* previous = nullptr;  // the tensor ending at expected_begin
    for (const auto* tensor : by_offset) {
        const auto& [name, info] = *tensor;
        if (info.begin < expected_begin)
            reject(source, "tensor '{}' (bytes [{}, {})) overlaps tensor '{}' (ending at {})", shown(name), info.begin,
                   info.end, shown(*previous), expected_begin);
        if (info.begin > expected_begin)
            reject(source, "bytes [{}, {}) of the data section, {} tensor '{}', belong to no tensor", expected_begin,
                   info.begin, previous == nullptr ? "before" : fmt::format("between '{}' and", shown(*previous)),
                   shown(name));
        expected_begin = info.end;
        previous = &name;
    }
    if (expected_begin != data_size)
        reject(source, "the data section has {} bytes after the last tensor ends at {}", data_size - expected_begin,
               expected_begin);
}

template <Scalar T, std::size_t ElementSize, class Decode>
Matrix<T> decode_row_major(const unsigned char* data, Index rows, Index cols, Decode decode) {
    Matrix<T> matrix(rows, cols);
    for (Index row = 0; row < rows; ++row)
        for (Index col = 0; col < cols; ++col, data += ElementSize) matrix(row, col) = static_cast<T>(decode(data));
    return matrix;
}

}  // namespace detail

/// Represents: a safetensors file in memory, its header checked: the tensors' names, dtypes,
/// shapes and byte ranges, and the metadata. Tensors convert to matrices on demand.
class SafetensorsFile {
public:
    /// Requires: nothing of `bytes` (a whole file, from anywhere); `source` names it in errors.
    /// Ensures: the header parsed and every rule in this header's comment checked; else
    ///   neuro::Error naming `source` and the problem. Nothing is allocated for a tensor.
    SafetensorsFile(std::string bytes, std::string source) : bytes_(std::move(bytes)), source_(std::move(source)) {
        const std::uint64_t header_size = detail::safetensors_header_size(bytes_, source_);
        data_start_ = 8 + header_size;
        const std::uint64_t data_size = bytes_.size() - data_start_;
        const auto header = detail::parse_safetensors_header(std::string_view(bytes_).substr(8, header_size), source_);
        for (const auto& [key, entry] : header.items()) {
            if (key == "__metadata__")
                metadata_ = detail::read_safetensors_metadata(entry, source_);
            else
                tensors_.emplace(key, detail::read_tensor_info(key, entry, data_size, source_));
        }
        detail::check_safetensors_layout(tensors_, data_size, source_);
    }

    /// The name errors give the file: its path, or the name given for a buffer.
    const std::string& source() const { return source_; }

    const SafetensorsMetadata& metadata() const { return metadata_; }

    const TensorIndex& tensors() const { return tensors_; }

    /// Ensures: the header's entry for tensor `name`; neuro::Error naming the file, the tensor
    ///   and the tensors there are when there is no such tensor.
    const TensorInfo& info(std::string_view name) const {
        const auto found = tensors_.find(name);
        if (found == tensors_.end()) {
            std::vector<std::string> names;  // the first few: enough to spot a naming mismatch
            for (auto tensor = tensors_.begin(); tensor != tensors_.end() && names.size() < 10; ++tensor)
                names.push_back(detail::shown(tensor->first));
            detail::reject(source_, "it has no tensor '{}' (its {} tensors: {}{})", detail::shown(name),
                           tensors_.size(), fmt::join(names, ", "), tensors_.size() > names.size() ? ", ..." : "");
        }
        return found->second;
    }

    /// Ensures: tensor `name`'s bytes as stored (little-endian, row-major), of any dtype.
    std::span<const std::byte> raw_bytes(std::string_view name) const {
        const TensorInfo& tensor = info(name);
        return std::as_bytes(std::span(bytes_)).subspan(data_start_ + tensor.begin, tensor.end - tensor.begin);
    }

    /// Requires: tensor `name` exists, has dtype F32, F64, F16 or BF16 and 0, 1 or 2 dimensions.
    /// Ensures: its values converted to T (F16 and BF16 exactly; F64 to float rounds): a 2-D
    ///   tensor [rows, cols] as a rows x cols matrix, a 1-D [n] as n x 1, a scalar as 1 x 1.
    ///   Otherwise neuro::Error naming the file, the tensor and its dtype or shape.
    template <Scalar T>
    Matrix<T> tensor_as_matrix(std::string_view name) const {
        const TensorInfo& tensor = info(name);
        if (tensor.shape.size() > 2)
            detail::reject(source_, "tensor '{}' has {} dimensions {}; a matrix takes 1 or 2", detail::shown(name),
                           tensor.shape.size(), detail::shape_text(tensor.shape));
        const std::uint64_t rows = tensor.shape.empty() ? 1 : tensor.shape[0];
        const std::uint64_t cols = tensor.shape.size() == 2 ? tensor.shape[1] : 1;
        // An empty tensor passes the size checks with any other dimension.
        constexpr auto largest = static_cast<std::uint64_t>(std::numeric_limits<Index>::max());
        if (rows > largest || cols > largest)
            detail::reject(source_, "tensor '{}' of shape {} is too large for a matrix", detail::shown(name),
                           detail::shape_text(tensor.shape));
        const auto* data = reinterpret_cast<const unsigned char*>(bytes_.data() + data_start_ + tensor.begin);
        const auto r = static_cast<Index>(rows);
        const auto c = static_cast<Index>(cols);
        using detail::load_little_endian;
        if (tensor.dtype == "F32")
            return detail::decode_row_major<T, 4>(data, r, c, [](const unsigned char* bytes) {
                return std::bit_cast<float>(load_little_endian<std::uint32_t>(bytes));
            });
        if (tensor.dtype == "F64")
            return detail::decode_row_major<T, 8>(data, r, c, [](const unsigned char* bytes) {
                return std::bit_cast<double>(load_little_endian<std::uint64_t>(bytes));
            });
        if (tensor.dtype == "F16")
            return detail::decode_row_major<T, 2>(data, r, c, [](const unsigned char* bytes) {
                return half_to_float(load_little_endian<std::uint16_t>(bytes));
            });
        if (tensor.dtype == "BF16")
            return detail::decode_row_major<T, 2>(data, r, c, [](const unsigned char* bytes) {
                return bfloat16_to_float(load_little_endian<std::uint16_t>(bytes));
            });
        detail::reject(source_, "tensor '{}' has dtype {}; only F32, F64, F16 and BF16 convert to a matrix",
                       detail::shown(name), tensor.dtype);
    }

private:
    std::string bytes_;  // the whole file: size, header, data section
    std::string source_;
    std::uint64_t data_start_ = 0;
    TensorIndex tensors_;
    SafetensorsMetadata metadata_;
};

/// Ensures: the safetensors file at `path`, read whole and checked as SafetensorsFile does;
///   neuro::Error naming the path when it cannot be read or is not a valid safetensors file.
inline SafetensorsFile read_safetensors(const std::filesystem::path& path) {
    return SafetensorsFile(read_file(path, "read_safetensors"), path.string());
}

/// Represents: the tensors and metadata of a safetensors file being assembled, then written
/// (see this header's comment for the layout).
class SafetensorsWriter {
public:
    /// Requires: `name` is not "__metadata__" and not added before (else neuro::Error).
    /// Ensures: the tensor's values are copied, as F32 for float and F64 for double. A column
    ///   vector type (one column at compile time, as neuro::Vector) is stored 1-D [rows], as
    ///   PyTorch stores a bias; anything else 2-D [rows, cols].
    template <class M>
        requires DenseOf<M, float> || DenseOf<M, double>
    void add(std::string name, const M& tensor) {
        if (name == "__metadata__") fail("SafetensorsWriter::add: \"__metadata__\" is reserved, not a tensor name");
        if (entries_.contains(name)) fail("SafetensorsWriter::add: tensor '{}' was already added", detail::shown(name));
        using Element = typename M::Scalar;
        using Bits = std::conditional_t<std::same_as<Element, float>, std::uint32_t, std::uint64_t>;
        std::string& data = std::same_as<Element, float> ? f32_data_ : f64_data_;
        Entry entry;
        entry.dtype = std::same_as<Element, float> ? "F32" : "F64";
        entry.shape = {std::uint64_t(tensor.rows())};
        if constexpr (M::ColsAtCompileTime != 1) entry.shape.push_back(std::uint64_t(tensor.cols()));
        entry.begin = data.size();
        data.reserve(data.size() + std::size_t(tensor.size()) * sizeof(Element));
        for (Index row = 0; row < tensor.rows(); ++row)
            for (Index col = 0; col < tensor.cols(); ++col)
                detail::append_little_endian(data, std::bit_cast<Bits>(static_cast<Element>(tensor(row, col))));
        entry.end = data.size();
        entries_.emplace(std::move(name), std::move(entry));
    }

    /// Ensures: the file's "__metadata__" maps `key` to `value` (replacing an earlier value).
    void set_metadata(std::string key, std::string value) {
        metadata_.insert_or_assign(std::move(key), std::move(value));
    }

    /// Ensures: the whole file inserted into `stream`; the stream's state reports write errors.
    ///   neuro::Error when a name, key or value is not valid UTF-8 (JSON requires it).
    void write(std::ostream& stream) const { write(stream, padded_header()); }

    /// Ensures: `path` replaced by the file in one step (write_file_atomically): on any failure
    ///   it keeps its old content and neuro::Error names the path.
    void write(const std::filesystem::path& path) const {
        const std::string header = padded_header();  // fails on a bad name before the file is touched
        write_file_atomically(path, [&](std::ostream& stream) { write(stream, header); });
    }

private:
    struct Entry {
        std::string dtype;
        std::vector<std::uint64_t> shape;
        std::uint64_t begin = 0;  // byte range in the buffer of its dtype
        std::uint64_t end = 0;
    };

    void write(std::ostream& stream, const std::string& header) const {
        std::string size;
        detail::append_little_endian(size, std::uint64_t(header.size()));
        for (const std::string* bytes :
             std::initializer_list<const std::string*>{&size, &header, &f64_data_, &f32_data_})
            stream.write(bytes->data(), std::streamsize(bytes->size()));
    }

    // The JSON header, padded with spaces so that the data section starts 8-byte aligned.
    std::string padded_header() const {
        nlohmann::json header = nlohmann::json::object();
        for (const auto& [name, entry] : entries_) {
            const std::uint64_t base = entry.dtype == "F32" ? f64_data_.size() : 0;  // doubles come first
            header[name] = {{"dtype", entry.dtype},
                            {"shape", entry.shape},
                            {"data_offsets", {base + entry.begin, base + entry.end}}};
        }
        if (!metadata_.empty()) header["__metadata__"] = metadata_;
        std::string text;
        try {
            text = header.dump();
        } catch (const nlohmann::json::exception& error) {
            fail("SafetensorsWriter: tensor names and metadata must be valid UTF-8: {}", error.what());
        }
        text.append((8 - text.size() % 8) % 8, ' ');
        return text;
    }

    std::map<std::string, Entry> entries_;
    std::string f64_data_;  // F64 tensors, row-major, little-endian, in the order added
    std::string f32_data_;
    SafetensorsMetadata metadata_;
};

/// Ensures: `path` replaced atomically by a safetensors file holding `tensors` (F32 for
///   float, F64 for double, each 2-D [rows, cols], row-major) and `metadata`; neuro::Error
///   naming the path on failure, the old file left as it was.
template <Scalar T>
void write_safetensors(const std::filesystem::path& path, const std::map<std::string, Matrix<T>>& tensors,
                       const SafetensorsMetadata& metadata = {}) {
    SafetensorsWriter writer;
    for (const auto& [name, tensor] : tensors) writer.add(name, tensor);
    for (const auto& [key, value] : metadata) writer.set_metadata(key, value);
    writer.write(path);
}

}  // namespace neuro::io
