#pragma once
// CSV files as Datasets: read_csv (a file, a stream or text in memory) and write_csv.
//
// The reader loads the input whole and parses the buffer in place: fields are views into it,
// numbers are read with std::from_chars, and only header names and categories become
// std::string. RFC 4180 quoting is understood (doubled quotes, delimiters and line breaks
// inside quotes), lines may end in LF, CRLF or CR, blank lines are skipped, and spaces around
// a field are ignored.

#include "neuro/core/error.hpp"
#include "neuro/core/file.hpp"
#include "neuro/core/types.hpp"
#include "neuro/data/categorical.hpp"
#include "neuro/data/column.hpp"
#include "neuro/data/dataset.hpp"
#include "neuro/io/atomic_file.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <istream>
#include <iterator>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace neuro {

/// Whether the first row of a CSV file names the columns.
enum class CsvHeader {
    Detect,   ///< a header when the first row has text and no number, or text above a number
    Present,  ///< the first row is a header
    Absent,   ///< the first row is data
};

/// How read_csv reads a file. An aggregate: `read_csv<float>(path, {.label = "price"})`.
struct CsvReadOptions {
    std::optional<char> delimiter = std::nullopt;  ///< unset: sniffed among ',', ';' and tab from the first rows
    CsvHeader header = CsvHeader::Detect;
    /// The column that becomes y; std::nullopt for a file without labels (y is N x 0).
    std::optional<ColumnRef> label = ColumnRef::last();
};

/// How write_csv writes a Dataset.
struct CsvWriteOptions {
    char delimiter = ',';
    bool header = true;  ///< names from the dataset; "x0", "x1", ... and "y" where it has none
};

namespace detail {

// One field of a CSV record: its text (between the quotes for a quoted field, with any doubled
// quotes still doubled) and the 1-based line it starts on.
struct CsvField {
    std::string_view text;
    Index line = 0;
    bool doubled_quotes = false;
};

// The location of a field, for messages: "read_csv: data.csv, line 3, column 2 ("age")".
[[noreturn]] inline void fail_at(std::string_view source, Index line, Index column, std::string_view column_name,
                                 std::string_view message) {
    if (column_name.empty()) fail("read_csv: {}, line {}, column {}: {}", source, line, column, message);
    fail("read_csv: {}, line {}, column {} (\"{}\"): {}", source, line, column, column_name, message);
}

// A field's text as a message shows it: at most 40 characters, control bytes as '?'.
inline std::string printable(std::string_view text) {
    constexpr std::size_t shown = 40;
    std::string result(text.substr(0, shown));
    for (char& c : result)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    if (text.size() > shown) result += "...";
    return result;
}

// Splits CSV text into records of fields. Copyable, so that a copy can look ahead.
class CsvTokenizer {
public:
    CsvTokenizer(std::string_view text, char delimiter, std::string_view source)
        : text_(text), source_(source), delimiter_(delimiter) {}

    // Reads the next record that is not blank into `fields`; false at the end of the text.
    bool next(std::vector<CsvField>& fields) {
        fields.clear();
        skip_blank_lines();
        if (position_ == text_.size()) return false;
        while (true) {
            fields.push_back(read_field(Index(fields.size()) + 1));
            if (position_ == text_.size()) return true;
            const char separator = text_[position_++];
            if (separator != delimiter_) {
                end_line(separator);
                return true;
            }
        }
    }

    // The line the next record would start on (blank lines not yet skipped).
    Index line() const { return line_; }

private:
    bool is_space(char c) const { return (c == ' ' || c == '\t') && c != delimiter_; }
    bool ends_field(char c) const { return c == delimiter_ || c == '\n' || c == '\r'; }

    // Consumes one line break whose first character, '\r' or '\n', was just read.
    void end_line(char first) {
        if (first == '\r' && position_ < text_.size() && text_[position_] == '\n') ++position_;
        ++line_;
    }

    void skip_blank_lines() {
        while (position_ < text_.size()) {
            std::size_t scan = position_;
            while (scan < text_.size() && is_space(text_[scan])) ++scan;
            if (scan < text_.size() && text_[scan] != '\n' && text_[scan] != '\r') return;
            position_ = scan;
            if (position_ < text_.size()) end_line(text_[position_++]);
        }
    }

    CsvField read_field(Index column) {
        CsvField field{{}, line_};
        std::size_t start = position_;
        while (start < text_.size() && is_space(text_[start])) ++start;
        if (start < text_.size() && text_[start] == '"') return read_quoted_field(field, start + 1, column);
        std::size_t end = start;
        while (end < text_.size() && !ends_field(text_[end])) ++end;
        position_ = end;
        while (end > start && is_space(text_[end - 1])) --end;
        field.text = text_.substr(start, end - start);
        return field;
    }

    CsvField read_quoted_field(CsvField field, std::size_t content, Index column) {
        std::size_t scan = content;
        while (true) {
            const std::size_t quote = text_.find('"', scan);
            if (quote == std::string_view::npos)
                fail_at(source_, field.line, column, {},
                        "this quoted field is never closed (a '\"' is missing before the end of the file)");
            if (quote + 1 < text_.size() && text_[quote + 1] == '"') {
                field.doubled_quotes = true;
                scan = quote + 2;
                continue;
            }
            count_line_breaks(content, quote);
            field.text = text_.substr(content, quote - content);
            position_ = quote + 1;
            break;
        }
        while (position_ < text_.size() && is_space(text_[position_])) ++position_;
        if (position_ < text_.size() && !ends_field(text_[position_]))
            fail_at(source_, line_, column, {},
                    fmt::format("'{}' after the closing quote; a quoted field must end at the quote",
                                printable(text_.substr(position_, 1))));
        return field;
    }

    // Line breaks inside a quoted field still count as lines for later messages.
    void count_line_breaks(std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i)
            if (text_[i] == '\n' || (text_[i] == '\r' && (i + 1 == end || text_[i + 1] != '\n'))) ++line_;
    }

    std::string_view text_;
    std::string_view source_;
    char delimiter_;
    std::size_t position_ = 0;
    Index line_ = 1;
};

// The text of a quoted field with its doubled quotes made single.
inline std::string unescape(const CsvField& field) {
    if (!field.doubled_quotes) return std::string(field.text);
    std::string text;
    text.reserve(field.text.size());
    for (std::size_t i = 0; i < field.text.size(); ++i) {
        text += field.text[i];
        if (field.text[i] == '"') ++i;  // the second quote of a pair
    }
    return text;
}

inline bool is_missing(std::string_view text) { return text.empty() || text == "NA" || text == "NaN" || text == "nan"; }

enum class ParsedNumber { Number, Missing, Text, OutOfRange };

// Reads a whole field as a number of type T: spaces around it (left inside quotes) and a
// leading '+' (which from_chars does not take) allowed.
template <Scalar T>
ParsedNumber parse_number(std::string_view text, T& value) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    if (is_missing(text)) {
        value = std::numeric_limits<T>::quiet_NaN();
        return ParsedNumber::Missing;
    }
    const char* first = text.data();
    const char* const last = first + text.size();
    if (*first == '+' && text.size() > 1 && first[1] != '-' && first[1] != '+') ++first;
    const auto [end, error] = std::from_chars(first, last, value);
    if (end != last) return ParsedNumber::Text;
    if (error == std::errc()) return ParsedNumber::Number;
    if constexpr (std::same_as<T, float>) {
        // Beyond float's range but within double's: the float it rounds to (+-inf, 0 or subnormal).
        double wide = 0;
        const auto [wide_end, wide_error] = std::from_chars(first, last, wide);
        if (wide_end == last && wide_error == std::errc()) {
            value = static_cast<float>(wide);
            return ParsedNumber::Number;
        }
    }
    return error == std::errc::result_out_of_range ? ParsedNumber::OutOfRange : ParsedNumber::Text;
}

inline ParsedNumber classify(const CsvField& field) {
    double ignored = 0;
    return field.doubled_quotes ? ParsedNumber::Text : parse_number(field.text, ignored);
}

// The delimiter among ',', ';' and tab that splits the first rows into the same number (> 1) of
// fields, preferring more fields; ',' when none does.
inline char sniff_delimiter(std::string_view text) {
    constexpr int sampled_records = 20;
    char best = ',';
    Index best_fields = 1;
    bool best_consistent = false;
    std::vector<CsvField> fields;
    for (const char candidate : {',', ';', '\t'}) {
        CsvTokenizer tokenizer(text, candidate, {});
        Index first_fields = 0;
        bool consistent = true;
        try {
            for (int record = 0; record < sampled_records && tokenizer.next(fields); ++record) {
                if (record == 0) first_fields = Index(fields.size());
                consistent = consistent && Index(fields.size()) == first_fields;
            }
        } catch (const Error&) {
            continue;  // an unclosed quote under this delimiter: the real parse will report it
        }
        if (first_fields <= 1) continue;
        if ((consistent && !best_consistent) || (consistent == best_consistent && first_fields > best_fields)) {
            best = candidate;
            best_fields = first_fields;
            best_consistent = consistent;
        }
    }
    return best;
}

// A header is a first row with text and no number, or with text above a number of the second row.
inline bool looks_like_header(const std::vector<CsvField>& first, const std::vector<CsvField>* second) {
    bool any_text = false;
    bool any_number = false;
    bool text_above_number = false;
    for (std::size_t column = 0; column < first.size(); ++column) {
        const ParsedNumber kind = classify(first[column]);
        any_number = any_number || kind == ParsedNumber::Number;
        if (kind != ParsedNumber::Text) continue;
        any_text = true;
        if (second != nullptr && column < second->size() && classify((*second)[column]) == ParsedNumber::Number)
            text_above_number = true;
    }
    return any_text && (!any_number || text_above_number);
}

// What happens to one column of the file.
struct CsvColumnPlan {
    std::string name;  // from the header; empty without one
    bool is_label = false;
    int categorical = -1;  // index into CategoricalEncoding::columns(), -1 for a numeric column
};

// Code of a missing value (empty, NA, NaN) in a categorical column.
inline constexpr std::int32_t missing_code = -2;

// Parses the data rows of one file into per-column storage, then assembles the Dataset.
template <Scalar T>
class CsvParser {
public:
    // first_row: how messages name the row that set the width, e.g. "the header (line 1)".
    CsvParser(std::string_view source, std::string first_row, std::vector<CsvColumnPlan> plan,
              CategoricalEncoding& encoding)
        : source_(source), first_row_(std::move(first_row)), plan_(std::move(plan)), encoding_(encoding),
          fitting_(!encoding.fitted()), numbers_(plan_.size()), codes_(plan_.size()),
          first_seen_(encoding.columns().size()), seen_(encoding.columns().size()) {}

    void add_record(const std::vector<CsvField>& fields) {
        if (fields.size() != plan_.size()) fail_ragged(fields);
        for (std::size_t column = 0; column < plan_.size(); ++column) {
            if (plan_[column].categorical < 0) add_number(fields[column], column);
            else add_category(fields[column], column);
        }
        ++rows_;
    }

    Index rows() const { return rows_; }

    // named: the file had a header, whose names become the feature names.
    Dataset<T> finish(std::string label_name, bool named) {
        if (fitting_) fit_encoding();
        Index x_width = 0;
        Index y_width = 0;
        for (std::size_t column = 0; column < plan_.size(); ++column)
            (plan_[column].is_label ? y_width : x_width) += width(column);
        Dataset<T> dataset{Matrix<T>(rows_, x_width), Matrix<T>(rows_, y_width), {}, std::move(label_name)};
        Index x_column = 0;
        Index y_column = 0;
        for (std::size_t column = 0; column < plan_.size(); ++column) {
            if (plan_[column].is_label) {
                write_column(column, dataset.y, y_column);
                y_column += width(column);
            } else {
                write_column(column, dataset.x, x_column);
                x_column += width(column);
                if (named) add_feature_names(column, dataset.feature_names);
            }
        }
        return dataset;
    }

private:
    [[noreturn]] void fail_ragged(const std::vector<CsvField>& fields) const {
        const Index column = Index(std::min(fields.size(), plan_.size())) + 1;
        fail_at(source_, fields.front().line, column, {},
                fmt::format("the row has {} fields, but {} has {}", fields.size(), first_row_, plan_.size()));
    }

    void add_number(const CsvField& field, std::size_t column) {
        T value{};
        const ParsedNumber kind = field.doubled_quotes ? ParsedNumber::Text : parse_number(field.text, value);
        if (kind == ParsedNumber::Text)
            fail_at(source_, field.line, Index(column) + 1, plan_[column].name,
                    fmt::format("\"{}\" is not a number (to encode text, declare the column categorical)",
                                printable(field.text)));
        if (kind == ParsedNumber::OutOfRange)
            fail_at(source_, field.line, Index(column) + 1, plan_[column].name,
                    fmt::format("{} is out of the range of double", printable(field.text)));
        numbers_[column].push_back(value);
    }

    void add_category(const CsvField& field, std::size_t column) {
        const auto declared = std::size_t(plan_[column].categorical);
        if (is_missing(field.text)) {
            codes_[column].push_back(missing_code);
            return;
        }
        std::string unescaped;
        const std::string_view text = field.doubled_quotes ? (unescaped = unescape(field)) : field.text;
        if (fitting_) {
            // Codes by first appearance for now; fit_encoding() renumbers them in sorted order.
            auto found = seen_[declared].find(text);
            if (found == seen_[declared].end()) {
                found = seen_[declared].emplace(std::string(text), std::int32_t(first_seen_[declared].size())).first;
                first_seen_[declared].push_back(found->first);
            }
            codes_[column].push_back(found->second);
            return;
        }
        if (const auto code = encoding_.find(declared, text)) {
            codes_[column].push_back(std::int32_t(*code));
        } else if (encoding_.unseen() == UnseenCategory::Ignore) {
            codes_[column].push_back(-1);
        } else {
            fail_at(source_, field.line, Index(column) + 1, plan_[column].name,
                    fmt::format("\"{}\" is not one of the {} categories the encoding was fitted with", printable(text),
                                encoding_.categories(declared).size()));
        }
    }

    void fit_encoding() {
        encoding_.fit(first_seen_);
        for (std::size_t column = 0; column < plan_.size(); ++column) {
            if (plan_[column].categorical < 0) continue;
            const auto declared = std::size_t(plan_[column].categorical);
            std::vector<std::int32_t> sorted_code(first_seen_[declared].size());
            for (std::size_t first = 0; first < sorted_code.size(); ++first)
                sorted_code[first] = std::int32_t(*encoding_.find(declared, first_seen_[declared][first]));
            for (std::int32_t& code : codes_[column])
                if (code >= 0) code = sorted_code[std::size_t(code)];
        }
    }

    Index width(std::size_t column) const {
        return plan_[column].categorical < 0 ? 1 : encoding_.encoded_width(std::size_t(plan_[column].categorical));
    }

    void write_column(std::size_t column, Matrix<T>& target, Index first) const {
        if (plan_[column].categorical < 0) {
            target.col(first) = ConstVectorView<T>(numbers_[column].data(), rows_);
            return;
        }
        const std::vector<std::int32_t>& codes = codes_[column];
        constexpr T missing = std::numeric_limits<T>::quiet_NaN();
        if (encoding_.columns()[std::size_t(plan_[column].categorical)].mode == CategoricalMode::Codes) {
            for (Index row = 0; row < rows_; ++row) {
                const std::int32_t code = codes[std::size_t(row)];
                target(row, first) = code == missing_code ? missing : T(code);
            }
            return;
        }
        const Index categories = width(column);
        if (categories == 0) return;  // every value missing: no category, no column
        target.middleCols(first, categories).setZero();
        for (Index row = 0; row < rows_; ++row) {
            const std::int32_t code = codes[std::size_t(row)];
            if (code == missing_code) target.row(row).segment(first, categories).setConstant(missing);
            if (code >= 0) target(row, first + code) = T(1);
        }
    }

    void add_feature_names(std::size_t column, std::vector<std::string>& names) const {
        const int declared = plan_[column].categorical;
        if (declared < 0 || encoding_.columns()[std::size_t(declared)].mode == CategoricalMode::Codes) {
            names.push_back(plan_[column].name);
            return;
        }
        for (const std::string& category : encoding_.categories(std::size_t(declared)))
            names.push_back(plan_[column].name + "=" + category);
    }

    struct TextHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
    };

    std::string_view source_;
    std::string first_row_;
    std::vector<CsvColumnPlan> plan_;
    CategoricalEncoding& encoding_;
    bool fitting_;
    Index rows_ = 0;
    std::vector<std::vector<T>> numbers_;               // per numeric column, one value per row
    std::vector<std::vector<std::int32_t>> codes_;      // per categorical column, one code per row
    std::vector<std::vector<std::string>> first_seen_;  // while fitting: categories by first appearance
    std::vector<std::unordered_map<std::string, std::int32_t, TextHash, std::equal_to<>>> seen_;
};

// The plan of every column: names from the header, which is the label, which are categorical.
inline std::vector<CsvColumnPlan> plan_columns(const std::vector<std::string>& names, Index columns,
                                               const CsvReadOptions& options, const CategoricalEncoding& encoding,
                                               std::string_view context) {
    std::vector<CsvColumnPlan> plan(std::size_t(columns), CsvColumnPlan{});
    for (std::size_t column = 0; column < names.size(); ++column) plan[column].name = names[column];
    if (options.label) plan[std::size_t(options.label->resolve(names, columns, context))].is_label = true;
    for (std::size_t declared = 0; declared < encoding.columns().size(); ++declared) {
        const auto column = std::size_t(encoding.columns()[declared].column.resolve(names, columns, context));
        plan[column].categorical = int(declared);
    }
    return plan;
}

inline std::string read_stream(std::istream& in) {
    std::string text;
    char chunk[1 << 16];
    while (in.read(chunk, sizeof chunk) || in.gcount() > 0) text.append(chunk, std::size_t(in.gcount()));
    if (in.bad()) fail("read_csv: <stream>: the stream failed while reading");
    return text;
}

}  // namespace detail

/// Parses CSV text held in memory (what read_csv does after loading the input whole).
/// Represents the rows as a Dataset: x holds every column but the label, in file order, a
/// one-hot column expanded into one column per category (named "column=category"); y holds
/// the label column (its one-hot columns when it is categorical). Missing values (empty, NA,
/// NaN, nan) become NaN: clean or impute them before fit.
/// Categorical columns are the ones `encoding` declares: an encoding not fitted yet is fitted
/// on this text; a fitted one encodes it the way it encoded the text it was fitted on.
/// Throws neuro::Error "read_csv: <source>, line L, column C ("name"): ..." (1-based line and
/// column; the name when there is a header) for a row of another length than the first, text
/// in a numeric column, an unclosed quote, an unseen category under UnseenCategory::Error, no
/// data rows, and label or categorical columns that do not exist.
template <Scalar T>
Dataset<T> parse_csv(std::string_view text, const CsvReadOptions& options, CategoricalEncoding& encoding,
                     std::string_view source = "<text>") {
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte order mark
    const char delimiter = options.delimiter ? *options.delimiter : detail::sniff_delimiter(text);
    if (delimiter == '"' || delimiter == '\n' || delimiter == '\r')
        fail("read_csv: {}: a quote or line break cannot be the delimiter", source);

    detail::CsvTokenizer tokenizer(text, delimiter, source);
    std::vector<detail::CsvField> fields;
    if (!tokenizer.next(fields)) detail::fail_at(source, tokenizer.line(), 1, {}, "no data rows: the input is empty");

    bool has_header = options.header == CsvHeader::Present;
    if (options.header == CsvHeader::Detect) {
        detail::CsvTokenizer look_ahead = tokenizer;
        std::vector<detail::CsvField> second;
        has_header = detail::looks_like_header(fields, look_ahead.next(second) ? &second : nullptr);
    }
    std::vector<std::string> names;
    if (has_header)
        for (const detail::CsvField& field : fields) names.push_back(detail::unescape(field));
    const Index header_line = fields.front().line;
    const std::string context = fmt::format("read_csv: {}, line {}", source, header_line);
    auto plan = detail::plan_columns(names, Index(fields.size()), options, encoding, context);
    std::string label_name;
    for (const auto& column : plan)
        if (column.is_label) label_name = column.name;

    detail::CsvParser<T> parser(source,
                                fmt::format("{} (line {})", has_header ? "the header" : "the first row", header_line),
                                std::move(plan), encoding);
    if (!has_header) parser.add_record(fields);
    while (tokenizer.next(fields)) parser.add_record(fields);
    if (parser.rows() == 0)
        detail::fail_at(source, tokenizer.line(), 1, {},
                        fmt::format("no data rows after the header on line {}", header_line));
    return parser.finish(std::move(label_name), has_header);
}

/// parse_csv without categorical columns: every column but the label must be numeric.
template <Scalar T>
Dataset<T> parse_csv(std::string_view text, const CsvReadOptions& options = {}, std::string_view source = "<text>") {
    CategoricalEncoding none;
    return parse_csv<T>(text, options, none, source);
}

/// Reads a CSV file; see parse_csv. Errors name the file.
template <Scalar T>
Dataset<T> read_csv(const std::filesystem::path& path, const CsvReadOptions& options, CategoricalEncoding& encoding) {
    const std::string text = read_file(path, "read_csv");
    return parse_csv<T>(text, options, encoding, path.string());
}

template <Scalar T>
Dataset<T> read_csv(const std::filesystem::path& path, const CsvReadOptions& options = {}) {
    CategoricalEncoding none;
    return read_csv<T>(path, options, none);
}

/// Reads CSV from a stream to its end; see parse_csv. Errors name the input "<stream>".
template <Scalar T>
Dataset<T> read_csv(std::istream& in, const CsvReadOptions& options, CategoricalEncoding& encoding) {
    return parse_csv<T>(detail::read_stream(in), options, encoding, "<stream>");
}

template <Scalar T>
Dataset<T> read_csv(std::istream& in, const CsvReadOptions& options = {}) {
    CategoricalEncoding none;
    return read_csv<T>(in, options, none);
}

namespace detail {

inline void check_write_delimiter(char delimiter) {
    // A character that can occur in a number or in "nan"/"inf" would make the file unreadable.
    const std::string_view forbidden = "\"\r\n0123456789.+-eEinfaINFA";
    if (forbidden.find(delimiter) != std::string_view::npos)
        fail("write_csv: '{}' cannot be the delimiter: it can occur in a number or a line end", delimiter);
}

// A name as a CSV field: quoted (with quotes doubled) when it holds a delimiter, quote, line
// break, surrounding space or a leading byte order mark, or is empty (a header of one empty
// name would be a blank line), all of which would change how it reads back.
inline void append_name(fmt::memory_buffer& out, std::string_view name, char delimiter) {
    const auto is_space = [](char c) { return c == ' ' || c == '\t'; };
    const bool needs_quotes = name.empty() || is_space(name.front()) || is_space(name.back()) ||
                              name.find_first_of(std::string{delimiter, '"', '\r', '\n'}) != std::string_view::npos ||
                              name.starts_with("\xEF\xBB\xBF");
    if (!needs_quotes) {
        out.append(name);
        return;
    }
    out.push_back('"');
    for (const char c : name) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    out.push_back('"');
}

template <Scalar T>
std::vector<std::string> column_names(const Dataset<T>& dataset) {
    std::vector<std::string> names = dataset.feature_names;
    if (names.empty())
        for (Index column = 0; column < dataset.features(); ++column) names.push_back(fmt::format("x{}", column));
    const std::string label = dataset.label_name.empty() ? "y" : dataset.label_name;
    if (dataset.outputs() == 1) names.push_back(label);
    else
        for (Index column = 0; column < dataset.outputs(); ++column)
            names.push_back(fmt::format("{}_{}", label, column));
    return names;
}

// Formats the dataset in pieces of about a megabyte, handing each to `sink`.
template <Scalar T>
void format_csv(const Dataset<T>& dataset, const CsvWriteOptions& options,
                const std::function<void(std::string_view)>& sink) {
    check_dataset(dataset, "write_csv");
    check_write_delimiter(options.delimiter);
    constexpr std::size_t flush_at = std::size_t(1) << 20;
    fmt::memory_buffer out;
    if (options.header) {
        const auto names = column_names(dataset);
        for (std::size_t column = 0; column < names.size(); ++column) {
            if (column > 0) out.push_back(options.delimiter);
            append_name(out, names[column], options.delimiter);
        }
        out.push_back('\n');
    }
    for (Index row = 0; row < dataset.samples(); ++row) {
        // "{}" is the shortest text that reads back to the same value: round trips are exact.
        for (Index column = 0; column < dataset.features(); ++column) {
            if (column > 0) out.push_back(options.delimiter);
            fmt::format_to(std::back_inserter(out), FMT_STRING("{}"), dataset.x(row, column));
        }
        for (Index column = 0; column < dataset.outputs(); ++column) {
            if (column > 0 || dataset.features() > 0) out.push_back(options.delimiter);
            fmt::format_to(std::back_inserter(out), FMT_STRING("{}"), dataset.y(row, column));
        }
        out.push_back('\n');
        if (out.size() >= flush_at) {
            sink(std::string_view(out.data(), out.size()));
            out.clear();
        }
    }
    sink(std::string_view(out.data(), out.size()));
}

}  // namespace detail

/// Writes the dataset as CSV to a stream; see the file overload below.
template <Scalar T>
void write_csv(const Dataset<T>& dataset, std::ostream& out, const CsvWriteOptions& options = {}) {
    detail::format_csv(dataset, options, [&out](std::string_view bytes) {
        out.write(bytes.data(), std::streamsize(bytes.size()));
        if (!out) fail("write_csv: <stream>: the stream failed while writing");
    });
}

/// Writes the dataset as CSV to `path`: a header (unless options.header is false), then one
/// row per sample, x's columns then y's. Numbers are written in the shortest form that reads
/// back to the same value, so read_csv<T> of the file gives back x and y exactly (NaN as
/// "nan"). The file is replaced in one step (io::write_file_atomically): it appears whole or
/// not at all.
/// Requires: a valid dataset; a delimiter that cannot occur in a number (checked).
template <Scalar T>
void write_csv(const Dataset<T>& dataset, const std::filesystem::path& path, const CsvWriteOptions& options = {}) {
    // Stream errors are left to write_file_atomically, which names the file.
    io::write_file_atomically(path, [&](std::ostream& out) {
        detail::format_csv(dataset, options,
                           [&out](std::string_view bytes) { out.write(bytes.data(), std::streamsize(bytes.size())); });
    });
}

}  // namespace neuro
