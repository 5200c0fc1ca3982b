// libFuzzer target for the IDX reader: any bytes, plain or gzip, must decode or throw
// neuro::Error; any other exception, a crash, a sanitizer report or a broken property below
// is a finding. Properties checked on every decode:
// - encode_idx then decode_idx gives back the same array (in double, which holds every IDX
//   element exactly);
// - the float decoding agrees with the double one, rounded;
// - the image and label views have the shapes the dimensions promise.

#include <neuro/data/idx.hpp>

#include <neuro/core/error.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

namespace {

bool same_values(const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::isnan(a[i]) != std::isnan(b[i]) || (!std::isnan(a[i]) && a[i] != b[i])) return false;
    return true;
}

void check_views(const neuro::IdxArray<float>& array) {
    if (array.dimensions.size() >= 2) {
        const auto images = neuro::idx_images(array, neuro::PixelScale::Raw);
        if (images.rows() != array.dimensions[0] || std::size_t(images.size()) != array.values.size()) std::abort();
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
        check_views(rounded);
    } catch (const neuro::Error&) {
        // Rejecting malformed input with neuro::Error is the expected outcome.
    }
    return 0;
}
