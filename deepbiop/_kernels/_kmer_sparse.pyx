"""The guts of sparse k-mer counting and whole-batch k-mer spectra.

* ``csr_rows``: each sequence writes the rolling index of every valid window
  into its own slice of the (over-allocated) CSR ``indices`` array, sorts the
  slice (a bucket pass into a per-thread scratch row, its histogram taken
  while the codes are written, then one insertion sort) and run-length
  encodes it into (column, count) pairs; no dense row is ever built.
  ``csr_compact`` then closes the gaps.
* ``canonical_rank``: the position of a canonical k-mer among all canonical
  k-mers in lexicographic order (the compact canonical column), O(k) per code.
* ``collect_codes`` + ``count_codes`` + ``merge_counts``: the spectrum counter.
  All window codes of a chunk are written to one array, partitioned into
  buckets by their top bits, each bucket sorted and run-length encoded in
  parallel, and the sorted (code, count) runs merged.

Codes are the k-mer read as a base-A number, first symbol most significant,
the same column index the dense kernel uses.
"""
from libc.stdint cimport uint8_t, int16_t, int32_t, int64_t, uint64_t
from libc.stdlib cimport malloc, calloc, free
from libc.string cimport memmove, memset

from deepbiop._kernels._pool cimport parallel_for, grain_for

ctypedef fused idx_t:
    int32_t
    int64_t

ctypedef fused count_t:
    float
    double
    int32_t
    int64_t

ctypedef fused key_t:
    int32_t
    int64_t
    uint64_t

cdef enum:
    MODE_SKIP = 0
    MODE_ERROR = 1

#: Code of a window that holds a character outside the alphabet (spectrum only).
SKIPPED = 0xFFFFFFFFFFFFFFFF
cdef uint64_t _SKIPPED = 0xFFFFFFFFFFFFFFFFULL


# ---------------------------------------------------------------- sorting ----
cdef inline void _insertion_sort(key_t* a, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i, j
    cdef key_t v
    for i in range(1, n):
        v = a[i]
        j = i - 1
        while j >= 0 and a[j] > v:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = v


cdef inline void _sift_down(key_t* a, Py_ssize_t root, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t child
    cdef key_t t
    while True:
        child = 2 * root + 1
        if child >= n:
            return
        if child + 1 < n and a[child] < a[child + 1]:
            child += 1
        if not (a[root] < a[child]):
            return
        t = a[root]
        a[root] = a[child]
        a[child] = t
        root = child


cdef void _heapsort(key_t* a, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t start, end
    cdef key_t t
    for start in range(n // 2 - 1, -1, -1):
        _sift_down(a, start, n)
    for end in range(n - 1, 0, -1):
        t = a[0]
        a[0] = a[end]
        a[end] = t
        _sift_down(a, 0, end)


cdef void _introsort(key_t* a, Py_ssize_t n, int depth) noexcept nogil:
    """Quicksort (median of three, Hoare partition) falling back to heapsort
    after ``depth`` levels and to insertion sort below 24 elements."""
    cdef Py_ssize_t i, j, mid
    cdef key_t pivot, t
    while n > 24:
        if depth == 0:
            _heapsort(a, n)
            return
        depth -= 1
        mid = (n - 1) >> 1
        if a[mid] < a[0]:
            t = a[mid]; a[mid] = a[0]; a[0] = t
        if a[n - 1] < a[0]:
            t = a[n - 1]; a[n - 1] = a[0]; a[0] = t
        if a[n - 1] < a[mid]:
            t = a[n - 1]; a[n - 1] = a[mid]; a[mid] = t
        pivot = a[mid]
        i = -1
        j = n
        while True:
            i += 1
            while a[i] < pivot:
                i += 1
            j -= 1
            while pivot < a[j]:
                j -= 1
            if i >= j:
                break
            t = a[i]; a[i] = a[j]; a[j] = t
        # a[0..j] <= pivot <= a[j+1..n-1]; recurse into the smaller side
        if j + 1 < n - j - 1:
            _introsort(a, j + 1, depth)
            a = a + j + 1
            n = n - j - 1
        else:
            _introsort(a + j + 1, n - j - 1, depth)
            n = j + 1
    _insertion_sort(a, n)


cdef inline void _sort(key_t* a, Py_ssize_t n) noexcept nogil:
    cdef int depth = 0
    cdef Py_ssize_t m = n
    while m > 1:
        depth += 2
        m >>= 1
    _introsort(a, n, depth)


cdef inline int _bucket_bits(Py_ssize_t n, int key_bits) noexcept nogil:
    """log2 of the bucket count for sorting n keys: n/2 to n buckets, 2..4096."""
    cdef int b = 1
    while (<Py_ssize_t> 2 << b) < n and b < 12 and b < key_bits:
        b += 1
    return b


cdef key_t* _bucket_finish(key_t* a, Py_ssize_t n, Py_ssize_t nb, int shift,
                           key_t* tmp, int32_t* cnt) noexcept nogil:
    """Finish sorting the non-negative keys ``a[0..n)``; return where the
    sorted keys are (``tmp``).

    ``cnt`` holds the bucket histogram, taken while the keys were written:
    bucket ``(key >> shift) & (nb - 1)``, count of bucket j in ``cnt[j + 1]``,
    ``cnt[0] == 0``; the bits above the bucket bits are equal for all keys.

    The keys are scattered into ``tmp`` bucket by bucket; they are then in
    order except inside buckets (one or two keys each), which one insertion sort
    over the whole row finishes: keys never leave their bucket, so it costs n
    plus the few in-bucket inversions. Branch-light, several times faster than
    quicksort on short rows. When a bucket holds more than 32 keys (skewed
    rows: poly-A, repeats) each bucket gets introsort instead.
    """
    cdef Py_ssize_t i, j, lo, hi, big = 0
    cdef uint64_t bkt
    for j in range(nb):
        if cnt[j + 1] > big:
            big = cnt[j + 1]
        cnt[j + 1] += cnt[j]
    for i in range(n):
        bkt = ((<uint64_t> a[i]) >> shift) & <uint64_t> (nb - 1)
        tmp[cnt[bkt]] = a[i]
        cnt[bkt] += 1
    if big <= 32:
        _insertion_sort(tmp, n)
        return tmp
    lo = 0
    for j in range(nb):
        hi = cnt[j]
        if hi - lo > 1:
            _sort(tmp + lo, hi - lo)
        lo = hi
    return tmp


# ------------------------------------------------------ canonical columns ----
cdef inline int _digit(uint64_t c, int k, int p) noexcept nogil:
    return <int> ((c >> (2 * (k - 1 - p))) & 3)


cdef struct rank_tables:
    # the complement of codes 0..3 (an involution)
    int16_t comp[4]
    # F[p] (p < k // 2): canonical completions of a prefix whose first free
    # pair is p + 1, summed over that pair's outcomes
    uint64_t F[16]
    # odd k, middle code x: canonical middles below x; x itself canonical
    uint8_t mid_below[4]
    uint8_t mid_ok[4]
    # a pair (xq, xp) of a left code and a right code, at [4 * xq + xp]:
    # right codes v < xp that make the pair "less" (xq < comp[v]);
    # 1 if the "equal" right code comp[xq] is below xp;
    # 1 if (xq, xp) is "less" (the k-mer is canonical whatever lies inside);
    # 1 if (xq, xp) is "equal" (the inside decides)
    uint8_t less_below[16]
    uint8_t eq_below[16]
    uint8_t is_less[16]
    uint8_t is_eq[16]


cdef void _rank_init(int k, const int16_t* comp, rank_tables* T) noexcept nogil:
    """Fill the tables ``_canonical_rank`` reads for k-mers of length k and
    the complement ``comp`` (4 entries, an involution of 0..3).

    A free pair (a, b) is "less" (a < comp[b]) for 6 of its 16 values whatever
    the involution; a free middle symbol m is canonical when m <= comp[m] (2
    of 4 for ACGT, more when ``comp`` has fixed points)."""
    cdef int h = k // 2, odd = k & 1, p, j, x, xq, xp, v
    cdef uint64_t M = 4 if odd else 1, s, mid = 0
    for x in range(4):
        T.comp[x] = comp[x]
    for x in range(4):
        T.mid_below[x] = <uint8_t> mid
        T.mid_ok[x] = 1 if x <= comp[x] else 0
        mid += T.mid_ok[x]
    for xq in range(4):
        for xp in range(4):
            j = 4 * xq + xp
            T.less_below[j] = 0
            for v in range(xp):
                if xq < comp[v]:
                    T.less_below[j] += 1
            T.eq_below[j] = 1 if comp[xq] < xp else 0
            T.is_less[j] = 1 if xq < comp[xp] else 0
            T.is_eq[j] = 1 if xq == comp[xp] else 0
    for p in range(h):
        s = 0
        for j in range(p + 1, h):
            s += (<uint64_t> 6) << (2 * (j - p - 1) + 4 * (h - 1 - j))
        T.F[p] = M * s + ((mid if odd else 1) << (2 * (h - 1 - p)))


cdef inline uint64_t _canonical_rank(uint64_t c, int k,
                                     const rank_tables* T) noexcept nogil:
    """Number of canonical k-mers (x <= revcomp(x)) lexicographically below ``c``.

    With ``comp`` the complement of each code (an involution; 3 - c for ACGT),
    a k-mer x is canonical iff, scanning the position pairs (j, k-1-j) from
    the outside in, the first pair with x[j] != comp[x[k-1-j]] has x[j] <
    comp[x[k-1-j]] (no such pair: for odd k the middle code m decides,
    canonical iff m <= comp[m]; for even k a palindrome, canonical).
    Counting the k-mers below ``c`` digit by digit then has a closed form per
    digit, so the rank costs O(k). ``T`` comes from ``_rank_init`` with this k.
    """
    cdef int h = k // 2, odd = k & 1, p, q, x, j, J = 1
    cdef uint64_t M = 4 if odd else 1, r = 0, S = 0, Sq, ux
    for p in range(h):
        x = _digit(c, k, p)
        ux = <uint64_t> x
        r += ((4 * S * ux + 3 * ux - (ux * (ux - 1)) // 2) << (4 * (h - 1 - p))) * M
        r += ux * T.F[p]
        # 3 - x right symbols make the pair (x, .) "less", whatever comp is
        S = 4 * S + <uint64_t> (3 - x)
    if odd:
        x = _digit(c, k, h)
        r += <uint64_t> x * S + T.mid_below[x]
        J = T.mid_ok[x]
    for q in range(h - 1, -1, -1):
        x = _digit(c, k, k - 1 - q)
        j = 4 * _digit(c, k, q) + x
        Sq = (((<uint64_t> 1) << (2 * q)) - 1) - (c >> (2 * (k - q)))
        r += <uint64_t> x * Sq + T.less_below[j] + (T.eq_below[j] & J)
        J = T.is_less[j] | (T.is_eq[j] & J)
    return r


cdef inline uint64_t _revcomp(uint64_t c, int k, const int16_t* comp) noexcept nogil:
    cdef uint64_t r = 0
    cdef int i
    for i in range(k):  # no-cython-lint: k steps; an untyped `_` would not be a C int
        r = (r << 2) | <uint64_t> comp[c & 3]
        c >>= 2
    return r


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
    _rank_init(k, &comp[0], &T)
    with nogil:
        for i in range(n):
            out[i] = _canonical_rank(codes[i], k, &T)


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
    _rank_init(k, &comp[0], &T)
    with nogil:
        for i in range(n):
            r = ranks[i]
            # smallest c with rank(c) + [c canonical] > r
            lo = 0
            hi = ((<uint64_t> 1) << (2 * k)) - 1
            while lo < hi:
                mid = lo + (hi - lo) // 2
                if (_canonical_rank(mid, k, &T)
                        + (1 if mid <= _revcomp(mid, k, T.comp) else 0) > r):
                    hi = mid
                else:
                    lo = mid + 1
            out[i] = lo


# ------------------------------------------------------------- CSR rows ------
cdef inline Py_ssize_t _row_codes(const uint8_t* s, Py_ssize_t n, int k, int A,
                                  uint64_t n_codes, const int16_t* codes,
                                  bint canonical, int mode, key_t* dst,
                                  int64_t* status, int32_t* hist,
                                  int shift) noexcept nogil:
    """Write the index of every valid window of one sequence to ``dst``; return
    how many. Windows holding a byte with code -1 are skipped (``mode == 0``)
    or stop the row with its position in ``status`` (``mode == 1``). With
    ``hist``, also count each index in ``hist[(index >> shift) + 1]`` (the
    bucket histogram of ``_bucket_finish``). With ``canonical`` (A == 4), the
    complement of code c is ``codes[256 + c]``."""
    cdef Py_ssize_t p, m = 0, last_bad = -1
    cdef int c, run = 0
    cdef uint64_t fwd = 0, rev = 0, idx
    cdef uint64_t top = <uint64_t> 2 * <uint64_t> (k - 1)
    cdef uint64_t mask = n_codes - 1
    cdef uint64_t lead = n_codes // <uint64_t> A   # A**(k-1)
    cdef const int16_t* comp = codes + 256
    if A == 4:
        # loop-carried work per base: fwd * 4 + code (one LEA, masked where
        # used); a window is complete k bases after the last invalid one
        for p in range(n):
            c = codes[s[p]]
            if c < 0:
                if mode == MODE_ERROR:
                    status[0] = p
                    return 0
                last_bad = p
                continue
            fwd = fwd * 4 + <uint64_t> c
            if canonical:
                rev = (rev >> 2) | (<uint64_t> comp[c] << top)
            if p - last_bad >= k:
                idx = fwd & mask
                if canonical and rev < idx:
                    idx = rev
                dst[m] = <key_t> idx
                m += 1
                if hist != NULL:
                    hist[(idx >> shift) + 1] += 1
    else:
        for p in range(n):
            c = codes[s[p]]
            if c < 0:
                if mode == MODE_ERROR:
                    status[0] = p
                    return 0
                run = 0
                continue
            fwd = (fwd % lead) * <uint64_t> A + <uint64_t> c
            run += 1
            if run >= k:
                dst[m] = <key_t> fwd
                m += 1
                if hist != NULL:
                    hist[(fwd >> shift) + 1] += 1
    return m


cdef struct _csr_job:
    # see ``csr_rows``
    const int64_t* ptrs
    const int64_t* lens
    const int64_t* starts
    int64_t* nnz
    int64_t* status
    const int16_t* cp
    int k, A
    uint64_t n_codes
    int key_bits
    bint canonical, compact
    int mode
    const rank_tables* T
    void* ip          # idx_t indices and count_t data, as ``kind`` says:
    void* dp          # kind = 4 * (idx_t is int64) + index of count_t
    int kind
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
        b = _bucket_bits(nw, c.key_bits)
        memset(cnt, 0, (((<Py_ssize_t> 1) << b) + 1) * sizeof(int32_t))
        m = _row_codes(s, c.lens[i], c.k, c.A, c.n_codes, c.cp, c.canonical, c.mode,
                       ip + off, &c.status[i], cnt, c.key_bits - b)
        srt = _bucket_finish(ip + off, m, (<Py_ssize_t> 1) << b, c.key_bits - b, tmp, cnt)
    else:
        # also rows shorter than k: they write nothing but are checked
        m = _row_codes(s, c.lens[i], c.k, c.A, c.n_codes, c.cp, c.canonical, c.mode,
                       ip + off, &c.status[i], NULL, 0)
        if m < 32:
            _insertion_sort(ip + off, m)
        else:
            _sort(ip + off, m)
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
            ip[off + t] = <idx_t> _canonical_rank(<uint64_t> ip[off + t], c.k, c.T)
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


cdef void _csr_chunk(void* ctx, int64_t lo, int64_t hi, int worker) noexcept nogil:
    cdef const _csr_job* c = <const _csr_job*> ctx
    if c.kind == 0:
        _csr_rows_of(c, <int32_t*> c.ip, <float*> c.dp, lo, hi, worker)
    elif c.kind == 1:
        _csr_rows_of(c, <int32_t*> c.ip, <double*> c.dp, lo, hi, worker)
    elif c.kind == 2:
        _csr_rows_of(c, <int32_t*> c.ip, <int32_t*> c.dp, lo, hi, worker)
    elif c.kind == 3:
        _csr_rows_of(c, <int32_t*> c.ip, <int64_t*> c.dp, lo, hi, worker)
    elif c.kind == 4:
        _csr_rows_of(c, <int64_t*> c.ip, <float*> c.dp, lo, hi, worker)
    elif c.kind == 5:
        _csr_rows_of(c, <int64_t*> c.ip, <double*> c.dp, lo, hi, worker)
    elif c.kind == 6:
        _csr_rows_of(c, <int64_t*> c.ip, <int32_t*> c.dp, lo, hi, worker)
    else:
        _csr_rows_of(c, <int64_t*> c.ip, <int64_t*> c.dp, lo, hi, worker)


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
        _rank_init(k, cp + 256, &T)
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
    job.n_codes = n_codes
    job.key_bits = key_bits
    job.canonical = canonical
    job.compact = compact
    job.mode = mode
    job.T = &T
    job.ip = <void*> ip
    job.dp = <void*> dp
    job.kind = 0
    if idx_t is int64_t:
        job.kind = 4
    if count_t is double:
        job.kind += 1
    elif count_t is int32_t:
        job.kind += 2
    elif count_t is int64_t:
        job.kind += 3
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


# ------------------------------------------------------------- spectrum ------
cdef struct _collect_job:
    # see ``collect_codes``
    const int64_t* ptrs
    const int64_t* lens
    const int64_t* starts
    const int16_t* cp
    int k, A
    bint canonical
    uint64_t mask, lead
    uint64_t* op


cdef void _collect_chunk(void* ctx, int64_t lo, int64_t hi, int worker) noexcept nogil:
    cdef const _collect_job* cj = <const _collect_job*> ctx
    cdef Py_ssize_t i, p, n, base
    cdef const uint8_t* s
    cdef uint64_t fwd, rev, idx
    cdef uint64_t mask = cj.mask, lead = cj.lead
    cdef uint64_t top = <uint64_t> 2 * <uint64_t> (cj.k - 1)
    cdef int c, run
    cdef int k = cj.k, A = cj.A
    cdef bint canonical = cj.canonical
    cdef const int16_t* cp = cj.cp
    cdef const int16_t* comp = cp + 256
    cdef uint64_t* op = cj.op
    for i in range(lo, hi):
        n = cj.lens[i]
        if n < k:
            n = 0   # no window; the loop below does nothing
        s = <const uint8_t*> <size_t> cj.ptrs[i]
        # the window ending at p (p >= k - 1) goes to op[base + p]. An index,
        # not a pointer op + base: base is negative for the first row, and op
        # is NULL when no sequence has a window, and a pointer before an array
        # (or any offset from NULL) is undefined behaviour even if never read
        # through (UBSan: "applying non-zero offset ... to null pointer").
        base = cj.starts[i] - (k - 1)
        fwd = 0
        rev = 0
        run = 0
        for p in range(n):
            c = cp[s[p]]
            if c < 0:
                run = 0
                if p >= k - 1:
                    op[base + p] = _SKIPPED
                continue
            if A == 4:
                fwd = ((fwd << 2) | <uint64_t> c) & mask
                if canonical:
                    rev = (rev >> 2) | (<uint64_t> comp[c] << top)
            else:
                fwd = (fwd % lead) * <uint64_t> A + <uint64_t> c
            run = run + 1
            if p >= k - 1:
                if run >= k:
                    idx = fwd
                    if canonical and rev < fwd:
                        idx = rev
                    op[base + p] = idx
                else:
                    op[base + p] = _SKIPPED


def collect_codes(const int64_t[::1] ptrs, const int64_t[::1] lens,
                  const int16_t[::1] codes, int k, int A, bint canonical,
                  const int64_t[::1] starts, uint64_t[::1] out, int n_threads):
    """Write the code of every window of a packed batch to ``out``.

    Window ``w`` of sequence ``i`` goes to ``out[starts[i] + w]``; a window
    holding a byte outside the alphabet gets ``SKIPPED`` (2**64 - 1).

    Preconditions (checked by the caller)
    -------------------------------------
    ``starts`` is the exclusive cumulative sum of ``max(0, lens - k + 1)``,
    ``len(out)`` its total; ``1 <= k``; ``A**k`` fits in 63 bits;
    ``canonical`` only with ``A == 4``, and then ``codes`` holds 260 entries,
    ``codes[256 + c]`` the complement of code c (an involution of 0..3).
    """
    cdef Py_ssize_t B = ptrs.shape[0], i
    cdef uint64_t n_codes = 1
    cdef int j
    if B == 0:
        return
    for j in range(k):  # no-cython-lint: k steps; an untyped `_` would not be a C int
        n_codes *= <uint64_t> A
    cdef _collect_job job
    job.ptrs = &ptrs[0]
    job.lens = &lens[0]
    job.starts = &starts[0]
    job.cp = &codes[0]
    job.k = k
    job.A = A
    job.canonical = canonical
    job.mask = n_codes - 1
    job.lead = n_codes // <uint64_t> A
    job.op = &out[0] if out.shape[0] else NULL
    cdef int64_t total = 0
    for i in range(B):
        total += lens[i]
    with nogil:
        parallel_for(B, grain_for(B, total, n_threads), n_threads, total, _collect_chunk,
                     &job)


cdef struct _bucket_job:
    # see ``count_codes``
    uint64_t* kp
    uint64_t* sp
    int64_t* hist      # (blocks, n_buckets + 1)
    int64_t* bstart
    int64_t* bcount
    Py_ssize_t n, block, n_buckets, max_b
    int shift, n_workers
    uint64_t** tmp     # per-worker sort scratch (max_b + 1 keys), allocated
    int32_t** cnt      # by each worker on first use; NULL: introsort


cdef inline Py_ssize_t _block_end(const _bucket_job* c, Py_ssize_t t) noexcept nogil:
    """End of block t's codes (block t starts at t * block)."""
    return c.n if (t + 1) * c.block > c.n else (t + 1) * c.block


cdef void _histogram_chunk(void* ctx, int64_t lo, int64_t hi, int worker) noexcept nogil:
    cdef const _bucket_job* c = <const _bucket_job*> ctx
    cdef Py_ssize_t t, i, nb = c.n_buckets
    cdef int64_t* hrow
    cdef uint64_t key
    for t in range(lo, hi):
        hrow = c.hist + t * (nb + 1)
        for i in range(t * c.block, _block_end(c, t)):
            key = c.kp[i]
            if key == _SKIPPED:
                hrow[nb] += 1
            else:
                hrow[key >> c.shift] += 1


cdef void _scatter_chunk(void* ctx, int64_t lo, int64_t hi, int worker) noexcept nogil:
    cdef const _bucket_job* c = <const _bucket_job*> ctx
    cdef Py_ssize_t t, i, b, nb = c.n_buckets
    cdef int64_t* hrow
    cdef uint64_t key
    for t in range(lo, hi):
        hrow = c.hist + t * (nb + 1)
        for i in range(t * c.block, _block_end(c, t)):
            key = c.kp[i]
            if key == _SKIPPED:
                b = nb
            else:
                b = <Py_ssize_t> (key >> c.shift)
            c.sp[hrow[b]] = key
            hrow[b] += 1


cdef void _sort_chunk(void* ctx, int64_t lo_b, int64_t hi_b, int worker) noexcept nogil:
    cdef const _bucket_job* c = <const _bucket_job*> ctx
    cdef Py_ssize_t b, i, lo, hi, u
    cdef int b2, shift = c.shift
    cdef uint64_t* sp = c.sp
    cdef uint64_t* kp = c.kp
    cdef uint64_t* srt
    cdef uint64_t* tmp = c.tmp[worker]
    cdef int32_t* cnt = c.cnt[worker]
    if tmp == NULL:  # first chunk of this worker: its scratch
        tmp = <uint64_t*> malloc((c.max_b + 1) * sizeof(uint64_t))
        c.tmp[worker] = tmp
    if cnt == NULL:
        cnt = <int32_t*> malloc(4097 * sizeof(int32_t))
        c.cnt[worker] = cnt
    for b in range(lo_b, hi_b):
        lo = c.bstart[b]
        hi = c.bstart[b + 1]
        srt = sp + lo
        if shift == 0:
            pass  # every code of the bucket is the same
        elif tmp != NULL and cnt != NULL and hi - lo >= 32:
            b2 = _bucket_bits(hi - lo, shift)
            memset(cnt, 0, (((<Py_ssize_t> 1) << b2) + 1) * sizeof(int32_t))
            for i in range(lo, hi):
                cnt[((sp[i] >> (shift - b2)) & ((<uint64_t> 1 << b2) - 1)) + 1] += 1
            srt = _bucket_finish(sp + lo, hi - lo, (<Py_ssize_t> 1) << b2,
                                 shift - b2, tmp, cnt)
        else:
            _sort(sp + lo, hi - lo)
        u = 0
        for i in range(hi - lo):
            if u > 0 and srt[i] == sp[lo + u - 1]:
                kp[lo + u - 1] += 1
            else:
                sp[lo + u] = srt[i]
                kp[lo + u] = 1
                u = u + 1
        c.bcount[b] = u


def count_codes(uint64_t[::1] keys, uint64_t[::1] scratch, int key_bits,
                uint64_t[::1] out_keys, int64_t[::1] out_counts, int n_threads):
    """Sort and count the codes in ``keys``; return how many distinct codes.

    The distinct codes (ascending) go to ``out_keys[:n]`` and their counts to
    ``out_counts[:n]``; ``SKIPPED`` codes are dropped. ``keys`` and
    ``scratch`` are clobbered. Codes are spread into 2**b buckets by their top
    bits (one parallel scatter), then each bucket is sorted (a sub-bucket pass
    on the next bits and an insertion sort, in cache) and run-length encoded,
    in parallel.

    Preconditions (checked by the caller)
    -------------------------------------
    Every code but ``SKIPPED`` is < 2**key_bits (1 <= key_bits <= 63);
    ``len(scratch) >= len(keys)``; ``out_keys``/``out_counts`` hold
    ``len(keys)`` entries.
    """
    cdef Py_ssize_t n = keys.shape[0], i, t, b, pos, lo
    cdef int T = n_threads if n_threads > 0 else 1
    cdef int bits = 0, shift
    cdef Py_ssize_t n_buckets
    cdef Py_ssize_t block
    cdef int64_t* hist
    cdef int64_t* bstart
    cdef int64_t* bcount
    cdef int64_t acc
    cdef uint64_t key
    cdef uint64_t* kp
    cdef uint64_t* sp
    cdef Py_ssize_t max_b = 0
    if n == 0:
        return 0
    # ~4k codes per bucket (32 KiB: stays in L1/L2 while sorting), at most 2**16
    while bits < 16 and bits < key_bits and (n >> bits) > 4096:
        bits += 1
    n_buckets = (<Py_ssize_t> 1) << bits
    shift = key_bits - bits
    if T > n // 65536 + 1:
        T = <int> (n // 65536 + 1)
    block = (n + T - 1) // T
    hist = <int64_t*> calloc(T * (n_buckets + 1), sizeof(int64_t))
    bstart = <int64_t*> malloc((n_buckets + 1) * sizeof(int64_t))
    bcount = <int64_t*> malloc((n_buckets + 1) * sizeof(int64_t))
    if hist == NULL or bstart == NULL or bcount == NULL:
        free(hist); free(bstart); free(bcount)
        raise MemoryError("count_codes: cannot allocate bucket tables")
    kp = &keys[0]
    sp = &scratch[0]
    cdef _bucket_job job
    job.kp = kp
    job.sp = sp
    job.hist = hist
    job.bstart = bstart
    job.bcount = bcount
    job.n = n
    job.block = block
    job.n_buckets = n_buckets
    job.shift = shift
    job.n_workers = T
    with nogil:
        # 1. per-block histograms (bucket n_buckets collects SKIPPED codes);
        #    block t is one chunk, whichever thread runs it
        parallel_for(T, 1, T, n, _histogram_chunk, &job)
        # 2. scatter offsets: bucket-major, block-minor (stable, deterministic)
        acc = 0
        for b in range(n_buckets + 1):
            bstart[b] = acc
            for t in range(T):
                key = <uint64_t> hist[t * (n_buckets + 1) + b]
                hist[t * (n_buckets + 1) + b] = acc
                acc += <int64_t> key
        # 3. scatter
        parallel_for(T, 1, T, n, _scatter_chunk, &job)
        for b in range(n_buckets):
            if bstart[b + 1] - bstart[b] > max_b:
                max_b = bstart[b + 1] - bstart[b]
    # 4. sort each bucket (a sub-bucket pass on the next bits + insertion sort)
    #    and run-length encode it in place (counts into keys)
    job.max_b = max_b
    job.tmp = <uint64_t**> calloc(T, sizeof(uint64_t*))
    job.cnt = <int32_t**> calloc(T, sizeof(int32_t*))
    if job.tmp == NULL or job.cnt == NULL:
        free(job.tmp); free(job.cnt); free(hist); free(bstart); free(bcount)
        raise MemoryError("count_codes: cannot allocate per-thread tables")
    with nogil:
        parallel_for(n_buckets, grain_for(n_buckets, n * 8, T), T, n, _sort_chunk, &job)
        for t in range(T):
            free(job.tmp[t])
            free(job.cnt[t])
    free(job.tmp)
    free(job.cnt)
    with nogil:
        # 5. gather
        pos = 0
        for b in range(n_buckets):
            lo = bstart[b]
            for i in range(bcount[b]):
                out_keys[pos + i] = sp[lo + i]
                out_counts[pos + i] = <int64_t> kp[lo + i]
            pos += bcount[b]
    free(hist)
    free(bstart)
    free(bcount)
    return pos


def merge_counts(const uint64_t[::1] a_keys, const int64_t[::1] a_counts,
                 const uint64_t[::1] b_keys, const int64_t[::1] b_counts,
                 uint64_t[::1] out_keys, int64_t[::1] out_counts):
    """Merge two ascending (code, count) runs, adding counts of equal codes;
    return the merged length.

    Preconditions (checked by the caller)
    -------------------------------------
    Both runs strictly ascending; outputs hold ``len(a) + len(b)`` entries.
    """
    cdef Py_ssize_t na = a_keys.shape[0], nb = b_keys.shape[0]
    cdef Py_ssize_t i = 0, j = 0, m = 0
    with nogil:
        while i < na and j < nb:
            if a_keys[i] < b_keys[j]:
                out_keys[m] = a_keys[i]
                out_counts[m] = a_counts[i]
                i += 1
            elif b_keys[j] < a_keys[i]:
                out_keys[m] = b_keys[j]
                out_counts[m] = b_counts[j]
                j += 1
            else:
                out_keys[m] = a_keys[i]
                out_counts[m] = a_counts[i] + b_counts[j]
                i += 1
                j += 1
            m += 1
        while i < na:
            out_keys[m] = a_keys[i]
            out_counts[m] = a_counts[i]
            i += 1
            m += 1
        while j < nb:
            out_keys[m] = b_keys[j]
            out_counts[m] = b_counts[j]
            j += 1
            m += 1
    return m
