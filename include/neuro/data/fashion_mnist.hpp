#pragma once
// Fashion-MNIST (Zalando's 28 x 28 grey images of 10 kinds of clothing), from Debian's
// dataset-fashion-mnist package: the data of workload W2.

#include "neuro/core/error.hpp"
#include "neuro/core/types.hpp"
#include "neuro/data/dataset.hpp"
#include "neuro/data/idx.hpp"

#include <array>
#include <filesystem>
#include <string>
#include <string_view>

namespace neuro {

/// Where `apt-get install dataset-fashion-mnist` puts the four gzip-compressed IDX files.
inline constexpr std::string_view fashion_mnist_directory = "/usr/share/datasets/fashion-mnist";

/// The names of the 10 classes, by class index.
inline constexpr std::array<std::string_view, 10> fashion_mnist_class_names = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

/// The training and test parts of Fashion-MNIST; the images in a Matrix<T>, or in a
/// RowMatrix<T>, the faster layout for training on all 60000.
template <Scalar T, SampleMatrixOf<T> Images = Matrix<T>>
struct FashionMnist {
    Dataset<T, Images> train;  ///< 60000 images
    Dataset<T, Images> test;   ///< 10000 images
};

namespace detail {

// The file of one part in `directory`: "<stem>.gz" as Debian ships it, or "<stem>" unpacked.
inline std::filesystem::path fashion_mnist_file(const std::filesystem::path& directory, std::string_view stem) {
    std::filesystem::path file = directory / (std::string(stem) + ".gz");
    if (std::filesystem::exists(file)) return file;
    file = directory / std::string(stem);
    if (std::filesystem::exists(file)) return file;
    fail(
        "load_fashion_mnist: Fashion-MNIST is not in {} ({}.gz is missing); install it with "
        "`apt-get install dataset-fashion-mnist`, or pass the directory that holds its four IDX files",
        directory.string(), stem);
}

template <Scalar T, SampleMatrixOf<T> Images>
Dataset<T, Images> load_fashion_mnist_part(const std::filesystem::path& directory, std::string_view prefix) {
    const auto images_file = fashion_mnist_file(directory, std::string(prefix) + "-images-idx3-ubyte");
    const auto labels_file = fashion_mnist_file(directory, std::string(prefix) + "-labels-idx1-ubyte");
    Dataset<T, Images> part{read_idx_images<T, Images>(images_file, PixelScale::UnitInterval),
                            read_idx_labels<T>(labels_file), {}, "label"};
    if (part.x.rows() != part.y.rows())
        fail("load_fashion_mnist: {} holds {} images but {} holds {} labels", images_file.string(), part.x.rows(),
             labels_file.string(), part.y.rows());
    return part;
}

}  // namespace detail

/// Loads both parts of Fashion-MNIST from `directory`.
/// Ensures: train.x is 60000 x 784 and test.x 10000 x 784 (one 28 x 28 image per row, pixels
/// in [0, 1]); y is N x 1 class indices 0 to 9 (see fashion_mnist_class_names). With
/// Images = RowMatrix<T>, each image is stored contiguously.
/// Throws neuro::Error saying how to install the data when the files are missing, and the
/// IDX readers' errors for a damaged file.
template <Scalar T, SampleMatrixOf<T> Images = Matrix<T>>
FashionMnist<T, Images> load_fashion_mnist(const std::filesystem::path& directory = fashion_mnist_directory) {
    return {detail::load_fashion_mnist_part<T, Images>(directory, "train"),
            detail::load_fashion_mnist_part<T, Images>(directory, "t10k")};
}

}  // namespace neuro
