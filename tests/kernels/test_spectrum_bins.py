"""The kernels behind counting on disk and writing spectra as text:
``_spectrum.sum_words`` (spill words to codes and summed counts, in place)
against a plain-Python reduction, and ``_spectrum_text.format_tsv`` against
Python string formatting; each also as a hypothesis property."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepbiop._kernels import _spectrum, _spectrum_text


def sum_words_ref(words, occurrences, count_bits, base):
    """Plain Python: {code: sum of occurrences * count field} in code order."""
    out: dict[int, int] = {}
    for w, n in zip(words, occurrences):
        w += base
        code = w >> count_bits
        field = (w & ((1 << count_bits) - 1)) if count_bits else 1
        out[code] = out.get(code, 0) + n * field
    return list(out), list(out.values())


def _run_sum_words(words, occurrences, count_bits, base):
    w = np.array(words, dtype=np.uint64)
    o = np.array(occurrences, dtype=np.int64)
    m = _spectrum.sum_words(w, o, count_bits, base)
    return w[:m].tolist(), o[:m].tolist()


def test_sum_words_examples():
    # code 5 with counts 1 and 3 (seen twice), code 6 with count 2
    words = [5 << 4 | 1, 5 << 4 | 3, 6 << 4 | 2]
    assert _run_sum_words(words, [1, 2, 1], 4, 0) == ([5, 6], [7, 2])
    # the bin's first word was taken off; 63-bit codes (no count bits): one word per k-mer
    assert _run_sum_words([0, 1, 3], [4, 1, 2], 0, 8) == ([8, 9, 11], [4, 1, 2])
    assert _run_sum_words([], [], 3, 0) == ([], [])


@settings(max_examples=200)
@given(data=st.data(), count_bits=st.integers(0, 20), base_prefix=st.integers(0, 15))
def test_property_sum_words_equals_reference(data, count_bits, base_prefix):
    base = base_prefix << 40  # the low count_bits bits of a bin's base are zero
    codes = data.draw(st.lists(st.integers(0, 50), max_size=60))
    cap = (1 << count_bits) - 1
    fields = [data.draw(st.integers(1, max(cap, 1))) if count_bits else 0 for _ in codes]
    words = sorted({(c << count_bits | f) for c, f in zip(codes, fields)})
    occ = [data.draw(st.integers(1, 1000)) for _ in words]
    # the words are stored minus the bin's base, which sum_words adds back
    assert _run_sum_words(words, occ, count_bits, base) == sum_words_ref(
        words, occ, count_bits, base
    )


def format_tsv_ref(codes, counts, k, symbols):
    lines = []
    A = len(symbols)
    for c, n in zip(codes, counts):
        s = ""
        for _ in range(k):
            s = symbols[c % A] + s
            c //= A
        lines.append(f"{s}\t{n}\n")
    return "".join(lines).encode("ascii")


def _run_format(codes, counts, k, symbols):
    codes = np.array(codes, dtype=np.uint64)
    counts = np.array(counts, dtype=np.int64)
    top = int(counts.max(initial=0))
    out = np.empty(len(codes) * (k + 2 + len(str(top))), dtype=np.uint8)
    n = _spectrum_text.format_tsv(
        codes, counts, k, np.frombuffer(symbols.encode("ascii"), dtype=np.uint8), out
    )
    return out[:n].tobytes()


@pytest.mark.parametrize(
    "k, symbols",
    [(1, "ACGT"), (21, "ACGT"), (31, "ACGT"), (3, "ACGU"), (14, "ACDEFGHIKLMNPQRSTVWY")],
)
def test_format_tsv_examples(k, symbols):
    A = len(symbols)
    codes = [0, 1, A**k - 1, (A**k) // 3]
    counts = [1, 10, 2**63 - 1, 0]
    assert _run_format(codes, counts, k, symbols) == format_tsv_ref(codes, counts, k, symbols)
    assert _run_format([], [], k, symbols) == b""


@settings(max_examples=200)
@given(
    data=st.data(),
    symbols=st.sampled_from(["ACGT", "ACGU", "ACDEFGHIKLMNPQRSTVWY", "XY", "ABCDEFG"]),
)
def test_property_format_tsv_equals_python_formatting(data, symbols):
    A = len(symbols)
    k = data.draw(st.integers(1, 63 // max(1, (A - 1).bit_length())))
    k = min(k, 31)
    codes = data.draw(st.lists(st.integers(0, A**k - 1), max_size=40))
    counts = data.draw(
        st.lists(st.integers(0, 2**63 - 1), min_size=len(codes), max_size=len(codes))
    )
    assert _run_format(codes, counts, k, symbols) == format_tsv_ref(codes, counts, k, symbols)
