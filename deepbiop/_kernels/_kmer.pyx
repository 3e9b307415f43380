"""The guts of KmerEncoder (dense): rolling k-mer indices counted into rows."""
from cython.parallel cimport prange
from libc.stdint cimport uint8_t, int16_t, int32_t, int64_t, uint64_t, INT64_MAX
from libc.stdlib cimport calloc, malloc, free
from libc.string cimport memset

from deepbiop._kernels._segments cimport grab_items, prefetch_row, PREFETCH_ROWS

cdef extern from "_omp_shim.h":
    int omp_get_thread_num() noexcept nogil

ctypedef fused count_t:
    float
    double
    int32_t
    int64_t

cdef enum:
    MODE_SKIP = 0
    MODE_ERROR = 1
    SPLIT_SEG = 1 << 16        # window starts per piece of a long sequence


cdef inline void _count(const uint8_t* s, Py_ssize_t p0, Py_ssize_t e, int k, int A,
                        uint64_t n_cols, const int16_t* codes, bint canonical,
                        int mode, count_t* dst, int64_t* status) noexcept nogil:
    """Count the k-mers that lie wholly inside bytes [p0, e) into ``dst``.

    Windows holding a byte with code -1 are skipped (``mode == 0``) or stop
    the count with that byte's position in ``status`` (``mode == 1``, checked
    in a first pass so the counting loop has no error branch).

    For 4-letter alphabets the loop is branch-free apart from "is the window
    complete": a byte outside the alphabet moves the last-invalid position
    (a conditional move) instead of jumping, so N-rich input costs no
    mispredictions. Other alphabets update
    the base-A index by dropping the leading symbol (no division).
    """
    cdef Py_ssize_t p, last_bad = p0 - 1
    cdef int c, run = 0
    cdef uint64_t fwd = 0, rev = 0, idx, f, u
    cdef uint64_t top = <uint64_t> 2 * <uint64_t> (k - 1)
    cdef uint64_t mask = n_cols - 1
    cdef uint64_t lead = n_cols // <uint64_t> A   # A**(k-1)
    if mode == MODE_ERROR:
        for p in range(p0, e):
            if codes[s[p]] < 0:
                status[0] = p
                return
    # 4-letter loops: the loop-carried work per base is one multiply-add
    # (fwd * 4 + code, a single LEA; masked only where used) and a
    # conditional move of the last invalid position, so consecutive bases
    # do not wait on each other's shift/or/mask chain.
    if A == 4 and not canonical:
        for p in range(p0, e):
            c = codes[s[p]]
            fwd = fwd * 4 + <uint64_t> (c & 3)
            last_bad = p if c < 0 else last_bad
            if p - last_bad >= k:
                dst[fwd & mask] += 1
    elif A == 4:
        for p in range(p0, e):
            c = codes[s[p]]
            u = <uint64_t> (c & 3)
            fwd = fwd * 4 + u
            rev = (rev >> 2) | ((3 - u) << top)
            last_bad = p if c < 0 else last_bad
            if p - last_bad >= k:
                f = fwd & mask
                idx = rev if rev < f else f
                dst[idx] += 1
    else:
        for p in range(p0, e):
            c = codes[s[p]]
            if c < 0:
                run = 0
                fwd = 0
                continue
            if run >= k:  # the window is full: drop its leading symbol
                fwd -= <uint64_t> codes[s[p - k]] * lead
            fwd = fwd * <uint64_t> A + <uint64_t> c
            run += 1
            if run >= k:
                dst[fwd] += 1


cdef int _count_split(const uint8_t* s, Py_ssize_t n, int k, int A, uint64_t n_cols,
                      const int16_t* codes, bint canonical, int mode, count_t* dst,
                      int64_t* status, int n_threads) noexcept nogil:
    """Count one long sequence with every thread.

    The sequence is cut into pieces of SPLIT_SEG window starts; a piece reads
    k - 1 bytes past its end so each window is counted by exactly one piece.
    Thread 0 counts straight into ``dst``, every other thread into its own
    zeroed buffer of ``n_cols``; the buffers are added into ``dst`` at the end.
    Returns -1 if the buffers cannot be allocated (nothing is written then).
    """
    cdef Py_ssize_t nseg = (n + SPLIT_SEG - 1) // SPLIT_SEG, j, e, p0
    cdef Py_ssize_t col
    cdef int t
    cdef count_t* bufs = <count_t*> calloc(<size_t> (n_threads - 1) * n_cols, sizeof(count_t))
    cdef int64_t* st = <int64_t*> malloc(nseg * sizeof(int64_t))
    cdef count_t* mine
    if bufs == NULL or st == NULL:
        free(bufs)
        free(st)
        return -1
    for j in range(nseg):
        st[j] = -1
    for j in prange(nseg, schedule="dynamic", chunksize=1, num_threads=n_threads):
        t = omp_get_thread_num()
        mine = dst if t == 0 else bufs + <Py_ssize_t> (t - 1) * <Py_ssize_t> n_cols
        p0 = j * SPLIT_SEG
        e = min(n, p0 + SPLIT_SEG + k - 1)
        _count(s, p0, e, k, A, n_cols, codes, canonical, mode, mine, st + j)
    for t in range(n_threads - 1):
        mine = bufs + <Py_ssize_t> t * <Py_ssize_t> n_cols
        for col in range(<Py_ssize_t> n_cols):
            dst[col] += mine[col]
    for j in range(nseg):  # the first bad byte (pieces overlap by k - 1 bytes)
        if st[j] >= 0 and (status[0] < 0 or st[j] < status[0]):
            status[0] = st[j]
    free(bufs)
    free(st)
    return 0


def kmer_batch(const int64_t[::1] ptrs, const int64_t[::1] lens,
               const int16_t[::1] codes, int k, int A, bint canonical, int mode,
               count_t[:, ::1] out, int64_t[::1] status, int n_threads,
               bint zero_rows=False):
    """Count overlapping k-mers of a packed batch into ``out`` (B, A**k).

    Column index: k-mer read as a base-A number, first character most
    significant. ``canonical`` (A == 4 only) counts each k-mer at the smaller of
    its own index and that of its reverse complement (complement of code c is
    3 - c, true for ACGT and ACGU).

    Rows are shared out between threads. A batch with fewer rows than threads
    (``encode`` of one long sequence) instead splits each long row into
    pieces counted by all threads into per-thread rows that are summed at the
    end, when those extra rows take no more memory than the row's own input.

    ``zero_rows`` zeroes each row just before counting into it (for a
    caller's ``out=`` buffer: the row is then in cache for the counts);
    without it ``out`` must arrive zero-filled (``np.zeros``, whose fresh
    pages the OS has already zeroed).

    Preconditions (checked by the caller)
    -------------------------------------
    ``out`` zero-filled unless ``zero_rows``, with ``out.shape[0] ==
    len(status) == len(ptrs) == len(lens)``; addresses valid for
    ``lens[i]`` bytes while the call runs (``Packed.keep`` holds references
    to every object they point into) and not overlapping ``out``;
    ``1 <= k``; ``A**k`` fits in 64 bits; when ``A == 4`` the column count
    is a power of two so masking works; ``canonical`` only with ``A == 4``;
    status preset to -1.
    """
    cdef Py_ssize_t B = out.shape[0], i, total = 0
    cdef uint64_t n_cols = <uint64_t> out.shape[1]
    if B == 0:
        return
    for i in range(B):
        total += lens[i]
    with nogil:
        _all(ptrs, lens, B, total, n_cols, &codes[0], k, A, canonical, mode, &out[0, 0],
             &status[0], n_threads, zero_rows)


cdef void _all(const int64_t[::1] ptrs, const int64_t[::1] lens, Py_ssize_t B,
               Py_ssize_t total, uint64_t n_cols, const int16_t* cp, int k, int A,
               bint canonical, int mode, count_t* op, int64_t* sp, int n_threads,
               bint zero_rows) noexcept nogil:
    """The whole count (see ``kmer_batch``)."""
    cdef Py_ssize_t i
    cdef int64_t n
    cdef const uint8_t* p
    if n_threads > 1 and B < n_threads:
        for i in range(B):
            p = <const uint8_t*> <size_t> ptrs[i]
            n = lens[i]
            if zero_rows:
                memset(op + i * <Py_ssize_t> n_cols, 0, n_cols * sizeof(count_t))
            if (n >= 2 * SPLIT_SEG
                    and <uint64_t> (n_threads - 1) * n_cols * sizeof(count_t)
                    <= <uint64_t> n
                    and _count_split(p, n, k, A, n_cols, cp, canonical, mode,
                                     op + i * <Py_ssize_t> n_cols, sp + i, n_threads) == 0):
                continue
            _count(p, 0, n, k, A, n_cols, cp, canonical, mode,
                   op + i * <Py_ssize_t> n_cols, sp + i)
        return
    cdef int grab = grab_items(B, total // B, <Py_ssize_t> (n_cols * sizeof(count_t)),
                               n_threads)
    for i in prange(B, schedule="dynamic", chunksize=grab, num_threads=n_threads):
        prefetch_row(ptrs, lens, i + PREFETCH_ROWS)
        if zero_rows:
            memset(op + i * <Py_ssize_t> n_cols, 0, n_cols * sizeof(count_t))
        _count(<const uint8_t*> <size_t> ptrs[i], 0, lens[i], k, A, n_cols, cp, canonical,
               mode, op + i * <Py_ssize_t> n_cols, sp + i)
