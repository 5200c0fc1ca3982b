#pragma once
// ColumnRef: how a user points at a column of a table (a CSV file): by position or by name.

#include "neuro/core/error.hpp"
#include "neuro/core/types.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace neuro {

/// Represents: one column of a table, by 0-based index, by header name, or as "the last".
/// Converts implicitly from an integer and from a string, so options read as
/// `{.label = "price"}` or `{.label = 0}`.
class ColumnRef {
public:
    ColumnRef(Index index) : which_(index) {}       // implicit by design
    ColumnRef(int index) : which_(Index(index)) {}  // a literal 0 would otherwise be ambiguous with const char*
    ColumnRef(std::string name) : which_(std::move(name)) {}
    ColumnRef(const char* name) : which_(std::string(name)) {}

    static ColumnRef last() { return ColumnRef(Last{}); }

    bool by_name() const { return std::holds_alternative<std::string>(which_); }

    /// Ensures: the 0-based position of the column in a table whose rows have `columns`
    /// fields and whose header holds `names` (empty when the table has no header).
    /// Throws neuro::Error, starting with `context`, when the column does not exist or its
    /// name is missing or ambiguous.
    Index resolve(const std::vector<std::string>& names, Index columns, std::string_view context) const {
        if (std::holds_alternative<Last>(which_)) return columns - 1;
        if (const Index* index = std::get_if<Index>(&which_)) {
            if (*index < 0 || *index >= columns)
                fail("{}: column index {} does not exist; the rows have {} columns (indices 0 to {})", context, *index,
                     columns, columns - 1);
            return *index;
        }
        const std::string& name = std::get<std::string>(which_);
        if (names.empty()) fail("{}: column \"{}\" is named, but there is no header row; use its index", context, name);
        Index found = -1;
        for (Index column = 0; column < Index(names.size()); ++column) {
            if (names[std::size_t(column)] != name) continue;
            if (found >= 0)
                fail("{}: columns {} and {} are both named \"{}\"; use an index", context, found, column, name);
            found = column;
        }
        if (found < 0) fail("{}: no column is named \"{}\"; the header has: {}", context, name, fmt::join(names, ", "));
        return found;
    }

    /// "column 3", "column \"price\"" or "the last column", for messages.
    std::string describe() const {
        if (const Index* index = std::get_if<Index>(&which_)) return fmt::format("column {}", *index);
        if (const std::string* name = std::get_if<std::string>(&which_)) return fmt::format("column \"{}\"", *name);
        return "the last column";
    }

    friend bool operator==(const ColumnRef&, const ColumnRef&) = default;

private:
    struct Last {
        friend bool operator==(Last, Last) = default;
    };
    explicit ColumnRef(Last last) : which_(last) {}

    std::variant<Index, std::string, Last> which_;
};

}  // namespace neuro
