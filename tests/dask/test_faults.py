"""A worker process killed in the middle of a task (SIGKILL, as by the OOM
killer) on the LocalCluster: the nanny restarts it, the scheduler runs the
task again elsewhere, and the result is still exactly the one-process one."""

from __future__ import annotations

import numpy as np
from _dask_data import good_files, records
from _dask_faults import die_once

import deepbiop as dbp
from deepbiop.dask import encode, kmer_spectrum, read_fastx


def test_encoding_survives_a_killed_worker(client, datasets, tmp_path):
    paths = good_files(datasets)
    df = read_fastx(paths, blocksize=4000)
    marker = tmp_path / "killed"
    doomed = df.map_partitions(die_once, str(marker), 2, meta=df._meta)
    enc = dbp.OneHotEncoder(max_length=80, dtype="uint8")
    got = encode(doomed, enc).compute()
    assert marker.exists()  # a worker did die in the middle of partition 2
    np.testing.assert_array_equal(got, enc.encode_batch([r.sequence for r in records(paths)]))
    client.wait_for_workers(2, timeout=60)


def test_spectrum_survives_a_killed_worker(client, datasets, tmp_path):
    paths = good_files(datasets)
    df = read_fastx(paths, blocksize=4000)
    marker = tmp_path / "killed"
    doomed = df.map_partitions(die_once, str(marker), 5, meta=df._meta)
    got = kmer_spectrum(doomed, 21, canonical=True, split_every=2)
    assert marker.exists()
    want = dbp.kmer_spectrum_file(paths, k=21, canonical=True)
    np.testing.assert_array_equal(got.codes, want.codes)
    np.testing.assert_array_equal(got.counts, want.counts)
    client.wait_for_workers(2, timeout=60)
