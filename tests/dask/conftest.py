"""A real ``distributed.LocalCluster`` (2 worker processes, 1 thread each)
for the tests of deepbiop.dask, started once per session, and small
FASTA/FASTQ files (plain, gzip, BGZF) in every shape the partitioning meets.

Skipped as a whole when dask, distributed or dask-ml is not installed (the
``test`` extra installs them). ``importorskip("dask")`` alone would pass for
this directory, which Python can take as a namespace package named dask.
"""

from __future__ import annotations

import contextlib
import logging
import os

import pytest

pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")
pytest.importorskip("dask_ml.wrappers")

from _dask_data import write_datasets


@contextlib.contextmanager
def environ_kept():
    """Put ``os.environ`` back as it was: a Nanny sets OMP_NUM_THREADS=1 (and
    more, ``distributed.nanny.pre-spawn-environ``) in this process's
    environment whenever it starts a worker, which would change the thread
    counts of every later test and of the processes they start."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(scope="session")
def cluster_client():
    """The session's client of a LocalCluster of 2 worker processes."""
    from distributed import Client, LocalCluster

    with environ_kept():  # the workers start here
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        )
    with cluster, Client(cluster, set_as_default=False) as client:
        yield client


@pytest.fixture
def client(cluster_client):
    """The cluster's client, current for one test: ``dask.compute`` (and so
    every deepbiop.dask function) runs on the cluster."""
    with environ_kept():  # a worker restarted during the test sets it again
        cluster_client.wait_for_workers(2, timeout=60)
        with cluster_client.as_current():
            yield cluster_client


@pytest.fixture(scope="session")
def datasets(tmp_path_factory):
    """``{name: path}`` of the test files (see ``_dask_data.write_datasets``)."""
    return write_datasets(tmp_path_factory.mktemp("fastx"))
