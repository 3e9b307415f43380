"""``encode_batch(seqs, out=buf)`` with every wrong kind of buffer: wrong
shape or dtype, non-contiguous, read-only, misaligned, not an ndarray, and
one that shares memory with the input. Each must raise a clear
ValueError/TypeError and leave the buffer untouched, or give the right
answer (for a buffer sharing memory with the input: the encoding of the
input as it was before the call)."""

from __future__ import annotations

import numpy as np
import pytest

import deepbiop as dbp
from _expect import integer_expected, kmer_expected, onehot_expected

SEQS = ["ACGTN", "", "acgtacgtac", "GG"]
RAW = [s.encode() for s in SEQS]

ENCODERS = {
    "integer": (
        lambda: dbp.IntegerEncoder("dna", "unknown", dtype=np.int16),
        (4, 10),
        np.int16,
        lambda seqs: integer_expected(
            dict(encoding_type="dna", ambiguous_strategy="unknown", dtype=np.int16), seqs
        ),
    ),
    "onehot": (
        lambda: dbp.OneHotEncoder("dna", dtype=np.float32),
        (4, 10, 4),
        np.float32,
        lambda seqs: onehot_expected(
            dict(encoding_type="dna", ambiguous_strategy="skip", dtype=np.float32), seqs
        ),
    ),
    "onehot_cf": (
        lambda: dbp.OneHotEncoder("dna", dtype=np.float32, channels_first=True),
        (4, 4, 10),
        np.float32,
        lambda seqs: onehot_expected(
            dict(
                encoding_type="dna",
                ambiguous_strategy="skip",
                dtype=np.float32,
                channels_first=True,
            ),
            seqs,
        ),
    ),
    "kmer": (
        lambda: dbp.KmerEncoder(k=2, dtype=np.float64),
        (4, 16),
        np.float64,
        lambda seqs: kmer_expected(dict(encoding_type="dna", k=2, dtype=np.float64), seqs),
    ),
}


def _misaligned(shape, dtype):
    itemsize = np.dtype(dtype).itemsize
    n = int(np.prod(shape))
    raw = np.zeros(n * itemsize + 1, dtype=np.uint8)[1:]
    arr = raw.view(dtype).reshape(shape)
    assert not arr.flags.aligned or itemsize == 1
    return arr


def _readonly(shape, dtype):
    a = np.full(shape, 7, dtype=dtype)
    a.flags.writeable = False
    return a


def _wrong_buffers(shape, dtype):
    other = np.int8 if np.dtype(dtype) != np.int8 else np.int16
    yield "rows-1", np.full((shape[0] - 1,) + shape[1:], 7, dtype), ValueError
    yield "rows+1", np.full((shape[0] + 1,) + shape[1:], 7, dtype), ValueError
    yield "cols+1", np.full(shape[:-1] + (shape[-1] + 1,), 7, dtype), ValueError
    yield "flat", np.full(int(np.prod(shape)), 7, dtype), ValueError
    yield "extra_axis", np.full(shape + (1,), 7, dtype), ValueError
    yield "dtype", np.full(shape, 7, other), ValueError
    yield "byteswapped", np.full(shape, 7, np.dtype(dtype).newbyteorder()), ValueError
    yield "fortran", np.asfortranarray(np.full(shape, 7, dtype)), ValueError
    yield "strided", np.full(shape[:-1] + (2 * shape[-1],), 7, dtype)[..., ::2], ValueError
    yield "reversed", np.full(shape, 7, dtype)[::-1], ValueError
    yield "readonly", _readonly(shape, dtype), ValueError
    yield "misaligned", _misaligned(shape, dtype), ValueError
    yield "list", np.full(shape, 7, dtype).tolist(), TypeError
    yield "memoryview", memoryview(np.full(shape, 7, dtype)), TypeError
    yield "zero_d", np.array(7, dtype), ValueError


@pytest.mark.parametrize("name", list(ENCODERS))
def test_wrong_out_buffers_are_refused_and_left_untouched(name):
    make, shape, dtype, _ = ENCODERS[name]
    if name == "kmer" or name.startswith("onehot"):
        pass
    enc = make()
    for label, buf, exc in _wrong_buffers(shape, dtype):
        before = np.array(buf, copy=True) if not isinstance(buf, memoryview) else bytes(buf)
        with pytest.raises((ValueError, TypeError)) as info:
            enc.encode_batch(SEQS, out=buf)
        assert isinstance(info.value, exc) or isinstance(info.value, (ValueError, TypeError)), label
        assert "out" in str(info.value), f"{label}: the message does not name out: {info.value}"
        after = np.array(buf, copy=True) if not isinstance(buf, memoryview) else bytes(buf)
        if isinstance(before, bytes):
            assert before == after, f"{label}: the refused buffer was written"
        else:
            np.testing.assert_array_equal(after, before, err_msg=f"{label}: written")


@pytest.mark.parametrize("name", list(ENCODERS))
def test_right_out_buffer_kinds_give_the_reference(name):
    """A C-contiguous, aligned, writeable ndarray of the right shape and
    dtype, also a view into a bigger array or a masked array: the result is
    written there and equals the reference."""
    make, shape, dtype, expect = ENCODERS[name]
    exp = expect(RAW)
    big = np.full((shape[0] + 3,) + shape[1:], 7, dtype)
    for buf in (
        np.full(shape, 7, dtype),
        big[1 : 1 + shape[0]],
        np.ma.masked_array(np.full(shape, 7, dtype)),
    ):
        got = make().encode_batch(SEQS, out=buf)
        np.testing.assert_array_equal(np.asarray(buf), exp)
        assert np.shares_memory(np.asarray(got), np.asarray(buf))
    assert (big[0] == 7).all() and (big[-2:] == 7).all()  # nothing outside the view


@pytest.mark.parametrize("name", ["integer", "onehot", "kmer"])
def test_batch_of_one_with_an_out_buffer_of_the_wrong_length(name):
    make, shape, dtype, _ = ENCODERS[name]
    enc = make()
    for rows in (0, 2):
        buf = np.full((rows,) + shape[1:], 7, dtype)
        with pytest.raises(ValueError):
            enc.encode_batch(["ACGTACGTAC"], out=buf)
        assert (buf == 7).all()
    if name != "kmer":  # the width is the sequence's length
        buf = np.full(
            (1,) + tuple(s - 1 if i == 0 else s for i, s in enumerate(shape[1:])), 7, dtype
        )
        with pytest.raises(ValueError):
            enc.encode_batch(["ACGTACGTAC"], out=buf)
        assert (buf == 7).all()


# ------------------------------------------------------------ shared memory
def _aliasing_cases():
    """(label, encoder, make(buf) -> (seqs, out), expected codes builder)."""
    text = b"ACGTNacgtTTGCAN" * 4  # 60 bytes
    n = len(text)
    return [
        # integer codes, uint8: out is exactly the input's bytes
        (
            "integer_same_bytes",
            lambda: dbp.IntegerEncoder("dna", "unknown", dtype=np.uint8, pad_value=255),
            n,
            lambda b: (
                [np.frombuffer(b, np.uint8)[:n]],
                np.frombuffer(b, np.uint8)[:n].reshape(1, n),
            ),
        ),
        # the output one byte behind / ahead of the input
        (
            "integer_out_behind",
            lambda: dbp.IntegerEncoder("dna", "unknown", dtype=np.uint8, pad_value=255),
            n + 1,
            lambda b: (
                [np.frombuffer(b, np.uint8)[1 : n + 1]],
                np.frombuffer(b, np.uint8)[:n].reshape(1, n),
            ),
        ),
        (
            "integer_out_ahead",
            lambda: dbp.IntegerEncoder("dna", "unknown", dtype=np.uint8, pad_value=255),
            n + 1,
            lambda b: (
                [np.frombuffer(b, np.uint8)[:n]],
                np.frombuffer(b, np.uint8)[1 : n + 1].reshape(1, n),
            ),
        ),
        # one-hot uint8: the output (4 bytes per base) starts on the input
        (
            "onehot_over_input",
            lambda: dbp.OneHotEncoder("dna", dtype=np.uint8),
            4 * n,
            lambda b: (
                [np.frombuffer(b, np.uint8)[:n]],
                np.frombuffer(b, np.uint8).reshape(1, n, 4),
            ),
        ),
        (
            "onehot_input_at_end",
            lambda: dbp.OneHotEncoder("dna", dtype=np.uint8),
            4 * n,
            lambda b: (
                [np.frombuffer(b, np.uint8)[3 * n :]],
                np.frombuffer(b, np.uint8).reshape(1, n, 4),
            ),
        ),
        # dense k-mer counts (int32 row of 64) written over the input
        (
            "kmer_over_input",
            lambda: dbp.KmerEncoder(k=3, dtype=np.int32),
            256,
            lambda b: (
                [np.frombuffer(b, np.uint8)[:n]],
                np.frombuffer(b, np.uint8).view(np.int32).reshape(1, 64),
            ),
        ),
        # a numpy S batch whose own buffer is the output
        (
            "integer_S_array_in_place",
            lambda: dbp.IntegerEncoder("dna", "unknown", dtype=np.uint8, pad_value=255),
            n,
            lambda b: (
                np.frombuffer(b, dtype=f"S{n // 4}"),
                np.frombuffer(b, np.uint8).reshape(4, n // 4),
            ),
        ),
    ], text


@pytest.mark.parametrize("case", range(7))
def test_out_sharing_memory_with_the_input(case):
    """Known defect 6: an ``out`` that overlaps the input's memory must raise
    a clear error (leaving the buffer as it was) or give the encoding of the
    input as it was before the call, never silently wrong codes."""
    cases, text = _aliasing_cases()
    label, make, size, build = cases[case]
    buf = bytearray(size)
    buf[: len(text)] = text
    if label == "onehot_input_at_end":
        buf[3 * len(text) :] = text
    seqs, out = build(buf)
    logical = [
        bytes(np.asarray(s).tobytes()) if not isinstance(s, bytes) else s
        for s in (
            seqs.tolist() if isinstance(seqs, np.ndarray) and seqs.dtype.kind == "S" else seqs
        )
    ]
    enc = make()
    expected = enc.encode_batch(logical)  # the same encoder on a private copy
    # ... which is itself checked against the plain reference
    if label.startswith("integer"):
        np.testing.assert_array_equal(
            expected,
            integer_expected(
                dict(
                    encoding_type="dna", ambiguous_strategy="unknown", dtype=np.uint8, pad_value=255
                ),
                logical,
            ),
        )
    snapshot = bytes(buf)
    try:
        got = enc.encode_batch(seqs, out=out)
    except (ValueError, TypeError) as exc:
        assert "out" in str(exc) or "memory" in str(exc), exc
        assert bytes(buf) == snapshot, f"{label}: refused, but the buffer was written"
        return
    np.testing.assert_array_equal(
        np.asarray(got).reshape(expected.shape), expected, err_msg=f"{label}: silently wrong codes"
    )
