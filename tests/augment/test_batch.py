"""deepbiop/augment/_batch.py: the batch functions' facade (input forms,
output types, errors) and the promise that a single-sequence call draws
exactly what the batch call draws for item 0. The kernel's draws themselves
are checked in tests/kernels/test_augment.py."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from deepbiop import augment as aug

IUPAC_TEXT = "ACGTacgtRYSWKMBDHVNrysw kmbdhvn-.X"
TEXT = st.text(alphabet=IUPAC_TEXT + "Uu", max_size=60)
SEEDS = st.integers(0, 2**64 - 1)


@given(TEXT, st.floats(0, 1), SEEDS, st.sampled_from(["dna", "rna", "protein"]))
def test_mutate_single_equals_batch_item(s, rate, seed, alphabet):
    """One generator for both: mutate(s) == mutate_batch([s])[0] for the same
    int seed, the same Generator state, and every text type."""
    want = aug.mutate_batch([s], rate, alphabet=alphabet, random_state=seed)[0]
    assert aug.mutate(s, rate, alphabet=alphabet, random_state=seed) == want
    raw = s.encode()
    assert aug.mutate(raw, rate, alphabet=alphabet, random_state=seed) == want.encode()
    arr = aug.mutate(np.frombuffer(raw, np.uint8), rate, alphabet=alphabet, random_state=seed)
    assert arr.tobytes() == want.encode()
    g1, g2 = np.random.default_rng(seed), np.random.default_rng(seed)
    one = aug.mutate(s, rate, alphabet=alphabet, random_state=g1)
    assert one == aug.mutate_batch([s], rate, alphabet=alphabet, random_state=g2)[0]
    assert g1.random() == g2.random()  # both took the same draws from the generator


@given(TEXT, st.floats(0, 1), SEEDS)
def test_random_reverse_complement_single_equals_batch_item(s, p, seed):
    want = aug.random_reverse_complement_batch([s], p, random_state=seed)[0]
    assert aug.random_reverse_complement(s, p, random_state=seed) == want
    g1, g2 = np.random.default_rng(seed), np.random.default_rng(seed)
    one = aug.random_reverse_complement(s.encode(), p, random_state=g1)
    assert one == aug.random_reverse_complement_batch([s.encode()], p, random_state=g2)[0]
    assert g1.random() == g2.random()


@given(st.lists(st.text(alphabet=IUPAC_TEXT + "Uu", max_size=40), max_size=6))
def test_reverse_complement_batch_equals_per_sequence(seqs):
    for alphabet in ("auto", "dna", "rna"):
        want = [aug.reverse_complement(s, alphabet) for s in seqs]
        assert aug.reverse_complement_batch(seqs, alphabet) == want
        assert aug.reverse_complement_batch([s.encode() for s in seqs], alphabet) == [
            w.encode() for w in want
        ]


def test_random_reverse_complement_batch_draws():
    seqs = [f"AAC{'G' * i}" for i in range(200)]
    got = aug.random_reverse_complement_batch(seqs, 0.3, random_state=5)
    flips = np.random.default_rng(5).random(200) < 0.3
    assert got == [aug.reverse_complement(s) if f else s for s, f in zip(seqs, flips)]
    mixed = aug.random_reverse_complement_batch(
        ["AC", b"AC", bytearray(b"AC"), np.frombuffer(b"AC", np.uint8)], 1.0
    )
    assert mixed == ["GT", b"GT", b"GT", b"GT"]
    assert aug.random_reverse_complement_batch([], 0.5) == []
    assert aug.reverse_complement_batch(["", "A"]) == ["", "T"]
    assert aug.mutate_batch((s for s in ["AC", "GT"]), 0.0) == ["AC", "GT"]  # any iterable
    assert aug.mutate_batch(np.array([b"AC", b"G"]), 0.0) == [b"AC", b"G"]


def test_batch_kernel_errors():
    with pytest.raises(TypeError, match="got a single str; wrap it in a list"):
        aug.mutate_batch("ACGT", 0.1)
    with pytest.raises(
        ValueError, match=r"sequence 1: non-ASCII character 'é' \(U\+00E9\) at position 2"
    ):
        aug.mutate_batch(["AC", "ACéT"], 0.1)
    with pytest.raises(ValueError, match=r"rate must be a number in \[0, 1\], got 1.5"):
        aug.mutate_batch(["AC"], 1.5)
    with pytest.raises(ValueError, match=r"p must be a number in \[0, 1\]"):
        aug.random_reverse_complement_batch(["AC"], 2)
    with pytest.raises(ValueError, match="alphabet 'protein' has no complement"):
        aug.reverse_complement_batch(["AC"], "protein")
    with pytest.raises(TypeError, match="sequence 0: expected bytes, str"):
        aug.mutate_batch([3], 0.1)
    with pytest.raises(TypeError, match="random_state must be None, an int"):
        aug.mutate_batch(["AC"], 0.1, random_state=1.5)
