"""deepbiop.io labels (deepbiop/io/_labels.py): key=VALUE fields of headers
and label tables; the reference is the headers the tests write."""

from __future__ import annotations

import pickle

import pytest

from deepbiop import io as dio
from deepbiop.datasets import make_motif_sequences, write_fastq


def test_parse_label_and_header_label():
    assert dio.parse_label("read7 label=1") == 1
    assert dio.parse_label("r label=0.25") == 0.25
    assert dio.parse_label("r label=cat") == "cat"
    assert dio.parse_label("r a=1;label=2") == 2
    assert dio.parse_label("r mylabel=5 label=3") == 3  # whole key only
    with pytest.raises(KeyError, match="header 'r x=1' has no 'label=' field"):
        dio.parse_label("r x=1")
    f = pickle.loads(pickle.dumps(dio.HeaderLabel("y", dtype=float)))
    assert f("r y=2") == 2.0 and isinstance(f("r y=2"), float)


def test_read_labelled_with_table(tmp_path):
    reads, y = make_motif_sequences(20, 30, seed=1)
    p = tmp_path / "r.fastq.gz"
    write_fastq(p, reads, None)
    table = {f"read{i}": float(v) for i, v in enumerate(y)}
    seqs, got = dio.read_labelled(p, labels=table)
    assert seqs == reads and got.tolist() == y.astype(float).tolist()
    del table["read4"]
    with pytest.raises(KeyError, match=r"record 4 \(id 'read4'\) is missing from labels"):
        dio.read_labelled(p, labels=table)
    with pytest.raises(KeyError, match=r"record 0: header 'read0' has no 'label=' field"):
        dio.read_labelled(p)
