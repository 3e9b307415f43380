"""Thread safety: several Python threads may call ``transform`` at once (also
on one shared estimator) and each must get exactly its own answer (every call
holds references to its input and releases the GIL in its kernel; races with
other threads changing the input or the parameters are in ``tests/stress``).
Plus ``show_config``'s report."""

from __future__ import annotations

import io
import os
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import deepbiop as dbp
from _reference import integer_batch_ref, kmer_batch_ref, onehot_batch_ref


def _batches(n_batches=8, n_seqs=300, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_batches):
        lens = rng.integers(0, 400, size=n_seqs)
        out.append(["".join(rng.choice(list("ACGTacgtN"), size=int(n))) for n in lens])
    return out


BATCHES = _batches()


def _run_concurrently(fn, items, workers=8):
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items))


@pytest.mark.parametrize("n_jobs", [1, 2, None])
def test_concurrent_transform_shared_estimators(n_jobs):
    onehot = dbp.OneHotEncoder("dna", "iupac", n_jobs=n_jobs)
    integer = dbp.IntegerEncoder("dna", "unknown", dtype=np.int16, n_jobs=n_jobs)
    kmer = dbp.KmerEncoder(k=4, canonical=True, n_jobs=n_jobs)
    # expected values computed serially first
    expected = [(onehot.transform(b), integer.transform(b), kmer.transform(b)) for b in BATCHES]

    def work(i):
        b = BATCHES[i % len(BATCHES)]
        return i, onehot.transform(b), integer.transform(b), kmer.transform(b)

    results = _run_concurrently(work, range(4 * len(BATCHES)))
    for i, oh, ints, km in results:
        e_oh, e_int, e_km = expected[i % len(BATCHES)]
        np.testing.assert_array_equal(oh, e_oh)
        np.testing.assert_array_equal(ints, e_int)
        np.testing.assert_array_equal(km, e_km)


def test_concurrent_results_match_reference():
    # the serial expectation itself checked against the plain-Python reference
    small = [b[:20] for b in BATCHES]

    def work(b):
        return (
            dbp.OneHotEncoder("dna", "uniform").transform(b),
            dbp.IntegerEncoder("dna", "unknown").transform(b),
            dbp.KmerEncoder(k=3).transform(b),
        )

    for b, (oh, ints, km) in zip(small, _run_concurrently(work, small)):
        np.testing.assert_allclose(oh, onehot_batch_ref(b, "dna", "uniform"), rtol=1e-7)
        np.testing.assert_array_equal(ints, integer_batch_ref(b, "dna", "unknown"))
        np.testing.assert_array_equal(km, kmer_batch_ref(b, 3))


def test_concurrent_random_strategy_is_reproducible():
    enc = dbp.OneHotEncoder("dna", "random", seed=17)
    expected = [enc.transform(b) for b in BATCHES]
    results = _run_concurrently(lambda i: (i, enc.transform(BATCHES[i])), range(len(BATCHES)))
    for i, out in results:
        np.testing.assert_array_equal(out, expected[i])


def test_concurrent_errors_stay_with_their_thread():
    enc = dbp.IntegerEncoder("dna", "error")
    clean = [s.upper().replace("N", "A") for s in BATCHES[0]]
    bad = list(clean)
    bad[7] = "ACGTXACGT"
    bad[9] = "X"  # only the first bad sequence is reported

    def work(i):
        try:
            return "ok", enc.transform(clean if i % 2 else bad)
        except ValueError as err:
            return "err", str(err)

    for i, (kind, val) in enumerate(_run_concurrently(work, range(16))):
        if i % 2:
            assert kind == "ok"
            np.testing.assert_array_equal(val, integer_batch_ref(clean))
        else:
            assert kind == "err"
            assert re.match(r"sequence 7 \(of 300\): invalid character 'X' at position 4 ", val)


def test_concurrent_out_buffers_do_not_mix():
    enc = dbp.OneHotEncoder("dna", max_length=64)
    bufs = [np.empty((len(b), 64, 4), np.float32) for b in BATCHES]

    def work(i):
        enc.encode_batch(BATCHES[i], out=bufs[i])
        return i

    _run_concurrently(work, range(len(BATCHES)))
    for b, buf in zip(BATCHES, bufs):
        np.testing.assert_array_equal(buf, onehot_batch_ref(b, max_length=64))


def test_show_config_reports_version_openmp_threads():
    buf = io.StringIO()
    dbp.show_config(file=buf)
    text = buf.getvalue()
    assert f"deepbiop {dbp.__version__}" in text
    assert re.search(r"^openmp: (enabled|disabled)", text, re.M)
    assert re.search(r"^thread pool: (enabled|disabled)", text, re.M)
    m = re.search(r"^threads \(n_jobs=None\): (\d+)$", text, re.M)
    assert m and int(m.group(1)) == dbp.effective_n_threads(None) >= 1
    if not dbp.threads_enabled():
        assert int(m.group(1)) == 1
    assert re.search(r"^byte lookup: (avx2|scalar)", text, re.M)


def test_disable_simd_switch_selects_the_scalar_lookup():
    import subprocess
    import sys

    code = (
        "from deepbiop._kernels import _integer as k; import deepbiop as dbp; "
        "print(k.simd_isa(), dbp.IntegerEncoder('dna', 'unknown', dtype='int8')"
        ".encode('ACGTN' * 10).tolist() == [0, 1, 2, 3, 4] * 10)"
    )
    env = dict(os.environ, DEEPBIOP_DISABLE_SIMD="1")
    res = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert res.stdout.split() == ["scalar", "True"]


def test_show_config_prints_to_stdout(capsys):
    dbp.show_config()
    out = capsys.readouterr().out
    assert "deepbiop" in out and "openmp" in out and "threads" in out


def test_show_config_honours_threadpoolctl():
    from threadpoolctl import threadpool_limits

    if not (dbp.openmp_enabled() and dbp.threads_enabled()):
        pytest.skip("threadpoolctl acts on OpenMP; this build has no OpenMP or no threads")
    with threadpool_limits(limits=1, user_api="openmp"):
        buf = io.StringIO()
        dbp.show_config(file=buf)
    assert "threads (n_jobs=None): 1" in buf.getvalue()


def test_omp_num_threads_is_honoured():
    import os
    import subprocess
    import sys

    code = "import deepbiop as d; print(d.effective_n_threads(None), d.openmp_enabled())"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[0] == "1"


def test_limit_from_environment_without_openmp(monkeypatch):
    """The rule a build without OpenMP uses for n_jobs=None."""
    from deepbiop import _config

    monkeypatch.setenv("OMP_NUM_THREADS", "3,2")
    assert _config._limit_from_environment() == 3
    monkeypatch.setenv("OMP_NUM_THREADS", "junk")
    want = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert _config._limit_from_environment() == want
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert _config._limit_from_environment() == want
