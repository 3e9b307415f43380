"""The guts of OneHotEncoder: one row of a lookup table per input byte."""
from libc.stdint cimport uint8_t, uint16_t, int16_t, int64_t, uint64_t
from libc.string cimport memset, memcpy

from deepbiop._kernels._common cimport KIND_U8, KIND_U16, KIND_F32, kind_of, random_code
from deepbiop._kernels._rows cimport (
    SEG, PREFETCH_ROWS, n_segments, grab_items, item_width, item_status, reduce_status,
    prefetch_row,
)
from deepbiop._kernels._pool cimport parallel_for

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


cdef struct _job:
    # everything a chunk of onehot_batch needs (see ``onehot_batch``)
    const int64_t* ptrs
    const int64_t* lens
    Py_ssize_t B, L, A, nseg
    const uint8_t* bad
    const void* tp    # table and output of the dtype ``kind`` names
    void* op
    int kind          # KIND_* of tp and op
    double one        # the value 1 (float16: its bit pattern)
    bint channels_first
    int mode
    uint64_t seed
    int64_t* st


cdef inline void _items(const _job* c, const out_t* tp, out_t* op, int64_t lo,
                        int64_t hi) noexcept nogil:
    """Work items [lo, hi) (see ``_rows.pxd``)."""
    cdef Py_ssize_t i, j, c_
    cdef Py_ssize_t nseg = c.nseg
    for j in range(lo, hi):
        i = j if nseg == 1 else j // nseg
        c_ = j - i * nseg
        if nseg == 1:
            prefetch_row(c.ptrs, c.lens, c.B, i + PREFETCH_ROWS)
        _segment(<const uint8_t*> <size_t> c.ptrs[i], c.lens[i], c_ * SEG,
                 min(c.L, (c_ + 1) * SEG), c.L, c.A, c.bad, tp, <out_t> c.one,
                 op + i * c.L * c.A, c.channels_first, c.mode, c.seed, i, c.st + j)


cdef void _chunk(void* ctx, int64_t lo, int64_t hi, int worker) noexcept nogil:
    cdef const _job* c = <const _job*> ctx
    if c.kind == KIND_U8:
        _items(c, <const uint8_t*> c.tp, <uint8_t*> c.op, lo, hi)
    elif c.kind == KIND_U16:
        _items(c, <const uint16_t*> c.tp, <uint16_t*> c.op, lo, hi)
    elif c.kind == KIND_F32:
        _items(c, <const float*> c.tp, <float*> c.op, lo, hi)
    else:
        _items(c, <const double*> c.tp, <double*> c.op, lo, hi)


def onehot_batch(const int64_t[::1] ptrs, const int64_t[::1] lens,
                 const int16_t[::1] codes, const out_t[:, ::1] table, out_t one,
                 out_t[:, :, ::1] out, bint channels_first, int mode,
                 uint64_t seed, int64_t[::1] status, int n_threads):
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
    n_threads : threads (of the pool, see ``_pool.pxd``). Rows longer than
        65,536 positions are split into pieces, so one long sequence also
        uses every thread.

    Preconditions (checked by the caller)
    -------------------------------------
    ``len(ptrs) == len(lens) == len(status) == out.shape[0]``; every
    ``lens[i] <= L`` (truncation applied by the caller); addresses valid for
    ``lens[i]`` bytes while the call runs (``Packed.keep`` holds references
    to every object they point into) and not overlapping ``out``.
    (``table.shape == (256, A)`` with A matching ``out``, and 256 ``codes``,
    are checked here: ValueError otherwise.)
    """
    cdef Py_ssize_t B = out.shape[0], L, A, j
    if channels_first:
        A = out.shape[1]
        L = out.shape[2]
    else:
        L = out.shape[1]
        A = out.shape[2]
    # Checked here, not only by the caller: the loops read table row s[p] as A
    # values with A taken from ``out``, so a table built for another alphabet
    # or layout would read past the end of the table. O(1) per call.
    if table.shape[0] != 256 or table.shape[1] != A or codes.shape[0] != 256:
        raise ValueError(
            f"onehot_batch: table has shape ({table.shape[0]}, {table.shape[1]}) and "
            f"codes {codes.shape[0]} entries; output rows of {A} need (256, {A}) and 256"
        )
    if B == 0 or L * A == 0:
        return
    cdef uint8_t bad[256]
    for j in range(256):
        bad[j] = codes[j] < 0
    cdef const out_t* tp = &table[0, 0]
    cdef out_t* op = &out[0, 0, 0]
    cdef Py_ssize_t nseg = n_segments(L)
    cdef int grab = grab_items(B * nseg, item_width(L, nseg),
                               item_width(L, nseg) * A * sizeof(out_t), n_threads)
    cdef int64_t* st = item_status(&status[0], B, nseg)
    if st == NULL:
        raise MemoryError("onehot_batch: no memory for per-segment status")
    cdef _job job
    job.ptrs = &ptrs[0]
    job.lens = &lens[0]
    job.B = B
    job.L = L
    job.A = A
    job.nseg = nseg
    job.bad = bad
    job.tp = <const void*> tp
    job.op = <void*> op
    job.kind = kind_of(op)
    job.one = <double> one
    job.channels_first = channels_first
    job.mode = mode
    job.seed = seed
    job.st = st
    with nogil:
        parallel_for(B * nseg, grab, n_threads, B * L * A, _chunk, &job)
    reduce_status(&status[0], st, B, nseg)
