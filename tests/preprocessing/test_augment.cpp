// Augmentation of training batches: flips, shifts, mixup and noise one by one, the Beta and
// Gamma draws mixup needs, and how fit applies them (seeded, resumable, never to validation).

#include "../support/models.hpp"

#include <neuro/neuro.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <set>
#include <span>
#include <utility>
#include <vector>

namespace test_augment {

namespace {

using Catch::Matchers::Contains;
using neuro::Index;
using neuro::testing::quiet_options;
using neuro::testing::random_matrix;

/// `count` images of height x width x channels whose values are all different and non-zero
/// (value = 1 + position + 1000 * image), one image per column.
neuro::Matrix<double> numbered_images(neuro::ImageShape image, Index count) {
    neuro::Matrix<double> batch(image.size(), count);
    for (Index j = 0; j < count; ++j)
        for (Index i = 0; i < image.size(); ++i) batch(i, j) = 1.0 + static_cast<double>(i) + 1000.0 * static_cast<double>(j);
    return batch;
}

double at(const neuro::Matrix<double>& batch, neuro::ImageShape image, Index j, Index row, Index column, Index channel) {
    return batch((row * image.width + column) * image.channels + channel, j);
}

/// The image `j` of `original` moved by (dy, dx) with zero fill, as a column.
neuro::Vector<double> shifted(const neuro::Matrix<double>& original, neuro::ImageShape image, Index j, Index dy, Index dx) {
    neuro::Vector<double> result(image.size());
    for (Index r = 0; r < image.height; ++r)
        for (Index c = 0; c < image.width; ++c)
            for (Index k = 0; k < image.channels; ++k) {
                const bool inside = r - dy >= 0 && r - dy < image.height && c - dx >= 0 && c - dx < image.width;
                result((r * image.width + c) * image.channels + k) = inside ? at(original, image, j, r - dy, c - dx, k) : 0.0;
            }
    return result;
}

void augment(const neuro::Augmentation& settings, neuro::Matrix<double>& features, neuro::Matrix<double>& targets,
             std::vector<double>& weights, std::uint64_t seed) {
    neuro::BatchAugmenter<double> augmenter(settings);
    augmenter.reserve(features.rows(), targets.rows(), features.cols());
    neuro::Random random(seed);
    augmenter.apply(neuro::MatrixView<double>(features.data(), features.rows(), features.cols()),
                    neuro::MatrixView<double>(targets.data(), targets.rows(), targets.cols()), std::span<double>(weights),
                    random);
}

/// Numbered images (see numbered_images) after the image augmentations of `settings`.
neuro::Matrix<double> augmented_images(const neuro::Augmentation& settings, Index count, std::uint64_t seed) {
    neuro::Matrix<double> features = numbered_images(settings.image, count);
    neuro::Matrix<double> targets(1, count);
    std::vector<double> weights;
    augment(settings, features, targets, weights, seed);
    return features;
}

}  // namespace

TEST_CASE("Augmentation is off by default", "[augment]") {
    const neuro::FitOptions options;
    CHECK_FALSE(options.augmentation.enabled());
    neuro::Matrix<double> features = random_matrix<double>(6, 10, 1);
    neuro::Matrix<double> targets = random_matrix<double>(2, 10, 2);
    std::vector<double> weights;
    const neuro::Matrix<double> before = features;
    augment(options.augmentation, features, targets, weights, 3);
    CHECK(features == before);
}

TEST_CASE("A horizontal flip mirrors each row of an image, keeping a pixel's channels together", "[augment]") {
    const neuro::ImageShape image{3, 4, 2};
    const Index count = 200;
    const neuro::Matrix<double> original = numbered_images(image, count);
    const neuro::Matrix<double> features = augmented_images({.image = image, .horizontal_flip = true}, count, 7);
    int flipped = 0;
    for (Index j = 0; j < count; ++j) {
        if (features.col(j) == original.col(j)) continue;
        ++flipped;
        for (Index r = 0; r < image.height; ++r)
            for (Index c = 0; c < image.width; ++c)
                for (Index k = 0; k < image.channels; ++k)
                    REQUIRE(at(features, image, j, r, c, k) == at(original, image, j, r, image.width - 1 - c, k));
    }
    // Each image is flipped with probability 1/2: 200 draws land within 60..140 unless the draw is broken.
    CHECK(flipped > 60);
    CHECK(flipped < 140);
}

TEST_CASE("A random shift moves each image by at most max_shift pixels and fills with zeros", "[augment]") {
    const neuro::ImageShape image{5, 6, 1};
    const Index count = 400;
    const neuro::Matrix<double> original = numbered_images(image, count);
    const neuro::Matrix<double> features = augmented_images({.image = image, .max_shift = 2}, count, 11);
    std::set<std::pair<Index, Index>> seen;
    for (Index j = 0; j < count; ++j) {
        bool matched = false;
        for (Index dy = -2; dy <= 2 && !matched; ++dy)
            for (Index dx = -2; dx <= 2 && !matched; ++dx)
                if (features.col(j) == shifted(original, image, j, dy, dx)) {
                    matched = true;
                    seen.emplace(dy, dx);
                }
        REQUIRE(matched);
    }
    CHECK(seen.size() == 25);  // every shift in [-2, 2] x [-2, 2] occurs among 400 images
}

TEST_CASE("Mixup blends each sample, its target and its weight with one partner by the same lambda", "[augment]") {
    // Sample j is the unit vector e_j, so a blended column shows its two sources and lambda.
    const Index count = 12;
    neuro::Matrix<double> features = neuro::Matrix<double>::Identity(count, count);
    neuro::Matrix<double> targets = 2.0 * neuro::Matrix<double>::Identity(count, count);
    std::vector<double> weights(static_cast<std::size_t>(count));
    for (Index j = 0; j < count; ++j) weights[static_cast<std::size_t>(j)] = static_cast<double>(j + 1);
    augment({.mixup_alpha = 0.4}, features, targets, weights, 5);

    double lambda = -1;
    std::set<Index> partners;
    for (Index j = 0; j < count; ++j) {
        CHECK(features.col(j).sum() == Approx(1.0));
        CHECK(targets.col(j).isApprox(2.0 * features.col(j)));
        Index partner = j;
        for (Index i = 0; i < count; ++i)
            if (i != j && features(i, j) != 0) partner = i;
        partners.insert(partner);
        if (partner == j) {
            CHECK(weights[static_cast<std::size_t>(j)] == Approx(static_cast<double>(j + 1)));
            continue;
        }
        if (lambda < 0) lambda = features(j, j);
        CHECK(features(j, j) == Approx(lambda));
        CHECK(features(partner, j) == Approx(1.0 - lambda));
        CHECK(weights[static_cast<std::size_t>(j)] ==
              Approx(lambda * static_cast<double>(j + 1) + (1.0 - lambda) * static_cast<double>(partner + 1)));
    }
    CHECK(partners.size() == static_cast<std::size_t>(count));  // the partners are a permutation
    CHECK(lambda > 0);
    CHECK(lambda < 1);
}

TEST_CASE("Gaussian noise has mean 0 and the standard deviation asked for", "[augment]") {
    const Index rows = 100;
    const Index count = 1000;
    neuro::Matrix<double> features = neuro::Matrix<double>::Constant(rows, count, 3.0);
    neuro::Matrix<double> targets(1, count);
    std::vector<double> weights;
    augment({.gaussian_noise = 0.5}, features, targets, weights, 13);
    const double mean = features.mean() - 3.0;
    const double deviation = std::sqrt((features.array() - features.mean()).square().mean());
    CHECK(std::abs(mean) < 5 * 0.5 / std::sqrt(double(rows * count)));
    CHECK(deviation == Approx(0.5).epsilon(0.01));
}

TEST_CASE("Gamma and Beta draws have the right mean and variance", "[augment][random]") {
    neuro::Random random(17);
    const int draws = 200000;
    for (const double shape : {0.3, 1.0, 4.5}) {
        double sum = 0, square_sum = 0;
        for (int i = 0; i < draws; ++i) {
            const double x = random.gamma(shape);
            REQUIRE(x >= 0);
            sum += x;
            square_sum += x * x;
        }
        const double mean = sum / draws;
        CHECK(mean == Approx(shape).epsilon(0.02));
        CHECK(square_sum / draws - mean * mean == Approx(shape).epsilon(0.05));  // Gamma(k, 1): variance k
    }
    for (const double alpha : {0.2, 1.0, 3.0}) {
        double sum = 0, square_sum = 0;
        for (int i = 0; i < draws; ++i) {
            const double x = random.beta(alpha, alpha);
            REQUIRE(x >= 0);
            REQUIRE(x <= 1);
            sum += x;
            square_sum += x * x;
        }
        const double mean = sum / draws;
        CHECK(mean == Approx(0.5).epsilon(0.01));
        CHECK(square_sum / draws - mean * mean == Approx(1.0 / (4.0 * (2.0 * alpha + 1.0))).epsilon(0.03));
    }
    CHECK_THROWS_WITH(random.gamma(0.0), Contains("shape must be positive"));
}

TEST_CASE("fit with augmentation is seeded, resumable, and changes training", "[augment][fit]") {
    const neuro::Matrix<double> x = random_matrix<double>(120, 4, 21);
    const neuro::Matrix<double> y = neuro::testing::separable_labels(x);
    auto trained = [&](neuro::FitOptions options, int epochs_first) {
        auto model = neuro::testing::small_binary_classifier<double>(4);
        model.compile(neuro::Adam<double>(1e-2), neuro::BinaryCrossEntropy<double>());
        const int epochs = options.epochs;
        options.epochs = epochs_first;
        model.fit(x, y, options);
        options.initial_epoch = epochs_first;
        options.epochs = epochs;
        model.fit(x, y, options);
        return neuro::Vector<double>(model.parameters());
    };
    neuro::FitOptions plain = quiet_options(4, 16);
    neuro::FitOptions augmented = plain;
    augmented.augmentation = {.gaussian_noise = 0.1, .mixup_alpha = 0.2};

    const auto once = trained(augmented, 4);
    CHECK(trained(augmented, 4) == once);  // the same seed gives the same weights
    CHECK(trained(augmented, 2) == once);  // stopping after epoch 2 and resuming changes nothing
    CHECK(trained(plain, 4) != once);
    augmented.seed = 2;
    CHECK(trained(augmented, 4) != once);
}

TEST_CASE("Augmentation never touches validation data", "[augment][fit]") {
    const neuro::Matrix<float> x = random_matrix<float>(64, 4, 31);
    const neuro::Matrix<float> y = neuro::testing::separable_labels(x);
    const neuro::Matrix<float> xv = random_matrix<float>(40, 4, 32);
    const neuro::Matrix<float> yv = neuro::testing::separable_labels(xv);
    auto model = neuro::testing::small_binary_classifier<float>(4);
    model.compile(neuro::Adam<float>(1e-2f), neuro::BinaryCrossEntropy<float>());
    neuro::FitOptions options = quiet_options(2, 16);
    options.augmentation.gaussian_noise = 5.0;  // would change the validation loss a lot
    const auto history = model.fit(x, y, xv, yv, options);
    CHECK(history.val_loss.back() == Approx(model.evaluate(xv, yv).loss).epsilon(1e-6));
}

TEST_CASE("Image augmentation trains a model on images given as rows", "[augment][fit]") {
    const neuro::ImageShape image{4, 4, 1};
    const neuro::Matrix<float> x = random_matrix<float>(50, 16, 41);
    const neuro::Matrix<float> y = neuro::testing::separable_labels(x);
    auto model = neuro::testing::small_binary_classifier<float>(16);
    model.compile(neuro::Adam<float>(1e-2f), neuro::BinaryCrossEntropy<float>());
    neuro::FitOptions options = quiet_options(2, 10);
    options.augmentation = {.image = image, .max_shift = 1, .horizontal_flip = true};
    const auto history = model.fit(x, y, options);
    REQUIRE(history.loss.size() == 2);
    CHECK(std::isfinite(history.loss.back()));
}

TEST_CASE("Bad augmentation settings are rejected with what is wrong", "[augment][errors]") {
    const neuro::Matrix<float> x = random_matrix<float>(20, 6, 51);
    const neuro::Matrix<float> y = neuro::testing::separable_labels(x);
    auto model = neuro::testing::small_binary_classifier<float>(6);
    model.compile(neuro::SGD<float>(0.1f), neuro::BinaryCrossEntropy<float>());
    auto fit_with = [&](neuro::Augmentation augmentation) {
        neuro::FitOptions options = quiet_options(1, 5);
        options.augmentation = augmentation;
        model.fit(x, y, options);
    };
    CHECK_THROWS_WITH(fit_with({.gaussian_noise = -1}), Contains("gaussian_noise must be a finite standard deviation"));
    CHECK_THROWS_WITH(fit_with({.mixup_alpha = std::nan("")}), Contains("mixup_alpha must be finite"));
    CHECK_THROWS_WITH(fit_with({.max_shift = -2}), Contains("max_shift must be >= 0"));
    CHECK_THROWS_WITH(fit_with({.horizontal_flip = true}), Contains("image augmentation needs augmentation.image"));
    CHECK_THROWS_WITH(fit_with({.image = {2, 2, 1}, .max_shift = 1}),
                      Contains("augmentation.image is 2 x 2 x 1 = 4 values, but X has 6 columns"));

    neuro::Sequential<float> sparse_model;
    sparse_model.add(neuro::Dense<float>(6, 3));
    sparse_model.add(neuro::Softmax<float>());
    sparse_model.compile(neuro::SGD<float>(0.1f), neuro::SparseCategoricalCrossEntropy<float>());
    neuro::FitOptions options = quiet_options(1, 5);
    options.augmentation.mixup_alpha = 0.2;
    CHECK_THROWS_WITH(sparse_model.fit(x, y, options), Contains("mixup blends targets, but this loss takes class indices"));
}

}  // namespace test_augment
