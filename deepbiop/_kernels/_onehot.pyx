"""The guts of OneHotEncoder: one row of a lookup table per input byte."""
from cython.parallel cimport prange
from libc.stdint cimport uint8_t, uint16_t, int16_t, int64_t, uint64_t
from libc.string cimport memset, memcpy

from cpython.ref cimport PyObject
from deepbiop._kernels._common cimport random_code, borrowed_items
from deepbiop._kernels._segments cimport (
    SEG, n_segments, grab_items, item_width, item_status, reduce_status, row_source,
)

ctypedef fused out_t:
    uint8_t
    uint16_t   # float16, written as its bit pattern
    float
    double

# Modes (kept in sync with deepbiop.encoders.onehot)
cdef enum:
    MODE_TABLE = 0
    MODE_RANDOM = 1
    MODE_ERROR = 2


cdef inline void _rows_last(const uint8_t* s, Py_ssize_t p0, Py_ssize_t e, Py_ssize_t A,
                            const out_t* table, out_t* dst) noexcept nogil:
    """Copy table row s[p] to output row p for p in [p0, e): (L, A) layout.

    The row size is a compile-time constant for the common alphabets, so each
    copy is one or a few vector moves (one 16-byte store for float32 DNA).
    """
    cdef Py_ssize_t p
    if A == 4:
        for p in range(p0, e):
            memcpy(dst + 4 * p, table + 4 * <Py_ssize_t> s[p], 4 * sizeof(out_t))
    elif A == 20:
        for p in range(p0, e):
            memcpy(dst + 20 * p, table + 20 * <Py_ssize_t> s[p], 20 * sizeof(out_t))
    else:
        for p in range(p0, e):
            memcpy(dst + A * p, table + A * <Py_ssize_t> s[p], A * sizeof(out_t))


cdef inline void _rows_first(const uint8_t* s, Py_ssize_t p0, Py_ssize_t e, Py_ssize_t L,
                             Py_ssize_t A, const out_t* table, out_t* dst) noexcept nogil:
    """The same for the (A, L) layout: A output streams, one per symbol."""
    cdef Py_ssize_t p, a
    cdef const out_t* src
    if A == 4:
        for p in range(p0, e):
            src = table + 4 * <Py_ssize_t> s[p]
            dst[p] = src[0]
            dst[L + p] = src[1]
            dst[2 * L + p] = src[2]
            dst[3 * L + p] = src[3]
    else:
        for p in range(p0, e):
            src = table + A * <Py_ssize_t> s[p]
            for a in range(A):
                dst[a * L + p] = src[a]


cdef inline void _segment(const uint8_t* s, Py_ssize_t n, Py_ssize_t p0, Py_ssize_t p1,
                          Py_ssize_t L, Py_ssize_t A, const uint8_t* bad,
                          const out_t* table, out_t one, out_t* dst, bint channels_first,
                          int mode, uint64_t seed, Py_ssize_t i,
                          int64_t* status) noexcept nogil:
    """Positions [p0, p1) of row i (``dst`` is the row's (L, A) or (A, L) slab):
    table rows below ``n``, zero rows from ``n`` on.

    Every element of the slice is written (the output may come from np.empty).
    The copy loop has no per-byte branch; bytes outside the alphabet are found
    afterwards, only for the random/error strategies.
    """
    cdef Py_ssize_t p, a, e = n if n < p1 else p1
    cdef uint8_t any_bad = 0
    if e < p0:
        e = p0
    if channels_first:
        _rows_first(s, p0, e, L, A, table, dst)
    else:
        _rows_last(s, p0, e, A, table, dst)
    if mode != MODE_TABLE:
        for p in range(p0, e):
            any_bad |= bad[s[p]]
        if any_bad:
            for p in range(p0, e):
                if bad[s[p]]:
                    if mode == MODE_ERROR:
                        status[0] = p
                        return
                    if channels_first:
                        for a in range(A):
                            dst[a * L + p] = 0
                        dst[random_code(seed, i, p, <int> A) * L + p] = one
                    else:
                        memset(dst + A * p, 0, A * sizeof(out_t))
                        dst[A * p + random_code(seed, i, p, <int> A)] = one
    if e < p1:
        if channels_first:
            for a in range(A):
                memset(dst + a * L + e, 0, (p1 - e) * sizeof(out_t))
        else:
            memset(dst + A * e, 0, (p1 - e) * A * sizeof(out_t))


cdef int _rows(const int64_t[::1] ptrs, const int64_t[::1] lens, PyObject** items,
               bint clamp, bint stop_early, Py_ssize_t B, Py_ssize_t L, Py_ssize_t A,
               Py_ssize_t nseg, int grab, const uint8_t* bad, const out_t* tp, out_t one,
               out_t* op, bint channels_first, int mode, uint64_t seed, int64_t* st,
               int n_threads) noexcept nogil:
    """Every work item; returns how many borrowed rows were not written (see
    ``onehot_batch``). Does not touch the GIL either way."""
    cdef Py_ssize_t i, j, c
    cdef int64_t p, n
    cdef int n_bad = 0, stop = 0, r
    for j in prange(B * nseg, schedule="dynamic", chunksize=grab,
                    num_threads=n_threads):
        i = j if nseg == 1 else j // nseg
        c = j - i * nseg
        p = 0  # assigned here: private to each thread (row_source sets them)
        n = 0
        r = row_source(ptrs, lens, items, clamp, stop_early, B, L, nseg == 1, i, &stop,
                       &p, &n)
        if r <= 0:
            if r < 0:
                n_bad += 1  # a reduction (a plain assignment would be lastprivate)
            continue
        _segment(<const uint8_t*> <size_t> p, n, c * SEG, min(L, (c + 1) * SEG), L, A,
                 bad, tp, one, op + i * L * A, channels_first, mode, seed, i,
                 st + j)
    return n_bad


def onehot_batch(const int64_t[::1] ptrs, const int64_t[::1] lens,
                 const int16_t[::1] codes, const out_t[:, ::1] table, out_t one,
                 out_t[:, :, ::1] out, bint channels_first, int mode,
                 uint64_t seed, int64_t[::1] status, int n_threads, items=None,
                 bint clamp=False, bint stop_early=False):
    """One-hot encode a packed batch into ``out``.

    Parameters
    ----------
    ptrs, lens : int64 (B,)
        Packed sequences (see ``_common.pxd``).
    codes : int16 (256,)
        Alphabet index of each byte, -1 outside the alphabet.
    table : out_t (256, A)
        The row written for each byte (zero / uniform / IUPAC rows for bytes
        outside the alphabet, as the strategy dictates).
    one : out_t
        The value 1 in the output dtype (bit pattern for float16).
    out : out_t (B, L, A), or (B, A, L) when ``channels_first``
        Fully written by the kernel, padding included (may come from np.empty).
    mode : 0 table lookup, 1 random column for bytes with code -1, 2 error.
    seed : draws for ``mode == 1`` depend on (seed, i, position) only.
    status : int64 (B,)
        Set to -1 by the caller; the kernel stores the first bad position of
        sequence i there in error mode (the row is then left unfinished).
    n_threads : OpenMP threads. Rows longer than 65,536 positions are split
        into pieces, so one long sequence also uses every thread.
    items : list or tuple, optional
        A borrowed batch (``Packed.items``): each row's address and length
        are then read from ``items[i]`` itself (``ptrs``/``lens`` are not
        used and may be empty) while the GIL stays held. A row whose element
        is not an exact bytes / ASCII str, or is longer than L without
        ``clamp``, is not written and counted in the return value;
        ``stop_early`` then stops the other rows as soon as possible.

    Returns
    -------
    int
        Rows not written because of their element (always 0 without
        ``items``).

    Preconditions (checked by the caller)
    -------------------------------------
    ``len(status) == out.shape[0]``; without ``items`` also
    ``len(ptrs) == len(lens) == out.shape[0]`` and every ``lens[i] <= L``
    (truncation applied by the caller; with ``items``,
    ``len(items) == out.shape[0]`` is checked here);
    addresses valid for ``lens[i]`` bytes while the call runs. (``table.shape
    == (256, A)`` with A matching ``out``, and 256 ``codes``, are checked
    here: ValueError otherwise.)
    """
    cdef Py_ssize_t B = out.shape[0], L, A, j
    if channels_first:
        A = out.shape[1]
        L = out.shape[2]
    else:
        L = out.shape[1]
        A = out.shape[2]
    # Checked here, not only by the caller: the loops read table row s[p] as A
    # values with A taken from ``out``, so a table of another alphabet or a
    # layout mix-up (an encoder whose parameters another thread changed
    # between sizing ``out`` and building the table) would read past the end
    # of the table (ASan: heap-buffer-overflow in _rows_last). O(1) per call.
    if table.shape[0] != 256 or table.shape[1] != A or codes.shape[0] != 256:
        raise ValueError(
            f"onehot_batch: table has shape ({table.shape[0]}, {table.shape[1]}) and "
            f"codes {codes.shape[0]} entries; output rows of {A} need (256, {A}) and 256"
        )
    if B == 0 or (L * A == 0 and items is None):
        return 0
    cdef PyObject** it = borrowed_items(items, B)
    cdef uint8_t bad[256]
    for j in range(256):
        bad[j] = codes[j] < 0
    cdef const out_t* tp = &table[0, 0]
    cdef out_t* op = &out[0, 0, 0] if L * A > 0 else NULL  # else rows only checked
    cdef Py_ssize_t nseg = n_segments(L)
    cdef int grab = grab_items(B * nseg, item_width(L, nseg),
                               item_width(L, nseg) * A * sizeof(out_t), n_threads)
    cdef int64_t* st = item_status(&status[0], B, nseg)
    if st == NULL:
        raise MemoryError("onehot_batch: no memory for per-segment status")
    cdef int n_bad
    if it == NULL:
        with nogil:
            n_bad = _rows(ptrs, lens, NULL, False, False, B, L, A, nseg, grab, bad, tp,
                          one, op, channels_first, mode, seed, st, n_threads)
    else:  # borrowed: the GIL stays held, so no element can go away meanwhile
        n_bad = _rows(ptrs, lens, it, clamp, stop_early, B, L, A, nseg, grab, bad, tp,
                      one, op, channels_first, mode, seed, st, n_threads)
    reduce_status(&status[0], st, B, nseg)
    return n_bad
