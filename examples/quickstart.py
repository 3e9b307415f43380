"""
Quickstart: k-mers and a logistic regression find a motif
=========================================================

The shortest useful path from a FASTA file to a classifier: read labelled
sequences, turn each one into canonical 6-mer counts with
:class:`deepbiop.KmerEncoder`, cross-validate a scikit-learn logistic
regression, and ask the fitted model which k-mers it relies on. On the bundled
sample data those k-mers spell out the planted motif. Needs only
``pip install deepbiop[io]`` (matplotlib, if installed, draws the figure).
"""

# %%
# Read the sample data
# --------------------
# ``examples/data/motifs.fa`` holds 1,000 DNA sequences of 200 bp made by
# ``python -m deepbiop.datasets`` (seed 0): about half carry the motif
# ``TATAATGCGC`` at a random position, each of its bases mutated with
# probability 10%; a few bases are ``N`` or soft-masked (lower case). The
# label is in each header (``>seq0 label=1``).

from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline

import deepbiop as dbp
from deepbiop.io import read_labelled

SEED = 0
MOTIF = "TATAATGCGC"
# this script's folder (sphinx-gallery runs examples from there, without __file__)
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()
seqs, y = read_labelled(HERE / "data" / "motifs.fa")
print(f"{len(seqs)} sequences, {y.mean():.0%} positive; first: {seqs[0][:50]}...")

# %%
# k-mer counts + logistic regression, cross-validated
# ---------------------------------------------------
# The encoder is a scikit-learn transformer that takes the raw strings, so it
# sits in a pipeline. ``canonical="compact"`` counts a 6-mer and its reverse
# complement together (2,080 columns; the motif may sit on either strand),
# ``sparse=True`` returns a SciPy CSR matrix and ``normalize="l2"`` scales each
# row to unit length.

pipe = make_pipeline(
    dbp.KmerEncoder(k=6, canonical="compact", sparse=True, normalize="l2"),
    LogisticRegression(C=1.0, solver="liblinear"),
)
cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
scores = cross_val_score(pipe, seqs, y, cv=cv, scoring="accuracy")
print(f"5-fold accuracy: {scores.mean():.3f} +- {scores.std():.3f}")

# %%
# Which k-mers does the model use?
# --------------------------------
# Fitted on all sequences, the largest coefficients belong to 6-mers of the
# motif (or of its reverse complement, ``GCGCATTATA``):
# ``get_feature_names_out()`` names the columns.


def revcomp(s: str) -> str:
    return s[::-1].translate(str.maketrans("ACGT", "TGCA"))


def in_motif(kmer: str) -> bool:
    return kmer in MOTIF or kmer in revcomp(MOTIF)


pipe.fit(seqs, y)
coef = pipe[-1].coef_[0]
names = pipe[0].get_feature_names_out()
top = np.argsort(coef)[::-1][:8]
for i in top:
    print(f"  {names[i]}  {coef[i]:+.2f}  {'in the motif' if in_motif(names[i]) else ''}")
hits = sum(in_motif(names[i]) for i in top[:5])
print(f"top 5 k-mers in the motif: {hits} of 5")

# %%
# The coefficients as a picture
# -----------------------------
# The 10 most positive and the 10 most negative coefficients; orange bars are
# 6-mers of the motif. The negative side is noise: no k-mer marks the
# sequences *without* a motif.

try:
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
    print("matplotlib is not installed: no figure (pip install matplotlib)")

if plt is not None:
    idx = np.concatenate([np.argsort(coef)[:10], np.argsort(coef)[-10:]])
    fig, ax = plt.subplots(figsize=(5, 5))
    colors = ["tab:orange" if in_motif(names[i]) else "tab:blue" for i in idx]
    ax.barh(np.arange(len(idx)), coef[idx], color=colors)
    ax.set_yticks(np.arange(len(idx)), names[idx], fontfamily="monospace", fontsize=8)
    ax.axvline(0, color="black", lw=0.5)
    ax.set_xlabel("logistic-regression coefficient")
    ax.set_title(f"6-mers that weigh most (orange: in {MOTIF})")
    fig.tight_layout()
    plt.show()
