"""The thread pool every deepbiop kernel runs on.

``parallel_for`` (cimported by the kernels) runs a body over ``n`` items in
chunks that the calling thread and the pool's helpers claim from one counter.
The caller never waits for a helper that has not started: a helper the OS has
not scheduled yet finds the job finished when it wakes. See ``_pool_impl.h``
for the protocol and why OpenMP's fork-join is not used.
"""
from libc.stdint cimport int64_t

cdef extern from "_pool_impl.h":
    int DEEPBIOP_HAVE_POOL
    ctypedef void (*dbp_body_t)(void* ctx, int64_t lo, int64_t hi, int worker) noexcept nogil
    int dbp_parallel_for(int64_t n, int64_t grain, int n_threads, int64_t work,
                         dbp_body_t body, void* ctx) noexcept nogil
    void dbp_pool_stats(int64_t* out) noexcept nogil
    void dbp_pool_hold_helpers(int hold) noexcept nogil
    void dbp_pool_set_penalty(int64_t ns) noexcept nogil
    void dbp_pool_set_decide(int on) noexcept nogil


cdef int parallel_for(int64_t n, int64_t grain, int n_threads, int64_t work, body_t body,
                      void* ctx) noexcept nogil:
    """Run ``body`` over ``[0, n)`` in chunks of ``grain`` items on up to
    ``n_threads`` threads; returns how many could take part. ``work``: a
    measure proportional to the job's cost (0: ``n``).

    Preconditions (the kernels' callers check them): ``body`` writes only
    what items ``[lo, hi)`` own (plus scratch indexed by ``worker``), and
    ``ctx`` stays valid until this returns.
    """
    return dbp_parallel_for(n, grain, n_threads, work, <dbp_body_t> body, ctx)


def pool_enabled():
    """True when the kernels can run on several threads (the pool was built)."""
    return bool(DEEPBIOP_HAVE_POOL)


def pool_stats():
    """Counters of this process's pool, for tests and diagnostics.

    Returns a dict: ``helpers`` (threads started), ``jobs`` (calls that
    opened a job for helpers), ``helper_chunks`` (chunks the helpers ran),
    ``serial_busy`` (calls that ran serially because another thread's job
    held the pool), ``serial_contended`` (calls that ran serially because
    recent joins waited for preempted helpers) and ``penalty_ns`` (that
    recent excess wait, as it stands now).
    """
    cdef int64_t s[6]
    dbp_pool_stats(s)
    return {"helpers": s[0], "jobs": s[1], "helper_chunks": s[2], "serial_busy": s[3],
            "serial_contended": s[4], "penalty_ns": s[5]}


def _set_decide(bint on):
    """Test hook: False turns the per-call decision off (every job with
    n_threads > 1 gets its threads), True (the default) back on."""
    dbp_pool_set_decide(on)


def _set_penalty(int64_t ns):
    """Test hook: set the measured excess wait (ns) as if a join had just
    waited that long for a preempted helper."""
    dbp_pool_set_penalty(ns)


def _hold_helpers(bint hold):
    """Test hook: while held, helpers that wake wait before joining a job (as
    helpers the OS has not scheduled yet would); release with False."""
    dbp_pool_hold_helpers(hold)


cdef struct _probe_ctx:
    int64_t* out
    int* workers


cdef void _probe_body(void* ctx, int64_t lo, int64_t hi, int worker) noexcept nogil:
    cdef _probe_ctx* c = <_probe_ctx*> ctx
    cdef int64_t i
    for i in range(lo, hi):
        c.out[i] += i + 1
        c.workers[i] = worker


def probe(int64_t n, int64_t grain, int n_threads):
    """Run a trivial body over ``n`` items (for the pool's own tests).

    Returns ``(values, workers, threads)``: ``values[i] == i + 1`` exactly
    when every item ran once, ``workers[i]`` the worker that ran item i, and
    the number of threads that could take part.
    """
    import numpy as np
    if n < 0 or grain < 0 or n_threads < 1:
        raise ValueError("probe: n >= 0, grain >= 0 and n_threads >= 1")
    values = np.zeros(n, dtype=np.int64)
    workers = np.full(n, -1, dtype=np.int32)
    cdef int64_t[::1] v = values
    cdef int[::1] w = workers
    cdef _probe_ctx c
    c.out = &v[0] if n else NULL
    c.workers = &w[0] if n else NULL
    cdef int t
    with nogil:
        t = parallel_for(n, grain, n_threads, n, _probe_body, &c)
    return values, workers, t
