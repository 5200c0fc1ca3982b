// IDX: the byte layout, round trips of every element type (plain and gzip), images and labels,
// and the rejection of every kind of damaged file.

#include <neuro/data/idx.hpp>

#include <neuro/core/error.hpp>

#include "../support/temporary_directory.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace test_idx {

using Catch::Matchers::Contains;
using neuro::IdxArray;
using neuro::IdxCompression;
using neuro::IdxType;
using neuro::Index;
using neuro::Matrix;
using Bytes = std::vector<unsigned char>;

namespace {

void write_bytes(const std::filesystem::path& path, const Bytes& bytes) {
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

// Two 2 x 3 images of unsigned bytes, pixel values 0, 51, ..., 255 and back.
template <class T>
IdxArray<T> two_images() {
    return {IdxType::UnsignedByte, {2, 2, 3}, {0, 51, 102, 153, 204, 255, 255, 204, 153, 102, 51, 0}};
}

// The message of the neuro::Error that decoding `bytes` throws.
std::string decode_error(const Bytes& bytes) {
    try {
        neuro::decode_idx<float>(bytes, "damaged.idx");
    } catch (const neuro::Error& error) {
        return error.what();
    }
    FAIL("decode_idx accepted the bytes");
    return {};
}

Bytes gzipped(const Bytes& bytes) { return neuro::detail::gzip(bytes); }

// The message of the neuro::Error that decoding `bytes` as images throws.
std::string decode_images_error(const Bytes& bytes) {
    try {
        neuro::decode_idx_images<float>(bytes, neuro::PixelScale::Raw, "damaged.idx");
    } catch (const neuro::Error& error) {
        return error.what();
    }
    FAIL("decode_idx_images accepted the bytes");
    return {};
}

// Unsigned-byte images of the given dimensions, every pixel drawn from a seeded generator.
IdxArray<double> random_images(const std::vector<Index>& dimensions) {
    IdxArray<double> array{IdxType::UnsignedByte, dimensions, {}};
    std::size_t count = 1;
    for (const Index extent : dimensions) count *= std::size_t(extent);
    std::mt19937 generator(42);
    std::uniform_int_distribution<int> pixel(0, 255);
    for (std::size_t i = 0; i < count; ++i) array.values.push_back(pixel(generator));
    return array;
}

}  // namespace

TEST_CASE("encode_idx writes the header big-endian, then the elements row-major", "[idx]") {
    const IdxArray<double> array{IdxType::Short, {2, 1}, {1, -2}};
    const Bytes expected = {0, 0, 0x0B, 2, 0, 0, 0, 2, 0, 0, 0, 1, 0x00, 0x01, 0xFF, 0xFE};
    CHECK(neuro::encode_idx(array) == expected);
}

TEMPLATE_TEST_CASE("IDX arrays of every element type survive write_idx and read_idx, plain and gzip", "[idx]", float,
                   double) {
    using T = TestType;
    const IdxType type = GENERATE(IdxType::UnsignedByte, IdxType::SignedByte, IdxType::Short, IdxType::Int,
                                  IdxType::Float, IdxType::Double);
    const IdxCompression compression = GENERATE(IdxCompression::None, IdxCompression::Gzip);
    CAPTURE(int(type), int(compression));
    IdxArray<T> array{type, {3, 2, 2}, {}};
    const bool is_signed = type != IdxType::UnsignedByte;
    const bool is_integer = type != IdxType::Float && type != IdxType::Double;
    for (int i = 0; i < 12; ++i) {
        const double value = (is_signed ? i - 6 : i) * (is_integer ? 10 : 0.25);
        array.values.push_back(T(value));
    }
    if (type == IdxType::Short) array.values[0] = T(-32768);
    if (type == IdxType::Int) array.values[0] = T(-16777216);  // exact in float too
    if (type == IdxType::Float) array.values[0] = T(std::numeric_limits<float>::max());
    if (type == IdxType::Double) array.values[0] = T(-1e-30);

    const neuro::testing::TemporaryDirectory directory;
    const auto path = directory / "array.idx";
    neuro::write_idx(path, array, compression);
    const auto back = neuro::read_idx<T>(path);
    CHECK(back.type == type);
    CHECK(back.dimensions == array.dimensions);
    CHECK(back.values == array.values);
    std::ifstream in(path, std::ios::binary);
    const bool starts_as_gzip = in.get() == 0x1f && in.get() == 0x8b;
    CHECK(starts_as_gzip == (compression == IdxCompression::Gzip));
}

TEMPLATE_TEST_CASE("read_idx_images gives one image per row, scaled to the unit interval when asked", "[idx]", float,
                   double) {
    using T = TestType;
    const neuro::testing::TemporaryDirectory directory;
    const auto path = directory / "images.idx.gz";
    neuro::write_idx(path, two_images<T>(), IdxCompression::Gzip);

    const Matrix<T> raw = neuro::read_idx_images<T>(path);
    REQUIRE(raw.rows() == 2);
    REQUIRE(raw.cols() == 6);
    CHECK(raw(0, 0) == 0);
    CHECK(raw(0, 5) == 255);
    CHECK(raw(1, 0) == 255);
    CHECK(raw(1, 4) == 51);

    const Matrix<T> scaled = neuro::read_idx_images<T>(path, neuro::PixelScale::UnitInterval);
    CHECK(scaled(0, 1) == Approx(0.2));
    CHECK(scaled.minCoeff() == 0);
    CHECK(scaled.maxCoeff() == 1);
}

TEMPLATE_TEST_CASE("read_idx_labels gives N x 1 class indices", "[idx]", float, double) {
    const neuro::testing::TemporaryDirectory directory;
    const auto path = directory / "labels.idx";
    neuro::write_idx(path, IdxArray<TestType>{IdxType::UnsignedByte, {4}, {3, 0, 9, 1}});
    const Matrix<TestType> labels = neuro::read_idx_labels<TestType>(path);
    REQUIRE(labels.rows() == 4);
    REQUIRE(labels.cols() == 1);
    CHECK(labels(2, 0) == 9);
}

TEST_CASE("read_idx_images of no images gives an empty matrix of the image's width at once", "[idx]") {
    const Bytes bytes = {0, 0, 0x08, 2, 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF};
    const Matrix<float> images = neuro::idx_images(neuro::decode_idx<float>(bytes), neuro::PixelScale::Raw);
    CHECK(images.rows() == 0);
    CHECK(images.cols() == 0x7FFFFFFF);
}

TEMPLATE_TEST_CASE("decode_idx_images gives bit for bit the images of decode_idx, raw and scaled to the unit interval",
                   "[idx]", float, double) {
    using T = TestType;
    // 0 images, one image of one row, 3-D images, pieces of decoding that end inside an
    // image, and images larger than a piece.
    const std::vector<Index> dimensions = GENERATE(std::vector<Index>{0, 28, 28}, std::vector<Index>{1, 5},
                                                   std::vector<Index>{3, 2, 2}, std::vector<Index>{70, 1000},
                                                   std::vector<Index>{2, 70000}, std::vector<Index>{4, 30, 20, 3},
                                                   std::vector<Index>{3, 0});
    const IdxCompression compression = GENERATE(IdxCompression::None, IdxCompression::Gzip);
    const neuro::PixelScale scale = GENERATE(neuro::PixelScale::Raw, neuro::PixelScale::UnitInterval);
    CAPTURE(dimensions, int(compression), int(scale));
    const IdxArray<double> array = random_images(dimensions);
    Bytes bytes = neuro::encode_idx(array);
    if (compression == IdxCompression::Gzip) bytes = gzipped(bytes);

    const Matrix<T> images = neuro::decode_idx_images<T>(bytes, scale);
    Index pixels = 1;
    for (std::size_t d = 1; d < dimensions.size(); ++d) pixels *= dimensions[d];
    REQUIRE(images.rows() == dimensions[0]);
    REQUIRE(images.cols() == pixels);
    // What read_idx_images gave before it decoded straight into the matrix: each element as T,
    // then divided by 255 in T.
    bool all_equal = true;
    for (Index row = 0; row < images.rows(); ++row)
        for (Index column = 0; column < images.cols(); ++column) {
            const T stored = T(array.values[std::size_t(row * images.cols() + column)]);
            const T expected = scale == neuro::PixelScale::UnitInterval ? stored / T(255) : stored;
            all_equal = all_equal && images(row, column) == expected;
        }
    CHECK(all_equal);
    CHECK(images == neuro::idx_images(neuro::decode_idx<T>(bytes), scale));
    // The same images, one contiguous image per row.
    const neuro::RowMatrix<T> rows = neuro::decode_idx_images<T, neuro::RowMatrix<T>>(bytes, scale);
    CHECK(rows.rows() == images.rows());
    CHECK(rows.cols() == images.cols());
    CHECK(rows == images);
}

TEST_CASE("decode_idx_images decodes every element type as decode_idx and idx_images do", "[idx]") {
    const IdxType type = GENERATE(IdxType::SignedByte, IdxType::Short, IdxType::Int, IdxType::Float, IdxType::Double);
    CAPTURE(int(type));
    IdxArray<double> array{type, {3, 4}, {}};
    for (int i = 0; i < 12; ++i) array.values.push_back((i - 6) * (type == IdxType::Float ? 0.25 : 10));
    const Bytes bytes = neuro::encode_idx(array);
    CHECK(neuro::decode_idx_images<float>(bytes) == neuro::idx_images(neuro::decode_idx<float>(bytes), {}));
    CHECK(neuro::decode_idx_images<double>(gzipped(bytes))(2, 3) == array.values[11]);
}

TEST_CASE("decode_idx_images rejects labels, and pixels that are not unsigned bytes for scaling", "[idx][error]") {
    CHECK_THAT(decode_images_error(gzipped({0, 0, 0x08, 1, 0, 0, 0, 2, 7, 8})),
               Contains("read_idx_images: damaged.idx: images need at least 2 dimensions (count, pixels...), the file "
                        "has 1"));
    CHECK_THROWS_WITH(neuro::decode_idx_images<float>(neuro::encode_idx(IdxArray<float>{IdxType::Float, {1, 1}, {2}}),
                                                      neuro::PixelScale::UnitInterval),
                      Contains("needs unsigned-byte pixels; the file holds float32"));
}

TEST_CASE("a gzip file whose header promises more than its bytes can inflate to is truncated, before any allocation",
          "[idx][error]") {
    // 2^31 - 1 images of 2^31 - 1 pixels; or a billion pixels, which would take 4 GB as float.
    const Bytes huge = gzipped({0, 0, 0x08, 2, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3});
    const Bytes billion = gzipped({0, 0, 0x08, 3, 0, 0, 0x03, 0xE8, 0, 0, 0x03, 0xE8, 0, 0, 0x03, 0xE8, 1, 2, 3});
    // The guard's message (at most N bytes left), not the decoding loop's: nothing was decoded.
    const std::string at_most = "the file is truncated: the header promises ";
    CHECK_THAT(decode_images_error(huge),
               Contains("read_idx: damaged.idx: " + at_most + "4611686014132420609 elements (4611686014132420609 "
                        "bytes of data), but what is left of the file holds at most") &&
                   Contains("bytes"));
    CHECK_THAT(decode_images_error(billion),
               Contains(at_most + "1000000000 elements (1000000000 bytes of data), but what is left"));
    CHECK_THAT(decode_error(billion), Contains(at_most + "1000000000 elements"));
}

TEST_CASE("decode_idx_images reads gzip data compressed about as far as deflate goes", "[idx]") {
    // 12755 black 28 x 28 images: 10 MB of zeros that deflate packs about 1000 to 1, near the
    // 1032 to 1 the truncation guard allows.
    const IdxArray<float> black{IdxType::UnsignedByte, {12755, 28, 28}, std::vector<float>(12755 * 28 * 28, 0.0f)};
    const Bytes compressed = gzipped(neuro::encode_idx(black));
    CHECK(compressed.size() * 1000 < black.values.size());
    const Matrix<float> images = neuro::decode_idx_images<float>(compressed, neuro::PixelScale::UnitInterval);
    CHECK(images.rows() == 12755);
    CHECK(images.cols() == 784);
    CHECK(images.isZero(0));
    CHECK(neuro::decode_idx<float>(compressed).values.size() == black.values.size());
}

TEST_CASE("decode_idx reads concatenated gzip members as one file, as gunzip does", "[idx]") {
    const Bytes plain = neuro::encode_idx(IdxArray<float>{IdxType::UnsignedByte, {6}, {1, 2, 3, 4, 5, 6}});
    Bytes joined = gzipped(Bytes(plain.begin(), plain.begin() + 7));
    const Bytes second = gzipped(Bytes(plain.begin() + 7, plain.end()));
    joined.insert(joined.end(), second.begin(), second.end());
    CHECK(neuro::decode_idx<float>(joined).values == std::vector<float>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("decode_idx rejects a damaged file, naming it and what is wrong", "[idx][error]") {
    const Bytes good = neuro::encode_idx(two_images<float>());  // 4 + 12 header bytes, 12 data bytes
    SECTION("a wrong magic number") {
        Bytes bytes = good;
        bytes[0] = 0x12;
        CHECK_THAT(decode_error(bytes),
                   Contains("read_idx: damaged.idx: not an IDX file: the magic number 12 00 08 03"));
    }
    SECTION("an unknown type byte") {
        Bytes bytes = good;
        bytes[2] = 0x0A;
        CHECK_THAT(decode_error(bytes), Contains("unknown IDX type byte 0x0a"));
    }
    SECTION("no dimensions") { CHECK_THAT(decode_error({0, 0, 8, 0}), Contains("declares 0 dimensions")); }
    SECTION("a file shorter than the magic number") {
        CHECK_THAT(decode_error({0, 0}), Contains("truncated: the 4-byte magic number needs 4 bytes, only 2 are left"));
    }
    SECTION("a truncated header") {
        CHECK_THAT(decode_error(Bytes(good.begin(), good.begin() + 10)),
                   Contains("truncated: the 3 dimensions needs 12 bytes, only 6 are left"));
    }
    SECTION("truncated data") {
        CHECK_THAT(decode_error(Bytes(good.begin(), good.end() - 1)),
                   Contains("the header promises 12 elements (12 bytes of data), but the file holds 11 bytes of data "
                            "(truncated)"));
    }
    SECTION("trailing bytes") {
        Bytes bytes = good;
        bytes.push_back(7);
        CHECK_THAT(decode_error(bytes), Contains("file holds 13 bytes of data (trailing bytes)"));
    }
    SECTION("dimensions whose product overflows") {
        const Bytes bytes = {0, 0, 0x0E, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
        CHECK_THAT(decode_error(bytes),
                   Contains("the dimensions 4294967295 x 4294967295 x 4294967295 multiply beyond"));
    }
    SECTION("dimensions whose product overflows beside a zero dimension") {
        // No elements, but an image of 0xFFFF0000 x 0xFFFF0000 pixels would not fit in an Index.
        const Bytes bytes = {0, 0, 0x08, 3, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 0xFF, 0xFF, 0, 0};
        CHECK_THAT(decode_error(bytes), Contains("the dimensions 0 x 4294901760 x 4294901760 multiply beyond"));
    }
    SECTION("huge dimensions with little data are truncated, not allocated") {
        const Bytes bytes = {0, 0, 0x08, 2, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3};
        CHECK_THAT(decode_error(gzipped(bytes)), Contains("truncated"));
    }
    SECTION("gzip data that is truncated") {
        const Bytes compressed = gzipped(good);
        CHECK_THAT(decode_error(Bytes(compressed.begin(), compressed.end() - 10)),
                   Contains("the gzip data is truncated"));
    }
    SECTION("gzip data whose content is truncated") {
        CHECK_THAT(decode_error(gzipped(Bytes(good.begin(), good.end() - 2))),
                   Contains("truncated: the header promises 12 elements (12 bytes of data), the file holds 10 bytes"));
    }
    SECTION("gzip data whose content has trailing bytes") {
        Bytes bytes = good;
        bytes.push_back(0);
        CHECK_THAT(decode_error(gzipped(bytes)), Contains("trailing bytes after the 12 elements"));
    }
    SECTION("garbage after the gzip data") {
        Bytes bytes = gzipped(good);
        bytes.push_back(0);
        bytes.push_back(1);
        CHECK_THAT(decode_error(bytes), Contains("2 bytes that are not gzip data follow the compressed data"));
    }
    SECTION("corrupt gzip data") {
        Bytes bytes = gzipped(good);
        bytes[10] = 0xFF;  // the first deflate block header: block type 3, which does not exist
        CHECK_THAT(decode_error(bytes),
                   Contains("read_idx: damaged.idx: the gzip data is corrupt (invalid block type)"));
    }
    SECTION("gzip data whose checksum does not match") {
        Bytes bytes = gzipped(good);
        bytes[bytes.size() - 8] ^= 1;  // the CRC-32 of the trailer
        CHECK_THAT(decode_error(bytes), Contains("the gzip data is corrupt (incorrect data check)"));
    }
}

TEST_CASE("read_idx names the file it cannot read or decode", "[idx][error]") {
    const neuro::testing::TemporaryDirectory directory;
    const auto missing = directory / "missing.idx";
    CHECK_THROWS_WITH(neuro::read_idx<float>(missing), Contains("read_idx: cannot open " + missing.string()));
    const auto truncated = directory / "truncated.idx";
    const Bytes good = neuro::encode_idx(two_images<float>());
    write_bytes(truncated, Bytes(good.begin(), good.end() - 3));
    CHECK_THROWS_WITH(neuro::read_idx_images<float>(truncated), Contains("read_idx: " + truncated.string()));
}

TEST_CASE("read_idx_images and read_idx_labels reject files of the wrong shape or type", "[idx][error]") {
    const neuro::testing::TemporaryDirectory directory;
    const auto labels = directory / "labels.idx";
    const auto images = directory / "images.idx";
    const auto floats = directory / "floats.idx";
    neuro::write_idx(labels, IdxArray<float>{IdxType::UnsignedByte, {3}, {1, 2, 3}});
    neuro::write_idx(images, two_images<float>());
    neuro::write_idx(floats, IdxArray<float>{IdxType::Float, {2, 1}, {0.5f, 1.5f}});
    CHECK_THROWS_WITH(neuro::read_idx_images<float>(labels), Contains("images need at least 2 dimensions"));
    CHECK_THROWS_WITH(neuro::read_idx_labels<float>(images), Contains("labels have 1 dimension, the file has 3"));
    CHECK_THROWS_WITH(neuro::read_idx_images<float>(floats, neuro::PixelScale::UnitInterval),
                      Contains("needs unsigned-byte pixels; the file holds float32"));
    CHECK(neuro::read_idx_images<float>(floats)(1, 0) == 1.5f);
}

TEST_CASE("encode_idx rejects values the type cannot hold and sizes that do not match", "[idx][error]") {
    CHECK_THROWS_WITH(neuro::encode_idx(IdxArray<float>{IdxType::UnsignedByte, {2}, {1, 256}}),
                      Contains("element 1 is 256, which unsigned byte cannot hold (integers 0 to 255)"));
    CHECK_THROWS_WITH(neuro::encode_idx(IdxArray<double>{IdxType::Short, {1}, {0.5}}), Contains("int16 cannot hold"));
    CHECK_THROWS_WITH(neuro::encode_idx(IdxArray<float>{IdxType::Int, {1}, {3e9f}}), Contains("int32 cannot hold"));
    CHECK_THROWS_WITH(neuro::encode_idx(IdxArray<float>{IdxType::UnsignedByte, {2, 2}, {1, 2, 3}}),
                      Contains("the dimensions 2 x 2 hold 4 elements, but there are 3 values"));
    CHECK_THROWS_WITH(neuro::encode_idx(IdxArray<float>{IdxType::UnsignedByte, {}, {}}),
                      Contains("1 to 255 dimensions"));
}

}  // namespace test_idx
