"""Masked-language-model pre-training steps with the HuggingFace ``Trainer``.

Reads ``examples/data/motifs.fa``, tokenises it with
``deepbiop.hf.DeepBioPTokenizer`` (a ``PreTrainedTokenizer`` driven by
deepbiop's kernel), lets ``DataCollatorForLanguageModeling`` mask 15% of the
bases (never [CLS]/[SEP]/[PAD]) and runs a few ``Trainer`` steps on a tiny
``BertForMaskedLM`` built from a config (nothing is downloaded). Prints the
loss of every step; the tokenizer is saved and reloaded through
``AutoTokenizer`` to show the round trip. Runs in seconds on a CPU.

``--output-dir DIR`` (or ``main(output_dir=DIR)``) also saves the model and
its tokenizer there, a directory ``deepbiop.hf.load_pretrained`` loads back
(``examples/linear_probe.py`` does); ``--max-steps N`` sets the step count.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import torch
from transformers import (
    AutoTokenizer,
    BertConfig,
    BertForMaskedLM,
    DataCollatorForLanguageModeling,
    Trainer,
    TrainingArguments,
)

from deepbiop.hf import DeepBioPTokenizer, register_auto_tokenizer
from deepbiop.io import read_labelled

DATA = Path(__file__).parent / "data" / "motifs.fa"


def main(max_steps: int = 12, output_dir: str | None = None) -> list:
    torch.set_num_threads(1)
    seqs, _ = read_labelled(DATA)
    tok = DeepBioPTokenizer(model_max_length=128)  # first 126 bases + [CLS]/[SEP]
    encoded = tok(seqs, truncation=True, return_special_tokens_mask=True)
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
    model = BertForMaskedLM(config)
    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(
            output_dir=out,
            max_steps=max_steps,
            per_device_train_batch_size=16,
            learning_rate=5e-3,
            logging_steps=1,
            report_to=[],
            save_strategy="no",
            use_cpu=True,
            disable_tqdm=True,
            seed=0,
        )
        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=dataset,
            data_collator=DataCollatorForLanguageModeling(tok, mlm_probability=0.15),
        )
        trainer.train()
        losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
        for step, loss in enumerate(losses, 1):
            print(f"step {step}: loss {loss:.4f}")
        print(
            f"mean loss, first 3 steps {np.mean(losses[:3]):.4f}; "
            f"last 3 steps {np.mean(losses[-3:]):.4f}"
        )

        tok.save_pretrained(out)
        register_auto_tokenizer()
        again = AutoTokenizer.from_pretrained(out)
        same = again(seqs[:8])["input_ids"] == tok(seqs[:8])["input_ids"]
        print(f"AutoTokenizer reload: {type(again).__name__}, identical ids: {same}")
    if output_dir is not None:
        model.save_pretrained(output_dir)
        tok.save_pretrained(output_dir)
        print(f"model and tokenizer saved to {output_dir}")
    return losses


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output-dir", help="save the model and tokenizer here")
    parser.add_argument("--max-steps", type=int, default=12)
    args = parser.parse_args()
    main(max_steps=args.max_steps, output_dir=args.output_dir)
