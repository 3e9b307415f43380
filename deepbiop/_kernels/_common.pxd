# Shared declarations for the deepbiop kernels.
#
# The packed-sequence interface every kernel reads (built by deepbiop._sequences):
#   ptrs : const int64_t[::1]  address of the first byte of sequence i
#   lens : const int64_t[::1]  its length in bytes
# The addresses point into Python objects (bytes, ASCII str) or numpy buffers
# that the caller keeps alive for the duration of the kernel call.
from libc.stdint cimport uint8_t, uint64_t, int64_t


cdef inline const uint8_t* seq_ptr(const int64_t[::1] ptrs, Py_ssize_t i) noexcept nogil:
    return <const uint8_t*> <size_t> ptrs[i]


cdef inline uint64_t mix64(uint64_t z) noexcept nogil:
    # splitmix64 finaliser: a counter-based hash, so a random draw depends only
    # on (seed, sequence index, position) and never on the thread that makes it.
    z = (z ^ (z >> 30)) * <uint64_t> 0xbf58476d1ce4e5b9ULL
    z = (z ^ (z >> 27)) * <uint64_t> 0x94d049bb133111ebULL
    return z ^ (z >> 31)


cdef inline int random_code(uint64_t seed, Py_ssize_t i, Py_ssize_t pos, int n) noexcept nogil:
    cdef uint64_t h = mix64(seed ^ mix64(<uint64_t> i * <uint64_t> 0x9e3779b97f4a7c15ULL
                                         + <uint64_t> pos))
    return <int> (((h >> 32) * <uint64_t> n) >> 32)
