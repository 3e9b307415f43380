"""``deepbiop kmers``: the k-mer spectrum of whole files (jellyfish/KMC style).

Counting is :func:`count`, today :func:`deepbiop.kmer_spectrum_file` (every
distinct k-mer in memory, 16 bytes each); writing is
:func:`deepbiop.io.write_spectrum`, which takes the spectrum as sorted blocks.
A disk-spilling counter for a ``--max-memory`` option replaces :func:`count`
alone.
"""

from __future__ import annotations

from typing import Any

import click

from deepbiop.cli._common import (
    input_options,
    output_options,
    reported_errors,
    run_options,
    show_progress,
)
from deepbiop.io import check_output, write_spectrum
from deepbiop.spectrum import KmerSpectrum, kmer_spectrum_file

__all__ = ["kmers", "count"]


def count(inputs: list[str], k: int, **options: Any) -> KmerSpectrum:
    """The spectrum of ``inputs`` (the one place the counter is chosen)."""
    return kmer_spectrum_file(inputs, k, **options)


@click.command()
@input_options
@click.option("-k", "--k", "k", type=int, required=True, help="K-mer length (DNA/RNA <= 31).")
@click.option("--canonical", is_flag=True, help="Count each k-mer with its reverse complement.")
@click.option(
    "--min-count",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Leave out k-mers seen fewer times (histo: the counts below it).",
)
@click.option("--alphabet", default="dna", show_default=True, help="dna, rna or protein.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["tsv", "parquet", "histo"]),
    default="tsv",
    show_default=True,
    help="tsv: KMER<TAB>COUNT; parquet: kmer, count columns; histo: COUNT<TAB>NUMBER_OF_KMERS.",
)
@click.option("-o", "--output", default="-", show_default=True, help="Output file (- : stdout).")
@output_options
@run_options
def kmers(
    inputs: tuple[str, ...],
    fileformat: str | None,
    k: int,
    canonical: bool,
    min_count: int,
    alphabet: str,
    fmt: str,
    output: str,
    force: bool,
    threads: int | None,
    quiet: bool,
) -> None:
    """Count every k-mer of whole FASTA/FASTQ files (jellyfish count + dump/histo).

    Windows holding N (any character outside the alphabet) are not counted,
    as in jellyfish and KMC. K-mers come in code order (A < C < G < T); with
    --canonical each is counted under the smaller of it and its reverse
    complement (jellyfish -C).

    \b
    Examples:
      deepbiop kmers genome.fa.gz -k 21 --canonical -o counts.tsv
      deepbiop kmers reads.fq.gz -k 21 --canonical --format histo > reads.histo
    """
    with reported_errors():
        check_output(output, force=force)  # refused before the counting, not after
        spec = count(
            list(inputs),
            k,
            canonical=canonical,
            encoding_type=alphabet,
            n_jobs=threads,
            progress=show_progress(quiet),
            fileformat=fileformat,
        )
        write_spectrum(spec, output, format=fmt, min_count=min_count, force=force)
