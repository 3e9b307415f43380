# Shared declarations for the deepbiop kernels.
#
# The packed-sequence interface every kernel reads (built by deepbiop._sequences):
#   ptrs : const int64_t[::1]  address of the first byte of sequence i
#   lens : const int64_t[::1]  its length in bytes
# The addresses point into Python objects (bytes, ASCII str) or numpy buffers
# that the caller keeps alive for the duration of the kernel call.
from libc.stdint cimport (
    uint8_t, uint16_t, uint32_t, uint64_t, int8_t, int16_t, int32_t, int64_t,
)

# The element type behind a void* buffer in a kernel's job struct. A chunk
# body has the one C signature parallel_for takes, so a fused kernel records
# which of its specialisations the body is to call (``job.kind =
# kind_of(out)``) and the body switches on KIND_*.
cdef enum:
    KIND_U8
    KIND_U16
    KIND_U32
    KIND_I8
    KIND_I16
    KIND_I32
    KIND_I64
    KIND_F32
    KIND_F64

ctypedef fused kind_t:
    uint8_t
    uint16_t
    uint32_t
    int8_t
    int16_t
    int32_t
    int64_t
    float
    double


cdef inline int kind_of(const kind_t* p) noexcept nogil:
    """The KIND_* of the type ``p`` points to (``p`` itself is not read)."""
    if kind_t is uint8_t:
        return KIND_U8
    elif kind_t is uint16_t:
        return KIND_U16
    elif kind_t is uint32_t:
        return KIND_U32
    elif kind_t is int8_t:
        return KIND_I8
    elif kind_t is int16_t:
        return KIND_I16
    elif kind_t is int32_t:
        return KIND_I32
    elif kind_t is int64_t:
        return KIND_I64
    elif kind_t is float:
        return KIND_F32
    else:
        return KIND_F64


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
