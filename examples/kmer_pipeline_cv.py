"""
Tuning k and regularisation with GridSearchCV
=============================================

:class:`deepbiop.KmerEncoder` is a stateless scikit-learn transformer that
takes raw sequences, so k is a hyperparameter like any other: this example
puts the encoder and a logistic regression in one ``Pipeline`` and lets
``GridSearchCV`` choose k and the regularisation strength ``C`` by
cross-validation on a training split. The chosen pipeline is then scored once
on sequences it has never seen, which is the number to report.
"""

# %%
# Hold out a test set first
# -------------------------
# ``examples/data/motifs.fa``: 1,000 sequences of 200 bp from
# ``python -m deepbiop.datasets`` (seed 0), about half with the motif
# ``TATAATGCGC`` (each base mutated with probability 10%). 20% are set aside
# before any tuning; choosing k on them too would make the final score
# optimistic.

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline

import deepbiop as dbp
from deepbiop.io import read_labelled

SEED = 0
# this script's folder (sphinx-gallery runs examples from there, without __file__)
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()
seqs, y = read_labelled(HERE / "data" / "motifs.fa")
seqs_train, seqs_test, y_train, y_test = train_test_split(
    seqs, y, test_size=0.2, random_state=SEED, stratify=y
)
print(f"{len(seqs_train)} sequences to tune on, {len(seqs_test)} held out")

# %%
# The pipeline and the grid
# -------------------------
# Parameters of a pipeline step are addressed as ``step__param``; the
# encoder's step is named ``kmerencoder`` by ``make_pipeline``. Every
# candidate is refitted on each of 5 folds: ``GridSearchCV`` clones the
# encoder freely, as it holds no fitted state.

pipe = make_pipeline(
    dbp.KmerEncoder(k=5, canonical="compact", sparse=True, normalize="l2"),
    LogisticRegression(solver="liblinear"),
)
grid = {"kmerencoder__k": [4, 5, 6, 7], "logisticregression__C": [0.1, 1.0, 10.0]}
cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
search = GridSearchCV(pipe, grid, cv=cv, scoring="accuracy").fit(seqs_train, y_train)
for params, mean, std in zip(
    search.cv_results_["params"],
    search.cv_results_["mean_test_score"],
    search.cv_results_["std_test_score"],
):
    k, C = params["kmerencoder__k"], params["logisticregression__C"]
    print(f"  k={k}, C={C:<4}: CV accuracy {mean:.3f} +- {std:.3f}")

# %%
# The choice, scored once on the held-out sequences
# -------------------------------------------------
# ``GridSearchCV`` refits the best candidate on all training sequences.

best = search.best_params_
print(
    f"best: k={best['kmerencoder__k']}, C={best['logisticregression__C']} "
    f"(CV accuracy {search.best_score_:.3f})"
)
print(f"held-out accuracy: {search.score(seqs_test, y_test):.3f} on {len(seqs_test)} sequences")

# %%
# The grid as a picture
# ---------------------
# Mean CV accuracy for every (k, C). Short k-mers are too common to single out
# the motif; long ones are too rare to be seen often enough in 800 sequences.
# The best ``C`` moves with k (the number of columns grows fourfold per base),
# which is why the two are tuned together rather than one after the other.

scores = search.cv_results_["mean_test_score"].reshape(len(grid["kmerencoder__k"]), -1)
fig, ax = plt.subplots(figsize=(4.5, 3.8))
im = ax.imshow(scores, cmap="viridis")
ax.set_xticks(np.arange(scores.shape[1]), grid["logisticregression__C"])
ax.set_yticks(np.arange(scores.shape[0]), grid["kmerencoder__k"])
ax.set_xlabel("C")
ax.set_ylabel("k")
middle = (scores.min() + scores.max()) / 2
for (i, j), v in np.ndenumerate(scores):
    color = "black" if v > middle else "white"  # readable on bright and dark cells
    ax.text(j, i, f"{v:.3f}", ha="center", va="center", color=color, fontsize=8)
fig.colorbar(im, label="5-fold CV accuracy")
ax.set_title("GridSearchCV over k and C")
fig.tight_layout()
plt.show()
