"""The ``deepbiop`` command line: FASTA/FASTQ files to arrays on disk.

``deepbiop encode`` (one-hot, integer codes, k-mer counts, token ids),
``deepbiop tokenize`` (token ids for a published model's vocabulary),
``deepbiop kmers`` (whole-file k-mer spectra) and ``deepbiop info``. Installed
as the ``deepbiop`` console script and run by ``python -m deepbiop``. Each
command is a thin layer over the Python API (:func:`deepbiop.encode_file`,
:func:`deepbiop.kmer_spectrum_file`, :func:`deepbiop.io.write_spectrum`).

Layout: ``_main.py`` (the command group, ``info``, the entry point),
``_common.py`` (options every command shares, progress and error rules),
``_encode.py`` (``encode``, ``tokenize``), ``_kmers.py`` (``kmers``).
"""

from deepbiop.cli._main import cli, main

__all__ = ["cli", "main"]
