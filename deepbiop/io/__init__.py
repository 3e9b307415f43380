"""Streaming FASTA/FASTQ readers (plain or gzip) built on ``dnaio``.

Records are read one at a time with bounded memory by `dnaio
<https://github.com/marcelm/dnaio>`_, the fastest well-kept parser measured
for this project. Each record is a :class:`dnaio.SequenceRecord` with
attributes

* ``id``: the header up to the first whitespace (``"read7"``);
* ``name``: the whole header (``"read7 label=1"``);
* ``comment``: the header after the first whitespace (``"label=1"``) or None;
* ``sequence``: the bases as an ASCII ``str`` (which the encoders read in
  place, without a copy);
* ``qualities``: the Phred+33 quality string (FASTQ) or None (FASTA).

A malformed file (truncated record, quality length that differs from the
sequence length, missing ``@``/``>``, a gzip stream that ends early, non-ASCII
bytes) raises :class:`SequenceFileError`, a ``ValueError`` naming the file, the
record number and the line; nothing is silently skipped. A byte that is not
ASCII (in FASTA or FASTQ, plain or compressed, including bytes that are not
UTF-8 at all) is located exactly: the error names the record's number and id,
the line, the column and the byte.

``dnaio`` is installed by the ``io`` extra (``pip install -e ".[io]"``); it is
imported only when a file is opened, so ``import deepbiop`` does not need it.

:func:`open_output` writes chunks of encoded records to ``.npy``, ``.npz``,
``.zarr`` or ``.parquet`` (:class:`NpyWriter` streams one ``.npy``);
:func:`deepbiop.encode_file` runs reader, encoder and writer together (what
the ``deepbiop encode`` command runs); :func:`write_spectrum` writes a k-mer
spectrum.

Layout: ``_read.py`` (opening files, :func:`iter_records`, whole-file readers),
``_errors.py`` (:class:`SequenceFileError` and how a parser failure becomes
one), ``_progress.py`` (the progress bar: bytes, records, bases),
``_pieces.py`` (:func:`iter_sequence_pieces`: long records in overlapping
pieces, FASTA read a block at a time), ``_labels.py`` (labels from headers),
``_shards.py`` (records split between DataLoader workers and ranks),
``_ranges.py`` (cutting a file into byte ranges at record boundaries),
``_bgzf.py`` (blocked gzip), ``_writers.py`` (the output formats), ``_npy.py``
(:class:`NpyWriter`), ``_staging.py`` (temporary names renamed on success),
``_spectra.py`` (:func:`write_spectrum`: k-mer counts as jellyfish-style text
or parquet).
"""

from deepbiop.io._bgzf import to_bgzf
from deepbiop.io._errors import SequenceFileError
from deepbiop.io._labels import HeaderLabel, parse_label, read_labelled
from deepbiop.io._npy import NpyWriter
from deepbiop.io._pieces import iter_sequence_pieces
from deepbiop.io._read import (
    as_paths,
    check_fileformat,
    count_records,
    iter_records,
    quality_scores,
    read_fasta,
    read_fastq,
)
from deepbiop.io._shards import ShardPart, iter_shard, iter_shard_parts
from deepbiop.io._spectra import write_spectrum
from deepbiop.io._staging import check_output
from deepbiop.io._writers import open_output

__all__ = [
    "SequenceFileError",
    "iter_records",
    "iter_sequence_pieces",
    "iter_shard",
    "iter_shard_parts",
    "ShardPart",
    "to_bgzf",
    "read_fasta",
    "read_fastq",
    "read_labelled",
    "count_records",
    "parse_label",
    "HeaderLabel",
    "quality_scores",
    "check_fileformat",
    "as_paths",
    "open_output",
    "NpyWriter",
    "write_spectrum",
    "check_output",
]
