"""
Train a CNN straight from FASTQ.gz: dataset, workers, augmentation
==================================================================

Reads are streamed from a gzipped FASTQ file by
:class:`deepbiop.torch.FastxDataset` in DataLoader worker processes, augmented
on the fly (random reverse complement, 1% point mutations), and one-hot
encoded a whole batch at a time by :class:`deepbiop.torch.EncodeCollate`; a
one-layer motif CNN learns to spot the reads that carry a planted motif. The
validation accuracy after every epoch is printed and plotted.
"""

# %%
# A training file and a validation file
# -------------------------------------
# ``examples/data/reads.fastq.gz`` holds 2,000 reads of 150 bp made by
# ``python -m deepbiop.datasets``; about half carry the motif ``TATAATGCGC``
# (each base mutated with probability 10%), and each header says which
# (``@read7 label=1``). Real projects keep training and validation reads in
# separate files; here every 5th read goes to a validation file, the rest to a
# training file, both written with dnaio into a temporary directory.

import sys
import tempfile
from pathlib import Path

import dnaio
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
from torch.utils.data import DataLoader

import deepbiop as dbp
from deepbiop.io import HeaderLabel
from deepbiop.torch import EncodeCollate, FastxDataset

SEED = 0
# this script's folder (sphinx-gallery runs examples from there, without __file__)
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()
tmp = tempfile.TemporaryDirectory()
train_path, valid_path = Path(tmp.name) / "train.fastq.gz", Path(tmp.name) / "valid.fastq.gz"
with (
    dnaio.open(HERE / "data" / "reads.fastq.gz") as reads,
    dnaio.open(train_path, mode="w") as train_out,
    dnaio.open(valid_path, mode="w") as valid_out,
):
    n = {"train": 0, "validation": 0}
    for i, record in enumerate(reads):
        (valid_out if i % 5 == 0 else train_out).write(record)
        n["validation" if i % 5 == 0 else "train"] += 1
print(f"{n['train']} training reads, {n['validation']} validation reads")

# %%
# Datasets and loaders
# --------------------
# :class:`~deepbiop.io.HeaderLabel` reads ``label=`` from each header. The
# training set augments every read and shuffles through a 512-read buffer;
# both are seeded, and each worker draws its own stream. Each of the two
# workers opens the file itself and yields its own half of the records, so
# every read is seen once per epoch. ``persistent_workers=True`` keeps the
# workers (their readers and random streams) from one epoch to the next.
#
# The workers are forked on Linux. With ``spawn`` (the default on macOS and
# Windows) each worker would re-run this whole script, which a script without
# a ``main()`` function cannot allow, so there the data are read in the main
# process.

workers = 2 if sys.platform.startswith("linux") else 0
collate = EncodeCollate(dbp.OneHotEncoder("dna", "skip", channels_first=True))


def make_loader(path: Path, train: bool) -> DataLoader:
    augment = dbp.augment.Compose(
        [dbp.augment.RandomReverseComplement(p=0.5), dbp.augment.RandomMutation(0.01)]
    )
    reads = FastxDataset(
        path,
        label_fn=HeaderLabel("label"),
        transform=augment if train else None,
        seed=SEED,
        shuffle_buffer=512 if train else 0,
    )
    return DataLoader(
        reads,
        batch_size=64,
        num_workers=workers,
        persistent_workers=workers > 0,
        multiprocessing_context="fork" if workers else None,
        collate_fn=collate,
    )


train_loader, valid_loader = make_loader(train_path, True), make_loader(valid_path, False)
# what a batch looks like: four reads, read in this process
peek = DataLoader(
    FastxDataset(valid_path, label_fn=HeaderLabel()), batch_size=4, collate_fn=collate
)
for key, value in next(iter(peek)).items():
    print(f"  {key}: {tuple(value.shape)} {value.dtype}" if torch.is_tensor(value) else key)

# %%
# A motif scanner, trained
# ------------------------
# 32 filters as wide as the motif, max-pooled over the read: each filter is a
# learned position weight matrix, and the max asks "does it match anywhere?".

torch.manual_seed(SEED)
torch.set_num_threads(1)  # a tiny model: more threads only contend with the workers
model = nn.Sequential(
    nn.Conv1d(4, 32, kernel_size=10),
    nn.ReLU(),
    nn.AdaptiveMaxPool1d(1),
    nn.Flatten(),
    nn.Linear(32, 2),
)
EPOCHS = 6
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
# the step size decays to zero along a cosine: the last epochs settle instead of jumping
schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS)
history = {"train loss": [], "validation accuracy": []}
for epoch in range(1, EPOCHS + 1):
    model.train()
    total, seen = 0.0, 0
    for batch in train_loader:
        loss = nn.functional.cross_entropy(model(batch["inputs"]), batch["labels"])
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(batch["labels"])
        seen += len(batch["labels"])
    schedule.step()
    model.eval()
    correct = checked = 0
    with torch.no_grad():
        for batch in valid_loader:
            correct += int((model(batch["inputs"]).argmax(1) == batch["labels"]).sum())
            checked += len(batch["labels"])
    history["train loss"].append(total / seen)
    history["validation accuracy"].append(correct / checked)
    print(
        f"epoch {epoch}: train loss {total / seen:.3f} on {seen} reads, "
        f"validation accuracy {correct / checked:.3f} on {checked} reads"
    )
print(f"validation accuracy: {history['validation accuracy'][-1]:.3f}")
tmp.cleanup()

# %%
# The training curve
# ------------------

fig, ax = plt.subplots(figsize=(5, 3.5))
epochs = range(1, len(history["train loss"]) + 1)
ax.plot(epochs, history["train loss"], "o-", label="train loss (augmented reads)")
ax.plot(epochs, history["validation accuracy"], "s-", label="validation accuracy")
ax.set_xlabel("epoch")
ax.set_ylim(0, 1)
ax.legend()
fig.tight_layout()
plt.show()
