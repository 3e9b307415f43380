"""The guts of KmerEncoder (sparse): CSR rows of k-mer counts, and the compact
canonical columns.

* ``csr_rows``: each sequence writes the rolling code (``_rolling.pxd``) of
  every complete window into its own slice of the (over-allocated) CSR
  ``indices`` array, sorts the slice (a bucket pass into a per-thread scratch
  row, its histogram taken while the codes are written, then one insertion
  sort; ``_sort.pxd``) and run-length encodes it into (column, count) pairs;
  no dense row is ever built. ``csr_compact`` then closes the gaps.
* ``canonical_rank`` / ``canonical_unrank``: the position of a canonical
  k-mer among all canonical k-mers in lexicographic order (the compact
  canonical column, ``_canonical.pxd``), O(k) per code, and back.

Codes are the k-mer read as a base-A number, first symbol most significant,
the same column index the dense kernel uses. Whole-batch spectra are in
``_spectrum.pyx``.
"""
from libc.stdint cimport uint8_t, int16_t, int32_t, int64_t, uint64_t
from libc.stdlib cimport malloc, calloc, free
from libc.string cimport memmove, memset

from deepbiop._kernels._canonical cimport (
    rank_tables, rank_init, canonical_rank_of, revcomp_of,
)
from deepbiop._kernels._common cimport KIND_I32, KIND_F32, KIND_F64, kind_of
from deepbiop._kernels._pool cimport parallel_for, grain_for
from deepbiop._kernels._rolling cimport kmer_roll, roll_init, roll_push, roll_full, roll_code
from deepbiop._kernels._sort cimport insertion_sort, sort_keys, bucket_bits, bucket_finish

ctypedef fused idx_t:
    int32_t
    int64_t

ctypedef fused count_t:
    float
    double
    int32_t
    int64_t

cdef enum:
    MODE_SKIP = 0
    MODE_ERROR = 1


# ------------------------------------------------------ canonical columns ----
def canonical_rank(const uint64_t[::1] codes, int k, const int16_t[::1] comp,
                   uint64_t[::1] out):
    """Rank of each code among the canonical k-mers in lexicographic order.

    For a canonical code this is its compact canonical column; for any code it
    is the number of canonical k-mers below it.

    Preconditions (checked by the caller)
    -------------------------------------
    ``1 <= k <= 31``; codes < 4**k; ``comp`` holds the complement of codes
    0..3, an involution (``Alphabet.complement_codes``); ``out`` has the
    length of ``codes``.
    """
    cdef rank_tables T
    cdef Py_ssize_t i, n = codes.shape[0]
    rank_init(k, &comp[0], &T)
    with nogil:
        for i in range(n):
            out[i] = canonical_rank_of(codes[i], k, &T)


def canonical_unrank(const uint64_t[::1] ranks, int k, const int16_t[::1] comp,
                     uint64_t[::1] out):
    """The canonical k-mer code of each compact canonical column (binary search
    on ``canonical_rank``).

    Preconditions (checked by the caller)
    -------------------------------------
    ``1 <= k <= 31``; every rank < the number of canonical k-mers; ``comp``
    as in ``canonical_rank``; ``out`` has the length of ``ranks``.
    """
    cdef rank_tables T
    cdef Py_ssize_t i, n = ranks.shape[0]
    cdef uint64_t lo, hi, mid, r
    rank_init(k, &comp[0], &T)
    with nogil:
        for i in range(n):
            r = ranks[i]
            # smallest c with rank(c) + [c canonical] > r
            lo = 0
            hi = ((<uint64_t> 1) << (2 * k)) - 1
            while lo < hi:
                mid = lo + (hi - lo) // 2
                if (canonical_rank_of(mid, k, &T)
                        + (1 if mid <= revcomp_of(mid, k, T.comp) else 0) > r):
                    hi = mid
                else:
                    lo = mid + 1
            out[i] = lo


# ------------------------------------------------------------- CSR rows ------
cdef inline Py_ssize_t _roll_codes(const uint8_t* s, Py_ssize_t n, int k, int A,
                                   const int16_t* codes, bint canonical, int mode,
                                   idx_t* dst, int64_t* status, int32_t* hist,
                                   int shift) noexcept nogil:
    """The loop of ``_row_codes``. Called with A == 4 as the constant 4, so
    each case gets a loop of its own."""
    cdef kmer_roll r
    cdef Py_ssize_t p, m = 0
    cdef uint64_t idx
    roll_init(&r, codes, k, A, 0)
    for p in range(n):
        if roll_push(&r, s, p, A, canonical) < 0 and mode == MODE_ERROR:
            status[0] = p
            return 0
        if roll_full(&r, p, A):
            idx = roll_code(&r, A, canonical)
            dst[m] = <idx_t> idx
            m += 1
            if hist != NULL:
                hist[(idx >> shift) + 1] += 1
    return m


cdef inline Py_ssize_t _row_codes(const uint8_t* s, Py_ssize_t n, int k, int A,
                                  const int16_t* codes, bint canonical, int mode,
                                  idx_t* dst, int64_t* status, int32_t* hist,
                                  int shift) noexcept nogil:
    """Write the code of every complete window of one sequence to ``dst``;
    return how many. Windows holding a byte with code -1 are skipped
    (``mode == 0``) or stop the row with its position in ``status`` (``mode
    == 1``). With ``hist``, also count each code in ``hist[(code >> shift) +
    1]`` (the bucket histogram of ``bucket_finish``).

    Preconditions (checked by the caller): as ``csr_rows``; ``dst`` has room
    for ``max(0, n - k + 1)`` codes.
    """
    if A != 4:
        return _roll_codes(s, n, k, A, codes, False, mode, dst, status, hist, shift)
    if canonical:
        return _roll_codes(s, n, k, 4, codes, True, mode, dst, status, hist, shift)
    return _roll_codes(s, n, k, 4, codes, False, mode, dst, status, hist, shift)


cdef struct _csr_job:
    # see ``csr_rows``
    const int64_t* ptrs
    const int64_t* lens
    const int64_t* starts
    int64_t* nnz
    int64_t* status
    const int16_t* cp
    int k, A
    int key_bits
    bint canonical, compact
    int mode
    const rank_tables* T
    void* ip          # idx_t indices and count_t data, of the types
    void* dp          # idx_kind and count_kind say (KIND_*)
    int idx_kind, count_kind
    Py_ssize_t max_w
    int n_workers
    void** tmp        # per-worker bucket-sort scratch (max_w + 1 keys),
    int32_t** cnt     # allocated by each worker on first use; NULL: introsort


cdef inline void _csr_row(const _csr_job* c, Py_ssize_t i, idx_t* ip, count_t* dp,
                          idx_t* tmp, int32_t* cnt) noexcept nogil:
    """Row i of ``csr_rows`` (``tmp``/``cnt`` NULL: sort without buckets)."""
    cdef Py_ssize_t off = c.starts[i], nw = c.lens[i] - c.k + 1, m, t, u, run0
    cdef int b
    cdef idx_t* srt
    cdef const uint8_t* s = <const uint8_t*> <size_t> c.ptrs[i]
    if tmp != NULL and cnt != NULL and nw >= 32:
        # bucket sort: histogram taken while the codes are written
        b = bucket_bits(nw, c.key_bits)
        memset(cnt, 0, (((<Py_ssize_t> 1) << b) + 1) * sizeof(int32_t))
        m = _row_codes(s, c.lens[i], c.k, c.A, c.cp, c.canonical, c.mode,
                       ip + off, &c.status[i], cnt, c.key_bits - b)
        srt = bucket_finish(ip + off, m, (<Py_ssize_t> 1) << b, c.key_bits - b, tmp, cnt)
    else:
        # also rows shorter than k: they write nothing but are checked
        m = _row_codes(s, c.lens[i], c.k, c.A, c.cp, c.canonical, c.mode,
                       ip + off, &c.status[i], NULL, 0)
        if m < 32:
            insertion_sort(ip + off, m)
        else:
            sort_keys(ip + off, m)
        srt = ip + off
    # run-length encode the sorted keys into the row's own slots; a count is
    # a run's length, converted to count_t once (a float32 incremented one by
    # one would stop at 2**24)
    u = 0
    run0 = 0
    for t in range(1, m + 1):
        if t == m or srt[t] != srt[run0]:
            ip[off + u] = srt[run0]
            dp[off + u] = <count_t> (t - run0)
            u = u + 1
            run0 = t
    if c.compact:
        for t in range(u):
            ip[off + t] = <idx_t> canonical_rank_of(<uint64_t> ip[off + t], c.k, c.T)
    c.nnz[i] = u


cdef inline void _csr_rows_of(const _csr_job* c, idx_t* ip, count_t* dp, int64_t lo,
                              int64_t hi, int worker) noexcept nogil:
    cdef Py_ssize_t i
    cdef idx_t* tmp = <idx_t*> c.tmp[worker]
    cdef int32_t* cnt = c.cnt[worker]
    if tmp == NULL:  # first chunk of this worker: its scratch
        tmp = <idx_t*> malloc((c.max_w + 1) * sizeof(idx_t))
        c.tmp[worker] = <void*> tmp
    if cnt == NULL:
        cnt = <int32_t*> malloc(4097 * sizeof(int32_t))
        c.cnt[worker] = cnt
    for i in range(lo, hi):
        _csr_row(c, i, ip, dp, tmp, cnt)


cdef inline void _csr_rows_idx(const _csr_job* c, idx_t* ip, int64_t lo, int64_t hi,
                               int worker) noexcept nogil:
    if c.count_kind == KIND_F32:
        _csr_rows_of(c, ip, <float*> c.dp, lo, hi, worker)
    elif c.count_kind == KIND_F64:
        _csr_rows_of(c, ip, <double*> c.dp, lo, hi, worker)
    elif c.count_kind == KIND_I32:
        _csr_rows_of(c, ip, <int32_t*> c.dp, lo, hi, worker)
    else:
        _csr_rows_of(c, ip, <int64_t*> c.dp, lo, hi, worker)


cdef void _csr_chunk(void* ctx, int64_t lo, int64_t hi, int worker) noexcept nogil:
    cdef const _csr_job* c = <const _csr_job*> ctx
    if c.idx_kind == KIND_I32:
        _csr_rows_idx(c, <int32_t*> c.ip, lo, hi, worker)
    else:
        _csr_rows_idx(c, <int64_t*> c.ip, lo, hi, worker)


def csr_rows(const int64_t[::1] ptrs, const int64_t[::1] lens,
             const int16_t[::1] codes, int k, int A, bint canonical, bint compact,
             int mode, const int64_t[::1] starts, idx_t[::1] indices,
             count_t[::1] data, int64_t[::1] nnz, int64_t[::1] status,
             int n_threads):
    """Build the CSR rows of a packed batch, each in its own slice.

    Row ``i`` owns ``indices[starts[i]:starts[i] + max(0, lens[i] - k + 1)]``
    (one slot per window). It writes its window indices there, sorts them,
    and keeps the distinct columns in ``indices[starts[i]:starts[i] + nnz[i]]``
    with their counts in the same slots of ``data``. With ``compact`` (canonical
    DNA/RNA only) each column becomes its rank among canonical k-mers. A
    count is the length of a run of equal sorted keys, converted to
    ``count_t`` once (exact in float32 up to 2**24, then rounded to nearest).

    Preconditions (checked by the caller)
    -------------------------------------
    ``starts`` is the exclusive cumulative sum of ``max(0, lens - k + 1)`` and
    ``indices``/``data`` hold at least its total; ``len(lens) == len(nnz) ==
    len(status) == len(starts) == len(ptrs)``; ``1 <= k``; ``A**k`` fits in
    63 bits and every column fits ``idx_t``; ``canonical`` and ``compact`` only
    with ``A == 4`` (and ``k <= 31``), and then ``codes`` holds 260 entries,
    ``codes[256 + c]`` the complement of code c (an involution of 0..3);
    ``status`` preset to -1.
    """
    cdef Py_ssize_t B = ptrs.shape[0], i
    cdef Py_ssize_t max_w = 0
    cdef uint64_t n_codes = 1
    cdef rank_tables T
    cdef int j, key_bits = 0
    if B == 0:
        return
    for j in range(k):  # no-cython-lint: k steps; an untyped `_` would not be a C int
        n_codes *= <uint64_t> A
    while key_bits < 64 and ((n_codes - 1) >> key_bits) != 0:
        key_bits += 1
    for i in range(B):
        if lens[i] - k + 1 > max_w:
            max_w = lens[i] - k + 1
    cdef const int16_t* cp = &codes[0]
    if compact:
        rank_init(k, cp + 256, &T)
    cdef idx_t* ip = &indices[0] if indices.shape[0] else NULL
    cdef count_t* dp = &data[0] if data.shape[0] else NULL
    cdef _csr_job job
    job.ptrs = &ptrs[0]
    job.lens = &lens[0]
    job.starts = &starts[0]
    job.nnz = &nnz[0]
    job.status = &status[0]
    job.cp = cp
    job.k = k
    job.A = A
    job.key_bits = key_bits
    job.canonical = canonical
    job.compact = compact
    job.mode = mode
    job.T = &T
    job.ip = <void*> ip
    job.dp = <void*> dp
    job.idx_kind = kind_of(ip)
    job.count_kind = kind_of(dp)
    job.max_w = max_w
    cdef int64_t total = 0
    for i in range(B):
        total += lens[i]
    job.n_workers = n_threads if n_threads > 1 else 1
    job.tmp = <void**> calloc(job.n_workers, sizeof(void*))
    job.cnt = <int32_t**> calloc(job.n_workers, sizeof(int32_t*))
    if job.tmp == NULL or job.cnt == NULL:
        free(job.tmp)
        free(job.cnt)
        raise MemoryError("csr_rows: no memory for per-thread tables")
    with nogil:
        parallel_for(B, grain_for(B, total, n_threads), job.n_workers, total, _csr_chunk,
                     &job)
        for j in range(job.n_workers):
            free(job.tmp[j])
            free(job.cnt[j])
    free(job.tmp)
    free(job.cnt)


def csr_compact(const int64_t[::1] starts, const int64_t[::1] nnz,
                idx_t[::1] indices, count_t[::1] data, int64_t[::1] indptr):
    """Move each row's entries down so the rows are contiguous; fill ``indptr``.

    Preconditions (checked by the caller)
    -------------------------------------
    ``nnz[i] <= starts[i+1] - starts[i]`` (as ``csr_rows`` leaves them);
    ``len(indptr) == len(starts) + 1``.
    """
    cdef Py_ssize_t B = starts.shape[0], i
    cdef int64_t pos = 0
    indptr[0] = 0
    with nogil:
        for i in range(B):
            if nnz[i] and pos != starts[i]:
                memmove(&indices[pos], &indices[starts[i]], nnz[i] * sizeof(idx_t))
                memmove(&data[pos], &data[starts[i]], nnz[i] * sizeof(count_t))
            pos += nnz[i]
            indptr[i + 1] = pos
