#pragma once
// Elementwise functors that Eigen evaluates a SIMD packet at a time.
//
// Eigen 3.4 vectorizes neither select() nor comparisons nor cast(), so a piecewise function
// written with them runs one branchy scalar at a time: ReLU's derivative through select()
// took 40x its forward. Eigen's packet primitives (Eigen::internal::pselect, pcmp_lt, pmul,
// ...) also accept plain scalars, so one generic callable written with them serves both
// Eigen's packet loop and its scalar tail.

#include <Eigen/Core>

#include <cmath>

namespace neuro::detail {

/// Wraps a generic callable of one or two arguments, written with Eigen's packet primitives,
/// as a functor for unaryExpr/binaryExpr that Eigen vectorizes.
template <class F>
struct Vectorized {
    F function;

    template <class... A>
    auto operator()(const A&... a) const { return function(a...); }
    template <class Packet>
    Packet packetOp(const Packet& a) const { return function(a); }
    template <class Packet>
    Packet packetOp(const Packet& a, const Packet& b) const { return function(a, b); }
};

template <class F>
Vectorized<F> vectorized(F function) { return {function}; }

/// Elementwise x > 0 ? when_positive : otherwise, for scalars and packets alike, branch-free.
template <class P>
P where_positive(const P& x, const P& when_positive, const P& otherwise) {
    using namespace Eigen::internal;
    return pselect(pcmp_lt(pzero(x), x), when_positive, otherwise);
}

/// The packet (or scalar) of the same type as x with every lane set to value.
template <class P, class T>
P broadcast(const P&, T value) { return Eigen::internal::pset1<P>(value); }

/// Calls step(in, a, b, c) on packets loaded from in[i], a[i], b[i], c[i], storing a, b, c
/// back, for i in [0, size): SIMD packets first, then scalars for the tail. For updates
/// that read and write several arrays in one pass, which one Eigen expression cannot.
/// `step` should capture its settings by value: then neither it (a local copy) nor they can
/// alias the arrays, and they stay in registers instead of being reloaded after each store.
template <class Step, class T>
void for_each_packet(Step step, const T* in, T* a, T* b, T* c, Eigen::Index size) {
    using namespace Eigen::internal;
    using Packet = typename packet_traits<T>::type;
    constexpr Eigen::Index width = packet_traits<T>::size;
    Eigen::Index i = 0;
    for (; i + width <= size; i += width) {
        const Packet x = ploadu<Packet>(in + i);
        Packet pa = ploadu<Packet>(a + i), pb = ploadu<Packet>(b + i), pc = ploadu<Packet>(c + i);
        step(x, pa, pb, pc);
        pstoreu(a + i, pa);
        pstoreu(b + i, pb);
        pstoreu(c + i, pc);
    }
    for (; i < size; ++i) step(in[i], a[i], b[i], c[i]);
}

/// Whether every coefficient of x is finite. Eigen's allFinite() tests one scalar at a time
/// (a tenth of W3's training step went to it over the weights and gradients); x * 0 is 0
/// for a finite x and NaN for an infinite or NaN one, and a sum of those is a packet loop.
template <class Derived>
bool all_finite(const Eigen::DenseBase<Derived>& x) {
    using T = typename Derived::Scalar;
    return !std::isnan((x.derived().array() * T(0)).sum());
}

}  // namespace neuro::detail

template <class F>
struct Eigen::internal::functor_traits<neuro::detail::Vectorized<F>> {
    enum { Cost = 4 * NumTraits<float>::AddCost, PacketAccess = true };
};
