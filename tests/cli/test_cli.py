"""The `deepbiop` command line (deepbiop/cli/), run in-process with click's
CliRunner: every output format read back with its own library equals the
Python API's arrays for the same records (the reference); stdin, gzip by
content, several inputs, refusals and one-line errors that leave no file."""

from __future__ import annotations

import gzip
import io
import os
import re

import numpy as np
import pytest
from click.testing import CliRunner

import deepbiop as dbp
from _outputs import labelled_files, load_output
from deepbiop.cli import cli


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return labelled_files(tmp_path_factory.mktemp("cli"), (31, 12), seed=11)


def run(args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def ok(args, input=None):
    result = run(args, input)
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def _files(folder):
    return sorted(os.listdir(folder))


CASES = {  # (options, the Python API's encoder, array names)
    "onehot": (
        ["-e", "onehot", "--max-length", "50"],
        lambda: dbp.OneHotEncoder(max_length=50),
        ["onehot"],
    ),
    "integer": (
        ["-e", "integer", "--max-length", "60", "--ambiguous", "unknown", "--dtype", "int8"],
        lambda: dbp.IntegerEncoder("dna", "unknown", max_length=60, dtype="int8"),
        ["integer"],
    ),
    "kmer": (
        ["-e", "kmer", "-k", "3", "--canonical"],
        lambda: dbp.KmerEncoder(k=3, canonical=True),
        ["kmer"],
    ),
    "tokens": (
        ["-e", "tokens", "--preset", "dnabert-3", "--max-length", "40"],
        lambda: dbp.TransformerEncoder.from_preset(
            "dnabert-3", max_length=40, padding="max_length"
        ),
        ["input_ids", "attention_mask"],
    ),
}


def _want(case, seqs):
    _, make, names = CASES[case]
    out = make().encode_batch(seqs)
    return dict(zip(names, out if isinstance(out, tuple) else (out,)))


@pytest.mark.parametrize("fmt", ["npy", "npz", "zarr", "parquet"])
@pytest.mark.parametrize("case", list(CASES))
def test_round_trip_every_format(tmp_path, data, fmt, case):
    pytest.importorskip({"npy": "numpy", "npz": "numpy", "zarr": "zarr", "parquet": "pyarrow"}[fmt])
    options, _, names = CASES[case]
    out = tmp_path / f"x.{fmt}"
    ok(["encode", *data["paths"], *options, "--label-key", "label", "-o", out])
    ids, got = load_output(str(out), [*names, "label"])
    assert ids == data["ids"]
    for name, arr in _want(case, data["seqs"]).items():
        assert got[name].dtype == arr.dtype, name
        np.testing.assert_array_equal(got[name], arr)
    np.testing.assert_array_equal(got["label"], data["labels"])


def test_huggingface_datasets_reads_the_parquet(tmp_path, data):
    datasets = pytest.importorskip("datasets")
    out = tmp_path / "tok.parquet"
    ok(["tokenize", *data["paths"], "--preset", "dnabert-3", "--max-length", "40", "-o", out])
    ds = datasets.load_dataset(  # its Arrow cache in tmp_path, not in ~/.cache
        "parquet", data_files=str(out), split="train", cache_dir=str(tmp_path / "hf-cache")
    )
    want = _want("tokens", data["seqs"])
    assert ds["id"] == data["ids"]
    np.testing.assert_array_equal(np.array(ds["input_ids"]), want["input_ids"])
    np.testing.assert_array_equal(np.array(ds["attention_mask"]), want["attention_mask"])


def test_tokenize_is_encode_tokens(tmp_path, data):
    ok(["tokenize", *data["paths"], "--preset", "dnabert-3", "--max-length", "40", "-o",
        tmp_path / "t.npy"])  # fmt: skip
    ok(["encode", *data["paths"], *CASES["tokens"][0], "-o", tmp_path / "e.npy"])
    for name in ("t.npy", "t.attention_mask.npy", "t.ids.txt"):
        assert (tmp_path / name).read_bytes() == (tmp_path / ("e" + name[1:])).read_bytes()


def test_stdin_gzip_by_content_and_several_inputs(tmp_path, data):
    want = _want("kmer", data["seqs"])["kmer"]
    fastq_gz = open(data["paths"][0], "rb").read()
    hidden = tmp_path / "reads"  # gzip named without .gz
    hidden.write_bytes(fastq_gz)
    ok(["encode", hidden, data["paths"][1], *CASES["kmer"][0], "-o", tmp_path / "h.npy"])
    np.testing.assert_array_equal(np.load(tmp_path / "h.npy"), want)
    ok(["encode", "-", *CASES["kmer"][0], "-o", tmp_path / "s.npy"], input=fastq_gz)
    np.testing.assert_array_equal(np.load(tmp_path / "s.npy"), want[:31])
    plain = gzip.decompress(fastq_gz)
    ok(["encode", "-", *CASES["kmer"][0], "-o", tmp_path / "p.npy"], input=plain)
    np.testing.assert_array_equal(np.load(tmp_path / "p.npy"), want[:31])
    assert (tmp_path / "s.ids.txt").read_text().split() == data["ids"][:31]


def test_parquet_on_stdout(data):
    pq = pytest.importorskip("pyarrow.parquet")
    result = ok(["encode", *data["paths"], *CASES["onehot"][0], "-o", "-", "--format", "parquet"])
    table = pq.read_table(io.BytesIO(result.stdout_bytes))
    assert table.column("id").to_pylist() == data["ids"]


@pytest.mark.parametrize("chunk_size", ["1", "7", "1000"])
def test_chunk_boundaries_give_identical_files(tmp_path, data, chunk_size):
    for fmt in ("npy", "parquet"):
        if fmt == "parquet":
            pytest.importorskip("pyarrow")
        out = tmp_path / f"c{chunk_size}.{fmt}"
        ok(["encode", *data["paths"], *CASES["integer"][0], "--chunk-size", chunk_size, "-o",
            out, "--label-key", "label"])  # fmt: skip
        ids, got = load_output(str(out), ["integer", "label"])
        np.testing.assert_array_equal(got["integer"], _want("integer", data["seqs"])["integer"])
        assert ids == data["ids"]
    ref = tmp_path / "ref.npy"
    ok(["encode", *data["paths"], *CASES["integer"][0], "-o", ref])
    assert (tmp_path / f"c{chunk_size}.npy").read_bytes() == ref.read_bytes()


def test_existing_output_refused_then_forced(tmp_path, data):
    out = tmp_path / "x.npy"
    out.write_bytes(b"precious")
    result = run(["encode", *data["paths"], *CASES["kmer"][0], "-o", out])
    assert result.exit_code == 1
    assert (
        result.stderr.strip() == f"Error: '{out}' exists; pass --force (force=True) to replace it"
    )
    assert out.read_bytes() == b"precious" and _files(tmp_path) == ["x.npy"]
    ok(["encode", *data["paths"], *CASES["kmer"][0], "-o", out, "--force"])
    assert np.load(out).shape == (43, 64)


@pytest.mark.parametrize(
    "text, args, message",
    [
        (  # malformed input: file, record and line
            "@r0\nACGT\n+\nIIII\n@r1\nACGT\n+\nIII\n",
            ["-e", "kmer"],
            r"Error: cannot read '.*bad\.fq' at record 1 \(0-based\), line 8: "
            r"Length of sequence and qualities differ \[FastqFormatError\]",
        ),
        (  # a character the encoder refuses: file, record and id
            "@r0\nACGT\n+\nIIII\n@r1\nACXT\n+\nIIII\n",
            ["-e", "integer", "--max-length", "5"],
            r"Error: cannot encode '.*bad\.fq' at record 1 \(0-based, id 'r1'\): invalid "
            r"character 'X' at position 2 .*; pass --ambiguous unknown to encode it as code 4$",
        ),
        (  # a missing label
            "@r0 label=1\nACGT\n+\nIIII\n@r1\nACGT\n+\nIIII\n",
            ["-e", "kmer", "--label-key", "label"],
            r"Error: cannot label '.*bad\.fq' at record 1 \(0-based, id 'r1'\): its header "
            r"has no 'label=' field",
        ),
        ("@r0\nAC\n+\nII\n", ["-e", "kmer", "-k", "0"], r"Error: The 'k' parameter of "),
        ("@r0\nAC\n+\nII\n", ["-e", "onehot"], r"Error: OneHotEncoder .* pass max_length"),
    ],
)
def test_errors_are_one_line_and_leave_no_file(tmp_path, text, args, message):
    bad = tmp_path / "bad.fq"
    bad.write_text(text * 3000 if "label" in message else text)  # several chunks for one
    result = run(["encode", bad, *args, "-o", tmp_path / "x.npy", "--chunk-size", "1000"])
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and re.match(message, lines[0]), result.stderr
    assert _files(tmp_path) == ["bad.fq"]


def test_usage_errors_exit_2(tmp_path, data):
    for args, message in [
        (["encode", data["paths"][1], "-e", "onehot", "-k", "3", "-o", "x.npy"],
         "--k does not apply to -e onehot"),
        (["encode", data["paths"][1], "-e", "nope", "-o", "x.npy"], "Invalid value for '-e'"),
        (["encode", data["paths"][1], "-e", "kmer"], "Missing option '-o'"),
        (["encode", data["paths"][1], "-e", "tokens", "--preset", "dnabert-3", "--alphabet",
          "rna", "-o", "x.npy"], "--alphabet does not apply with --preset"),
    ]:  # fmt: skip
        result = run(args)
        assert result.exit_code == 2 and message in result.stderr, result.stderr
    result = run(["encode", tmp_path / "missing.fa", "-e", "kmer", "-o", tmp_path / "x.npy"])
    assert result.exit_code == 1 and "No such file or directory" in result.stderr
    assert _files(tmp_path) == []


def test_kmers_tsv_histo_parquet(tmp_path, data):
    spec = dbp.kmer_spectrum(data["seqs"], k=5, canonical=True)
    result = ok(["kmers", *data["paths"], "-k", "5", "--canonical"])
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert [(m, int(c)) for m, c in lines] == list(spec.to_dict().items())
    ok(["kmers", *data["paths"], "-k", "5", "--canonical", "--format", "histo", "--min-count",
        "2", "-o", tmp_path / "h.txt"])  # fmt: skip
    hist = spec.histogram()
    assert (tmp_path / "h.txt").read_text() == "".join(
        f"{c}\t{hist[c]}\n" for c in np.flatnonzero(hist) if c >= 2
    )
    result = run(["kmers", *data["paths"], "-k", "5", "-o", tmp_path / "h.txt"])
    assert result.exit_code == 1 and "exists; pass --force" in result.stderr
    pq = pytest.importorskip("pyarrow.parquet")
    ok(["kmers", "-", "-k", "5", "--canonical", "--format", "parquet", "-o",
        tmp_path / "k.parquet"], input=open(data["paths"][0], "rb").read())  # fmt: skip
    t = pq.read_table(tmp_path / "k.parquet")
    sub = dbp.kmer_spectrum(data["seqs"][:31], k=5, canonical=True)
    assert dict(zip(t.column("kmer").to_pylist(), t.column("count").to_pylist())) == sub.to_dict()
    result = run(["kmers", *data["paths"], "-k", "40"])
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1


def test_info_and_version():
    result = ok(["info"])
    assert result.stdout.startswith(f"deepbiop {dbp.__version__}\n")
    for key in ("thread pool:", "openmp:", "threads (n_jobs=None):", "byte lookup:"):
        assert key in result.stdout
    assert ok(["--version"]).stdout == f"deepbiop, version {dbp.__version__}\n"
    assert "encode" in ok(["--help"]).stdout and "tokenize" in ok(["-h"]).stdout


def test_kmers_max_memory_gives_the_same_files(tmp_path, data):
    """--max-memory (here below what the process holds: the 16 MiB floor, with
    a warning) writes what the in-memory count writes; its bins are gone."""
    pytest.importorskip("pyarrow")
    bins = tmp_path / "bins"
    bins.mkdir()
    base = ["kmers", *data["paths"], "-k", "7", "--canonical"]
    for fmt in ("tsv", "histo", "parquet"):
        ok([*base, "--format", fmt, "--min-count", "2", "-o", tmp_path / f"mem.{fmt}"])
        result = ok([*base, "--format", fmt, "--min-count", "2", "-o", tmp_path / f"disk.{fmt}",
                     "--max-memory", "1M", "--tmp-dir", bins])  # fmt: skip
        assert "leaves less than 16 MiB beside the" in result.stderr
        assert (tmp_path / f"disk.{fmt}").read_bytes() == (tmp_path / f"mem.{fmt}").read_bytes()
    assert os.listdir(bins) == []
    result = ok(
        ["kmers", "-", "-k", "5", "--max-memory", "8G"], input=open(data["paths"][0], "rb").read()
    )
    spec = dbp.kmer_spectrum(data["seqs"][:31], k=5)
    assert result.stdout == "".join(f"{m}\t{c}\n" for m, c in spec.to_dict().items())
    result = run([*base, "--max-memory", "lots"])
    assert result.exit_code == 2 and "'lots' is not a size" in result.stderr
    result = run([*base, "--max-memory", "1G", "--tmp-dir", tmp_path / "missing"])
    assert result.exit_code == 2 and "--tmp-dir" in result.stderr
