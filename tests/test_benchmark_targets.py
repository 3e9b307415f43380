"""benchmarks/run.py's target checks, on hand-made rows (no timing involved)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
if not BENCH.is_dir():
    pytest.skip("benchmarks/ not beside the tests (not a source checkout)", allow_module_level=True)
sys.path.insert(0, str(BENCH))
run = pytest.importorskip("run")


def _row(wl, task, impl, seconds, threads=2, out_mb=80.0, deepbiop_x=None, n_seqs=1000):
    r = run.Row(
        wl,
        task,
        impl,
        threads,
        seconds,
        n_bases=10**6,
        n_seqs=n_seqs,
        out_mb=out_mb,
        peak_mb=None,
        checked="ok",
    )
    r.reads_s = n_seqs / seconds
    r.deepbiop_x = deepbiop_x
    return r


def test_floor_ratios_baselines_and_reads_per_second_are_checked():
    rows = [
        _row("W1", "integer float32", "floor (fresh float32 output)", 6.0),
        _row("W1", "integer float32", "deepbiop", 12.0),  # 0.5x floor
        _row("W1", "integer float32", "numba", 60.0, deepbiop_x=5.0),
        _row("W1", "integer float32", "seqpro.tokenize (int32)", 20.0, deepbiop_x=1.7),
        _row("W1", "one-hot float32", "floor (fresh float32 output)", 30.0),
        _row("W1", "one-hot float32", "deepbiop", 33.0),  # 0.91x floor
        _row("W5", "k-mer k=3 float32", "deepbiop", 0.5, n_seqs=2_000_000, out_mb=0.5),
        _row("W5", "k-mer k=3 float32", "numba", 2.0, deepbiop_x=1.2),
        _row("W3", "k-mer k=5 float32", "floor (fresh float32 output)", 0.001, out_mb=0.004),
        _row("W3", "k-mer k=5 float32", "deepbiop", 0.01, out_mb=0.004),
    ]
    infos = [{"workload": "W1", "pack_share_integer": 0.3}]
    got = {(c["target"], c["workload"]): c for c in run.target_checks(rows, infos, 2)}
    assert got[("integer x floor", "W1")]["value"] == pytest.approx(0.5)
    assert not got[("integer x floor", "W1")]["met"]
    assert got[("integer x numba", "W1")]["met"]
    assert not got[("integer x seqpro", "W1")]["met"]
    assert got[("one-hot x floor", "W1")]["met"]
    assert got[("W5 k-mer k=3 reads/s", "W5")]["met"]  # 4M reads/s
    assert not got[("k-mer k=3 x numba", "W5")]["met"]
    share = got[("input share of the integer call", "W1")]
    assert not share["met"] and not share["higher_is_better"]
    # a floor for a tiny output means nothing, so no floor target for it
    assert ("k-mer k=5 x floor", "W3") not in got
    text = run.targets_table(list(got.values()))
    # the floor is the faster floor row: a slow all-thread floor does not flatter
    slow2 = [
        _row("W1", "k-mer k=5 float32", "floor (fresh float32 output)", 80.0),
        _row("W1", "k-mer k=5 float32", "floor (fresh float32 output)", 60.0, threads=1),
        _row("W1", "k-mer k=5 float32", "deepbiop", 75.0, out_mb=400.0),
    ]
    (c,) = run.target_checks(slow2, [], 2)
    assert c["target"] == "k-mer k=5 x floor" and c["value"] == pytest.approx(0.8)
    # k-mers: no floor target where the input outweighs the output
    small = [
        _row("W2", "k-mer k=5 float32", "floor (fresh float32 output)", 1.0, out_mb=4.0),
        _row("W2", "k-mer k=5 float32", "deepbiop", 5.0, out_mb=4.0),
    ]
    small[1].n_bases = 10**7
    assert run.target_checks(small, [], 2) == []
    assert "| integer x floor | W1 | 0.50 | >= 0.60 | NO |" in text
    assert "| W5 k-mer k=3 reads/s | W5 | 4.00M | >= 2.00M | yes |" in text
    assert f"{sum(c['met'] for c in got.values())} of {len(got)} targets met" in text
