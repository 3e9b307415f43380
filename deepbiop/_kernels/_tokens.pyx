"""The guts of TransformerEncoder: packed sequences -> token ids, attention
mask, special-tokens mask and base offsets, one padded row per sequence.

Three tokenisation schemes share one row writer:

* characters (``k == 1``): token = ``char_ids[byte]``;
* sliding k-mers (``greedy == 0``): token ``t`` covers bases
  ``[t*stride, t*stride + k)``; its id is ``kmer_offset + rank`` where rank
  reads the k-mer as a base-A number (first base most significant: the
  rolling code of ``_rolling.pxd``), or ``unk_id`` when the window holds a
  byte outside the alphabet;
* greedy k-mers with single-character fallback (``greedy == 1``, Nucleotide
  Transformer): at position p a k-mer token when the next k bytes are all in
  the alphabet, otherwise the single-character token ``char_ids[s[p]]``.
"""
from libc.stdint cimport uint8_t, int16_t, int64_t

from deepbiop._kernels._pool cimport parallel_for, grain_for
from deepbiop._kernels._rolling cimport kmer_roll, roll_init, roll_to, roll_window


cdef inline int64_t _greedy_count(const uint8_t* s, Py_ssize_t n, int k, int A,
                                  const int16_t* codes) noexcept nogil:
    """Tokens of one sequence under the greedy scheme. Called with A == 4 as
    the constant 4, for the shift path of ``_rolling.pxd``."""
    cdef Py_ssize_t p = 0
    cdef int64_t t = 0
    cdef kmer_roll roll
    roll_init(&roll, codes, k, A, 0)
    while p < n:
        if p + k <= n and roll_to(&roll, s, p, A):
            p += k
        else:
            p += 1
        t += 1
    return t


cdef inline int64_t _n_tokens(const uint8_t* s, Py_ssize_t n, int k, int stride,
                              int greedy, int A, const int16_t* codes) noexcept nogil:
    if not greedy:
        if n < k:
            return 0
        return (n - k) // stride + 1
    if A == 4:
        return _greedy_count(s, n, k, 4, codes)
    return _greedy_count(s, n, k, A, codes)


cdef struct _count_job:
    # see ``token_counts``
    const int64_t* ptrs
    const int64_t* lens
    const int16_t* cp
    const uint8_t* vp
    int A, k, stride, greedy
    bint check
    int64_t* counts
    int64_t* status


cdef void _count_chunk(void* ctx, int64_t lo, int64_t hi, int worker) noexcept nogil:
    cdef const _count_job* c = <const _count_job*> ctx
    cdef Py_ssize_t i, p, n
    cdef const uint8_t* s
    for i in range(lo, hi):
        s = <const uint8_t*> <size_t> c.ptrs[i]
        n = c.lens[i]
        c.counts[i] = _n_tokens(s, n, c.k, c.stride, c.greedy, c.A, c.cp)
        if c.check:
            for p in range(n):
                if c.vp[s[p]] == 0:
                    c.status[i] = p
                    break


def token_counts(const int64_t[::1] ptrs, const int64_t[::1] lens,
                 const int16_t[::1] codes, const uint8_t[::1] valid,
                 int A, int k, int stride, int greedy, int check,
                 int64_t[::1] counts, int64_t[::1] status, int n_threads):
    """Number of content tokens of each sequence (before truncation).

    Parameters
    ----------
    ptrs, lens : int64 (B,)
        Packed sequences (see ``_common.pxd``).
    codes : int16 (256,)
        k-mer symbol code of each byte, -1 outside the alphabet.
    valid : uint8 (256,)
        1 for bytes that have a token of their own; read only when ``check``.
    A, k, stride, greedy : the tokenisation scheme (module docstring).
    check : when true, ``status[i]`` gets the first position of a byte with
        ``valid[byte] == 0`` (left at -1 when there is none).
    counts : int64 (B,), written.
    status : int64 (B,), preset to -1 by the caller.

    Preconditions (checked by the caller)
    -------------------------------------
    ``len(ptrs) == len(lens) == len(counts) == len(status)``;
    ``1 <= stride <= k``; ``A**k`` fits in int64.
    """
    cdef Py_ssize_t B = ptrs.shape[0], i
    if B == 0:
        return
    cdef const int16_t* cp = &codes[0]
    cdef const uint8_t* vp = &valid[0]
    cdef _count_job job
    job.ptrs = &ptrs[0]
    job.lens = &lens[0]
    job.cp = cp
    job.vp = vp
    job.A = A
    job.k = k
    job.stride = stride
    job.greedy = greedy
    job.check = check
    job.counts = &counts[0]
    job.status = &status[0]
    cdef int64_t total = 0
    for i in range(B):
        total += lens[i]
    with nogil:
        parallel_for(B, grain_for(B, total, n_threads), n_threads, total, _count_chunk,
                     &job)


cdef inline void _pad(Py_ssize_t a, Py_ssize_t b, int64_t pad_id, int64_t* ids,
                      int64_t* attn, int64_t* special, int64_t* offs) noexcept nogil:
    """Padding (or, with ``b == a + 1``, the slot of a special token) at [a, b)."""
    cdef Py_ssize_t j
    for j in range(a, b):
        ids[j] = pad_id
        attn[j] = 0
        if special != NULL:
            special[j] = 1
        if offs != NULL:
            offs[2 * j] = 0
            offs[2 * j + 1] = 0


cdef inline void _kmer_tokens(const uint8_t* s, Py_ssize_t n, int64_t n_content, int k,
                              int stride, int greedy, int A, const int16_t* codes,
                              const int64_t* char_ids, int64_t kmer_offset, int64_t unk_id,
                              int64_t* ids, int64_t* attn, int64_t* offs) noexcept nogil:
    """The ``n_content`` k-mer tokens (k > 1) of one row, from ``ids[0]``
    (``offs`` NULL or 2 values per token). Called with A == 4 as the
    constant 4, for the shift path of ``_rolling.pxd``."""
    cdef Py_ssize_t t, p = 0, width
    cdef int64_t r = -1, tok
    cdef kmer_roll roll
    roll_init(&roll, codes, k, A, 0)
    if not greedy:
        for t in range(n_content):
            p = t * stride
            r = roll_window(&roll, s, p, A)
            ids[t] = kmer_offset + r if r >= 0 else unk_id
            attn[t] = 1
            if offs != NULL:
                offs[2 * t] = p
                offs[2 * t + 1] = p + k
        return
    for t in range(n_content):
        width = 1
        if p + k <= n:
            r = roll_window(&roll, s, p, A)
            if r >= 0:
                width = k
        tok = kmer_offset + r if width == k else char_ids[s[p]]
        ids[t] = tok
        attn[t] = 1
        if offs != NULL:
            offs[2 * t] = p
            offs[2 * t + 1] = p + width
        p += width


cdef inline void _row(const uint8_t* s, Py_ssize_t n, int64_t n_content,
                      int k, int stride, int greedy, int A, const int16_t* codes,
                      const int64_t* char_ids, int64_t kmer_offset, int64_t unk_id,
                      int64_t cls_id, int64_t sep_id, int64_t pad_id, bint left,
                      Py_ssize_t L, int64_t* ids, int64_t* attn, int64_t* special,
                      int64_t* offs) noexcept nogil:
    """Write one row: padding, optional [CLS], ``n_content`` tokens, optional
    [SEP], padding (left or right).

    ``special`` and ``offs`` may be NULL (not requested); ``offs`` holds
    ``2 * L`` values (start, end) per token, (0, 0) for special tokens.
    """
    cdef Py_ssize_t used = n_content + (cls_id >= 0) + (sep_id >= 0)
    cdef Py_ssize_t q = L - used if left else 0
    cdef Py_ssize_t t
    _pad(0, q, pad_id, ids, attn, special, offs)
    _pad(q + used, L, pad_id, ids, attn, special, offs)
    if cls_id >= 0:
        _pad(q, q + 1, cls_id, ids, attn, special, offs)
        attn[q] = 1
        q += 1
    if k == 1:
        for t in range(n_content):
            ids[q + t] = char_ids[s[t]]
            attn[q + t] = 1
        if offs != NULL:
            for t in range(n_content):
                offs[2 * (q + t)] = t
                offs[2 * (q + t) + 1] = t + 1
    elif A == 4:
        _kmer_tokens(s, n, n_content, k, stride, greedy, 4, codes, char_ids, kmer_offset,
                     unk_id, ids + q, attn + q, offs + 2 * q if offs != NULL else NULL)
    else:
        _kmer_tokens(s, n, n_content, k, stride, greedy, A, codes, char_ids, kmer_offset,
                     unk_id, ids + q, attn + q, offs + 2 * q if offs != NULL else NULL)
    if special != NULL:
        for t in range(n_content):
            special[q + t] = 0
    q += n_content
    if sep_id >= 0:
        _pad(q, q + 1, sep_id, ids, attn, special, offs)
        attn[q] = 1


cdef struct _rows_job:
    # see ``tokens_batch``
    const int64_t* ptrs
    const int64_t* lens
    const int64_t* counts
    int64_t max_content
    int k, stride, greedy, A
    const int16_t* cp
    const int64_t* chp
    int64_t kmer_offset, unk_id, cls_id, sep_id, pad_id
    bint left
    Py_ssize_t L
    int64_t* ip
    int64_t* ap
    int64_t* sp       # NULL when not requested
    int64_t* op       # NULL when not requested


cdef void _rows_chunk(void* ctx, int64_t lo, int64_t hi, int worker) noexcept nogil:
    cdef const _rows_job* c = <const _rows_job*> ctx
    cdef Py_ssize_t i, L = c.L
    for i in range(lo, hi):
        _row(<const uint8_t*> <size_t> c.ptrs[i], c.lens[i], min(c.counts[i], c.max_content),
             c.k, c.stride, c.greedy, c.A, c.cp, c.chp, c.kmer_offset, c.unk_id, c.cls_id,
             c.sep_id, c.pad_id, c.left, L, c.ip + i * L, c.ap + i * L,
             (c.sp + i * L) if c.sp != NULL else NULL,
             (c.op + 2 * i * L) if c.op != NULL else NULL)


def tokens_batch(const int64_t[::1] ptrs, const int64_t[::1] lens,
                 const int64_t[::1] counts, const int16_t[::1] codes,
                 const int64_t[::1] char_ids, int A, int k, int stride, int greedy,
                 int64_t kmer_offset, int64_t unk_id, int64_t cls_id, int64_t sep_id,
                 int64_t pad_id, int64_t max_content, int left,
                 int64_t[:, ::1] ids, int64_t[:, ::1] attn, int64_t[:, ::1] special,
                 int64_t[:, :, ::1] offsets, int n_threads):
    """Token ids of a packed batch, one padded row per sequence.

    Parameters
    ----------
    ptrs, lens : int64 (B,)
        Packed sequences (see ``_common.pxd``).
    counts : int64 (B,)
        Content tokens of each sequence, from :func:`token_counts`.
    codes : int16 (256,)
        k-mer symbol code of each byte, -1 outside the alphabet.
    char_ids : int64 (256,)
        Single-character token id of each byte (``unk_id`` when it has none).
    A, k, stride, greedy : the tokenisation scheme (module docstring).
    kmer_offset : id of the k-mer of rank 0.
    unk_id, pad_id : token ids; ``cls_id``/``sep_id`` are added before/after
        the content when >= 0.
    max_content : each row keeps its first ``min(counts[i], max_content)``
        content tokens (truncation keeps room for [CLS]/[SEP]).
    left : pad on the left (content right-aligned) instead of the right.
    ids, attn : int64 (B, L), fully written (may come from np.empty).
    special : int64 (B, L) written (1 for [CLS]/[SEP]/padding), or shape
        (0, 0) when not requested.
    offsets : int64 (B, L, 2) base (start, end) of each token, (0, 0) for
        special tokens and padding, or shape (0, 0, 2) when not requested.

    Preconditions (checked by the caller)
    -------------------------------------
    All per-sequence arrays have length B == ``ids.shape[0]``; ``attn`` has
    the shape of ``ids``; ``special``/``offsets`` have B rows or 0 rows;
    ``counts[i]`` is the count ``token_counts`` gives for sequence i;
    ``min(counts[i], max_content) + (cls_id >= 0) + (sep_id >= 0) <= L``;
    ``1 <= stride <= k``; every id fits the model (not checked here).
    """
    cdef Py_ssize_t B = ids.shape[0], L = ids.shape[1]
    if B == 0 or L == 0:
        return
    cdef bint want_special = special.shape[0] == B
    cdef bint want_offsets = offsets.shape[0] == B
    cdef int64_t* ip = &ids[0, 0]
    cdef int64_t* ap = &attn[0, 0]
    cdef int64_t* sp = &special[0, 0] if want_special else NULL
    cdef int64_t* op = &offsets[0, 0, 0] if want_offsets else NULL
    cdef const int16_t* cp = &codes[0]
    cdef const int64_t* chp = &char_ids[0]
    cdef _rows_job job
    job.ptrs = &ptrs[0]
    job.lens = &lens[0]
    job.counts = &counts[0]
    job.max_content = max_content
    job.k = k
    job.stride = stride
    job.greedy = greedy
    job.A = A
    job.cp = cp
    job.chp = chp
    job.kmer_offset = kmer_offset
    job.unk_id = unk_id
    job.cls_id = cls_id
    job.sep_id = sep_id
    job.pad_id = pad_id
    job.left = left
    job.L = L
    job.ip = ip
    job.ap = ap
    job.sp = sp
    job.op = op
    with nogil:
        parallel_for(B, grain_for(B, B * L * 8, n_threads), n_threads, B * L, _rows_chunk,
                     &job)
