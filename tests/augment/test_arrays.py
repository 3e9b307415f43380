"""deepbiop/augment/_arrays.py: integer codes and one-hot rows, each checked
against the encoding of the same augmentation applied to the text (the
encoders are the reference here)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import deepbiop as dbp
from deepbiop import augment as aug

IUPAC_TEXT = "ACGTacgtRYSWKMBDHVNrysw kmbdhvn-.X"
STRATEGIES = ["skip", "uniform", "iupac"]


# -- reverse complement: one-hot ------------------------------------------------------------
@pytest.mark.parametrize("strategy", STRATEGIES)
@given(s=st.text(alphabet=IUPAC_TEXT, max_size=50))
def test_rc_onehot_equals_onehot_of_rc(strategy, s):
    enc = dbp.OneHotEncoder("dna", strategy)
    got = aug.reverse_complement_onehot(enc.encode(s))
    assert got.flags.c_contiguous and got.dtype == np.float32
    np.testing.assert_array_equal(got, enc.encode(aug.reverse_complement(s, "dna")))


@pytest.mark.parametrize("channels_first", [False, True])
@given(batch=st.lists(st.text(alphabet=IUPAC_TEXT, max_size=30), min_size=1, max_size=6))
def test_rc_onehot_batch_with_lengths(channels_first, batch):
    enc = dbp.OneHotEncoder("dna", "iupac", channels_first=channels_first)
    x = enc.encode_batch(batch)
    lens = [len(s) for s in batch]
    got = aug.reverse_complement_onehot(x, lengths=lens, channels_first=channels_first)
    want = enc.encode_batch([aug.reverse_complement(s, "dna") for s in batch])
    np.testing.assert_array_equal(got, want)


def test_rc_onehot_rna_and_whole_width():
    enc = dbp.OneHotEncoder("rna")
    np.testing.assert_array_equal(
        aug.reverse_complement_onehot(enc.encode("GAUC"), "rna"), enc.encode("GAUC")
    )
    x = dbp.OneHotEncoder().encode_batch(["AC", "A"])
    full = aug.reverse_complement_onehot(x)  # no lengths: padding moves to the front
    np.testing.assert_array_equal(full[1], [[0, 0, 0, 0], [0, 0, 0, 1]])
    with pytest.raises(ValueError, match="has 5 columns on axis 1; alphabet 'dna' has 4"):
        aug.reverse_complement_onehot(np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"lengths\[1\] = 9 is outside 0..2"):
        aug.reverse_complement_onehot(x, lengths=[2, 9])
    with pytest.raises(ValueError, match="lengths has 1 entries for a batch of 2"):
        aug.reverse_complement_onehot(x, lengths=[2])
    with pytest.raises(ValueError, match="must have 2 or 3 dimensions, got shape"):
        aug.reverse_complement_onehot(np.zeros(4))


# -- reverse complement: codes ----------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "int64", "int8"])
@given(batch=st.lists(st.text(alphabet="ACGTacgtN", max_size=30), min_size=1, max_size=6))
def test_rc_codes_equals_codes_of_rc(dtype, batch):
    enc = dbp.IntegerEncoder("dna", "unknown", dtype=dtype)
    got = aug.reverse_complement_codes(enc.encode_batch(batch))
    want = enc.encode_batch([aug.reverse_complement(s, "dna") for s in batch])
    np.testing.assert_array_equal(got, want)
    assert got.dtype == np.dtype(dtype)
    lens = [len(s) for s in batch]
    np.testing.assert_array_equal(
        aug.reverse_complement_codes(enc.encode_batch(batch), lengths=lens), want
    )
    for s in batch:
        np.testing.assert_array_equal(
            aug.reverse_complement_codes(enc.encode(s)),
            enc.encode(aug.reverse_complement(s, "dna")),
        )


def test_rc_codes_errors():
    with pytest.raises(ValueError, match=r"codes must have shape \(L,\) or \(B, L\)"):
        aug.reverse_complement_codes(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="alphabet 'protein' has no complement"):
        aug.reverse_complement_codes(np.zeros(3), "protein")


# -- mutations ------------------------------------------------------------------------------------
@given(st.text(alphabet="ACGTacgtN", max_size=60), st.floats(0, 1), st.integers(0, 2**32))
def test_mutate_codes_matches_text(s, rate, seed):
    enc = dbp.IntegerEncoder("dna", "unknown", dtype="int64")
    got = aug.mutate_codes(enc.encode(s), rate, random_state=seed)
    np.testing.assert_array_equal(got, enc.encode(aug.mutate(s, rate, random_state=seed)))
    f = aug.mutate_codes(enc.encode(s).astype(np.float32), rate, random_state=seed)
    np.testing.assert_array_equal(f, got.astype(np.float32))


@given(
    st.lists(st.text(alphabet="ACGTacgtN", max_size=30), min_size=1, max_size=6),
    st.floats(0, 1),
    st.integers(0, 2**32),
)
def test_mutate_codes_of_a_batch_matches_mutate_batch(batch, rate, seed):
    """Row i of a padded batch draws as sequence i of mutate_batch; padding
    and the unknown code stay."""
    enc = dbp.IntegerEncoder("dna", "unknown", dtype="int16")
    got = aug.mutate_codes(enc.encode_batch(batch), rate, random_state=seed)
    want = enc.encode_batch(aug.mutate_batch(batch, rate, random_state=seed))
    np.testing.assert_array_equal(got, want)
    assert got.dtype == np.int16


def test_mutate_codes_keeps_what_is_not_a_code():
    x = np.array([0.0, 1.5, -1.0, 4.0, np.nan, 2.0, 3.0])
    out = aug.mutate_codes(x, 1.0, random_state=3)
    np.testing.assert_array_equal(out[[1, 2, 3]], x[[1, 2, 3]])
    assert np.isnan(out[4])
    assert all(out[i] != x[i] and out[i] in (0, 1, 2, 3) for i in (0, 5, 6))
    assert aug.mutate_codes(np.array([], dtype=np.int8), 1.0).shape == (0,)
    np.testing.assert_array_equal(aug.mutate_codes(x, 0.0), x)
    assert aug.mutate_codes(x, 0.0) is not x
    prot = aug.mutate_codes(np.arange(20), 1.0, alphabet="protein", random_state=0)
    assert ((prot != np.arange(20)) & (prot >= 0) & (prot < 20)).all()
