"""The guts of deepbiop.augment's batch functions: point mutations and reverse
complements of a packed batch, written into one output buffer.

Random draws come from the counter-based hash in ``_common.pxd``: the draw for
position ``p`` of sequence ``i`` depends only on ``(seed, i, p)``, never on the
thread that makes it, so results are identical for any thread count.
"""
from libc.stdint cimport uint8_t, int16_t, int64_t, uint64_t

from deepbiop._kernels._common cimport mix64
from deepbiop._kernels._pool cimport parallel_for, grain_for


cdef inline uint64_t _draw(uint64_t seed, Py_ssize_t i, Py_ssize_t pos) noexcept nogil:
    # the same keyed hash as random_code(), but all 64 bits are used: the low
    # 32 decide whether the position mutates, the high 32 pick the new symbol
    return mix64(seed ^ mix64(<uint64_t> i * <uint64_t> 0x9e3779b97f4a7c15ULL
                              + <uint64_t> pos))


cdef inline bint _is_rna(const uint8_t* s, Py_ssize_t n) noexcept nogil:
    """The "auto" rule of reverse_complement: RNA when U/u occurs and T/t does not."""
    cdef Py_ssize_t p
    cdef bint has_u = False
    cdef uint8_t b
    for p in range(n):
        b = s[p] | 0x20
        if b == 116:  # t
            return False
        if b == 117:  # u
            has_u = True
    return has_u


cdef inline void _one(const uint8_t* s, Py_ssize_t n, uint8_t* dst, Py_ssize_t i,
                      const int16_t* codes, const uint8_t* upper, const uint8_t* lower,
                      const uint8_t* is_lower, int A, uint64_t threshold, uint64_t seed,
                      bint flip, const uint8_t* comp) noexcept nogil:
    """Mutate sequence i into dst (then reverse-complement it in place if flip)."""
    cdef Py_ssize_t p
    cdef uint64_t h
    cdef int c, k
    cdef uint8_t b, t
    if threshold == 0:
        for p in range(n):
            dst[p] = s[p]
    else:
        for p in range(n):
            b = s[p]
            c = codes[b]
            if c >= 0:
                h = _draw(seed, i, p)
                if (h & <uint64_t> 0xFFFFFFFFULL) < threshold:
                    k = <int> (((h >> 32) * <uint64_t> (A - 1)) >> 32)  # 0 .. A-2
                    c = (c + 1 + k) % A                                 # never c itself
                    b = lower[c] if is_lower[b] else upper[c]
            dst[p] = b
    if flip:
        for p in range(n // 2):
            t = dst[p]
            dst[p] = comp[dst[n - 1 - p]]
            dst[n - 1 - p] = comp[t]
        if n % 2:
            dst[n // 2] = comp[dst[n // 2]]


cdef struct _job:
    # see ``augment_packed``
    const int64_t* ptrs
    const int64_t* lens
    const int64_t* offsets
    const uint8_t* flip
    uint8_t* op
    const int16_t* cp
    const uint8_t* up
    const uint8_t* lp
    const uint8_t* il
    const uint8_t* cd
    const uint8_t* cr
    int A
    uint64_t threshold, seed
    bint auto_rna


cdef void _chunk(void* ctx, int64_t lo, int64_t hi, int worker) noexcept nogil:
    cdef const _job* c = <const _job*> ctx
    cdef Py_ssize_t i
    cdef const uint8_t* s
    cdef const uint8_t* comp
    for i in range(lo, hi):
        if c.lens[i] == 0:
            continue
        s = <const uint8_t*> <size_t> c.ptrs[i]
        comp = c.cd
        if c.flip[i] and c.auto_rna and _is_rna(s, c.lens[i]):
            comp = c.cr
        _one(s, c.lens[i], c.op + c.offsets[i], i, c.cp, c.up, c.lp, c.il, c.A, c.threshold,
             c.seed, c.flip[i] != 0, comp)


def augment_packed(const int64_t[::1] ptrs, const int64_t[::1] lens,
                   const int64_t[::1] offsets, uint8_t[::1] out,
                   const int16_t[::1] codes, const uint8_t[::1] upper,
                   const uint8_t[::1] lower, const uint8_t[::1] is_lower, int A,
                   uint64_t threshold, uint64_t seed, const uint8_t[::1] flip,
                   const uint8_t[::1] comp_dna, const uint8_t[::1] comp_rna,
                   bint auto_rna, int n_threads):
    """Point-mutate and optionally reverse-complement every sequence of a batch.

    Sequence ``i`` is written to ``out[offsets[i]:offsets[i] + lens[i]]``:
    each position holding an alphabet symbol mutates when the low 32 bits of
    its draw are below ``threshold`` (so the rate is ``threshold / 2**32``),
    to one of the ``A - 1`` *other* symbols chosen by the high 32 bits, in the
    input's case; other bytes (``N``, gaps) are copied. Rows with
    ``flip[i] != 0`` are then reversed and complemented with ``comp_dna`` (or
    ``comp_rna`` when ``auto_rna`` and the row holds U but no T).

    Parameters
    ----------
    ptrs, lens : int64 (B,)
        Packed sequences (see ``_common.pxd``).
    offsets : int64 (B,)
        Start of each output row in ``out``.
    out : uint8 (sum of lens,)
        Fully written by the kernel (may come from np.empty).
    codes : int16 (256,)
        Alphabet index of each byte, -1 outside the alphabet.
    upper, lower : uint8 (A,)
        The symbols in upper and lower case.
    is_lower : uint8 (256,)
        1 for the lower-case spelling of a symbol.
    A : alphabet size (>= 2 when ``threshold > 0``).
    threshold : mutation threshold in 0 .. 2**32 (0: no mutation).
    seed : base of the counter-based draws.
    flip : uint8 (B,)
        Reverse-complement row i when non-zero.
    comp_dna, comp_rna : uint8 (256,)
        Complement of each byte.
    auto_rna : choose the RNA table per row (U and no T), else always DNA.
    n_threads : threads (of the pool, see ``_pool.pxd``).

    Preconditions (checked by the caller)
    -------------------------------------
    ``len(ptrs) == len(lens) == len(offsets) == len(flip)``; rows of ``out``
    do not overlap and ``offsets[i] + lens[i] <= len(out)``; ``A >= 2`` when
    ``threshold > 0``; ``threshold <= 2**32``; every code in ``codes`` is
    below ``A``.
    """
    cdef Py_ssize_t B = lens.shape[0], i
    if B == 0:
        return
    cdef uint8_t* op = &out[0] if out.shape[0] > 0 else NULL
    cdef const int16_t* cp = &codes[0]
    cdef const uint8_t* up = &upper[0]
    cdef const uint8_t* lp = &lower[0]
    cdef const uint8_t* il = &is_lower[0]
    cdef const uint8_t* cd = &comp_dna[0]
    cdef const uint8_t* cr = &comp_rna[0]
    cdef _job job
    job.ptrs = &ptrs[0]
    job.lens = &lens[0]
    job.offsets = &offsets[0]
    job.flip = &flip[0]
    job.op = op
    job.cp = cp
    job.up = up
    job.lp = lp
    job.il = il
    job.cd = cd
    job.cr = cr
    job.A = A
    job.threshold = threshold
    job.seed = seed
    job.auto_rna = auto_rna
    cdef int64_t total = 0
    for i in range(B):
        total += lens[i]
    with nogil:
        parallel_for(B, grain_for(B, total, n_threads), n_threads, total, _chunk, &job)
