"""The guts of KmerEncoder(n_features=...): hashed k-mer counts (feature hashing).

Every complete window's code (``_rolling.pxd``; canonical when asked) is
hashed to a column and a sign, the scikit-learn ``HashingVectorizer`` answer
for a column space too large to hold: a fixed number of columns chosen by the
user, the same in every batch and partition without a fit. The hash is a fixed
function of the code alone (so results never depend on partitioning, threads
or platform):

    h      = splitmix64(code)   (z = code + 0x9E3779B97F4A7C15 mod 2**64,
                                 then the splitmix64 finaliser, ``mix64``)
    column = (h & (2**63 - 1)) % n_features
    sign   = -1 if h >> 63 else +1   (+1 for every window without alternate_sign)

so the column and the sign use disjoint bits. A row's entry in a column is the
sum of the signs of its windows hashed there; entries that sum to zero are
dropped (no explicit zeros).

* ``hashed_rows``: each sequence writes the key ``column * 2 + (sign < 0)``
  of every window into a per-worker scratch row, sorts it (``_sort.pxd``) and
  sums the signs of each column into its own slice of the CSR arrays;
  ``_kmer_sparse.csr_compact`` then closes the gaps.
* ``hash_codes``: the column and sign of given codes (what the rows above
  compute per window), for codes counted elsewhere (the spectrum counter, for
  one very long row) and for tests.
"""
from libc.stdint cimport uint8_t, int8_t, int16_t, int32_t, int64_t, uint64_t
from libc.stdlib cimport malloc, calloc, free

from deepbiop._kernels._common cimport KIND_I32, KIND_F32, KIND_F64, kind_of, mix64
from deepbiop._kernels._pool cimport parallel_for, grain_for
from deepbiop._kernels._rolling cimport kmer_roll, roll_init, roll_push, roll_full, roll_code
from deepbiop._kernels._sort cimport insertion_sort, sort_keys

ctypedef fused idx_t:
    int32_t
    int64_t

ctypedef fused count_t:
    float
    double
    int32_t
    int64_t

cdef enum:
    MODE_ERROR = 1

cdef uint64_t _GOLDEN = 0x9E3779B97F4A7C15ULL
cdef uint64_t _LOW63 = 0x7FFFFFFFFFFFFFFFULL


cdef inline int64_t _key(uint64_t code, uint64_t n_features, bint alternate_sign) noexcept nogil:
    """``column * 2 + (sign < 0)`` of a k-mer code (the module docstring's hash)."""
    cdef uint64_t h = mix64(code + _GOLDEN)
    cdef uint64_t col = (h & _LOW63) % n_features
    cdef uint64_t neg = (h >> 63) if alternate_sign else 0
    return <int64_t> ((col << 1) | neg)


cdef inline Py_ssize_t _roll_keys(const uint8_t* s, Py_ssize_t n, int k, int A,
                                  const int16_t* codes, bint canonical, int mode,
                                  uint64_t n_features, bint alternate_sign,
                                  int64_t* dst, int64_t* status) noexcept nogil:
    """The loop of ``_row_keys``. Called with A == 4 as the constant 4, so
    each case gets a loop of its own."""
    cdef kmer_roll r
    cdef Py_ssize_t p, m = 0
    roll_init(&r, codes, k, A, 0)
    for p in range(n):
        if roll_push(&r, s, p, A, canonical) < 0 and mode == MODE_ERROR:
            status[0] = p
            return 0
        if roll_full(&r, p, A):
            dst[m] = _key(roll_code(&r, A, canonical), n_features, alternate_sign)
            m += 1
    return m


cdef inline Py_ssize_t _row_keys(const uint8_t* s, Py_ssize_t n, int k, int A,
                                 const int16_t* codes, bint canonical, int mode,
                                 uint64_t n_features, bint alternate_sign,
                                 int64_t* dst, int64_t* status) noexcept nogil:
    """Write the key of every complete window of one sequence to ``dst``;
    return how many. Windows holding a byte with code -1 are skipped (``mode
    == 0``) or stop the row with its position in ``status`` (``mode == 1``).

    Preconditions (checked by the caller): as ``hashed_rows``; ``dst`` has
    room for ``max(0, n - k + 1)`` keys.
    """
    if A != 4:
        return _roll_keys(s, n, k, A, codes, False, mode, n_features, alternate_sign,
                          dst, status)
    if canonical:
        return _roll_keys(s, n, k, 4, codes, True, mode, n_features, alternate_sign,
                          dst, status)
    return _roll_keys(s, n, k, 4, codes, False, mode, n_features, alternate_sign,
                      dst, status)


cdef struct _hash_job:
    # see ``hashed_rows``
    const int64_t* ptrs
    const int64_t* lens
    const int64_t* starts
    int64_t* nnz
    int64_t* status
    const int16_t* cp
    int k, A
    bint canonical, alternate_sign
    int mode
    uint64_t n_features
    void* ip          # idx_t indices and count_t data, of the types
    void* dp          # idx_kind and count_kind say (KIND_*)
    int idx_kind, count_kind
    Py_ssize_t max_w
    # per-worker key scratch (max_w + 1 keys), allocated by each worker on first use
    int64_t** tmp


cdef inline void _hash_row(const _hash_job* c, Py_ssize_t i, idx_t* ip, count_t* dp,
                           int64_t* keys) noexcept nogil:
    """Row i of ``hashed_rows``, its keys in ``keys``."""
    cdef Py_ssize_t off = c.starts[i], m, t = 0, u = 0
    cdef int64_t col, v
    cdef const uint8_t* s = <const uint8_t*> <size_t> c.ptrs[i]
    # also rows shorter than k: they write nothing but are checked
    m = _row_keys(s, c.lens[i], c.k, c.A, c.cp, c.canonical, c.mode, c.n_features,
                  c.alternate_sign, keys, &c.status[i])
    if m < 32:
        insertion_sort(keys, m)
    else:
        sort_keys(keys, m)
    # sum the signs of each column's run of keys into the row's own slots; a
    # sum is taken in int64 and converted to count_t once
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


cdef inline void _hash_rows_of(const _hash_job* c, idx_t* ip, count_t* dp, int64_t lo,
                               int64_t hi, int worker) noexcept nogil:
    cdef Py_ssize_t i
    cdef int64_t* keys = c.tmp[worker]
    if keys == NULL:  # first chunk of this worker: its scratch
        keys = <int64_t*> malloc((c.max_w + 1) * sizeof(int64_t))
        c.tmp[worker] = keys
        if keys == NULL:
            for i in range(lo, hi):
                c.status[i] = -2  # STATUS_NOMEM: the caller raises MemoryError
            return
    for i in range(lo, hi):
        _hash_row(c, i, ip, dp, keys)


cdef inline void _hash_rows_idx(const _hash_job* c, idx_t* ip, int64_t lo, int64_t hi,
                                int worker) noexcept nogil:
    if c.count_kind == KIND_F32:
        _hash_rows_of(c, ip, <float*> c.dp, lo, hi, worker)
    elif c.count_kind == KIND_F64:
        _hash_rows_of(c, ip, <double*> c.dp, lo, hi, worker)
    elif c.count_kind == KIND_I32:
        _hash_rows_of(c, ip, <int32_t*> c.dp, lo, hi, worker)
    else:
        _hash_rows_of(c, ip, <int64_t*> c.dp, lo, hi, worker)


cdef void _hash_chunk(void* ctx, int64_t lo, int64_t hi, int worker) noexcept nogil:
    cdef const _hash_job* c = <const _hash_job*> ctx
    if c.idx_kind == KIND_I32:
        _hash_rows_idx(c, <int32_t*> c.ip, lo, hi, worker)
    else:
        _hash_rows_idx(c, <int64_t*> c.ip, lo, hi, worker)


def hashed_rows(const int64_t[::1] ptrs, const int64_t[::1] lens,
                const int16_t[::1] codes, int k, int A, bint canonical, int mode,
                uint64_t n_features, bint alternate_sign, const int64_t[::1] starts,
                idx_t[::1] indices, count_t[::1] data, int64_t[::1] nnz,
                int64_t[::1] status, int n_threads):
    """Build the hashed CSR rows of a packed batch, each in its own slice.

    Row ``i`` owns ``indices[starts[i]:starts[i] + max(0, lens[i] - k + 1)]``
    and the same slots of ``data`` (one per window). It keeps its columns,
    ascending, in ``indices[starts[i]:starts[i] + nnz[i]]`` and their sums of
    signs (counts without ``alternate_sign``) in ``data``; columns whose sum
    is zero are left out. ``status[i]``: -1, the position of the first byte
    outside the alphabet (``mode == 1``), or -2 when a worker's scratch row
    could not be allocated.

    Preconditions (checked by the caller)
    -------------------------------------
    ``starts`` is the exclusive cumulative sum of ``max(0, lens - k + 1)`` and
    ``indices``/``data`` hold at least its total; ``len(lens) == len(nnz) ==
    len(status) == len(starts) == len(ptrs)``; ``1 <= k``; ``A**k`` fits in
    63 bits; ``1 <= n_features`` and every column (< ``n_features``) fits
    ``idx_t``; ``canonical`` only with ``A == 4``, and then ``codes`` holds
    260 entries, ``codes[256 + c]`` the complement of code c (an involution of
    0..3); ``status`` preset to -1.
    """
    cdef Py_ssize_t B = ptrs.shape[0], i
    cdef Py_ssize_t max_w = 0
    cdef int j, n_workers = n_threads if n_threads > 1 else 1
    if B == 0:
        return
    for i in range(B):
        if lens[i] - k + 1 > max_w:
            max_w = lens[i] - k + 1
    cdef idx_t* ip = &indices[0] if indices.shape[0] else NULL
    cdef count_t* dp = &data[0] if data.shape[0] else NULL
    cdef _hash_job job
    job.ptrs = &ptrs[0]
    job.lens = &lens[0]
    job.starts = &starts[0]
    job.nnz = &nnz[0]
    job.status = &status[0]
    job.cp = &codes[0]
    job.k = k
    job.A = A
    job.canonical = canonical
    job.alternate_sign = alternate_sign
    job.mode = mode
    job.n_features = n_features
    job.ip = <void*> ip
    job.dp = <void*> dp
    job.idx_kind = kind_of(ip)
    job.count_kind = kind_of(dp)
    job.max_w = max_w
    cdef int64_t total = 0
    for i in range(B):
        total += lens[i]
    job.tmp = <int64_t**> calloc(n_workers, sizeof(int64_t*))
    if job.tmp == NULL:
        raise MemoryError("hashed_rows: no memory for per-thread tables")
    with nogil:
        parallel_for(B, grain_for(B, total, n_threads), n_workers, total, _hash_chunk, &job)
        for j in range(n_workers):
            free(job.tmp[j])
    free(job.tmp)


def hash_codes(const uint64_t[::1] codes, uint64_t n_features, bint alternate_sign,
               int64_t[::1] columns, int8_t[::1] signs):
    """The column and the sign (+1 or -1) of each k-mer code, by the hash of
    the module docstring.

    Preconditions (checked by the caller)
    -------------------------------------
    ``1 <= n_features``; ``columns`` and ``signs`` have the length of ``codes``.
    """
    cdef Py_ssize_t i, n = codes.shape[0]
    cdef int64_t key
    with nogil:
        for i in range(n):
            key = _key(codes[i], n_features, alternate_sign)
            columns[i] = key >> 1
            signs[i] = <int8_t> (1 - 2 * (key & 1))
