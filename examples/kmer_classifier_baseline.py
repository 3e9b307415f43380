"""
The k-mer baseline: how long should the k-mers be?
==================================================

Before any deep model, fit the baseline it has to beat: k-mer counts and a
logistic regression. This example cross-validates
``KmerEncoder(k, canonical="compact", sparse=True, normalize="l2")`` +
``LogisticRegression`` for several k on the bundled sample data, prints
accuracy and AUROC for each, then looks inside the best model: which k-mers
it weighs most (they should spell out the planted motif) and where it errs.
"""

# %%
# The data and the candidate k
# ----------------------------
# ``examples/data/motifs.fa``: 1,000 sequences of 200 bp from
# ``python -m deepbiop.datasets`` (seed 0), about half with the motif
# ``TATAATGCGC`` (each base mutated with probability 10%), labels in the
# headers. Short k-mers are common in every sequence and say little; long ones
# are specific but rare. Sparse output keeps long k cheap: k=8 has 32,896
# canonical columns, but a 200 bp row has at most 193 non-zeros.

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import StratifiedKFold, cross_val_predict, cross_validate
from sklearn.pipeline import Pipeline

import deepbiop as dbp
from deepbiop.io import read_labelled

SEED = 0
MOTIF = "TATAATGCGC"
KS = (3, 4, 5, 6, 7, 8)
# this script's folder (sphinx-gallery runs examples from there, without __file__)
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()
seqs, y = read_labelled(HERE / "data" / "motifs.fa")
print(f"{len(seqs)} sequences, {y.mean():.0%} positive")


def make_pipeline(k: int) -> Pipeline:
    return Pipeline(
        [
            ("kmers", dbp.KmerEncoder(k=k, canonical="compact", sparse=True, normalize="l2")),
            ("clf", LogisticRegression(C=10.0, solver="liblinear")),
        ]
    )


# %%
# Cross-validate every k
# ----------------------
# The same 5 stratified folds for every k, so the scores compare.

cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
scores = {}
for k in KS:
    res = cross_validate(make_pipeline(k), seqs, y, cv=cv, scoring=("accuracy", "roc_auc"))
    acc, auc = res["test_accuracy"], res["test_roc_auc"]
    scores[k] = (acc.mean(), auc.mean())
    n_cols = dbp.KmerEncoder(k=k, canonical="compact").n_columns
    print(
        f"k={k}: {n_cols:>6,} columns, accuracy {acc.mean():.3f} +- {acc.std():.3f}, "
        f"AUROC {auc.mean():.3f} +- {auc.std():.3f}"
    )
best_k = max(scores, key=lambda k: scores[k][1])
print(f"best k by AUROC: {best_k}")

# %%
# What the best model learned
# ---------------------------
# Fitted on all sequences; ``get_feature_names_out()`` names the columns
# (for large k only the requested ones are spelled out). A canonical k-mer is
# named by the smaller of itself and its reverse complement, so a motif k-mer
# may appear reverse-complemented.


def revcomp(s: str) -> str:
    return s[::-1].translate(str.maketrans("ACGT", "TGCA"))


def in_motif(kmer: str) -> bool:
    return kmer in MOTIF or kmer in revcomp(MOTIF)


pipe = make_pipeline(best_k).fit(seqs, y)
coef = pipe["clf"].coef_[0]
order = np.argsort(coef)
top = order[::-1][:8]
names = pipe["kmers"].get_feature_names_out()[top]
for name, c in zip(names, coef[top]):
    print(f"  {name}  {c:+.3f}  {'in the motif' if in_motif(name) else ''}")
print(f"top 8 k-mers in the motif: {sum(in_motif(n) for n in names)} of 8")

# %%
# Pictures: score against k, the weights, the errors
# --------------------------------------------------
# Left: cross-validated accuracy and AUROC against k. Middle: the largest
# positive and negative coefficients of the best k (orange: k-mers of the
# motif). Right: the confusion matrix of the cross-validated predictions; most
# errors are motif sequences called negative, those whose motif copy carries
# mutations.

pred = cross_val_predict(make_pipeline(best_k), seqs, y, cv=cv)
print(f"cross-validated accuracy of k={best_k}: {(pred == y).mean():.3f}")
fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(12, 3.8))
ax1.plot(KS, [scores[k][0] for k in KS], "o-", label="accuracy")
ax1.plot(KS, [scores[k][1] for k in KS], "s-", label="AUROC")
ax1.set_xlabel("k")
ax1.set_ylabel("5-fold CV score")
ax1.legend()
idx = np.concatenate([order[:6], order[-8:]])
all_names = pipe["kmers"].get_feature_names_out()[idx]
ax2.barh(
    np.arange(len(idx)),
    coef[idx],
    color=["tab:orange" if in_motif(n) else "tab:blue" for n in all_names],
)
ax2.set_yticks(np.arange(len(idx)), all_names, fontfamily="monospace", fontsize=8)
ax2.axvline(0, color="black", lw=0.5)
ax2.set_xlabel(f"coefficient (k={best_k})")
ConfusionMatrixDisplay.from_predictions(
    y, pred, display_labels=["no motif", "motif"], ax=ax3, colorbar=False
)
ax3.set_title("cross-validated predictions")
fig.tight_layout()
plt.show()
