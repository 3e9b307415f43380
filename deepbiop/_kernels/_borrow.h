/* Reading bytes / ASCII str objects in place, without taking references.
 *
 * Used by the "borrowed" input path (deepbiop._sequences.pack_batch with
 * borrow=True): a list or tuple of exact bytes / compact-ASCII str objects is
 * read without incref'ing each element, and the kernel then runs while the
 * calling thread *keeps* the GIL, so no Python code can drop an element while
 * the OpenMP threads read it. Between the scan and the kernel the caller runs
 * Python code (it allocates the output), so the kernel checks each element
 * again, in the same cache line it is about to read anyway: dbp_same().
 *
 * Everything here is plain loads from object headers: callable from any
 * thread as long as some thread holding the GIL keeps the objects alive.
 */
#ifndef DEEPBIOP_BORROW_H
#define DEEPBIOP_BORROW_H

#include <Python.h>
#include <stdint.h>

/* Address and length of an exact bytes object or an exact compact-ASCII str:
 * 1 on success, 0 for any other object (the caller then takes the general
 * path, which handles subclasses, non-ASCII text and buffers). */
static inline int dbp_plain(PyObject *o, int64_t *ptr, int64_t *len)
{
    PyTypeObject *t = Py_TYPE(o);
    if (t == &PyBytes_Type) {
        *ptr = (int64_t)(size_t)PyBytes_AS_STRING(o);
        *len = (int64_t)PyBytes_GET_SIZE(o);
        return 1;
    }
    if (t == &PyUnicode_Type && PyUnicode_IS_COMPACT_ASCII(o)) {
        *ptr = (int64_t)(size_t)PyUnicode_DATA(o);
        *len = (int64_t)PyUnicode_GET_LENGTH(o);
        return 1;
    }
    return 0;
}

/* 1 if items[i] is still a plain object whose bytes start at ``ptr`` and
 * number at least ``len`` (``len`` may be a truncated length): then reading
 * ``len`` bytes at ``ptr`` stays inside a live object. */
static inline int dbp_same(PyObject *const *items, Py_ssize_t i, int64_t ptr, int64_t len)
{
    int64_t p, n;
    if (!dbp_plain(items[i], &p, &n))
        return 0;
    return p == ptr && n >= len;
}

/* The element array of a list or tuple (the caller checked which). */
static inline PyObject **dbp_items(PyObject *seq)
{
    return PySequence_Fast_ITEMS(seq);
}

#endif
