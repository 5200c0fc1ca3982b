#pragma once
// IDX files (the format of MNIST and Fashion-MNIST), plain or gzip-compressed.
//
// An IDX file is: two zero bytes, a type byte, the number of dimensions, each dimension as a
// big-endian 32-bit count, then the elements in row-major order (last dimension fastest),
// big-endian. Readers check every part of that against the file's length; gzip is detected
// by its magic bytes (1f 8b) and inflated with zlib, never past the size the header promises.
// Using this header means linking zlib (-lz, or CMake's ZLIB::ZLIB).

#include "neuro/core/error.hpp"
#include "neuro/core/file.hpp"
#include "neuro/core/types.hpp"
#include "neuro/data/dataset.hpp"
#include "neuro/io/atomic_file.hpp"

#include <Eigen/Core>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace neuro {

/// The element types of IDX, by their type byte.
enum class IdxType : std::uint8_t {
    UnsignedByte = 0x08,
    SignedByte = 0x09,
    Short = 0x0B,   ///< 16-bit signed
    Int = 0x0C,     ///< 32-bit signed
    Float = 0x0D,   ///< 32-bit IEEE 754
    Double = 0x0E,  ///< 64-bit IEEE 754
};

/// Represents: the content of an IDX file: its element type, its dimensions and its elements
/// as T, row-major (last dimension fastest).
/// Invariant (checked by encode_idx): values.size() is the product of the dimensions.
template <Scalar T>
struct IdxArray {
    IdxType type = IdxType::UnsignedByte;
    std::vector<Index> dimensions;
    std::vector<T> values;
};

/// How write_idx stores the bytes.
enum class IdxCompression { None, Gzip };

/// How read_idx_images gives pixels.
enum class PixelScale {
    Raw,           ///< the stored values (0 to 255 for unsigned bytes)
    UnitInterval,  ///< unsigned bytes divided by 255, into [0, 1]
};

namespace detail {

constexpr std::size_t idx_element_size(IdxType type) {
    switch (type) {
        case IdxType::UnsignedByte:
        case IdxType::SignedByte: return 1;
        case IdxType::Short: return 2;
        case IdxType::Int:
        case IdxType::Float: return 4;
        case IdxType::Double: return 8;
    }
    return 0;  // not a valid type: callers check first
}

inline std::string_view idx_type_name(IdxType type) {
    switch (type) {
        case IdxType::UnsignedByte: return "unsigned byte";
        case IdxType::SignedByte: return "signed byte";
        case IdxType::Short: return "int16";
        case IdxType::Int: return "int32";
        case IdxType::Float: return "float32";
        case IdxType::Double: return "float64";
    }
    return "unknown";
}

inline bool is_idx_type(std::uint8_t byte) {
    return byte == 0x08 || byte == 0x09 || byte == 0x0B || byte == 0x0C || byte == 0x0D || byte == 0x0E;
}

inline bool is_gzip(std::span<const unsigned char> bytes) {
    return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

inline std::uint64_t read_big_endian(const unsigned char* bytes, std::size_t size) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < size; ++i) value = (value << 8) | bytes[i];
    return value;
}

// One element of type `type` stored big-endian at `bytes`, as T.
template <Scalar T, IdxType type>
T decode_element(const unsigned char* bytes) {
    if constexpr (type == IdxType::UnsignedByte) return T(bytes[0]);
    else if constexpr (type == IdxType::SignedByte) return T(std::int8_t(bytes[0]));
    else if constexpr (type == IdxType::Short) return T(std::int16_t(std::uint16_t(read_big_endian(bytes, 2))));
    else if constexpr (type == IdxType::Int) return T(std::int32_t(std::uint32_t(read_big_endian(bytes, 4))));
    else if constexpr (type == IdxType::Float) return T(std::bit_cast<float>(std::uint32_t(read_big_endian(bytes, 4))));
    else return T(std::bit_cast<double>(read_big_endian(bytes, 8)));
}

// Decodes out.size() elements stored at `bytes`, as T. The type is chosen once, outside the
// loop, so that each loop is a plain conversion the compiler can vectorize.
template <Scalar T>
void decode_elements(const unsigned char* bytes, IdxType type, std::span<T> out) {
    const auto each = [&]<IdxType stored>() {
        constexpr std::size_t size = idx_element_size(stored);
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = decode_element<T, stored>(bytes + i * size);
    };
    switch (type) {
        case IdxType::UnsignedByte: return each.template operator()<IdxType::UnsignedByte>();
        case IdxType::SignedByte: return each.template operator()<IdxType::SignedByte>();
        case IdxType::Short: return each.template operator()<IdxType::Short>();
        case IdxType::Int: return each.template operator()<IdxType::Int>();
        case IdxType::Float: return each.template operator()<IdxType::Float>();
        case IdxType::Double: return each.template operator()<IdxType::Double>();
    }
}

// Reads the bytes of an uncompressed file in memory.
class PlainBytes {
public:
    explicit PlainBytes(std::span<const unsigned char> bytes) : bytes_(bytes) {}

    // Fills `out` as far as the bytes go; returns how many it filled.
    std::size_t read(std::span<unsigned char> out) {
        const std::size_t count = std::min(out.size(), bytes_.size() - position_);
        if (count > 0) std::memcpy(out.data(), bytes_.data() + position_, count);
        position_ += count;
        return count;
    }

    std::size_t remaining() const { return bytes_.size() - position_; }
    std::size_t most_remaining() const { return remaining(); }

private:
    std::span<const unsigned char> bytes_;
    std::size_t position_ = 0;
};

// Inflates a gzip file in memory on demand, so that no more is inflated than is asked for.
// Concatenated gzip members read as one stream, as gunzip reads them.
class GzipBytes {
public:
    GzipBytes(std::span<const unsigned char> compressed, std::string_view source)
        : compressed_(compressed), source_(source) {
        // 16 + MAX_WBITS: expect the gzip wrapper, not a raw zlib stream.
        if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK) fail("read_idx: {}: cannot start zlib", source_);
    }
    GzipBytes(const GzipBytes&) = delete;
    GzipBytes& operator=(const GzipBytes&) = delete;
    ~GzipBytes() { inflateEnd(&stream_); }

    std::size_t read(std::span<unsigned char> out) {
        std::size_t filled = 0;
        while (filled < out.size() && !finished_) {
            feed_input();
            const std::size_t asked = std::min<std::size_t>(out.size() - filled, UINT_MAX);
            stream_.next_out = out.data() + filled;
            stream_.avail_out = uInt(asked);
            const int status = inflate(&stream_, Z_NO_FLUSH);
            filled += asked - stream_.avail_out;
            if (status == Z_STREAM_END) {
                start_next_member();
            } else if (status == Z_BUF_ERROR && stream_.avail_in == 0 && consumed_ == compressed_.size()) {
                fail("read_idx: {}: the gzip data is truncated", source_);
            } else if (status != Z_OK && status != Z_BUF_ERROR) {
                fail("read_idx: {}: the gzip data is corrupt ({})", source_, stream_.msg ? stream_.msg : "zlib error");
            }
        }
        return filled;
    }

    // Deflate expands by at most 1032 times: what is left cannot inflate to more than this.
    std::size_t most_remaining() const {
        constexpr std::size_t deflate_ratio_limit = 1032;
        const std::size_t left = stream_.avail_in + (compressed_.size() - consumed_);
        return left > std::numeric_limits<std::size_t>::max() / deflate_ratio_limit
                   ? std::numeric_limits<std::size_t>::max()
                   : left * deflate_ratio_limit;
    }

private:
    // zlib counts input in uInt: hand it the compressed bytes in pieces it can count.
    void feed_input() {
        if (stream_.avail_in > 0 || consumed_ == compressed_.size()) return;
        const std::size_t piece = std::min<std::size_t>(compressed_.size() - consumed_, UINT_MAX);
        stream_.next_in = const_cast<Bytef*>(compressed_.data() + consumed_);  // zlib's API is not const
        stream_.avail_in = uInt(piece);
        consumed_ += piece;
    }

    void start_next_member() {
        const std::size_t left = stream_.avail_in + (compressed_.size() - consumed_);
        if (left == 0) {
            finished_ = true;
            return;
        }
        const unsigned char* next = stream_.avail_in > 0 ? stream_.next_in : compressed_.data() + consumed_;
        if (left < 2 || next[0] != 0x1f || next[1] != 0x8b)
            fail("read_idx: {}: {} bytes that are not gzip data follow the compressed data", source_, left);
        inflateReset(&stream_);
    }

    std::span<const unsigned char> compressed_;
    std::string_view source_;
    z_stream stream_{};
    std::size_t consumed_ = 0;
    bool finished_ = false;
};

// Reads exactly out.size() bytes, or fails naming what was being read.
template <class Bytes>
void read_exactly(Bytes& bytes, std::span<unsigned char> out, std::string_view source, std::string_view what) {
    const std::size_t got = bytes.read(out);
    if (got != out.size())
        fail("read_idx: {}: the file is truncated: {} needs {} bytes, only {} are left", source, what, out.size(), got);
}

// What an IDX header declares: the element type, the dimensions and their product.
struct IdxHeader {
    IdxType type = IdxType::UnsignedByte;
    std::vector<Index> dimensions;
    std::size_t count = 0;  ///< elements
};

// Reads and checks the header, and that the input can hold the data it promises, before
// anything of the data's size is allocated.
template <class Bytes>
IdxHeader read_idx_header(Bytes& bytes, std::string_view source) {
    std::array<unsigned char, 4> magic{};
    read_exactly(bytes, magic, source, "the 4-byte magic number");
    if (magic[0] != 0 || magic[1] != 0)
        fail("read_idx: {}: not an IDX file: the magic number {:02x} {:02x} {:02x} {:02x} does not start with 00 00",
             source, magic[0], magic[1], magic[2], magic[3]);
    if (!is_idx_type(magic[2]))
        fail("read_idx: {}: unknown IDX type byte 0x{:02x} (known: 08 u8, 09 i8, 0b i16, 0c i32, 0d f32, 0e f64)",
             source, magic[2]);
    IdxHeader result;
    result.type = IdxType(magic[2]);
    const std::size_t rank = magic[3];
    if (rank == 0) fail("read_idx: {}: the header declares 0 dimensions", source);

    std::vector<unsigned char> header(4 * rank);
    read_exactly(bytes, header, source, fmt::format("the {} dimensions", rank));
    const std::size_t element_size = idx_element_size(result.type);
    for (std::size_t d = 0; d < rank; ++d) result.dimensions.push_back(Index(read_big_endian(&header[4 * d], 4)));
    // Every product of dimensions (the element count, the pixels of an image) must fit in
    // memory sizes and in Index, also beside a zero dimension: check the product of the
    // non-zero ones as it grows.
    const std::size_t limit = std::size_t(std::numeric_limits<Index>::max()) / element_size;
    std::size_t nonzero_product = 1;
    bool any_zero = false;
    for (const Index extent : result.dimensions) {
        if (extent == 0) {
            any_zero = true;
            continue;
        }
        if (nonzero_product > limit / std::size_t(extent))
            fail("read_idx: {}: the dimensions {} multiply beyond what memory can address", source,
                 fmt::join(result.dimensions, " x "));
        nonzero_product *= std::size_t(extent);
    }
    result.count = any_zero ? 0 : nonzero_product;
    const std::size_t data_size = result.count * element_size;
    if constexpr (std::same_as<Bytes, PlainBytes>) {
        // The whole file is at hand: check its length before reading any data.
        if (bytes.remaining() != data_size)
            fail(
                "read_idx: {}: the header promises {} elements ({} bytes of data), but the file holds {} bytes of "
                "data ({})",
                source, result.count, data_size, bytes.remaining(),
                bytes.remaining() < data_size ? "truncated" : "trailing bytes");
    }
    // Memory is allocated for the promised elements: a header that promises more than the
    // input can hold (a lying header in a small gzip file) must fail here, not allocate.
    if (data_size > bytes.most_remaining())
        fail(
            "read_idx: {}: the file is truncated: the header promises {} elements ({} bytes of data), but what is "
            "left of the file holds at most {} bytes",
            source, result.count, data_size, bytes.most_remaining());
    return result;
}

// Elements decoded at a time: the buffers (this many stored elements, as many T) stay small
// whatever the file's size. Smaller and larger pieces loaded Fashion-MNIST a little slower.
inline constexpr std::size_t idx_piece_elements = std::size_t(1) << 16;

// Decodes the header's elements in pieces of at most idx_piece_elements, handing each to
// `sink(std::span<T> piece, std::size_t offset)` (offset: the index of its first element,
// row-major); then checks that nothing follows them.
template <Scalar T, class Bytes, class Sink>
void decode_idx_elements(Bytes& bytes, const IdxHeader& header, std::string_view source, Sink&& sink) {
    const std::size_t element_size = idx_element_size(header.type);
    std::vector<unsigned char> stored(std::min(idx_piece_elements, header.count) * element_size);
    std::vector<T> decoded(std::min(idx_piece_elements, header.count));
    for (std::size_t done = 0; done < header.count;) {
        const std::size_t elements = std::min(idx_piece_elements, header.count - done);
        const std::size_t got = bytes.read(std::span(stored.data(), elements * element_size));
        if (got != elements * element_size)
            fail(
                "read_idx: {}: the file is truncated: the header promises {} elements ({} bytes of data), the file "
                "holds {} bytes of data",
                source, header.count, header.count * element_size, done * element_size + got);
        const std::span piece(decoded.data(), elements);
        decode_elements(stored.data(), header.type, piece);
        sink(piece, done);
        done += elements;
    }
    unsigned char extra = 0;
    if (bytes.read(std::span(&extra, 1)) != 0)
        fail("read_idx: {}: trailing bytes after the {} elements the header promises", source, header.count);
}

template <Scalar T, class Bytes>
IdxArray<T> decode_idx(Bytes& bytes, std::string_view source) {
    const IdxHeader header = read_idx_header(bytes, source);
    IdxArray<T> array{header.type, header.dimensions, {}};
    array.values.reserve(header.count);  // read_idx_header checked that the input can hold them
    decode_idx_elements<T>(bytes, header, source, [&](std::span<T> piece, std::size_t) {
        array.values.insert(array.values.end(), piece.begin(), piece.end());
    });
    return array;
}

inline std::span<const unsigned char> unsigned_bytes(const std::string& bytes) {
    return {reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()};
}

// Calls decode(reader) with a reader of `bytes`: gzip-inflating when they start as gzip.
template <class Decode>
auto with_idx_reader(std::span<const unsigned char> bytes, std::string_view source, Decode&& decode) {
    if (is_gzip(bytes)) {
        GzipBytes inflated(bytes, source);
        return decode(inflated);
    }
    PlainBytes plain(bytes);
    return decode(plain);
}

// The number of images and of pixels in each, of an array of `type` and `dimensions` read as
// images; see idx_images.
inline std::array<Index, 2> idx_image_shape(IdxType type, const std::vector<Index>& dimensions, PixelScale scale,
                                            std::string_view source) {
    if (dimensions.size() < 2)
        fail("read_idx_images: {}: images need at least 2 dimensions (count, pixels...), the file has {}", source,
             dimensions.size());
    if (scale == PixelScale::UnitInterval && type != IdxType::UnsignedByte)
        fail("read_idx_images: {}: scaling to [0, 1] divides by 255 and needs unsigned-byte pixels; the file holds {}",
             source, idx_type_name(type));
    Index pixels = 1;
    for (std::size_t d = 1; d < dimensions.size(); ++d) {
        const Index extent = dimensions[d];
        if (extent < 0 || (extent > 0 && pixels > std::numeric_limits<Index>::max() / extent))
            fail("read_idx_images: {}: the image dimensions {} do not multiply to a pixel count", source,
                 fmt::join(dimensions, " x "));
        pixels *= extent;
    }
    return {dimensions.front(), pixels};
}

// Copies `pixels`, the row-major elements from flat index `offset` on of an array of
// images.rows() images of images.cols() pixels, into their places in `images` (one image per
// row). Whole images go as one block copy, which walks the column-major destination a few
// contiguous elements per column rather than one element per column and image.
template <Scalar T>
void place_pixels(RowMatrix<T>& images, std::span<const T> pixels, std::size_t offset) {
    std::copy(pixels.begin(), pixels.end(), images.data() + offset);  // the file's own order
}

template <Scalar T>
void place_pixels(Matrix<T>& images, std::span<const T> pixels, std::size_t offset) {
    using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    using Row = Eigen::Matrix<T, 1, Eigen::Dynamic>;
    const auto width = std::size_t(images.cols());
    Index row = Index(offset / width);
    const T* next = pixels.data();
    std::size_t left = pixels.size();
    if (const std::size_t column = offset % width; column > 0 && left > 0) {  // the rest of a started image
        const std::size_t count = std::min(left, width - column);
        images.row(row).segment(Index(column), Index(count)) = Eigen::Map<const Row>(next, Index(count));
        next += count;
        left -= count;
        ++row;
    }
    if (const std::size_t whole = left / width; whole > 0) {
        images.middleRows(row, Index(whole)) = Eigen::Map<const RowMajor>(next, Index(whole), Index(width));
        next += whole * width;
        left -= whole * width;
        row += Index(whole);
    }
    if (left > 0) images.row(row).head(Index(left)) = Eigen::Map<const Row>(next, Index(left));  // a started image
}

inline void append_big_endian(std::vector<unsigned char>& out, std::uint64_t value, std::size_t size) {
    for (std::size_t i = size; i-- > 0;) out.push_back(static_cast<unsigned char>(value >> (8 * i)));
}

// Checks that `value` is stored exactly by `type` (integers in range; any value for floats).
template <Scalar T>
void check_representable(T value, IdxType type, std::size_t index) {
    double low = 0;
    double high = 0;
    switch (type) {
        case IdxType::UnsignedByte: low = 0, high = 255; break;
        case IdxType::SignedByte: low = -128, high = 127; break;
        case IdxType::Short: low = -32768, high = 32767; break;
        case IdxType::Int: low = -2147483648.0, high = 2147483647.0; break;
        case IdxType::Float:
        case IdxType::Double: return;
    }
    if (!(double(value) >= low && double(value) <= high && double(value) == std::floor(double(value))))
        fail("encode_idx: element {} is {}, which {} cannot hold (integers {} to {})", index, value,
             idx_type_name(type), low, high);
}

template <Scalar T>
void append_element(std::vector<unsigned char>& out, T value, IdxType type) {
    switch (type) {
        case IdxType::UnsignedByte: out.push_back(static_cast<unsigned char>(value)); return;
        case IdxType::SignedByte: out.push_back(static_cast<unsigned char>(std::int8_t(value))); return;
        case IdxType::Short: append_big_endian(out, std::uint16_t(std::int16_t(value)), 2); return;
        case IdxType::Int: append_big_endian(out, std::uint32_t(std::int32_t(value)), 4); return;
        case IdxType::Float: append_big_endian(out, std::bit_cast<std::uint32_t>(float(value)), 4); return;
        case IdxType::Double: append_big_endian(out, std::bit_cast<std::uint64_t>(double(value)), 8); return;
    }
}

inline std::vector<unsigned char> gzip(std::span<const unsigned char> bytes) {
    if (bytes.size() > UINT_MAX) fail("write_idx: {} bytes are more than one zlib call compresses", bytes.size());
    z_stream stream{};
    // 16 + MAX_WBITS: write the gzip wrapper, the format gunzip and read_idx read.
    if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        fail("write_idx: cannot start zlib");
    std::vector<unsigned char> compressed(deflateBound(&stream, uLong(bytes.size())));
    stream.next_in = const_cast<Bytef*>(bytes.data());  // zlib's API is not const
    stream.avail_in = uInt(bytes.size());
    stream.next_out = compressed.data();
    stream.avail_out = uInt(compressed.size());
    const int status = deflate(&stream, Z_FINISH);
    compressed.resize(stream.total_out);
    deflateEnd(&stream);
    if (status != Z_STREAM_END) fail("write_idx: zlib failed to compress {} bytes", bytes.size());
    return compressed;
}

}  // namespace detail

/// Decodes an IDX file held in memory, gzip-compressed or not (told by its first bytes).
/// Ensures: the type, the dimensions and every element as T (32-bit integers and float64
/// round to T where T cannot hold them).
/// Throws neuro::Error "read_idx: <source>: ..." for a wrong magic number, an unknown type
/// byte, no dimensions, dimensions whose product overflows, a truncated file, trailing bytes,
/// and corrupt or truncated gzip data.
template <Scalar T>
IdxArray<T> decode_idx(std::span<const unsigned char> bytes, std::string_view source = "<bytes>") {
    return detail::with_idx_reader(bytes, source,
                                   [&](auto& reader) { return detail::decode_idx<T>(reader, source); });
}

/// Reads an IDX file, gzip-compressed or not; see decode_idx. Errors name the file.
template <Scalar T>
IdxArray<T> read_idx(const std::filesystem::path& path) {
    const std::string bytes = read_file(path, "read_idx");
    return decode_idx<T>(detail::unsigned_bytes(bytes), path.string());
}

/// Ensures: the bytes of an uncompressed IDX file holding `array`.
/// Requires: at least one and at most 255 dimensions, each in [0, 2^32); values.size() their
/// product; every value representable in the type (an integer in range for the integer
/// types). Checked: neuro::Error.
template <Scalar T>
std::vector<unsigned char> encode_idx(const IdxArray<T>& array) {
    if (!detail::is_idx_type(std::uint8_t(array.type)))
        fail("encode_idx: 0x{:02x} is not an IDX type", std::uint8_t(array.type));
    if (array.dimensions.empty() || array.dimensions.size() > 255)
        fail("encode_idx: IDX holds 1 to 255 dimensions, got {}", array.dimensions.size());
    std::size_t count = 1;
    for (const Index extent : array.dimensions) {
        if (extent < 0 || std::uint64_t(extent) > 0xFFFFFFFFu)
            fail("encode_idx: dimension {} does not fit IDX's unsigned 32-bit counts", extent);
        count *= std::size_t(extent);
    }
    if (count != array.values.size())
        fail("encode_idx: the dimensions {} hold {} elements, but there are {} values",
             fmt::join(array.dimensions, " x "), count, array.values.size());
    std::vector<unsigned char> out = {0, 0, std::uint8_t(array.type), std::uint8_t(array.dimensions.size())};
    out.reserve(4 + 4 * array.dimensions.size() + count * detail::idx_element_size(array.type));
    for (const Index extent : array.dimensions) detail::append_big_endian(out, std::uint64_t(extent), 4);
    for (std::size_t i = 0; i < count; ++i) {
        detail::check_representable(array.values[i], array.type, i);
        detail::append_element(out, array.values[i], array.type);
    }
    return out;
}

/// Writes `array` as an IDX file (see encode_idx), gzip-compressed when asked. The file is
/// replaced in one step (io::write_file_atomically): it appears whole or not at all.
template <Scalar T>
void write_idx(const std::filesystem::path& path, const IdxArray<T>& array,
               IdxCompression compression = IdxCompression::None) {
    std::vector<unsigned char> bytes = encode_idx(array);
    if (compression == IdxCompression::Gzip) bytes = detail::gzip(bytes);
    io::write_file_atomically(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

/// Ensures: the images of an IDX array of N images of H x W (or any N x ...) as an N x (H*W)
/// matrix, one image per row, pixels in row-major order; divided by 255 under
/// PixelScale::UnitInterval.
/// Requires: at least 2 dimensions; unsigned bytes for PixelScale::UnitInterval (checked:
/// neuro::Error naming `source`).
template <Scalar T>
Matrix<T> idx_images(const IdxArray<T>& array, PixelScale scale, std::string_view source = "<bytes>") {
    const auto [images, pixels] = detail::idx_image_shape(array.type, array.dimensions, scale, source);
    if (images < 0 || (pixels > 0 && std::size_t(images) != array.values.size() / std::size_t(pixels)) ||
        std::size_t(images) * std::size_t(pixels) != array.values.size())
        fail("read_idx_images: {}: {} images of {} pixels, but {} values", source, images, pixels, array.values.size());
    Matrix<T> result(images, pixels);
    // No images, or images of no pixels: nothing to place (and no width to divide by).
    if (array.values.empty()) return result;
    detail::place_pixels(result, std::span(array.values), 0);
    if (scale == PixelScale::UnitInterval) result /= T(255);
    return result;
}

/// Decodes an IDX file of images held in memory straight into the matrix idx_images would
/// give (or its RowMatrix form: Images = RowMatrix<T>), without the IdxArray between: the
/// peak memory is the matrix, `bytes` and a small constant. Throws decode_idx's and idx_images's errors, and a "truncated" error for a header
/// that promises more data than `bytes` can hold, before allocating the matrix.
template <Scalar T, SampleMatrixOf<T> Images = Matrix<T>>
Images decode_idx_images(std::span<const unsigned char> bytes, PixelScale scale = PixelScale::Raw,
                         std::string_view source = "<bytes>") {
    return detail::with_idx_reader(bytes, source, [&](auto& reader) {
        const detail::IdxHeader header = detail::read_idx_header(reader, source);
        const auto [images, pixels] = detail::idx_image_shape(header.type, header.dimensions, scale, source);
        Images result(images, pixels);
        detail::decode_idx_elements<T>(reader, header, source, [&](std::span<T> piece, std::size_t offset) {
            // Scaled while the piece is in cache: v / 255 in T, as idx_images divides.
            if (scale == PixelScale::UnitInterval)
                for (T& value : piece) value /= T(255);
            detail::place_pixels(result, std::span<const T>(piece), offset);
        });
        return result;
    });
}

/// Ensures: an IDX array of N class labels as an N x 1 matrix of class indices.
/// Requires: one dimension and an integer type (checked: neuro::Error naming `source`).
template <Scalar T>
Matrix<T> idx_labels(const IdxArray<T>& array, std::string_view source = "<bytes>") {
    if (array.dimensions.size() != 1)
        fail("read_idx_labels: {}: labels have 1 dimension, the file has {}", source, array.dimensions.size());
    if (array.type == IdxType::Float || array.type == IdxType::Double)
        fail("read_idx_labels: {}: labels are class indices, but the file holds {}", source,
             detail::idx_type_name(array.type));
    return ConstVectorView<T>(array.values.data(), Index(array.values.size()));
}

/// Reads an IDX file of N images (N x H x W) as an N x (H*W) matrix, column-major or, with
/// Images = RowMatrix<T>, one contiguous image per row; see decode_idx_images.
template <Scalar T, SampleMatrixOf<T> Images = Matrix<T>>
Images read_idx_images(const std::filesystem::path& path, PixelScale scale = PixelScale::Raw) {
    const std::string bytes = read_file(path, "read_idx");
    return decode_idx_images<T, Images>(detail::unsigned_bytes(bytes), scale, path.string());
}

/// Reads an IDX file of N class labels as an N x 1 matrix; see idx_labels.
template <Scalar T>
Matrix<T> read_idx_labels(const std::filesystem::path& path) {
    return idx_labels(read_idx<T>(path), path.string());
}

}  // namespace neuro
