// neuro::Random: determinism, the distributions' moments, below() and shuffle().
//
// Every statistical bound below is stated in standard errors (SE) of the estimate; with
// fixed seeds the tests are deterministic, and the bounds (5 SE or more, or a chi-square
// quantile) are wide enough that a correct generator passes for any seed, yet tight enough
// that a biased one fails.

#include <neuro/core/random.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <span>
#include <vector>

namespace test_random {

namespace {

std::vector<std::uint64_t> draw_bits(neuro::Random& random, int count) {
    std::vector<std::uint64_t> values(static_cast<std::size_t>(count));
    for (auto& value : values) value = random.next();
    return values;
}

constexpr int draws = 100'000;

}  // namespace

TEST_CASE("Random reproduces the reference xoshiro256** stream seeded through splitmix64", "[random]") {
    // Reference values from an independent implementation of Vigna's splitmix64 (whose first
    // output from 0 is the published 0xe220a8397b1dcdaf) and xoshiro256**: pinning them
    // keeps the promise that the same seed gives the same weights everywhere.
    SECTION("seed 0") {
        neuro::Random random(0);
        CHECK(random.next() == 0x99ec5f36cb75f2b4ULL);
        CHECK(random.next() == 0xbf6e1f784956452aULL);
        CHECK(random.next() == 0x1a5f849d4933e6e0ULL);
        CHECK(random.next() == 0x6aa594f1262d2d2cULL);
    }
    SECTION("seed 42") {
        neuro::Random random(42);
        CHECK(random.next() == 0x15780b2e0c2ec716ULL);
        CHECK(random.next() == 0x6104d9866d113a7eULL);
        CHECK(random.next() == 0xae17533239e499a1ULL);
        CHECK(random.next() == 0xecb8ad4703b360a1ULL);
    }
}

TEST_CASE("Random with the same seed gives the same stream", "[random]") {
    neuro::Random a(1234);
    neuro::Random b(1234);
    CHECK(draw_bits(a, 1000) == draw_bits(b, 1000));

    SECTION("for the derived distributions too") {
        int mismatches = 0;
        for (int i = 0; i < 1000; ++i) {
            mismatches += a.uniform() != b.uniform();
            mismatches += a.normal() != b.normal();
            mismatches += a.below(17) != b.below(17);
        }
        CHECK(mismatches == 0);
    }
    SECTION("and reseeding restarts the stream") {
        neuro::Random fresh(1234);
        const auto expected = draw_bits(fresh, 100);
        a.reseed(1234);
        CHECK(draw_bits(a, 100) == expected);
    }
    SECTION("and a copy continues the stream where the original is") {
        neuro::Random copy = a;
        CHECK(draw_bits(copy, 100) == draw_bits(a, 100));
    }
}

TEST_CASE("Random with different seeds gives different streams", "[random]") {
    neuro::Random a(1);
    neuro::Random b(2);
    const auto first = draw_bits(a, 1000);
    const auto second = draw_bits(b, 1000);
    CHECK(first != second);
    // Not just shifted or mostly equal: two independent 64-bit streams share essentially no values.
    int equal = 0;
    for (std::size_t i = 0; i < first.size(); ++i) equal += first[i] == second[i];
    CHECK(equal == 0);

    SECTION("the default seed is 0") {
        neuro::Random by_default;
        neuro::Random zero(0);
        CHECK(draw_bits(by_default, 10) == draw_bits(zero, 10));
    }
}

TEST_CASE("Random::uniform draws from 0 inclusive to 1 exclusive, with mean 1/2 and variance 1/12", "[random]") {
    neuro::Random random(7);
    double sum = 0;
    double sum_squares = 0;
    double low = 1;
    double high = 0;
    int outside = 0;
    for (int i = 0; i < draws; ++i) {
        const double u = random.uniform();
        outside += !(u >= 0.0 && u < 1.0);
        sum += u;
        sum_squares += u * u;
        low = std::min(low, u);
        high = std::max(high, u);
    }
    CHECK(outside == 0);
    const double mean = sum / draws;
    const double variance = sum_squares / draws - mean * mean;
    // SE of the mean: sqrt(1/12) / sqrt(1e5) = 9.1e-4; 0.005 is about 5.5 SE.
    CHECK(mean == Approx(0.5).margin(0.005));
    // SE of the variance of U(0,1): sqrt((1/80 - 1/144) / 1e5) = 2.4e-4; 0.0015 is about 6 SE.
    CHECK(variance == Approx(1.0 / 12).margin(0.0015));
    // The whole interval is covered: P(min > 1e-3) = (1 - 1e-3)^1e5 = e^-100.
    CHECK(low < 1e-3);
    CHECK(high > 1 - 1e-3);
}

TEST_CASE("Random::uniform(low, high) draws from low inclusive to high exclusive", "[random]") {
    neuro::Random random(8);
    double sum = 0;
    int outside = 0;
    for (int i = 0; i < draws; ++i) {
        const double u = random.uniform(-3.0, 5.0);
        outside += !(u >= -3.0 && u < 5.0);
        sum += u;
    }
    CHECK(outside == 0);
    // Mean 1; SE = 8 / sqrt(12) / sqrt(1e5) = 7.3e-3; 0.04 is about 5.5 SE.
    CHECK(sum / draws == Approx(1.0).margin(0.04));
}

TEST_CASE("Random::normal draws a standard normal", "[random]") {
    neuro::Random random(9);
    double sum = 0;
    double sum_squares = 0;
    int within_one = 0;
    int beyond_three = 0;
    int non_finite = 0;
    for (int i = 0; i < draws; ++i) {
        const double z = random.normal();
        non_finite += !std::isfinite(z);
        sum += z;
        sum_squares += z * z;
        within_one += std::abs(z) < 1.0;
        beyond_three += std::abs(z) > 3.0;
    }
    CHECK(non_finite == 0);
    const double mean = sum / draws;
    const double variance = sum_squares / draws - mean * mean;
    // SE of the mean: 1 / sqrt(1e5) = 3.2e-3; 0.016 is 5 SE.
    CHECK(mean == Approx(0.0).margin(0.016));
    // SE of the sample variance of N(0, 1): sqrt(2 / 1e5) = 4.5e-3; 0.022 is about 5 SE.
    CHECK(variance == Approx(1.0).margin(0.022));
    // The shape, not just the moments: P(|z| < 1) = 0.682689, SE = sqrt(p (1 - p) / 1e5) = 1.5e-3.
    CHECK(within_one / double(draws) == Approx(0.682689).margin(0.0075));
    // P(|z| > 3) = 0.0027, so about 270 draws; SE = sqrt(270) = 16.4; 5 SE is 82.
    CHECK(beyond_three > 270 - 82);
    CHECK(beyond_three < 270 + 82);
}

TEST_CASE("Random::below(n) is always less than n and roughly uniform", "[random]") {
    SECTION("a small bound passes a chi-square test") {
        constexpr std::uint64_t bound = 10;
        neuro::Random random(10);
        std::array<int, bound> counts{};
        int out_of_range = 0;
        for (int i = 0; i < draws; ++i) {
            const std::uint64_t value = random.below(bound);
            if (value < bound)
                ++counts[value];
            else
                ++out_of_range;
        }
        CHECK(out_of_range == 0);
        const double expected = double(draws) / bound;
        double chi_square = 0;
        for (const int count : counts) chi_square += (count - expected) * (count - expected) / expected;
        // 9 degrees of freedom: P(chi^2 > 27.88) = 0.001.
        CHECK(chi_square < 27.88);
    }
    SECTION("a bound that does not divide 2^64 still covers every value") {
        constexpr std::uint64_t bound = 7;
        neuro::Random random(11);
        std::array<int, bound> counts{};
        int out_of_range = 0;
        for (int i = 0; i < 7000; ++i) {
            const std::uint64_t value = random.below(bound);
            if (value < bound)
                ++counts[value];
            else
                ++out_of_range;
        }
        CHECK(out_of_range == 0);
        // Each count is Binomial(7000, 1/7): mean 1000, SD 29.3; +-150 is about 5 SD.
        for (const int count : counts) {
            CHECK(count > 850);
            CHECK(count < 1150);
        }
    }
    SECTION("a bound of 1 always gives 0") {
        neuro::Random random(12);
        std::uint64_t largest = 0;
        for (int i = 0; i < 100; ++i) largest = std::max(largest, random.below(1));
        CHECK(largest == 0);
    }
    SECTION("a bound just above 2^63 stays below it and reaches its upper half") {
        // Half the raw draws are rejected for this bound; values must still be < bound.
        const std::uint64_t bound = (std::uint64_t{1} << 63) + 1;
        neuro::Random random(13);
        int upper_half = 0;
        int out_of_range = 0;
        for (int i = 0; i < 1000; ++i) {
            const std::uint64_t value = random.below(bound);
            out_of_range += value >= bound;
            upper_half += value >= bound / 2;
        }
        CHECK(out_of_range == 0);
        // Binomial(1000, 1/2): mean 500, SD 15.8.
        CHECK(upper_half > 420);
        CHECK(upper_half < 580);
    }
}

TEST_CASE("Random::shuffle permutes its values, reproducibly from the seed", "[random]") {
    std::vector<int> identity(100);
    std::iota(identity.begin(), identity.end(), 0);

    auto shuffled = [&](std::uint64_t seed) {
        std::vector<int> values = identity;
        neuro::Random random(seed);
        random.shuffle(std::span<int>(values));
        return values;
    };

    const auto first = shuffled(5);
    SECTION("the result is a permutation of the input") {
        auto sorted = first;
        std::sort(sorted.begin(), sorted.end());
        CHECK(sorted == identity);
    }
    SECTION("the order actually changes") {
        // The chance that a uniform shuffle of 100 leaves more than 10 fixed points is < 1e-7.
        int fixed_points = 0;
        for (std::size_t i = 0; i < first.size(); ++i) fixed_points += first[i] == identity[i];
        CHECK(fixed_points <= 10);
    }
    SECTION("the same seed gives the same permutation") { CHECK(shuffled(5) == first); }
    SECTION("a different seed gives a different permutation") { CHECK(shuffled(6) != first); }
    SECTION("every position receives every value about equally often") {
        // Shuffle [0, 1, 2, 3] 40000 times: each value lands in each position with probability 1/4.
        neuro::Random random(14);
        std::array<std::array<int, 4>, 4> counts{};
        for (int trial = 0; trial < 40'000; ++trial) {
            std::array<int, 4> values{0, 1, 2, 3};
            random.shuffle(std::span<int>(values));
            for (std::size_t position = 0; position < 4; ++position) ++counts[position][std::size_t(values[position])];
        }
        // Binomial(40000, 1/4): mean 10000, SD 86.6; +-450 is about 5 SD.
        for (const auto& row : counts)
            for (const int count : row) CHECK(std::abs(count - 10'000) < 450);
    }
    SECTION("empty and single-element spans are left alone") {
        neuro::Random random(15);
        std::vector<int> empty;
        random.shuffle(std::span<int>(empty));
        CHECK(empty.empty());
        std::vector<int> one{42};
        random.shuffle(std::span<int>(one));
        CHECK(one == std::vector<int>{42});
    }
}

}  // namespace test_random
