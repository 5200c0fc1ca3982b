#pragma once
// How many threads neuro's matrix products and large elementwise passes may use.
//
// Only products of at least serial_product_work multiply-adds use threads (see product.hpp),
// and passes over at least serial_pass_values values (the optimizer's update, activations,
// see parallel.hpp). neuro runs their parts on workers of its own (thread_pool.hpp), which
// poll for work for 100 us (set_idle_poll), yielding their core to any other thread, before
// they sleep; OMP_WAIT_POLICY does not apply to them. The count is 1 until set_num_threads
// changes it, or in a program built with OpenMP (CMake option NEURO_USE_OPENMP, or -fopenmp)
// OpenMP's (OMP_NUM_THREADS, or one per core).
//
// On OpenBLAS (NEURO_USE_BLAS) the large products are OpenBLAS's. set_num_threads sets
// OpenBLAS's own pool to one thread and neuro splits each product over its workers, as it
// does its own kernel's (W2 at 2 threads ran 1.09x faster than on OpenBLAS's pool, which
// wakes apart from neuro's workers). Until then OpenBLAS's pool runs the products: neuro
// splits none while OpenBLAS has more than one thread, which would nest the two pools.

#include "neuro/core/error.hpp"
#include "neuro/core/thread_pool.hpp"

#include <Eigen/Core>

#include <atomic>
#include <chrono>

#ifdef _OPENMP
#include <omp.h>
#endif

#ifdef NEURO_USE_OPENBLAS
extern "C" void openblas_set_num_threads(int threads);
extern "C" int openblas_get_num_threads();
#endif

namespace neuro {

namespace detail {

/// The thread count until set_num_threads is called: OpenMP's where the program is built
/// with it, else 1.
inline int default_thread_count() {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

inline std::atomic<int>& thread_count() {
    static std::atomic<int> count{default_thread_count()};
    return count;
}

}  // namespace detail

/// Lets large products and passes use up to `threads` threads (at least 1), for the whole
/// program; Eigen's own threaded products (OpenMP builds) too. On OpenBLAS, also sets
/// OpenBLAS's own pool, for the whole program, to one thread.
/// Not to be called while another thread trains or predicts.
inline void set_num_threads(int threads) {
    if (threads < 1) fail("set_num_threads: the thread count must be at least 1, got {}", threads);
#ifdef NEURO_USE_OPENBLAS
    openblas_set_num_threads(1);
#endif
    Eigen::setNbThreads(threads);
    detail::thread_count().store(threads, std::memory_order_relaxed);
}

/// The threads neuro's products and passes may use: what set_num_threads set, by default 1,
/// or OpenMP's count in a program built with OpenMP.
inline int num_threads() { return detail::thread_count().load(std::memory_order_relaxed); }

/// How long a thread of neuro's that waits for work (or for the other threads to finish
/// theirs) keeps polling, yielding its core to any other thread, before it sleeps: 100 us
/// unless set. A thread also sleeps as soon as a yield let another thread run. A sleeping
/// thread is slow to wake (about 90 us on our test VM, where polling ran W2 at 2 threads
/// 1.35x faster); 0 sleeps at once, for a program that must not spend CPU time waiting.
inline void set_idle_poll(std::chrono::microseconds poll) {
    if (poll.count() < 0) fail("set_idle_poll: the poll time must not be negative, got {} us", poll.count());
    detail::idle_poll_us().store(poll.count(), std::memory_order_relaxed);
}

/// What set_idle_poll set, 100 us by default.
inline std::chrono::microseconds idle_poll() {
    return std::chrono::microseconds(detail::idle_poll_us().load(std::memory_order_relaxed));
}

}  // namespace neuro
