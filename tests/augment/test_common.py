"""deepbiop/augment/_common.py: parameter checks and the "auto" RNA rule,
which the single-sequence functions (Python, reads_as_rna) and the batch
kernel (C, _is_rna in _kernels/_augment.pyx) must apply alike."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import deepbiop as dbp
from deepbiop import augment as aug
from deepbiop.augment._common import (
    array_alphabet,
    check_rate,
    complement_alphabet,
    is_auto,
    reads_as_rna,
)

# U/T in both cases, IUPAC codes and noise: every branch of the rule
RULE_TEXT = "ACGTUacgtuNnRYry-X"


@pytest.mark.parametrize(
    ("text", "rna"),
    [
        ("GAUUACA", True),
        ("gauu", True),
        ("ACGU", True),
        ("UT", False),  # mixed: DNA
        ("ut", False),
        ("ACGT", False),
        ("ACGN", False),  # neither: DNA
        ("", False),
    ],
)
def test_reads_as_rna(text, rna):
    raw = text.encode()
    assert reads_as_rna(raw) is rna
    assert complement_alphabet("auto", raw) is (dbp.RNA if rna else dbp.DNA)
    assert complement_alphabet("AUTO", raw) is (dbp.RNA if rna else dbp.DNA)


@given(st.lists(st.text(alphabet=RULE_TEXT, max_size=30), max_size=8))
def test_auto_rule_same_everywhere(seqs):
    """The rule in one place: the text function, the batch kernel, the random
    batch function and the transform objects all follow reads_as_rna."""

    def by_rule(s):
        return aug.reverse_complement(s, "rna" if reads_as_rna(s.encode()) else "dna")

    want = [by_rule(s) for s in seqs]
    assert [aug.reverse_complement(s) for s in seqs] == want
    assert aug.reverse_complement_batch(seqs) == want
    assert aug.random_reverse_complement_batch(seqs, 1.0, random_state=0) == want
    assert aug.ReverseComplement().batch(seqs) == want
    assert [aug.ReverseComplement()(s) for s in seqs] == want
    assert [aug.random_reverse_complement(s, 1.0) for s in seqs] == want


def test_arrays_read_auto_as_dna():
    assert array_alphabet("auto") == "dna" and array_alphabet("Auto") == "dna"
    assert array_alphabet("rna") == "rna" and array_alphabet(dbp.RNA) is dbp.RNA
    codes = np.array([0, 1, 2, 3])  # ACGT / ACGU: the same codes, complemented alike
    assert aug.ReverseComplement(kind="codes")(codes).tolist() == [0, 1, 2, 3]
    assert is_auto("auto") and not is_auto(dbp.DNA) and not is_auto("dna")


def test_check_rate_and_nucleotide_errors():
    assert check_rate(0) == 0.0 and check_rate(1) == 1.0
    for bad in (1.5, -0.1, True, "0.5", None):
        with pytest.raises(ValueError, match=r"rate must be a number in \[0, 1\]"):
            check_rate(bad)
    with pytest.raises(ValueError, match=r"p must be a number in \[0, 1\], got 2"):
        check_rate(2, "p")
    with pytest.raises(ValueError, match="alphabet 'protein' has no complement"):
        complement_alphabet("protein", b"ACD")
