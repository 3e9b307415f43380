"""Concurrent use: lists changed by another thread while ``encode_batch(...,
n_jobs=2)`` reads them, ``set_params`` from another thread during
``transform``, one encoder shared by several threads.

Allowed: a result equal to the encoding of ONE consistent state (the list
before or after the change; one of the parameter values), or a
ValueError. Never a crash, a hang, a mix of states or another exception.
Every scenario runs in a child process (``_races.py``), repeated
``DEEPBIOP_STRESS_ROUNDS`` times.
"""

from __future__ import annotations

import pytest

from _budget import STRESS_READS, STRESS_ROUNDS
from _subproc import run_child

ALLOWED = {"before", "after", "error:ValueError"}


def _run(call: str, timeout: float = 240, mem_gib: float = 16, env: dict | None = None) -> dict:
    res = run_child(f"import _races\n_races.{call}\n", timeout=timeout, mem_gib=mem_gib, env=env)
    res.check()  # a crash or hang fails here, naming the signal
    assert res.reports, f"the child reported nothing\n{res.describe()}"
    return res.reports[-1]


def _assert_allowed(counts: dict, what: str) -> None:
    bad = {k: v for k, v in counts.items() if k not in ALLOWED}
    assert not bad, (
        f"{what}: outcomes other than one consistent state or a "
        f"ValueError: {bad} (all outcomes: {counts})"
    )


def test_list_cleared_during_big_kmer_count():
    """Known defect 1 (use-after-free): 4,096 x 300 kb reads, KmerEncoder
    k=3, n_jobs=2; another thread clears the list 0.1 s into the call.

    glibc is told to map every allocation above 64 KiB on its own
    (``MALLOC_MMAP_THRESHOLD_``), so each 300 kb read is unmapped when the
    list drops it and a read of freed memory faults instead of passing
    silently (by default glibc's threshold grows after the first large free,
    and the reads would then come from the heap, which stays mapped)."""
    counts = _run(
        f"big_kmer_clear({STRESS_ROUNDS})",
        timeout=300,
        mem_gib=20,
        env={"MALLOC_MMAP_THRESHOLD_": "65536"},
    )
    _assert_allowed(counts, "list cleared during a k-mer count")


MUTATIONS = {
    "reorder": ["reverse", "sort", "replace_all"],  # known defect 3: reverse
    "resize": ["append", "extend", "clear", "shrink"],
    "replace_one": ["replace_one_longer", "replace_one_bytes"],
}


def _run_mutations(encoder: str, group: str, n: int) -> None:
    res = run_child(
        f"import _races\n_races.list_race({encoder!r}, {MUTATIONS[group]!r}, "
        f"{n}, 200, {STRESS_ROUNDS})\n",
        timeout=300,
    )
    done = res.reports[-1] if res.reports else {}
    if res.timed_out or res.returncode != 0:
        raise AssertionError(f"finished mutations {done}; then:\n{res.describe()}")
    bad = {m: {k: v for k, v in c.items() if k not in ALLOWED} for m, c in done.items()}
    bad = {m: b for m, b in bad.items() if b}
    assert set(done) == set(MUTATIONS[group]), done
    assert not bad, (
        f"{encoder}: outcomes other than one consistent state or a "
        f"ValueError: {bad} (all outcomes: {done})"
    )


@pytest.mark.parametrize("group", list(MUTATIONS))
@pytest.mark.parametrize("encoder", ["integer", "onehot", "kmer"])
def test_list_changed_during_encode_batch(encoder, group):
    """``STRESS_READS`` x 200 bp reads (200,000 in the long run) with
    n_jobs=2 while another thread changes the list: reversed, sorted, every
    element replaced; appended to, extended, cleared, shrunk; one element
    replaced by a longer str or by bytes. Each mutation is applied at five
    delays spread over one call's duration."""
    _run_mutations(encoder, group, STRESS_READS)


@pytest.mark.parametrize("group", ["reorder", "resize"])
def test_list_changed_during_encode_batch_with_max_length(group):
    _run_mutations("integer_max_length", group, STRESS_READS)


@pytest.mark.parametrize(
    "race",
    [
        "kmer_protein_k",  # known defect 2
        "kmer_dna_k",
        "onehot_encoding_type",
        "integer_max_length",
        "integer_dtype",
        "onehot_channels_first",
    ],
)
def test_set_params_from_another_thread_during_transform(race):
    """A thread cycles one parameter with ``set_params`` while transform runs
    on the same encoder: each result must be that of one parameter value."""
    if race == "kmer_protein_k":  # 2.6 GB outputs: fewer, slower calls
        call = f"param_race({race!r}, {30 * STRESS_ROUNDS}, {12.0 * STRESS_ROUNDS})"
    else:
        call = f"param_race({race!r}, {300 * STRESS_ROUNDS})"
    counts = _run(call, timeout=300 + 30 * STRESS_ROUNDS, mem_gib=24)
    _assert_allowed(counts, f"set_params race {race}")


def test_list_resized_during_width_sample():
    """Known defect 11 (second form): the list shrinks while the 64-element
    width sample is taken (IndexError instead of a consistent result or a
    documented error)."""
    counts = _run(f"width_sample_race({250 * STRESS_ROUNDS})")
    _assert_allowed(counts, "list resized during the width sample")


@pytest.mark.parametrize("encoder", ["integer", "onehot", "kmer"])
def test_one_encoder_shared_by_threads(encoder):
    """Four Python threads, one shared encoder with n_jobs=2, each its own
    batch (equal-length list, list of varying lengths, numpy S array): every result right."""
    counts = _run(f"shared_encoder({encoder!r}, 4, {2 * STRESS_ROUNDS})")
    assert set(counts) == {"before"}, counts
