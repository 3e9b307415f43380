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
from deepbiop._sequences import pack_batch

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


def _kernels(packed, items, B, L):
    """Call each borrow-aware kernel on ``packed`` with ``items``."""
    codes = dbp.alphabets.get_alphabet("dna").codes
    st = np.full(B, -1, np.int64)
    _integer.integer_batch(packed.ptrs, packed.lens, codes, 4, 1, -1.0,
                           np.empty((B, L), np.float32), 0, st, 2, items)
    table = np.zeros((256, 4), np.float32)
    _onehot.onehot_batch(packed.ptrs, packed.lens, codes, table, np.float32(1),
                         np.empty((B, L, 4), np.float32), False, 0, 0, st, 2, items)
    _kmer.kmer_batch(packed.ptrs, packed.lens, codes, 3, 4, False, 0,
                     np.empty((B, 64), np.float32), st, 2, True, items)


@pytest.mark.parametrize("change", ["replace", "shorter", "same_text_new_object",
                                    "shrink", "grow", "to_bytearray"])
def test_kernels_refuse_elements_changed_after_the_scan(change):
    seqs = _reads(3_000, lo=10)
    packed = pack_batch(seqs, borrow=True, n_threads=2)
    B, L = len(seqs), packed.max_len
    _kernels(packed, seqs, B, L)  # unchanged: fine
    i = 1_234
    if change == "replace":
        seqs[i] = "G" * len(seqs[i])
    elif change == "shorter":
        seqs[i] = seqs[i][:-1]
    elif change == "same_text_new_object":
        seqs[i] = "".join(list(seqs[i]))  # equal text, another object
    elif change == "shrink":
        seqs.pop()
    elif change == "grow":
        seqs.append("ACGT")
    else:
        seqs[i] = bytearray(seqs[i].encode())
    for kernel in ("integer", "onehot", "kmer"):
        with pytest.raises(RuntimeError, match="changed while it was being encoded"):
            if kernel == "integer":
                _integer.integer_batch(packed.ptrs, packed.lens,
                                       dbp.alphabets.get_alphabet("dna").codes, 4, 1,
                                       -1.0, np.empty((B, L), np.float32), 0,
                                       np.full(B, -1, np.int64), 2, seqs)
            elif kernel == "onehot":
                _onehot.onehot_batch(packed.ptrs, packed.lens,
                                     dbp.alphabets.get_alphabet("dna").codes,
                                     np.zeros((256, 4), np.float32), np.float32(1),
                                     np.empty((B, L, 4), np.float32), False, 0, 0,
                                     np.full(B, -1, np.int64), 2, seqs)
            else:
                _kmer.kmer_batch(packed.ptrs, packed.lens,
                                 dbp.alphabets.get_alphabet("dna").codes, 3, 4, False,
                                 0, np.empty((B, 64), np.float32),
                                 np.full(B, -1, np.int64), 2, True, seqs)


def test_a_truncated_borrowed_batch_may_keep_longer_elements():
    seqs = _reads(500, lo=50)
    packed = pack_batch(seqs, borrow=True, n_threads=2).truncated(20)
    assert packed.items is seqs
    _kernels(packed, seqs, len(seqs), 20)


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
