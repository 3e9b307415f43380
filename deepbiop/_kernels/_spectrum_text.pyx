"""K-mer spectra as text (deepbiop.io.write_spectrum): ``KMER<TAB>COUNT``
lines written straight into a byte buffer, with no Python object per k-mer.
"""
from libc.stdint cimport uint8_t, int64_t, uint64_t


def format_tsv(const uint64_t[::1] codes, const int64_t[::1] counts, int k,
               const uint8_t[::1] symbols, uint8_t[::1] out):
    """Write ``KMER<TAB>COUNT<NEWLINE>`` for each code and count to ``out``;
    return how many bytes were written.

    The k-mer is the code read as a base-A number (A = ``len(symbols)``, first
    symbol most significant), each digit spelled by ``symbols``; the count in
    decimal.

    Parameters
    ----------
    codes : uint64, shape (n,)
    counts : int64, shape (n,)
    k : int
    symbols : uint8, shape (A,)
    out : uint8, shape (m,)

    Preconditions (checked by the caller)
    -------------------------------------
    ``len(counts) == len(codes)``; ``2 <= A``; ``1 <= k``; every code
    < A**k; every count >= 0; ``len(out) >= n * (k + 2 + d)`` with d the
    number of decimal digits of the largest count.
    """
    cdef Py_ssize_t i, n = codes.shape[0]
    cdef int j, nd, A = <int> symbols.shape[0]
    cdef uint64_t c, v, uA = <uint64_t> A
    cdef uint8_t digits[20]
    cdef uint8_t sym4[4]
    cdef uint8_t* op
    cdef uint8_t* start
    if n == 0:
        return 0
    # raw pointers and a local table: stores through uint8_t* may alias
    # anything, so memoryview fields would be reloaded after every byte
    op = &out[0]
    start = op
    if A == 4:
        for j in range(4):
            sym4[j] = symbols[j]
    with nogil:
        for i in range(n):
            c = codes[i]
            if A == 4:
                for j in range(k - 1, -1, -1):
                    op[j] = sym4[c & 3]
                    c >>= 2
            else:
                for j in range(k - 1, -1, -1):
                    op[j] = symbols[c % uA]
                    c //= uA
            op[k] = 9  # tab
            op += k + 1
            v = <uint64_t> counts[i]
            nd = 0
            while True:
                digits[nd] = <uint8_t> (48 + v % 10)
                v //= 10
                nd += 1
                if v == 0:
                    break
            for j in range(nd):
                op[j] = digits[nd - 1 - j]
            op[nd] = 10  # newline
            op += nd + 1
    return op - start
