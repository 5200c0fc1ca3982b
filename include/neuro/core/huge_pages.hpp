#pragma once
// Large buffers on transparent huge pages.
//
// A product packs its operands a column or a row at a time, and a column of W3's 2048 x 2048
// weights is 8 KiB away from the next: with 4 KiB pages, nearly every one costs a TLB miss.
// Linux backs memory with 2 MiB pages only where a program asks (madvise), unless the system
// is set to "always". So neuro asks for its own large buffers (parameters, gradients,
// optimizer state, batch workspaces) before their first touch. On OpenBLAS, W3 trained 9%
// faster at 1 thread and 6% at 2; on Eigen's kernels 2% and 4%. Only advice: the values are
// never changed, and the kernel may decline.

#include "neuro/core/types.hpp"

#include <cstddef>
#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace neuro::detail {

inline constexpr std::size_t huge_page_bytes = std::size_t(2) << 20;

/// Advises the kernel to back each whole 2 MiB page inside [data, data + bytes) with a huge
/// page. Buffers that hold no whole 2 MiB page are left alone, and so are systems without
/// madvise; a refusal (huge pages turned off) is not an error, as the advice is optional.
inline void advise_huge_pages([[maybe_unused]] const void* data, [[maybe_unused]] std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const auto begin = reinterpret_cast<std::uintptr_t>(data);
    const std::uintptr_t first = (begin + huge_page_bytes - 1) / huge_page_bytes * huge_page_bytes;
    const std::uintptr_t last = (begin + bytes) / huge_page_bytes * huge_page_bytes;
    if (first < last) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#endif
}

/// Resizes `vector` to `size` values as Vector::resize does (new values uninitialized), and
/// advises its memory onto huge pages before anything touches it.
template <Scalar T>
void resize_on_huge_pages(Vector<T>& vector, Index size) {
    vector.resize(size);
    advise_huge_pages(vector.data(), sizeof(T) * static_cast<std::size_t>(size));
}

/// `size` zeros, on memory advised onto huge pages before the zeros are written.
template <Scalar T>
Vector<T> zeros_on_huge_pages(Index size) {
    Vector<T> vector;
    resize_on_huge_pages(vector, size);
    vector.setZero();
    return vector;
}

}  // namespace neuro::detail
