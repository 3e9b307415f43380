"""Hashed k-mer rows (KmerEncoder(n_features=...), deepbiop._kernels._kmer_sparse)
against a plain-Python reference written here: splitmix64 of each window's code,
the column from its low 63 bits, the sign from its top bit, summed per column."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

import deepbiop as dbp
import deepbiop.encoders.kmer as kmer_module
from _reference import kmer_counts_ref, kmer_index, reverse_complement
from _strategies import batches
from deepbiop._kernels import _kmer_sparse
from deepbiop.encoders._kmer_csr import LONG_ROW_WINDOWS

M64 = (1 << 64) - 1


def splitmix64(code: int) -> int:
    """The documented hash: splitmix64's output for the state ``code``."""
    z = (code + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def column_sign(code: int, n_features: int, alternate_sign: bool) -> tuple[int, int]:
    h = splitmix64(code)
    sign = -1 if alternate_sign and h >> 63 else 1
    return (h & ((1 << 63) - 1)) % n_features, sign


def hashed_row_ref(seq, k, n_features, *, alternate_sign=True, canonical=False, enc="dna"):
    """``{column: sum of signs}`` of one sequence, zero sums dropped (the
    windows as kmer_counts_ref finds them, canonical as it picks them)."""
    row: dict[int, int] = {}
    for kmer, n in kmer_counts_ref(seq, k, enc, canonical).items():
        col, sign = column_sign(kmer_index(kmer, enc), n_features, alternate_sign)
        row[col] = row.get(col, 0) + sign * n
    return {c: v for c, v in row.items() if v != 0}


def as_rows(X) -> list[dict[int, int]]:
    assert sp.isspmatrix_csr(X) and X.has_sorted_indices
    out = []
    for i in range(X.shape[0]):
        lo, hi = X.indptr[i], X.indptr[i + 1]
        assert np.all(X.data[lo:hi] != 0), "an explicit zero was stored"
        out.append(dict(zip(X.indices[lo:hi].tolist(), X.data[lo:hi].astype(np.int64).tolist())))
    return out


# --------------------------------------------------------------- the hash ----
@given(st.lists(st.integers(0, (1 << 62) - 1), max_size=50), st.integers(1, 2**31 - 1))
def test_hash_codes_is_the_documented_hash(codes, n_features):
    arr = np.array(codes, dtype=np.uint64)
    cols = np.empty(arr.size, np.int64)
    signs = np.empty(arr.size, np.int8)
    _kmer_sparse.hash_codes(arr, n_features, True, cols, signs)
    assert list(zip(cols.tolist(), signs.tolist())) == [
        column_sign(c, n_features, True) for c in codes
    ]
    _kmer_sparse.hash_codes(arr, n_features, False, cols, signs)
    assert set(signs.tolist()) <= {1}


def test_known_values_pin_the_function():
    # fixed for every platform and release: a change of hash would move every column
    cols = np.empty(4, np.int64)
    signs = np.empty(4, np.int8)
    codes = np.array([0, 1, 2**41, 4**21 - 1], dtype=np.uint64)
    _kmer_sparse.hash_codes(codes, 2**20, True, cols, signs)
    assert [(c, s) for c, s in zip(cols.tolist(), signs.tolist())] == [
        column_sign(int(c), 2**20, True) for c in codes
    ]
    assert splitmix64(0) == 0xE220A8397B1DCDAF  # splitmix64's first output from state 0


# ----------------------------------------------------------------- rows -------
@given(
    batches("dna", max_len=60, max_batch=6),
    st.integers(1, 31),
    st.sampled_from([1, 2, 3, 7, 64, 2**20]),
    st.booleans(),
    st.booleans(),
)
def test_rows_equal_the_reference(seqs, k, n_features, alternate_sign, canonical):
    enc = dbp.KmerEncoder(
        k=k,
        canonical=canonical,
        n_features=n_features,
        alternate_sign=alternate_sign,
        dtype=np.int64,
    )
    X = enc.transform(seqs)
    assert X.shape == (len(seqs), n_features)
    want = [
        hashed_row_ref(s, k, n_features, alternate_sign=alternate_sign, canonical=canonical)
        for s in seqs
    ]
    assert as_rows(X) == want


@given(batches("protein", max_len=30, max_batch=5), st.integers(1, 6), st.integers(1, 50))
def test_protein_rows_equal_the_reference(seqs, k, n_features):
    X = dbp.KmerEncoder(k=k, encoding_type="protein", n_features=n_features, dtype="int32")
    want = [hashed_row_ref(s, k, n_features, enc="protein") for s in seqs]
    assert as_rows(X.transform(seqs)) == want


def test_collisions_add_and_signs_cancel():
    # one column: every window lands in it, its entry is the sum of the signs
    seq = "ACGTTGCAAGGCTTAACCGGTAGCT"
    k = 4
    signs = [column_sign(kmer_index(seq[i : i + k]), 1, True)[1] for i in range(len(seq) - k + 1)]
    X = dbp.KmerEncoder(k=k, n_features=1, dtype=np.int64).transform([seq])
    total = sum(signs)
    assert as_rows(X) == [{0: total} if total else {}]
    counts = dbp.KmerEncoder(k=k, n_features=1, alternate_sign=False).transform([seq])
    assert as_rows(counts) == [{0: len(signs)}]
    # two k-mers of opposite sign in one column cancel: nothing is stored
    pairs = {}
    for code in range(4**3):
        col, sign = column_sign(code, 2, True)
        pairs.setdefault((col, sign), code)
    (a, b) = pairs[(0, 1)], pairs[(0, -1)]
    spell = dbp.kmer_names("dna", 3, [a, b])
    X = dbp.KmerEncoder(k=3, n_features=2).transform([spell[0] + "N" + spell[1]])
    assert X.shape == (1, 2) and X.nnz == 0


def test_canonical_rows_are_strand_independent():
    rng = np.random.default_rng(3)
    seqs = ["".join(rng.choice(list("ACGTN"), 80)) for _ in range(20)]
    enc = dbp.KmerEncoder(k=21, canonical=True, n_features=2**16)
    X = enc.transform(seqs)
    Y = enc.transform([reverse_complement(s) for s in seqs])
    assert (X != Y).nnz == 0


def test_batch_equals_each_sequence_alone_and_any_thread_count(force_parallel):
    # partition independence: a row depends on its sequence only
    rng = np.random.default_rng(4)
    seqs = ["".join(rng.choice(list("ACGTNacgt"), int(n))) for n in rng.integers(0, 300, 64)]
    one = dbp.KmerEncoder(k=21, n_features=2**18, n_jobs=1).transform(seqs)
    two = dbp.KmerEncoder(k=21, n_features=2**18, n_jobs=2).transform(seqs)
    assert (one != two).nnz == 0
    alone = sp.vstack([dbp.KmerEncoder(k=21, n_features=2**18).transform([s]) for s in seqs])
    assert (one != alone).nnz == 0


def test_long_row_through_the_spectrum_counter():
    # a row of LONG_ROW_WINDOWS windows or more takes the parallel spectrum path
    rng = np.random.default_rng(5)
    seq = "".join(rng.choice(list("ACGT"), LONG_ROW_WINDOWS + 40)) + "N" + "ACGT" * 10
    for canonical in (False, True):
        enc = dbp.KmerEncoder(k=13, canonical=canonical, n_features=1000, dtype=np.int64)
        got = as_rows(enc.transform([seq, "ACGTACGTACGTAC"]))
        want = [hashed_row_ref(s, 13, 1000, canonical=canonical) for s in (seq, "ACGTACGTACGTAC")]
        assert got == want


def test_error_strategy_names_the_character():
    enc = dbp.KmerEncoder(k=3, n_features=16, ambiguous_strategy="error")
    with pytest.raises(
        ValueError, match=r"sequence 1 \(of 2\): invalid character 'N' at position 2"
    ):
        enc.transform(["ACGT", "ACNT"])


def test_float_normalised_rows():
    X = dbp.KmerEncoder(k=5, n_features=128, normalize="l2").transform(["ACGTACGTTTGACC", "NNNN"])
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1))).ravel()
    np.testing.assert_allclose(norms, [1.0, 0.0], rtol=1e-6)


# ---------------------------------------------------------------- the API -----
def test_parameters_are_checked():
    with pytest.raises(ValueError, match="stateless alternative to min_count"):
        dbp.KmerEncoder(k=21, n_features=2**10, min_count=2).fit(["ACGT"])
    with pytest.raises(ValueError, match="no canonical='compact' layout"):
        dbp.KmerEncoder(k=21, n_features=2**10, canonical="compact").transform(["ACGT"])
    for bad in (0, 2**31, 1.5):
        with pytest.raises(InvalidParameterError):
            dbp.KmerEncoder(k=21, n_features=bad).transform(["ACGT"])
    enc = dbp.KmerEncoder(k=21, n_features=2**10)
    with pytest.raises(ValueError, match="have no k-mer names"):
        enc.get_feature_names_out()
    with pytest.raises(ValueError, match="hashed columns"):
        enc.encode_batch(["ACGT"], out=np.zeros((1, 2**10), np.float32))
    assert enc.n_columns == 2**10 and not enc.takes_out
    assert sp.issparse(dbp.KmerEncoder(k=3, n_features=8, sparse=False).transform(["ACGT"]))


def test_wide_sparse_output_warns_once_with_both_ways_out(monkeypatch):
    monkeypatch.setattr(kmer_module, "_WARNED_WIDE", set())
    with pytest.warns(UserWarning, match=r"n_features=2\*\*20 .*min_count=N"):
        dbp.KmerEncoder(k=21, sparse=True).fit(["ACGT"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dbp.KmerEncoder(k=21, sparse=True).fit(["ACGT"])  # once per layout
        dbp.KmerEncoder(k=21, n_features=2**20).fit(["ACGT"])
        dbp.KmerEncoder(k=21, sparse=True, min_count=1).fit(["ACGTACGTACGTACGTACGTACG"])
        dbp.KmerEncoder(k=12, sparse=True).fit(["ACGT"])  # 2**24 columns: not above


def test_hashed_k21_pipeline_learns_a_motif():
    rng = np.random.default_rng(0)
    motif = "TATAATGCGCATTAGCCGATC"
    seqs, y = [], []
    for i in range(200):
        s = list(rng.choice(list("ACGT"), 120))
        if i % 2:
            p = int(rng.integers(0, 120 - len(motif)))
            s[p : p + len(motif)] = motif
        seqs.append("".join(s))
        y.append(i % 2)
    pipe = make_pipeline(
        dbp.KmerEncoder(k=21, canonical=True, n_features=2**18, normalize="l2"),
        LogisticRegression(C=10.0, max_iter=500),
    )
    pipe.fit(seqs[:150], y[:150])
    assert pipe.score(seqs[150:], y[150:]) > 0.9
