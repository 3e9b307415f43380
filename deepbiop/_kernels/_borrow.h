/* Reading bytes / ASCII str objects in place, without taking references.
 *
 * Used by the "borrowed" input path (deepbiop._sequences.Packed.items): a
 * list or tuple of exact bytes / compact-ASCII str objects is read without
 * incref'ing each element, and the kernel then runs while the calling thread
 * *keeps* the GIL, so no Python code can drop an element while the OpenMP
 * threads read it. The kernel takes each row's address and length from the
 * object itself (dbp_item), in the cache line it is about to read anyway, so
 * a list changed before the call (the caller ran Python code after any scan)
 * is never read through stale addresses.
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

/* Address and length of items[i] for a kernel writing rows of width L:
 * 1 if it is plain and fits (``clamp``: longer ones are cut to L), 0 if it is
 * not plain or (without ``clamp``) longer than L. The kernel reads the object
 * itself rather than an address taken earlier: whatever the list holds now,
 * the memory read belongs to a live object. */
static inline int dbp_item(PyObject *const *items, Py_ssize_t i, int64_t L, int clamp,
                           int64_t *ptr, int64_t *len)
{
    if (!dbp_plain(items[i], ptr, len))
        return 0;
    if (*len > L) {
        if (!clamp)
            return 0;
        *len = L;
    }
    return 1;
}

/* A flag shared by the threads of one kernel call ("stop early"). */
static inline int dbp_flag_get(const int *f) { return __atomic_load_n(f, __ATOMIC_RELAXED); }
static inline void dbp_flag_set(int *f) { __atomic_store_n(f, 1, __ATOMIC_RELAXED); }

/* The element array of a list or tuple (the caller checked which). */
static inline PyObject **dbp_items(PyObject *seq)
{
    return PySequence_Fast_ITEMS(seq);
}

#endif
