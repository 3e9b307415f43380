"""deepbiop/_spectrum_spill.py, the on-disk form of a spectrum counted in bins:
words pack code and count (a count too large for its bits is split, never
lost), bins cover every prefix in order within their size, and a spill file
read back bin by bin gives the merged runs (reference: a Counter)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from deepbiop._spectrum_spill import SpillFile, pack_words


def _unpack(words, count_bits):
    out: Counter = Counter()
    for w in words.tolist():
        out[w >> count_bits] += (w & ((1 << count_bits) - 1)) if count_bits else 1
    return out


@pytest.mark.parametrize("count_bits", [0, 1, 3, 21])
def test_pack_words_splits_large_counts(count_bits):
    codes = np.array([0, 7, 9, 2**40], dtype=np.uint64)
    counts = np.array([1, 2, 50, 7], dtype=np.int64)
    words = pack_words(codes.copy(), counts, count_bits)
    assert np.all(np.diff(words.astype(object)) >= 0)  # still ascending
    assert _unpack(words, count_bits) == dict(zip(codes.tolist(), counts.tolist()))
    # at most one word per occurrence
    assert words.size <= counts.sum()


def _runs(seed, n_runs, code_bits):
    rng = np.random.default_rng(seed)
    runs = []
    for _ in range(n_runs):
        codes = np.unique(rng.integers(0, 2**code_bits, int(rng.integers(0, 400)), dtype=np.uint64))
        counts = rng.geometric(0.3, codes.size).astype(np.int64)
        counts[::17] *= 1000
        runs.append((codes, counts))
    return runs


@pytest.mark.parametrize(
    "code_bits, max_words", [(8, 10), (42, 1), (42, 200), (62, 50), (61, 10**9)]
)
def test_spill_file_bins_give_the_merged_runs(tmp_path, code_bits, max_words):
    runs = _runs(code_bits, 7, code_bits)
    want: Counter = Counter()
    for codes, counts in runs:
        want.update(dict(zip(codes.tolist(), counts.tolist())))
    spill = SpillFile(str(tmp_path), code_bits)
    for codes, counts in runs:
        spill.add(codes.copy(), counts)
    spill.finish()
    plan = spill.plan(max_words)
    # bins are in order, disjoint, and none holds more than max_words (but one prefix)
    assert all(a < b for a, b in plan) and all(b <= c for (_, b), (c, _) in zip(plan, plan[1:]))
    got_codes, got_counts = [], []
    for p0, p1 in plan:
        codes, counts = spill.count_bin(p0, p1, 2)
        got_codes += codes.tolist()
        got_counts += counts.tolist()
    assert got_codes == sorted(want)
    assert dict(zip(got_codes, got_counts)) == dict(want)
    spill.close()


def test_empty_spill_file_has_no_bins(tmp_path):
    spill = SpillFile(str(tmp_path), 42)
    spill.add(np.empty(0, np.uint64), np.empty(0, np.int64))
    spill.finish()
    assert spill.plan(10) == [] and spill.words == 0
