"""Long sequences that the kernels split into pieces shared by every thread.

One-hot and integer kernels cut rows longer than 65,536 positions into pieces
(so ``encode`` of one long sequence uses every thread); the dense k-mer kernel
counts a long sequence in 65,536-window pieces into per-thread rows that it sums.
These tests put errors, random draws and N runs across piece boundaries and
check the results against the plain-Python references, for 1 and 2 threads.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import deepbiop as dbp
from _reference import integer_ref, kmer_ref, onehot_ref

SEG = 65_536  # positions per piece in the one-hot / integer kernels
KSEG = 1 << 16  # window starts per piece in the dense k-mer kernel

# n_jobs=2 must really run two threads on these ~130k-base rows, below the
# default per-thread work threshold.
pytestmark = pytest.mark.usefixtures("force_parallel")


def _long_dna(n: int, seed: int) -> str:
    rng = np.random.default_rng(seed)
    buf = np.frombuffer(b"ACGTacgtN", np.uint8)[rng.integers(0, 9, size=n)]
    return buf.tobytes().decode()


@pytest.fixture(scope="module")
def seq() -> str:
    # spans three one-hot/integer pieces, with an N run across the first border
    s = list(_long_dna(2 * SEG + 1_000, seed=7))
    s[SEG - 3 : SEG + 3] = "NNNNNN"
    return "".join(s)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_integer_long_row_matches_reference(seq, n_jobs):
    out = dbp.IntegerEncoder("dna", "unknown", n_jobs=n_jobs).encode(seq)
    np.testing.assert_array_equal(out, integer_ref(seq, "dna", "unknown"))


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_onehot_long_row_matches_reference(seq, n_jobs):
    out = dbp.OneHotEncoder("dna", "skip", n_jobs=n_jobs).encode(seq)
    np.testing.assert_array_equal(out, onehot_ref(seq, "dna", "skip"))
    cf = dbp.OneHotEncoder("dna", "skip", channels_first=True, n_jobs=n_jobs).encode(seq)
    np.testing.assert_array_equal(cf, onehot_ref(seq, "dna", "skip").T)


def test_long_batch_padding_across_pieces(seq):
    batch = [seq, seq[:10], ""]
    for n_jobs in (1, 2):
        out = dbp.IntegerEncoder("dna", "unknown", n_jobs=n_jobs).encode_batch(batch)
        assert out.shape == (3, len(seq))
        np.testing.assert_array_equal(out[1, 10:], -1)
        np.testing.assert_array_equal(out[2], -1)
        oh = dbp.OneHotEncoder("dna", n_jobs=n_jobs).encode_batch(batch)
        assert not oh[1, 10:].any() and not oh[2].any()
        np.testing.assert_array_equal(oh[1, :10], onehot_ref(seq[:10]))


def test_random_draws_identical_for_any_thread_count(seq):
    one = dbp.OneHotEncoder("dna", "random", seed=3, n_jobs=1).encode(seq)
    two = dbp.OneHotEncoder("dna", "random", seed=3, n_jobs=2).encode(seq)
    np.testing.assert_array_equal(one, two)
    assert (one.sum(axis=1) == 1).all()
    i1 = dbp.IntegerEncoder("dna", "random", seed=3, n_jobs=1).encode(seq)
    i2 = dbp.IntegerEncoder("dna", "random", seed=3, n_jobs=2).encode(seq)
    np.testing.assert_array_equal(i1, i2)
    assert set(np.unique(i1)) <= {0, 1, 2, 3}


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_first_error_reported_from_a_later_piece(n_jobs):
    s = list("ACGT" * (SEG // 2))  # 2 pieces, no N
    s[SEG + 5] = "X"
    s[SEG + 9] = "Z"
    s = "".join(s)
    msg = re.escape(f"invalid character 'X' at position {SEG + 5}")
    with pytest.raises(ValueError, match=msg):
        dbp.IntegerEncoder("dna", "error", n_jobs=n_jobs).encode(s)
    with pytest.raises(ValueError, match=msg):
        dbp.OneHotEncoder("dna", "error", n_jobs=n_jobs).encode(s)


@pytest.fixture(scope="module")
def kseq() -> str:
    # three k-mer pieces; N runs and soft-masking around both piece borders
    s = list(_long_dna(2 * KSEG + 5_000, seed=11))
    s[KSEG - 2] = "N"
    s[2 * KSEG + 1] = "n"
    return "".join(s)


@pytest.mark.parametrize("canonical", [False, True])
def test_kmer_long_row_split_counts(kseq, canonical):
    ref = kmer_ref(kseq, 4, "dna", canonical)
    for n_jobs in (1, 2):
        out = dbp.KmerEncoder(4, canonical=canonical, n_jobs=n_jobs).encode(kseq)
        np.testing.assert_array_equal(out, ref)


def test_kmer_long_row_first_error(kseq):
    s = kseq.replace("N", "A").replace("n", "a")
    s = s[: KSEG + 2] + "X" + s[KSEG + 3 : 2 * KSEG] + "Z" + s[2 * KSEG + 1 :]
    for n_jobs in (1, 2):
        with pytest.raises(ValueError, match=re.escape(f"'X' at position {KSEG + 2}")):
            dbp.KmerEncoder(3, ambiguous_strategy="error", n_jobs=n_jobs).encode(s)
