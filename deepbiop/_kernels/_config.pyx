"""OpenMP facts for deepbiop: whether the kernels were built with it, and how
many threads a parallel region would use right now (which honours
``OMP_NUM_THREADS`` and threadpoolctl limits, since both act on the same
OpenMP runtime the kernels link)."""

cdef extern from "_omp_shim.h":
    int DEEPBIOP_HAVE_OPENMP
    int DEEPBIOP_BOUNDSCHECK
    int DEEPBIOP_SANITIZE
    int omp_get_max_threads() noexcept nogil
    int omp_get_num_procs() noexcept nogil


def openmp_enabled():
    """Return True if the kernels were compiled with OpenMP."""
    return bool(DEEPBIOP_HAVE_OPENMP)


def openmp_max_threads():
    """Threads an OpenMP region would use now (1 in a serial build)."""
    return int(omp_get_max_threads())


def openmp_num_procs():
    """Processors the OpenMP runtime sees (1 in a serial build)."""
    return int(omp_get_num_procs())


def boundscheck_enabled():
    """Return True for a debug build (DEEPBIOP_CYTHON_DEBUG=1: bounds checks on)."""
    return bool(DEEPBIOP_BOUNDSCHECK)


def sanitizer_enabled():
    """Return True for a sanitizer build (DEEPBIOP_SANITIZE=1: ASan and UBSan)."""
    return bool(DEEPBIOP_SANITIZE)
