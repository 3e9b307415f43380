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
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM
from cpython.ref cimport Py_INCREF, PyObject
from libc.stdint cimport uint8_t, int64_t

import numpy as np

cdef extern from "Python.h":
    bint PyUnicode_IS_COMPACT_ASCII(object o)
    void* PyUnicode_DATA(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)


def pack_items(items, fallback):
    """Return (ptrs, lens, held, keep) for a tuple or list of sequence objects.

    Parameters
    ----------
    items : tuple or list
        The sequences. A list is read in place, and a tuple of references to
        its elements is built in the same pass (one sweep over the objects
        instead of ``tuple(list)`` followed by a second one), so that the
        addresses stay valid even if the caller's list is changed afterwards.
    fallback : callable(item, index) -> contiguous uint8 ndarray
        Called for anything that is neither bytes nor an ASCII str; it raises
        TypeError/ValueError for input it cannot accept.

    Returns
    -------
    ptrs, lens : ndarray of int64, shape (n,)
    held : tuple
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
    cdef object held = PyTuple_New(n) if is_list else items
    cdef size_t empty_addr = <size_t> PyBytes_AS_STRING(b"")
    for i in range(n):
        if is_list:
            if PyList_GET_SIZE(items) != n:
                raise RuntimeError(
                    "the list of sequences changed size while it was being read"
                )
            x = <object> PyList_GET_ITEM(items, i)
            Py_INCREF(x)  # PyTuple_SET_ITEM steals a reference
            PyTuple_SET_ITEM(held, i, x)
        else:
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
