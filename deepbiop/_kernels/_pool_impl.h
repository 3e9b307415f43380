/* deepbiop's work-claiming thread pool (included by _pool.pyx only).
 *
 * Why not OpenMP's fork-join: a parallel region ends at a barrier that every
 * thread of the team must reach, so a call is as slow as the last thread the
 * OS schedules. On a busy node that thread may wait several milliseconds for
 * a core while the caller has long finished the work (measured: 0.4 ms of
 * work took 8 ms). libgomp is also not fork-safe: a child forked after its
 * parent ran a region hangs in its first region.
 *
 * This pool (the rayon/TBB model):
 *   - the caller is worker 0 and claims chunks itself, from one atomic
 *     counter shared with the helpers;
 *   - helpers sleep on a condition variable (no spinning that would steal the
 *     cores of a busy machine) and join a job when they wake, if it is still
 *     open, taking worker ids 1 .. n_threads-1;
 *   - when the counter runs out the caller closes the job and waits only for
 *     helpers that joined it, each of which is finishing one chunk it already
 *     holds. A helper that the OS has not scheduled yet is never waited for:
 *     when it wakes it finds the job closed and goes back to sleep;
 *   - one job at a time: a second caller that finds the pool busy (another
 *     Python thread, the GIL released) runs its own work serially;
 *   - after fork() the child resets the pool (a pthread_atfork handler) and
 *     starts fresh helpers on its first parallel call;
 *   - a decision at each call (dbp_go_serial): a helper that the OS preempts
 *     inside a job (holding a chunk, or just joined) makes the caller wait
 *     until it is scheduled again, a whole time slice on a busy node
 *     (measured: 1.6 ms of work took 6.5 ms with one busy process per core).
 *     Helpers measure the time they spent inside a job without running (wall
 *     minus thread CPU time); the part of the caller's wait it explains is
 *     the penalty, kept with each body's cost per unit of work. While the
 *     expected penalty of a parallel job (a running average, halved every
 *     500 ms without news) exceeds what a second thread could save (half
 *     the job's serial cost), the job runs on the caller alone. A probe
 *     after the penalty has decayed costs one time slice, so the half-life
 *     keeps probes rare. A quiet machine has (almost) no penalty, so jobs
 *     keep their threads; large jobs keep them under load too, where the
 *     helper's share outweighs the expected wait.
 *
 * The closing protocol: a helper increments `active` and then reads `open`;
 * the caller stores open = 0 and then reads `active` (all sequentially
 * consistent). So either the helper sees the job closed and touches nothing,
 * or the caller sees it and waits for it. Job fields are written before
 * open = 1 and read only after open == 1 was seen, and a caller returns only
 * when active == 0, so no helper ever reads the fields of a finished job.
 *
 * Where there are no POSIX threads or no GCC/Clang atomics (or the build sets
 * DEEPBIOP_NO_POOL), dbp_parallel_for runs the whole range on the caller.
 */
#ifndef DEEPBIOP_POOL_IMPL_H
#define DEEPBIOP_POOL_IMPL_H

#include <stdint.h>
#include <string.h>
#include <time.h>

typedef void (*dbp_body_t)(void *ctx, int64_t lo, int64_t hi, int worker);

#if !defined(DEEPBIOP_NO_POOL) && (defined(__unix__) || defined(__APPLE__)) && \
    (defined(__GNUC__) || defined(__clang__))
#define DEEPBIOP_HAVE_POOL 1
#include <pthread.h>
#include <signal.h>

#define DBP_MAX_HELPERS 1023
#define DBP_LOAD(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define DBP_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#define DBP_ADD(p, v) __atomic_add_fetch((p), (v), __ATOMIC_SEQ_CST)
#define DBP_FETCH_ADD(p, v) __atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)

typedef struct {
    pthread_mutex_t mu;      /* guards gen, n_helpers and the condition waits */
    pthread_cond_t work_cv;  /* helpers wait here for a new generation */
    pthread_cond_t done_cv;  /* the caller waits here for active == 0 */
    pthread_mutex_t busy;    /* held by the caller of the running job */
    int n_helpers;           /* helper threads started in this process */
    uint64_t gen;            /* job generation (under mu) */
    /* the job; written by its caller while open == 0 */
    dbp_body_t body;
    void *ctx;
    int64_t n, grain, n_chunks;
    int n_threads;
    /* atomics */
    int64_t next;            /* next chunk to claim */
    int open;                /* 1 while helpers may join */
    int active;              /* helpers inside a job (never reset) */
    int next_wid;            /* last worker id handed out */
    int waiting;             /* the caller sleeps on done_cv */
    /* statistics (atomics; for tests and show_config) */
    int64_t jobs, helper_chunks, serial_busy, serial_contended;
    /* the per-call decision (relaxed atomics: a lost update is harmless) */
    int64_t penalty_ns;      /* recent excess wait at a join */
    int64_t penalty_at;      /* when it was measured (CLOCK_MONOTONIC ns) */
    int64_t stolen_ns;       /* this job: longest time a helper spent inside
                              * it without running (wall - CPU time) */
    uint64_t rate_key[64];   /* (body, work per item class) and its cost per */
    int64_t rate_ns1024[64]; /* unit of work (ns * 1024) */
} dbp_pool_t;

#define DBP_RELAXED_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define DBP_RELAXED_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define DBP_HALF_LIFE_NS 500000000LL   /* the penalty halves every 500 ms */
#define DBP_SERIAL_FACTOR 2            /* serial below 2 x the penalty: a second
                                        * thread saves at most half the job */

static dbp_pool_t dbp_pool;
static pthread_once_t dbp_pool_once = PTHREAD_ONCE_INIT;

/* Test hook: 0 turns the per-call decision off (every job gets its threads),
 * so tests that compare thread counts really run the threaded path. */
static int dbp_decide = 1;

/* Test hook: while the gate is closed, woken helpers wait before joining a
 * job, as helpers the OS has not scheduled would (tests/test_pool.py). */
static pthread_mutex_t dbp_gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t dbp_gate_cv = PTHREAD_COND_INITIALIZER;
static int dbp_gate_closed = 0;

static void dbp_pool_hold_helpers(int hold) {
    pthread_mutex_lock(&dbp_gate_mu);
    DBP_STORE(&dbp_gate_closed, hold ? 1 : 0);
    pthread_cond_broadcast(&dbp_gate_cv);
    pthread_mutex_unlock(&dbp_gate_mu);
}

static void dbp_pool_reset(void) {
    memset(&dbp_pool, 0, sizeof(dbp_pool));
    pthread_mutex_init(&dbp_pool.mu, NULL);
    pthread_mutex_init(&dbp_pool.busy, NULL);
    pthread_cond_init(&dbp_pool.work_cv, NULL);
    pthread_cond_init(&dbp_pool.done_cv, NULL);
}

/* In a forked child only the forking thread exists: the helpers (and any
 * job another parent thread was running) are gone, and a mutex may have been
 * copied locked. Start from nothing; helpers are created again on demand. */
static void dbp_pool_atfork_child(void) {
    dbp_pool_reset();
    pthread_mutex_init(&dbp_gate_mu, NULL);
    pthread_cond_init(&dbp_gate_cv, NULL);
    dbp_gate_closed = 0;
}

static void dbp_pool_init(void) {
    dbp_pool_reset();
    pthread_atfork(NULL, NULL, dbp_pool_atfork_child);
}

/* End of the chunk starting at lo (< n): lo + grain, or n for the last one.
 * Written as a comparison of n - lo (no overflow: 0 < n - lo <= n) rather
 * than lo + grain < n, which overflows (undefined behaviour) for a grain near
 * INT64_MAX. */
static inline int64_t dbp_chunk_end(int64_t lo, int64_t grain, int64_t n) {
    return n - lo > grain ? lo + grain : n;
}

static int64_t dbp_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* CPU time of the calling thread (0 where the clock is missing: then no
 * helper ever looks preempted and the pool keeps its threads). */
static int64_t dbp_thread_cpu_ns(void) {
#if defined(CLOCK_THREAD_CPUTIME_ID)
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
        return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
#endif
    return 0;
}

/* The cost table's key of a body for jobs of about 2**bucket units of work
 * per item: one kernel's cost per unit differs with its parameters (k-mer
 * rows of k = 3 and k = 6 weigh bases and output columns differently), and
 * the work per item tells such jobs apart. */
static uint64_t dbp_rate_key(dbp_body_t body, int64_t work, int64_t n) {
    int64_t per = n > 0 ? work / n : work;
    uint64_t bucket = 0;
    while (per > 1 && bucket < 63) {
        per >>= 1;
        bucket++;
    }
    return ((uint64_t)(uintptr_t)body << 6) ^ bucket ^ ((uint64_t)1 << 63);
}

/* The slot of `key` in the cost table (-1 when the table is full). */
static int dbp_rate_slot(uint64_t key) {
    dbp_pool_t *P = &dbp_pool;
    int i;
    for (i = 0; i < 64; i++) {
        uint64_t k = __atomic_load_n(&P->rate_key[i], __ATOMIC_ACQUIRE);
        if (k == key)
            return i;
        if (k == 0) {
            uint64_t expected = 0;
            if (__atomic_compare_exchange_n(&P->rate_key[i], &expected, key, 0,
                                            __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
                return i;
            if (expected == key)
                return i;
        }
    }
    return -1;
}

/* Fold a measured cost (ns for `items` units of work) into the estimate. */
static void dbp_rate_note(uint64_t key, int64_t ns, int64_t items) {
    dbp_pool_t *P = &dbp_pool;
    int slot;
    double r, old;
    if (items <= 0 || ns <= 0)
        return;
    slot = dbp_rate_slot(key);
    if (slot < 0)
        return;
    r = (double)ns * 1024.0 / (double)items;
    old = (double)DBP_RELAXED_LOAD(&P->rate_ns1024[slot]);
    if (old > 0)
        r = 0.75 * old + 0.25 * r;
    if (r < 1)
        r = 1;
    if (r > 9.0e15)
        r = 9.0e15;
    DBP_RELAXED_STORE(&P->rate_ns1024[slot], (int64_t)r);
}

static int64_t dbp_penalty_now(int64_t now) {
    dbp_pool_t *P = &dbp_pool;
    int64_t pen = DBP_RELAXED_LOAD(&P->penalty_ns);
    int64_t age = now - DBP_RELAXED_LOAD(&P->penalty_at);
    if (pen <= 0)
        return 0;
    if (age > 0) {
        int64_t halvings = age / DBP_HALF_LIFE_NS;
        pen = halvings >= 62 ? 0 : pen >> halvings;
    }
    return pen;
}

/* After a parallel job: `excess` ns of the caller's wait were spent on
 * helpers the OS had preempted. The penalty is the expected such cost of a
 * parallel job: a running average over jobs (zeros included), so one
 * stray preemption on a quiet machine moves it by a quarter only. */
static void dbp_penalty_note(int64_t now, int64_t excess) {
    dbp_pool_t *P = &dbp_pool;
    int64_t pen = dbp_penalty_now(now);
    pen = (3 * pen + excess) / 4;
    DBP_RELAXED_STORE(&P->penalty_ns, pen);
    DBP_RELAXED_STORE(&P->penalty_at, now);
}

/* The per-call decision: 1 when this job (n units of work) should run on the
 * caller alone. */
static int dbp_go_serial(uint64_t key, int64_t n, int64_t now) {
    dbp_pool_t *P = &dbp_pool;
    int64_t pen = dbp_penalty_now(now);
    int slot;
    int64_t rate;
    if (pen <= 0)
        return 0;
    slot = dbp_rate_slot(key);
    rate = slot < 0 ? 0 : DBP_RELAXED_LOAD(&P->rate_ns1024[slot]);
    if (rate <= 0)
        return 1; /* cost unknown while the machine is contended: learn it */
    return (double)n * (double)rate / 1024.0 < (double)DBP_SERIAL_FACTOR * (double)pen;
}

/* Lift the job's record of the longest time a helper was not running. */
static void dbp_note_stolen(int64_t stolen) {
    dbp_pool_t *P = &dbp_pool;
    int64_t seen = DBP_LOAD(&P->stolen_ns);
    while (stolen > seen &&
           !__atomic_compare_exchange_n(&P->stolen_ns, &seen, stolen, 0, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST)) {
    }
}

static void dbp_pool_share(void) {
    dbp_pool_t *P = &dbp_pool;
    /* time this helper spends inside the job without running (wall minus
     * thread CPU time; page faults count as CPU time): the OS preempted it,
     * and the caller may be waiting for it */
    int64_t w0 = dbp_now_ns(), c0 = dbp_thread_cpu_ns();
    DBP_ADD(&P->active, 1);
    if (DBP_LOAD(&P->open)) {
        int wid = DBP_ADD(&P->next_wid, 1);
        if (wid < P->n_threads) {
            int64_t c, lo, hi, taken = 0;
            while ((c = DBP_FETCH_ADD(&P->next, 1)) < P->n_chunks) {
                lo = c * P->grain;
                hi = dbp_chunk_end(lo, P->grain, P->n);
                P->body(P->ctx, lo, hi, wid);
                taken++;
            }
            if (taken)
                DBP_ADD(&P->helper_chunks, taken);
        }
    }
    /* before leaving the job, so the caller reads it after its wait */
    dbp_note_stolen((dbp_now_ns() - w0) - (dbp_thread_cpu_ns() - c0));
    if (DBP_ADD(&P->active, -1) == 0 && DBP_LOAD(&P->waiting)) {
        pthread_mutex_lock(&P->mu);
        pthread_cond_signal(&P->done_cv);
        pthread_mutex_unlock(&P->mu);
    }
}

static void *dbp_helper_main(void *arg) {
    dbp_pool_t *P = &dbp_pool;
    uint64_t seen = (uint64_t)(uintptr_t)arg;
    pthread_mutex_lock(&P->mu);
    for (;;) {
        while (P->gen == seen)
            pthread_cond_wait(&P->work_cv, &P->mu);
        seen = P->gen;
        pthread_mutex_unlock(&P->mu);
        if (DBP_LOAD(&dbp_gate_closed)) {
            pthread_mutex_lock(&dbp_gate_mu);
            while (DBP_LOAD(&dbp_gate_closed))
                pthread_cond_wait(&dbp_gate_cv, &dbp_gate_mu);
            pthread_mutex_unlock(&dbp_gate_mu);
        }
        dbp_pool_share();
        pthread_mutex_lock(&P->mu);
    }
    return NULL;
}

/* Start helpers until there are `want` (under mu). Returns how many exist. */
static int dbp_pool_grow(int want) {
    dbp_pool_t *P = &dbp_pool;
    pthread_attr_t attr;
    sigset_t all, old;
    if (want > DBP_MAX_HELPERS)
        want = DBP_MAX_HELPERS;
    if (P->n_helpers >= want)
        return P->n_helpers;
    if (pthread_attr_init(&attr) != 0)
        return P->n_helpers;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* helpers never take asynchronous signals: Python handles them on the main
     * thread. The synchronous ones a fault raises in the faulting thread stay
     * unblocked: Linux delivers such a signal even when it is blocked, but
     * first resets its handler to the default, so a crash in a helper would
     * kill the process silently, skipping faulthandler's traceback and the
     * sanitizers' reports (tests/stress/test_stress_pool.py). */
    sigfillset(&all);
    sigdelset(&all, SIGSEGV);
    sigdelset(&all, SIGBUS);
    sigdelset(&all, SIGFPE);
    sigdelset(&all, SIGILL);
    sigdelset(&all, SIGTRAP);
    sigdelset(&all, SIGABRT);
    sigdelset(&all, SIGSYS);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    while (P->n_helpers < want) {
        pthread_t th;
        if (pthread_create(&th, &attr, dbp_helper_main, (void *)(uintptr_t)P->gen) != 0)
            break;
        P->n_helpers++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    return P->n_helpers;
}

/* Run body(ctx, lo, hi, worker) over [0, n) in chunks of `grain` items
 * (`work`: a measure proportional to the job's cost, 0 for n), on up to
 * n_threads threads (worker ids 0 .. n_threads-1; the caller is 0).
 * Returns the number of threads that could take part (1 when it ran
 * serially). Chunks are claimed in increasing order by whichever worker is
 * free, so the body must not depend on which worker runs a chunk except for
 * per-worker scratch indexed by `worker`. */
static int dbp_parallel_for(int64_t n, int64_t grain, int n_threads, int64_t work,
                            dbp_body_t body, void *ctx) {
    dbp_pool_t *P = &dbp_pool;
    int64_t n_chunks, c, lo, hi, t0, t1, t2, mine_items = 0;
    uint64_t key;
    int helpers, i;
    if (n <= 0)
        return 1;
    if (work <= 0)
        work = n;
    if (grain < 1)
        grain = 1;
    if (grain > n)
        grain = n;
    /* ceil(n / grain) without n + grain - 1, which overflows for a grain
     * near INT64_MAX (UBSan: signed integer overflow; the wrapped, negative
     * count then made the call serial only by accident) */
    n_chunks = n / grain + (n % grain != 0);
    if (n_threads > n_chunks)
        n_threads = (int)n_chunks;
    pthread_once(&dbp_pool_once, dbp_pool_init);
    t0 = dbp_now_ns();
    key = dbp_rate_key(body, work, n);
    if (n_threads > 1 && DBP_RELAXED_LOAD(&dbp_decide) && dbp_go_serial(key, work, t0)) {
        DBP_ADD(&P->serial_contended, 1);
        n_threads = 1;
    }
    if (n_threads > 1 && pthread_mutex_trylock(&P->busy) != 0) {
        DBP_ADD(&P->serial_busy, 1);
        n_threads = 1;
    }
    if (n_threads <= 1) {
        body(ctx, 0, n, 0);
        dbp_rate_note(key, dbp_now_ns() - t0, work);
        return 1;
    }
    pthread_mutex_lock(&P->mu);
    helpers = dbp_pool_grow(n_threads - 1);
    if (helpers < 1) {
        pthread_mutex_unlock(&P->mu);
        pthread_mutex_unlock(&P->busy);
        body(ctx, 0, n, 0);
        dbp_rate_note(key, dbp_now_ns() - t0, work);
        return 1;
    }
    if (n_threads > helpers + 1)
        n_threads = helpers + 1;
    P->body = body;
    P->ctx = ctx;
    P->n = n;
    P->grain = grain;
    P->n_chunks = n_chunks;
    P->n_threads = n_threads;
    DBP_STORE(&P->next, 0);
    DBP_STORE(&P->next_wid, 0);
    DBP_STORE(&P->stolen_ns, 0);
    DBP_STORE(&P->open, 1);
    P->gen++;
    for (i = 0; i < n_threads - 1; i++)
        pthread_cond_signal(&P->work_cv);
    pthread_mutex_unlock(&P->mu);
    DBP_ADD(&P->jobs, 1);

    t1 = dbp_now_ns();
    while ((c = DBP_FETCH_ADD(&P->next, 1)) < n_chunks) {
        lo = c * grain;
        hi = dbp_chunk_end(lo, grain, n);
        body(ctx, lo, hi, 0);
        mine_items += hi - lo;
    }
    DBP_STORE(&P->open, 0);
    t2 = dbp_now_ns();
    /* wait only for helpers that joined: each holds at most one chunk */
    for (i = 0; i < 2000 && DBP_LOAD(&P->active) != 0; i++) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
    if (DBP_LOAD(&P->active) != 0) {
        DBP_STORE(&P->waiting, 1);
        pthread_mutex_lock(&P->mu);
        while (DBP_LOAD(&P->active) != 0)
            pthread_cond_wait(&P->done_cv, &P->mu);
        pthread_mutex_unlock(&P->mu);
        DBP_STORE(&P->waiting, 0);
    }
    {
        /* the price of contention: the part of the caller's wait that a
         * helper spent preempted while holding a chunk (a helper that is
         * running, however slow its chunk, costs nothing extra) */
        int64_t t3 = dbp_now_ns();
        int64_t wait = t3 - t2, stolen = DBP_LOAD(&P->stolen_ns);
        dbp_penalty_note(t3, stolen < wait ? stolen : wait);
        if (mine_items)  /* the caller's share of the work, items taken as equal */
            dbp_rate_note(key, t2 - t1,
                          (int64_t)((double)work * (double)mine_items / (double)n));
    }
    pthread_mutex_unlock(&P->busy);
    return n_threads;
}

static void dbp_pool_set_decide(int on) { DBP_RELAXED_STORE(&dbp_decide, on ? 1 : 0); }

/* Test hook: set the measured penalty (ns), as if a join had just waited. */
static void dbp_pool_set_penalty(int64_t ns) {
    pthread_once(&dbp_pool_once, dbp_pool_init);
    DBP_RELAXED_STORE(&dbp_pool.penalty_ns, ns);
    DBP_RELAXED_STORE(&dbp_pool.penalty_at, dbp_now_ns());
}

static void dbp_pool_stats(int64_t *out) {
    pthread_once(&dbp_pool_once, dbp_pool_init);
    out[0] = DBP_LOAD(&dbp_pool.n_helpers);
    out[1] = DBP_LOAD(&dbp_pool.jobs);
    out[2] = DBP_LOAD(&dbp_pool.helper_chunks);
    out[3] = DBP_LOAD(&dbp_pool.serial_busy);
    out[4] = DBP_LOAD(&dbp_pool.serial_contended);
    out[5] = dbp_penalty_now(dbp_now_ns());
}

#else /* no pool: everything on the caller */
#define DEEPBIOP_HAVE_POOL 0
static int dbp_parallel_for(int64_t n, int64_t grain, int n_threads, int64_t work,
                            dbp_body_t body, void *ctx) {
    (void)grain;
    (void)n_threads;
    (void)work;
    if (n > 0)
        body(ctx, 0, n, 0);
    return 1;
}
static void dbp_pool_stats(int64_t *out) { memset(out, 0, 6 * sizeof(int64_t)); }
static void dbp_pool_hold_helpers(int hold) { (void)hold; }
static void dbp_pool_set_penalty(int64_t ns) { (void)ns; }
static void dbp_pool_set_decide(int on) { (void)on; }
#endif

#endif
