# deepbiop's thread pool (see _pool_impl.h for the design).
#
# A kernel describes its work as n items cut into chunks of `grain` items and
# a body that processes items [lo, hi) as worker `worker` (0 .. n_threads-1;
# 0 is the calling thread). `work` is any measure proportional to the job's
# cost (bases, output positions; 0: n); the pool learns each body's cost per
# unit of it to decide, on a contended machine, whether threads pay. Everything the
# body needs travels in a struct the kernel owns, passed as `ctx`; per-worker scratch
# is indexed by `worker`.
from libc.stdint cimport int64_t

ctypedef void (*body_t)(void* ctx, int64_t lo, int64_t hi, int worker) noexcept nogil

cdef int parallel_for(int64_t n, int64_t grain, int n_threads, int64_t work, body_t body,
                      void* ctx) noexcept nogil


cdef inline int64_t grain_for(int64_t n_items, int64_t work, int n_threads) noexcept nogil:
    """Items per chunk for ``n_items`` items of ``work`` bytes in all: about
    four chunks per thread (so a thread that starts late still gets a share,
    and one the OS preempts holds back little), each covering at least 32 KiB
    of input, whose hand-out then costs far less than its work."""
    cdef int64_t T = n_threads if n_threads > 1 else 1
    cdef int64_t g = (n_items + 4 * T - 1) // (4 * T)
    cdef int64_t per = work // n_items if n_items > 0 else 1
    cdef int64_t least = 32768 // (per if per > 0 else 1)
    if g < least:
        g = least
    return g if g > 1 else 1
