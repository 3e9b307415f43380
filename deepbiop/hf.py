"""HuggingFace integration: tokenizers and pre-trained models.

Importing this module imports ``transformers`` (the ``hf`` extra);
``import deepbiop`` never does.

* :class:`DeepBioPTokenizer`: a ``PreTrainedTokenizer`` driven by deepbiop's
  token kernel (:func:`register_auto_tokenizer` makes ``AutoTokenizer`` find it).

Examples
--------
>>> from deepbiop.hf import DeepBioPTokenizer
>>> DeepBioPTokenizer(preset="hyenadna")(["ACGT", "AC"], padding=True)["input_ids"]
[[7, 8, 9, 10, 1], [4, 4, 7, 8, 1]]
"""

from __future__ import annotations

from deepbiop._hf_tokenizer import DeepBioPConfig, DeepBioPTokenizer, register_auto_tokenizer

__all__ = ["DeepBioPTokenizer", "DeepBioPConfig", "register_auto_tokenizer"]
