"""A small BERT classifier on transformer-ready ids: the spec's Use Case 3
without any remapping.

Reads ``examples/data/motifs.fa`` (1,000 seeded 200 bp DNA sequences, half
with a planted ``TATAATGCGC`` motif; soft-masked bases and ``N`` included),
turns them into ``input_ids``/``attention_mask`` with
``TransformerEncoder("dna", add_special_tokens=True, k=3, stride=3)``
(non-overlapping 3-mers, so a 200 bp sequence is 68 tokens; [CLS] first,
[SEP] after each sequence's last token, a 3-mer holding N -> [UNK]), builds a tiny
``BertForSequenceClassification`` from a config (nothing is downloaded) and
trains it for a few epochs on the CPU. Prints the vocabulary, the training
loss per epoch and the held-out accuracy; runs in seconds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from transformers import BertConfig, BertForSequenceClassification

import deepbiop as dbp
from deepbiop.io import read_labelled

DATA = Path(__file__).parent / "data" / "motifs.fa"


def main(epochs: int = 6, batch_size: int = 50, n_train: int = 500) -> float:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    seqs, y = read_labelled(DATA)
    encoder = dbp.TransformerEncoder("dna", add_special_tokens=True, k=3, stride=3, max_length=128)
    batch = encoder(seqs, return_tensors="pt")  # int64, shares memory
    ids, mask = batch["input_ids"], batch["attention_mask"]
    labels = torch.as_tensor(np.asarray(y), dtype=torch.long)
    print(f"vocab_size: {encoder.vocab_size} (5 special tokens + 64 3-mers)")
    print(f"input_ids {tuple(ids.shape)} {ids.dtype}, first row starts {ids[0, :6].tolist()}")

    config = BertConfig(
        vocab_size=encoder.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        num_labels=2,
        pad_token_id=encoder.get_vocab()["[PAD]"],
    )
    model = BertForSequenceClassification(config)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    order = torch.randperm(len(seqs))
    train, test = order[:n_train], order[n_train : n_train + 200]
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for start in range(0, n_train, batch_size):
            idx = train[start : start + batch_size]
            out = model(input_ids=ids[idx], attention_mask=mask[idx], labels=labels[idx])
            opt.zero_grad()
            out.loss.backward()
            opt.step()
            total += out.loss.item() * len(idx)
        print(f"epoch {epoch + 1}: loss {total / n_train:.4f}")
    model.eval()
    with torch.no_grad():
        pred = model(input_ids=ids[test], attention_mask=mask[test]).logits.argmax(-1)
    acc = (pred == labels[test]).float().mean().item()
    print(f"held-out accuracy: {acc:.3f} on {len(test)} sequences")
    return acc


if __name__ == "__main__":
    main()
