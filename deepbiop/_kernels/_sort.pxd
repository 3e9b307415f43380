# Sorting k-mer codes in place (CSR rows in _kmer_sparse, spectrum buckets in
# _spectrum): an introsort (quicksort, median of three, Hoare partition; heapsort
# past the depth limit; insertion sort below 24 keys) and a bucket pass for keys
# whose histogram on a few bits the caller took while writing them.
#
# Every function is inline nogil and reads or writes only the n keys (and the
# scratch) it is given; keys are compared as key_t.
from libc.stdint cimport int32_t, int64_t, uint64_t

ctypedef fused key_t:
    int32_t
    int64_t
    uint64_t


cdef inline void insertion_sort(key_t* a, Py_ssize_t n) noexcept nogil:
    """Sort ``a[0..n)`` ascending; for short or nearly sorted runs."""
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


cdef inline void _heapsort(key_t* a, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t start, end
    cdef key_t t
    for start in range(n // 2 - 1, -1, -1):
        _sift_down(a, start, n)
    for end in range(n - 1, 0, -1):
        t = a[0]
        a[0] = a[end]
        a[end] = t
        _sift_down(a, 0, end)


cdef inline void _introsort(key_t* a, Py_ssize_t n, int depth) noexcept nogil:
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
    insertion_sort(a, n)


cdef inline void sort_keys(key_t* a, Py_ssize_t n) noexcept nogil:
    """Sort ``a[0..n)`` ascending (introsort: O(n log n) whatever the keys)."""
    cdef int depth = 0
    cdef Py_ssize_t m = n
    while m > 1:
        depth += 2
        m >>= 1
    _introsort(a, n, depth)


cdef inline int bucket_bits(Py_ssize_t n, int key_bits) noexcept nogil:
    """log2 of the bucket count for sorting n keys: n/2 to n buckets, 2..4096."""
    cdef int b = 1
    while (<Py_ssize_t> 2 << b) < n and b < 12 and b < key_bits:
        b += 1
    return b


cdef inline key_t* bucket_finish(key_t* a, Py_ssize_t n, Py_ssize_t nb, int shift,
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

    Preconditions (checked by the caller): ``nb`` a power of two; ``cnt``
    holds ``nb + 1`` counters as above; ``tmp`` has room for ``n`` keys and
    does not overlap ``a``.
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
        insertion_sort(tmp, n)
        return tmp
    lo = 0
    for j in range(nb):
        hi = cnt[j]
        if hi - lo > 1:
            sort_keys(tmp + lo, hi - lo)
        lo = hi
    return tmp
