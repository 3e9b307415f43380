"""Load a pre-trained DNA language model together with the tokenizer whose
ids it was trained on (public as ``deepbiop.hf.load_pretrained``).

Importing this module imports ``torch`` and ``transformers``; ``import
deepbiop`` never does. The checkpoint's files are checked against the layout
before any weight is read (see :mod:`deepbiop.hf._checkpoint_layout`).
"""

from __future__ import annotations

import os
from typing import Any

import torch
from transformers import AutoModel, AutoModelForMaskedLM, AutoModelForSequenceClassification

from deepbiop.hf._checkpoint_files import position_limit, read_checkpoint, saved_max_length
from deepbiop.hf._checkpoint_layout import checkpoint_layout
from deepbiop.hf._tokenizer import DeepBioPTokenizer

__all__ = ["load_pretrained", "TASKS"]

#: ``task`` -> the transformers auto class that loads the model.
TASKS = {
    "embedding": AutoModel,
    "mlm": AutoModelForMaskedLM,
    "classification": AutoModelForSequenceClassification,
}
# transformers' model_max_length for "no limit"
_UNLIMITED = int(1e30)


def torch_dtype(dtype: Any) -> Any:
    """``dtype`` as a floating ``torch.dtype`` (or None / ``"auto"`` unchanged).

    Raises
    ------
    ValueError
        Naming the value when it is not a floating torch dtype or its name.
    """
    if dtype is None or dtype == "auto" or isinstance(dtype, torch.dtype):
        value = dtype
    else:
        value = getattr(torch, str(dtype), None) if isinstance(dtype, str) else None
    if value not in (None, "auto") and not (
        isinstance(value, torch.dtype) and value.is_floating_point
    ):
        raise ValueError(
            f"dtype must be a floating torch dtype or its name ('float32', 'float16', "
            f"'bfloat16'), 'auto' or None; got {dtype!r}"
        )
    return value


def load_pretrained(
    name_or_path: str | os.PathLike,
    *,
    preset: str | None = None,
    task: str = "embedding",
    device: str | torch.device | None = None,
    dtype: str | torch.dtype | None = None,
    trust_remote_code: bool = False,
    **hf_kwargs: Any,
) -> tuple[Any, DeepBioPTokenizer]:
    """A model and the :class:`~deepbiop.hf.DeepBioPTokenizer` giving its ids.

    Parameters
    ----------
    name_or_path : str or path
        A directory written by ``save_pretrained``, or a hub name (fetched by
        transformers as usual).
    preset : str or None, default=None
        The layout to check the checkpoint against (``"dnabert-6"``,
        ``"nucleotide-transformer"``, ``"hyenadna"``, ``"caduceus"``, ...);
        ``None`` picks it from the checkpoint's files (see Notes).
    task : {"embedding", "mlm", "classification"}, default="embedding"
        Loads ``AutoModel``, ``AutoModelForMaskedLM`` or
        ``AutoModelForSequenceClassification``.
    device : str, torch.device or None, default=None
        Where to move the model; None leaves it where transformers put it.
    dtype : str, torch.dtype or None, default=None
        Weight dtype (``"float16"``, ``torch.bfloat16``, ``"auto"``...);
        None uses transformers' default.
    trust_remote_code : bool, default=False
        Needed for models whose code lives in the checkpoint (HyenaDNA,
        Caduceus, Nucleotide Transformer v2).
    **hf_kwargs
        Passed to ``from_pretrained`` (``revision``, ``num_labels``, ...);
        the hub arguments (``revision``, ``token``, ``cache_dir``,
        ``subfolder``...) also locate the tokenizer files.

    Returns
    -------
    model : transformers.PreTrainedModel
        In evaluation mode.
    tokenizer : DeepBioPTokenizer
        With the checkpoint's layout, its ``model_max_length`` (else the
        model's position limit) and the layout's padding side.

    Raises
    ------
    ValueError
        An unknown ``task``/``dtype``/``preset``; a checkpoint whose files
        disagree with the layout (each difference named: a token's id in
        ``vocab.txt``/``tokenizer.json``, a special token, ``vocab_size``,
        ``pad_token_id``, the padding side, ``model_max_length`` beyond the
        model's positions, ...); no layout or several different ones fitting.
        Nothing is loaded in these cases.
    OSError
        A path that is not a directory (and transformers' own errors).

    Notes
    -----
    How the layout is chosen: a directory saved by ``DeepBioPTokenizer``
    names it in ``tokenizer_config.json``; otherwise each preset (and
    deepbiop's one-token-per-base layouts) is compared with every vocabulary
    listing (``vocab.txt``, ``tokenizer.json``, ``vocab.json``, added
    tokens), the special tokens of ``tokenizer_config.json`` and
    ``special_tokens_map.json``, the ones the checkpoint's tokenizer adds
    around a sequence (``tokenizer.json``'s post-processor, or its known
    ``tokenizer_class``), ``config.json``'s ``vocab_size`` (rounded
    up to ``pad_vocab_size_multiple`` when set), ``pad_token_id`` and
    ``mask_token_id``, and the padding side; the one layout with no
    difference is used. HyenaDNA and Caduceus checkpoints have no vocabulary
    file; their ``model_type`` names the layout. An explicit ``preset`` goes
    through the same checks: a checkpoint never loads with a tokenizer that
    disagrees with it.

    Examples
    --------
    >>> import tempfile
    >>> from transformers import BertConfig, BertModel
    >>> from deepbiop.hf import DeepBioPTokenizer, load_pretrained
    >>> d = tempfile.mkdtemp()
    >>> BertModel(BertConfig(vocab_size=69, hidden_size=16, num_hidden_layers=1,
    ...                      num_attention_heads=2, intermediate_size=32)).save_pretrained(d)
    >>> _ = DeepBioPTokenizer(preset="dnabert-3").save_pretrained(d)
    >>> model, tok = load_pretrained(d)
    >>> tok.encoder.vocab.name, tok("ACGTN")["input_ids"]
    ('dnabert-3', [2, 16, 50, 1, 3])
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {sorted(TASKS)}, got {task!r}")
    torch_type = torch_dtype(dtype)
    files = read_checkpoint(name_or_path, **hf_kwargs)
    layout = checkpoint_layout(files, preset)
    limit, _ = position_limit(files.config)
    max_length = saved_max_length(files) or limit or _UNLIMITED
    tokenizer = DeepBioPTokenizer(
        **layout.tokenizer_kwargs,
        model_max_length=max_length,
        name_or_path=os.fspath(name_or_path),
    )
    if torch_type is not None:
        hf_kwargs["dtype"] = torch_type
    model = TASKS[task].from_pretrained(
        name_or_path, trust_remote_code=trust_remote_code, **hf_kwargs
    )
    if device is not None:
        model.to(device)
    model.eval()
    return model, tokenizer
