"""Read files shared by the tests of deepbiop.torch."""

from __future__ import annotations

import pytest

pytest.importorskip("torch.utils.data")

from _torch_helpers import N_READS

import deepbiop as dbp
from deepbiop.datasets import make_motif_sequences, write_fastq


@pytest.fixture(scope="session")
def reads_gz(tmp_path_factory):
    """A FASTQ.gz with thousands of labelled reads of varied length."""
    seqs, y = make_motif_sequences(N_READS, (40, 120), seed=11)
    path = tmp_path_factory.mktemp("fq") / "reads.fastq.gz"
    write_fastq(path, seqs, y, seed=1)
    return path, seqs, y


@pytest.fixture(scope="session")
def reads_bgzf(tmp_path_factory, reads_gz):
    """The reads of ``reads_gz``, recompressed as BGZF (several blocks)."""
    path = tmp_path_factory.mktemp("bgzf") / "reads.fq.gz"
    dbp.io.to_bgzf(reads_gz[0], path)
    return path
