# The rolling k-mer code: the one definition every k-mer kernel uses (the
# dense counts of _kmer, the CSR rows of _kmer_sparse, the spectra of
# _spectrum, the k-mer tokens of _tokens).
#
# The code of the window of k bytes ending at byte p is its k letters read as
# a base-A number, first letter most significant (``codes[byte]`` is the
# letter, -1 outside the alphabet): the column of KmerEncoder, the key of a
# spectrum, the rank of a k-mer token. A window is complete when none of its
# bytes is outside the alphabet; only a complete window has a code. With
# ``canonical`` (A == 4 only) the code is the smaller of the window's and that
# of its reverse complement (``codes[256 + c]`` is the complement of letter c,
# an involution of 0..3).
#
# Use: ``roll_init`` at the first byte, then ``roll_push`` every byte in order;
# after pushing byte p, ``roll_full`` says whether the window ending at p is
# complete and ``roll_code`` gives its code. ``roll_window`` (tokens) gives the
# code of the window starting at p, pushing the bytes it still needs
# (``roll_to``: only whether that window is complete).
#
# One algorithm for every alphabet: sliding on by a byte multiplies the code by
# A, adds the new letter and takes off the letter that left (weight A**(k-1));
# a byte outside the alphabet at p makes the windows up to p + k - 1
# incomplete (``bad``). For A == 4, A**k divides 2**64, so the code is kept
# modulo 2**64 and read through the mask A**k - 1: the letter that left drops
# out by itself (no subtraction, no reread of the byte k back), and a byte
# outside the alphabet is pushed like a letter, as -1 (or as -1 & 3 with the
# reverse complement): either changes only the digits of windows that hold it
# (-1 borrows from the older digits alone).
#
# ``A`` and ``canonical`` are arguments of each call, not state: a kernel that
# calls with constants (4 and True/False) gets a loop compiled for exactly
# that case, and any other A takes the general path.
from libc.stdint cimport uint8_t, int16_t, int64_t, uint64_t


cdef struct kmer_roll:
    const int16_t* codes   # letter of each byte, -1 outside the alphabet
    uint64_t fwd           # code of the last letters (A == 4: modulo 2**64)
    uint64_t rev           # code of their reverse complement (canonical)
    uint64_t mask          # A**k - 1, for A == 4
    uint64_t lead          # A**(k-1), the weight of the letter leaving
    # the last byte outside the alphabet (first byte - 1 until there is one);
    # for A != 4 plus k: the first byte where a window can be complete. Two
    # forms of one fact, each compiling to the faster loop for its path
    Py_ssize_t bad
    Py_ssize_t end         # the next byte roll_to pushes
    int k
    int top                # 2 * (k - 1): where a complement enters rev


cdef inline void roll_init(kmer_roll* r, const int16_t* codes, int k, int A,
                           Py_ssize_t p0) noexcept nogil:
    """Start rolling at byte ``p0`` (no window complete yet).

    Preconditions (checked by the caller): ``1 <= k``, ``1 <= A`` and
    ``A**k`` fits in 63 bits; ``codes`` holds 256 entries, every one -1 or a
    letter < A (260 with the complements for ``canonical``).
    """
    cdef uint64_t lead = 1
    cdef int j
    if A == 4:  # a shift, not k - 1 multiplies: this runs once per sequence
        lead = (<uint64_t> 1) << (2 * (k - 1))
    else:
        for j in range(k - 1):  # no-cython-lint: k steps; an untyped `_` would not be a C int
            lead *= <uint64_t> A
    r.codes = codes
    r.fwd = 0
    r.rev = 0
    r.lead = lead
    r.mask = lead * <uint64_t> A - 1
    r.bad = p0 - 1 if A == 4 else p0 - 1 + k
    r.end = p0
    r.k = k
    r.top = 2 * (k - 1)


cdef inline int roll_push(kmer_roll* r, const uint8_t* s, Py_ssize_t p, int A,
                          bint canonical) noexcept nogil:
    """Slide the window onto byte ``s[p]``; return its letter (-1 when it is
    outside the alphabet).

    Preconditions (checked by the caller): bytes are pushed in order, each
    once, from the ``p0`` of ``roll_init``; ``canonical`` only with A == 4.
    """
    cdef int c = r.codes[s[p]]
    cdef uint64_t u
    if A == 4:
        if canonical:
            u = <uint64_t> (c & 3)
            r.fwd = r.fwd * 4 + u
            r.rev = (r.rev >> 2) | (<uint64_t> r.codes[256 + u] << r.top)
        else:
            r.fwd = r.fwd * 4 + <uint64_t> c  # c == -1 adds 2**64 - 1
        r.bad = p if c < 0 else r.bad
    elif c < 0:
        r.fwd = 0
        r.bad = p + r.k
    else:
        if p > r.bad:  # the window was complete: its first letter leaves
            r.fwd -= <uint64_t> r.codes[s[p - r.k]] * r.lead
        r.fwd = r.fwd * <uint64_t> A + <uint64_t> c
    return c


cdef inline bint roll_full(const kmer_roll* r, Py_ssize_t p, int A) noexcept nogil:
    """Whether the window ending at byte ``p`` (the last pushed) is complete
    (``A`` as passed to ``roll_push``)."""
    if A == 4:
        return p - r.bad >= r.k
    return p >= r.bad


cdef inline uint64_t roll_code(const kmer_roll* r, int A, bint canonical) noexcept nogil:
    """The code of the window ending at the last pushed byte (< A**k).

    Preconditions (checked by the caller): that window is complete
    (``roll_full``); ``A`` and ``canonical`` as passed to ``roll_push``.
    """
    cdef uint64_t f
    if A != 4:
        return r.fwd
    f = r.fwd & r.mask
    if canonical and r.rev < f:
        return r.rev
    return f


cdef inline bint roll_to(kmer_roll* r, const uint8_t* s, Py_ssize_t p,
                         int A) noexcept nogil:
    """Whether the window of k bytes starting at byte ``p`` is complete.
    Pushes the bytes from where the last call stopped up to ``p + k - 1``, so
    overlapping windows cost one push per new byte.

    Preconditions (checked by the caller): ``p`` never less than in the last
    call on ``r``; bytes up to ``p + k - 1`` readable; ``r`` not also rolled
    with ``roll_push``; not canonical.
    """
    cdef Py_ssize_t e = p + r.k
    while r.end < e:
        r.end += 1
        if roll_push(r, s, r.end - 1, A, False) < 0 and r.end > p:
            return False  # the next call pushes the rest
    # roll_full(r, e - 1, A), spelled out: -fwrapv keeps the compiler from
    # simplifying it
    if A == 4:
        return r.bad < p
    return r.bad < e


cdef inline int64_t roll_window(kmer_roll* r, const uint8_t* s, Py_ssize_t p,
                                int A) noexcept nogil:
    """The code of the window of k bytes starting at byte ``p``, or -1 when it
    holds a byte outside the alphabet (``roll_to``, whose preconditions hold).
    """
    if roll_to(r, s, p, A):
        return <int64_t> roll_code(r, A, False)
    return -1
