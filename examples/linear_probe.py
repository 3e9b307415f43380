"""
Linear probing: frozen embeddings against the k-mer baseline
============================================================

A linear probe asks what a pre-trained model's embeddings already know: the
model is frozen, :class:`deepbiop.hf.PretrainedEmbedder` turns each sequence
into one pooled vector, and a logistic regression is fitted on those vectors.
This example probes a tiny BERT pre-trained here for a few seconds (the
recipe of ``mlm_pretraining.py``), the same architecture untrained, and puts
both beside the k-mer + logistic-regression baseline on the same split.

Expect the probes to sit near chance and the k-mer baseline well above it:
a model pre-trained for seconds on 700 random-background sequences learns
the base frequencies and little else, so its embeddings carry no motif
signal. The printed numbers say so; the same lines probe a real checkpoint
(``load_pretrained("name or directory")``), for which the k-mer baseline is
the bar to beat.
"""

# %%
# The data and the split
# ----------------------
# ``examples/data/motifs.fa``: 1,000 sequences of 200 bp from
# ``python -m deepbiop.datasets`` (seed 0), about half with the motif
# ``TATAATGCGC``. 70% for pre-training and fitting the probes, 30% held out.

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from transformers import (
    BertConfig,
    BertForMaskedLM,
    BertModel,
    DataCollatorForLanguageModeling,
    PrinterCallback,
    Trainer,
    TrainingArguments,
)
from transformers.utils import logging as hf_logging

import deepbiop as dbp
from deepbiop.hf import DeepBioPTokenizer, PretrainedEmbedder, load_pretrained
from deepbiop.io import read_labelled

SEED = 0
# this script's folder (sphinx-gallery runs examples from there, without __file__)
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()
seqs, y = read_labelled(HERE / "data" / "motifs.fa")
seqs = np.asarray(seqs, dtype=object)
train, test = train_test_split(np.arange(len(y)), test_size=0.3, stratify=y, random_state=SEED)
print(f"{len(train)} sequences to pre-train and fit on, {len(test)} held out")

# %%
# Pre-train, save, load back
# --------------------------
# Masked-language modelling on the training sequences (their first 126
# bases), as in ``mlm_pretraining.py``. The model and tokenizer are saved to a
# directory and loaded back with :func:`deepbiop.hf.load_pretrained`, which
# reads the token layout from the saved files and checks it against the
# model's config: the same call loads a published checkpoint.

torch.manual_seed(SEED)
torch.set_num_threads(1)  # a tiny model; one thread also makes runs repeatable
hf_logging.set_verbosity_error()  # e.g. the MLM head that AutoModel leaves out
hf_logging.disable_progress_bar()
tok = DeepBioPTokenizer(model_max_length=128)
encoded = tok(list(seqs[train]), truncation=True, return_special_tokens_mask=True)
dataset = [
    {"input_ids": i, "special_tokens_mask": s}
    for i, s in zip(encoded["input_ids"], encoded["special_tokens_mask"])
]
config = BertConfig(
    vocab_size=tok.vocab_size,
    hidden_size=32,
    num_hidden_layers=1,
    num_attention_heads=2,
    intermediate_size=64,
    max_position_embeddings=128,
    pad_token_id=tok.pad_token_id,
)
with tempfile.TemporaryDirectory() as out:
    trainer = Trainer(
        model=BertForMaskedLM(config),
        args=TrainingArguments(
            output_dir=out,
            max_steps=60,
            per_device_train_batch_size=16,
            learning_rate=5e-3,
            warmup_steps=6,
            logging_steps=1,
            report_to=[],
            save_strategy="no",
            use_cpu=True,
            disable_tqdm=True,
            seed=SEED,
        ),
        train_dataset=dataset,
        data_collator=DataCollatorForLanguageModeling(tok, mlm_probability=0.15),
    )
    trainer.remove_callback(PrinterCallback)
    trainer.train()
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    print(
        f"pre-trained for {len(losses)} MLM steps: loss {np.mean(losses[:5]):.3f} over the "
        f"first 5 steps, {np.mean(losses[-5:]):.3f} over the last 5 (ln 4 = 1.386)"
    )
    trainer.model.save_pretrained(out)
    tok.save_pretrained(out)
    model, loaded_tok = load_pretrained(out)
print(
    f"loaded {type(model).__name__} with layout {loaded_tok.encoder.vocab.name!r} "
    f"(vocab {loaded_tok.vocab_size}, model_max_length {loaded_tok.model_max_length})"
)

# %%
# Probe the frozen model, and an untrained one
# --------------------------------------------
# ``PretrainedEmbedder`` is a scikit-learn transformer: the mean of the last
# hidden state over each sequence's tokens. The 200 bp sequences exceed the
# model's 128 positions, so each is cut into windows whose vectors are
# averaged by token count. The untrained model (same config, random weights)
# shows what the pre-training added.


def probe_accuracy(frozen_model) -> float:
    probe = make_pipeline(
        PretrainedEmbedder(frozen_model, loaded_tok, pooling="mean", batch_size=64),
        StandardScaler(),
        LogisticRegression(max_iter=2000),
    )
    probe.fit(seqs[train], y[train])
    return probe.score(seqs[test], y[test])


probe_acc = probe_accuracy(model)
untrained_acc = probe_accuracy(BertModel(config).eval())

# %%
# The k-mer baseline on the same split
# ------------------------------------

baseline = make_pipeline(
    dbp.KmerEncoder(k=6, canonical="compact", sparse=True, normalize="l2"),
    LogisticRegression(C=10.0, solver="liblinear"),
)
baseline.fit(seqs[train], y[train])
kmer_acc = baseline.score(seqs[test], y[test])

print(f"held-out sequences: {len(test)}, {y[test].mean():.0%} with the motif")
print(f"linear probe accuracy (frozen MLM embeddings): {probe_acc:.3f}")
print(f"linear probe accuracy (untrained model): {untrained_acc:.3f}")
print(f"k-mer baseline accuracy (6-mers + LogisticRegression): {kmer_acc:.3f}")

fig, ax = plt.subplots(figsize=(5, 3.2))
names = ["probe,\npre-trained", "probe,\nuntrained", "6-mers +\nlogistic reg."]
ax.bar(names, [probe_acc, untrained_acc, kmer_acc], color=["tab:blue", "tab:gray", "tab:orange"])
ax.axhline(max(y[test].mean(), 1 - y[test].mean()), color="black", ls="--", label="majority class")
ax.set_ylim(0, 1)
ax.set_ylabel("held-out accuracy")
ax.legend(loc="upper left")
fig.tight_layout()
plt.show()
