"""Outputs of encoded records, written chunk by chunk: ``.npy``, ``.npz``,
``.zarr`` and ``.parquet``.

Every output takes chunks of ``(ids, arrays)``: the records' ids and named
arrays with one row per record (the encoding, and labels as 1-D arrays), and
holds at most one chunk in memory. The layouts:

* ``.npy``: the first array in ``OUT.npy`` (``np.load(OUT, mmap_mode="r")``),
  every other one in ``OUT.<name>.npy`` beside it, the ids in ``OUT.ids.txt``
  (one a line);
* ``.npz``: one member per array, the ids in ``ids`` (bytes, ``S`` dtype); a
  sparse array is stored under scipy's keys (``data``, ``indices``,
  ``indptr``, ``format``, ``shape``), so ``scipy.sparse.load_npz`` reads it;
* ``.zarr``: a group (directory) with one chunked, compressed array per name
  and ``ids`` (strings); appendable along the first axis (``zarr``'s
  ``append``);
* ``.parquet``: one row per record, columns ``id``, the 1-D arrays, each
  other array as a fixed-size list (nested for more than two dimensions), and
  a sparse array as ``<name>_indices`` and ``<name>_values`` lists (its
  nonzero columns and values); written to standard output with ``"-"``.

Files are written under temporary names and renamed into place by
:meth:`Output.close` (:class:`~deepbiop.io._staging.StagedPaths`).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from deepbiop.io._npy import NpyWriter
from deepbiop.io._staging import StagedPaths

__all__ = ["FORMATS", "Output", "output_format", "open_output", "zarr_chunk_rows"]

#: output formats and the extensions that select them
FORMATS = {"npy": (".npy",), "npz": (".npz",), "zarr": (".zarr",), "parquet": (".parquet", ".pq")}
_IDS_CHUNK = 1 << 16  # ids converted at a time when an npz is finished


def _need(module: str, what: str) -> Any:
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as exc:
        raise ImportError(
            f"{what} needs {module.split('.')[0]}: pip install 'deepbiop[cli]' "
            f"(the import failed with: {exc})"
        ) from exc


def _is_sparse(a: Any) -> bool:
    return hasattr(a, "tocsr") and hasattr(a, "nnz")


def output_format(path: str, format: str | None = None) -> str:
    """The format of ``path``: ``format`` when given, else by its extension."""
    if format is not None:
        if format not in FORMATS:
            raise ValueError(f"format must be one of {sorted(FORMATS)}, got {format!r}")
        return format
    if path == "-":
        raise ValueError("writing to standard output ('-') needs --format (format=)")
    low = path.rstrip("/\\").lower()
    for name, suffixes in FORMATS.items():
        if low.endswith(suffixes):
            return name
    known = ", ".join(s for suffixes in FORMATS.values() for s in suffixes)
    raise ValueError(
        f"cannot tell the format of {path!r} from its extension ({known}); pass --format"
    )


class Output:
    """Base of the outputs: staging, checks, and commit or abort.

    Parameters
    ----------
    path : str
    names : sequence of str
        The arrays every chunk holds, in order (for ``.npy``, the first goes
        in ``path`` itself).
    force : bool, default=False
        Replace existing outputs.
    """

    format = ""

    def __init__(self, path: str, names: Sequence[str], *, force: bool = False) -> None:
        self.path = os.fspath(path)
        self.names = list(names)
        if not self.names or len(set(self.names)) != len(self.names):
            raise ValueError(f"array names must be unique and at least one, got {self.names}")
        if {"id", "ids"} & set(self.names):
            raise ValueError("'id' and 'ids' name the record ids; pick another array name")
        self.rows = 0
        self._staged = StagedPaths(force)
        self._open = True

    @property
    def paths(self) -> list[str]:
        """Every file (or directory) this output writes."""
        return self._staged.finals

    def write(self, ids: Sequence[str], arrays: Mapping[str, Any]) -> None:
        """Append a chunk: ``ids`` and an array (one row per id) per name."""
        if sorted(arrays) != sorted(self.names):
            raise ValueError(f"a chunk must hold the arrays {self.names}, got {sorted(arrays)}")
        for name in self.names:
            if arrays[name].shape[0] != len(ids):
                raise ValueError(
                    f"array {name!r} has {arrays[name].shape[0]} rows for {len(ids)} ids"
                )
        self._write(list(ids), {name: arrays[name] for name in self.names})
        self.rows += len(ids)

    def _write(self, ids: list[str], arrays: dict[str, Any]) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        """Complete the temporary files (the work :meth:`close` does before renaming)."""

    def _release(self) -> None:
        """Close what is open without completing it (before :meth:`abort` removes it)."""

    def close(self) -> None:
        """Finish and rename every file into place."""
        if not self._open:
            return
        try:
            self._finish()
        except BaseException:
            self.abort()
            raise
        self._open = False
        self._staged.commit()

    def abort(self) -> None:
        """Remove every temporary file: no output is left."""
        self._open = False
        try:
            self._release()
        finally:
            self._staged.abort()

    def __enter__(self) -> Output:
        return self

    def __exit__(self, exc_type: Any, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class NpyOutput(Output):
    """``OUT.npy`` (the first array), ``OUT.<name>.npy``, ``OUT.ids.txt``."""

    format = "npy"

    def __init__(self, path: str, names: Sequence[str], *, force: bool = False) -> None:
        super().__init__(path, names, force=force)
        stem = self.path[:-4] if self.path.lower().endswith(".npy") else self.path
        finals = [self.path] + [f"{stem}.{n}.npy" for n in self.names[1:]]
        self._temps = [self._staged.add(f) for f in finals]
        self._ids = open(self._staged.add(f"{stem}.ids.txt"), "w", encoding="ascii")
        self._writers: dict[str, NpyWriter] = {}

    def _write(self, ids: list[str], arrays: dict[str, Any]) -> None:
        for (name, a), temp in zip(arrays.items(), self._temps):
            if _is_sparse(a):
                raise ValueError("sparse arrays go to .npz or .parquet, not .npy")
            w = self._writers.get(name)
            if w is None:
                w = self._writers[name] = NpyWriter(temp, a.dtype, a.shape[1:])
            w.write(a)
        if ids:
            self._ids.write("\n".join(ids) + "\n")

    def _finish(self) -> None:
        if not self._writers:
            raise ValueError(
                "nothing was written: write one chunk (it may be empty) so that the arrays' "
                "shapes and dtypes are known"
            )
        for w in self._writers.values():
            w.close()
        self._ids.close()

    def _release(self) -> None:
        for w in self._writers.values():
            w.abort()
        self._ids.close()


class NpzOutput(Output):
    """One ``.npz``: each array streamed to a ``.npy`` in a scratch directory
    beside the output, zipped (uncompressed) at the end."""

    format = "npz"

    def __init__(self, path: str, names: Sequence[str], *, force: bool = False) -> None:
        super().__init__(path, names, force=force)
        self._temp = self._staged.add(self.path)
        self._dir = tempfile.mkdtemp(prefix=".deepbiop-npz-", dir=os.path.dirname(self._temp))
        self._members: dict[str, NpyWriter] = {}
        self._ids = open(os.path.join(self._dir, "ids.txt"), "w", encoding="ascii")
        self._id_width = 1
        self._sparse: tuple[str, int, int] | None = None  # name, columns, nonzeros so far

    def _member(self, key: str, dtype: Any, row_shape: tuple[int, ...]) -> NpyWriter:
        w = self._members.get(key)
        if w is None:
            w = self._members[key] = NpyWriter(
                os.path.join(self._dir, key + ".npy"), dtype, row_shape
            )
        return w

    def _write(self, ids: list[str], arrays: dict[str, Any]) -> None:
        for name, a in arrays.items():
            if not _is_sparse(a):
                self._member(name, a.dtype, a.shape[1:]).write(a)
                continue
            a = a.tocsr()
            if self._sparse is None:
                if {"data", "indices", "indptr", "format", "shape"} & set(self.names):
                    raise ValueError("with a sparse array, no other may be named like scipy's keys")
                self._sparse = (name, a.shape[1], 0)
                self._member("indptr", np.int64, ()).write(np.zeros(1, np.int64))
            name, n_cols, nnz = self._sparse
            self._member("data", a.data.dtype, ()).write(a.data)
            self._member("indices", a.indices.dtype, ()).write(a.indices)
            self._member("indptr", np.int64, ()).write(a.indptr[1:].astype(np.int64) + nnz)
            self._sparse = (name, n_cols, nnz + a.nnz)
        if ids:
            self._id_width = max(self._id_width, max(map(len, ids)))
            self._ids.write("\n".join(ids) + "\n")

    def _finish(self) -> None:
        self._ids.close()
        with open(self._ids.name, encoding="ascii") as fh:
            w = self._member("ids", f"S{self._id_width}", ())
            while block := fh.readlines(_IDS_CHUNK * 16):
                w.write(np.array([line.rstrip("\n") for line in block], f"S{self._id_width}"))
        if self._sparse is not None:
            np.save(os.path.join(self._dir, "format.npy"), np.array(b"csr"))
            np.save(os.path.join(self._dir, "shape.npy"), np.array([self.rows, self._sparse[1]]))
        for w in self._members.values():
            w.close()
        with zipfile.ZipFile(self._temp, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
            for name in sorted(os.listdir(self._dir)):
                if name.endswith(".npy"):
                    zf.write(os.path.join(self._dir, name), name)
        shutil.rmtree(self._dir, ignore_errors=True)

    def _release(self) -> None:
        self._ids.close()
        for w in self._members.values():
            w.abort()
        shutil.rmtree(self._dir, ignore_errors=True)


#: bytes of one zarr chunk (rows are grouped up to about this size)
ZARR_CHUNK_BYTES = 4 << 20


def zarr_chunk_rows(dtype: Any, row_shape: tuple[int, ...]) -> int:
    """Rows per zarr chunk for rows of ``row_shape`` and ``dtype``: about
    :data:`ZARR_CHUNK_BYTES` per chunk (strings counted as 16 bytes)."""
    itemsize = np.dtype(dtype).itemsize or 16  # strings: a guess at an id's length
    row_bytes = max(1, int(np.prod(row_shape, dtype=np.int64)) * itemsize)
    return max(1, ZARR_CHUNK_BYTES // row_bytes)


class ZarrOutput(Output):
    """A zarr group (a directory): one array per name and ``ids``."""

    format = "zarr"

    def __init__(self, path: str, names: Sequence[str], *, force: bool = False) -> None:
        super().__init__(path, names, force=force)
        self._zarr = _need("zarr", "writing .zarr")
        if int(self._zarr.__version__.split(".")[0]) < 3:
            raise ImportError(
                f"writing .zarr needs zarr>=3 (Python 3.11+), found {self._zarr.__version__}"
            )
        self._group = self._zarr.open_group(self._staged.add(self.path), mode="w")
        self._arrays: dict[str, Any] = {}

    def _array(self, name: str, dtype: Any, row_shape: tuple[int, ...]) -> Any:
        arr = self._arrays.get(name)
        if arr is None:
            rows = zarr_chunk_rows(dtype, row_shape)
            arr = self._group.create_array(
                name, shape=(0, *row_shape), chunks=(rows, *row_shape), dtype=dtype
            )
            self._arrays[name] = arr
        return arr

    def _write(self, ids: list[str], arrays: dict[str, Any]) -> None:
        for name, a in arrays.items():
            if _is_sparse(a):
                raise ValueError("sparse arrays go to .npz or .parquet, not .zarr")
            arr = self._array(name, a.dtype, a.shape[1:])
            if a.shape[0]:
                arr.append(a)
        arr = self._array("ids", str, ())
        if ids:
            arr.append(np.array(ids, dtype=object))


class ParquetOutput(Output):
    """One parquet file (or standard output, ``"-"``): a row per record."""

    format = "parquet"

    def __init__(self, path: str, names: Sequence[str], *, force: bool = False) -> None:
        super().__init__(path, names, force=force)
        self._pa = _need("pyarrow", "writing .parquet")
        self._pq = _need("pyarrow.parquet", "writing .parquet")
        self._sink = sys.stdout.buffer if self.path == "-" else self._staged.add(self.path)
        self._writer = None

    def _columns(self, name: str, a: Any) -> dict[str, Any]:
        pa = self._pa
        if _is_sparse(a):
            a = a.tocsr()
            offsets = pa.array(a.indptr.astype(np.int32))
            return {
                f"{name}_indices": pa.ListArray.from_arrays(offsets, pa.array(a.indices)),
                f"{name}_values": pa.ListArray.from_arrays(offsets, pa.array(a.data)),
            }
        a = np.ascontiguousarray(a)
        col = pa.array(a.reshape(-1))
        for width in reversed(a.shape[1:]):
            col = pa.FixedSizeListArray.from_arrays(col, width)
        return {name: col}

    def _write(self, ids: list[str], arrays: dict[str, Any]) -> None:
        cols = {"id": self._pa.array(ids, self._pa.string())}
        for name, a in arrays.items():
            cols.update(self._columns(name, a))
        table = self._pa.table(cols)
        if self._writer is None:
            self._writer = self._pq.ParquetWriter(self._sink, table.schema)
        self._writer.write_table(table)

    def _finish(self) -> None:
        if self._writer is not None:
            self._writer.close()

    _release = _finish


_OUTPUTS = {cls.format: cls for cls in (NpyOutput, NpzOutput, ZarrOutput, ParquetOutput)}


def open_output(
    path: str, names: Sequence[str], *, format: str | None = None, force: bool = False
) -> Output:
    """An output for chunks of records, chosen by ``format`` or the extension.

    Parameters
    ----------
    path : str
        ``.npy``, ``.npz``, ``.zarr``, ``.parquet`` (or ``.pq``); ``"-"``
        (standard output) for parquet.
    names : sequence of str
        Names of the arrays each chunk holds (see the module's layouts).
    format : {"npy", "npz", "zarr", "parquet"} or None, default=None
    force : bool, default=False
        Replace existing outputs; else ``FileExistsError``.

    Returns
    -------
    Output
        ``write(ids, arrays)`` per chunk, then ``close()`` (or use it as a
        context manager: closed on success, removed on an error).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from deepbiop.io import open_output
    >>> d = Path(tempfile.mkdtemp())
    >>> with open_output(str(d / "x.npy"), ["X", "label"]) as out:
    ...     out.write(["r0", "r1"], {"X": np.eye(2), "label": np.array([1, 0])})
    >>> np.load(d / "x.npy").tolist(), np.load(d / "x.label.npy").tolist()
    ([[1.0, 0.0], [0.0, 1.0]], [1, 0])
    >>> (d / "x.ids.txt").read_text().split()
    ['r0', 'r1']
    """
    fmt = output_format(os.fspath(path), format)
    if path == "-" and fmt != "parquet":
        raise ValueError(
            f"{fmt} cannot be written to standard output (it is not seekable); use parquet"
        )
    return _OUTPUTS[fmt](os.fspath(path), names, force=force)
