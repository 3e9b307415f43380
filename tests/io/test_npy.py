"""deepbiop.io.NpyWriter (deepbiop/io/_npy.py): a .npy written chunk by chunk
reads back (np.load, also memory-mapped) as the array np.save writes."""

from __future__ import annotations

import numpy as np
import pytest

from deepbiop.io import NpyWriter


@pytest.mark.parametrize(
    "dtype, row_shape", [(np.float32, (7, 4)), (np.int8, (3,)), (np.int64, ()), ("S5", ())]
)
def test_chunks_read_back_as_the_whole_array(tmp_path, dtype, row_shape):
    rng = np.random.default_rng(0)
    whole = rng.integers(0, 100, size=(50, *row_shape)).astype(dtype)
    p = tmp_path / "x.npy"
    with NpyWriter(p, dtype, row_shape) as w:
        for lo, hi in [(0, 1), (1, 8), (8, 8), (8, 50)]:  # an empty chunk too
            w.write(whole[lo:hi])
    assert w.rows == 50
    got = np.load(p, mmap_mode="r")
    assert got.shape == whole.shape and got.dtype == whole.dtype
    np.testing.assert_array_equal(got, whole)
    # the reference: np.save's file holds the same data after its header
    ref = tmp_path / "ref.npy"
    np.save(ref, whole)
    assert p.read_bytes()[-whole.nbytes :] == ref.read_bytes()[-whole.nbytes :]


def test_header_is_aligned_and_an_unclosed_file_does_not_load(tmp_path):
    p = tmp_path / "x.npy"
    w = NpyWriter(p, np.float32, (2,))
    w.write(np.ones((3, 2), np.float32))
    w._fh.flush()
    with pytest.raises(ValueError):  # the placeholder row count is larger than the data
        np.load(p)
    w.close()
    assert np.load(p).shape == (3, 2)
    data = p.read_bytes()
    assert (len(data) - 3 * 2 * 4) % 64 == 0  # numpy's 64-byte alignment of the data


def test_zero_rows_and_wrong_chunks(tmp_path):
    p = tmp_path / "e.npy"
    NpyWriter(p, np.int16, (5,)).close()
    assert np.load(p).shape == (0, 5)
    with NpyWriter(tmp_path / "w.npy", np.int16, (5,)) as w:
        with pytest.raises(ValueError, match=r"rows of shape \(4,\) and dtype int16 cannot"):
            w.write(np.zeros((1, 4), np.int16))
        with pytest.raises(ValueError, match="dtype float64"):
            w.write(np.zeros((1, 5)))
    with pytest.raises(ValueError, match="without pickling"):
        NpyWriter(tmp_path / "o.npy", object, ())
