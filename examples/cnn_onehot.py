"""
Order matters: a CNN on one-hot DNA beats bag-of-k-mers
=======================================================

A bacterial promoter is not just two boxes somewhere in a read: the ``TTGACA``
box (-35) comes *upstream* of the ``TATAAT`` box (-10), 15 to 19 bases apart.
A bag of k-mers counts which words occur but forgets where, so it cannot tell a
promoter from the same two boxes in the wrong order. A small convolutional
network on one-hot DNA can. This example builds such a task with deepbiop's
seeded generator, one-hot encodes it with :class:`deepbiop.OneHotEncoder`,
and trains a two-layer CNN and a k-mer + logistic-regression baseline on the
same split, printing both held-out accuracies side by side.
"""

# %%
# A promoter-like grammar
# -----------------------
# :func:`deepbiop.datasets.make_motif_sequences` draws the 200 bp background
# (uniform bases, with a few ``N`` and soft-masked lower-case bases, as real
# reads have); we then plant the boxes, each base mutated with probability
# 5%. Half of the reads are promoters (-35 box, spacer, -10 box); the other
# half are decoys: the same two boxes in the *swapped* order (a quarter of all
# reads), or one box alone (an eighth each). Every number below comes from
# ``SEED``.

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

import deepbiop as dbp
from deepbiop.datasets import make_motif_sequences

SEED = 0
BOX_35, BOX_10 = "TTGACA", "TATAAT"
GROUPS = ("promoter", "swapped", "-35 box only", "-10 box only")

rng = np.random.default_rng(SEED)
background, _ = make_motif_sequences(2000, 200, positive_fraction=0.0, seed=SEED)
group = rng.choice(4, size=len(background), p=[0.5, 0.25, 0.125, 0.125])


def plant(seq: list, box: str, start: int) -> None:
    """Write ``box`` into ``seq`` at ``start``, each base mutated with p=0.05."""
    for i, base in enumerate(box):
        seq[start + i] = "ACGT"[rng.integers(4)] if rng.random() < 0.05 else base


seqs = []
for s, g in zip(background, group):
    s = list(s)
    if g in (0, 1):  # both boxes: promoter order, or swapped
        first, second = (BOX_35, BOX_10) if g == 0 else (BOX_10, BOX_35)
        spacer = int(rng.integers(15, 20))
        start = int(rng.integers(0, len(s) - (12 + spacer) + 1))
        plant(s, first, start)
        plant(s, second, start + 6 + spacer)
    else:  # one box alone
        plant(s, BOX_35 if g == 2 else BOX_10, int(rng.integers(0, len(s) - 6 + 1)))
    seqs.append("".join(s))
y = (group == 0).astype(np.int64)
print(f"{len(seqs)} reads of 200 bp, {y.mean():.0%} promoters; e.g. {seqs[0][:60]}...")

# %%
# One-hot encoding, straight into PyTorch
# ---------------------------------------
# ``channels_first=True`` gives the ``(batch, 4, length)`` layout
# :class:`torch.nn.Conv1d` expects; ``"skip"`` encodes ``N`` as an all-zero
# column. :func:`torch.from_numpy` wraps the array without a copy. One split
# (80% train, 20% held out) serves both models.

X = dbp.OneHotEncoder("dna", "skip", channels_first=True).encode_batch(seqs)
inputs, labels = torch.from_numpy(X), torch.from_numpy(y)
order = rng.permutation(len(seqs))
train, test = order[:1600], order[1600:]
print(f"one-hot batch {X.shape} {X.dtype}; train {len(train)}, held out {len(test)}")

# %%
# The bag-of-k-mers baseline
# --------------------------
# Strand-specific 6-mer counts (the boxes sit on one strand) and a logistic
# regression. Promoters and swapped decoys hold the same k-mers, so the best a
# bag of k-mers can do is to reject the reads with a single box (75% at most);
# with mutated boxes among 195 random 6-mers per read it gets less. Other k
# (4, 5) and ``C`` (0.1, 1) do no better here: 0.55 to 0.60. It fits its
# training reads almost perfectly, though: 4,096 columns for 1,600 reads.

seq_array = np.asarray(seqs, dtype=object)
kmer_model = make_pipeline(
    dbp.KmerEncoder(k=6, sparse=True, normalize="l2"),
    LogisticRegression(C=10.0, solver="liblinear"),
)
kmer_model.fit(seq_array[train], y[train])
kmer_pred = kmer_model.predict(seq_array[test])
kmer_acc = float((kmer_pred == y[test]).mean())
print(
    f"k-mer baseline: {kmer_model[0].n_columns:,} columns, "
    f"train accuracy {kmer_model.score(seq_array[train], y[train]):.3f}"
)

# %%
# A CNN that reads the arrangement
# --------------------------------
# The first convolution (7 bp filters) learns box detectors. Max-pooling by 4
# keeps a coarse position, and the second convolution (9 pooled positions,
# about 36 bp) sees which detector fires upstream of which. The global max then
# asks "is there a promoter anywhere in this read?". Batch normalisation gets
# the training off its initial plateau within two or three epochs, whatever
# the seed.

torch.manual_seed(SEED)
torch.set_num_threads(1)  # a tiny model; one thread also makes runs repeatable
torch.use_deterministic_algorithms(True)
model = nn.Sequential(
    nn.Conv1d(4, 32, kernel_size=7, padding=3),
    nn.BatchNorm1d(32),
    nn.ReLU(),
    nn.MaxPool1d(4),
    nn.Conv1d(32, 32, kernel_size=9, padding=4),
    nn.BatchNorm1d(32),
    nn.ReLU(),
    nn.AdaptiveMaxPool1d(1),
    nn.Flatten(),
    nn.Linear(32, 2),
)
EPOCHS = 12
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
# the step size decays to zero along a cosine: the last epochs settle instead of jumping
schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS)
train_t, test_t = torch.from_numpy(train), torch.from_numpy(test)
history = {"train loss": [], "held-out accuracy": []}
for epoch in range(1, EPOCHS + 1):
    model.train()
    perm = train_t[torch.randperm(len(train_t))]
    total = 0.0
    for start in range(0, len(perm), 32):
        idx = perm[start : start + 32]
        loss = nn.functional.cross_entropy(model(inputs[idx]), labels[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(idx)
    schedule.step()
    model.eval()
    with torch.no_grad():
        cnn_pred = model(inputs[test_t]).argmax(1).numpy()
    history["train loss"].append(total / len(perm))
    history["held-out accuracy"].append(float((cnn_pred == y[test]).mean()))
    print(
        f"epoch {epoch:2d}: train loss {history['train loss'][-1]:.4f}, "
        f"held-out accuracy {history['held-out accuracy'][-1]:.3f}"
    )
cnn_acc = history["held-out accuracy"][-1]  # after the last epoch, no picking

# %%
# Side by side
# ------------
# The same held-out reads, split by how they were made. Only the CNN tells a
# promoter from its swapped decoy; the k-mer model is wrong on more than half
# of the swapped reads, and not much better than a coin on the others.

print(f"CNN held-out accuracy: {cnn_acc:.3f}")
print(f"k-mer baseline held-out accuracy: {kmer_acc:.3f}")
print(f"{'reads':<14}{'n':>5}{'CNN':>8}{'k-mers':>8}")
per_group = {}
for g, name in enumerate(GROUPS):
    m = group[test] == g
    per_group[name] = (
        float((cnn_pred[m] == y[test][m]).mean()),
        float((kmer_pred[m] == y[test][m]).mean()),
    )
    print(f"{name:<14}{int(m.sum()):>5}{per_group[name][0]:>8.3f}{per_group[name][1]:>8.3f}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.5))
epochs = range(1, len(history["train loss"]) + 1)
ax1.plot(epochs, history["train loss"], "o-", label="CNN train loss")
ax1.plot(epochs, history["held-out accuracy"], "s-", label="CNN held-out accuracy")
ax1.axhline(kmer_acc, color="grey", ls="--", label="k-mer baseline accuracy")
ax1.set_xlabel("epoch")
ax1.set_ylim(0, 1.05)
ax1.legend(fontsize=8)
ax1.set_title("training")
pos = np.arange(len(GROUPS))
ax2.bar(pos - 0.2, [v[0] for v in per_group.values()], 0.4, label="CNN")
ax2.bar(pos + 0.2, [v[1] for v in per_group.values()], 0.4, label="6-mers + LR")
ax2.set_xticks(pos, GROUPS, fontsize=8)
ax2.set_ylabel("held-out accuracy")
ax2.set_ylim(0, 1.2)
ax2.legend(fontsize=8, loc="upper center", ncol=2)
ax2.set_title("by kind of read")
fig.tight_layout()
plt.show()
