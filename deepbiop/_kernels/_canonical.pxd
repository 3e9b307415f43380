# The compact canonical column of a DNA/RNA k-mer: its rank among the
# canonical k-mers (x <= revcomp(x)) in lexicographic order, O(k) per code from
# a few tables filled once per k (rank_init). Used by the CSR rows of
# _kmer_sparse (compact canonical columns) and its canonical_rank /
# canonical_unrank, which deepbiop.kmers calls for the column names.
#
# Codes are 2 bits per symbol (A == 4), first symbol most significant (the
# column index of KmerEncoder); ``comp`` is the complement of codes 0..3, an
# involution.
from libc.stdint cimport uint8_t, int16_t, uint64_t


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


cdef inline void rank_init(int k, const int16_t* comp, rank_tables* T) noexcept nogil:
    """Fill the tables ``canonical_rank_of`` reads for k-mers of length k and
    the complement ``comp`` (4 entries, an involution of 0..3).

    A free pair (a, b) is "less" (a < comp[b]) for 6 of its 16 values whatever
    the involution; a free middle symbol m is canonical when m <= comp[m] (2
    of 4 for ACGT, more when ``comp`` has fixed points).

    Preconditions (checked by the caller): ``1 <= k <= 31``; ``comp`` an
    involution of 0..3."""
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


cdef inline uint64_t canonical_rank_of(uint64_t c, int k,
                                       const rank_tables* T) noexcept nogil:
    """Number of canonical k-mers (x <= revcomp(x)) lexicographically below ``c``.

    With ``comp`` the complement of each code (an involution; 3 - c for ACGT),
    a k-mer x is canonical iff, scanning the position pairs (j, k-1-j) from
    the outside in, the first pair with x[j] != comp[x[k-1-j]] has x[j] <
    comp[x[k-1-j]] (no such pair: for odd k the middle code m decides,
    canonical iff m <= comp[m]; for even k a palindrome, canonical).
    Counting the k-mers below ``c`` digit by digit then has a closed form per
    digit, so the rank costs O(k).

    Preconditions (checked by the caller): ``T`` comes from ``rank_init``
    with this k; ``c < 4**k``.
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


cdef inline uint64_t revcomp_of(uint64_t c, int k, const int16_t* comp) noexcept nogil:
    """The code of the reverse complement of the k-mer ``c`` (a code < 4**k;
    ``comp`` as in ``rank_init``)."""
    cdef uint64_t r = 0
    cdef int i
    for i in range(k):  # no-cython-lint: k steps; an untyped `_` would not be a C int
        r = (r << 2) | <uint64_t> comp[c & 3]
        c >>= 2
    return r
