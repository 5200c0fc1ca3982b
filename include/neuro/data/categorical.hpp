#pragma once
// CategoricalEncoding: text columns turned into numbers, the same way for every file read.

#include "neuro/core/error.hpp"
#include "neuro/core/types.hpp"
#include "neuro/data/column.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace neuro {

/// How one categorical column becomes numbers.
enum class CategoricalMode {
    Codes,   ///< one column holding the category's index in the sorted categories: 0, 1, ...
    OneHot,  ///< one column per category: 1 in the category's column, 0 elsewhere
};

/// What a category that fit() never saw becomes.
enum class UnseenCategory {
    Error,   ///< neuro::Error naming the value, its line and its column
    Ignore,  ///< code -1 (Codes), or a row of zeros (OneHot), as scikit-learn's handle_unknown="ignore"
};

/// One column to encode, and how.
struct CategoricalColumn {
    ColumnRef column;
    CategoricalMode mode = CategoricalMode::Codes;
};

/// Represents: the choice of categorical columns of a table and how each is encoded, and once
/// fitted, the categories of each (sorted, as scikit-learn sorts them, so that codes do not
/// depend on the order of the rows).
/// Ensures: a fitted encoding gives every later file or row the same codes and the same
/// one-hot columns. Missing values (empty, NA) are not categories; readers keep them as NaN.
class CategoricalEncoding {
public:
    CategoricalEncoding() = default;

    explicit CategoricalEncoding(std::vector<CategoricalColumn> columns, UnseenCategory unseen = UnseenCategory::Error)
        : columns_(std::move(columns)), unseen_(unseen) {
        for (std::size_t i = 0; i < columns_.size(); ++i)
            for (std::size_t j = 0; j < i; ++j)
                if (columns_[i].column == columns_[j].column)
                    fail("CategoricalEncoding: {} is declared twice", columns_[i].column.describe());
    }

    const std::vector<CategoricalColumn>& columns() const { return columns_; }
    UnseenCategory unseen() const { return unseen_; }
    bool empty() const { return columns_.empty(); }
    bool fitted() const { return !lookup_.empty() || columns_.empty(); }

    /// Fits (or refits) the categories of each declared column, in the order of columns():
    /// they are sorted and made distinct here.
    /// Requires: one list per declared column (checked: neuro::Error).
    void fit(std::vector<std::vector<std::string>> categories) {
        if (categories.size() != columns_.size())
            fail("CategoricalEncoding::fit: {} category lists for {} declared columns", categories.size(),
                 columns_.size());
        for (auto& list : categories) {
            std::sort(list.begin(), list.end());
            list.erase(std::unique(list.begin(), list.end()), list.end());
        }
        categories_ = std::move(categories);
        lookup_.assign(categories_.size(), {});
        for (std::size_t column = 0; column < categories_.size(); ++column)
            for (std::size_t code = 0; code < categories_[column].size(); ++code)
                lookup_[column].emplace(categories_[column][code], Index(code));
    }

    /// The sorted categories of declared column `column`; the code of categories(c)[k] is k.
    const std::vector<std::string>& categories(std::size_t column) const {
        check_fitted_column(column, "categories");
        return categories_[column];
    }

    /// The number of numeric columns declared column `column` becomes: 1 for Codes, one per
    /// category for OneHot.
    Index encoded_width(std::size_t column) const {
        check_fitted_column(column, "encoded_width");
        return columns_[column].mode == CategoricalMode::Codes ? 1 : Index(categories_[column].size());
    }

    /// The code of `category` in declared column `column`, or nothing when fit() never saw it.
    std::optional<Index> find(std::size_t column, std::string_view category) const {
        check_fitted_column(column, "find");
        const auto found = lookup_[column].find(category);
        if (found == lookup_[column].end()) return std::nullopt;
        return found->second;
    }

    /// The code of `category` in declared column `column`; for an unseen category -1 under
    /// UnseenCategory::Ignore, neuro::Error under UnseenCategory::Error.
    Index code(std::size_t column, std::string_view category) const {
        if (const auto found = find(column, category)) return *found;
        if (unseen_ == UnseenCategory::Ignore) return -1;
        fail("CategoricalEncoding: \"{}\" is not a category of {} (fitted: {})", category,
             columns_[column].column.describe(), fmt::join(categories_[column], ", "));
    }

private:
    // Hashes std::string and std::string_view alike, so lookups need no std::string.
    struct TextHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
    };

    void check_fitted_column(std::size_t column, std::string_view what) const {
        if (column >= columns_.size())
            fail("CategoricalEncoding::{}: column {} of {} declared columns", what, column, columns_.size());
        if (!fitted()) fail("CategoricalEncoding::{}: the encoding is not fitted yet", what);
    }

    std::vector<CategoricalColumn> columns_;
    UnseenCategory unseen_ = UnseenCategory::Error;
    std::vector<std::vector<std::string>> categories_;
    std::vector<std::unordered_map<std::string, Index, TextHash, std::equal_to<>>> lookup_;
};

}  // namespace neuro
