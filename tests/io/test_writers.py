"""deepbiop.io.open_output (deepbiop/io/_writers.py, _staging.py): each format
reads back with its own library (tests/_outputs.py) as the chunks written;
existing outputs are refused, and a failed write leaves nothing behind."""

from __future__ import annotations

import os

import numpy as np
import pytest
import scipy.sparse as sp

from _outputs import load_output
from deepbiop.io import check_output, open_output

FORMATS = ["npy", "npz", "zarr", "parquet"]


def _chunks(rng, sizes):
    for n in sizes:
        ids = [f"r{rng.integers(1e9)}" for _ in range(n)]
        yield (
            ids,
            {
                "X": rng.random((n, 3, 2)).astype(np.float32),
                "y": rng.integers(0, 5, n),
            },
        )


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip(tmp_path, fmt):
    if fmt == "zarr":
        pytest.importorskip("zarr")
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    chunks = list(_chunks(np.random.default_rng(1), [4, 0, 9, 1]))
    path = str(tmp_path / f"out.{fmt}")
    with open_output(path, ["X", "y"]) as out:
        for ids, arrays in chunks:
            out.write(ids, arrays)
    ids, arrays = load_output(path, ["X", "y"])
    assert ids == [i for c in chunks for i in c[0]]
    for name in ("X", "y"):
        np.testing.assert_array_equal(arrays[name], np.concatenate([c[1][name] for c in chunks]))
    assert all(os.path.exists(p) for p in out.paths)
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]  # no temporaries left


@pytest.mark.parametrize("fmt", ["npz", "parquet"])
def test_sparse(tmp_path, fmt):
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    rng = np.random.default_rng(2)
    mats = [sp.random(n, 30, density=0.2, format="csr", dtype=np.float32, rng=rng) for n in (3, 5)]
    path = str(tmp_path / f"s.{fmt}")
    with open_output(path, ["kmer"]) as out:
        for j, m in enumerate(mats):
            out.write([f"c{j}r{i}" for i in range(m.shape[0])], {"kmer": m})
    _, arrays = load_output(path, ["kmer"])
    want = sp.vstack(mats).tocsr()
    got = arrays["kmer"]
    for attr in ("indptr", "indices", "data"):  # the reference: scipy's own vstack
        np.testing.assert_array_equal(getattr(got, attr), getattr(want, attr))
    if fmt == "npz":
        assert sp.load_npz(path).shape == (8, 30)


def test_refused_forced_and_removed_on_error(tmp_path):
    path = str(tmp_path / "x.npy")
    open(path, "w").close()
    with pytest.raises(FileExistsError, match="exists; pass --force"):
        open_output(path, ["X"])
    with pytest.raises(FileExistsError):  # a sidecar counts too
        open(tmp_path / "z.ids.txt", "w").close()
        open_output(str(tmp_path / "z.npy"), ["X"])
    with pytest.raises(RuntimeError):
        with open_output(path, ["X"], force=True) as out:
            out.write(["a"], {"X": np.zeros((1, 2))})
            raise RuntimeError("stop")
    assert sorted(os.listdir(tmp_path)) == ["x.npy", "z.ids.txt"]  # the old ones, untouched
    assert os.path.getsize(path) == 0
    with open_output(path, ["X"], force=True) as out:
        out.write(["a"], {"X": np.zeros((1, 2))})
    assert np.load(path).shape == (1, 2)
    zdir = tmp_path / "old.zarr"
    zdir.mkdir()
    with pytest.raises(FileExistsError):
        check_output(str(zdir))
    assert check_output("-") == "-"


def test_format_and_name_errors(tmp_path):
    with pytest.raises(ValueError, match=r"cannot tell the format of .*x\.txt"):
        open_output(str(tmp_path / "x.txt"), ["X"])
    with pytest.raises(ValueError, match="needs --format"):
        open_output("-", ["X"])
    with pytest.raises(ValueError, match="npy cannot be written to standard output"):
        open_output("-", ["X"], format="npy")
    with pytest.raises(ValueError, match="'id' and 'ids' name the record ids"):
        open_output(str(tmp_path / "a.npy"), ["X", "ids"])
    with pytest.raises(FileNotFoundError, match="does not exist"):
        open_output(str(tmp_path / "no" / "a.npy"), ["X"])
    with open_output(str(tmp_path / "b.npy"), ["X"]) as out:
        with pytest.raises(ValueError, match="sparse arrays go to .npz or .parquet"):
            out.write(["a"], {"X": sp.csr_matrix(np.ones((1, 2)))})
        with pytest.raises(ValueError, match="has 2 rows for 1 ids"):
            out.write(["a"], {"X": np.ones((2, 2))})
        out.write([], {"X": np.ones((0, 2))})
    assert np.load(tmp_path / "b.npy").shape == (0, 2)
    with pytest.raises(ValueError, match="nothing was written"):
        with open_output(str(tmp_path / "c.npy"), ["X"]):
            pass
    assert not (tmp_path / "c.npy").exists() and not (tmp_path / "c.ids.txt").exists()
