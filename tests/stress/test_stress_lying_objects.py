"""Objects that run Python code at awkward moments or lie about their value:
a finalizer that empties the list while it is being packed (a garbage
collection can start at any allocation on Python <= 3.11), and parameters
that are subclasses of int/str answering ``__int__`` or ``lower`` differently
from their real value. Each case runs in a child process (a crash fails one
test, with the signal named)."""

from __future__ import annotations

import textwrap

import pytest

from _subproc import run_child


def test_finalizer_emptying_the_list_during_packing():
    res = run_child(
        """
        import gc, sys
        import numpy as np, deepbiop as dbp
        for kind in ("int", "onehot", "kmer"):
            target = ["ACGT" * 40 for _ in range(1000)]
            fired = [False]

            class Bomb:  # a cycle whose finalizer clears the list being packed
                def __init__(self):
                    self.me = self
                def __del__(self):
                    if not fired[0]:
                        fired[0] = True
                        target.clear()

            enc = {"int": dbp.IntegerEncoder("dna", n_jobs=1),
                   "onehot": dbp.OneHotEncoder("dna", n_jobs=1),
                   "kmer": dbp.KmerEncoder(k=2, n_jobs=1)}[kind]
            gc.set_threshold(1, 1, 1)
            Bomb()
            out = enc.encode_batch(target)
            gc.set_threshold(700, 10, 10)
            # whichever moment the collection came, the result is one state
            report([kind, fired[0], out.shape[0] in (0, 1000)])
    """,
        timeout=120,
    )
    res.check()
    assert res.reports == [["int", True, True], ["onehot", True, True], ["kmer", True, True]], (
        res.reports
    )


@pytest.mark.parametrize("case", ["kmer_k", "spectrum_k", "encoding_type"])
def test_parameters_that_lie_about_their_value(case):
    code = {
        "kmer_k": """
            class K(int):
                __int__ = lambda s: 200
                __index__ = lambda s: 200
            out = dbp.KmerEncoder(k=K(3), encoding_type="protein", sparse=True).transform(
                ["ACDEFGHIK" * 30])
            report(list(out.shape))
        """,
        "spectrum_k": """
            class K(int):
                __int__ = lambda s: 40
            report(dbp.kmer_spectrum(["ACGT" * 50], k=K(3)).to_dict())
        """,
        "encoding_type": """
            calls = [0]
            class S(str):  # "dna" for validation, "protein" later
                def lower(self):
                    calls[0] += 1
                    return "protein" if calls[0] > 3 else "dna"
            out = dbp.KmerEncoder(k=2, encoding_type=S("dna")).transform(["ACGT" * 10])
            report(list(out.shape))
        """,
    }[case]
    res = run_child(
        textwrap.dedent(code).replace("\n", "\nimport deepbiop as dbp\n", 1), timeout=120
    )
    res.check()
    want = {
        "kmer_k": [[1, 20**3]],
        "spectrum_k": [{"ACG": 50, "CGT": 50, "GTA": 49, "TAC": 49}],
        "encoding_type": [[1, 16]],
    }[case]
    assert res.reports == want, res.reports
