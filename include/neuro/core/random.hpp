#pragma once
// A small, fast, seedable random generator with its own distributions.
//
// neuro does not use <random>'s distributions: their output differs between standard
// libraries, and we promise that the same seed gives the same weights, shuffles and dropout
// masks wherever the same code runs. xoshiro256** (Blackman and Vigna) seeded through
// splitmix64 is small, fast and statistically strong for this use.

#include "neuro/core/error.hpp"
#include "neuro/core/types.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <utility>
#include <numbers>
#include <span>

namespace neuro {

class Random {
public:
    explicit Random(std::uint64_t seed = 0) { reseed(seed); }

    void reseed(std::uint64_t seed) {
        for (auto& word : state_) word = splitmix64(seed);
    }

    /// 64 uniformly distributed bits.
    std::uint64_t next() {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    /// Uniform in [0, 1), with 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

    /// Uniform in [low, high).
    double uniform(double low, double high) { return low + (high - low) * uniform(); }

    /// Standard normal (Box-Muller; one draw per call keeps the stream easy to reason about).
    double normal() {
        const double u1 = 1.0 - uniform();  // (0, 1]: log stays finite
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
    }

    /// Gamma(shape, 1), shape > 0: Marsaglia and Tsang's squeeze method, with the
    /// shape + 1 boost and U^(1/shape) for shapes below 1.
    double gamma(double shape) {
        if (!(shape > 0) || !std::isfinite(shape)) fail("Random::gamma: the shape must be positive, got {}", shape);
        if (shape < 1) return gamma(shape + 1) * std::pow(1.0 - uniform(), 1.0 / shape);
        const double d = shape - 1.0 / 3.0;
        const double c = 1.0 / std::sqrt(9.0 * d);
        for (;;) {
            const double x = normal();
            const double v_root = 1.0 + c * x;
            if (v_root <= 0) continue;
            const double v = v_root * v_root * v_root;
            const double u = 1.0 - uniform();  // (0, 1]: log stays finite
            if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
        }
    }

    /// Beta(a, b), a, b > 0, as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
    double beta(double a, double b) {
        const double x = gamma(a);
        const double y = gamma(b);
        return x + y > 0 ? x / (x + y) : 0.5;  // both can underflow to 0 for tiny shapes
    }

    /// Uniform integer in [0, bound), bound > 0 (checked): draws above the largest multiple
    /// of bound are rejected so that every value is equally likely.
    std::uint64_t below(std::uint64_t bound) {
        if (bound == 0) fail("Random::below: the bound must be at least 1");
        const std::uint64_t rejected_from = UINT64_MAX - UINT64_MAX % bound;
        std::uint64_t draw = next();
        while (draw >= rejected_from) draw = next();
        return draw % bound;
    }

    /// Fisher-Yates shuffle in place.
    template <class Element>
    void shuffle(std::span<Element> values) {
        for (std::size_t i = values.size(); i > 1; --i) {
            const std::size_t j = below(i);
            std::swap(values[i - 1], values[j]);
        }
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

    static std::uint64_t splitmix64(std::uint64_t& x) {
        std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

    std::array<std::uint64_t, 4> state_{};
};

}  // namespace neuro
