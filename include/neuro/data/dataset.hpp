#pragma once
// Dataset: samples with their targets and, where the source had them, the column names.

#include "neuro/core/error.hpp"
#include "neuro/core/types.hpp"

#include <Eigen/Core>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace neuro {

/// Represents: a table for supervised learning in the layout fit() takes: x is samples x
/// features, one sample per row; y is samples x outputs (outputs may be 0 for unlabelled data).
/// Names are known when the source had them: feature_names is empty or has one name per
/// column of x; label_name is empty when unknown.
/// Requires (checked by check_dataset and by every function taking a Dataset):
/// x.rows() == y.rows(), and feature_names empty or of size x.cols().
/// Features is Matrix<T>, or RowMatrix<T> for a data set to train on whole (see RowMatrix);
/// the functions that take a Dataset take the column-major one unless they say otherwise.
template <Scalar T, SampleMatrixOf<T> Features = Matrix<T>>
struct Dataset {
    Features x;
    Matrix<T> y;
    std::vector<std::string> feature_names;
    std::string label_name;

    Index samples() const { return x.rows(); }
    Index features() const { return x.cols(); }
    Index outputs() const { return y.cols(); }
};

/// Throws neuro::Error naming `context` when the dataset breaks the requirements above.
template <Scalar T>
void check_dataset(const Dataset<T>& dataset, std::string_view context) {
    if (dataset.x.rows() != dataset.y.rows())
        fail("{}: x has {} rows but y has {}; a dataset needs one row of each per sample", context, dataset.x.rows(),
             dataset.y.rows());
    if (!dataset.feature_names.empty() && Index(dataset.feature_names.size()) != dataset.x.cols())
        fail("{}: {} feature names for {} columns of x", context, dataset.feature_names.size(), dataset.x.cols());
}

/// Ensures: the samples at `rows`, in that order (repeats allowed), with the same names.
/// Requires: a valid dataset and every row in [0, samples) (checked: neuro::Error).
template <Scalar T>
Dataset<T> select_rows(const Dataset<T>& dataset, std::span<const Index> rows) {
    check_dataset(dataset, "select_rows");
    for (const Index row : rows)
        if (row < 0 || row >= dataset.samples())
            fail("select_rows: row {} is outside the dataset's {} samples", row, dataset.samples());
    Dataset<T> selected{Matrix<T>(Index(rows.size()), dataset.features()),
                        Matrix<T>(Index(rows.size()), dataset.outputs()), dataset.feature_names, dataset.label_name};
    // Column by column: each destination column is contiguous in the column-major result.
    for (Index column = 0; column < dataset.features(); ++column)
        for (std::size_t i = 0; i < rows.size(); ++i) selected.x(Index(i), column) = dataset.x(rows[i], column);
    for (Index column = 0; column < dataset.outputs(); ++column)
        for (std::size_t i = 0; i < rows.size(); ++i) selected.y(Index(i), column) = dataset.y(rows[i], column);
    return selected;
}

}  // namespace neuro
