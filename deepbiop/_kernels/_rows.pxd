# Reading borrowed rows: prefetching the bytes of the rows ahead (each row
# lives in its own Python object), and the work partition of padded row
# outputs shared by the position-wise kernels (one-hot, integer codes) and
# the dense k-mer counts.
#
# A batch of B rows padded to width L is cut into B * nseg work items: item j
# covers positions [c * SEG, min(L, (c + 1) * SEG)) of row j // nseg, where
# c = j % nseg and nseg = ceil(L / SEG). Rows up to SEG positions are one item,
# so ordinary batches are split by row; a single 10 Mbp sequence becomes ~150
# items that every thread can share. Each item writes only its own output
# slice, so results do not depend on the thread count or the schedule.
#
# Items are handed out dynamically, about 8 MiB of output at a time (see
# grab_items): a thread that the OS descheduled (the cores are shared) does not
# hold back the others the way one big static or guided block would.
from libc.stdint cimport int64_t
from libc.stdlib cimport malloc, free

cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define DEEPBIOP_PREFETCH(p) __builtin_prefetch((const void *)(p), 0, 3)
    #define DEEPBIOP_PREFETCH_W(p) __builtin_prefetch((const void *)(p), 1, 3)
    #else
    #define DEEPBIOP_PREFETCH(p) ((void)0)
    #define DEEPBIOP_PREFETCH_W(p) ((void)0)
    #endif
    """
    void DEEPBIOP_PREFETCH(const void* p) noexcept nogil    # for reading
    void DEEPBIOP_PREFETCH_W(const void* p) noexcept nogil  # for writing

cdef enum:
    SEG = 65536          # positions per work item
    GRAB_BASES = 32768   # positions handed to a thread at a time
    PREFETCH_ROWS = 4    # rows ahead whose bytes are requested early
    PREFETCH_BYTES = 512  # of each such row
    GRAB_OUT_BYTES = 8388608  # output bytes handed to a thread at a time (8 MiB)


cdef inline void prefetch_row(const int64_t* ptrs, const int64_t* lens, Py_ssize_t B,
                              Py_ssize_t i) noexcept nogil:
    """Ask for the first bytes of row ``i`` (of ``B``) before they are needed.

    Each sequence lives in its own Python object somewhere on the heap, so the
    first read of every short row is a cache (and TLB) miss that the hardware
    prefetcher cannot foresee; with 150 bp reads those misses, not the
    arithmetic, set the pace. The caller passes a row a few ahead of the one
    it is encoding. Purely a hint: no effect on results.
    """
    if i >= B:
        return
    cdef const char* p = <const char*> <size_t> ptrs[i]
    cdef Py_ssize_t n = lens[i], off = 0
    if n > PREFETCH_BYTES:
        n = PREFETCH_BYTES
    while off < n:
        DEEPBIOP_PREFETCH(p + off)
        off += 64


cdef inline Py_ssize_t n_segments(Py_ssize_t L) noexcept nogil:
    return (L + SEG - 1) // SEG if L > 0 else 1


cdef inline int grab_items(Py_ssize_t n_items, Py_ssize_t item_positions,
                           Py_ssize_t item_out_bytes, int n_threads) noexcept nogil:
    """Items per dynamic grab for ``n_items`` items that each read about
    ``item_positions`` bases and write ``item_out_bytes`` bytes of output.

    The output is cut into about GRAB_OUT_BYTES per grab, with the number of
    grabs rounded up to a multiple of the thread count (at least two each).
    Fresh output is mapped on first write, 2 MiB at a time where the OS gives
    transparent huge pages, and two threads writing within the same huge page
    at once make it fault in twice as slowly (dense 5-mers of W1: 0.63x the
    fresh-output floor with 650 KB grabs, 0.80-0.85x with 8 MiB). A grab
    still covers at least GRAB_BASES positions, so small batches are not
    split into pieces whose hand-out costs more than their work.
    """
    cdef Py_ssize_t T = n_threads if n_threads > 1 else 1
    cdef Py_ssize_t n_grabs = (n_items * item_out_bytes) // GRAB_OUT_BYTES
    cdef Py_ssize_t g, least
    n_grabs = ((n_grabs + T - 1) // T) * T
    if n_grabs < 2 * T:
        n_grabs = 2 * T
    g = (n_items + n_grabs - 1) // n_grabs
    least = GRAB_BASES // (item_positions if item_positions > 0 else 1)
    if g < least:
        g = least
    return <int> (g if g > 1 else 1)


cdef inline Py_ssize_t item_width(Py_ssize_t L, Py_ssize_t nseg) noexcept nogil:
    """Positions covered by one work item (a whole row unless rows are split)."""
    return L if nseg == 1 else SEG


cdef inline int64_t* item_status(int64_t* status, Py_ssize_t B, Py_ssize_t nseg) noexcept nogil:
    """Per-item status slots: the caller's array when rows are not split, else
    a scratch array set to -1 (NULL if it cannot be allocated)."""
    cdef Py_ssize_t j
    cdef int64_t* st
    if nseg == 1:
        return status
    st = <int64_t*> malloc(B * nseg * sizeof(int64_t))
    if st != NULL:
        for j in range(B * nseg):
            st[j] = -1
    return st


cdef inline void reduce_status(int64_t* status, int64_t* st, Py_ssize_t B,
                               Py_ssize_t nseg) noexcept nogil:
    """First bad position of each row = that of its first bad item; frees ``st``."""
    cdef Py_ssize_t i, c
    if st == status:
        return
    for i in range(B):
        for c in range(nseg):
            if st[i * nseg + c] >= 0:
                status[i] = st[i * nseg + c]
                break
    free(st)
