/* OpenMP entry points that still link when the kernels are built serially. */
#ifndef DEEPBIOP_OMP_SHIM_H
#define DEEPBIOP_OMP_SHIM_H
#if defined(_OPENMP)
#include <omp.h>
#define DEEPBIOP_HAVE_OPENMP 1
#else
#define DEEPBIOP_HAVE_OPENMP 0
static inline int omp_get_max_threads(void) { return 1; }
static inline int omp_get_num_procs(void) { return 1; }
static inline int omp_get_thread_num(void) { return 0; }
#endif
#endif
