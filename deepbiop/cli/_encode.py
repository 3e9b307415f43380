"""``deepbiop encode`` and ``deepbiop tokenize``: files to arrays on disk.

The encoder options mirror the Python parameters (``--max-length`` is
``max_length``, ``--alphabet`` is ``encoding_type``, ``--ambiguous`` is
``ambiguous_strategy``); an option left out keeps the Python default, and an
option the chosen encoder does not take is an error rather than ignored. The
work is :func:`deepbiop.encode_file`.
"""

from __future__ import annotations

import re
from typing import Any

import click
from click.core import ParameterSource

from deepbiop.cli._common import (
    input_options,
    output_options,
    reported_errors,
    run_options,
    show_progress,
)
from deepbiop.encoders import IntegerEncoder, KmerEncoder, OneHotEncoder
from deepbiop.encoders.tokens import TransformerEncoder
from deepbiop.file_encoding import encode_file
from deepbiop.vocabularies import PRESETS

__all__ = ["encode", "tokenize"]

_CLASSES = {"onehot": OneHotEncoder, "integer": IntegerEncoder, "kmer": KmerEncoder}
_ALL = frozenset({"onehot", "integer", "kmer", "tokens"})

#: option -> (Python parameter, the encoders that take it)
_PARAMETERS: dict[str, tuple[str, frozenset[str]]] = {
    "alphabet": ("encoding_type", _ALL),
    "ambiguous": ("ambiguous_strategy", _ALL),
    "max_length": ("max_length", frozenset({"onehot", "integer", "tokens"})),
    "dtype": ("dtype", frozenset({"onehot", "integer", "kmer"})),
    "k": ("k", frozenset({"kmer", "tokens"})),
    "canonical": ("canonical", frozenset({"kmer"})),
    "sparse": ("sparse", frozenset({"kmer"})),
    "normalize": ("normalize", frozenset({"kmer"})),
    "pad_value": ("pad_value", frozenset({"integer"})),
    "channels_first": ("channels_first", frozenset({"onehot"})),
    "flatten": ("flatten", frozenset({"onehot"})),
    "seed": ("seed", frozenset({"onehot", "integer"})),
    "stride": ("stride", frozenset({"tokens"})),
    "special_tokens": ("add_special_tokens", frozenset({"tokens"})),
    "preset": ("", frozenset({"tokens"})),
}

_OPTIONS = {
    "alphabet": click.option("--alphabet", help="dna (default), rna or protein."),
    "ambiguous": click.option(
        "--ambiguous",
        help="Characters outside the alphabet (N): onehot skip|mask|uniform|iupac|random|error, "
        "integer error|unknown|random, kmer skip|error, tokens unknown|error.",
    ),
    "max_length": click.option(
        "--max-length",
        type=click.IntRange(min=0),
        help="Row width: longer sequences are cut, shorter ones padded. Needed by onehot "
        "and integer (every row of an output has one width); tokens default 512.",
    ),
    "dtype": click.option("--dtype", help="Output dtype (float32, int8, ...)."),
    "k": click.option("-k", "--k", "k", type=int, help="K-mer length (kmer; tokens: bases/token)."),
    "canonical": click.option(
        "--canonical", is_flag=True, default=None, help="Count a k-mer with its reverse complement."
    ),
    "sparse": click.option(
        "--sparse", is_flag=True, default=None, help="Sparse k-mer counts (to .npz or .parquet)."
    ),
    "normalize": click.option("--normalize", type=click.Choice(["l1", "l2"])),
    "pad_value": click.option("--pad-value", type=float, help="Integer code of padding (-1)."),
    "channels_first": click.option(
        "--channels-first", is_flag=True, default=None, help="One-hot rows as (A, L)."
    ),
    "flatten": click.option("--flatten", is_flag=True, default=None, help="One-hot rows as L*A."),
    "seed": click.option("--seed", type=int, help='Seed of ambiguous="random".'),
    "stride": click.option("--stride", type=int, help="Step between k-mer tokens."),
    "special_tokens": click.option(
        "--special-tokens/--no-special-tokens",
        default=None,
        help="Add the vocabulary's [CLS]/[SEP] (default: yes).",
    ),
    "preset": click.option(
        "--preset",
        help="A published model's vocabulary: "
        + ", ".join(sorted(PRESETS))
        + " (dnabert = dnabert-6).",
    ),
}


def _io_options(fn: Any) -> Any:
    """-o, --format, labels, chunking, and the options every command takes."""
    fn = run_options(output_options(input_options(fn)))
    for deco in reversed(
        [
            click.option(
                "-o",
                "--output",
                required=True,
                help="Output file (- : parquet on standard output).",
            ),
            click.option(
                "--format",
                "fmt",
                type=click.Choice(["npy", "npz", "zarr", "parquet"]),
                help="Output format, instead of the extension.",
            ),
            click.option(
                "--label-key",
                "label_keys",
                multiple=True,
                help="Header field KEY=VALUE to write beside the encoding (repeatable).",
            ),
            click.option(
                "--label-type",
                type=click.Choice(["int", "float"]),
                default="int",
                show_default=True,
            ),
            click.option(
                "--chunk-size",
                type=click.IntRange(min=1),
                default=10_000,
                show_default=True,
                help="Records read, encoded and written at a time (the output does not "
                "depend on it).",
            ),
        ]
    ):
        fn = deco(fn)
    return fn


def _given(ctx: click.Context, options: dict[str, Any]) -> dict[str, Any]:
    """The encoder options given on the command line (not left at their default)."""
    return {
        name: value
        for name, value in options.items()
        if name in _PARAMETERS and ctx.get_parameter_source(name) is not ParameterSource.DEFAULT
    }


def _build(kind: str, given: dict[str, Any], threads: int | None) -> Any:
    """The encoder of ``kind`` from the given options, parameters checked."""
    for name in given:
        takes = _PARAMETERS[name][1]
        if kind not in takes:
            flag = "--" + name.replace("_", "-")
            raise click.UsageError(
                f"{flag} does not apply to -e {kind} (it does to: {', '.join(sorted(takes))})"
            )
    params = {_PARAMETERS[n][0]: v for n, v in given.items() if n != "preset"}
    params["n_jobs"] = threads
    if kind != "tokens":
        return _CLASSES[kind](**params).fit()
    params.setdefault("max_length", 512)
    params["padding"] = "max_length"
    preset = given.get("preset")
    if preset is None:
        return TransformerEncoder(**params).fit()
    if "encoding_type" in params:
        raise click.UsageError("--alphabet does not apply with --preset (presets are DNA)")
    return TransformerEncoder.from_preset(preset, **params).fit()


_FLAGS = {param: "--" + name.replace("_", "-") for name, (param, _) in _PARAMETERS.items() if param}
_PYTHON_ARGUMENT = re.compile(r"\b([a-z_]+)=(['\"]?)([\w.+-]+)\2")


def _in_option_words(message: str) -> str:
    """``pass ambiguous_strategy='unknown'`` -> ``pass --ambiguous unknown``: the
    encoders' hints, in the words of this command's options."""

    def flag(m: re.Match) -> str:
        name = _FLAGS.get(m[1])
        return m[0] if name is None else f"{name} {m[3]}"

    return _PYTHON_ARGUMENT.sub(flag, message)


def _run(ctx: click.Context, kind: str, options: dict[str, Any]) -> None:
    with reported_errors():
        try:
            _encode(ctx, kind, options)
        except ValueError as exc:  # SequenceFileError too: its message is what is shown
            raise ValueError(_in_option_words(str(exc))) from exc


def _encode(ctx: click.Context, kind: str, options: dict[str, Any]) -> None:
    encoder = _build(kind, _given(ctx, options), options["threads"])
    encode_file(
        list(options["inputs"]),
        encoder,
        options["output"],
        format=options["fmt"],
        chunk_size=options["chunk_size"],
        progress=show_progress(options["quiet"]),
        label_key=list(options["label_keys"]),
        label_type=options["label_type"],
        fileformat=options["fileformat"],
        force=options["force"],
    )


def _encoder_options(names: list[str]) -> Any:
    def apply(fn: Any) -> Any:
        for name in reversed(names):
            fn = _OPTIONS[name](fn)
        return fn

    return apply


@click.command()
@click.option(
    "-e",
    "--encoder",
    "kind",
    type=click.Choice(["onehot", "integer", "kmer", "tokens"]),
    required=True,
    help="The encoding.",
)
@_io_options
@_encoder_options(list(_OPTIONS))
@click.pass_context
def encode(ctx: click.Context, kind: str, **options: Any) -> None:
    """Encode FASTA/FASTQ records into .npy, .npz, .zarr or .parquet.

    INPUT: FASTA/FASTQ files, plain or compressed (gzip detected by content),
    read in order; - is standard input. Records are streamed in chunks: memory
    holds one chunk, whatever the input size.

    \b
    Outputs (by extension, or --format):
      .npy      OUT.npy (memory-mappable), OUT.<array>.npy for a second array
                and each --label-key, OUT.ids.txt (one id a line)
      .npz      one member per array, ids in "ids"; sparse k-mer counts under
                scipy's keys (scipy.sparse.load_npz reads them)
      .zarr     a group: one chunked, compressed array per name, and "ids"
      .parquet  one row per record: id, labels, the encoding as fixed-size lists
                (sparse: <name>_indices, <name>_values lists); - for stdout

    \b
    Examples:
      deepbiop encode reads.fastq.gz -e onehot --max-length 150 -o reads.npy
      deepbiop encode a.fa b.fa -e kmer -k 5 --canonical --label-key label -o x.parquet
    """
    _run(ctx, kind, options)


_TOKEN_OPTIONS = ["preset", "max_length", "alphabet", "k", "stride", "ambiguous", "special_tokens"]


@click.command()
@_io_options
@_encoder_options(_TOKEN_OPTIONS)
@click.pass_context
def tokenize(ctx: click.Context, **options: Any) -> None:
    """Token ids and attention masks for transformer models (encode -e tokens).

    Every row is --max-length long (default 512): input_ids and
    attention_mask, written as columns of a .parquet (what HuggingFace
    datasets loads: datasets.load_dataset("parquet", data_files=OUT)), arrays
    of a .zarr or .npz, or OUT.npy + OUT.attention_mask.npy.

    \b
    Example:
      deepbiop tokenize reads.fa --preset dnabert-6 --max-length 128 -o tokens.parquet
    """
    _run(ctx, "tokens", options)
