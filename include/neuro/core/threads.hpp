#pragma once
// How many threads neuro's matrix products and large elementwise passes may use.
//
// Only products of at least serial_product_work multiply-adds use threads (see product.hpp),
// and passes over at least serial_pass_values values (the optimizer's update, activations,
// see parallel.hpp): neuro splits them over OpenMP threads, in a program built with OpenMP
// (CMake option NEURO_USE_OPENMP, or -fopenmp). Without OpenMP there is one thread and
// set_num_threads changes nothing. On OpenBLAS (NEURO_USE_BLAS) the large products are
// OpenBLAS's, threaded by its own pool. Idle OpenMP threads spin for a while before they
// sleep, stealing cores from the working thread on a busy machine: run with
// OMP_WAIT_POLICY=passive (read once, at program start).

#include "neuro/core/error.hpp"

#include <Eigen/Core>

#ifdef NEURO_USE_OPENBLAS
extern "C" void openblas_set_num_threads(int threads);
extern "C" int openblas_get_num_threads();
#endif

namespace neuro {

/// Lets large products and passes use up to `threads` threads (at least 1), for the whole
/// program.
/// Not to be called while another thread trains or predicts.
inline void set_num_threads(int threads) {
    if (threads < 1) fail("set_num_threads: the thread count must be at least 1, got {}", threads);
#ifdef NEURO_USE_OPENBLAS
    openblas_set_num_threads(threads);
#else
    Eigen::setNbThreads(threads);
#endif
}

/// The threads the products and passes may use: 1 in a build without OpenMP (or OpenBLAS),
/// else what set_num_threads set (by default one per core).
inline int num_threads() {
#ifdef NEURO_USE_OPENBLAS
    return openblas_get_num_threads();
#else
    return Eigen::nbThreads();
#endif
}

}  // namespace neuro
