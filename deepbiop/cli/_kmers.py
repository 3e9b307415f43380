"""``deepbiop kmers``: the k-mer spectrum of whole files (jellyfish/KMC style).

Counting is :func:`count`, :func:`deepbiop.iter_kmer_spectrum_file`: every
distinct k-mer in memory (16 bytes each), or with ``--max-memory`` k-mers
binned on disk in ``--tmp-dir`` once they do not fit; either way the spectrum
comes out as sorted blocks, which :func:`deepbiop.io.write_spectrum` writes as
they come. ``--max-memory`` is the whole command's (as KMC's ``-m``): the
counting gets what is left of it beside what the process holds when it starts
counting (:func:`counting_budget`).
"""

from __future__ import annotations

import sys
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
from deepbiop.spectrum_disk import SpectrumBlocks, iter_kmer_spectrum_file, parse_memory

__all__ = ["kmers", "count"]


def count(inputs: list[str], k: int, **options: Any) -> SpectrumBlocks:
    """The spectrum of ``inputs`` (the one place the counter is chosen)."""
    return iter_kmer_spectrum_file(inputs, k, **options)


#: The least the counting is given, whatever --max-memory leaves.
_MIN_BUDGET = 16 << 20


def _resident_bytes() -> int:
    """Memory the process holds now (interpreter, libraries): VmRSS on Linux,
    else the peak so far."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def counting_budget(max_memory: int) -> int:
    """The share of ``--max-memory`` (the whole process's) left for counting
    once what the process already holds is taken off; at least 16 MiB, with a
    warning when that is more than was left."""
    held = _resident_bytes()
    budget = max_memory - held
    if budget < _MIN_BUDGET:
        click.echo(
            f"deepbiop: --max-memory {max_memory >> 20} MiB leaves less than "
            f"{_MIN_BUDGET >> 20} MiB beside the {held >> 20} MiB the process holds before "
            f"counting; counting with {_MIN_BUDGET >> 20} MiB",
            err=True,
        )
        budget = _MIN_BUDGET
    return budget


def _memory(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return parse_memory(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a size; give bytes or a number with K, M, G or T "
            "(powers of 1024), e.g. 256M or 2G"
        ) from None


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
@click.option(
    "--max-memory",
    metavar="SIZE",
    callback=_memory,
    help="Peak memory of the command (e.g. 256M, 2G; what the interpreter and libraries "
    "hold is taken off, ~200 MiB): k-mers that do not fit are binned on disk. "
    "Default: all in memory.",
)
@click.option(
    "--tmp-dir",
    type=click.Path(file_okay=False, dir_okay=True, exists=True),
    help="Directory for the --max-memory bins (default: $TMPDIR or /tmp); they take "
    "up to 8 bytes per k-mer in the input and are removed at the end.",
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
    max_memory: int | None,
    tmp_dir: str | None,
    output: str,
    force: bool,
    threads: int | None,
    quiet: bool,
) -> None:
    """Count every k-mer of whole FASTA/FASTQ files (jellyfish count + dump/histo).

    Windows holding N (any character outside the alphabet) are not counted,
    as in jellyfish and KMC. K-mers come in code order (A < C < G < T); with
    --canonical each is counted under the smaller of it and its reverse
    complement (jellyfish -C). With --max-memory the output is the same, counted
    within that memory: k-mers that do not fit are binned in --tmp-dir (KMC
    style) and written out bin by bin.

    \b
    Examples:
      deepbiop kmers genome.fa.gz -k 21 --canonical -o counts.tsv
      deepbiop kmers reads.fq.gz -k 21 --canonical --format histo > reads.histo
      deepbiop kmers hg38.fa.gz -k 31 --canonical --max-memory 4G --tmp-dir /scratch -o k.tsv
    """
    with reported_errors():
        check_output(output, force=force)  # refused before the counting, not after
        with count(
            list(inputs),
            k,
            canonical=canonical,
            encoding_type=alphabet,
            max_memory=None if max_memory is None else counting_budget(max_memory),
            tmp_dir=tmp_dir,
            n_jobs=threads,
            progress=show_progress(quiet),
            fileformat=fileformat,
        ) as spectrum:
            write_spectrum(spectrum, output, format=fmt, min_count=min_count, force=force)
