#pragma once
// Augmentation of training batches: Gaussian noise and mixup for tabular data, random shifts
// and horizontal flips for images. fit applies it to each gathered batch; evaluate and
// predict never do.

#include "neuro/core/error.hpp"
#include "neuro/core/random.hpp"
#include "neuro/core/types.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>
#include <vector>

namespace neuro {

/// How an image is laid out in one row of X: `height` rows of `width` pixels, row after row,
/// `channels` values per pixel (channels last, as IDX/MNIST rows and most CSV exports).
struct ImageShape {
    Index height = 0;
    Index width = 0;
    Index channels = 1;

    Index size() const { return height * width * channels; }
};

/// What fit does to each training batch; everything is off by default. The draws come from
/// the epoch's seeded generator, so a fit is as reproducible (and resumable) with
/// augmentation as without. Applied in this order: flip, shift, mixup, noise.
struct Augmentation {
    double gaussian_noise = 0;     ///< standard deviation of N(0, s^2) noise added to every feature
    double mixup_alpha = 0;        ///< > 0: mixup (Zhang et al., 2018): the batch becomes
                                   ///< lambda * batch + (1 - lambda) * a permutation of it, targets
                                   ///< and sample weights alike, lambda ~ Beta(alpha, alpha) per batch
    ImageShape image{};            ///< the layout the two image augmentations need
    Index max_shift = 0;           ///< pixels: each image moves by (dy, dx), each uniform in
                                   ///< [-max_shift, max_shift]; uncovered pixels become 0
    bool horizontal_flip = false;  ///< each image is mirrored left to right with probability 1/2

    bool uses_image() const { return max_shift > 0 || horizontal_flip; }
    bool enabled() const { return gaussian_noise > 0 || mixup_alpha > 0 || uses_image(); }
};

/// Checks the settings against the data fit was given: `features` per sample, and whether
/// the targets are values that can be blended (not class indices).
inline void check_augmentation(const Augmentation& augmentation, Index features, bool mixable_targets) {
    if (!(augmentation.gaussian_noise >= 0) || !std::isfinite(augmentation.gaussian_noise))
        fail("fit: augmentation.gaussian_noise must be a finite standard deviation >= 0, got {}",
             augmentation.gaussian_noise);
    if (!(augmentation.mixup_alpha >= 0) || !std::isfinite(augmentation.mixup_alpha))
        fail("fit: augmentation.mixup_alpha must be finite and >= 0, got {}", augmentation.mixup_alpha);
    if (augmentation.mixup_alpha > 0 && !mixable_targets)
        fail("fit: mixup blends targets, but this loss takes class indices; use one-hot targets "
             "(to_categorical) with CategoricalCrossEntropy");
    if (augmentation.max_shift < 0) fail("fit: augmentation.max_shift must be >= 0, got {}", augmentation.max_shift);
    if (!augmentation.uses_image()) return;
    const ImageShape& image = augmentation.image;
    if (image.height < 1 || image.width < 1 || image.channels < 1)
        fail("fit: image augmentation needs augmentation.image = {{height, width, channels}}, each >= 1; got "
             "{} x {} x {}",
             image.height, image.width, image.channels);
    if (image.size() != features)
        fail("fit: augmentation.image is {} x {} x {} = {} values, but X has {} columns (features)", image.height,
             image.width, image.channels, image.size(), features);
}

/// Applies an Augmentation to batches stored as features x batch (one column per sample).
/// Ensures: no heap allocation once reserve has seen the largest batch.
template <Scalar T>
class BatchAugmenter {
public:
    explicit BatchAugmenter(const Augmentation& augmentation) : augmentation_(augmentation) {}

    bool enabled() const { return augmentation_.enabled(); }

    void reserve(Index features, Index targets, Index batch) {
        if (augmentation_.mixup_alpha > 0) {
            features_copy_.resize(features, batch);
            targets_copy_.resize(targets, batch);
            weights_copy_.resize(batch);
            permutation_.resize(static_cast<std::size_t>(batch));
        }
        if (augmentation_.max_shift > 0) image_copy_.resize(features);
    }

    /// Augments one batch in place; `weights` (one per sample) may be empty.
    void apply(MatrixView<T> features, MatrixView<T> targets, std::span<T> weights, Random& random) {
        if (augmentation_.horizontal_flip)
            for (Index j = 0; j < features.cols(); ++j)
                if (random.next() >> 63) flip(features.col(j));
        if (augmentation_.max_shift > 0)
            for (Index j = 0; j < features.cols(); ++j) shift(features.col(j), random);
        if (augmentation_.mixup_alpha > 0) mixup(features, targets, weights, random);
        if (augmentation_.gaussian_noise > 0)
            for (T& value : std::span<T>(features.data(), static_cast<std::size_t>(features.size())))
                value += static_cast<T>(augmentation_.gaussian_noise * random.normal());
    }

private:
    /// Index of pixel (row, column) of an image, channel 0.
    Index pixel(Index row, Index column) const {
        return (row * augmentation_.image.width + column) * augmentation_.image.channels;
    }

    template <class Column>
    void flip(Column image) const {
        const auto [height, width, channels] = augmentation_.image;
        for (Index row = 0; row < height; ++row)
            for (Index left = 0, right = width - 1; left < right; ++left, --right)
                for (Index c = 0; c < channels; ++c) std::swap(image(pixel(row, left) + c), image(pixel(row, right) + c));
    }

    /// Moves the image by (dy, dx): pixel (r, c) takes the value of (r - dy, c - dx).
    template <class Column>
    void shift(Column image, Random& random) {
        const auto [height, width, channels] = augmentation_.image;
        const auto span = static_cast<std::uint64_t>(2 * augmentation_.max_shift + 1);
        const Index dy = static_cast<Index>(random.below(span)) - augmentation_.max_shift;
        const Index dx = static_cast<Index>(random.below(span)) - augmentation_.max_shift;
        if (dy == 0 && dx == 0) return;
        image_copy_ = image;
        for (Index row = 0; row < height; ++row) {
            const Index source_row = row - dy;
            for (Index column = 0; column < width; ++column) {
                const Index source_column = column - dx;
                const bool inside = source_row >= 0 && source_row < height && source_column >= 0 && source_column < width;
                for (Index c = 0; c < channels; ++c)
                    image(pixel(row, column) + c) = inside ? image_copy_(pixel(source_row, source_column) + c) : T(0);
            }
        }
    }

    void mixup(MatrixView<T> features, MatrixView<T> targets, std::span<T> weights, Random& random) {
        const Index batch = features.cols();
        const auto lambda = static_cast<T>(random.beta(augmentation_.mixup_alpha, augmentation_.mixup_alpha));
        const std::span<Index> partner(permutation_.data(), static_cast<std::size_t>(batch));
        std::iota(partner.begin(), partner.end(), Index(0));
        random.shuffle(partner);
        features_copy_.leftCols(batch) = features;
        targets_copy_.leftCols(batch) = targets;
        for (Index j = 0; j < batch; ++j) {
            const Index other = partner[static_cast<std::size_t>(j)];
            features.col(j) = lambda * features.col(j) + (T(1) - lambda) * features_copy_.col(other);
            targets.col(j) = lambda * targets.col(j) + (T(1) - lambda) * targets_copy_.col(other);
        }
        if (weights.empty()) return;
        std::copy(weights.begin(), weights.end(), weights_copy_.data());
        for (Index j = 0; j < batch; ++j)
            weights[static_cast<std::size_t>(j)] = lambda * weights[static_cast<std::size_t>(j)] +
                                                   (T(1) - lambda) * weights_copy_(partner[static_cast<std::size_t>(j)]);
    }

    Augmentation augmentation_;
    Matrix<T> features_copy_;  // mixup reads the partners from these copies of the batch
    Matrix<T> targets_copy_;
    Vector<T> weights_copy_;
    std::vector<Index> permutation_;
    Vector<T> image_copy_;  // shift reads the image it overwrites from here
};

}  // namespace neuro
