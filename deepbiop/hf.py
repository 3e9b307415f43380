"""HuggingFace integration: tokenizers and pre-trained models.

Importing this module imports ``transformers`` (the ``hf`` extra) and, through
:func:`load_pretrained`, ``torch``; ``import deepbiop`` imports neither.

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

from deepbiop._hf_tokenizer import DeepBioPConfig, DeepBioPTokenizer, register_auto_tokenizer
from deepbiop.embedder import PretrainedEmbedder
from deepbiop.pretrained import load_pretrained

__all__ = [
    "DeepBioPTokenizer",
    "DeepBioPConfig",
    "register_auto_tokenizer",
    "load_pretrained",
    "PretrainedEmbedder",
]
