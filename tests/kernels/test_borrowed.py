"""Borrowed input: a list or tuple of exact str/bytes is read in place without
a reference per element, and the kernel keeps the GIL while it runs, checking
every element again before reading it (``_kernels/_borrow.h``)."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deepbiop as dbp
from _reference import integer_batch_ref, kmer_batch_ref, onehot_batch_ref
from _strategies import as_bytes_or_str, batches
from deepbiop._kernels import _integer, _kmer, _onehot, _pack
from deepbiop._sequences import direct_batch, pack_batch

RNG = np.random.default_rng(7)


def _reads(n, lo=0, hi=300, letters="ACGTNacgt"):
    lens = RNG.integers(lo, hi, size=n)
    return ["".join(RNG.choice(list(letters), size=int(m))) for m in lens]


@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("n", [0, 1, 5, 20_000])  # 20,000 > one parallel scan block
def test_scan_matches_the_held_pack(n, n_threads):
    seqs = _reads(n)
    seqs[::3] = [s.encode() for s in seqs[::3]]
    for container in (seqs, tuple(seqs)):
        borrowed = pack_batch(container, borrow=True, n_threads=n_threads)
        held = pack_batch(container)
        assert borrowed.items is container and held.items is None
        np.testing.assert_array_equal(borrowed.ptrs, held.ptrs)
        np.testing.assert_array_equal(borrowed.lens, held.lens)
        assert borrowed.lens.dtype == np.int64


class _Str(str):
    pass


@pytest.mark.parametrize("odd", [_Str("ACGT"), bytearray(b"AC"), memoryview(b"GG"),
                                 np.frombuffer(b"TT", np.uint8)])
@pytest.mark.parametrize("where", [0, 9_000, 19_999])
def test_anything_but_exact_str_or_bytes_falls_back(odd, where):
    seqs = _reads(20_000, hi=50)
    seqs[where] = odd
    assert _pack.scan_plain(seqs, 2) is None
    assert _pack.scan_plain(iter(seqs), 2) is None  # only lists and tuples
    packed = pack_batch(seqs, borrow=True, n_threads=2)
    assert packed.items is None  # packed the general way, references held
    expected = str.encode(odd) if isinstance(odd, str) else bytes(odd)
    assert packed.sequence(where) == expected


def test_non_ascii_str_is_not_borrowed_and_still_named():
    seqs = ["ACGT"] * 10 + ["ACGÉ"]
    assert _pack.scan_plain(seqs, 1) is None
    with pytest.raises(ValueError, match=r"sequence 10: non-ASCII character 'É'.*position 3"):
        dbp.IntegerEncoder("dna", n_jobs=2).encode_batch(seqs)


def test_borrowing_takes_no_references():
    probe = "ACGT" * 50 + "probe"
    seqs = _reads(100) + [probe]
    before = sys.getrefcount(probe)
    packed = pack_batch(seqs, borrow=True, n_threads=2)
    assert sys.getrefcount(probe) == before
    assert packed.sequence(100) == probe.encode()
    assert packed.char_at(100, 200) == "p"


_CODES = None


def _run_kernels(items, L, *, clamp=False, stop_early=False, kernels=("integer", "onehot",
                                                                          "kmer")):
    """Each borrow-aware kernel on ``items`` (no ptrs/lens: read from the
    elements); returns {kernel: (rows not written, output)}."""
    codes = dbp.alphabets.get_alphabet("dna").codes
    B = len(items)
    empty = np.empty(0, np.int64)
    res = {}
    if "integer" in kernels:
        out = np.full((B, L), -7, np.int64)
        n = _integer.integer_batch(empty, empty, codes, 4, 1, -1.0, out, 0,
                                   np.full(B, -1, np.int64), 2, items, clamp, stop_early)
        res["integer"] = (n, out)
    if "onehot" in kernels:
        table = np.zeros((256, 4), np.float32)
        for ch, c in zip("ACGTacgt", [0, 1, 2, 3] * 2):
            table[ord(ch), c] = 1
        out = np.full((B, L, 4), -7, np.float32)
        n = _onehot.onehot_batch(empty, empty, codes, table, np.float32(1), out, False, 0, 0,
                                 np.full(B, -1, np.int64), 2, items, clamp, stop_early)
        res["onehot"] = (n, out)
    if "kmer" in kernels:
        out = np.empty((B, 64), np.float32)
        n = _kmer.kmer_batch(empty, empty, codes, 3, 4, False, 0, out,
                             np.full(B, -1, np.int64), 2, True, items, 1000)
        res["kmer"] = (n, out)
    return res


def _text(items):
    return [x if isinstance(x, str) else x.decode() for x in items]


def test_kernels_read_every_element_themselves():
    seqs = _reads(3_000, lo=10)
    seqs[::7] = [s.encode() for s in seqs[::7]]
    L = max(map(len, seqs))
    res = _run_kernels(seqs, L)
    ref = _text(seqs)
    assert all(n == 0 for n, _ in res.values())
    np.testing.assert_array_equal(res["integer"][1], integer_batch_ref(ref, strategy="unknown"))
    np.testing.assert_array_equal(res["onehot"][1], onehot_batch_ref(ref))
    np.testing.assert_array_equal(res["kmer"][1], kmer_batch_ref(ref, 3))


def test_elements_changed_after_a_scan_are_read_as_they_are_now():
    seqs = _reads(3_000, lo=10)
    seqs[0] = "ACGT" * 100  # the longest: the width stays 400
    packed = pack_batch(seqs, borrow=True, n_threads=2)
    L = packed.max_len
    seqs[1_234] = "G" * len(seqs[1_234])  # the old object may be freed now
    seqs[2_000] = seqs[2_000][:3]
    res = _run_kernels(seqs, L)
    assert all(n == 0 for n, _ in res.values())
    np.testing.assert_array_equal(res["integer"][1], integer_batch_ref(seqs, strategy="unknown"))
    np.testing.assert_array_equal(res["onehot"][1], onehot_batch_ref(seqs))
    np.testing.assert_array_equal(res["kmer"][1], kmer_batch_ref(seqs, 3))


@pytest.mark.parametrize("stop_early", [False, True])
@pytest.mark.parametrize("odd", ["long", "bytearray", "str_subclass"])
def test_kernels_report_elements_that_do_not_fit(odd, stop_early):
    seqs = _reads(5_000, lo=10, hi=100)
    L = max(map(len, seqs))
    i = 3_333
    seqs[i] = {"long": "A" * (L + 1), "bytearray": bytearray(b"ACGT"),
               "str_subclass": _Str("ACGT")}[odd]
    for kernel, (n, out) in _run_kernels(seqs, L, stop_early=stop_early).items():
        if kernel == "kmer" and odd == "long":
            assert n == 0  # counts have no width to exceed
        elif kernel == "kmer" or stop_early:
            assert n >= 1  # k-mers always stop at the first one
        else:
            assert n == 1
            # every other row was written
            ok = np.ones(len(seqs), bool)
            ok[i] = False
            assert (out[ok] != -7).all()


def test_clamp_cuts_longer_elements_to_the_width():
    seqs = _reads(2_000, lo=30, hi=80, letters="ACGT")
    res = _run_kernels(seqs, 20, clamp=True, kernels=("integer", "onehot"))
    cut = [s[:20] for s in seqs]
    assert res["integer"][0] == 0 and res["onehot"][0] == 0
    np.testing.assert_array_equal(res["integer"][1], integer_batch_ref(cut, strategy="unknown"))
    np.testing.assert_array_equal(res["onehot"][1], onehot_batch_ref(cut))


@pytest.mark.parametrize("change", ["shrink", "grow"])
def test_kernels_refuse_a_list_that_changed_length(change):
    seqs = _reads(300, lo=10)
    L = max(map(len, seqs))
    B = len(seqs)
    (seqs.pop() if change == "shrink" else seqs.append("ACGT"))
    codes = dbp.alphabets.get_alphabet("dna").codes
    empty = np.empty(0, np.int64)
    with pytest.raises(RuntimeError, match="changed while it was being encoded"):
        _integer.integer_batch(empty, empty, codes, 4, 1, -1.0, np.empty((B, L), np.float32),
                               0, np.full(B, -1, np.int64), 2, seqs)
    with pytest.raises(RuntimeError, match="changed while it was being encoded"):
        _kmer.kmer_batch(empty, empty, codes, 3, 4, False, 0, np.empty((B, 64), np.float32),
                         np.full(B, -1, np.int64), 2, True, seqs, 100)


def test_direct_batches_are_taken_only_when_the_width_is_known():
    uniform = ["ACGT" * 25] * 5_000
    varied = _reads(5_000, lo=10)
    p = direct_batch(uniform, 2, None, True)
    assert p.direct and p.items is uniform and p.max_len == 100 and len(p) == 5_000
    assert p.total_bases == 500_000 and p.kernel_arrays[0].size == 0
    assert direct_batch(varied, 2, None, True) is None  # lengths vary: scan
    assert direct_batch(varied, 2, 50, True).max_len == 50  # max_length given
    assert direct_batch(varied, 2, None, False).direct  # k-mers need no width
    assert direct_batch(uniform, 1, None, True) is None  # one thread: references
    assert direct_batch(uniform[:100], 2, None, True) is None  # small: scan
    assert direct_batch(iter(uniform), 2, None, True) is None
    assert direct_batch(uniform[:-1] + [bytearray(b"AC")], 2, None, True) is None
    assert direct_batch(uniform, 2, None, True).truncated(30).max_len == 30


@pytest.mark.parametrize("odd", ["longer", "bytearray", "non_ascii_bytes"])
def test_a_guess_the_batch_does_not_fit_is_redone_the_scanned_way(odd):
    # 5,000 reads of one length: the 64 sampled elements agree, so the
    # unscanned path guesses width 120; element 4,998 is not sampled
    seqs = ["".join(RNG.choice(list("ACGTacgt"), size=120)) for _ in range(5_000)]
    seqs[4_998] = {"longer": "ACGT" * 40, "bytearray": bytearray(b"ACGTN"),
                   "non_ascii_bytes": b"AC\xffGT"}[odd]
    assert direct_batch(seqs, 2, None, True) is not None
    held = [bytes(x) if isinstance(x, bytearray) else x for x in seqs]
    for make in (lambda j: dbp.IntegerEncoder("dna", "unknown", dtype=np.int64, n_jobs=j),
                 lambda j: dbp.OneHotEncoder("dna", "skip", n_jobs=j),
                 lambda j: dbp.KmerEncoder(k=3, n_jobs=j)):
        got = make(2).encode_batch(seqs)
        np.testing.assert_array_equal(got, make(1).encode_batch(held))
    assert dbp.IntegerEncoder("dna", n_jobs=2, ambiguous_strategy="unknown") \
        .encode_batch(seqs).shape == (5_000, 160 if odd == "longer" else 120)


def test_direct_kmer_counts_match_the_held_path_for_any_lengths():
    seqs = _reads(9_000, lo=0, hi=400)
    seqs[::5] = [s.encode() for s in seqs[::5]]
    assert direct_batch(seqs, 2, None, False) is not None
    for k, canonical in ((3, False), (5, True)):
        np.testing.assert_array_equal(
            dbp.KmerEncoder(k=k, canonical=canonical, n_jobs=2).encode_batch(seqs),
            dbp.KmerEncoder(k=k, canonical=canonical, n_jobs=1).encode_batch(seqs))


def test_direct_batches_with_max_length_match_the_held_path():
    seqs = _reads(6_000, lo=0, hi=150)
    for make in (lambda j: dbp.IntegerEncoder("dna", "unknown", max_length=64, n_jobs=j),
                 lambda j: dbp.OneHotEncoder("dna", "skip", max_length=64, n_jobs=j)):
        np.testing.assert_array_equal(make(2).encode_batch(seqs), make(1).encode_batch(seqs))


def test_encoders_borrow_only_when_they_use_several_threads():
    seqs = _reads(50)
    # n_jobs=2 means 2 threads only where OpenMP is on (a serial build has 1)
    expected = seqs if dbp.effective_n_threads(2) > 1 else None
    assert dbp.IntegerEncoder("dna", n_jobs=2)._pack_borrowed(seqs).items is expected
    assert dbp.IntegerEncoder("dna", n_jobs=1)._pack_borrowed(seqs).items is None
    assert dbp.KmerEncoder(k=3, n_jobs=2)._pack_borrowed(seqs).items is expected


@settings(max_examples=60, deadline=None)
@given(data=st.data(), batch=batches(max_len=60, max_batch=12))
def test_borrowed_and_held_paths_agree_with_the_reference(data, batch):
    seqs = as_bytes_or_str(batch, data)
    if data.draw(st.booleans()):
        seqs = tuple(seqs)
    for n_jobs in (1, 2):  # 2: borrowed (GIL kept), 1: references held
        np.testing.assert_array_equal(
            dbp.IntegerEncoder("dna", "unknown", dtype=np.int64, n_jobs=n_jobs)
            .encode_batch(seqs),
            integer_batch_ref([s if isinstance(s, str) else s.decode() for s in seqs],
                              strategy="unknown"))
        np.testing.assert_array_equal(
            dbp.OneHotEncoder("dna", "skip", n_jobs=n_jobs).encode_batch(seqs),
            onehot_batch_ref([s if isinstance(s, str) else s.decode() for s in seqs]))
        np.testing.assert_array_equal(
            dbp.KmerEncoder(k=3, n_jobs=n_jobs).encode_batch(seqs),
            kmer_batch_ref([s if isinstance(s, str) else s.decode() for s in seqs], 3))


def test_borrowed_error_names_sequence_position_and_character():
    seqs = _reads(30_000, lo=5, letters="ACGTacgt")
    seqs[25_001] = "ACGTX" + seqs[25_001]
    for n_jobs in (1, 2):
        with pytest.raises(ValueError, match=r"sequence 25001 .*'X' at position 4"):
            dbp.IntegerEncoder("dna", "error", n_jobs=n_jobs).encode_batch(seqs)
