// libFuzzer target for the CSV reader: any bytes must parse or throw neuro::Error; any other
// exception, a crash, a sanitizer report or a broken property below is a finding.
//
// The first byte picks the options (header mode, label column, categorical encoding), so that
// the fuzzer explores each; the rest is the file. Properties checked on every parse:
// - write_csv then parse_csv gives back the same values and names (numeric files);
// - a fitted CategoricalEncoding encodes the same text the same way again.

#include <neuro/data/csv.hpp>

#include <neuro/core/error.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>

namespace {

using neuro::CategoricalEncoding;
using neuro::CsvReadOptions;
using neuro::Dataset;
using neuro::Index;
using neuro::Matrix;

bool identical(const Matrix<double>& a, const Matrix<double>& b) {
    if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
    for (Index i = 0; i < a.size(); ++i) {
        const double x = a.data()[i];
        const double y = b.data()[i];
        if (std::isnan(x) != std::isnan(y) || (!std::isnan(x) && (x != y || std::signbit(x) != std::signbit(y))))
            return false;
    }
    return true;
}

bool identical(const Dataset<double>& a, const Dataset<double>& b) {
    return identical(a.x, b.x) && identical(a.y, b.y) && a.feature_names == b.feature_names &&
           a.label_name == b.label_name;
}

CsvReadOptions options_from(std::uint8_t choice) {
    CsvReadOptions options;
    options.header = neuro::CsvHeader(choice % 3);
    switch ((choice / 3) % 4) {
        case 0: options.label = neuro::ColumnRef::last(); break;
        case 1: options.label = 0; break;
        case 2: options.label = std::nullopt; break;
        default: options.label = "y"; break;
    }
    return options;
}

CategoricalEncoding encoding_from(std::uint8_t choice) {
    const auto unseen = choice & 0x80 ? neuro::UnseenCategory::Ignore : neuro::UnseenCategory::Error;
    switch ((choice / 12) % 3) {
        case 0: return {};
        case 1: return CategoricalEncoding({{0, neuro::CategoricalMode::Codes}}, unseen);
        default: return CategoricalEncoding({{0, neuro::CategoricalMode::OneHot}}, unseen);
    }
}

void check_write_read_round_trip(const Dataset<double>& data) {
    if (data.outputs() > 1) return;  // read_csv reads one label column back
    std::stringstream stream;
    neuro::write_csv(data, stream, {.delimiter = ',', .header = true});
    CsvReadOptions options{.delimiter = ',', .header = neuro::CsvHeader::Present};
    if (data.outputs() == 0) options.label = std::nullopt;
    Dataset<double> back = neuro::read_csv<double>(stream, options);
    if (data.feature_names.empty()) back.feature_names.clear();  // write_csv made names up
    if (data.label_name.empty()) back.label_name.clear();
    if (!identical(data, back)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t choice = bytes[0];
    const std::string_view text(reinterpret_cast<const char*>(bytes + 1), size - 1);
    const CsvReadOptions options = options_from(choice);
    CategoricalEncoding encoding = encoding_from(choice);
    try {
        const Dataset<double> data = neuro::parse_csv<double>(text, options, encoding);
        if (encoding.empty()) check_write_read_round_trip(data);
        else if (!identical(data, neuro::parse_csv<double>(text, options, encoding))) std::abort();
    } catch (const neuro::Error&) {
        // Rejecting malformed input with neuro::Error is the expected outcome.
    }
    return 0;
}
