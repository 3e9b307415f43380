"""Sparse k-mer rows, compact canonical columns and the spectrum counter
(deepbiop._kernels._kmer_sparse, _spectrum), against plain-Python Counter references."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import deepbiop as dbp
import deepbiop.spectrum as spectrum_mod
from _reference import kmer_counts_ref, reverse_complement
from _strategies import (
    INVOLUTIONS_4,
    batches,
    complemented_alphabets,
    sequences_over,
)
from deepbiop._kernels import _kmer_sparse, _spectrum
from deepbiop.alphabets import Alphabet
from deepbiop.encoders.kmer import kmer_names, n_canonical_kmers

DNA_COMP = dbp.DNA.complement_codes

COMP = str.maketrans("ACGTU", "TGCAA")


def revcomp(kmer: str, rna: bool = False) -> str:
    out = kmer[::-1].translate(COMP)
    return out.replace("T", "U") if rna else out


def counter_ref(seq: str, k: int, symbols: str = "ACGT", canonical: bool = False) -> Counter:
    """Plain-Python k-mer Counter: windows with a non-alphabet character are skipped."""
    up = seq.upper()
    c: Counter = Counter()
    for i in range(len(up) - k + 1):
        w = up[i : i + k]
        if all(ch in symbols for ch in w):
            if canonical:
                w = min(w, revcomp(w, "U" in symbols))
            c[w] += 1
    return c


def code_of(kmer: str, symbols: str = "ACGT") -> int:
    v = 0
    for ch in kmer:
        v = v * len(symbols) + symbols.index(ch)
    return v


def random_seqs(n: int, lo: int, hi: int, seed: int, symbols: str = "ACGTN") -> list[str]:
    rng = np.random.default_rng(seed)
    p = np.full(len(symbols), 1.0)
    if symbols.endswith("N"):
        p[-1] = 0.15  # some N, so windows are skipped
    p /= p.sum()
    out = []
    for _ in range(n):
        s = "".join(rng.choice(list(symbols), size=int(rng.integers(lo, hi)), p=p))
        out.append(s.lower() if rng.random() < 0.2 else s)
    return out


def row_dict(X: sp.csr_matrix, i: int, names) -> dict[str, int]:
    lo, hi = X.indptr[i], X.indptr[i + 1]
    return {names[int(j)]: int(v) for j, v in zip(X.indices[lo:hi], X.data[lo:hi])}


def assert_clean_csr(X: sp.csr_matrix, n_cols: int) -> None:
    assert isinstance(X, sp.csr_matrix)
    assert X.shape[1] == n_cols
    X.check_format(full_check=True)
    # sorted indices and no explicit zeros, checked directly
    for i in range(X.shape[0]):
        row = X.indices[X.indptr[i] : X.indptr[i + 1]]
        assert np.all(np.diff(row) > 0)
    assert np.all(X.data != 0)


# ------------------------------------------------------------ sparse == dense
@pytest.mark.parametrize("k", range(1, 9))
@pytest.mark.parametrize("canonical", [False, True])
def test_sparse_equals_dense_small_k(k, canonical):
    seqs = random_seqs(60, 0, 120, seed=k) + ["", "N" * 30, "A" * 300, "ACGT" * 50]
    dense = dbp.KmerEncoder(k=k, canonical=canonical).transform(seqs)
    X = dbp.KmerEncoder(k=k, canonical=canonical, sparse=True).transform(seqs)
    assert_clean_csr(X, 4**k)
    assert X.dtype == np.float32
    np.testing.assert_array_equal(X.toarray(), dense)


@pytest.mark.parametrize("k", [12, 21, 31])
@pytest.mark.parametrize("canonical", [False, True])
def test_sparse_large_k_equals_counter(k, canonical):
    seqs = random_seqs(40, 0, 150, seed=100 + k) + ["ACGT" * 40, "c" * 50]
    enc = dbp.KmerEncoder(k=k, canonical=canonical, sparse=True)
    X = enc.transform(seqs)
    assert X.shape == (len(seqs), 4**k)
    assert X.indices.dtype == (np.int32 if k <= 15 else np.int64)
    assert_clean_csr(X, 4**k)
    names = enc.get_feature_names_out()
    for i, s in enumerate(seqs):
        assert row_dict(X, i, names) == dict(counter_ref(s, k, canonical=canonical))
        # the column is the code itself
        for kmer, n in counter_ref(s, k, canonical=canonical).items():
            assert X[i, code_of(kmer)] == n


def test_sparse_protein_k14_and_limit():
    seqs = random_seqs(10, 0, 60, seed=3, symbols="ACDEFGHIKLMNPQRSTVWY")
    X = dbp.KmerEncoder(k=14, encoding_type="protein", sparse=True).transform(seqs)
    assert X.shape == (10, 20**14)
    for i, s in enumerate(seqs):
        ref = counter_ref(s, 14, "ACDEFGHIKLMNPQRSTVWY")
        got = {int(j): int(v) for j, v in zip(X[i].indices, X[i].data)}
        assert got == {code_of(w, "ACDEFGHIKLMNPQRSTVWY"): n for w, n in ref.items()}
    with pytest.raises(
        ValueError,
        match=re.escape(
            "k=15 gives 20**15 columns, more than a 64-bit column index holds; use k <= 14 "
            "for alphabet 'protein'"
        ),
    ):
        dbp.KmerEncoder(k=15, encoding_type="protein", sparse=True).transform(["A"])
    with pytest.raises(ValueError, match="use k <= 31 for alphabet 'dna'"):
        dbp.KmerEncoder(k=32, sparse=True).transform(["A"])


def test_dense_limit_message_points_to_sparse():
    with pytest.raises(
        ValueError,
        match=re.escape(
            "too many for a dense array; use k <= 12 for alphabet 'dna', or sparse=True (k <= 31)"
        ),
    ):
        dbp.KmerEncoder(k=13).transform(["ACGT"])


def test_sparse_error_strategy_names_location():
    msg = (
        "sequence 1 (of 2): invalid character 'N' at position 3 for alphabet 'dna' "
        "(valid: ACGT); pass ambiguous_strategy='skip' to leave such windows uncounted"
    )
    enc = dbp.KmerEncoder(k=21, sparse=True, ambiguous_strategy="error")
    with pytest.raises(ValueError, match=re.escape(msg)):
        enc.transform(["ACGT", "ACGNA"])


@settings(max_examples=40)
@given(
    batches("dna", max_len=60, max_batch=6),
    st.integers(1, 31),
    st.sampled_from([False, True, "compact"]),
)
def test_sparse_property_matches_counter(seqs, k, canonical):
    enc = dbp.KmerEncoder(k=k, canonical=canonical, sparse=True)
    X = enc.transform(seqs)
    X.check_format(full_check=True)
    names = enc.get_feature_names_out()
    for i, s in enumerate(seqs):
        assert row_dict(X, i, names) == dict(counter_ref(s, k, canonical=bool(canonical)))


@pytest.mark.parametrize("k", [5, 12, 21])
def test_one_and_two_threads_identical(force_parallel, k):
    seqs = random_seqs(300, 0, 300, seed=7)
    a = dbp.KmerEncoder(k=k, canonical="compact", sparse=True, n_jobs=1).transform(seqs)
    b = dbp.KmerEncoder(k=k, canonical="compact", sparse=True, n_jobs=2).transform(seqs)
    assert (a != b).nnz == 0
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)


# ------------------------------------------------------ compact canonical rank
def brute_canonical_codes(k: int) -> list[int]:
    out = []
    for c in range(4**k):
        kmer = "".join("ACGT"[(c >> (2 * (k - 1 - j))) & 3] for j in range(k))
        if kmer <= revcomp(kmer):
            out.append(c)
    return out


@pytest.mark.parametrize("k", range(1, 8))
def test_canonical_rank_matches_enumeration(k):
    canon = np.asarray(brute_canonical_codes(k), dtype=np.uint64)
    assert canon.size == n_canonical_kmers(k)
    ranks = np.empty(4**k, dtype=np.uint64)
    _kmer_sparse.canonical_rank(np.arange(4**k, dtype=np.uint64), k, DNA_COMP, ranks)
    # rank(c) = number of canonical codes below c, for every c
    np.testing.assert_array_equal(ranks, np.searchsorted(canon, np.arange(4**k)))
    back = np.empty(canon.size, dtype=np.uint64)
    _kmer_sparse.canonical_unrank(np.arange(canon.size, dtype=np.uint64), k, DNA_COMP, back)
    np.testing.assert_array_equal(back, canon)


@pytest.mark.parametrize("perm", INVOLUTIONS_4)
@pytest.mark.parametrize("k", range(1, 8))
def test_canonical_rank_any_complement_matches_enumeration(perm, k):
    """Rank and unrank with each of the 10 involutions of the codes (fixed
    points give odd k palindromes, so a different number of columns)."""
    symbols = "ACGT"
    alpha = Alphabet("p", symbols, complement="".join(symbols[i] for i in perm))
    comp = alpha.complement_codes
    np.testing.assert_array_equal(comp, perm)
    canon = []
    for c in range(4**k):
        digits = [(c >> (2 * (k - 1 - j))) & 3 for j in range(k)]
        if digits <= [perm[d] for d in reversed(digits)]:
            canon.append(c)
    canon = np.asarray(canon, dtype=np.uint64)
    assert canon.size == n_canonical_kmers(k, alpha)
    ranks = np.empty(4**k, dtype=np.uint64)
    _kmer_sparse.canonical_rank(np.arange(4**k, dtype=np.uint64), k, comp, ranks)
    np.testing.assert_array_equal(ranks, np.searchsorted(canon, np.arange(4**k)))
    back = np.empty(canon.size, dtype=np.uint64)
    _kmer_sparse.canonical_unrank(np.arange(canon.size, dtype=np.uint64), k, comp, back)
    np.testing.assert_array_equal(back, canon)


@settings(max_examples=60)
@given(st.integers(1, 31), st.data())
def test_canonical_rank_unrank_round_trip(k, data):
    r = data.draw(st.integers(0, n_canonical_kmers(k) - 1))
    code = np.empty(1, dtype=np.uint64)
    _kmer_sparse.canonical_unrank(np.asarray([r], dtype=np.uint64), k, DNA_COMP, code)
    kmer = kmer_names(dbp.DNA, k, [int(code[0])])[0]
    assert kmer <= revcomp(kmer)
    back = np.empty(1, dtype=np.uint64)
    _kmer_sparse.canonical_rank(code, k, DNA_COMP, back)
    assert int(back[0]) == r


# ------------------------------------------------------------------ spectrum
def test_spectrum_equals_counter_with_chunks_and_pieces(monkeypatch):
    # tiny chunks and pieces: many runs to merge, long sequences cut in pieces
    monkeypatch.setattr(spectrum_mod, "_PIECE_WINDOWS", 7)
    seqs = random_seqs(80, 0, 200, seed=11) + ["ACGT" * 100]
    for k, canonical in [(1, False), (5, True), (21, False), (31, True)]:
        ref: Counter = Counter()
        for s in seqs:
            ref.update(counter_ref(s, k, canonical=canonical))
        spec = dbp.kmer_spectrum(iter(seqs), k, canonical=canonical, chunk_bases=500, n_jobs=2)
        assert spec.to_dict() == dict(ref)
        assert np.all(np.diff(spec.codes.astype(np.float64)) > 0) or len(spec) < 2
        assert spec.total == sum(ref.values())


@settings(max_examples=40)
@given(
    batches("dna", max_len=80, max_batch=8), st.integers(1, 31), st.booleans(), st.integers(1, 200)
)
def test_spectrum_property(seqs, k, canonical, chunk):
    ref: Counter = Counter()
    for s in seqs:
        ref.update(counter_ref(s, k, canonical=canonical))
    spec = dbp.kmer_spectrum(seqs, k, canonical=canonical, chunk_bases=chunk)
    assert spec.to_dict() == dict(ref)


@pytest.mark.parametrize("seqs", [["AC", "G"], [""], ["ACG", "AC"], ["AC", "ACG"]])
def test_spectrum_of_sequences_shorter_than_k(seqs):
    # Every sequence, or the first, shorter than k: collect_codes gets an empty
    # (or a partly empty) code buffer. It used to offset a NULL base pointer
    # (and a pointer to before the buffer), undefined behaviour that the
    # sanitizer build (.ci/sanitize.sh) reported for ["AC", "G"], k=3.
    ref: Counter = Counter()
    for s in seqs:
        ref.update(counter_ref(s, 3))
    assert dbp.kmer_spectrum(seqs, 3).to_dict() == dict(ref)
    assert dbp.kmer_spectrum(seqs, 3, canonical=True).to_dict() == dict(
        sum((counter_ref(s, 3, canonical=True) for s in seqs), Counter())
    )


def test_spectrum_one_and_two_threads_identical():
    seqs = random_seqs(200, 100, 3000, seed=5)
    a = dbp.kmer_spectrum(seqs, 15, canonical=True, n_jobs=1)
    b = dbp.kmer_spectrum(seqs, 15, canonical=True, n_jobs=2)
    np.testing.assert_array_equal(a.codes, b.codes)
    np.testing.assert_array_equal(a.counts, b.counts)


def test_count_codes_drops_skipped_and_sorts():
    rng = np.random.default_rng(0)
    keys = rng.integers(0, 2**20, 300_000).astype(np.uint64)
    keys[::7] = np.uint64(_spectrum.SKIPPED)
    ref_codes, ref_counts = np.unique(
        keys[keys != np.uint64(_spectrum.SKIPPED)], return_counts=True
    )
    work = keys.copy()
    scratch = np.empty_like(work)
    out_k = np.empty_like(work)
    out_c = np.empty(work.size, dtype=np.int64)
    m = _spectrum.count_codes(work, scratch, 20, out_k, out_c, 2)
    np.testing.assert_array_equal(out_k[:m], ref_codes)
    np.testing.assert_array_equal(out_c[:m], ref_counts)


# ------------------------------------------- canonical: the alphabet's complement
ATCG = Alphabet("atcg", "ATCG", complement="TAGC")  # complement of code c: c ^ 1


@pytest.mark.parametrize("canonical", [True, "compact"])
def test_sparse_canonical_uses_the_alphabets_complement(canonical):
    """GT and AC are each other's reverse complement: both count at AC
    (with 3 - c, GT went to CA)."""
    enc = dbp.KmerEncoder(k=2, canonical=canonical, sparse=True, encoding_type=ATCG)
    names = enc.get_feature_names_out()
    X = enc.encode_batch(["GT", "AC", "GTAC"])
    assert [names[X[i].indices].tolist() for i in range(3)] == [["AC"], ["AC"], ["AC", "TA"]]
    assert X[2].data.tolist() == [2, 1]
    spec = dbp.kmer_spectrum(["GT", "ACxGT"], 2, canonical=True, encoding_type=ATCG)
    assert spec.to_dict() == {"AC": 3}
    assert spec["GT"] == spec["AC"] == 3 and spec["CA"] == 0


@settings(max_examples=40)
@given(data=st.data(), k=st.integers(1, 9))
def test_property_sparse_and_spectrum_any_complement(data, k):
    """Random alphabets and complement involutions: the sparse rows, the
    compact rows and the spectrum equal the reference, on both strands."""
    symbols, complement = data.draw(complemented_alphabets())
    comp = dict(zip(symbols, complement))
    alpha = Alphabet("rand", symbols, complement=complement)
    seqs = data.draw(st.lists(sequences_over(symbols), min_size=1, max_size=6))
    refs = [kmer_counts_ref(s, k, canonical=True, symbols=symbols, complement=comp) for s in seqs]
    rc = [reverse_complement(s, complement=comp) for s in seqs]
    for canonical in (True, "compact"):
        enc = dbp.KmerEncoder(k=k, canonical=canonical, sparse=True, encoding_type=alpha)
        X = enc.transform(seqs)
        names = enc.get_feature_names_out()
        for i, ref in enumerate(refs):
            row = X[i]
            assert dict(zip(names[row.indices].tolist(), row.data.tolist())) == ref
        assert (enc.transform(rc) != X).nnz == 0
    total: Counter = Counter()
    for ref in refs:
        total.update(ref)
    spec = dbp.kmer_spectrum(seqs, k, canonical=True, encoding_type=alpha)
    assert spec.to_dict() == dict(total)
    assert dbp.kmer_spectrum(rc, k, canonical=True, encoding_type=alpha).to_dict() == dict(total)


# ------------------------------------------------------------ exact big counts
def test_sparse_float32_counts_past_2_pow_24_are_exact():
    """A row's count is the length of a run of sorted codes, converted once: a
    float32 incremented one by one stopped at 2**24 (ambiguous_strategy="error"
    counts long rows in the row kernel; "skip" in the spectrum counter)."""
    n = 2**24 + 2
    for strategy in ("error", "skip"):
        X = dbp.KmerEncoder(k=1, sparse=True, ambiguous_strategy=strategy).encode("A" * n + "C")
        assert X.data.dtype == np.float32 and X.data.tolist() == [n, 1]


@pytest.mark.slow
def test_sparse_compact_and_spectrum_count_4e7_exactly():
    """4e7 windows of one k-mer, on every path that builds counts."""
    seq = "A" * 40_000_000
    for strategy in ("skip", "error"):
        for canonical in (False, True, "compact"):
            enc = dbp.KmerEncoder(
                k=1, sparse=True, canonical=canonical, ambiguous_strategy=strategy
            )
            assert enc.encode(seq).data.tolist() == [4e7]
        dense = dbp.KmerEncoder(k=1, canonical="compact", ambiguous_strategy=strategy)
        assert dense.encode(seq).tolist() == [4e7, 0]
    assert dbp.kmer_spectrum([seq], 1).to_dict() == {"A": 40_000_000}
    spec = dbp.kmer_spectrum([seq, "T" * 10], 1, canonical=True)
    assert spec.to_dict() == {"A": 40_000_010}
