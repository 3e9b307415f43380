"""Tiny checkpoints built from configs (nothing is downloaded), one per model
family transformers can build offline, saved with a chosen tokenizer.

``checkpoint(family, preset, tokenizer=...)`` writes a directory as
``model.save_pretrained(d); tokenizer.save_pretrained(d)`` would and returns
its path:

* ``bert``: DNABERT-style ``BertForMaskedLM`` (k-mer vocabularies);
* ``esm``: Nucleotide-Transformer-style ``EsmForMaskedLM`` (absolute
  positions, ``pad_token_id`` 1, ``mask_token_id`` 2);
* ``mamba``: a ``MambaModel`` standing in for the Caduceus / HyenaDNA
  layout (their own classes are remote code, not buildable offline).

``tokenizer`` is ``"deepbiop"`` (``DeepBioPTokenizer.save_pretrained``),
``"hf"`` (the model family's own transformers tokenizer written from the
preset's vocabulary: ``BertTokenizer`` -> ``tokenizer.json``,
``EsmTokenizer`` without ``eos_token``, as the Nucleotide Transformer's, ->
``vocab.txt``) or ``None`` (no tokenizer files).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from deepbiop.hf import DeepBioPTokenizer  # noqa: E402
from deepbiop.vocabularies import PRESETS, default_vocabulary  # noqa: E402

# positions the tiny models take; tokenizers are saved with this model_max_length
MAX_LENGTH = 32
# the size of the BERT and ESM models: 2 layers of width 16
TRANSFORMER = {"hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2}


def _vocab(preset):
    return PRESETS[preset] if preset in PRESETS else default_vocabulary("dna")


def tiny_model(family, vocab, **config):
    """A seeded tiny model of ``family`` for a vocabulary."""
    torch.manual_seed(0)
    pad = vocab.id_of("pad")
    cfg = {"vocab_size": vocab.size, "pad_token_id": pad}
    if family == "bert":
        cfg.update(TRANSFORMER, intermediate_size=32, max_position_embeddings=MAX_LENGTH)
        return transformers.BertForMaskedLM(transformers.BertConfig(**{**cfg, **config}))
    if family == "esm":
        cfg.update(
            TRANSFORMER,
            intermediate_size=32,
            max_position_embeddings=MAX_LENGTH + pad + 1,  # ESM numbers positions from pad + 1
            mask_token_id=vocab.id_of("mask"),
            position_embedding_type="absolute",
            token_dropout=False,
        )
        return transformers.EsmForMaskedLM(transformers.EsmConfig(**{**cfg, **config}))
    if family == "mamba":
        cfg.update(hidden_size=16, state_size=4, num_hidden_layers=1, use_cache=False)
        return transformers.MambaModel(transformers.MambaConfig(**{**cfg, **config}))
    raise ValueError(family)


def save_tokenizer(directory, family, preset, kind, **kwargs):
    vocab = _vocab(preset)
    kwargs.setdefault("model_max_length", MAX_LENGTH)
    if kind == "deepbiop":
        if preset in PRESETS:
            kwargs["preset"] = preset
        DeepBioPTokenizer(**kwargs).save_pretrained(directory)
    elif kind == "hf":
        vocab_file = directory / "source-vocab.txt"
        vocab_file.write_text("\n".join(vocab.tokens) + "\n")
        if family == "esm":
            kwargs.setdefault("eos_token", None)  # as the Nucleotide Transformer's: no <eos>
            tok = transformers.EsmTokenizer(str(vocab_file), **kwargs)
        else:
            tok = transformers.BertTokenizer(str(vocab_file), do_lower_case=False, **kwargs)
        tok.save_pretrained(directory)
        vocab_file.unlink()
    elif kind is not None:
        raise ValueError(kind)


@pytest.fixture
def checkpoint(tmp_path):
    """Factory: ``checkpoint(family, preset, tokenizer="deepbiop", name=..., config=...,
    **tokenizer_kwargs)`` -> the directory."""

    def make(family, preset, tokenizer="deepbiop", name="ckpt", config=None, **tok_kwargs):
        directory = tmp_path / name
        tiny_model(family, _vocab(preset), **(config or {})).save_pretrained(directory)
        save_tokenizer(directory, family, preset, tokenizer, **tok_kwargs)
        return directory

    return make
