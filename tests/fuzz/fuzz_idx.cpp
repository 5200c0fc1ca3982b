// libFuzzer target for the IDX reader: any bytes, plain or gzip, must decode or throw
// neuro::Error; any other exception, a crash, a sanitizer report or a broken property below
// is a finding. Properties checked on every decode:
// - encode_idx then decode_idx gives back the same array (in double, which holds every IDX
//   element exactly);
// - the float decoding agrees with the double one, rounded;
// - the image and label views have the shapes the dimensions promise;
// - decode_idx_images, which decodes straight into the matrix, gives exactly the matrix of
//   idx_images (raw, and scaled for unsigned bytes), and rejects every input decode_idx
//   rejects or that has fewer than 2 dimensions.

#include <neuro/data/idx.hpp>

#include <neuro/core/error.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <vector>

namespace {

template <class T>
bool same_value(T a, T b) {
    return std::isnan(a) ? std::isnan(b) : a == b;
}

bool same_values(const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (!same_value(a[i], b[i])) return false;
    return true;
}

bool same_images(const neuro::Matrix<float>& a, const neuro::Matrix<float>& b) {
    if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
    for (neuro::Index i = 0; i < a.size(); ++i)
        if (!same_value(a(i), b(i))) return false;
    return true;
}

// decode_idx_images's matrix, or nothing when it throws neuro::Error.
std::optional<neuro::Matrix<float>> decoded_images(std::span<const unsigned char> input, neuro::PixelScale scale) {
    try {
        return neuro::decode_idx_images<float>(input, scale, "<fuzz>");
    } catch (const neuro::Error&) {
        return std::nullopt;
    }
}

void check_views(const neuro::IdxArray<float>& array, std::span<const unsigned char> input) {
    if (array.dimensions.size() >= 2) {
        const auto images = neuro::idx_images(array, neuro::PixelScale::Raw);
        if (images.rows() != array.dimensions[0] || std::size_t(images.size()) != array.values.size()) std::abort();
        const auto direct = decoded_images(input, neuro::PixelScale::Raw);
        if (!direct || !same_images(*direct, images)) std::abort();
        if (array.type == neuro::IdxType::UnsignedByte) {
            const auto scaled = decoded_images(input, neuro::PixelScale::UnitInterval);
            if (!scaled || !same_images(*scaled, neuro::idx_images(array, neuro::PixelScale::UnitInterval)))
                std::abort();
        }
    } else if (decoded_images(input, neuro::PixelScale::Raw)) {
        std::abort();
    }
    if (array.dimensions.size() == 1 && array.type != neuro::IdxType::Float && array.type != neuro::IdxType::Double) {
        const auto labels = neuro::idx_labels(array);
        if (std::size_t(labels.rows()) != array.values.size()) std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    const std::span<const unsigned char> input(bytes, size);
    try {
        const auto exact = neuro::decode_idx<double>(input, "<fuzz>");
        const auto again = neuro::decode_idx<double>(neuro::encode_idx(exact));
        if (again.type != exact.type || again.dimensions != exact.dimensions ||
            !same_values(again.values, exact.values))
            std::abort();
        const auto rounded = neuro::decode_idx<float>(input, "<fuzz>");
        if (rounded.dimensions != exact.dimensions || rounded.values.size() != exact.values.size()) std::abort();
        for (std::size_t i = 0; i < exact.values.size(); ++i)
            if (!std::isnan(exact.values[i]) && rounded.values[i] != static_cast<float>(exact.values[i])) std::abort();
        check_views(rounded, input);
    } catch (const neuro::Error&) {
        // Rejecting malformed input with neuro::Error is the expected outcome.
        if (decoded_images(input, neuro::PixelScale::Raw)) std::abort();
    }
    return 0;
}
