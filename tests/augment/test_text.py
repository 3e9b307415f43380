"""deepbiop/augment/_text.py: one text sequence, against the plain-Python
references in tests/_reference.py, with hypothesis properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import deepbiop as dbp
from _reference import reverse_complement as rc_ref
from _strategies import NOISE, sequences
from deepbiop import augment as aug


# -- reverse complement ------------------------------------------------------------------
def test_reverse_complement_values():
    assert aug.reverse_complement("AACGTn") == "nACGTT"
    assert aug.reverse_complement("RYKMBVDHSWN") == "NWSDHBVKMRY"
    assert aug.reverse_complement("acgt-X.") == ".X-acgt"
    assert aug.reverse_complement(b"GATTACA") == b"TGTAATC"
    assert aug.reverse_complement(bytearray(b"AC")) == b"GT"
    assert aug.reverse_complement(memoryview(b"AC")) == b"GT"
    arr = np.frombuffer(b"AACG", dtype=np.uint8)
    out = aug.reverse_complement(arr)
    assert out.dtype == np.uint8 and out.tobytes() == b"CGTT" and out.flags.writeable
    assert aug.reverse_complement("") == ""


def test_reverse_complement_rna():
    assert aug.reverse_complement("GAUUACA") == "UGUAAUC"  # auto: U and no T
    assert aug.reverse_complement("gauu", "rna") == "aauc"
    assert aug.reverse_complement("ACGU", "dna") == "UCGT"  # U has no DNA complement
    assert aug.reverse_complement("ACGT", "rna") == "TCGU"
    assert aug.reverse_complement("UT") == "AU"  # mixed: read as DNA
    assert aug.reverse_complement("GAUU", dbp.RNA) == "AAUC"
    custom = dbp.Alphabet("dna2", "ACGT", complement="TGCA")  # no IUPAC codes
    assert aug.reverse_complement("AACN", custom) == "NGTT"


@given(sequences("dna", max_size=60))
def test_rc_dna_matches_reference_and_is_involution(s):
    r = aug.reverse_complement(s, "dna")
    assert r == rc_ref(s, "dna")
    assert aug.reverse_complement(r, "dna") == s
    assert aug.reverse_complement(s.encode(), "dna") == r.encode()


@given(sequences("rna", max_size=60))
def test_rc_rna_matches_reference_and_is_involution(s):
    r = aug.reverse_complement(s, "rna")
    assert r == rc_ref(s, "rna")
    assert aug.reverse_complement(r, "rna") == s


def test_reverse_complement_errors():
    with pytest.raises(ValueError, match="alphabet 'protein' has no complement"):
        aug.reverse_complement("ACD", "protein")
    with pytest.raises(ValueError, match=r"non-ASCII character 'é' at position 2"):
        aug.reverse_complement("ACéT")
    with pytest.raises(TypeError, match="got int"):
        aug.reverse_complement(5)
    with pytest.raises(TypeError, match="reverse_complement_codes"):
        aug.reverse_complement(np.zeros(3, dtype=np.int64))


@given(sequences("dna", noise=True, max_size=80), st.integers(1, 5))
def test_canonical_kmer_counts_invariant_under_rc(s, k):
    enc = dbp.KmerEncoder(k=k, canonical=True)
    np.testing.assert_array_equal(enc.encode(s), enc.encode(aug.reverse_complement(s, "dna")))


def test_noise_characters_untouched_by_rc():
    kept = "".join(c for c in NOISE if c.upper() not in "RYKMBDHVSWN")
    assert aug.reverse_complement(kept, "dna") == kept[::-1]


def test_random_reverse_complement_probability():
    draws = [aug.random_reverse_complement("AAC", 0.3, random_state=i) for i in range(2000)]
    assert set(draws) == {"AAC", "GTT"}
    assert 0.25 < draws.count("GTT") / 2000 < 0.35
    with pytest.raises(ValueError, match=r"p must be a number in \[0, 1\]"):
        aug.random_reverse_complement("A", p=2)


# -- mutations ------------------------------------------------------------------------------
@given(sequences("dna", max_size=80), st.floats(0, 1), st.integers(0, 2**32))
def test_mutate_properties(s, rate, seed):
    out = aug.mutate(s, rate, random_state=seed)
    assert isinstance(out, str) and len(out) == len(s)
    assert out == aug.mutate(s, rate, random_state=seed)  # reproducible
    for p in range(len(s)):
        if out[p] == s[p]:
            continue
        assert s[p].upper() in "ACGT"  # N and noise never change
        assert out[p].upper() in "ACGT" and out[p].upper() != s[p].upper()
        assert out[p].islower() == s[p].islower()
    assert aug.mutate(s.encode(), rate, random_state=seed) == out.encode()
    arr = aug.mutate(np.frombuffer(s.encode(), np.uint8), rate, random_state=seed)
    assert arr.dtype == np.uint8 and arr.tobytes() == out.encode()
    assert aug.mutate(bytearray(s.encode()), rate, random_state=seed) == out.encode()


def test_mutate_rate_and_uniform_substitutions():
    s = "A" * 20000
    out = aug.mutate(s, 0.1, random_state=0)
    n = sum(c != "A" for c in out)
    assert 1700 < n < 2300  # Binomial(20000, 0.1): mean 2000, sd 42
    for c in "CGT":  # the three other bases equally likely
        assert 500 < out.count(c) < 850
    assert aug.mutate(s, 0.0) == s
    assert aug.mutate("", 1.0, random_state=0) == "" and aug.mutate(b"", 0.5) == b""
    prot = aug.mutate("ACDEFGHIKLMNPQRSTVWY" * 10, 1.0, alphabet="protein", random_state=1)
    assert all(a != b for a, b in zip(prot, "ACDEFGHIKLMNPQRSTVWY" * 10))
    assert "T" not in aug.mutate("GAUUACA" * 20, 1.0, alphabet="rna", random_state=2)


def test_mutate_errors():
    with pytest.raises(ValueError, match=r"rate must be a number in \[0, 1\], got 1.5"):
        aug.mutate("ACGT", 1.5)
    with pytest.raises(TypeError, match="random_state must be None, an int"):
        aug.mutate("ACGT", 0.5, random_state="x")
    with pytest.raises(ValueError, match=r"non-ASCII character 'é' at position 1"):
        aug.mutate("Aé", 0.5)
    with pytest.raises(TypeError, match="mutate_codes"):
        aug.mutate(np.zeros(3, dtype=np.int64), 0.5)
    with pytest.raises(ValueError, match="unknown encoding_type 'xyz'"):
        aug.mutate("ACGT", 0.5, alphabet="xyz")
    with pytest.raises(ValueError, match="alphabet 'one' has one symbol; nothing to mutate to"):
        aug.mutate("AAA", 0.5, alphabet=dbp.Alphabet("one", "A"))


def test_mutate_with_a_generator_advances_it():
    """A Generator gives one draw per call: two calls on one generator
    differ, and a copy of the generator repeats them."""
    rng = np.random.default_rng(7)
    first, second = (aug.mutate("ACGT" * 20, 0.5, random_state=rng) for _ in range(2))
    assert first != second
    rng = np.random.default_rng(7)
    assert aug.mutate("ACGT" * 20, 0.5, random_state=rng) == first
    assert aug.mutate("ACGT" * 20, 0.5, random_state=rng) == second
