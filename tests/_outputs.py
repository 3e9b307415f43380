"""Inputs for and outputs of deepbiop.encode_file / `deepbiop encode`: two
seeded labelled files to encode, and reading back what was written with the
format's own library only (numpy, scipy, zarr, pyarrow), for the tests to
compare with the Python API's arrays."""

from __future__ import annotations

import os

import numpy as np


def labelled_files(folder, sizes: tuple[int, int], seed: int) -> dict:
    """A FASTQ.gz and a FASTA file of seeded motif sequences with ``label=``
    headers (deepbiop.datasets): their paths, sequences, labels and ids."""
    from deepbiop.datasets import make_motif_sequences, write_fasta, write_fastq

    a, ya = make_motif_sequences(sizes[0], (12, 80), seed=seed)
    b, yb = make_motif_sequences(sizes[1], (12, 80), seed=seed + 1)
    write_fastq(folder / "a.fastq.gz", a, ya)
    write_fasta(folder / "b.fa", b, yb, line_width=25)
    return {
        "paths": [str(folder / "a.fastq.gz"), str(folder / "b.fa")],
        "seqs": a + b,
        "labels": np.concatenate([ya, yb]),
        "ids": [f"read{i}" for i in range(sizes[0])] + [f"seq{i}" for i in range(sizes[1])],
    }


def _parquet_array(column, n_rows: int) -> np.ndarray:
    """A (nested) fixed-size-list column as an ndarray of shape (rows, ...)."""
    import pyarrow as pa

    col = column.combine_chunks()
    shape = [n_rows]
    while pa.types.is_fixed_size_list(col.type):
        shape.append(col.type.list_size)
        col = col.flatten()
    return col.to_numpy(zero_copy_only=False).reshape(shape)


def load_output(path: str, names: list[str]) -> tuple[list[str], dict[str, np.ndarray]]:
    """``(ids, {name: array})`` of an output written with these array names
    (sparse arrays come back as scipy CSR)."""
    path = os.fspath(path)
    if path.endswith(".npy"):
        stem = path[:-4]
        arrays = {names[0]: np.load(path, mmap_mode="r")}
        arrays.update({n: np.load(f"{stem}.{n}.npy") for n in names[1:]})
        with open(f"{stem}.ids.txt") as fh:
            ids = fh.read().split()
        return ids, arrays
    if path.endswith(".npz"):
        with np.load(path) as z:
            if "indptr" in z:
                import scipy.sparse as sp

                sparse = sp.load_npz(path)
                arrays = {n: (sparse if n not in z else z[n]) for n in names}
            else:
                arrays = {n: z[n] for n in names}
            return [i.decode() for i in z["ids"].tolist()], arrays
    if path.endswith(".zarr"):
        import zarr

        g = zarr.open_group(path, mode="r")
        return [str(i) for i in g["ids"][:]], {n: g[n][:] for n in names}
    import pyarrow.parquet as pq

    t = pq.read_table(path)
    arrays = {}
    for n in names:
        if n in t.column_names:
            arrays[n] = (
                t.column(n).to_numpy()
                if t.schema.field(n).type.num_fields == 0
                else _parquet_array(t.column(n), t.num_rows)
            )
        else:  # sparse: <name>_indices and <name>_values lists per row
            import scipy.sparse as sp

            idx = t.column(f"{n}_indices").combine_chunks()
            val = t.column(f"{n}_values").combine_chunks()
            indptr = np.asarray(idx.offsets)
            arrays[n] = sp.csr_matrix((val.flatten().to_numpy(), idx.flatten().to_numpy(), indptr))
    return t.column("id").to_pylist(), arrays
