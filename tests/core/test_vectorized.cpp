// core/vectorized.hpp: the packet-wise helpers behind the activations and the divergence check.

#include <neuro/core/types.hpp>
#include <neuro/core/vectorized.hpp>

#include <catch2/catch.hpp>

#include <limits>

namespace test_vectorized {

TEMPLATE_TEST_CASE("all_finite finds one infinite or NaN coefficient anywhere", "[vectorized]", float, double) {
    using T = TestType;
    neuro::Vector<T> v = neuro::Vector<T>::Ones(37);  // not a whole number of packets
    CHECK(neuro::detail::all_finite(v));
    for (const T bad : {std::numeric_limits<T>::infinity(), -std::numeric_limits<T>::infinity(),
                        std::numeric_limits<T>::quiet_NaN()}) {
        for (const neuro::Index i : {0, 17, 36}) {
            neuro::Vector<T> w = v;
            w[i] = bad;
            CHECK_FALSE(neuro::detail::all_finite(w));
        }
    }
}

TEST_CASE("all_finite is true for finite values whose sum overflows, and for nothing", "[vectorized]") {
    const neuro::Vector<float> huge = neuro::Vector<float>::Constant(8, std::numeric_limits<float>::max());
    CHECK(neuro::detail::all_finite(huge));
    CHECK(neuro::detail::all_finite(neuro::Vector<float>()));
}

TEST_CASE("where_positive picks by the sign of x, zero counting as not positive", "[vectorized]") {
    CHECK(neuro::detail::where_positive(2.0, 10.0, 20.0) == 10.0);
    CHECK(neuro::detail::where_positive(-2.0, 10.0, 20.0) == 20.0);
    CHECK(neuro::detail::where_positive(0.0, 10.0, 20.0) == 20.0);
    CHECK(neuro::detail::where_positive(-0.0f, 1.0f, 2.0f) == 2.0f);
}

}  // namespace test_vectorized
