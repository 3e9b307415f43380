"""The guts of deepbiop._sequences: turn Python sequence objects into the
packed (address, length) form every kernel reads without the GIL.

bytes and ASCII ``str`` objects expose their own buffers, so their addresses
are taken directly: no copy of the input is made. Anything else is handed to a
Python fallback that returns a contiguous uint8 buffer (kept alive by the
caller) or raises a precise error.
"""
from cpython.bytes cimport PyBytes_Check, PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.unicode cimport PyUnicode_Check
from cpython.list cimport PyList_GET_SIZE, PyList_GET_ITEM
from cpython.tuple cimport PyTuple_GET_ITEM
from cpython.ref cimport Py_INCREF, Py_XDECREF, PyObject
from libc.stdlib cimport malloc, free
from libc.stdint cimport uint8_t, int64_t
from cython.parallel cimport prange

import numpy as np

from deepbiop._kernels._segments cimport DEEPBIOP_PREFETCH, DEEPBIOP_PREFETCH_W
from deepbiop._kernels._common cimport dbp_plain, dbp_items

cdef enum:
    # objects ahead whose headers are requested early: every sequence is its
    # own heap object, so each one's first touch is a cache miss the hardware
    # prefetcher cannot foresee (1M reads: ~50 ns each without this)
    PACK_PREFETCH = 12
    SCAN_BLOCK = 8192   # elements per parallel scan task

cdef extern from "Python.h":
    bint PyUnicode_IS_COMPACT_ASCII(object o)
    void* PyUnicode_DATA(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)


cdef class HeldRefs:
    """References to the elements of a list, held while kernels read them.

    Like ``tuple(list)``, but releasing the references in ``__dealloc__``
    requests each object's header a few objects ahead: after a large encode
    the objects are out of cache, and a plain decref pass over a million
    reads costs 10-15 ms of cache misses.
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
        The sequences. A list is read in place, and references to its
        elements are taken in the same pass (a :class:`HeldRefs`: one sweep
        over the objects instead of ``tuple(list)`` followed by a second one),
        so that the addresses stay valid even if the caller's list is changed
        afterwards.
    fallback : callable(item, index) -> contiguous uint8 ndarray
        Called for anything that is neither bytes nor an ASCII str; it raises
        TypeError/ValueError for input it cannot accept.

    Returns
    -------
    ptrs, lens : ndarray of int64, shape (n,)
    held : tuple or HeldRefs
        The sequence objects (``items`` itself when it is a tuple); must
        outlive every use of ``ptrs``.
    keep : list
        Buffers produced by ``fallback``; must outlive every use of ``ptrs``.

    Raises
    ------
    RuntimeError
        If a list changes size while it is read (only possible from a
        ``fallback`` call running other Python code).
    """
    cdef bint is_list = type(items) is list
    if not is_list and type(items) is not tuple:
        raise TypeError(f"pack_items takes a list or tuple, got {type(items).__name__}")
    cdef Py_ssize_t n = len(items), i
    ptrs_arr = np.empty(n, dtype=np.int64)
    lens_arr = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] ptrs = ptrs_arr
    cdef int64_t[::1] lens = lens_arr
    cdef const uint8_t[::1] view
    cdef list keep = []
    cdef object x
    cdef HeldRefs refs = None
    cdef object held = items
    if is_list:
        refs = HeldRefs.__new__(HeldRefs)
        held = refs
        if n > 0:
            refs.refs = <PyObject**> malloc(n * sizeof(PyObject*))
            if refs.refs == NULL:
                raise MemoryError(f"no memory to hold {n:,} sequence references")
    cdef size_t empty_addr = <size_t> PyBytes_AS_STRING(b"")
    for i in range(n):
        if is_list:
            if PyList_GET_SIZE(items) != n:
                raise RuntimeError(
                    "the list of sequences changed size while it was being read"
                )
            if i + PACK_PREFETCH < n:
                DEEPBIOP_PREFETCH_W(PyList_GET_ITEM(items, i + PACK_PREFETCH))
            x = <object> PyList_GET_ITEM(items, i)
            Py_INCREF(x)
            refs.refs[i] = <PyObject*> x
            refs.n = i + 1
        else:
            if i + PACK_PREFETCH < n:
                DEEPBIOP_PREFETCH_W(PyTuple_GET_ITEM(items, i + PACK_PREFETCH))
            x = (<tuple> items)[i]
        if PyBytes_Check(x):
            ptrs[i] = <int64_t> <size_t> PyBytes_AS_STRING(x)
            lens[i] = PyBytes_GET_SIZE(x)
        elif PyUnicode_Check(x) and PyUnicode_IS_COMPACT_ASCII(x):
            ptrs[i] = <int64_t> <size_t> PyUnicode_DATA(x)
            lens[i] = PyUnicode_GET_LENGTH(x)
        else:
            buf = fallback(x, i)
            keep.append(buf)
            view = buf
            lens[i] = view.shape[0]
            ptrs[i] = <int64_t> (<size_t> &view[0] if view.shape[0] > 0 else empty_addr)
    return ptrs_arr, lens_arr, held, keep


cdef int _scan_range(PyObject** it, Py_ssize_t a, Py_ssize_t b, int64_t* ptrs,
                     int64_t* lens) noexcept nogil:
    """Addresses and lengths of elements [a, b); 1 if one is not plain."""
    cdef Py_ssize_t i
    cdef int bad = 0
    for i in range(a, b):
        if i + PACK_PREFETCH < b:
            DEEPBIOP_PREFETCH(it[i + PACK_PREFETCH])
        if not dbp_plain(it[i], ptrs + i, lens + i):
            bad = 1
    return bad


cdef int _scan_all(PyObject** it, Py_ssize_t n, int64_t* ptrs, int64_t* lens,
                   int n_threads) noexcept nogil:
    """``_scan_range`` over every element, in blocks shared by ``n_threads``;
    the number of blocks holding an element that is not plain.

    Runs while the *calling* thread holds the GIL (it is not released here),
    so no Python code can change or free an element meanwhile.
    """
    cdef Py_ssize_t nb = (n + SCAN_BLOCK - 1) // SCAN_BLOCK, blk
    cdef int bad = 0
    for blk in prange(nb, schedule="dynamic", chunksize=1, num_threads=n_threads):
        # a reduction (a plain assignment in prange would be lastprivate)
        bad += _scan_range(it, blk * SCAN_BLOCK, min(n, (blk + 1) * SCAN_BLOCK), ptrs, lens)
    return bad


def scan_plain(items, int n_threads=1):
    """(ptrs, lens) of a list or tuple read in place, without references.

    Parameters
    ----------
    items : object
        Taken only if it is an exact list or tuple whose elements are all
        exact ``bytes`` or compact-ASCII ``str`` objects.
    n_threads : int
        Threads sharing the scan (the GIL stays with the caller throughout).

    Returns
    -------
    (ptrs, lens) or None
        None when ``items`` is anything else (the caller packs it the
        general way). The addresses are *borrowed*: they stay valid only
        while the objects do, so kernels are given ``items`` instead and
        read each element's address again with the GIL held
        (``_common.borrowed_items`` / ``dbp_item``); the lengths give the
        output width.
    """
    if type(items) is not list and type(items) is not tuple:
        return None
    cdef Py_ssize_t n = len(items)
    ptrs_arr = np.empty(n, dtype=np.int64)
    lens_arr = np.empty(n, dtype=np.int64)
    if n == 0:
        return ptrs_arr, lens_arr
    cdef int64_t[::1] ptrs = ptrs_arr
    cdef int64_t[::1] lens = lens_arr
    cdef PyObject** it = dbp_items(items)
    cdef int bad
    if n_threads > 1 and n > SCAN_BLOCK:
        bad = _scan_all(it, n, &ptrs[0], &lens[0], n_threads)
    else:
        bad = _scan_range(it, 0, n, &ptrs[0], &lens[0])
    return None if bad else (ptrs_arr, lens_arr)


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
