// Fuzz target for the safetensors reader: any bytes either load or are rejected with
// neuro::Error; a loaded file's tensors convert or are rejected with neuro::Error; and what
// converts to its own scalar writes back and reads back bit for bit. Anything else (a crash, a
// sanitizer report, another exception, an allocation past libFuzzer's limits) is a finding.
//
// Each input is read twice: as it is, and with its header size rewritten to end the header at
// the input's last '}'. Most mutations inside the JSON change its length, and without the
// second reading nearly all of them would stop at the header size check.

#include <neuro/core/error.hpp>
#include <neuro/core/types.hpp>
#include <neuro/io/safetensors.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

namespace {

template <class T>
bool same_bits(const neuro::Matrix<T>& a, const neuro::Matrix<T>& b) {
    // An empty matrix has no storage, and memcmp must not be given a null pointer.
    return a.rows() == b.rows() && a.cols() == b.cols() &&
           (a.size() == 0 || std::memcmp(a.data(), b.data(), sizeof(T) * static_cast<std::size_t>(a.size())) == 0);
}

// Writes the F32 and F64 tensors of `file` again and checks that they read back unchanged.
void check_round_trip(const neuro::io::SafetensorsFile& file, const std::map<std::string, neuro::Matrix<float>>& floats,
                      const std::map<std::string, neuro::Matrix<double>>& doubles) {
    neuro::io::SafetensorsWriter writer;
    for (const auto& [name, matrix] : floats) writer.add(name, matrix);
    for (const auto& [name, matrix] : doubles) writer.add(name, matrix);
    for (const auto& [key, value] : file.metadata()) writer.set_metadata(key, value);
    std::ostringstream stream;
    writer.write(stream);
    const neuro::io::SafetensorsFile again(stream.str(), "the file written again");
    if (again.metadata() != file.metadata()) std::abort();
    for (const auto& [name, matrix] : floats)
        if (!same_bits(again.tensor_as_matrix<float>(name), matrix)) std::abort();
    for (const auto& [name, matrix] : doubles)
        if (!same_bits(again.tensor_as_matrix<double>(name), matrix)) std::abort();
}

// Everything the reader and the writer promise about one file's bytes.
void check(std::string bytes) {
    std::optional<neuro::io::SafetensorsFile> file;
    try {
        file.emplace(std::move(bytes), "fuzz input");
    } catch (const neuro::Error&) {
        return;  // a malformed file: rejecting it is the expected outcome
    }
    std::map<std::string, neuro::Matrix<float>> floats;
    std::map<std::string, neuro::Matrix<double>> doubles;
    for (const auto& [name, info] : file->tensors()) {
        if (file->raw_bytes(name).size() != info.end - info.begin) std::abort();
        try {
            const neuro::Matrix<float> as_float = file->tensor_as_matrix<float>(name);
            const neuro::Matrix<double> as_double = file->tensor_as_matrix<double>(name);
            if (info.dtype == "F32") floats.emplace(name, as_float);
            if (info.dtype == "F64") doubles.emplace(name, as_double);
        } catch (const neuro::Error&) {
            // A dtype or rank that does not convert: rejecting it is the expected outcome.
        }
    }
    // Not inside a try: writing what was read must not throw, so an exception here is a finding.
    check_round_trip(*file, floats, doubles);
}

// `bytes` with the header size set so that the header ends at the last '}' after the size.
std::string with_header_ending_at_last_brace(std::string bytes) {
    const std::size_t brace = bytes.rfind('}');
    if (bytes.size() < 8 || brace == std::string::npos || brace < 8) return bytes;
    std::uint64_t header_size = brace - 7;
    for (std::size_t i = 0; i < 8; ++i, header_size >>= 8) bytes[i] = static_cast<char>(header_size & 0xFF);
    return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    check(bytes);
    check(with_header_ending_at_last_brace(bytes));
    return 0;
}
