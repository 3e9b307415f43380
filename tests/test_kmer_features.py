"""KmerEncoder at scale: normalize, compact canonical columns, feature names for
any k, the fitted min_count filter, sklearn pipelines, and whole-file spectra."""

from __future__ import annotations

import pickle
import re
import shutil
import subprocess
from collections import Counter

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

import deepbiop as dbp
from deepbiop.datasets import make_motif_sequences
from deepbiop.encoders.kmer import KmerNames, kmer_names, n_canonical_kmers

COMP = str.maketrans("ACGT", "TGCA")


def revcomp(s: str) -> str:
    return s[::-1].upper().translate(COMP)


def counter_ref(seq: str, k: int, canonical: bool = False) -> Counter:
    up = seq.upper()
    c: Counter = Counter()
    for i in range(len(up) - k + 1):
        w = up[i : i + k]
        if set(w) <= set("ACGT"):
            c[min(w, revcomp(w)) if canonical else w] += 1
    return c


SEQS = ["ACGTACGTTGCA", "", "NNNNNNNN", "acg", "GGGGCCCCATAT" * 3, "ACGNNACGT"]


# ------------------------------------------------------------------ normalize
# dense k=12 rows are 64 MiB each, so k=12 is checked sparse only
@pytest.mark.parametrize("k, sparse", [(1, False), (1, True), (3, False), (3, True), (12, True)])
def test_normalize_l1_l2(sparse, k):
    seqs = SEQS
    raw = dbp.KmerEncoder(k=k, sparse=sparse).transform(seqs)
    l1 = dbp.KmerEncoder(k=k, sparse=sparse, normalize="l1").transform(seqs)
    l2 = dbp.KmerEncoder(k=k, sparse=sparse, normalize="l2").transform(seqs)
    assert sp.issparse(l1) == sparse and l1.dtype == np.float32
    dense = lambda X: X.toarray() if sp.issparse(X) else X  # noqa: E731
    raw, l1, l2 = dense(raw).astype(np.float64), dense(l1), dense(l2)
    assert not np.isnan(l1).any() and not np.isnan(l2).any()
    sums = raw.sum(axis=1)
    for i in range(len(seqs)):
        if sums[i] == 0:  # empty, all-N or shorter than k: a zero row, no NaN
            assert not l1[i].any() and not l2[i].any()
        else:
            assert l1[i].sum() == pytest.approx(1.0, rel=1e-6)
            assert np.linalg.norm(l2[i]) == pytest.approx(1.0, rel=1e-6)
            np.testing.assert_allclose(l1[i], raw[i] / sums[i], rtol=1e-6)
            np.testing.assert_allclose(l2[i], raw[i] / np.linalg.norm(raw[i]), rtol=1e-6)
    assert raw[1].sum() == 0 and raw[2].sum() == 0


def test_normalize_needs_float_dtype():
    with pytest.raises(
        ValueError,
        match=re.escape("normalize='l1' needs a float dtype (float32 or float64); got dtype=int32"),
    ):
        dbp.KmerEncoder(normalize="l1", dtype=np.int32).transform(["ACGT"])
    with pytest.raises(ValueError, match="'normalize' parameter of KmerEncoder"):
        dbp.KmerEncoder(normalize="max").transform(["ACGT"])


def test_default_output_unchanged():
    enc = dbp.KmerEncoder(k=5, canonical=True)
    X = enc.transform(SEQS)
    assert isinstance(X, np.ndarray) and X.shape == (len(SEQS), 1024)
    assert X.dtype == np.float32 and X.flags.c_contiguous
    assert not hasattr(enc.fit(SEQS), "columns_")


# ------------------------------------------------------- compact canonical
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 6])
def test_compact_dimension_formula(k):
    expected = (4**k + 4 ** (k // 2)) // 2 if k % 2 == 0 else 4**k // 2
    assert n_canonical_kmers(k) == expected
    enc = dbp.KmerEncoder(k=k, canonical="compact")
    assert enc.transform(["ACGT"]).shape == (1, expected)
    names = enc.get_feature_names_out()
    assert len(names) == expected == len(set(names))
    # exactly the k-mers that are <= their reverse complement, sorted
    assert list(names) == sorted(n for n in kmer_names(dbp.DNA, k) if n <= revcomp(n))


# k=21 exists only as sparse output
@pytest.mark.parametrize("k, sparse", [(3, False), (3, True), (4, False), (4, True), (21, True)])
def test_compact_rc_invariant_and_names_match_counts(k, sparse):
    rng = np.random.default_rng(k)
    seqs = ["".join(rng.choice(list("ACGTN"), 80)) for _ in range(20)]
    enc = dbp.KmerEncoder(k=k, canonical="compact", sparse=sparse)
    X = enc.transform(seqs)
    Xrc = enc.transform([revcomp(s) for s in seqs])
    if sparse:
        assert (X != Xrc).nnz == 0
    else:
        np.testing.assert_array_equal(X, Xrc)
    names = enc.get_feature_names_out()
    for i, s in enumerate(seqs):
        row = X[i] if sparse else sp.csr_matrix(X[i])
        got = {names[int(j)]: int(v) for j, v in zip(row.indices, row.data)}
        assert got == dict(counter_ref(s, k, canonical=True))


def test_compact_equals_full_canonical_columns():
    seqs = ["ACGTTTGACCANGT", "GGGATC"]
    full = dbp.KmerEncoder(k=4, canonical=True).transform(seqs)
    compact = dbp.KmerEncoder(k=4, canonical="compact").transform(seqs)
    keep = [i for i, n in enumerate(kmer_names(dbp.DNA, 4)) if n <= revcomp(n)]
    np.testing.assert_array_equal(compact, full[:, keep])


def test_compact_rejected_for_protein():
    with pytest.raises(
        ValueError,
        match=re.escape(
            "canonical='compact' needs a 4-letter nucleotide alphabet (dna or rna); "
            "'protein' has no reverse complement"
        ),
    ):
        dbp.KmerEncoder(k=2, canonical="compact", encoding_type="protein").transform(["AC"])


# -------------------------------------------------------------- feature names
def test_feature_names_lazy_for_large_k():
    names = dbp.KmerEncoder(k=21, sparse=True).get_feature_names_out()
    assert isinstance(names, KmerNames)
    assert len(names) == 4**21 and names.shape == (4**21,)
    assert names[0] == "A" * 21 and names[-1] == "T" * 21
    assert names[[1, 4**21 - 1]].tolist() == ["A" * 20 + "C", "T" * 21]
    assert names[2:4].tolist() == ["A" * 20 + "G", "A" * 20 + "T"]
    cnames = dbp.KmerEncoder(k=31, canonical="compact", sparse=True).get_feature_names_out()
    assert len(cnames) == 4**31 // 2
    last = cnames[-1]  # the largest canonical 31-mer
    assert last == "T" * 15 + "C" + "A" * 15 and last < revcomp(last)
    assert "KmerNames(['AAAAAAAAAAAAAAAAAAAAA'" in repr(names)


def test_kmer_names_helper_and_errors():
    assert kmer_names(dbp.DNA, 3, [0, 63]).tolist() == ["AAA", "TTT"]
    assert kmer_names(dbp.DNA, 2, np.array([[0, 1], [2, 3]])).shape == (2, 2)
    assert kmer_names(dbp.PROTEIN, 2, [399]).tolist() == ["YY"]
    assert kmer_names(dbp.DNA, 4, [0, 135], columns="canonical").tolist() == ["AAAA", "TTAA"]
    with pytest.raises(ValueError, match=re.escape("k-mer column indices must lie in [0, 64)")):
        kmer_names(dbp.DNA, 3, [64])
    with pytest.raises(ValueError, match="columns must be 'all' or 'canonical'"):
        kmer_names(dbp.DNA, 3, [1], columns="compact")


def test_sparse_auto_depends_on_columns_only():
    assert isinstance(dbp.KmerEncoder(k=6, sparse="auto").transform(["ACGTACG"]), np.ndarray)
    assert sp.issparse(dbp.KmerEncoder(k=7, sparse="auto").transform(["ACGTACG"]))
    assert sp.issparse(dbp.KmerEncoder(k=14, sparse="auto").transform(["ACGT"]))


def test_empty_batch_sparse_and_compact():
    X = dbp.KmerEncoder(k=21, sparse=True).transform([])
    assert X.shape == (0, 4**21) and X.nnz == 0
    assert dbp.KmerEncoder(k=3, canonical="compact").transform([]).shape == (0, 32)
    assert dbp.kmer_spectrum([], 5).total == 0


def test_encode_single_sparse_is_one_row():
    X = dbp.KmerEncoder(k=21, sparse=True).encode("A" * 25)
    assert X.shape == (1, 4**21) and X.nnz == 1 and X[0, 0] == 5


# ------------------------------------------------------------ min_count filter
def test_min_count_fit_transform():
    train = ["AAAAAC", "AAACGT", "CCCC"]
    enc = dbp.KmerEncoder(k=3, min_count=2, sparse=True)
    with pytest.raises(NotFittedError):
        enc.transform(train)
    enc.fit(train)
    ref: Counter = Counter()
    for s in train:
        ref.update(counter_ref(s, 3))
    kept = sorted(kmer for kmer, n in ref.items() if n >= 2)
    assert enc.get_feature_names_out().tolist() == kept  # AAA, AAC, CCC
    np.testing.assert_array_equal(enc.column_counts_, [ref[k] for k in kept])
    X = enc.transform(["AAAACCCT", "GGG"])
    assert X.shape == (2, len(kept))
    X.check_format(full_check=True)
    np.testing.assert_array_equal(X.toarray(), [[2, 1, 1], [0, 0, 0]])
    dense = clone(enc).set_params(sparse=False, normalize="l1").fit(train)
    np.testing.assert_allclose(dense.transform(["AAAACCCT"]), [[0.5, 0.25, 0.25]])
    assert enc.__sklearn_tags__().requires_fit
    assert not dbp.KmerEncoder().__sklearn_tags__().requires_fit
    # refitting without the filter forgets the vocabulary
    enc.set_params(min_count=None).fit(train)
    assert not hasattr(enc, "columns_")


def test_min_count_fit_transform_reads_a_one_shot_iterator_once():
    # fit would consume a generator and transform would then see no rows
    train = ["AAAAAC", "AAACGT", "CCCC", "AAAC"]
    got = dbp.KmerEncoder(k=2, min_count=1).fit_transform(s for s in train)
    want = dbp.KmerEncoder(k=2, min_count=1).fit(train).transform(train)
    assert got.shape == (4, want.shape[1]) and want.shape[1] > 0
    np.testing.assert_array_equal(got, want)
    ref = [[counter_ref(s, 2)[kmer] for kmer in ["AA", "AC", "CC", "CG", "GT"]] for s in train]
    np.testing.assert_array_equal(got, ref)


def test_min_count_refuses_a_layout_changed_since_fit():
    enc = dbp.KmerEncoder(k=3, min_count=1).fit(["ACGTACGT"])
    enc.set_params(k=4)  # columns_ index the 3-mer layout
    with pytest.raises(ValueError, match="fitted with k=3.*now has k=4.*fit again"):
        enc.transform(["ACGTACGT"])
    with pytest.raises(ValueError, match="fit again"):
        enc.get_feature_names_out()
    assert enc.fit(["ACGTACGT"]).transform(["ACGTACGT"]).shape == (1, 4)


def test_min_count_large_k_compact():
    train = ["ACGTACGTACGTACGTACGTACGTA", "TACGTACGTACGTACGTACGTACGT", "GATTACA" * 4]
    enc = dbp.KmerEncoder(k=21, canonical="compact", min_count=3).fit(train)
    X = enc.transform(train)
    assert isinstance(X, np.ndarray) and X.shape == (3, len(enc.columns_))
    ref: Counter = Counter()
    for s in train:
        ref.update(counter_ref(s, 21, canonical=True))
    assert enc.get_feature_names_out().tolist() == sorted(k for k, n in ref.items() if n >= 3)


# ------------------------------------------------------------------ sklearn
def labelled(n=200, seed=0):
    seqs, y = make_motif_sequences(n, 80, seed=seed, motif="GATTACAGG", motif_mutation_rate=0.0)
    return seqs, y


def test_pipeline_sparse_logistic_regression():
    seqs, y = labelled()
    pipe = Pipeline(
        [("kmers", dbp.KmerEncoder(k=6, sparse=True)), ("clf", LogisticRegression(max_iter=2000))]
    )
    pipe.fit(seqs, y)
    pred = pipe.predict(seqs)
    assert pred.shape == y.shape and (pred == y).mean() > 0.9
    assert pipe.predict_proba(seqs[:3]).shape == (3, 2)
    restored = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(restored.predict(seqs), pred)


def test_grid_search_over_k_and_normalize():
    seqs, y = labelled(120, seed=1)
    pipe = Pipeline(
        [("kmers", dbp.KmerEncoder(sparse=True)), ("clf", LogisticRegression(max_iter=2000))]
    )
    grid = GridSearchCV(pipe, {"kmers__k": [3, 9], "kmers__normalize": [None, "l2"]}, cv=3)
    grid.fit(seqs, y)
    assert set(grid.best_params_) == {"kmers__k", "kmers__normalize"}
    assert len(grid.cv_results_["mean_test_score"]) == 4
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()


def test_clone_and_params_round_trip():
    enc = dbp.KmerEncoder(k=9, canonical="compact", sparse="auto", normalize="l2", min_count=2)
    c = clone(enc)
    assert c.get_params() == enc.get_params()
    assert pickle.loads(pickle.dumps(enc)).get_params() == enc.get_params()


# ----------------------------------------------------------------- spectrum
def test_spectrum_file_equals_counter(tmp_path):
    path = tmp_path / "x.fa.gz"
    import gzip

    rng = np.random.default_rng(2)
    seqs = ["".join(rng.choice(list("ACGTNacgt"), int(rng.integers(0, 300)))) for _ in range(50)]
    with gzip.open(path, "wt") as fh:
        for i, s in enumerate(seqs):
            fh.write(f">r{i}\n{s[:70]}\n{s[70:]}\n")
    for k, canonical in [(4, False), (21, True)]:
        ref: Counter = Counter()
        for s in seqs:
            ref.update(counter_ref(s, k, canonical))
        spec = dbp.kmer_spectrum_file(path, k, canonical=canonical, chunk_bases=1000)
        assert spec.to_dict() == dict(ref)
        assert spec.most_common(1)[0][1] == max(ref.values())
        hist = spec.histogram()
        assert hist.sum() == len(ref) and hist[0] == 0
        assert (np.arange(hist.size) * hist).sum() == sum(ref.values())
    spec = dbp.kmer_spectrum_file(path, 4, canonical=True)
    enc_sum = dbp.KmerEncoder(k=4, canonical="compact").transform(seqs).sum(axis=0)
    np.testing.assert_array_equal(spec.to_vector("canonical"), enc_sum)
    np.testing.assert_array_equal(
        spec.to_vector(), dbp.KmerEncoder(k=4, canonical=True).transform(seqs).sum(axis=0)
    )
    assert spec["ACGT"] == spec["acgt"]
    assert spec["AAAA"] == spec["TTTT"]


def test_spectrum_errors():
    with pytest.raises(
        TypeError,
        match=re.escape("kmer_spectrum() takes a collection of sequences; got a single str"),
    ):
        dbp.kmer_spectrum("ACGT", 2)
    with pytest.raises(ValueError, match="use k <= 31 for alphabet 'dna'"):
        dbp.kmer_spectrum(["ACGT"], 32)
    with pytest.raises(ValueError, match="canonical=True needs a 4-letter nucleotide"):
        dbp.kmer_spectrum(["ACD"], 2, canonical=True, encoding_type="protein")
    with pytest.raises(TypeError, match="sequence 1: expected"):
        dbp.kmer_spectrum(["ACGT", None], 2)
    with pytest.raises(ValueError, match="too large"):
        dbp.kmer_spectrum(["ACGT"], 13).to_vector()
    with pytest.raises(FileNotFoundError):
        dbp.kmer_spectrum_file("/nonexistent/x.fa", 3)


@pytest.mark.skipif(shutil.which("jellyfish") is None, reason="jellyfish not installed")
def test_spectrum_matches_jellyfish(tmp_path, repo_root):
    fasta = repo_root / "examples" / "data" / "motifs.fa"
    out = tmp_path / "m.jf"
    subprocess.run(
        ["jellyfish", "count", "-m", "11", "-s", "1M", "-C", "-o", str(out), str(fasta)],
        check=True,
        capture_output=True,
    )
    dump = subprocess.run(
        ["jellyfish", "dump", "-c", str(out)], check=True, capture_output=True, text=True
    ).stdout
    jf = {kmer: int(n) for kmer, n in (line.split() for line in dump.splitlines())}
    assert dbp.kmer_spectrum_file(fasta, 11, canonical=True).to_dict() == jf


def test_spectrum_progress_bar_gives_same_counts(tmp_path, capsys):
    seqs = ["ACGTNACGTA", "ttgca", ""]
    plain = dbp.kmer_spectrum(seqs, 3)
    with_bar = dbp.kmer_spectrum(seqs, 3, progress=True)
    assert with_bar.to_dict() == plain.to_dict()
    path = tmp_path / "x.fa"
    path.write_text("".join(f">r{i}\n{s}\n" for i, s in enumerate(seqs)))
    assert dbp.kmer_spectrum_file(path, 3, progress=True).to_dict() == plain.to_dict()


def test_sparse_transform_from_several_python_threads():
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(9)
    batches = [["".join(rng.choice(list("ACGTN"), 150)) for _ in range(200)] for _ in range(6)]
    enc = dbp.KmerEncoder(k=15, canonical="compact", sparse=True, normalize="l1")
    expected = [enc.transform(b) for b in batches]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(enc.transform, batches))
    for got, want in zip(results, expected):
        assert (got != want).nnz == 0


@pytest.mark.parametrize("canonical", [False, True, "compact"])
def test_min_count_same_columns_with_skip_and_error(canonical):
    # "skip" learns the vocabulary from the batch spectrum, "error" from the CSR
    # rows: both must keep the same columns on clean data
    rng = np.random.default_rng(4)
    train = ["".join(rng.choice(list("ACGT"), 60)) for _ in range(40)]
    a = dbp.KmerEncoder(k=4, canonical=canonical, min_count=3, sparse=True).fit(train)
    b = dbp.KmerEncoder(
        k=4, canonical=canonical, min_count=3, sparse=True, ambiguous_strategy="error"
    ).fit(train)
    np.testing.assert_array_equal(a.columns_, b.columns_)
    np.testing.assert_array_equal(a.column_counts_, b.column_counts_)
    with pytest.raises(ValueError, match="sequence 1 \\(of 2\\): invalid character 'N'"):
        dbp.KmerEncoder(k=4, min_count=1, ambiguous_strategy="error").fit(["ACGT", "ACNT"])


@pytest.mark.parametrize("canonical", [False, True, "compact"])
def test_long_rows_use_spectrum_path(monkeypatch, canonical):
    import deepbiop.encoders._kmer_csr as csr_mod

    rng = np.random.default_rng(6)
    seqs = ["".join(rng.choice(list("ACGTN"), n)) for n in (3000, 40, 5000, 0)]
    want = dbp.KmerEncoder(k=9, canonical=canonical, sparse=True).transform(seqs)
    monkeypatch.setattr(csr_mod, "LONG_ROW_WINDOWS", 1000)  # rows 0 and 2 are "long"
    calls = []
    real = csr_mod.count_packed

    def spy(ptrs, lens, *args):
        calls.append(int(lens[0]))
        return real(ptrs, lens, *args)

    monkeypatch.setattr(csr_mod, "count_packed", spy)
    got = dbp.KmerEncoder(k=9, canonical=canonical, sparse=True).transform(seqs)
    assert calls == [3000, 5000]  # the long rows went to the spectrum counter
    got.check_format(full_check=True)
    assert (got != want).nnz == 0
    np.testing.assert_array_equal(got.indices, want.indices)


def test_dense_output_larger_than_memory_is_refused(monkeypatch):
    """A dense protein 5-mer matrix for many rows would exceed memory: a clear
    ValueError before allocating, not an out-of-memory kill while writing."""
    import deepbiop.encoders._base as base

    monkeypatch.setattr(base, "physical_memory", lambda: 1 << 30)  # 1 GiB
    enc = dbp.KmerEncoder(k=5, encoding_type="protein")  # 3.2M float32 columns
    with pytest.raises(
        ValueError,
        match=r"shape \(100, 3200000\) and dtype float32 needs "
        r"1\.2 GiB.*pass sparse=True",
    ):
        enc.encode_batch(["ACDEFGHIK"] * 100)
    # below the limit the same encoder works
    assert enc.encode_batch(["ACDEFGHIK"] * 2).shape == (2, 20**5)


@pytest.mark.parametrize("sparse", [False, True])
def test_numpy_false_canonical_counts_both_strands_apart(sparse):
    """canonical=np.False_ passes validation as a boolean and must mean False on
    every path (dense and sparse), not "canonical" because it is not `False`."""
    got = dbp.KmerEncoder(k=2, canonical=np.False_, sparse=sparse).encode_batch(["GT"])
    got = got.toarray() if sparse else got
    assert np.flatnonzero(got[0]).tolist() == [11]  # GT itself, not AC
    prot = dbp.KmerEncoder(k=1, canonical=np.False_, encoding_type="protein")
    assert prot.encode("AC")[:2].tolist() == [1.0, 1.0]


def test_one_letter_alphabet_is_refused_for_kmers():
    """A 1-symbol alphabet has A**k == 1 for every k: a clear error, not a hang."""
    from deepbiop.alphabets import Alphabet

    one = Alphabet("one", "A")
    with pytest.raises(ValueError, match="k-mer counting needs an alphabet of at least 2"):
        dbp.KmerEncoder(k=2, encoding_type=one).encode("AAA")
    with pytest.raises(ValueError, match="k-mer counting needs an alphabet of at least 2"):
        dbp.kmer_spectrum(["AAA"], k=2, encoding_type=one)


def test_canonical_layout_needs_a_nucleotide_alphabet():
    """Canonical columns exist only for DNA/RNA: naming them for protein must
    fail clearly instead of spelling 2-bit DNA codes with protein letters."""
    from deepbiop.alphabets import PROTEIN
    from deepbiop.encoders.kmer import kmer_codes

    with pytest.raises(ValueError, match="columns='canonical' needs a 4-letter nucleotide"):
        kmer_names(PROTEIN, 2, [0, 5], columns="canonical")
    with pytest.raises(ValueError, match="columns='canonical' needs a 4-letter nucleotide"):
        kmer_names(PROTEIN, 1, columns="canonical")
    with pytest.raises(ValueError, match="columns must be 'all' or 'canonical', got 'bogus'"):
        kmer_codes(PROTEIN, 1, "bogus")


# ------------------------------------------- canonical: the alphabet's complement
@pytest.mark.parametrize("complement", ["TAGC", "ATCG", "TACG"])
@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_compact_layout_follows_the_alphabets_complement(complement, k):
    """ATCG order with a fixed-point-free complement (TAGC), the identity
    (ATCG: reverse complement is reversal, odd k has 4**(k//2) * 4
    palindromes) and one swap (TACG: C and G are their own complement). The
    compact columns are the k-mers <= their reverse complement, and a fitted
    min_count vocabulary and the spectrum's vector use the same layout."""
    from deepbiop.alphabets import Alphabet

    alpha = Alphabet("atcg", "ATCG", complement=complement)
    comp = dict(zip("ATCG", complement))

    def key(s):
        return ["ATCG".index(c) for c in s]

    def rc(s):
        return "".join(comp[c] for c in reversed(s))

    canon = sorted((n for n in kmer_names(alpha, k) if key(n) <= key(rc(n))), key=key)
    assert n_canonical_kmers(k, alpha) == len(canon)
    enc = dbp.KmerEncoder(k=k, canonical="compact", encoding_type=alpha)
    assert enc.get_feature_names_out().tolist() == canon
    rng = np.random.default_rng(k)
    seqs = ["".join(rng.choice(list("ATCGN"), 60)) for _ in range(10)]
    X = enc.transform(seqs)
    assert X.shape == (10, len(canon))
    table = str.maketrans(comp)  # N stays N
    np.testing.assert_array_equal(X, enc.transform([s[::-1].translate(table) for s in seqs]))
    spec = dbp.kmer_spectrum(seqs, k, canonical=True, encoding_type=alpha)
    np.testing.assert_array_equal(spec.to_vector("canonical"), X.sum(axis=0))
    for strategy in ("skip", "error"):
        fitted = dbp.KmerEncoder(
            k=k, canonical="compact", encoding_type=alpha, min_count=1, ambiguous_strategy=strategy
        )
        clean = [s.replace("N", "A") for s in seqs]
        fitted.fit(clean)
        want = enc.transform(clean).sum(axis=0)
        np.testing.assert_array_equal(fitted.columns_, np.flatnonzero(want))
        np.testing.assert_array_equal(fitted.column_counts_, want[want > 0])


def test_canonical_errors_name_the_alphabet_and_why():
    from deepbiop.alphabets import Alphabet

    cycle = Alphabet("cyc", "ACGT", complement="CGTA")
    with pytest.raises(
        ValueError,
        match="canonical=True needs a complement that is an "
        "involution; alphabet 'cyc': complement 'CGTA'",
    ):
        dbp.kmer_spectrum(["ACGT"], 2, canonical=True, encoding_type=cycle)
    with pytest.raises(
        ValueError,
        match="columns='canonical' needs a complement that is an involution; alphabet 'cyc'",
    ):
        kmer_names(cycle, 2, columns="canonical")
    with pytest.raises(ValueError, match="canonical='compact' needs a complement"):
        dbp.KmerEncoder(k=2, canonical="compact", encoding_type=cycle).transform(["AC"])
    with pytest.raises(ValueError, match="alphabet 'cyc': complement 'CGTA' is not an involution"):
        _ = cycle.complement_codes
    with pytest.raises(ValueError, match="alphabet 'protein' has no complement"):
        _ = dbp.PROTEIN.complement_codes
    assert dbp.DNA.complement_codes.tolist() == [3, 2, 1, 0]
