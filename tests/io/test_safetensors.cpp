// safetensors: files written by hand byte by byte load (so the format is the real one), what
// SafetensorsWriter writes reads back bit for bit, every malformed file is a neuro::Error
// naming the file and the problem, and a failed write leaves the old file as it was.

#include <neuro/io/safetensors.hpp>

#include <neuro/core/error.hpp>
#include <neuro/core/types.hpp>
#include <neuro/io/half.hpp>

#include <catch2/catch.hpp>

#include <Eigen/Core>

#include <sys/resource.h>

#include <bit>
#include <cmath>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <string_view>

namespace test_safetensors {

namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using neuro::Index;
using neuro::Matrix;
using neuro::io::SafetensorsFile;
using neuro::io::SafetensorsWriter;

constexpr const char* crafted_name = "crafted.safetensors";

// Little-endian bytes, built here rather than with the library, so that a test file is the
// format as written down, not as the library understands it.
std::string little_endian(std::uint64_t value, int bytes) {
    std::string out;
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
    return out;
}

std::string u16s(std::initializer_list<std::uint16_t> values) {
    std::string out;
    for (const auto value : values) out += little_endian(value, 2);
    return out;
}

std::string f32s(std::initializer_list<float> values) {
    std::string out;
    for (const auto value : values) out += little_endian(std::bit_cast<std::uint32_t>(value), 4);
    return out;
}

std::string f64s(std::initializer_list<double> values) {
    std::string out;
    for (const auto value : values) out += little_endian(std::bit_cast<std::uint64_t>(value), 8);
    return out;
}

/// A whole file: the header size, the header, the data section.
std::string file_of(const std::string& header, const std::string& data) {
    return little_endian(header.size(), 8) + header + data;
}

/// A file with one F32 tensor "w" of shape [2] at [0, 8): the base the malformed cases bend.
std::string one_tensor_file(const std::string& entry = R"({"dtype":"F32","shape":[2],"data_offsets":[0,8]})",
                            const std::string& data = f32s({1.0f, 2.0f})) {
    return file_of(R"({"w":)" + entry + "}", data);
}

SafetensorsFile parse(std::string bytes) { return SafetensorsFile(std::move(bytes), crafted_name); }

/// Checks that `bytes` are rejected with a neuro::Error naming the file and containing every part.
void check_rejected(const std::string& bytes, std::initializer_list<std::string> parts) {
    try {
        parse(bytes);
        FAIL("the file was accepted");
    } catch (const neuro::Error& error) {
        const std::string message = error.what();
        CHECK_THAT(message, Contains(crafted_name));
        for (const auto& part : parts) CHECK_THAT(message, Contains(part));
    }
}

std::string error_of(const auto& action) {
    try {
        action();
    } catch (const neuro::Error& error) {
        return error.what();
    }
    FAIL("no neuro::Error was thrown");
    return "";
}

bool same_bits(float a, float b) { return std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b); }

template <class T>
bool same_bits(const Matrix<T>& a, const Matrix<T>& b) {
    // An empty matrix has no storage, and memcmp must not be given a null pointer.
    return a.rows() == b.rows() && a.cols() == b.cols() &&
           (a.size() == 0 || std::memcmp(a.data(), b.data(), sizeof(T) * static_cast<std::size_t>(a.size())) == 0);
}

/// A fresh directory, removed with everything in it at the end of the test.
class TemporaryDirectory {
public:
    TemporaryDirectory() {
        std::string pattern = (fs::temp_directory_path() / "neuro-safetensors-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) FAIL("mkdtemp failed");
        path_ = pattern;
    }
    TemporaryDirectory(const TemporaryDirectory&) = delete;
    TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
    ~TemporaryDirectory() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

std::string contents_of(const fs::path& path) {
    std::ifstream stream(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

std::size_t entries_in(const fs::path& directory) {
    return std::size_t(std::distance(fs::directory_iterator(directory), fs::directory_iterator()));
}

template <class T>
Matrix<T> special_values(Index rows, Index cols) {
    Matrix<T> m(rows, cols);
    const T specials[] = {T(1),
                          T(-2.5),
                          T(0.1),
                          -T(0),
                          std::numeric_limits<T>::denorm_min(),
                          std::numeric_limits<T>::max(),
                          std::numeric_limits<T>::lowest(),
                          std::numeric_limits<T>::infinity(),
                          -std::numeric_limits<T>::infinity(),
                          std::numeric_limits<T>::min()};
    for (Index i = 0; i < m.size(); ++i) m.data()[i] = specials[i % 10] + (i >= 10 ? T(i) : T(0));
    return m;
}

std::string written(const SafetensorsWriter& writer) {
    std::ostringstream stream;
    writer.write(stream);
    return stream.str();
}

std::uint64_t header_size_of(const std::string& file) {
    std::uint64_t size = 0;
    for (int i = 7; i >= 0; --i) size = (size << 8) | static_cast<unsigned char>(file[std::size_t(i)]);
    return size;
}

}  // namespace

TEST_CASE("Every half-precision bit pattern widens to the float it encodes", "[io][half]") {
    for (std::uint32_t bits = 0; bits <= 0xFFFF; ++bits) {
        const auto pattern = static_cast<std::uint16_t>(bits);
        const int exponent = int(bits >> 10) & 0x1F;
        const int mantissa = int(bits & 0x3FF);
        const double magnitude = exponent == 0    ? std::ldexp(mantissa, -24)
                                 : exponent == 31 ? (mantissa == 0 ? INFINITY : NAN)
                                                  : std::ldexp(1024 + mantissa, exponent - 25);
        const float value = neuro::io::half_to_float(pattern);
        INFO("bits " << bits);
        if (std::isnan(magnitude)) {
            REQUIRE(std::isnan(value));
        } else {
            REQUIRE(double(value) == magnitude * ((bits & 0x8000) ? -1 : 1));
            REQUIRE(std::signbit(value) == ((bits & 0x8000) != 0));
        }
    }
    SECTION("the named values") {
        CHECK(neuro::io::half_to_float(0x3C00) == 1.0f);
        CHECK(neuro::io::half_to_float(0xC100) == -2.5f);
        CHECK(neuro::io::half_to_float(0x7BFF) == 65504.0f);
        CHECK(neuro::io::half_to_float(0x0001) == std::ldexp(1.0f, -24));
        CHECK(neuro::io::half_to_float(0x7C00) == std::numeric_limits<float>::infinity());
        CHECK(same_bits(neuro::io::half_to_float(0x7E00), std::bit_cast<float>(0x7FC00000u)));  // quiet NaN stays quiet
    }
}

TEST_CASE("Every bfloat16 bit pattern widens to the float it encodes", "[io][half]") {
    for (std::uint32_t bits = 0; bits <= 0xFFFF; ++bits) {
        const int exponent = int(bits >> 7) & 0xFF;
        const int mantissa = int(bits & 0x7F);
        const double magnitude = exponent == 0     ? std::ldexp(mantissa, -133)
                                 : exponent == 255 ? (mantissa == 0 ? INFINITY : NAN)
                                                   : std::ldexp(128 + mantissa, exponent - 134);
        const float value = neuro::io::bfloat16_to_float(static_cast<std::uint16_t>(bits));
        INFO("bits " << bits);
        if (std::isnan(magnitude)) {
            REQUIRE(std::isnan(value));
        } else {
            REQUIRE(double(value) == magnitude * ((bits & 0x8000) ? -1 : 1));
            REQUIRE(std::signbit(value) == ((bits & 0x8000) != 0));
        }
    }
}

TEMPLATE_TEST_CASE("A file written by hand byte by byte loads with its values, shapes and metadata",
                   "[io][safetensors]", float, double) {
    using T = TestType;
    const T inf = std::numeric_limits<T>::infinity();
    // Offsets in the header out of order on purpose: only the byte ranges matter.
    std::string header = R"({"f32":{"dtype":"F32","shape":[2,2],"data_offsets":[28,44]},)"
                         R"("__metadata__":{"format":"pt","note":"ünïcode"},)"
                         R"("f16":{"dtype":"F16","shape":[8],"data_offsets":[0,16]},)"
                         R"("bf16":{"dtype":"BF16","shape":[2,3],"data_offsets":[16,28]},)"
                         R"("f64":{"dtype":"F64","shape":[3],"data_offsets":[44,68]}})";
    const std::string data =
        // F16: 1, -2.5, 65504, the smallest and largest subnormals, inf, -0, NaN
        u16s({0x3C00, 0xC100, 0x7BFF, 0x0001, 0x03FF, 0x7C00, 0x8000, 0x7E00}) +
        // BF16: 1, -2.5, the largest finite, the smallest subnormal (2^-133), -inf, NaN
        u16s({0x3F80, 0xC020, 0x7F7F, 0x0001, 0xFF80, 0x7FC0}) +
        f32s({1.0f, 2.0f, 3.0f, 4.0f}) + f64s({0.1, -2.0, 1.0});
    SECTION("with the header padded with spaces, as the reference writer pads it") {
        header.append((8 - header.size() % 8) % 8, ' ');
    }
    SECTION("with the header unpadded") {}
    const SafetensorsFile file = parse(file_of(header, data));

    CHECK(file.metadata() == neuro::io::SafetensorsMetadata{{"format", "pt"}, {"note", "ünïcode"}});
    CHECK(file.tensors().size() == 4);
    CHECK(file.info("bf16").dtype == "BF16");
    CHECK(file.info("bf16").shape == std::vector<std::uint64_t>{2, 3});
    CHECK(file.info("f64").begin == 44);
    CHECK(file.info("f64").end == 68);

    const Matrix<T> f16 = file.tensor_as_matrix<T>("f16");
    REQUIRE(f16.rows() == 8);
    REQUIRE(f16.cols() == 1);
    CHECK(f16(0) == T(1));
    CHECK(f16(1) == T(-2.5));
    CHECK(f16(2) == T(65504));
    CHECK(f16(3) == T(std::ldexp(1.0, -24)));
    CHECK(f16(4) == T(std::ldexp(1023.0, -24)));
    CHECK(f16(5) == inf);
    CHECK((f16(6) == T(0) && std::signbit(f16(6))));
    CHECK(std::isnan(f16(7)));

    const Matrix<T> bf16 = file.tensor_as_matrix<T>("bf16");
    REQUIRE(bf16.rows() == 2);
    REQUIRE(bf16.cols() == 3);
    CHECK(bf16(0, 0) == T(1));
    CHECK(bf16(0, 1) == T(-2.5));
    CHECK(bf16(0, 2) == T(std::ldexp(255.0, 120)));  // 0x7F7F: 1.9921875 * 2^127
    CHECK(bf16(1, 0) == T(std::ldexp(1.0, -133)));
    CHECK(bf16(1, 1) == -inf);
    CHECK(std::isnan(bf16(1, 2)));

    const Matrix<T> f32 = file.tensor_as_matrix<T>("f32");  // row-major on disk: [[1, 2], [3, 4]]
    CHECK(f32 == (Matrix<T>(2, 2) << 1, 2, 3, 4).finished());

    const Matrix<T> f64 = file.tensor_as_matrix<T>("f64");
    CHECK(f64 == (Matrix<T>(3, 1) << T(0.1), -2, 1).finished());
}

TEMPLATE_TEST_CASE("Tensors written by SafetensorsWriter read back bit for bit", "[io][safetensors]", float, double) {
    using T = TestType;
    const Matrix<T> matrix = special_values<T>(3, 5);
    const neuro::Vector<T> vector = special_values<T>(7, 1);
    const Matrix<T> empty(0, 4);
    const Matrix<T> column = special_values<T>(4, 1);

    SafetensorsWriter writer;
    writer.add("dense.weight", matrix);
    writer.add("dense.bias", vector);
    writer.add("empty", empty);
    writer.add("column", column);
    writer.add("block", matrix.block(1, 1, 2, 3));  // expressions are read, not required to be contiguous
    writer.set_metadata("format", "neuro");
    writer.set_metadata("format", "pt");  // replaces
    writer.set_metadata("epochs", "10");

    const SafetensorsFile file = parse(written(writer));
    const std::string dtype = std::is_same_v<T, float> ? "F32" : "F64";
    for (const auto& [name, info] : file.tensors()) CHECK(info.dtype == dtype);
    CHECK(file.metadata() == neuro::io::SafetensorsMetadata{{"epochs", "10"}, {"format", "pt"}});
    CHECK(file.info("dense.weight").shape == std::vector<std::uint64_t>{3, 5});
    CHECK(file.info("dense.bias").shape == std::vector<std::uint64_t>{7});  // a Vector is stored 1-D
    CHECK(file.info("column").shape == std::vector<std::uint64_t>{4, 1});   // a 1-column Matrix stays 2-D
    CHECK(file.info("empty").shape == std::vector<std::uint64_t>{0, 4});
    CHECK(same_bits<T>(file.tensor_as_matrix<T>("dense.weight"), matrix));
    CHECK(same_bits<T>(file.tensor_as_matrix<T>("dense.bias"), vector));
    CHECK(same_bits<T>(file.tensor_as_matrix<T>("column"), column));
    CHECK(same_bits<T>(file.tensor_as_matrix<T>("block"), matrix.block(1, 1, 2, 3)));
    CHECK(file.tensor_as_matrix<T>("empty").rows() == 0);
    CHECK(file.tensor_as_matrix<T>("empty").cols() == 4);

    SECTION("tensors are laid out in the order added") {
        CHECK(file.info("dense.weight").begin == 0);
        CHECK(file.info("dense.bias").begin == file.info("dense.weight").end);
        CHECK(file.info("column").begin == file.info("empty").end);
    }
    SECTION("a NaN keeps its bits") {
        Matrix<T> nan(1, 1);
        nan(0, 0) = std::numeric_limits<T>::quiet_NaN();
        SafetensorsWriter nan_writer;
        nan_writer.add("nan", nan);
        CHECK(same_bits<T>(parse(written(nan_writer)).tensor_as_matrix<T>("nan"), nan));
    }
    SECTION("through a file on disk, with write_safetensors and read_safetensors") {
        TemporaryDirectory directory;
        const fs::path path = directory.path() / "model.safetensors";
        neuro::io::write_safetensors<T>(path, {{"weight", matrix}, {"bias", column}}, {{"format", "pt"}});
        const SafetensorsFile read = neuro::io::read_safetensors(path);
        CHECK(read.source() == path.string());
        CHECK(read.metadata().at("format") == "pt");
        CHECK(same_bits<T>(read.tensor_as_matrix<T>("weight"), matrix));
        CHECK(same_bits<T>(read.tensor_as_matrix<T>("bias"), column));
        CHECK(entries_in(directory.path()) == 1);  // no temporary file left beside it
    }
}

TEST_CASE("A written file starts its data section at a multiple of 8 bytes and aligns every tensor",
          "[io][safetensors]") {
    for (std::size_t name_length = 1; name_length <= 16; ++name_length) {
        SafetensorsWriter writer;
        // 12 bytes of floats, added first: doubles after them would be misaligned.
        writer.add(std::string(name_length, 'f'), Matrix<float>::Constant(1, 3, 1.0f));
        writer.add("d", Matrix<double>::Constant(2, 1, 2.0));
        const std::string bytes = written(writer);
        const std::uint64_t header_size = header_size_of(bytes);
        INFO("name length " << name_length);
        CHECK((8 + header_size) % 8 == 0);
        const std::string header = bytes.substr(8, header_size);
        CHECK(header.find_last_not_of(' ') == header.rfind('}'));  // only spaces pad it
        const SafetensorsFile file = parse(bytes);
        CHECK(file.info("d").begin == 0);  // doubles first, so that each tensor is aligned to its element size
        CHECK(file.info(std::string(name_length, 'f')).begin == 16);
        CHECK(file.tensor_as_matrix<double>("d") == Matrix<double>::Constant(2, 1, 2.0));
        CHECK(file.tensor_as_matrix<float>(std::string(name_length, 'f')) == Matrix<float>::Constant(1, 3, 1.0f));
    }
}

TEST_CASE("A file with no tensors and no data loads empty", "[io][safetensors]") {
    const SafetensorsFile file = parse(file_of("{}", ""));
    CHECK(file.tensors().empty());
    CHECK(file.metadata().empty());
    CHECK(parse(written(SafetensorsWriter())).tensors().empty());
}

TEST_CASE("A malformed file is rejected with a message naming the file and the problem", "[io][safetensors]") {
    SECTION("the base file of the cases below is valid") { CHECK(parse(one_tensor_file()).tensors().size() == 1); }

    SECTION("shorter than the header size") { check_rejected("abc", {"3 bytes long", "too short"}); }
    SECTION("a header size beyond the file") {
        check_rejected(little_endian(100, 8) + "{}", {"header size 100 runs past the end of the file"});
    }
    SECTION("a header size over the limit") {
        check_rejected(little_endian(100'000'001, 8) + "{}", {"header size 100000001 is over the limit"});
        check_rejected(little_endian(~std::uint64_t(0), 8) + "{}", {"18446744073709551615", "over the limit"});
    }
    SECTION("a header that is not an object") {
        check_rejected(file_of("[1]", ""), {"not a JSON object"});
        check_rejected(file_of(" {}", ""), {"not a JSON object"});
        check_rejected(file_of("", ""), {"not a JSON object"});
    }
    SECTION("a header that is not valid JSON") {
        check_rejected(file_of(R"({"w":)", ""), {"not valid JSON"});
        check_rejected(file_of("{} x", ""), {"not valid JSON"});
        check_rejected(file_of(std::string("{}\0\xFF", 4), ""), {"not valid JSON", "NUL byte"});
        check_rejected(file_of("{\"\xFF\":1}", ""), {"not valid JSON", "UTF-8"});
    }
    SECTION("a key twice") {
        const std::string entry = R"({"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
        check_rejected(file_of(R"({"w":)" + entry + R"(,"w":)" + entry + "}", f32s({1, 2})),
                       {"key \"w\" twice"});
        check_rejected(one_tensor_file(R"({"dtype":"F32","dtype":"F64","shape":[2],"data_offsets":[0,8]})"),
                       {"key \"dtype\" twice"});
        check_rejected(file_of(R"({"__metadata__":{"a":"1","a":"2"}})", ""), {"key \"a\" twice"});
    }
    SECTION("a tensor entry that is not an object") {
        check_rejected(one_tensor_file("[1]"), {"tensor 'w' is a JSON array"});
    }
    SECTION("a tensor entry missing a field") {
        check_rejected(one_tensor_file(R"({"shape":[2],"data_offsets":[0,8]})"), {"tensor 'w' has no \"dtype\""});
        check_rejected(one_tensor_file(R"({"dtype":"F32","data_offsets":[0,8]})"), {"tensor 'w' has no \"shape\""});
        check_rejected(one_tensor_file(R"({"dtype":"F32","shape":[2]})"), {"tensor 'w' has no \"data_offsets\""});
    }
    SECTION("a field of the wrong type") {
        check_rejected(one_tensor_file(R"({"dtype":4,"shape":[2],"data_offsets":[0,8]})"),
                       {"tensor 'w'", "\"dtype\" is a JSON number"});
        check_rejected(one_tensor_file(R"({"dtype":"F32","shape":"2","data_offsets":[0,8]})"),
                       {"tensor 'w'", "\"shape\" is a JSON string"});
        check_rejected(one_tensor_file(R"({"dtype":"F32","shape":[-2],"data_offsets":[0,8]})"),
                       {"tensor 'w'", "\"shape\" holds a value that is not an unsigned"});
        check_rejected(one_tensor_file(R"({"dtype":"F32","shape":[2.0],"data_offsets":[0,8]})"),
                       {"tensor 'w'", "\"shape\" holds a value that is not an unsigned"});
        check_rejected(one_tensor_file(R"({"dtype":"F32","shape":[2],"data_offsets":{"begin":0}})"),
                       {"tensor 'w'", "\"data_offsets\" is a JSON object"});
        check_rejected(one_tensor_file(R"({"dtype":"F32","shape":[2],"data_offsets":[0,8,8]})"),
                       {"tensor 'w'", "\"data_offsets\" has 3 values, not 2"});
        check_rejected(one_tensor_file(R"({"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551616]})"),
                       {"tensor 'w'", "\"data_offsets\" holds a value that is not an unsigned 64-bit integer"});
    }
    SECTION("an unknown dtype") {
        check_rejected(one_tensor_file(R"({"dtype":"F128","shape":[2],"data_offsets":[0,8]})"),
                       {"tensor 'w' has the unknown dtype \"F128\""});
    }
    SECTION("metadata that is not an object of strings") {
        check_rejected(file_of(R"({"__metadata__":"pt"})", ""), {"__metadata__ is a JSON string"});
        check_rejected(file_of(R"({"__metadata__":null})", ""), {"__metadata__ is a JSON null"});
        check_rejected(file_of(R"({"__metadata__":{"epochs":10}})", ""), {"__metadata__ \"epochs\" is a JSON number"});
    }
    SECTION("offsets that end before they begin") {
        check_rejected(one_tensor_file(R"({"dtype":"F32","shape":[2],"data_offsets":[8,0]})"),
                       {"tensor 'w'", "[8, 0] end before they begin"});
    }
    SECTION("offsets beyond the data section") {
        check_rejected(one_tensor_file(R"({"dtype":"F32","shape":[4],"data_offsets":[0,16]})"),
                       {"tensor 'w'", "[0, 16] run past the data section of 8 bytes"});
        const std::string far = "18446744073709551615";
        check_rejected(one_tensor_file(R"({"dtype":"F32","shape":[0],"data_offsets":[)" + far + "," + far + "]}"),
                       {"tensor 'w'", "run past the data section of 8 bytes"});
    }
    SECTION("a shape that does not match the byte range") {
        check_rejected(one_tensor_file(R"({"dtype":"F32","shape":[3],"data_offsets":[0,8]})"),
                       {"tensor 'w' of dtype F32 and shape [3] needs 12 bytes", "[0, 8] hold 8"});
        check_rejected(one_tensor_file(R"({"dtype":"F64","shape":[2],"data_offsets":[0,8]})"),
                       {"tensor 'w' of dtype F64 and shape [2] needs 16 bytes"});
    }
    SECTION("sizes that overflow 64 bits") {
        check_rejected(one_tensor_file(R"({"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]})"),
                       {"tensor 'w'", "element count of shape [4294967296, 4294967296] overflows 64 bits"});
        check_rejected(one_tensor_file(R"({"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,8]})"),
                       {"tensor 'w'", "byte size of 4611686018427387904 elements of dtype F32 overflows 64 bits"});
    }
    SECTION("overlapping tensors") {
        const std::string header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                   R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})";
        check_rejected(file_of(header, f32s({1, 2, 3})), {"tensor 'b' (bytes [4, 12)) overlaps tensor 'a'"});
        const std::string same = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                 R"("b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
        check_rejected(file_of(same, f32s({1, 2})), {"overlaps tensor 'a'"});
    }
    SECTION("gaps in the data section") {
        check_rejected(one_tensor_file(R"({"dtype":"F32","shape":[2],"data_offsets":[4,12]})", f32s({0, 1, 2})),
                       {"bytes [0, 4) of the data section, before tensor 'w', belong to no tensor"});
        const std::string header = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                   R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})";
        check_rejected(file_of(header, f32s({1, 2, 3})),
                       {"bytes [4, 8) of the data section, between 'a' and tensor 'b', belong to no tensor"});
    }
    SECTION("bytes after the last tensor") {
        check_rejected(one_tensor_file() + "x", {"1 bytes after the last tensor ends at 8"});
        check_rejected(file_of("{}", "xy"), {"2 bytes after the last tensor ends at 0"});
    }
    SECTION("an absurdly long name is shortened in the message") {
        const std::string name(100'000, 'n');
        const std::string bytes =
            file_of("{\"" + name + R"(":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}})", f32s({1, 2}));
        const std::string message = error_of([&] { parse(bytes); });
        CHECK_THAT(message, Contains("(100000 bytes)"));
        CHECK(message.size() < 400);
    }
}

TEST_CASE("Converting a tensor checks that it exists, its dtype and its rank", "[io][safetensors]") {
    const std::string header = R"({"i64":{"dtype":"I64","shape":[2],"data_offsets":[0,16]},)"
                               R"("cube":{"dtype":"F32","shape":[1,1,1],"data_offsets":[16,20]},)"
                               R"("scalar":{"dtype":"F32","shape":[],"data_offsets":[20,24]},)"
                               R"("wide":{"dtype":"F32","shape":[0,9223372036854775808],"data_offsets":[24,24]},)"
                               R"("none":{"dtype":"F32","shape":[3,0],"data_offsets":[24,24]}})";
    const std::string data = little_endian(7, 8) + little_endian(~std::uint64_t(0), 8) + f32s({1.5f, -4.0f});
    const SafetensorsFile file = parse(file_of(header, data));

    SECTION("a tensor of another dtype stays readable as its raw bytes") {
        const auto bytes = file.raw_bytes("i64");
        REQUIRE(bytes.size() == 16);
        CHECK(bytes[0] == std::byte{7});
        CHECK(bytes[15] == std::byte{0xFF});
        CHECK_THAT(error_of([&] { (void)file.tensor_as_matrix<float>("i64"); }),
                   Contains(crafted_name) &&
                       Contains("tensor 'i64' has dtype I64; only F32, F64, F16 and BF16 convert"));
    }
    SECTION("more than two dimensions") {
        CHECK_THAT(error_of([&] { (void)file.tensor_as_matrix<double>("cube"); }),
                   Contains("tensor 'cube' has 3 dimensions [1, 1, 1]; a matrix takes 1 or 2"));
    }
    SECTION("a scalar is a 1 x 1 matrix and an empty tensor keeps its shape") {
        CHECK(file.tensor_as_matrix<float>("scalar") == Matrix<float>::Constant(1, 1, -4.0f));
        CHECK(file.tensor_as_matrix<double>("none").rows() == 3);
        CHECK(file.tensor_as_matrix<double>("none").cols() == 0);
    }
    SECTION("an empty tensor with a dimension too large for Eigen") {
        CHECK_THAT(error_of([&] { (void)file.tensor_as_matrix<float>("wide"); }),
                   Contains("tensor 'wide' of shape [0, 9223372036854775808] is too large for a matrix"));
    }
    SECTION("a name that is not in the file") {
        CHECK_THAT(error_of([&] { (void)file.tensor_as_matrix<float>("dense.weight"); }),
                   Contains(crafted_name) && Contains("no tensor 'dense.weight'") &&
                       Contains("its 5 tensors: cube, i64, none, scalar, wide"));
        CHECK_THAT(error_of([&] { (void)file.raw_bytes("missing"); }), Contains("no tensor 'missing'"));
    }
}

TEST_CASE("read_safetensors names the path when it cannot read or parse the file", "[io][safetensors]") {
    TemporaryDirectory directory;
    const fs::path missing = directory.path() / "missing.safetensors";
    CHECK_THAT(error_of([&] { neuro::io::read_safetensors(missing); }), Contains(missing.string()));
    const fs::path garbage = directory.path() / "garbage.safetensors";
    write_bytes(garbage, "not a safetensors file");
    CHECK_THAT(error_of([&] { neuro::io::read_safetensors(garbage); }),
               Contains(garbage.string()) && Contains("header size"));
}

TEST_CASE("SafetensorsWriter rejects a reserved, repeated or non-UTF-8 name", "[io][safetensors]") {
    SafetensorsWriter writer;
    const Matrix<float> m = Matrix<float>::Ones(2, 2);
    writer.add("w", m);
    CHECK_THAT(error_of([&] { writer.add("w", m); }), Contains("tensor 'w' was already added"));
    CHECK_THAT(error_of([&] { writer.add("__metadata__", m); }), Contains("\"__metadata__\" is reserved"));
    writer.add("\xFF", m);
    CHECK_THAT(error_of([&] { written(writer); }), Contains("must be valid UTF-8"));
}

TEST_CASE("A failed write leaves the existing file as it was", "[io][safetensors]") {
    TemporaryDirectory directory;
    const fs::path path = directory.path() / "model.safetensors";
    const std::string old_content = "the old model";
    write_bytes(path, old_content);
    SafetensorsWriter writer;
    writer.add("weight", Matrix<double>::Constant(100, 100, 0.5));  // 80 kB

    SECTION("the parent of the path is a regular file") {
        const fs::path inside_a_file = path / "model.safetensors";
        CHECK_THAT(error_of([&] { writer.write(inside_a_file); }), Contains(inside_a_file.string()));
    }
    SECTION("the data cannot be written past a file size limit (half-written)") {
        // Root ignores permissions, but not RLIMIT_FSIZE: writes past it fail with EFBIG.
        rlimit old_limit{};
        REQUIRE(getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
        const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit limit = old_limit;
        limit.rlim_cur = 4096;
        REQUIRE(setrlimit(RLIMIT_FSIZE, &limit) == 0);
        const std::string message = error_of([&] { writer.write(path); });
        setrlimit(RLIMIT_FSIZE, &old_limit);
        std::signal(SIGXFSZ, old_handler);
        CHECK_THAT(message, Contains(path.string()));
    }
    SECTION("a name that is not UTF-8 fails before the file is touched") {
        writer.add("\xFF", Matrix<float>::Ones(1, 1));
        CHECK_THAT(error_of([&] { writer.write(path); }), Contains("must be valid UTF-8"));
    }
    CHECK(contents_of(path) == old_content);
    CHECK(entries_in(directory.path()) == 1);  // the temporary file is gone
}

TEST_CASE("A successful write replaces the existing file", "[io][safetensors]") {
    TemporaryDirectory directory;
    const fs::path path = directory.path() / "model.safetensors";
    write_bytes(path, "the old model");
    SafetensorsWriter writer;
    writer.add("weight", Matrix<double>::Constant(100, 100, 0.5));
    writer.write(path);
    CHECK(neuro::io::read_safetensors(path).tensor_as_matrix<double>("weight") ==
          Matrix<double>::Constant(100, 100, 0.5));
    CHECK(entries_in(directory.path()) == 1);
}

}  // namespace test_safetensors
