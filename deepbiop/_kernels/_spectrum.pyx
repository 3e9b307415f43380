"""Whole-batch k-mer spectra (deepbiop.spectrum): the distinct k-mer codes of
many sequences and how often each occurs.

``collect_codes`` writes the rolling code (``_rolling.pxd``) of every window
of a chunk to one array, ``count_codes`` partitions it into buckets by the
codes' top bits, sorts (``_sort.pxd``) and run-length encodes each bucket in
parallel, and ``merge_counts`` merges the sorted (code, count) runs of two
chunks. ``sum_words`` reads back the bins of a spectrum counted on disk
(``deepbiop._spectrum_spill``): distinct (code, count) words to codes and
summed counts.

Codes are the k-mer read as a base-A number, first symbol most significant,
the same column index KmerEncoder uses.
"""
from libc.stdint cimport uint8_t, int16_t, int32_t, int64_t, uint64_t
from libc.stdlib cimport malloc, calloc, free
from libc.string cimport memset

from deepbiop._kernels._pool cimport parallel_for, grain_for
from deepbiop._kernels._rolling cimport kmer_roll, roll_init, roll_push, roll_full, roll_code
from deepbiop._kernels._sort cimport sort_keys, bucket_bits, bucket_finish

#: Code of a window that holds a character outside the alphabet.
SKIPPED = 0xFFFFFFFFFFFFFFFF
cdef uint64_t _SKIPPED = 0xFFFFFFFFFFFFFFFFULL


# ---------------------------------------------------------- window codes ----
cdef struct _collect_job:
    # see ``collect_codes``
    const int64_t* ptrs
    const int64_t* lens
    const int64_t* starts
    const int16_t* cp
    int k, A
    bint canonical
    uint64_t* op


cdef inline void _collect_row(const uint8_t* s, Py_ssize_t n, int k, int A,
                              const int16_t* cp, bint canonical, uint64_t* op,
                              Py_ssize_t base) noexcept nogil:
    """The code of the window ending at byte p (p >= k - 1) of one sequence
    goes to ``op[base + p]``, ``SKIPPED`` when it holds a byte outside the
    alphabet. Called with A == 4 as the constant 4, so each case gets a loop
    of its own.

    Preconditions (checked by the caller): as ``collect_codes``; ``op[base +
    k - 1 .. base + n - 1]`` are this sequence's slots.
    """
    cdef kmer_roll r
    cdef Py_ssize_t p
    roll_init(&r, cp, k, A, 0)
    for p in range(n):
        roll_push(&r, s, p, A, canonical)
        if p >= k - 1:
            op[base + p] = roll_code(&r, A, canonical) if roll_full(&r, p, A) else _SKIPPED


cdef void _collect_chunk(void* ctx, int64_t lo, int64_t hi, int worker) noexcept nogil:
    cdef const _collect_job* c = <const _collect_job*> ctx
    cdef Py_ssize_t i, n, base
    cdef const uint8_t* s
    for i in range(lo, hi):
        n = c.lens[i]
        if n < c.k:
            n = 0   # no window; nothing to write
        s = <const uint8_t*> <size_t> c.ptrs[i]
        # the window ending at p (p >= k - 1) goes to op[base + p]. An index,
        # not a pointer op + base: base is negative for the first row, and op
        # is NULL when no sequence has a window, and a pointer before an array
        # (or any offset from NULL) is undefined behaviour even if never read
        # through (UBSan: "applying non-zero offset ... to null pointer").
        base = c.starts[i] - (c.k - 1)
        if c.A != 4:
            _collect_row(s, n, c.k, c.A, c.cp, False, c.op, base)
        elif c.canonical:
            _collect_row(s, n, c.k, 4, c.cp, True, c.op, base)
        else:
            _collect_row(s, n, c.k, 4, c.cp, False, c.op, base)


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
    if B == 0:
        return
    cdef _collect_job job
    job.ptrs = &ptrs[0]
    job.lens = &lens[0]
    job.starts = &starts[0]
    job.cp = &codes[0]
    job.k = k
    job.A = A
    job.canonical = canonical
    job.op = &out[0] if out.shape[0] else NULL
    cdef int64_t total = 0
    for i in range(B):
        total += lens[i]
    with nogil:
        parallel_for(B, grain_for(B, total, n_threads), n_threads, total, _collect_chunk,
                     &job)


# ------------------------------------------------------------- counting ----
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
            b2 = bucket_bits(hi - lo, shift)
            memset(cnt, 0, (((<Py_ssize_t> 1) << b2) + 1) * sizeof(int32_t))
            for i in range(lo, hi):
                cnt[((sp[i] >> (shift - b2)) & ((<uint64_t> 1 << b2) - 1)) + 1] += 1
            srt = bucket_finish(sp + lo, hi - lo, (<Py_ssize_t> 1) << b2,
                                shift - b2, tmp, cnt)
        else:
            sort_keys(sp + lo, hi - lo)
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


def sum_words(uint64_t[::1] words, int64_t[::1] occurrences, int count_bits, uint64_t base):
    """Turn ascending distinct spill words into codes and summed counts, in
    place; return how many distinct codes.

    A spill word (``deepbiop._spectrum_spill``) is ``code << count_bits |
    count`` minus ``base``; ``occurrences[i]`` says how often ``words[i]`` was
    seen. Word i adds ``occurrences[i] * count`` to its code (``occurrences[i]``
    when ``count_bits == 0``: one word per k-mer). The codes go to
    ``words[:m]`` (ascending) and their counts to ``occurrences[:m]``; entry i
    is read before anything is written at or after position m <= i.

    Parameters
    ----------
    words : uint64, shape (n,)
    occurrences : int64, shape (n,)
    count_bits : int
    base : uint64

    Preconditions (checked by the caller)
    -------------------------------------
    ``len(occurrences) == len(words)``; ``words`` strictly ascending, each
    ``word + base`` below 2**63; ``0 <= count_bits <= 62``; ``base``'s low
    ``count_bits`` bits are zero; the counts fit in int64.
    """
    cdef Py_ssize_t i, m = 0, n = words.shape[0]
    cdef uint64_t w, code, mask = ((<uint64_t> 1) << count_bits) - 1
    cdef int64_t add
    with nogil:
        for i in range(n):
            w = words[i] + base
            code = w >> count_bits
            add = occurrences[i]
            if count_bits:
                add = add * <int64_t> (w & mask)
            if m and words[m - 1] == code:
                occurrences[m - 1] += add
            else:
                words[m] = code
                occurrences[m] = add
                m += 1
    return m
