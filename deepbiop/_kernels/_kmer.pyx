"""The guts of KmerEncoder (dense): rolling k-mer indices counted into rows."""
from libc.stdint cimport uint8_t, int16_t, int32_t, uint32_t, int64_t, uint64_t
from libc.stdlib cimport calloc, malloc, free
from libc.string cimport memset

from deepbiop._kernels._rows cimport grab_items, prefetch_row, PREFETCH_ROWS

from deepbiop._kernels._common cimport KIND_U32, KIND_I32, KIND_F32, KIND_F64, kind_of
from deepbiop._kernels._pool cimport parallel_for
from deepbiop._kernels._rolling cimport kmer_roll, roll_init, roll_push, roll_full, roll_code

ctypedef fused count_t:
    float
    double
    int32_t
    int64_t

cdef enum:
    MODE_SKIP = 0
    MODE_ERROR = 1
    SPLIT_SEG = 1 << 16        # window starts per piece of a long sequence


#: A float32 count is exact up to 2**24; a row with more windows than this is
#: counted in integers and converted once at the end (``_count``).
cdef Py_ssize_t _exact_windows = 1 << 24
#: Rows with at most this many windows count in uint32 (in the output's own
#: float32 slots); longer rows in an int64 buffer of their own.
cdef Py_ssize_t _u32_windows = 0xFFFFFFFF
#: status of a row whose int64 buffer could not be allocated (the caller
#: raises MemoryError)
cdef enum:
    STATUS_NOMEM = -2

ctypedef fused acc_t:
    float
    double
    int32_t
    int64_t
    uint32_t


def _exact_limits(Py_ssize_t exact_windows=-1, Py_ssize_t u32_windows=-1):
    """Return ``(exact_windows, u32_windows)``, the row sizes (in windows) above
    which float32 rows are counted in uint32, and uint32 gives way to int64;
    a positive argument replaces one. For tests only: the defaults (2**24,
    2**32 - 1) are the limits of exact float32 and uint32 counts."""
    global _exact_windows, _u32_windows
    old = (_exact_windows, _u32_windows)
    if exact_windows > 0:
        _exact_windows = exact_windows
    if u32_windows > 0:
        _u32_windows = u32_windows
    return old


cdef inline void _roll_into(const uint8_t* s, Py_ssize_t p0, Py_ssize_t e, int k, int A,
                            const int16_t* codes, bint canonical, acc_t* dst) noexcept nogil:
    """The counting loop of ``_count_into``: every complete window of bytes
    [p0, e) adds 1 at its code (``_rolling.pxd``). Called with A == 4 as the
    constant 4, so each case gets a loop of its own."""
    cdef kmer_roll r
    cdef Py_ssize_t p
    roll_init(&r, codes, k, A, p0)
    for p in range(p0, e):
        roll_push(&r, s, p, A, canonical)
        if roll_full(&r, p, A):
            dst[roll_code(&r, A, canonical)] += 1


cdef inline void _count_into(const uint8_t* s, Py_ssize_t p0, Py_ssize_t e, int k, int A,
                             const int16_t* codes, bint canonical, int mode, acc_t* dst,
                             int64_t* status) noexcept nogil:
    """Add the counts of the k-mers that lie wholly inside bytes [p0, e) to
    ``dst`` (see ``_count``; ``dst`` is any accumulator type).

    Windows holding a byte with code -1 are skipped (``mode == 0``) or stop
    the count with that byte's position in ``status`` (``mode == 1``, checked
    in a first pass so the counting loop has no error branch).

    Preconditions (checked by the caller): as ``kmer_batch``; with
    ``canonical`` (A == 4), ``codes[256 + c]`` is the complement of code c
    (an involution of 0..3).
    """
    cdef Py_ssize_t p
    if mode == MODE_ERROR:
        for p in range(p0, e):
            if codes[s[p]] < 0:
                status[0] = p
                return
    if A != 4:
        _roll_into(s, p0, e, k, A, codes, False, dst)
    elif canonical:
        _roll_into(s, p0, e, k, 4, codes, True, dst)
    else:
        _roll_into(s, p0, e, k, 4, codes, False, dst)


cdef inline void _count(const uint8_t* s, Py_ssize_t p0, Py_ssize_t e, int k, int A,
                        uint64_t n_cols, const int16_t* codes, bint canonical,
                        int mode, count_t* dst, int64_t* status) noexcept nogil:
    """Count the k-mers that lie wholly inside bytes [p0, e) into ``dst``.

    A float32 row with more windows than float32 counts exactly (2**24) is
    counted in integers and converted once at the end (rounded to the
    nearest float32): in uint32 held in the row's own 4-byte slots, or, past
    2**32 - 1 windows, in an int64 buffer (``status`` is set to STATUS_NOMEM
    if that cannot be allocated). Other rows, and the other dtypes, count
    straight into ``dst`` (float64 is exact to 2**53; int32 wraps past
    2**31 - 1, which it cannot hold anyway).

    Preconditions (checked by the caller): as ``kmer_batch``; ``dst`` zero
    (counts are added to it).
    """
    cdef Py_ssize_t windows = e - p0 - (k - 1), col
    cdef uint32_t* narrow
    cdef int64_t* wide
    if count_t is float:
        if windows > _exact_windows:
            if windows <= _u32_windows:
                # the uint32 counts take the row's own (zeroed) float slots;
                # each slot is read as uint32, then stored as float32
                narrow = <uint32_t*> dst
                _count_into(s, p0, e, k, A, codes, canonical, mode, narrow, status)
                for col in range(<Py_ssize_t> n_cols):
                    dst[col] = <float> narrow[col]
                return
            wide = <int64_t*> calloc(n_cols, sizeof(int64_t))
            if wide == NULL:
                status[0] = STATUS_NOMEM
                return
            _count_into(s, p0, e, k, A, codes, canonical, mode, wide, status)
            for col in range(<Py_ssize_t> n_cols):
                dst[col] = <float> wide[col]
            free(wide)
            return
    _count_into(s, p0, e, k, A, codes, canonical, mode, dst, status)


cdef struct _split_job:
    # one long row counted in pieces (see ``_count_split``)
    const uint8_t* s
    Py_ssize_t n
    int k, A
    uint64_t n_cols
    const int16_t* codes
    bint canonical
    int mode
    void* dst         # worker 0 counts here, worker t > 0 into bufs + (t-1) rows
    void* bufs
    int kind          # KIND_* of dst and bufs (uint32 for float32 rows)
    int64_t* st


cdef inline void _split_pieces(const _split_job* c, acc_t* dst, acc_t* bufs, int64_t lo,
                               int64_t hi, int worker) noexcept nogil:
    cdef Py_ssize_t j, p0, e
    cdef acc_t* mine = (dst if worker == 0
                        else bufs + <Py_ssize_t> (worker - 1) * <Py_ssize_t> c.n_cols)
    for j in range(lo, hi):
        p0 = j * SPLIT_SEG
        e = min(c.n, p0 + SPLIT_SEG + c.k - 1)
        _count_into(c.s, p0, e, c.k, c.A, c.codes, c.canonical, c.mode, mine,
                    c.st + j)


cdef void _split_chunk(void* ctx, int64_t lo, int64_t hi, int worker) noexcept nogil:
    cdef const _split_job* c = <const _split_job*> ctx
    if c.kind == KIND_U32:
        _split_pieces(c, <uint32_t*> c.dst, <uint32_t*> c.bufs, lo, hi, worker)
    elif c.kind == KIND_F64:
        _split_pieces(c, <double*> c.dst, <double*> c.bufs, lo, hi, worker)
    elif c.kind == KIND_I32:
        _split_pieces(c, <int32_t*> c.dst, <int32_t*> c.bufs, lo, hi, worker)
    else:
        _split_pieces(c, <int64_t*> c.dst, <int64_t*> c.bufs, lo, hi, worker)


cdef int _count_split(const uint8_t* s, Py_ssize_t n, int k, int A, uint64_t n_cols,
                      const int16_t* codes, bint canonical, int mode, count_t* dst,
                      int64_t* status, int n_threads) noexcept nogil:
    """Count one long sequence with every thread.

    The sequence is cut into pieces of SPLIT_SEG window starts; a piece reads
    k - 1 bytes past its end so each window is counted by exactly one piece.
    Thread 0 counts straight into ``dst``, every other thread into its own
    zeroed buffer of ``n_cols``; the buffers are added into ``dst`` at the end.
    float32 rows count in uint32 held in those same 4-byte slots (exact up to
    2**32 - 1 per thread) and are converted once, after the sum; a float32
    row with more windows than uint32 holds is left to ``_count`` (one thread,
    int64). Returns -1 if the buffers cannot be allocated or the row is left
    to ``_count`` (nothing is written then).

    Preconditions (checked by the caller): as ``kmer_batch``; ``dst`` zero.
    """
    cdef Py_ssize_t nseg = (n + SPLIT_SEG - 1) // SPLIT_SEG, j
    cdef Py_ssize_t col
    cdef int t
    cdef uint64_t total
    cdef count_t* bufs
    cdef int64_t* st
    cdef count_t* mine
    cdef uint32_t* dst_n
    cdef uint32_t* bufs_n
    if count_t is float:
        if n - (k - 1) > _u32_windows:
            return -1
    bufs = <count_t*> calloc(<size_t> (n_threads - 1) * n_cols, sizeof(count_t))
    st = <int64_t*> malloc(nseg * sizeof(int64_t))
    if bufs == NULL or st == NULL:
        free(bufs)
        free(st)
        return -1
    dst_n = <uint32_t*> dst
    bufs_n = <uint32_t*> bufs
    for j in range(nseg):
        st[j] = -1
    cdef _split_job job
    job.s = s
    job.n = n
    job.k = k
    job.A = A
    job.n_cols = n_cols
    job.codes = codes
    job.canonical = canonical
    job.mode = mode
    job.st = st
    if count_t is float:
        job.kind = kind_of(dst_n)
        job.dst = <void*> dst_n
        job.bufs = <void*> bufs_n
    else:
        job.kind = kind_of(dst)
        job.dst = <void*> dst
        job.bufs = <void*> bufs
    n_threads = parallel_for(nseg, 1, n_threads, n, _split_chunk, &job)
    if count_t is float:
        for col in range(<Py_ssize_t> n_cols):
            total = dst_n[col]
            for t in range(n_threads - 1):
                total = total + bufs_n[<Py_ssize_t> t * <Py_ssize_t> n_cols + col]
            dst[col] = <float> total
    else:
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
               count_t[:, ::1] out, int64_t[::1] status, int n_threads):
    """Count overlapping k-mers of a packed batch into ``out`` (B, A**k).

    Column index: k-mer read as a base-A number, first character most
    significant. ``canonical`` (A == 4 only) counts each k-mer at the smaller of
    its own index and that of its reverse complement; the complement of code c
    is ``codes[256 + c]`` (the caller appends the alphabet's complement
    permutation, an involution, to the 256-entry table). float32 rows longer
    than 2**24 windows count in integers and are rounded once, at the end
    (``_count``), so every count is the nearest value the dtype holds.

    Rows are shared out between threads. A batch with fewer rows than threads
    (``encode`` of one long sequence) instead splits each long row into
    pieces counted by all threads into per-thread rows that are summed at the
    end, when those extra rows take no more memory than the row's own input.

    Each row is zeroed just before it is counted into (``out`` may hold
    anything: a reused ``out=`` buffer, ``np.empty``); the row is then in
    cache for the counts.

    Preconditions (checked by the caller)
    -------------------------------------
    ``out.shape[0] ==
    len(status) == len(ptrs) == len(lens)``; addresses valid for
    ``lens[i]`` bytes while the call runs (``Packed.keep`` holds references
    to every object they point into) and not overlapping ``out``;
    status preset to -1. Checked here (ValueError otherwise, O(k)):
    ``1 <= k``, ``out.shape[1] == A**k``, 256 ``codes`` (260 with the
    complement permutation for ``canonical``, which needs ``A == 4``): the
    loops index rows and tables with these, so a caller whose parameters
    changed between sizing ``out`` and calling must not get this far.
    """
    cdef Py_ssize_t B = out.shape[0], i, total = 0
    cdef uint64_t n_cols = <uint64_t> out.shape[1]
    cdef uint64_t want = 1
    if k < 1 or A < 1:
        raise ValueError(f"kmer_batch: k={k} and A={A} must be >= 1")
    for i in range(k):  # no-cython-lint: k steps; an untyped `_` would not be a C int
        if want > (<uint64_t> 1 << 62) // <uint64_t> A:
            raise ValueError(f"kmer_batch: {A}**{k} columns do not fit 62 bits")
        want *= <uint64_t> A
    if n_cols != want or codes.shape[0] < (260 if canonical else 256) or (
            canonical and A != 4):
        raise ValueError(
            f"kmer_batch: out has {n_cols} columns and codes {codes.shape[0]} entries; "
            f"{A}**{k} = {want} columns and {260 if canonical else 256} codes needed"
            + (" (canonical needs A == 4)" if canonical and A != 4 else "")
        )
    if B == 0:
        return
    for i in range(B):
        total += lens[i]
    with nogil:
        _all(ptrs, lens, B, total, n_cols, &codes[0], k, A, canonical, mode, &out[0, 0],
             &status[0], n_threads)


cdef struct _rows_job:
    # a batch counted row by row (see ``kmer_batch``)
    const int64_t* ptrs
    const int64_t* lens
    Py_ssize_t B
    uint64_t n_cols
    const int16_t* cp
    int k, A
    bint canonical
    int mode
    void* op
    int64_t* sp
    int kind          # KIND_* of op


cdef inline void _rows_of(const _rows_job* c, count_t* op, int64_t lo, int64_t hi) noexcept nogil:
    cdef Py_ssize_t i
    cdef Py_ssize_t w = <Py_ssize_t> c.n_cols
    for i in range(lo, hi):
        prefetch_row(c.ptrs, c.lens, c.B, i + PREFETCH_ROWS)
        memset(op + i * w, 0, w * sizeof(count_t))
        _count(<const uint8_t*> <size_t> c.ptrs[i], 0, c.lens[i], c.k, c.A, c.n_cols, c.cp,
               c.canonical, c.mode, op + i * w, c.sp + i)


cdef void _rows_chunk(void* ctx, int64_t lo, int64_t hi, int worker) noexcept nogil:
    cdef const _rows_job* c = <const _rows_job*> ctx
    if c.kind == KIND_F32:
        _rows_of(c, <float*> c.op, lo, hi)
    elif c.kind == KIND_F64:
        _rows_of(c, <double*> c.op, lo, hi)
    elif c.kind == KIND_I32:
        _rows_of(c, <int32_t*> c.op, lo, hi)
    else:
        _rows_of(c, <int64_t*> c.op, lo, hi)


cdef void _all(const int64_t[::1] ptrs, const int64_t[::1] lens, Py_ssize_t B,
               Py_ssize_t total, uint64_t n_cols, const int16_t* cp, int k, int A,
               bint canonical, int mode, count_t* op, int64_t* sp,
               int n_threads) noexcept nogil:
    """The whole count (see ``kmer_batch``)."""
    cdef Py_ssize_t i
    cdef int64_t n
    cdef const uint8_t* p
    if n_threads > 1 and B < n_threads:
        for i in range(B):
            p = <const uint8_t*> <size_t> ptrs[i]
            n = lens[i]
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
    cdef _rows_job job
    job.ptrs = &ptrs[0]
    job.lens = &lens[0]
    job.B = B
    job.n_cols = n_cols
    job.cp = cp
    job.k = k
    job.A = A
    job.canonical = canonical
    job.mode = mode
    job.op = <void*> op
    job.sp = sp
    job.kind = kind_of(op)
    parallel_for(B, grab, n_threads, total + B * <int64_t> n_cols, _rows_chunk, &job)
