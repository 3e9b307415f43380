"""The ``deepbiop`` command group, ``deepbiop info`` and the entry point."""

from __future__ import annotations

import click

from deepbiop._config import show_config
from deepbiop._version import __version__
from deepbiop.cli._common import terminate_on_sigterm
from deepbiop.cli._encode import encode, tokenize
from deepbiop.cli._kmers import kmers

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="deepbiop")
def cli() -> None:
    """Fast DNA, RNA and protein sequence encoders: FASTA/FASTQ to arrays.

    Inputs are FASTA/FASTQ files, plain or compressed (gzip detected by
    content), or - for standard input. A progress bar shows on a terminal
    only (-q: never). An error exits non-zero with one line naming the file
    and record, and leaves no output behind.
    """


@cli.command()
def info() -> None:
    """Version, thread pool, OpenMP and SIMD of this build (deepbiop.show_config)."""
    show_config()


cli.add_command(encode)
cli.add_command(tokenize)
cli.add_command(kmers)


def main() -> None:
    """The console script ``deepbiop`` and ``python -m deepbiop``."""
    terminate_on_sigterm()
    cli(prog_name="deepbiop")
