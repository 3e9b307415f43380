"""K-mers of length 21 + a linear classifier, with hashed columns.

A 21-mer has ``4**21`` (4.4 trillion) possible columns: ``KmerEncoder(k=21,
sparse=True)`` builds such rows, but a model cannot hold a coefficient per
column. Two ways out, both shown here on 1,000 seeded 200 bp reads, half of
them carrying a 32 bp adapter fragment with 3% substitutions:

* ``n_features=2**20``: the 21-mers are hashed in the kernel to 2**20 columns
  (scikit-learn's ``HashingVectorizer`` answer, with alternating signs). The
  encoder stays stateless: every batch, file or dask partition gets the same
  columns without a fit.
* ``min_count=2``: ``fit`` keeps the 21-mers seen at least twice (a
  vocabulary learned from the training folds).

Each is cross-validated (5 folds) with a logistic regression; accuracy, AUROC
and the width of the matrix are printed. With dask installed, the fitted
hashed pipeline then predicts a FASTA file partition by partition through
``dask_ml.wrappers.ParallelPostFit`` (``deepbiop.dask.read_fastx``) and the
predictions are checked equal to the one-process ones. Runs in seconds.
"""

from __future__ import annotations

import os
import tempfile
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline

import deepbiop as dbp
from deepbiop.datasets import make_motif_sequences, write_fasta

ADAPTER = "AGATCGGAAGAGCACACGTCTGAACTCCAGTC"  # the start of the Illumina TruSeq adapter


def encoders() -> dict:
    return {
        "hashed, n_features=2**20": dbp.KmerEncoder(
            k=21, canonical=True, n_features=2**20, normalize="l2"
        ),
        "vocabulary, min_count=2": dbp.KmerEncoder(
            k=21, canonical=True, sparse=True, min_count=2, normalize="l2"
        ),
    }


def predict_on_dask(pipe, seqs: list[str], y: np.ndarray) -> None:
    try:
        from dask_ml.wrappers import ParallelPostFit

        from deepbiop.dask import read_fastx
    except ImportError:
        print("dask not installed (pip install -e '.[dask]'): no partitioned prediction")
        return
    path = os.path.join(tempfile.mkdtemp(), "reads.fa")
    write_fasta(path, seqs, y)
    frame = read_fastx(path, blocksize=40_000)  # several partitions of one file
    model = ParallelPostFit(pipe, predict_meta=np.empty(0, np.int64))
    got = model.predict(frame[["sequence"]]).compute(scheduler="threads")
    same = np.array_equal(np.asarray(got), pipe.predict(seqs))
    print(
        f"dask: {frame.npartitions} partitions predicted with ParallelPostFit; "
        f"equal to one process: {same}"
    )


def main() -> dict:
    seqs, y = make_motif_sequences(1000, 200, motif=ADAPTER, motif_mutation_rate=0.03, seed=0)
    print(f"{len(seqs)} reads of 200 bp, {y.mean():.0%} with the adapter fragment")
    print(f"exact 21-mer columns: {dbp.KmerEncoder(k=21).n_columns:,} (a coefficient each)")
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    scores = {}
    print(f"{'encoder':<26}{'columns':>11}{'accuracy':>17}{'AUROC':>17}{'s':>6}")
    for name, enc in encoders().items():
        pipe = make_pipeline(enc, LogisticRegression(C=10.0, solver="liblinear"))
        t0 = time.perf_counter()
        res = cross_validate(pipe, seqs, y, cv=cv, scoring=("accuracy", "roc_auc"))
        seconds = time.perf_counter() - t0
        acc, auc = res["test_accuracy"], res["test_roc_auc"]
        width = pipe.fit(seqs, y)[0].transform(seqs[:1]).shape[1]
        scores[name] = (float(acc.mean()), float(auc.mean()))
        print(
            f"{name:<26}{width:>11,}{acc.mean():>9.3f} +- {acc.std():.3f}"
            f"{auc.mean():>9.3f} +- {auc.std():.3f}{seconds:>6.1f}"
        )
    hashed = make_pipeline(encoders()["hashed, n_features=2**20"], LogisticRegression(C=10.0))
    predict_on_dask(hashed.fit(seqs, y), seqs, y)
    return scores


if __name__ == "__main__":
    main()
