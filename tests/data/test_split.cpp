// train_test_split, KFold and StratifiedKFold: sizes, coverage, seeds, class proportions and
// the errors.

#include <neuro/data/split.hpp>

#include <neuro/core/error.hpp>
#include <neuro/data/dataset.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

namespace test_split {

using Catch::Matchers::Contains;
using neuro::Dataset;
using neuro::Index;
using neuro::KFold;
using neuro::Matrix;
using neuro::StratifiedKFold;

namespace {

// x(i, 0) = i, so every row says which sample it is; y(i, 0) its class.
template <class T>
Dataset<T> labelled(const std::vector<Index>& classes) {
    const auto rows = Index(classes.size());
    Dataset<T> data{Matrix<T>(rows, 2), Matrix<T>(rows, 1), {"id", "twice"}, "class"};
    for (Index i = 0; i < rows; ++i) {
        data.x(i, 0) = T(i);
        data.x(i, 1) = T(2 * i);
        data.y(i, 0) = T(classes[std::size_t(i)]);
    }
    return data;
}

// `count` samples of each class, in runs: 0 0 0 1 1 2 ...
std::vector<Index> classes_with_counts(const std::vector<Index>& counts) {
    std::vector<Index> classes;
    for (std::size_t c = 0; c < counts.size(); ++c) classes.insert(classes.end(), std::size_t(counts[c]), Index(c));
    return classes;
}

std::vector<Index> sorted(std::vector<Index> rows) {
    std::sort(rows.begin(), rows.end());
    return rows;
}

std::vector<Index> all_rows(Index samples) {
    std::vector<Index> rows(static_cast<std::size_t>(samples));
    for (Index i = 0; i < samples; ++i) rows[std::size_t(i)] = i;
    return rows;
}

// Each row in exactly one of the two parts.
void check_partition(const std::vector<Index>& first, const std::vector<Index>& second, Index samples) {
    std::vector<Index> both = first;
    both.insert(both.end(), second.begin(), second.end());
    CHECK(sorted(both) == all_rows(samples));
}

std::map<Index, Index> count_classes(const std::vector<Index>& rows, const std::vector<Index>& classes) {
    std::map<Index, Index> counts;
    for (const Index row : rows) ++counts[classes[std::size_t(row)]];
    return counts;
}

}  // namespace

TEMPLATE_TEST_CASE("train_test_split puts ceil(test_size * N) rows in the test part and the rest in train", "[split]",
                   float, double) {
    const auto data = labelled<TestType>(classes_with_counts({60, 40}));
    const auto parts = neuro::train_test_split(data, {.test_size = 0.25, .seed = 1});
    CHECK(parts.test.samples() == 25);
    CHECK(parts.train.samples() == 75);
    CHECK(neuro::train_test_indices(10, {.test_size = 0.33}).test.size() == 4);
    CHECK(neuro::train_test_indices(10, {.test_size = 0.7}).test.size() ==
          7);  // not 8: 0.7 * 10 rounds up to 7.000000000000001
    SECTION("rows of x and y stay together and every sample lands in one part") {
        std::vector<Index> train_ids;
        std::vector<Index> test_ids;
        for (const auto* part : {&parts.train, &parts.test}) {
            for (Index i = 0; i < part->samples(); ++i) {
                const auto id = Index(part->x(i, 0));
                CHECK(part->x(i, 1) == 2 * part->x(i, 0));
                CHECK(part->y(i, 0) == data.y(id, 0));
                (part == &parts.train ? train_ids : test_ids).push_back(id);
            }
        }
        check_partition(train_ids, test_ids, 100);
        CHECK(parts.train.feature_names == data.feature_names);
        CHECK(parts.test.label_name == "class");
    }
}

TEST_CASE("train_test_split is reproducible from its seed and shuffles", "[split]") {
    const auto first = neuro::train_test_indices(50, {.seed = 3});
    const auto again = neuro::train_test_indices(50, {.seed = 3});
    const auto other = neuro::train_test_indices(50, {.seed = 4});
    CHECK(first.test == again.test);
    CHECK(first.train == again.train);
    CHECK(first.test != other.test);
    CHECK(sorted(first.test) != std::vector<Index>{37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49});
    SECTION("without shuffle the last rows test") {
        const auto ordered = neuro::train_test_indices(10, {.test_size = 0.3, .shuffle = false});
        CHECK(ordered.test == std::vector<Index>{7, 8, 9});
        CHECK(ordered.train == std::vector<Index>{0, 1, 2, 3, 4, 5, 6});
    }
}

TEST_CASE("A stratified split keeps each class's share in both parts within one sample", "[split][stratified]") {
    const std::vector<Index> counts =
        GENERATE(std::vector<Index>{50, 50}, std::vector<Index>{90, 10}, std::vector<Index>{7, 13, 29, 1, 50},
                 std::vector<Index>{4, 4, 4}, std::vector<Index>{333, 1, 666});
    const double test_size = GENERATE(0.1, 0.2, 0.25, 0.5, 0.9);
    const std::uint64_t seed = GENERATE(0, 7);
    const std::vector<Index> classes = classes_with_counts(counts);
    const auto samples = Index(classes.size());
    Matrix<double> y(samples, 1);
    for (Index i = 0; i < samples; ++i) y(i, 0) = double(classes[std::size_t(i)]);
    CAPTURE(counts, test_size, seed);

    const auto split = neuro::train_test_indices(y, {.test_size = test_size, .stratify = true, .seed = seed});
    check_partition(split.train, split.test, samples);
    const double test_share = double(split.test.size()) / double(samples);
    const auto in_test = count_classes(split.test, classes);
    const auto in_train = count_classes(split.train, classes);
    for (std::size_t c = 0; c < counts.size(); ++c) {
        const double exact_test = double(counts[c]) * test_share;
        const Index test_count = in_test.count(Index(c)) ? in_test.at(Index(c)) : 0;
        const Index train_count = in_train.count(Index(c)) ? in_train.at(Index(c)) : 0;
        CHECK(std::abs(double(test_count) - exact_test) < 1.0);
        CHECK(std::abs(double(train_count) - (double(counts[c]) - exact_test)) < 1.0);
    }
}

TEST_CASE("A stratified split reads one-hot labels by their largest column", "[split][stratified]") {
    Matrix<float> y = Matrix<float>::Zero(40, 2);
    for (Index i = 0; i < 40; ++i) y(i, i < 30 ? 0 : 1) = 1;
    const auto split = neuro::train_test_indices(y, {.test_size = 0.5, .stratify = true});
    Index positives = 0;
    for (const Index row : split.test) positives += y(row, 1) == 1;
    CHECK(positives == 5);
    const auto dataset_split = neuro::train_test_split(Dataset<float>{Matrix<float>::Zero(40, 1), y, {}, {}},
                                                       {.test_size = 0.5, .stratify = true});
    CHECK(dataset_split.test.y.col(1).sum() == 5);
}

TEST_CASE("train_test_split rejects sizes that leave a part empty and stratification it cannot do", "[split][error]") {
    CHECK_THROWS_WITH(neuro::train_test_indices(10, {.test_size = 0}), Contains("test_size 0 is not in (0, 1)"));
    CHECK_THROWS_WITH(neuro::train_test_indices(10, {.test_size = 1}), Contains("test_size 1 is not in (0, 1)"));
    CHECK_THROWS_WITH(neuro::train_test_indices(1, {.test_size = 0.5}),
                      Contains("leaves 1 to test and 0 to train; both need at least 1"));
    CHECK_THROWS_WITH(neuro::train_test_indices(10, {.stratify = true}), Contains("stratify needs labels"));
    const Matrix<double> y = Matrix<double>::Zero(10, 1);
    CHECK_THROWS_WITH(neuro::train_test_indices(y, {.shuffle = false, .stratify = true}),
                      Contains("stratify needs shuffle"));
    Matrix<double> with_nan = y;
    with_nan(4, 0) = NAN;
    CHECK_THROWS_WITH(neuro::train_test_indices(with_nan, {.stratify = true}), Contains("the label of row 4 is NaN"));
    CHECK_THROWS_WITH(neuro::train_test_indices(Matrix<double>(10, 0), {.stratify = true}),
                      Contains("y has no columns"));
    CHECK_THROWS_WITH(
        neuro::train_test_split(Dataset<double>{Matrix<double>::Zero(3, 1), Matrix<double>::Zero(4, 1), {}, {}}),
        Contains("train_test_split: x has 3 rows but y has 4"));
}

TEST_CASE("KFold tests every sample exactly once, in folds whose sizes differ by at most one", "[split][kfold]") {
    const Index samples = GENERATE(10, 11, 17, 100);
    const Index folds = GENERATE(2, 3, 5, 10);
    const bool shuffle = GENERATE(false, true);
    CAPTURE(samples, folds, shuffle);
    const auto result = KFold(folds, {.shuffle = shuffle, .seed = 9}).split(samples);
    REQUIRE(Index(result.size()) == folds);
    std::vector<Index> tested;
    for (std::size_t f = 0; f < result.size(); ++f) {
        const auto& fold = result[f];
        check_partition(fold.train, fold.test, samples);
        CHECK(std::is_sorted(fold.test.begin(), fold.test.end()));
        CHECK(std::is_sorted(fold.train.begin(), fold.train.end()));
        // scikit-learn's sizes: the first samples % folds folds hold one more.
        CHECK(Index(fold.test.size()) == samples / folds + (Index(f) < samples % folds ? 1 : 0));
        tested.insert(tested.end(), fold.test.begin(), fold.test.end());
    }
    CHECK(sorted(tested) == all_rows(samples));
}

TEST_CASE("KFold without shuffle tests contiguous runs, and with shuffle seeded runs of a permutation",
          "[split][kfold]") {
    const auto ordered = KFold(3).split(7);
    CHECK(ordered[0].test == std::vector<Index>{0, 1, 2});
    CHECK(ordered[1].test == std::vector<Index>{3, 4});
    CHECK(ordered[2].test == std::vector<Index>{5, 6});
    const auto shuffled = KFold(3, {.shuffle = true, .seed = 1}).split(30);
    CHECK(shuffled[0].test != ordered[0].test);
    CHECK(KFold(3, {.shuffle = true, .seed = 1}).split(30)[1].test == shuffled[1].test);
    CHECK(KFold(3, {.shuffle = true, .seed = 2}).split(30)[1].test != shuffled[1].test);
}

TEST_CASE("StratifiedKFold keeps each class's count within one across folds", "[split][kfold][stratified]") {
    const std::vector<Index> counts =
        GENERATE(std::vector<Index>{50, 50}, std::vector<Index>{23, 5, 71}, std::vector<Index>{2, 9, 1, 30});
    const Index folds = GENERATE(2, 3, 5);
    const bool shuffle = GENERATE(false, true);
    CAPTURE(counts, folds, shuffle);
    const std::vector<Index> classes = classes_with_counts(counts);
    const auto samples = Index(classes.size());
    Matrix<float> y(samples, 1);
    for (Index i = 0; i < samples; ++i) y(i, 0) = float(classes[std::size_t(i)] * 10);  // any label values

    const auto result = StratifiedKFold(folds, {.shuffle = shuffle, .seed = 4}).split(y);
    REQUIRE(Index(result.size()) == folds);
    std::vector<Index> tested;
    std::vector<std::size_t> sizes;
    for (const auto& fold : result) {
        check_partition(fold.train, fold.test, samples);
        tested.insert(tested.end(), fold.test.begin(), fold.test.end());
        sizes.push_back(fold.test.size());
    }
    CHECK(sorted(tested) == all_rows(samples));
    CHECK(*std::max_element(sizes.begin(), sizes.end()) - *std::min_element(sizes.begin(), sizes.end()) <= 1);
    for (std::size_t c = 0; c < counts.size(); ++c) {
        Index fewest = samples;
        Index most = 0;
        for (const auto& fold : result) {
            const auto in_fold = count_classes(fold.test, classes);
            const Index count = in_fold.count(Index(c)) ? in_fold.at(Index(c)) : 0;
            fewest = std::min(fewest, count);
            most = std::max(most, count);
        }
        CHECK(most - fewest <= 1);
    }
}

TEST_CASE("KFold and StratifiedKFold reject fewer than 2 folds and more folds than samples", "[split][kfold][error]") {
    CHECK_THROWS_WITH(KFold(1).split(10), Contains("KFold: 1 folds; cross-validation needs at least 2"));
    CHECK_THROWS_WITH(KFold(5).split(4), Contains("KFold: 5 folds of 4 samples"));
    CHECK_THROWS_WITH(StratifiedKFold(3).split(Matrix<double>::Zero(2, 1)), Contains("StratifiedKFold: 3 folds of 2"));
    CHECK(KFold(4).folds() == 4);
}

}  // namespace test_split
