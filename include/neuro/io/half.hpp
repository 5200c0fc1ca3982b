#pragma once
// The 16-bit floating-point formats weights are often stored in, widened to float:
// IEEE 754 half precision (F16: 1 sign, 5 exponent, 10 mantissa bits) and bfloat16 (BF16: the
// upper half of a float). Every value of both formats is a float, so widening never rounds.

#include <bit>
#include <cstdint>
#include <limits>

namespace neuro::io {

static_assert(std::numeric_limits<float>::is_iec559, "the conversions build IEEE 754 binary32 bit patterns");

/// Ensures: the float equal to the half-precision value with bit pattern `bits`. Zeros keep
/// their sign, subnormals and infinities convert exactly, and a NaN stays a NaN (with its
/// payload in the high mantissa bits).
constexpr float half_to_float(std::uint16_t bits) {
    const std::uint32_t sign = std::uint32_t(bits >> 15) << 31;
    const std::uint32_t exponent = (bits >> 10) & 0x1Fu;
    const std::uint32_t mantissa = bits & 0x3FFu;
    if (exponent == 0) {
        // Zero or subnormal: mantissa * 2^-24, which float holds exactly as a normal number.
        const float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
        return sign != 0 ? -magnitude : magnitude;
    }
    if (exponent == 0x1F) return std::bit_cast<float>(sign | 0x7F800000u | (mantissa << 13));  // inf, NaN
    // A normal number: rebias the exponent from 15 to 127; the mantissa gains 13 zero bits.
    return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

/// Ensures: the float equal to the bfloat16 value with bit pattern `bits` (exactly, for every
/// pattern: bfloat16 is a float with the low 16 mantissa bits dropped).
constexpr float bfloat16_to_float(std::uint16_t bits) {
    return std::bit_cast<float>(std::uint32_t(bits) << 16);
}

}  // namespace neuro::io
