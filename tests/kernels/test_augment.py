"""The batch augmentation kernel (deepbiop/_kernels/_augment.pyx) against a
plain-Python restatement of its documented draws (this file), with
hypothesis properties. The facade tests of deepbiop.augment are in
tests/augment/."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import deepbiop as dbp
from _strategies import sequences
from deepbiop import augment as aug

M64 = 2**64 - 1


def _mix64(z: int) -> int:
    """splitmix64 finaliser, restated in plain Python."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def _mutate_batch_ref(seqs, rate, seed, symbols="ACGT"):
    """The documented draw: h = mix64(seed ^ mix64(i * golden + p)), where an
    int random_state is the seed itself; mutate when its low 32 bits are below
    round(rate * 2**32); the high 32 bits pick one of the A - 1 other symbols
    (offset 1 + k from the old code), in the old case."""
    seed &= M64
    thr = round(rate * 2**32)
    A = len(symbols)
    out = []
    for i, s in enumerate(seqs):
        chars = []
        for p, ch in enumerate(s):
            c = symbols.find(ch.upper())
            if c >= 0:
                h = _mix64(seed ^ _mix64((i * 0x9E3779B97F4A7C15 + p) & M64))
                if (h & 0xFFFFFFFF) < thr:
                    new = symbols[(c + 1 + (((h >> 32) * (A - 1)) >> 32)) % A]
                    ch = new.lower() if ch.islower() else new
            chars.append(ch)
        out.append("".join(chars))
    return out


@given(st.lists(sequences("dna", max_size=40), max_size=6), st.floats(0, 1), st.integers(0, 2**64))
def test_mutate_batch_equals_plain_python_draws(seqs, rate, seed):
    got = aug.mutate_batch(seqs, rate, random_state=seed)
    assert got == _mutate_batch_ref(seqs, rate, seed)
    assert got == aug.mutate_batch(seqs, rate, random_state=seed)  # reproducible
    as_bytes = aug.mutate_batch([s.encode() for s in seqs], rate, random_state=seed)
    assert as_bytes == [s.encode() for s in got]
    # the single-sequence function runs the same kernel on a batch of one
    assert [aug.mutate(s, rate, random_state=seed) for s in seqs[:1]] == got[:1]


@given(st.lists(sequences("dna", max_size=40), max_size=6), st.floats(0, 1), st.integers(0, 2**32))
def test_mutate_batch_properties(seqs, rate, seed):
    out = aug.mutate_batch(seqs, rate, random_state=seed)
    assert [len(s) for s in out] == [len(s) for s in seqs]
    for s, o in zip(seqs, out):
        for a, b in zip(s, o):
            if a == b:
                continue
            assert a.upper() in "ACGT", (s, o)  # N and noise never change
            assert b.upper() in "ACGT" and b.upper() != a.upper()
            assert b.islower() == a.islower()  # case kept


def test_mutate_batch_rate_uniformity_and_protein():
    seqs = ["A" * 200] * 100  # 20,000 positions
    out = aug.mutate_batch(seqs, 0.1, random_state=0)
    text = "".join(out)
    n = sum(c != "A" for c in text)
    assert 1700 < n < 2300  # Binomial(20000, 0.1): mean 2000, sd 42
    for c in "CGT":
        assert 500 < text.count(c) < 850
    assert aug.mutate_batch(seqs, 0.0, random_state=0) == seqs
    assert all(c != "A" for c in "".join(aug.mutate_batch(seqs[:3], 1.0, random_state=1)))
    prot = "ACDEFGHIKLMNPQRSTVWY" * 10
    got = aug.mutate_batch([prot, prot.lower()], 1.0, alphabet="protein", random_state=1)
    assert all(a != b for a, b in zip(got[0], prot)) and got[1].islower()
    assert all(a.upper() != b.upper() for a, b in zip(got[1], prot))
    assert aug.mutate_batch(["GAUUACA"], 1.0, alphabet="rna", random_state=2)[0].count("T") == 0


def test_batch_kernels_thread_count_independent(force_parallel):
    rng = np.random.default_rng(4)
    seqs = ["".join(rng.choice(list("ACGTNacgu"), size=int(n))) for n in rng.integers(0, 900, 300)]
    one = aug.mutate_batch(seqs, 0.2, random_state=9, n_jobs=1)
    assert one == aug.mutate_batch(seqs, 0.2, random_state=9, n_jobs=2)
    assert aug.reverse_complement_batch(seqs, n_jobs=2) == aug.reverse_complement_batch(
        seqs, n_jobs=1
    )
    # mutate_codes runs the kernel with its default threads (two here)
    codes = rng.integers(0, 5, (300, 50))  # 4: the "unknown" code of N
    text = ["".join("ACGTN"[c] for c in row) for row in codes.tolist()]
    serial = aug.mutate_batch(text, 0.2, random_state=9, n_jobs=1)
    np.testing.assert_array_equal(
        aug.mutate_codes(codes, 0.2, random_state=9),
        dbp.IntegerEncoder("dna", "unknown", dtype="int64").encode_batch(serial),
    )
