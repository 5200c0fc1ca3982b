// load_fashion_mnist: the real data set from Debian's dataset-fashion-mnist package (which
// tools/bootstrap.sh installs: without it this test fails), and the error when it is missing.

#include <neuro/data/fashion_mnist.hpp>

#include <neuro/core/error.hpp>

#include "../support/temporary_directory.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <filesystem>

namespace test_fashion_mnist {

using Catch::Matchers::Contains;
using neuro::Index;

namespace {

// Fashion-MNIST is balanced: 6000 training and 1000 test images of each of the 10 classes.
template <class T>
std::array<Index, 10> class_counts(const neuro::Matrix<T>& labels) {
    std::array<Index, 10> counts{};
    for (Index row = 0; row < labels.rows(); ++row) ++counts[std::size_t(labels(row, 0))];
    return counts;
}

}  // namespace

TEMPLATE_TEST_CASE("load_fashion_mnist loads 60000 training and 10000 test images of 784 pixels between 0 and 1",
                   "[idx][fashion_mnist]", float, double) {
    REQUIRE(std::filesystem::exists(neuro::fashion_mnist_directory));  // install dataset-fashion-mnist
    const auto data = neuro::load_fashion_mnist<TestType>();
    for (const auto* part : {&data.train, &data.test}) {
        CHECK(part->x.cols() == 784);
        CHECK(part->y.cols() == 1);
        CHECK(part->x.rows() == part->y.rows());
        CHECK(part->x.minCoeff() == 0);
        CHECK(part->x.maxCoeff() == 1);
        CHECK(part->y.minCoeff() == 0);
        CHECK(part->y.maxCoeff() == 9);
        CHECK((part->y.array() == part->y.array().round()).all());
        CHECK(part->label_name == "label");
    }
    CHECK(data.train.x.rows() == 60000);
    CHECK(data.test.x.rows() == 10000);
    std::array<Index, 10> train_counts;
    train_counts.fill(6000);
    std::array<Index, 10> test_counts;
    test_counts.fill(1000);
    CHECK(class_counts(data.train.y) == train_counts);
    CHECK(class_counts(data.test.y) == test_counts);
    // Real images, not noise: the mean pixel of Fashion-MNIST's training set is 0.286.
    CHECK(data.train.x.template cast<double>().mean() == Approx(0.286).margin(0.001));
}

TEST_CASE("load_fashion_mnist with RowMatrix images gives the same data, one image per row", "[idx][fashion_mnist]") {
    REQUIRE(std::filesystem::exists(neuro::fashion_mnist_directory));
    const auto columns = neuro::load_fashion_mnist<float>();
    const auto rows = neuro::load_fashion_mnist<float, neuro::RowMatrix<float>>();
    STATIC_REQUIRE(decltype(rows.train.x)::IsRowMajor);
    CHECK(rows.train.x == columns.train.x);
    CHECK(rows.test.x == columns.test.x);
    CHECK(rows.train.y == columns.train.y);
    CHECK(rows.test.y == columns.test.y);
    // The first image's pixels are the first 784 values in memory.
    CHECK(Eigen::Map<const neuro::Vector<float>>(rows.train.x.data(), 784) == columns.train.x.row(0).transpose());
}

TEST_CASE("load_fashion_mnist says how to install the data when it is missing", "[idx][fashion_mnist][error]") {
    const neuro::testing::TemporaryDirectory empty;
    CHECK_THROWS_WITH(neuro::load_fashion_mnist<float>(empty.path()),
                      Contains("Fashion-MNIST is not in " + empty.path().string()) &&
                          Contains("train-images-idx3-ubyte.gz is missing") &&
                          Contains("apt-get install dataset-fashion-mnist"));
}

TEST_CASE("load_fashion_mnist names the classes", "[fashion_mnist]") {
    CHECK(neuro::fashion_mnist_class_names[0] == "T-shirt/top");
    CHECK(neuro::fashion_mnist_class_names[9] == "Ankle boot");
}

}  // namespace test_fashion_mnist
