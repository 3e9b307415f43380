"""deepbiop.kmers: the k-mer column space (names, codes, canonical layout,
limits, validation), checked against brute force over k-mer strings
(tests/_reference.py), not against the kernels that share its tables."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

import deepbiop as dbp
from deepbiop.alphabets import DNA, PROTEIN, RNA, Alphabet
from deepbiop.kmers import (
    KmerNames,
    canonical_rank,
    canonical_unrank,
    check_kmer_params,
    kmer_codes,
    kmer_names,
    max_sparse_k,
    n_canonical_kmers,
    n_kmer_columns,
)
from tests._reference import ALPHABETS, kmer_index, reverse_complement

ALPHABET_OBJECTS = {"dna": DNA, "rna": RNA, "protein": PROTEIN}


def _all_kmers(symbols: str, k: int) -> list[str]:
    return ["".join(p) for p in itertools.product(symbols, repeat=k)]


def _canonical_kmers(name: str, k: int) -> list[str]:
    """Canonical k-mers in code order, by brute force over strings."""
    symbols = ALPHABETS[name]
    keep = [
        w
        for w in _all_kmers(symbols, k)
        if kmer_index(w, name) <= kmer_index(reverse_complement(w, name), name)
    ]
    return sorted(keep, key=lambda w: kmer_index(w, name))


@pytest.mark.parametrize("name", ["dna", "rna", "protein"])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_names_and_codes_of_all_columns_match_brute_force(name, k):
    if name == "protein" and k == 3:
        k = 2  # 8000 names would only slow the test
    want = _all_kmers(ALPHABETS[name], k)
    for alphabet in (name, ALPHABET_OBJECTS[name], name.upper()):
        assert kmer_names(alphabet, k).tolist() == want
        np.testing.assert_array_equal(kmer_codes(alphabet, k), [kmer_index(w, name) for w in want])
        assert n_kmer_columns(alphabet, k) == len(want)


@pytest.mark.parametrize("name", ["dna", "rna"])
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_canonical_layout_matches_brute_force(name, k):
    want = _canonical_kmers(name, k)
    for alphabet in (name, ALPHABET_OBJECTS[name]):
        assert n_canonical_kmers(k, alphabet) == len(want)
        assert kmer_names(alphabet, k, columns="canonical").tolist() == want
        codes = kmer_codes(alphabet, k, "canonical")
        np.testing.assert_array_equal(codes, [kmer_index(w, name) for w in want])
        alpha = ALPHABET_OBJECTS[name]
        np.testing.assert_array_equal(canonical_rank(codes, k, alpha), np.arange(len(want)))
        np.testing.assert_array_equal(canonical_unrank(np.arange(len(want)), k, alpha), codes)
        idx = np.arange(len(want))[::-1].reshape(-1, 1)
        assert kmer_names(alphabet, k, idx, columns="canonical").ravel().tolist() == want[::-1]


def test_top_level_export_and_encoder_module_reexports():
    from deepbiop.encoders import kmer as kmer_mod

    assert dbp.kmer_names is kmer_names
    assert "kmer_names" in dbp.__all__
    for name in ("KmerNames", "kmer_names", "kmer_codes", "n_canonical_kmers", "max_sparse_k"):
        assert name in kmer_mod.__all__
        assert getattr(kmer_mod, name) is getattr(dbp.kmers, name)
    assert dbp.kmer_names("dna", 3, [7, 27]).tolist() == ["ACT", "CGT"]


def test_lazy_names_accept_an_alphabet_name():
    names = KmerNames("rna", 20)
    assert len(names) == 4**20
    assert names[-1] == "U" * 20
    assert names[[0, 1]].tolist() == ["A" * 20, "A" * 19 + "C"]


def test_unknown_alphabet_name_and_layout_are_refused():
    with pytest.raises(ValueError, match="dnaa"):
        kmer_names("dnaa", 2)
    with pytest.raises(ValueError, match="columns must be 'all' or 'canonical', got 'compact'"):
        kmer_codes("dna", 2, "compact")
    for k in (1, 2):  # even k too: protein has no canonical k-mers at all
        with pytest.raises(ValueError, match="needs a 4-letter nucleotide alphabet"):
            n_canonical_kmers(k, "protein")


def test_check_kmer_params_is_the_one_validation():
    assert check_kmer_params(np.int64(5), DNA, 1) == (5, True)
    assert type(check_kmer_params(np.int64(5), DNA, 0)[0]) is int
    for bad in (0, -1, True, 2.0, "3"):
        with pytest.raises(ValueError, match=re.escape(f"k must be an int >= 1, got {bad!r}")):
            check_kmer_params(bad, DNA, False)
    msg = (
        "k=15 gives 20**15 columns, more than a 64-bit column index holds; use k <= 14 "
        "for alphabet 'protein'"
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        check_kmer_params(15, PROTEIN, False)
    # the encoder and the spectrum say the same thing for the same mistake
    with pytest.raises(ValueError, match=re.escape(msg)):
        dbp.KmerEncoder(k=15, encoding_type="protein", sparse=True).fit()
    with pytest.raises(ValueError, match=re.escape(msg)):
        dbp.kmer_spectrum(["ACD"], 15, encoding_type="protein")
    with pytest.raises(
        ValueError,
        match=re.escape(
            "canonical=True needs a 4-letter nucleotide alphabet (dna or rna); "
            "'protein' has no reverse complement"
        ),
    ):
        check_kmer_params(3, PROTEIN, True)
    assert max_sparse_k(4) == 31 and max_sparse_k(20) == 14
    assert 4**31 < 2**63 <= 4**32 and 20**14 < 2**63 <= 20**15


def test_custom_alphabet_fixed_points_in_canonical_count():
    # A <-> T swapped, C and G their own complements: odd-k palindromes exist
    alpha = Alphabet("fix", "ACGT", complement="TCGA")
    k = 3
    comp = dict(zip("ACGT", "TCGA"))
    words = _all_kmers("ACGT", k)
    rc = {w: "".join(comp[c] for c in reversed(w)) for w in words}
    want = sorted(
        {min(w, rc[w], key=lambda x: kmer_index(x, symbols="ACGT")) for w in words},
        key=lambda x: kmer_index(x, symbols="ACGT"),
    )
    assert n_canonical_kmers(k, alpha) == len(want)
    assert kmer_names(alpha, k, columns="canonical").tolist() == want
