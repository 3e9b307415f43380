"""The guts of deepbiop._sequences: turn Python sequence objects into the
packed (address, length) form every kernel reads without the GIL.

bytes and ASCII ``str`` objects expose their own buffers, so their addresses
are taken directly: no copy of the input is made. Anything else is handed to a
Python fallback that returns a contiguous uint8 buffer (kept alive by the
caller) or raises a precise error.

Every address points into an object the caller holds a reference to for the
whole kernel call, so no other Python thread can free what a kernel reads.
"""
from cpython.ref cimport PyObject
from libc.stdlib cimport malloc, free
from libc.stdint cimport uint8_t, int16_t, int64_t

import numpy as np

from deepbiop._kernels._rows cimport DEEPBIOP_PREFETCH_W

cdef enum:
    # objects ahead whose headers are requested early: every sequence is its
    # own heap object, so each one's first touch is a cache miss the hardware
    # prefetcher cannot foresee (1M reads: ~50 ns each without this)
    PACK_PREFETCH = 12

cdef extern from *:
    """
    /* Take a reference to o and, when it is an exact bytes object or a
     * compact-ASCII str, store its address and length (1); else 0 (the
     * caller hands it to the Python fallback). Plain C: runs no Python code,
     * so a loop of these cannot be interrupted by another Python thread. */
    static inline int dbp_hold_plain(PyObject *o, int64_t *ptr, int64_t *len)
    {
        Py_INCREF(o);
        if (PyBytes_CheckExact(o)) {
            *ptr = (int64_t)(size_t)PyBytes_AS_STRING(o);
            *len = (int64_t)PyBytes_GET_SIZE(o);
            return 1;
        }
        if (PyUnicode_CheckExact(o) && PyUnicode_IS_COMPACT_ASCII(o)) {
            *ptr = (int64_t)(size_t)PyUnicode_DATA(o);
            *len = (int64_t)PyUnicode_GET_LENGTH(o);
            return 1;
        }
        return 0;
    }
    """
    int dbp_hold_plain(PyObject* o, int64_t* ptr, int64_t* len) noexcept
    PyObject** PySequence_Fast_ITEMS(object o)
    Py_ssize_t PyList_GET_SIZE(object o)
    Py_ssize_t PyTuple_GET_SIZE(object o)
    void Py_XDECREF(PyObject* o)


cdef class HeldRefs:
    """References to the sequence objects of one batch, held while kernels
    read them (like ``tuple(list)``, built in the same pass that reads the
    addresses).

    Releasing the references in ``__dealloc__`` requests each object's
    header a few objects ahead: after a large encode the objects are out of
    cache, and a plain decref pass over a million reads costs 10-15 ms of
    cache misses.
    """
    cdef PyObject** refs
    cdef Py_ssize_t n

    def __cinit__(self):
        self.refs = NULL
        self.n = 0

    def __dealloc__(self):
        cdef Py_ssize_t i
        if self.refs == NULL:
            return
        for i in range(self.n):
            if i + PACK_PREFETCH < self.n:
                DEEPBIOP_PREFETCH_W(self.refs[i + PACK_PREFETCH])
            Py_XDECREF(self.refs[i])
        free(self.refs)

    def __len__(self):
        return self.n

    def __getitem__(self, Py_ssize_t i):
        if not 0 <= i < self.n:
            raise IndexError("HeldRefs index out of range")
        return <object> self.refs[i]


def pack_items(items, fallback):
    """Return (ptrs, lens, held, keep) for a tuple or list of sequence objects.

    Parameters
    ----------
    items : tuple or list
        The sequences. The output buffers are allocated first; then one pass
        in plain C (no Python code runs, not even a garbage collection, so no
        other thread can change the list meanwhile) reads the list's size and
        takes a reference to every
        element and reads the address and length of each exact ``bytes`` or
        compact-ASCII ``str``: the batch is the list as it was at that
        instant, whatever other threads do to the list afterwards.
    fallback : callable(item, index) -> contiguous uint8 ndarray
        Called afterwards, on the held elements, for anything that is
        neither (subclasses, non-ASCII text, buffers, wrong types); it
        raises TypeError/ValueError for input it cannot accept.

    Returns
    -------
    ptrs, lens : ndarray of int64, shape (n,)
    held : HeldRefs
        References to the sequence objects; must outlive every use of
        ``ptrs``.
    keep : list
        Buffers produced by ``fallback``; must outlive every use of ``ptrs``.
    """
    if type(items) is not list and type(items) is not tuple:
        raise TypeError(f"pack_items takes a list or tuple, got {type(items).__name__}")
    cdef Py_ssize_t cap, n, i, n_other = 0
    cdef bint is_list = type(items) is list
    cdef HeldRefs held = HeldRefs.__new__(HeldRefs)
    cdef int64_t* pp
    cdef int64_t* lp
    cdef PyObject** it
    cdef PyObject* o
    while True:
        # Allocate first (np.empty and memoryviews create objects, and on
        # Python <= 3.11 that can start a garbage collection whose finalizers
        # run Python code, or let another thread run), then read the size
        # and the element array with nothing in between that can.
        cap = len(items)
        ptrs_arr = np.empty(cap, dtype=np.int64)
        lens_arr = np.empty(cap, dtype=np.int64)
        pp = <int64_t*> <size_t> ptrs_arr.ctypes.data
        lp = <int64_t*> <size_t> lens_arr.ctypes.data
        free(held.refs)
        held.refs = <PyObject**> malloc((cap if cap > 0 else 1) * sizeof(PyObject*))
        if held.refs == NULL:
            raise MemoryError(f"no memory to hold {cap:,} sequence references")
        # the snapshot: plain C from here to the end of the loop
        n = PyList_GET_SIZE(items) if is_list else PyTuple_GET_SIZE(items)
        if n <= cap:
            break  # else the list grew meanwhile: allocate again
    it = PySequence_Fast_ITEMS(items)
    for i in range(n):
        if i + PACK_PREFETCH < n:
            DEEPBIOP_PREFETCH_W(it[i + PACK_PREFETCH])
        o = it[i]
        held.refs[i] = o
        if not dbp_hold_plain(o, pp + i, lp + i):
            lp[i] = -1
            n_other += 1
    held.n = n
    if n < cap:  # the list shrank meanwhile
        ptrs_arr = ptrs_arr[:n]
        lens_arr = lens_arr[:n]
    cdef int64_t[::1] ptrs = ptrs_arr
    cdef int64_t[::1] lens = lens_arr
    cdef list keep = []
    cdef const uint8_t[::1] view
    cdef size_t empty_addr
    if n_other:
        empty = np.zeros(1, dtype=np.uint8)  # the address of an empty buffer
        keep.append(empty)
        empty_addr = <size_t> empty.ctypes.data
        for i in range(n):
            if lens[i] >= 0:
                continue
            buf = fallback(<object> held.refs[i], i)
            keep.append(buf)
            view = buf
            lens[i] = view.shape[0]
            ptrs[i] = <int64_t> (<size_t> &view[0] if view.shape[0] > 0 else empty_addr)
    return ptrs_arr, lens_arr, held, keep


def pack_fixed_width(const uint8_t[:, ::1] table):
    """Addresses and lengths of the rows of a numpy ``S`` array viewed as uint8.

    Trailing NUL bytes are not part of a row (numpy's own ``S`` semantics).
    """
    cdef Py_ssize_t n = table.shape[0], w = table.shape[1], i, L
    ptrs_arr = np.empty(n, dtype=np.int64)
    lens_arr = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] ptrs = ptrs_arr
    cdef int64_t[::1] lens = lens_arr
    cdef size_t base = <size_t> &table[0, 0] if n > 0 and w > 0 else 0
    with nogil:
        for i in range(n):
            L = w
            while L > 0 and table[i, L - 1] == 0:
                L -= 1
            ptrs[i] = <int64_t> (base + <size_t> (i * w))
            lens[i] = L
    return ptrs_arr, lens_arr


def byte_at(int64_t addr, Py_ssize_t pos):
    """The byte at ``addr + pos`` (used to name a bad character in an error)."""
    return (<const uint8_t*> <size_t> addr)[pos]


def count_outside(const int64_t[::1] ptrs, const int64_t[::1] lens,
                  const int16_t[::1] codes, Py_ssize_t max_rows, Py_ssize_t max_bytes):
    """(outside, seen): bytes with code -1 among the first ``max_bytes`` of
    up to ``max_rows`` rows spread evenly over a packed batch.

    Used to tell a user that a batch does not look like the alphabet it is
    encoded with. Preconditions (checked by the caller): ``len(ptrs) ==
    len(lens)``, addresses valid for ``lens[i]`` bytes, ``len(codes) == 256``.
    """
    cdef Py_ssize_t B = ptrs.shape[0], r, j, p, n, n_rows
    cdef int64_t outside = 0, seen = 0
    cdef const uint8_t* s
    if B == 0 or max_rows <= 0:
        return 0, 0
    n_rows = B if B < max_rows else max_rows
    with nogil:
        for j in range(n_rows):
            r = j * B // n_rows  # evenly spread, the first row included
            s = <const uint8_t*> <size_t> ptrs[r]
            n = lens[r] if lens[r] < max_bytes else max_bytes
            for p in range(n):
                outside += codes[s[p]] < 0
            seen += n
    return int(outside), int(seen)
