"""deepbiop.dask.read_fastx on a LocalCluster: every partitioning gives the
records of the one-process reader (deepbiop.io.iter_records), in file order."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from _dask_data import LABELS, good_files, records

from deepbiop.dask import read_fastx
from deepbiop.io import SequenceFileError, parse_label


@pytest.mark.parametrize("blocksize", [None, 4096, "20kB", 1 << 20])
def test_frame_equals_the_records_in_file_order(client, datasets, blocksize):
    paths = good_files(datasets)
    df = read_fastx(paths, blocksize=blocksize, label_keys="label")
    got = df.compute()
    ref = records(paths)  # reference: one-process deepbiop.io.iter_records
    assert got["id"].tolist() == [r.id for r in ref]
    assert got["sequence"].tolist() == [r.sequence for r in ref]
    quals = [q if isinstance(q, str) else None for q in got["quality"].tolist()]  # NA: FASTA
    assert quals == [r.qualities for r in ref]
    assert got["label"].dtype == np.int64
    assert got["label"].tolist() == [parse_label(r.name, "label") for r in ref]


def test_plain_and_bgzf_files_split_into_byte_ranges_gzip_stays_whole(datasets):
    one = read_fastx(good_files(datasets), blocksize=None)
    assert one.npartitions == 4
    small = read_fastx(good_files(datasets), blocksize=8192)
    sizes = {k: os.path.getsize(datasets[k]) for k in ("plain", "bgzf", "fasta")}
    # gzip: one partition; BGZF: ranges of at least one block (64 KiB)
    expected = 1 + -(-sizes["plain"] // 8192) + -(-sizes["fasta"] // 8192)
    expected += -(-sizes["bgzf"] // 65536)
    assert small.npartitions == expected
    assert 0 not in small.map_partitions(len).compute(scheduler="sync").tolist()


def test_every_partitioning_reads_each_record_once(client, datasets):
    # byte ranges smaller than a record: most ranges are empty, none loses a record
    path = datasets["plain"]
    lens = read_fastx(path, blocksize=97).map_partitions(len).compute().tolist()
    assert sum(lens) == 400 and 0 in lens


def test_float_labels_and_several_keys(client, datasets):
    df = read_fastx(datasets["plain"], label_keys=list(LABELS), label_type="float", blocksize=5000)
    got = df.compute()
    assert list(df.columns) == ["id", "sequence", "quality", "label", "weight"]
    assert got["weight"].dtype == np.float64
    ref = records(datasets["plain"])
    assert got["weight"].tolist() == [float(parse_label(r.name, "weight")) for r in ref]


def test_glob_is_expanded_sorted(datasets):
    folder = os.path.dirname(datasets["plain"])
    df = read_fastx(os.path.join(folder, "*_plain.*"), blocksize=None)
    assert df.npartitions == 2  # a_plain.fq, d_plain.fa


def test_missing_file_and_empty_glob_fail_at_once(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_fastx(str(tmp_path / "nope.fq"))
    with pytest.raises(FileNotFoundError, match="no file matches"):
        read_fastx(str(tmp_path / "*.fq"))


def test_bad_options_are_refused(datasets):
    with pytest.raises(ValueError, match="blocksize must be a positive"):
        read_fastx(datasets["plain"], blocksize=0)
    with pytest.raises(ValueError, match="label_type must be one of"):
        read_fastx(datasets["plain"], label_keys="label", label_type="str")
    with pytest.raises(ValueError, match="not named like the columns"):
        read_fastx(datasets["plain"], label_keys="id")


@pytest.mark.parametrize("blocksize", [None, 2000])
def test_malformed_file_fails_naming_file_and_record(client, datasets, blocksize):
    df = read_fastx([datasets["plain"], datasets["bad"]], blocksize=blocksize)
    with pytest.raises(SequenceFileError, match=r"bad\.fq.* at record \d+") as info:
        df.compute()
    if blocksize is None:  # the whole file: the record number counts from its start
        assert info.value.record == 57
        assert "at record 57 (0-based)" in str(info.value)
    else:  # a byte range: counted from the range's start, which the message names
        assert "(the part from byte " in str(info.value)


def test_missing_label_names_the_record(client, tmp_path):
    p = tmp_path / "x.fq"
    p.write_text("@r0 label=1\nAC\n+\nII\n@r1\nGG\n+\nII\n")
    df = read_fastx(str(p), label_keys="label")
    with pytest.raises(
        SequenceFileError, match=r"cannot label '.*x\.fq' at record 1 \(0-based, id 'r1'\)"
    ):
        df.compute()


def test_import_deepbiop_does_not_import_dask():
    code = (
        "import sys, deepbiop, deepbiop.dask\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed', 'dask_ml')]\n"
        "sys.exit(f'imported {bad}' if bad else 0)\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr + proc.stdout
