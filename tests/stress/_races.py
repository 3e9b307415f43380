"""Race scenarios, run inside a child process by ``test_stress_concurrency.py``
(a crash then fails one test, with the signal named).

Each scenario reports (``report``, see ``_subproc.py``) a dict of outcome
counts. Allowed outcomes: ``"before"`` / ``"after"`` (the result equals the
encoding of one consistent state of the list or of the parameters) and
``"error:ValueError"``. Anything else (``"wrong"``,
``"mixed"``, ``"error:IndexError"``, ...) is a defect; the parent test fails
on it, and on any crash.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter

import numpy as np

import _fastref as F
import deepbiop as dbp

ALLOWED = {"before", "after", "error:ValueError"}


def _report(obj) -> None:
    import __main__

    __main__.report(obj)


def reads(n: int, length: int, seed: int = 0, letters: bytes = b"ACGT") -> list:
    """``n`` random reads of ``length`` letters, as exact str objects."""
    rng = np.random.default_rng(seed)
    table = np.frombuffer(letters, dtype=np.uint8)
    raw = table[rng.integers(0, len(letters), size=n * length)].tobytes()
    text = raw.decode("ascii")
    return [text[i * length : (i + 1) * length] for i in range(n)]


# ----------------------------------------------------------------- encoders
ENCODERS = {
    "integer": lambda: dbp.IntegerEncoder("dna", "unknown", dtype=np.int8, n_jobs=2),
    "onehot": lambda: dbp.OneHotEncoder("dna", dtype=np.uint8, n_jobs=2),
    "kmer": lambda: dbp.KmerEncoder(k=3, dtype=np.int32, n_jobs=2),
    "integer_max_length": lambda: dbp.IntegerEncoder(
        "dna", "unknown", dtype=np.int8, max_length=150, n_jobs=2
    ),
}


def reference(name: str, seqs: list) -> np.ndarray:
    raw = [s.encode("ascii") if isinstance(s, str) else bytes(s) for s in seqs]
    if name == "integer":
        return F.integer_codes(raw).astype(np.int8)
    if name == "integer_max_length":
        return F.integer_codes(raw, max_length=150).astype(np.int8)
    if name == "onehot":
        return F.onehot(raw, dtype=np.uint8)
    if name == "kmer":
        return F.kmer_counts(raw, 3).astype(np.int32)
    raise KeyError(name)


def classify(out, before: np.ndarray, after: np.ndarray) -> str:
    if out.shape == before.shape and np.array_equal(out, before):
        return "before"
    if out.shape == after.shape and np.array_equal(out, after):
        return "after"
    if out.shape == before.shape == after.shape and out.shape[0]:
        rows_b = (out == before).reshape(out.shape[0], -1).all(axis=1)
        rows_a = (out == after).reshape(out.shape[0], -1).all(axis=1)
        if (rows_b | rows_a).all():
            return "mixed"  # every row is right for one state, not all for the same
    return "wrong"


# ---------------------------------------------------------------- mutations
def _mutations(n: int, length: int) -> dict:
    other = reads(n, length, seed=99)
    longer = "ACGT" * (length // 4 + 8)
    return {
        "append": lambda lst: lst.append(longer),
        "clear": lambda lst: lst.clear(),
        "reverse": lambda lst: lst.reverse(),
        "sort": lambda lst: lst.sort(),
        "replace_all": lambda lst: lst.__setitem__(slice(None), other),
        "replace_one_longer": lambda lst: lst.__setitem__(n // 2, longer),
        "replace_one_bytes": lambda lst: lst.__setitem__(n - 3, other[0].encode()),
        "shrink": lambda lst: lst.__delitem__(slice(n // 3, None)),
        "extend": lambda lst: lst.extend(other[: n // 2]),
    }


def _fresh(text: str, n: int, length: int) -> list:
    """New str objects for every round, so that a list holds the only
    reference to its elements and a mutation really frees them."""
    return [text[i * length : (i + 1) * length] for i in range(n)]


def list_race(encoder: str, mutations: list, n: int, length: int, rounds: int) -> None:
    """One thread encodes ``n`` x ``length`` reads with ``n_jobs=2`` while
    another applies each mutation to the same list, at delays spread over
    the measured duration of one call. Reports ``{mutation: counts}`` after
    each mutation (and names the running one on stderr, for a crash)."""
    text = "".join(reads(n, length))
    base = _fresh(text, n, length)
    before = reference(encoder, base)
    enc = ENCODERS[encoder]()
    t0 = time.perf_counter()
    enc.encode_batch(base)
    took = time.perf_counter() - t0
    delays = [0.0, took / 8, took / 4, took / 2, 3 * took / 4]
    del base
    results = {}
    for mutation in mutations:
        print(
            f"running mutation {mutation!r} (one call takes {took * 1e3:.0f} ms)",
            file=sys.stderr,
            flush=True,
        )
        mutate = _mutations(n, length)[mutation]
        after_list = _fresh(text, n, length)
        mutate(after_list)
        after = reference(encoder, after_list)
        del after_list
        counts: Counter = Counter()
        for _ in range(rounds):
            for delay in delays:
                lst = _fresh(text, n, length)
                go = threading.Event()

                def work():
                    go.wait()
                    time.sleep(delay)
                    mutate(lst)  # noqa: F821 (del frees the list at the end of the round)

                t = threading.Thread(target=work)
                t.start()
                go.set()
                try:
                    out = enc.encode_batch(lst)
                except Exception as exc:  # noqa: BLE001 - judged by the parent
                    counts[f"error:{type(exc).__name__}"] += 1
                else:
                    counts[classify(out, before, after)] += 1
                t.join()
                del lst
        results[mutation] = dict(counts)
        _report(results)


def big_kmer_clear(rounds: int, delays: tuple = (0.1,)) -> None:
    """Known defect 1: 4,096 x 300 kb reads, k=3, n_jobs=2; another thread
    clears the list (which holds the only reference to the reads) after
    ``delay`` seconds."""
    body = "ACGT" * 75_000
    # counts of body from the reference on 1,000 periods: each of its four
    # 3-mers (ACG, CGT: 1,000; GTA, TAC: 999) gains one per extra period
    unit = F.kmer_counts([("ACGT" * 1000).encode()], 3)[0]
    row = np.where(unit > 0, unit + 74_000, 0).astype(np.float32)
    before = np.broadcast_to(row, (4096, row.shape[0]))
    after = np.zeros((0, 64), dtype=np.float32)
    enc = dbp.KmerEncoder(k=3, n_jobs=2)
    counts: Counter = Counter()
    for _ in range(rounds):
        for delay in delays:
            lst = [body + str(i) for i in range(4096)]

            def work():
                time.sleep(delay)
                lst.clear()

            t = threading.Thread(target=work)
            t.start()
            try:
                out = enc.transform(lst)
            except Exception as exc:  # noqa: BLE001
                counts[f"error:{type(exc).__name__}"] += 1
            else:
                counts[classify(out, before, after)] += 1
            t.join()
    _report(dict(counts))


# --------------------------------------------------------------- set_params
def _protein_reads(n, length, seed=0):
    return reads(n, length, seed, b"ACDEFGHIKLMNPQRSTVWY")


PARAM_RACES = {
    # name -> (make encoder, param, values, batch, reference(value, batch))
    # 4,096 rows: an output of 4,096 x 20**4 float32 (2.6 GB) for k=4; the
    # batch repeats 8 distinct reads, whose reference rows are compared
    # with every 8th output row (see param_race)
    "kmer_protein_k": (
        lambda: dbp.KmerEncoder(k=2, encoding_type="protein", n_jobs=2),
        "k",
        [2, 4],
        lambda: _protein_reads(8, 30) * 512,
        lambda v, b: F.kmer_counts([s.encode() for s in b[:8]], v, "protein").astype(np.float32),
    ),
    "kmer_dna_k": (
        lambda: dbp.KmerEncoder(k=2, n_jobs=2),
        "k",
        [2, 6],
        lambda: reads(256, 300),
        lambda v, b: F.kmer_counts([s.encode() for s in b], v).astype(np.float32),
    ),
    "onehot_encoding_type": (
        lambda: dbp.OneHotEncoder("dna", n_jobs=2),
        "encoding_type",
        ["dna", "protein"],
        lambda: _protein_reads(256, 200, seed=3),
        lambda v, b: F.onehot([s.encode() for s in b], v, dtype=np.float32),
    ),
    "integer_max_length": (
        lambda: dbp.IntegerEncoder("dna", "unknown", dtype=np.int8, n_jobs=2),
        "max_length",
        [None, 100, 300],
        lambda: reads(256, 200, seed=4),
        lambda v, b: F.integer_codes([s.encode() for s in b], max_length=v).astype(np.int8),
    ),
    "integer_dtype": (
        lambda: dbp.IntegerEncoder("dna", "unknown", n_jobs=2),
        "dtype",
        [np.int8, np.float64],
        lambda: reads(256, 200, seed=5),
        lambda v, b: F.integer_codes([s.encode() for s in b]).astype(v),
    ),
    "onehot_channels_first": (
        lambda: dbp.OneHotEncoder("dna", dtype=np.uint8, max_length=200, n_jobs=2),
        "channels_first",
        [False, True],
        lambda: reads(256, 200, seed=6),
        lambda v, b: (lambda x: x.transpose(0, 2, 1) if v else x)(
            F.onehot([s.encode() for s in b], dtype=np.uint8)
        ),
    ),
}


def _same(out, ref) -> bool:
    if out.dtype != ref.dtype or out.ndim != ref.ndim or out.shape[1:] != ref.shape[1:]:
        return False
    if out.shape[0] == ref.shape[0]:
        return np.array_equal(out, ref)
    period = ref.shape[0]  # a batch repeating ``period`` distinct reads
    if out.shape[0] % period:
        return False
    return all(
        np.array_equal(out[j::period], np.broadcast_to(ref[j], out[j::period].shape))
        for j in range(period)
    )


def param_race(name: str, iterations: int, max_seconds: float = 60.0) -> None:
    """One thread calls ``set_params`` in a loop (cycling the values) while
    this one transforms with the same encoder; every result must equal the
    reference for one of the values. Stops after ``iterations`` calls or
    ``max_seconds``, whichever comes first."""
    make, param, values, batch_fn, ref_fn = PARAM_RACES[name]
    sys.setswitchinterval(1e-6)  # hand the GIL over as often as possible
    batch = batch_fn()
    refs = [(v, ref_fn(v, batch)) for v in values]
    enc = make()
    # start from a value in the list (the encoder's own default may not be one)
    enc.set_params(**{param: values[0]})
    stop = threading.Event()

    def flip():
        i = 0
        while not stop.is_set():
            enc.set_params(**{param: values[i % len(values)]})
            i += 1

    t = threading.Thread(target=flip)
    t.start()
    counts: Counter = Counter()
    t0 = time.monotonic()
    try:
        for _ in range(iterations):
            if time.monotonic() - t0 > max_seconds:
                break
            try:
                out = enc.transform(batch)
            except Exception as exc:  # noqa: BLE001
                counts[f"error:{type(exc).__name__}"] += 1
                continue
            for _v, ref in refs:
                if _same(out, ref):
                    counts["before"] += 1  # one consistent parameter set
                    break
            else:
                counts["wrong"] += 1
    finally:
        stop.set()
        t.join()
    _report(dict(counts))


# ------------------------------------------------------------- width sample
def width_sample_race(iterations: int) -> None:
    """Known defect 11 (second form): another thread switches the list
    between 8,192 and 4,100 equal-length reads while encode_batch samples
    its width; results must be those of one of the two lists."""
    sys.setswitchinterval(1e-6)
    long = reads(8192, 100, seed=7)
    short = long[:4100]
    refs = {
        len(long): F.integer_codes([s.encode() for s in long]).astype(np.int8),
        len(short): F.integer_codes([s.encode() for s in short]).astype(np.int8),
    }
    enc = dbp.IntegerEncoder("dna", "unknown", dtype=np.int8, n_jobs=2)
    lst = list(long)
    stop = threading.Event()

    def flip():
        while not stop.is_set():
            lst[:] = short
            time.sleep(0.0003)
            lst[:] = long
            time.sleep(0.0003)

    t = threading.Thread(target=flip)
    t.start()
    counts: Counter = Counter()
    try:
        for _ in range(iterations):
            try:
                out = enc.encode_batch(lst)
            except Exception as exc:  # noqa: BLE001
                counts[f"error:{type(exc).__name__}"] += 1
                continue
            ref = refs.get(out.shape[0])
            ok = ref is not None and out.shape == ref.shape and np.array_equal(out, ref)
            counts["before" if ok else "wrong"] += 1
    finally:
        stop.set()
        t.join()
    _report(dict(counts))


# ----------------------------------------------------------- shared encoder
def shared_encoder(encoder: str, n_threads: int, iterations: int) -> None:
    """``n_threads`` Python threads encode their own batches with one shared
    encoder (n_jobs=2): equal-length batches of >= 4,096 reads,
    variable-length ones and numpy S arrays."""
    enc = ENCODERS[encoder]()
    batches = []
    for j in range(n_threads):
        if j % 3 == 0:
            b = reads(6000, 150, seed=10 + j)
        elif j % 3 == 1:
            rng = np.random.default_rng(j)
            b = [s[: int(rng.integers(0, 150))] for s in reads(5000, 150, seed=10 + j)]
        else:
            b = np.array([s.encode() for s in reads(5000, 120, seed=10 + j)], dtype="S")
        batches.append(b)
    refs = [
        reference(encoder, [bytes(x) if isinstance(x, np.bytes_) else x for x in b])
        for b in batches
    ]
    counts: Counter = Counter()
    lock = threading.Lock()
    start = threading.Barrier(n_threads)

    def work(j):
        start.wait()
        for _ in range(iterations):
            try:
                out = enc.encode_batch(batches[j])
                key = "before" if np.array_equal(out, refs[j]) else "wrong"
            except Exception as exc:  # noqa: BLE001
                key = f"error:{type(exc).__name__}"
            with lock:
                counts[key] += 1

    threads = [threading.Thread(target=work, args=(j,)) for j in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _report(dict(counts))
