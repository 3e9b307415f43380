"""
Masked-language-model pre-training with the HuggingFace Trainer
===============================================================

Pre-train a tiny BERT on DNA the way DNA language models are made: the reads
are tokenised by :class:`deepbiop.hf.DeepBioPTokenizer` (a
``PreTrainedTokenizer`` driven by deepbiop's kernel), HuggingFace's
``DataCollatorForLanguageModeling`` masks 15% of the bases (never
``[CLS]``/``[SEP]``/``[PAD]``), and ``Trainer`` runs the optimisation. The
model is built from a config, so nothing is downloaded. The loss per step is
printed and plotted, and the tokenizer is saved and reloaded through
``AutoTokenizer`` to check the round trip.

``python examples/mlm_pretraining.py --output-dir DIR`` also saves the model
and its tokenizer in ``DIR``, a directory ``deepbiop.hf.load_pretrained``
loads back; ``--max-steps N`` sets the number of steps.
"""

# %%
# Tokenise the reads
# ------------------
# ``examples/data/motifs.fa`` holds 1,000 sequences of 200 bp (from
# ``python -m deepbiop.datasets``, seed 0). One token per base; with
# ``model_max_length=128`` each read is cut to its first 126 bases plus
# ``[CLS]`` and ``[SEP]``. ``special_tokens_mask`` tells the collator which
# tokens it must never mask.

import argparse
import math
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from transformers import (
    AutoTokenizer,
    BertConfig,
    BertForMaskedLM,
    DataCollatorForLanguageModeling,
    PrinterCallback,
    Trainer,
    TrainingArguments,
)
from transformers.utils import logging as hf_logging

from deepbiop.hf import DeepBioPTokenizer, register_auto_tokenizer
from deepbiop.io import read_labelled

SEED = 0
parser = argparse.ArgumentParser(description="MLM pre-training of a tiny BERT on DNA")
parser.add_argument("--output-dir", help="save the model and tokenizer here")
parser.add_argument("--max-steps", type=int, default=60)
# parse_known_args: in a notebook, sys.argv holds the kernel's own arguments
args, _ = parser.parse_known_args()

# this script's folder (sphinx-gallery runs examples from there, without __file__)
HERE = Path(__file__).parent if "__file__" in globals() else Path.cwd()
seqs, _ = read_labelled(HERE / "data" / "motifs.fa")
tok = DeepBioPTokenizer(model_max_length=128)
encoded = tok(seqs, truncation=True, return_special_tokens_mask=True)
dataset = [
    {"input_ids": i, "special_tokens_mask": s}
    for i, s in zip(encoded["input_ids"], encoded["special_tokens_mask"])
]
print(f"{len(dataset)} reads, {len(dataset[0]['input_ids'])} tokens each; vocab {tok.vocab_size}")
print("first tokens:", tok.convert_ids_to_tokens(dataset[0]["input_ids"][:8]))

# %%
# A tiny BERT and the Trainer
# ---------------------------
# One layer of 32 dimensions. The learning rate warms up over the first 10% of
# the steps and then decays linearly; ``seed`` makes the masking and the
# batches repeatable.

torch.manual_seed(SEED)  # the model is built before the Trainer seeds
torch.set_num_threads(1)  # a tiny model; one thread also makes runs repeatable
hf_logging.set_verbosity_error()
hf_logging.disable_progress_bar()
config = BertConfig(
    vocab_size=tok.vocab_size,
    hidden_size=32,
    num_hidden_layers=1,
    num_attention_heads=2,
    intermediate_size=64,
    max_position_embeddings=128,
    pad_token_id=tok.pad_token_id,
)
model = BertForMaskedLM(config)
with tempfile.TemporaryDirectory() as scratch:
    trainer = Trainer(
        model=model,
        args=TrainingArguments(
            output_dir=scratch,
            max_steps=args.max_steps,
            per_device_train_batch_size=16,
            learning_rate=5e-3,
            warmup_steps=args.max_steps // 10,
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
    trainer.remove_callback(PrinterCallback)  # its raw log dicts; the loss is printed below
    trainer.train()
losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
for step in range(0, len(losses), 10):
    print(f"step {step + 1:3d}: loss {losses[step]:.3f}")

# %%
# What the loss says
# ------------------
# At the start the model guesses among all 9 token ids (loss near
# ln 9 = 2.20). Apart from the planted motif these reads are uniformly random
# bases, so no model can do much better than ln 4 = 1.386 on them: reaching it
# means the model has learned what there is to learn here, the base
# distribution. (The loss can dip a little below ln 4, because the collator
# leaves 10% of the chosen positions unmasked and the model sees their base.)
# On a real genome the loss would keep falling as the model picks up its
# structure.

first, last = np.mean(losses[:5]), np.mean(losses[-5:])
print(f"MLM loss, mean of the first 5 steps: {first:.3f}")
print(f"MLM loss, mean of the last 5 steps: {last:.3f} (ln 4 = {math.log(4):.3f})")

fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(np.arange(1, len(losses) + 1), losses, label="masked-token loss")
ax.axhline(math.log(4), color="grey", ls="--", label="ln 4: random bases")
ax.axhline(math.log(tok.vocab_size), color="grey", ls=":", label="ln 9: a guess among all ids")
ax.set_xlabel("step")
ax.set_ylabel("cross-entropy")
ax.legend()
fig.tight_layout()

# %%
# Save, and reload through AutoTokenizer
# --------------------------------------
# ``save_pretrained`` writes the tokenizer's files;
# :func:`deepbiop.hf.register_auto_tokenizer` lets ``AutoTokenizer`` find the
# class again. The reloaded tokenizer must give the same ids.

with tempfile.TemporaryDirectory() as saved:
    tok.save_pretrained(saved)
    register_auto_tokenizer()
    again = AutoTokenizer.from_pretrained(saved)
    same = (
        again(seqs[:8], truncation=True)["input_ids"] == tok(seqs[:8], truncation=True)["input_ids"]
    )
print(f"AutoTokenizer reload: {type(again).__name__}, identical ids: {same}")
if args.output_dir is not None:
    model.save_pretrained(args.output_dir)
    tok.save_pretrained(args.output_dir)
    print(f"model and tokenizer saved to {args.output_dir}")
plt.show()
