"""deepbiop on dask: the encoders and k-mer spectra over many files and machines.

The encoders are stateless and deterministic, so a dataset split into
partitions encodes to the same rows, and counts to the same spectrum, as in
one process; ``distributed`` runs the same code on a ``LocalCluster``, SLURM
(``dask-jobqueue``), Kubernetes or any scheduler address. One process stays
the default: this package is optional (``pip install -e ".[dask]"``), and
neither ``import deepbiop`` nor ``import deepbiop.dask`` imports dask (each
function does, when called).

* :func:`read_fastx`: FASTA/FASTQ files (paths or globs) as a dask DataFrame
  (``id``, ``sequence``, ``quality``, label columns from header fields), a
  partition per file or per byte range of a plain or BGZF file.
* :func:`encode`: a dask DataFrame, Series, Bag or Array of sequences through
  an encoder, to a dask array chunked along rows (``scipy.sparse`` blocks for
  sparse k-mer rows); the width must not depend on the partition.
* :func:`to_zarr`, :func:`to_parquet`: encoded records (ids, encoding,
  labels) written by the cluster in :func:`deepbiop.encode_file`'s layouts,
  resumable after an interruption.
* :func:`kmer_spectrum`: the k-mer spectrum of files or a collection, counted
  per partition in the kernel and merged as sorted runs in a tree reduction;
  equal to :func:`deepbiop.kmer_spectrum_file`.

A fitted scikit-learn pipeline predicts partition by partition through
``dask_ml.wrappers.ParallelPostFit`` (docs/user_guide/dask.rst).

Layout: ``_fastx.py`` (:func:`read_fastx`, the partition plan),
``_encode.py`` (:func:`encode`), ``_spectrum.py`` (:func:`kmer_spectrum`),
``_zarr.py`` and ``_parquet.py`` (the writers), ``_records.py`` (the columns
they write), ``_resume.py`` (work directories a rerun resumes),
``_modules.py`` (importing dask when needed).
"""

from deepbiop.dask._encode import encode
from deepbiop.dask._fastx import read_fastx
from deepbiop.dask._parquet import to_parquet
from deepbiop.dask._spectrum import kmer_spectrum
from deepbiop.dask._zarr import to_zarr

__all__ = ["read_fastx", "encode", "kmer_spectrum", "to_zarr", "to_parquet"]
