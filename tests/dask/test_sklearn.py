"""A fitted scikit-learn pipeline predicting partition by partition through
dask_ml.wrappers.ParallelPostFit on a LocalCluster: the same predictions as
the pipeline's own predict on all the sequences in one process."""

from __future__ import annotations

import numpy as np
import pytest
from _dask_data import good_files, records
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

import deepbiop as dbp
from deepbiop.dask import read_fastx
from deepbiop.io import parse_label

ParallelPostFit = pytest.importorskip("dask_ml.wrappers").ParallelPostFit


PIPELINES = {
    "compact-5": lambda: dbp.KmerEncoder(k=5, canonical="compact", sparse=True, normalize="l2"),
    "hashed-21": lambda: dbp.KmerEncoder(k=21, canonical=True, n_features=2**18, normalize="l2"),
}


@pytest.fixture(scope="module", params=sorted(PIPELINES))
def fitted(request, datasets):
    recs = records(datasets["plain"])
    seqs = [r.sequence for r in recs]
    y = np.array([parse_label(r.name, "label") for r in recs])
    pipe = make_pipeline(PIPELINES[request.param](), LogisticRegression(max_iter=200))
    return pipe.fit(seqs, y)


@pytest.mark.parametrize("blocksize", [None, 4000])
def test_parallel_post_fit_predicts_like_one_process(client, datasets, fitted, blocksize):
    paths = good_files(datasets)
    seqs = [r.sequence for r in records(paths)]
    model = ParallelPostFit(fitted, predict_meta=np.empty(0, np.int64))
    df = read_fastx(paths, blocksize=blocksize)
    got = model.predict(df[["sequence"]]).compute()
    np.testing.assert_array_equal(np.asarray(got), fitted.predict(seqs))
    proba = ParallelPostFit(fitted, predict_proba_meta=np.empty((0, 2), np.float64))
    got = proba.predict_proba(df[["sequence"]]).compute()
    np.testing.assert_array_equal(np.asarray(got), fitted.predict_proba(seqs))
