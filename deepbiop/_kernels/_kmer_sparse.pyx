"""The guts of KmerEncoder (sparse): CSR rows of k-mer counts, and the compact
canonical columns.

* ``csr_rows``: each sequence writes the rolling code (``_rolling.pxd``) of
  every complete window into its own slice of the (over-allocated) CSR
  ``indices`` array, sorts the slice (a bucket pass into a per-thread scratch
  row, its histogram taken while the codes are written, then one insertion
  sort; ``_sort.pxd``) and run-length encodes it into (column, count) pairs;
  no dense row is ever built. ``csr_compact`` then closes the gaps.
* hashed rows (``csr_rows`` with ``n_features``; feature hashing, scikit-learn's
  ``HashingVectorizer`` answer for a column space too large to hold): each
  window's code is hashed to a column and a sign by a fixed function of the
  code alone, so results never depend on partitioning, threads or platform::

      h      = splitmix64(code)  (z = code + 0x9E3779B97F4A7C15 mod 2**64,
                                  then the splitmix64 finaliser, ``mix64``)
      column = (h & (2**63 - 1)) % n_features
      sign   = -1 if h >> 63 else +1  (+1 for every window without alternate_sign)

  The row's keys ``column * 2 + (sign < 0)`` go to a per-worker scratch row,
  are sorted, and each column's signs are summed into the row's slots;
  columns whose sum is zero are left out (no explicit zeros). ``hash_codes``
  gives the column and sign of given codes (a long row counted by the
  spectrum counter; tests).
* ``canonical_rank`` / ``canonical_unrank``: the position of a canonical
  k-mer among all canonical k-mers in lexicographic order (the compact
  canonical column, ``_canonical.pxd``), O(k) per code, and back.

Codes are the k-mer read as a base-A number, first symbol most significant,
the same column index the dense kernel uses. Whole-batch spectra are in
``_spectrum.pyx``.
"""
from libc.stdint cimport uint8_t, int8_t, int16_t, int32_t, int64_t, uint64_t
from libc.stdlib cimport malloc, calloc, free
from libc.string cimport memmove, memset

from deepbiop._kernels._canonical cimport (
    rank_tables, rank_init, canonical_rank_of, revcomp_of,
)
from deepbiop._kernels._common cimport KIND_I32, KIND_F32, KIND_F64, kind_of, mix64
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
    STATUS_NOMEM = -2

cdef uint64_t _GOLDEN = 0x9E3779B97F4A7C15ULL
cdef uint64_t _LOW63 = 0x7FFFFFFFFFFFFFFFULL


cdef inline int64_t _hash_key(uint64_t code, uint64_t n_features,
                              bint alternate_sign) noexcept nogil:
    """``column * 2 + (sign < 0)`` of a k-mer code (the module docstring's hash)."""
    cdef uint64_t h = mix64(code + _GOLDEN)
    cdef uint64_t col = (h & _LOW63) % n_features
    cdef uint64_t neg = (h >> 63) if alternate_sign else 0
    return <int64_t> ((col << 1) | neg)


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
                                   int shift, uint64_t n_features,
                                   bint alternate_sign) noexcept nogil:
    """The loop of ``_row_codes``. Called with A == 4 as the constant 4 (and
    ``n_features`` as the constant 0 for codes), so each case gets a loop of
    its own."""
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
            if n_features != 0:
                idx = <uint64_t> _hash_key(idx, n_features, alternate_sign)
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
        return _roll_codes(s, n, k, A, codes, False, mode, dst, status, hist, shift, 0, False)
    if canonical:
        return _roll_codes(s, n, k, 4, codes, True, mode, dst, status, hist, shift, 0, False)
    return _roll_codes(s, n, k, 4, codes, False, mode, dst, status, hist, shift, 0, False)


cdef inline Py_ssize_t _row_keys(const uint8_t* s, Py_ssize_t n, int k, int A,
                                 const int16_t* codes, bint canonical, int mode,
                                 uint64_t n_features, bint alternate_sign,
                                 int64_t* dst, int64_t* status) noexcept nogil:
    """``_row_codes`` writing each window's hash key instead of its code.

    Preconditions (checked by the caller): as ``_row_codes``; ``n_features >= 1``.
    """
    if A != 4:
        return _roll_codes(s, n, k, A, codes, False, mode, dst, status, NULL, 0,
                           n_features, alternate_sign)
    if canonical:
        return _roll_codes(s, n, k, 4, codes, True, mode, dst, status, NULL, 0,
                           n_features, alternate_sign)
    return _roll_codes(s, n, k, 4, codes, False, mode, dst, status, NULL, 0,
                       n_features, alternate_sign)


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
    uint64_t n_features  # 0: exact codes; else hashed columns
    bint alternate_sign
    const rank_tables* T
    void* ip          # idx_t indices and count_t data, of the types
    void* dp          # idx_kind and count_kind say (KIND_*)
    int idx_kind, count_kind
    Py_ssize_t max_w
    int n_workers
    # per-worker scratch (max_w + 1 keys of 8 bytes: bucket sort, hash keys)
    # and bucket counters, allocated by each worker on first use; NULL: introsort
    void** tmp
    int32_t** cnt


cdef inline void _hashed_row(const _csr_job* c, Py_ssize_t i, idx_t* ip, count_t* dp,
                             int64_t* keys) noexcept nogil:
    """Row i of ``csr_rows`` with ``n_features``: its window keys in ``keys``
    (NULL: no scratch, ``status[i] = STATUS_NOMEM``)."""
    cdef Py_ssize_t off = c.starts[i], m, t = 0, u = 0
    cdef int64_t col, v
    cdef const uint8_t* s = <const uint8_t*> <size_t> c.ptrs[i]
    if keys == NULL:
        c.status[i] = STATUS_NOMEM
        return
    # also rows shorter than k: they write nothing but are checked
    m = _row_keys(s, c.lens[i], c.k, c.A, c.cp, c.canonical, c.mode, c.n_features,
                  c.alternate_sign, keys, &c.status[i])
    if m < 32:
        insertion_sort(keys, m)
    else:
        sort_keys(keys, m)
    # the signs of each column's run of keys, summed in int64 and converted to
    # count_t once, into the row's own slots
    while t < m:
        col = keys[t] >> 1
        v = 0
        while t < m and (keys[t] >> 1) == col:
            v += 1 - 2 * (keys[t] & 1)
            t += 1
        if v != 0:
            ip[off + u] = <idx_t> col
            dp[off + u] = <count_t> v
            u += 1
    c.nnz[i] = u


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
        tmp = <idx_t*> malloc((c.max_w + 1) * sizeof(int64_t))
        c.tmp[worker] = <void*> tmp
    if c.n_features != 0:
        for i in range(lo, hi):
            _hashed_row(c, i, ip, dp, <int64_t*> tmp)
        return
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
             int mode, uint64_t n_features, bint alternate_sign,
             const int64_t[::1] starts, idx_t[::1] indices,
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
    With ``n_features`` (not 0) the columns are the hashed ones (module
    docstring) and the values their sums of signs (counts without
    ``alternate_sign``), zero sums left out; ``status[i]`` is then
    ``STATUS_NOMEM`` (-2) for a row whose worker had no scratch memory.

    Preconditions (checked by the caller)
    -------------------------------------
    ``starts`` is the exclusive cumulative sum of ``max(0, lens - k + 1)`` and
    ``indices``/``data`` hold at least its total; ``len(lens) == len(nnz) ==
    len(status) == len(starts) == len(ptrs)``; ``1 <= k``; ``A**k`` fits in
    63 bits and every column fits ``idx_t`` (with ``n_features``: every column
    below it); ``compact`` not with ``n_features``; ``canonical`` and ``compact`` only
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
    job.n_features = n_features
    job.alternate_sign = alternate_sign
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


def hash_codes(const uint64_t[::1] codes, uint64_t n_features, bint alternate_sign,
               int64_t[::1] columns, int8_t[::1] signs):
    """The hashed column and the sign (+1 or -1) of each k-mer code (module
    docstring).

    Preconditions (checked by the caller)
    -------------------------------------
    ``1 <= n_features``; ``columns`` and ``signs`` have the length of ``codes``.
    """
    cdef Py_ssize_t i, n = codes.shape[0]
    cdef int64_t key
    with nogil:
        for i in range(n):
            key = _hash_key(codes[i], n_features, alternate_sign)
            columns[i] = key >> 1
            signs[i] = <int8_t> (1 - 2 * (key & 1))
