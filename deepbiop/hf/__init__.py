"""HuggingFace integration: tokenizers and pre-trained models.

The names below import ``transformers`` (the ``hf`` extra) and, for models,
``torch`` when first used (``from deepbiop.hf import DeepBioPTokenizer``);
``import deepbiop`` imports neither.

* :class:`DeepBioPTokenizer`: a ``PreTrainedTokenizer`` driven by deepbiop's
  token kernel (:func:`register_auto_tokenizer` makes ``AutoTokenizer`` find it).
* :func:`load_pretrained`: a checkpoint and the tokenizer whose ids match it,
  refused with the difference named when its files disagree.
* :class:`PretrainedEmbedder`: a model's pooled embeddings as a scikit-learn
  transformer (also ``deepbiop.PretrainedEmbedder``).

Examples
--------
>>> from deepbiop.hf import DeepBioPTokenizer
>>> DeepBioPTokenizer(preset="hyenadna")(["ACGT", "AC"], padding=True)["input_ids"]
[[7, 8, 9, 10, 1], [4, 4, 7, 8, 1]]
"""

from __future__ import annotations

__all__ = [
    "DeepBioPTokenizer",
    "DeepBioPConfig",
    "register_auto_tokenizer",
    "load_pretrained",
    "PretrainedEmbedder",
]

# name -> module that defines it, imported on first access (PEP 562), so that
# deepbiop.PretrainedEmbedder (in .embedder) needs no transformers at import
_HOME = {
    "DeepBioPTokenizer": "_tokenizer",
    "DeepBioPConfig": "_tokenizer",
    "register_auto_tokenizer": "_tokenizer",
    "load_pretrained": "pretrained",
    "PretrainedEmbedder": "embedder",
}


def __getattr__(name: str):
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'deepbiop.hf' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"deepbiop.hf.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
