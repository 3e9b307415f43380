"""KmerEncoder and its kernel: exact counts, column order, canonical folding,
protein k-mers, errors, and agreement with both ``tests/_reference.py`` and
scikit-learn's ``CountVectorizer(analyzer="char")``."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer
from threadpoolctl import threadpool_limits

import deepbiop as dbp
from _reference import (
    ReferenceError,
    kmer_batch_ref,
    kmer_counts_ref,
    kmer_index,
    kmer_ref,
    reverse_complement,
)
from _strategies import batches, complemented_alphabets, sequences, sequences_over
from deepbiop._kernels import _kmer
from deepbiop.alphabets import Alphabet


# ------------------------------------------------------------------ exact values
def test_aaaa_k2_counts_three_at_zero():
    out = dbp.KmerEncoder(k=2).encode(b"AAAA")
    assert out.shape == (16,) and out.dtype == np.float32
    expected = np.zeros(16, np.float32)
    expected[0] = 3
    np.testing.assert_array_equal(out, expected)


def test_acgtacgt_k3_sums_to_six():
    out = dbp.KmerEncoder(k=3).encode(b"ACGTACGT")
    assert out.shape == (64,)
    assert out.sum() == 6
    # ACG x2, CGT x2, GTA, TAC
    for kmer, n in {"ACG": 2, "CGT": 2, "GTA": 1, "TAC": 1}.items():
        assert out[kmer_index(kmer)] == n


def test_column_order_is_lexicographic_first_char_most_significant():
    enc = dbp.KmerEncoder(k=2)
    names = enc.get_feature_names_out()
    assert names[0] == "AA" and names[1] == "AC" and names[4] == "CA" and names[15] == "TT"
    for j, kmer in enumerate(names):
        assert enc.encode(kmer)[j] == 1 and enc.encode(kmer).sum() == 1
    assert list(dbp.KmerEncoder(k=1, encoding_type="protein").get_feature_names_out()) == list(
        "ACDEFGHIKLMNPQRSTVWY"
    )


def test_batch_shape_and_empty():
    enc = dbp.KmerEncoder(k=5, canonical=True)
    assert enc.encode_batch(["ACGTACGTAC", "TT"]).shape == (2, 1024)
    assert enc.encode_batch([]).shape == (0, 1024)
    np.testing.assert_array_equal(enc.encode(""), np.zeros(1024))


@pytest.mark.parametrize("seq", ["", "A", "ACGT", "acgt"])
def test_shorter_than_k_gives_zeros(seq):
    out = dbp.KmerEncoder(k=5).encode(seq)
    np.testing.assert_array_equal(out, np.zeros(1024))


def test_lowercase_counts_as_uppercase():
    enc = dbp.KmerEncoder(k=3)
    np.testing.assert_array_equal(enc.encode("acgTTgca"), enc.encode("ACGTTGCA"))


def test_rna_kmers():
    out = dbp.KmerEncoder(k=2, encoding_type="rna").encode("ACGU")
    np.testing.assert_array_equal(np.flatnonzero(out), [1, 6, 11])  # AC, CG, GU
    # T is not RNA: windows with it are skipped
    assert dbp.KmerEncoder(k=2, encoding_type="rna").encode("ATA").sum() == 0


# ------------------------------------------------------------------- canonical
def test_canonical_folds_onto_smaller():
    enc = dbp.KmerEncoder(k=3, canonical=True)
    # TTT's reverse complement is AAA: counted at AAA
    out = enc.encode("TTT")
    assert out[kmer_index("AAA")] == 1 and out.sum() == 1
    # ACG is its own reverse complement... no: revcomp(ACG) = CGT > ACG
    out = enc.encode("CGT")
    assert out[kmer_index("ACG")] == 1 and out.sum() == 1
    assert enc.encode("ACGT").sum() == 2


def test_canonical_keeps_4_pow_k_columns_and_zeroes_non_canonical():
    rng = np.random.default_rng(1)
    seq = "".join(rng.choice(list("ACGT"), size=5000))
    out = dbp.KmerEncoder(k=4, canonical=True).encode(seq)
    assert out.shape == (256,)
    names = dbp.KmerEncoder(k=4).get_feature_names_out()
    non_canonical = [j for j, n in enumerate(names) if reverse_complement(n) < n]
    assert len(non_canonical) == (256 - 16) // 2  # 16 palindromes at even k
    np.testing.assert_array_equal(out[non_canonical], 0)
    assert (np.delete(out, non_canonical) > 0).all()


def test_canonical_of_sequence_equals_canonical_of_reverse_complement():
    enc = dbp.KmerEncoder(k=5, canonical=True)
    seq = "ACGTTGCAANNGGCATTacgtgggCCCTA"
    np.testing.assert_array_equal(enc.encode(seq), enc.encode(reverse_complement(seq)))


def test_canonical_rna():
    enc = dbp.KmerEncoder(k=3, canonical=True, encoding_type="rna")
    seq = "ACGUUGCAAGGCAUUacgu"
    np.testing.assert_array_equal(enc.encode(seq), enc.encode(reverse_complement(seq, "rna")))
    np.testing.assert_array_equal(enc.encode(seq), kmer_ref(seq, 3, "rna", canonical=True))


def test_canonical_protein_is_rejected():
    with pytest.raises(
        ValueError,
        match=re.escape(
            "canonical=True needs a 4-letter nucleotide alphabet (dna or rna); 'protein' "
            "has no reverse complement"
        ),
    ):
        dbp.KmerEncoder(k=2, canonical=True, encoding_type="protein").encode("ACD")


# ------------------------------------------------------------------------- protein
def test_protein_kmers_have_20_pow_k_columns():
    enc = dbp.KmerEncoder(k=2, encoding_type="protein")
    out = enc.encode("ACDAC")
    assert out.shape == (400,)
    assert out[kmer_index("AC", "protein")] == 2
    assert out[kmer_index("CD", "protein")] == 1
    assert out[kmer_index("DA", "protein")] == 1
    assert out.sum() == 4
    assert dbp.KmerEncoder(k=3, encoding_type="protein").encode_batch(["WY"]).shape == (1, 8000)


def test_protein_k5_is_the_largest_dense():
    out = dbp.KmerEncoder(k=5, encoding_type="protein").encode("YYYYYY")
    assert out.shape == (20**5,)
    assert out[20**5 - 1] == 2 and out.sum() == 2
    with pytest.raises(
        ValueError,
        match=r"k=6 gives 20\*\*6 = 64,000,000 columns per row, "
        r"too many for a dense array; use k <= 5 for "
        r"alphabet 'protein'",
    ):
        dbp.KmerEncoder(k=6, encoding_type="protein").encode("A")


# ------------------------------------------------------------------ strategies
def test_skip_drops_windows_with_n():
    out = dbp.KmerEncoder(k=3).encode("ACGNACG")
    # windows: ACG, CGN x, GNA x, NAC x, ACG -> ACG twice
    assert out[kmer_index("ACG")] == 2 and out.sum() == 2


def test_error_strategy_names_location():
    msg = (
        "sequence 1 (of 2): invalid character 'N' at position 3 for alphabet 'dna' "
        "(valid: ACGT); pass ambiguous_strategy='skip' to leave such windows uncounted"
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        dbp.KmerEncoder(k=3, ambiguous_strategy="error").encode_batch(["ACGT", "ACGNA"])
    # even a sequence shorter than k is checked
    with pytest.raises(
        ValueError, match="sequence 0 \\(of 1\\): invalid character 'x' at position 0"
    ):
        dbp.KmerEncoder(k=5, ambiguous_strategy="error").encode("x")


def test_parameter_errors():
    with pytest.raises(
        ValueError,
        match=r"The 'k' parameter of KmerEncoder must be an int "
        r"in the range \[1, inf\)\. Got 0 instead",
    ):
        dbp.KmerEncoder(k=0).encode("A")
    with pytest.raises(ValueError, match="use k <= 12 for alphabet 'dna'"):
        dbp.KmerEncoder(k=13).encode("A")
    with pytest.raises(ValueError, match="ambiguous_strategy' parameter of KmerEncoder"):
        dbp.KmerEncoder(ambiguous_strategy="unknown").encode("A")


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_dtypes(dtype):
    out = dbp.KmerEncoder(k=2, dtype=dtype).encode_batch(["AAAA", "ACGN"])
    assert out.dtype == np.dtype(dtype) and out.flags.c_contiguous and out.dtype.isnative
    np.testing.assert_array_equal(out, kmer_batch_ref(["AAAA", "ACGN"], 2))


def test_largest_dna_k_runs():
    out = dbp.KmerEncoder(k=12).encode("ACGTACGTACGTA")
    assert out.shape == (4**12,) and out.sum() == 2
    assert out[kmer_index("ACGTACGTACGT")] == 1 and out[kmer_index("CGTACGTACGTA")] == 1


# -------------------------------------------------------- CountVectorizer agreement
def _countvectorizer_dense(seqs, k, symbols):
    """CountVectorizer counts mapped onto our column order (upper-case input)."""
    cv = CountVectorizer(analyzer="char", ngram_range=(k, k), lowercase=False)
    X = cv.fit_transform(seqs).toarray()
    out = np.zeros((len(seqs), len(symbols) ** k))
    for kmer, col in cv.vocabulary_.items():
        idx = 0
        for ch in kmer:
            idx = idx * len(symbols) + symbols.index(ch)
        out[:, idx] += X[:, col]
    return out


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 6])
def test_counts_equal_countvectorizer(k):
    rng = np.random.default_rng(k)
    seqs = ["".join(rng.choice(list("ACGT"), size=int(n))) for n in rng.integers(k, 300, size=40)]
    ours = dbp.KmerEncoder(k=k, dtype=np.float64).encode_batch([s.lower() for s in seqs])
    np.testing.assert_array_equal(ours, _countvectorizer_dense(seqs, k, "ACGT"))


def test_protein_counts_equal_countvectorizer():
    rng = np.random.default_rng(0)
    aa = list("ACDEFGHIKLMNPQRSTVWY")
    seqs = ["".join(rng.choice(aa, size=int(n))) for n in rng.integers(3, 120, size=30)]
    ours = dbp.KmerEncoder(k=3, encoding_type="protein").encode_batch(seqs)
    np.testing.assert_array_equal(ours, _countvectorizer_dense(seqs, 3, "".join(aa)))


@given(
    seqs=st.lists(sequences("dna", noise=False, max_size=30).filter(bool), min_size=1, max_size=6),
    k=st.integers(1, 4),
)
def test_property_countvectorizer(seqs, k):
    ours = dbp.KmerEncoder(k=k, dtype=np.float64).encode_batch(seqs)
    if not any(len(s) >= k for s in seqs):
        np.testing.assert_array_equal(ours, 0)  # CountVectorizer refuses an empty vocab
        return
    upper = [s.upper() for s in seqs]
    np.testing.assert_array_equal(ours, _countvectorizer_dense(upper, k, "ACGT"))


# ------------------------------------------------------------------- properties
@given(seqs=batches("dna"), k=st.integers(1, 6), canonical=st.booleans())
def test_property_dna_matches_reference(seqs, k, canonical):
    out = dbp.KmerEncoder(k=k, canonical=canonical, dtype=np.float64).encode_batch(seqs)
    np.testing.assert_array_equal(out, kmer_batch_ref(seqs, k, "dna", canonical))


@given(seqs=batches("rna"), k=st.integers(1, 4), canonical=st.booleans())
def test_property_rna_matches_reference(seqs, k, canonical):
    out = dbp.KmerEncoder(k=k, canonical=canonical, encoding_type="rna").encode_batch(seqs)
    np.testing.assert_array_equal(out, kmer_batch_ref(seqs, k, "rna", canonical))


@given(seqs=batches("protein", max_batch=4), k=st.integers(1, 3))
def test_property_protein_matches_reference(seqs, k):
    out = dbp.KmerEncoder(k=k, encoding_type="protein").encode_batch(seqs)
    np.testing.assert_array_equal(out, kmer_batch_ref(seqs, k, "protein"))


@given(seq=sequences("dna", max_size=60), k=st.integers(1, 7))
def test_property_canonical_invariant_under_reverse_complement(seq, k):
    enc = dbp.KmerEncoder(k=k, canonical=True)
    np.testing.assert_array_equal(enc.encode(seq), enc.encode(reverse_complement(seq)))


@given(seq=sequences("dna", max_size=60), k=st.integers(1, 6))
def test_property_canonical_is_folded_plain_counts(seq, k):
    plain = dbp.KmerEncoder(k=k).encode(seq)
    canon = dbp.KmerEncoder(k=k, canonical=True).encode(seq)
    assert canon.sum() == plain.sum()
    names = dbp.KmerEncoder(k=k).get_feature_names_out()
    folded = np.zeros_like(plain)
    for j in np.flatnonzero(plain):
        rc = reverse_complement(names[j])
        folded[min(j, kmer_index(rc))] += plain[j]
    np.testing.assert_array_equal(canon, folded)


@given(seqs=batches("dna"), k=st.integers(1, 5))
def test_property_error_matches_reference(seqs, k):
    enc = dbp.KmerEncoder(k=k, ambiguous_strategy="error")
    try:
        ref = kmer_batch_ref(seqs, k, "dna", strategy="error")
    except ReferenceError as err:
        with pytest.raises(ValueError) as info:
            enc.encode_batch(seqs)
        assert (
            f"sequence {err.index} (of {len(seqs)}): invalid character "
            f"{err.char!r} at position {err.position} "
        ) in str(info.value)
    else:
        np.testing.assert_array_equal(enc.encode_batch(seqs), ref)


@given(seqs=batches("dna"), k=st.integers(1, 5), canonical=st.booleans())
def test_property_batch_equals_each_alone(seqs, k, canonical):
    enc = dbp.KmerEncoder(k=k, canonical=canonical)
    batch = enc.encode_batch(seqs)
    for i, s in enumerate(seqs):
        np.testing.assert_array_equal(batch[i], enc.encode(s))


@pytest.mark.usefixtures("force_parallel")
@given(seqs=batches("protein", max_batch=12), k=st.integers(1, 3))
def test_property_protein_one_thread_equals_two(seqs, k):
    one = dbp.KmerEncoder(k=k, encoding_type="protein", n_jobs=1).encode_batch(seqs)
    two = dbp.KmerEncoder(k=k, encoding_type="protein", n_jobs=2).encode_batch(seqs)
    np.testing.assert_array_equal(one, two)


@pytest.mark.usefixtures("force_parallel")
@given(seqs=batches("dna", max_batch=12), k=st.integers(1, 6), canonical=st.booleans())
def test_property_one_thread_equals_two(seqs, k, canonical):
    one = dbp.KmerEncoder(k=k, canonical=canonical, n_jobs=1).encode_batch(seqs)
    two = dbp.KmerEncoder(k=k, canonical=canonical, n_jobs=2).encode_batch(seqs)
    np.testing.assert_array_equal(one, two)


@pytest.mark.usefixtures("force_parallel")
def test_threadpoolctl_limit_gives_same_output():
    seqs = [("ACGTTGNCA" * 9)[i:] for i in range(60)]
    free = dbp.KmerEncoder(k=4, canonical=True).encode_batch(seqs)
    with threadpool_limits(limits=1, user_api="openmp"):
        limited = dbp.KmerEncoder(k=4, canonical=True).encode_batch(seqs)
    np.testing.assert_array_equal(free, limited)
    np.testing.assert_array_equal(free, kmer_batch_ref(seqs, 4, canonical=True))


def test_reference_counts_sanity():
    # guards the reference itself
    assert kmer_counts_ref("AAAA", 2) == {"AA": 3}
    assert kmer_counts_ref("TTT", 3, canonical=True) == {"AAA": 1}
    assert reverse_complement("ACGTn") == "nACGT"


def test_custom_alphabets_take_the_general_and_4_letter_paths():
    from deepbiop.alphabets import Alphabet

    binary = Alphabet("bin", "01")
    enc = dbp.KmerEncoder(k=2, encoding_type=binary)
    np.testing.assert_array_equal(enc.encode("0110x1"), [0, 1, 1, 1])  # 01, 11, 10
    assert list(enc.get_feature_names_out()) == ["00", "01", "10", "11"]
    quad = Alphabet("quad", "WXYZ")  # 4 letters, no complement: bit-mask path
    out = dbp.KmerEncoder(k=2, encoding_type=quad).encode("wXYZ")
    np.testing.assert_array_equal(np.flatnonzero(out), [1, 6, 11])
    with pytest.raises(ValueError, match="'quad' has no reverse complement"):
        dbp.KmerEncoder(k=2, canonical=True, encoding_type=quad).encode("WX")


# ------------------------------------------------------------------------- out=
@pytest.mark.usefixtures("force_parallel")
@given(
    seqs=batches("dna", max_batch=10),
    k=st.integers(1, 4),
    canonical=st.booleans(),
    n_jobs=st.sampled_from([1, 2]),
)
def test_property_out_overwrites_garbage_and_matches_fresh(seqs, k, canonical, n_jobs):
    enc = dbp.KmerEncoder(k=k, canonical=canonical, n_jobs=n_jobs)
    out = np.full((len(seqs), 4**k), 7.5, dtype=np.float32)  # stale content
    got = enc.encode_batch(seqs, out=out)
    assert got is out
    np.testing.assert_array_equal(out, kmer_batch_ref(seqs, k, canonical=canonical))


@pytest.mark.usefixtures("force_parallel")
def test_out_for_one_long_sequence_split_over_threads():
    rng = np.random.default_rng(3)
    seq = "".join(rng.choice(list("ACGTN"), size=300_000))
    enc = dbp.KmerEncoder(k=3, n_jobs=2, dtype=np.int64)
    out = np.full((1, 64), -9, dtype=np.int64)
    enc.encode_batch([seq], out=out)
    np.testing.assert_array_equal(out, kmer_batch_ref([seq], 3))


def test_out_with_normalize_is_written_in_place():
    enc = dbp.KmerEncoder(k=2, normalize="l1")
    out = np.ones((2, 16), dtype=np.float64)
    enc = dbp.KmerEncoder(k=2, normalize="l1", dtype=np.float64)
    got = enc.encode_batch(["AAAC", "GG"], out=out)
    assert got is out
    np.testing.assert_allclose(out[0, [0, 1]], [2 / 3, 1 / 3])
    np.testing.assert_array_equal(out[1], np.eye(16)[10])


def test_out_validation():
    enc = dbp.KmerEncoder(k=2)
    with pytest.raises(ValueError, match=r"shape \(2, 16\) and dtype float32"):
        enc.encode_batch(["AC", "GT"], out=np.zeros((2, 15), np.float32))
    with pytest.raises(ValueError, match="dtype float32"):
        enc.encode_batch(["AC", "GT"], out=np.zeros((2, 16), np.float64))
    with pytest.raises(ValueError, match="C-contiguous"):
        enc.encode_batch(["AC", "GT"], out=np.zeros((16, 2), np.float32).T)
    with pytest.raises(ValueError, match="sparse output"):
        dbp.KmerEncoder(k=2, sparse=True).encode_batch(["AC"], out=np.zeros((1, 16)))
    with pytest.raises(ValueError, match="compact"):
        dbp.KmerEncoder(k=2, canonical="compact").encode_batch(
            ["AC"], out=np.zeros((1, 10), np.float32)
        )


# ------------------------------------------------- canonical: the alphabet's complement
# ATCG order with A<->T and C<->G: the complement of code c is c ^ 1, not 3 - c
ATCG = Alphabet("atcg", "ATCG", complement="TAGC")
ATCG_COMP = {"A": "T", "T": "A", "C": "G", "G": "C"}


def test_canonical_uses_the_alphabets_complement():
    """GT's reverse complement is AC (code 2 in ATCG order, below GT's 13):
    both count at AC. With 3 - c, GT was folded onto CA (code 8)."""
    enc = dbp.KmerEncoder(k=2, canonical=True, encoding_type=ATCG)
    names = enc.get_feature_names_out()
    for seq in ("GT", "AC", "gt"):
        assert names[np.flatnonzero(enc.encode(seq))].tolist() == ["AC"]
    seq = "GATTACAxCCGTAGcgaTTTGC"
    rc = reverse_complement(seq, complement=ATCG_COMP)
    np.testing.assert_array_equal(enc.encode(seq), enc.encode(rc))
    np.testing.assert_array_equal(
        enc.encode(seq), kmer_ref(seq, 2, canonical=True, symbols="ATCG", complement=ATCG_COMP)
    )


def test_canonical_rejects_only_what_it_cannot_fold():
    cycle = Alphabet("cyc", "ACGT", complement="CGTA")  # A->C->G->T->A
    with pytest.raises(
        ValueError,
        match=re.escape(
            "canonical=True needs a complement that is an involution; alphabet 'cyc': "
            "complement 'CGTA' is not an involution: the complement of 'A' is 'C', but "
            "the complement of 'C' is 'G', not 'A'"
        ),
    ):
        dbp.KmerEncoder(k=2, canonical=True, encoding_type=cycle).encode("AC")
    five = Alphabet("dna5", "ACGTN", complement="TGCAN")
    with pytest.raises(
        ValueError,
        match=re.escape(
            "canonical=True needs a 4-letter nucleotide alphabet (dna or rna); 'dna5' has 5 symbols"
        ),
    ):
        dbp.KmerEncoder(k=2, canonical=True, encoding_type=five).encode("AC")
    # a complement that is not a permutation of the symbols: Alphabet refuses it
    with pytest.raises(ValueError, match="complement must be a permutation of the symbols"):
        Alphabet("bad", "ACGT", complement="TTCA")
    # not canonical: the same alphabets count as any other
    assert dbp.KmerEncoder(k=1, encoding_type=cycle).encode("ACGT").tolist() == [1] * 4
    # an involution with fixed points is fine (reverse complement = reversal here)
    ident = Alphabet("id", "ACGT", complement="ACGT")
    out = dbp.KmerEncoder(k=2, canonical=True, encoding_type=ident).encode("CA")
    assert np.flatnonzero(out).tolist() == [kmer_index("AC")]


@given(data=st.data(), k=st.integers(1, 6))
def test_property_canonical_any_complement_matches_reference(data, k):
    """Random 4-letter alphabets and complement involutions (fixed points
    included): canonical counts equal the reference and do not change under
    the alphabet's reverse complement."""
    symbols, complement = data.draw(complemented_alphabets())
    comp = dict(zip(symbols, complement))
    seqs = data.draw(st.lists(sequences_over(symbols), max_size=6))
    enc = dbp.KmerEncoder(
        k=k,
        canonical=True,
        dtype=np.float64,
        encoding_type=Alphabet("rand", symbols, complement=complement),
    )
    out = enc.encode_batch(seqs)
    np.testing.assert_array_equal(
        out, kmer_batch_ref(seqs, k, canonical=True, symbols=symbols, complement=comp)
    )
    rc = [reverse_complement(s, complement=comp) for s in seqs]
    np.testing.assert_array_equal(enc.encode_batch(rc), out)


@pytest.mark.usefixtures("force_parallel")
@given(data=st.data(), k=st.integers(1, 5))
def test_property_canonical_any_complement_one_thread_equals_two(data, k):
    symbols, complement = data.draw(complemented_alphabets())
    alpha = Alphabet("rand", symbols, complement=complement)
    seqs = data.draw(st.lists(sequences_over(symbols), max_size=12))
    one = dbp.KmerEncoder(k=k, canonical=True, encoding_type=alpha, n_jobs=1)
    two = dbp.KmerEncoder(k=k, canonical=True, encoding_type=alpha, n_jobs=2)
    np.testing.assert_array_equal(one.encode_batch(seqs), two.encode_batch(seqs))


# ---------------------------------------------------------- exact (big) counts
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_float32_counts_past_2_pow_24_are_exact(n_jobs):
    """float32 counts used to stop at 2**24 per thread (4e7 A's gave 2**24 on one
    thread and 2**25 on two); now they are counted in integers and rounded
    once: 4e7 is a float32, and 2**24 + 1 rounds to 2**24 (nearest even)."""
    enc = dbp.KmerEncoder(k=1, n_jobs=n_jobs)
    assert enc.encode("A" * 40_000_000).tolist() == [4e7, 0, 0, 0]
    for n in (2**24 + 1, 2**24 + 2, 2**24 + 3):
        out = enc.encode("C" * n)
        assert out.dtype == np.float32 and out[1] == np.float32(n) and out.sum() == out[1]
    # AA x (n - 1) and TT x (n - 1), folded together, and one AT
    canon = dbp.KmerEncoder(k=2, canonical=True, n_jobs=n_jobs).encode(
        "A" * 10_000_001 + "T" * 10_000_001
    )
    assert canon[kmer_index("AA")] == 20_000_000 and canon.sum() == 20_000_001
    out = dbp.KmerEncoder(k=1, n_jobs=n_jobs, dtype=np.int64).encode("G" * 40_000_001)
    assert out.tolist() == [0, 0, 40_000_001, 0]


@pytest.fixture
def exact_limits():
    """Lower the kernel's float32 limits (2**24 windows: count in uint32; 2**32:
    in int64) so that short rows take those paths; restored afterwards."""
    old = _kmer._exact_limits()
    yield _kmer._exact_limits
    _kmer._exact_limits(*old)


@pytest.mark.usefixtures("force_parallel")
@pytest.mark.parametrize("u32_windows", [10**9, 5_000])
@pytest.mark.parametrize("canonical", [False, True])
def test_integer_accumulators_of_long_float32_rows(exact_limits, u32_windows, canonical):
    """Every route of a float32 row (counted straight, in uint32 in the row's
    own slots, in an int64 buffer; by one thread or split over two) gives the
    exact counts."""
    exact_limits(1_000, u32_windows)
    rng = np.random.default_rng(7)
    seqs = [
        "".join(rng.choice(list("ACGTN"), size=n, p=[0.24] * 4 + [0.04]))
        for n in (0, 50, 999, 1_003, 4_000, 6_003, 140_000)
    ]
    for k in (1, 3):
        ref = kmer_batch_ref(seqs, k)
        if canonical:  # fold the plain counts (quicker than the canonical reference)
            names = dbp.KmerEncoder(k=k).get_feature_names_out()
            folded = np.zeros_like(ref)
            for j, name in enumerate(names):
                folded[:, min(j, kmer_index(reverse_complement(name)))] += ref[:, j]
            ref = folded
        for n_jobs in (1, 2):
            enc = dbp.KmerEncoder(k=k, canonical=canonical, n_jobs=n_jobs)
            np.testing.assert_array_equal(enc.encode_batch(seqs), ref)
            # one row alone: split over the threads (or left to one thread
            # when it has more windows than uint32 may count)
            np.testing.assert_array_equal(enc.encode(seqs[-1]), ref[-1])
            out = np.full((1, 4**k), 3.5, dtype=np.float32)
            enc.encode_batch(seqs[-1:], out=out)
            np.testing.assert_array_equal(out[0], ref[-1])
