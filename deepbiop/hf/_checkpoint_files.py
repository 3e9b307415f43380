"""What a checkpoint's files say about its tokenizer, as plain data.

:func:`read_checkpoint` collects ``config.json``, ``tokenizer_config.json``,
``special_tokens_map.json`` and every vocabulary listing (``vocab.txt``,
``tokenizer.json``, ``vocab.json``, added tokens) of a local directory or a
hub model; :func:`position_limit` reads how many tokens the model takes.
:mod:`deepbiop.hf._checkpoint_layout` decides which layout fits. Nothing here
imports torch; ``transformers`` is imported only to fetch a hub model's files.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "HUB_KWARGS",
    "CheckpointFiles",
    "read_checkpoint",
    "special_tokens",
    "position_limit",
    "saved_max_length",
]

#: Keyword arguments of ``from_pretrained`` that locate a checkpoint's files.
HUB_KWARGS = (
    "cache_dir",
    "force_download",
    "proxies",
    "token",
    "revision",
    "local_files_only",
    "subfolder",
)
# transformers' "no limit" model_max_length (VERY_LARGE_INTEGER) and anything near it
_NO_LIMIT = 10**18


@dataclass
class CheckpointFiles:
    """The tokenizer-related content of a checkpoint, as plain data.

    Attributes
    ----------
    source : str
        The name or path, for messages.
    config : dict
        ``config.json`` (empty when absent).
    tokenizer_config, special_tokens_map : dict
        The files of those names (empty when absent).
    listings : list of (str, dict, bool)
        ``(where, token -> id, complete)``: every vocabulary listing found;
        ``complete`` is False for lists of added tokens only.
    bpe : str or None
        Where a BPE vocabulary was found (no deepbiop layout is BPE).
    framing : (tuple of str, tuple of str, str) or None
        The special tokens the checkpoint's own tokenizer puts before and
        after one sequence, and where that was read; None when the files do
        not say (see :func:`read_checkpoint`).
    """

    source: str
    config: dict = field(default_factory=dict)
    tokenizer_config: dict = field(default_factory=dict)
    special_tokens_map: dict = field(default_factory=dict)
    listings: list = field(default_factory=list)
    bpe: str | None = None
    framing: tuple | None = None

    @property
    def model_type(self) -> str | None:
        return self.config.get("model_type")

    @property
    def has_vocabulary(self) -> bool:
        """Whether a complete token listing was found."""
        return any(complete for _, _, complete in self.listings)

    def describe(self) -> str:
        """What was found, for messages."""
        parts = [f"model_type {self.model_type!r}", f"vocab_size {self.config.get('vocab_size')}"]
        cls = self.tokenizer_config.get("tokenizer_class")
        if cls:
            parts.append(f"tokenizer_class {cls!r}")
        for where, mapping, complete in self.listings:
            if complete:
                first = sorted(mapping, key=mapping.get)[:6]
                parts.append(f"{where} with {len(mapping)} tokens starting {first}")
        if self.bpe:
            parts.append(f"a BPE vocabulary in {self.bpe}")
        if not self.has_vocabulary and not self.bpe:
            parts.append("no vocabulary file")
        return ", ".join(parts)


def _looks_local(name: str) -> bool:
    """A path rather than a hub name ("org/model" has exactly one slash)."""
    if os.path.exists(name) or name.startswith(("/", ".", "~")):
        return True
    return name.count("/") > 1 or "\\" in name


def _locate(name: str, filename: str, hub_kwargs: Mapping[str, Any]) -> str | None:
    if os.path.isdir(name):
        path = os.path.join(name, hub_kwargs.get("subfolder") or "", filename)
        return path if os.path.isfile(path) else None
    from transformers.utils import cached_file

    return cached_file(
        name,
        filename,
        _raise_exceptions_for_missing_entries=False,
        _raise_exceptions_for_connection_errors=False,
        **hub_kwargs,
    )


def _read_json(path: str) -> Any:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _token_string(value: Any) -> str | None:
    """A special token as the config files write it: a string or ``{"content": ...}``."""
    if isinstance(value, Mapping):
        value = value.get("content")
    return value if isinstance(value, str) else None


def special_tokens(data: Mapping[str, Any]) -> dict:
    """Role -> token string of the ``<role>_token`` entries of a tokenizer file.

    Examples
    --------
    >>> special_tokens({"pad_token": "[PAD]", "mask_token": {"content": "[MASK]"}, "k": 3})
    {'pad': '[PAD]', 'mask': '[MASK]'}
    """
    out = {}
    for key, value in data.items():
        role = re.fullmatch(r"([a-z]+)_token", key)
        token = _token_string(value)
        if role and token is not None:
            out[role.group(1)] = token
    return out


def read_checkpoint(name_or_path: str | os.PathLike, **hub_kwargs: Any) -> CheckpointFiles:
    """Read the tokenizer-related files of a checkpoint.

    Parameters
    ----------
    name_or_path : str or path
        A local directory, or a hub name (its files are fetched by
        ``transformers`` as ``from_pretrained`` does).
    **hub_kwargs
        ``revision``, ``cache_dir``, ``token``, ``subfolder``, ... (see
        :data:`HUB_KWARGS`; others are ignored).

    Returns
    -------
    CheckpointFiles
        Its ``framing`` (the special tokens the checkpoint's own tokenizer
        adds) comes from ``tokenizer.json``'s post-processor, else from the
        known behaviour of the ``tokenizer_class`` in ``tokenizer_config.json``
        (BERT's ``[CLS] ... [SEP]``, ESM's ``<cls> ...`` with ``<eos>`` when an
        ``eos_token`` is set, HyenaDNA/Caduceus ``... [SEP]``).

    Raises
    ------
    OSError
        A path that is not a directory.
    """
    name = os.fspath(name_or_path)
    if not os.path.isdir(name) and _looks_local(name):
        raise OSError(f"{name!r} is not a directory holding a saved model")
    kw = {k: v for k, v in hub_kwargs.items() if k in HUB_KWARGS}
    files = CheckpointFiles(source=name)

    def find(filename: str) -> str | None:
        return _locate(name, filename, kw)

    for attr, filename in (
        ("config", "config.json"),
        ("tokenizer_config", "tokenizer_config.json"),
        ("special_tokens_map", "special_tokens_map.json"),
    ):
        path = find(filename)
        if path:
            setattr(files, attr, _read_json(path))
    path = find("vocab.txt")
    if path:
        with open(path, encoding="utf-8") as fh:
            tokens = [line.rstrip("\n").rstrip("\r") for line in fh]
        while tokens and tokens[-1] == "":
            tokens.pop()
        files.listings.append(("vocab.txt", {t: i for i, t in enumerate(tokens)}, True))
    path = find("tokenizer.json")
    if path:
        _read_tokenizer_json(_read_json(path), files)
    files.framing = files.framing or _class_framing(files)
    path = find("vocab.json")
    if path:
        if find("merges.txt"):
            files.bpe = "vocab.json + merges.txt"
        else:
            files.listings.append(("vocab.json", dict(_read_json(path)), True))
    decoder = files.tokenizer_config.get("added_tokens_decoder") or {}
    added = {_token_string(v): int(i) for i, v in decoder.items() if _token_string(v)}
    if added:
        files.listings.append(("tokenizer_config.json (added_tokens_decoder)", added, False))
    path = find("added_tokens.json")
    if path:
        added = dict(_read_json(path))
        if added:
            files.listings.append(("added_tokens.json", added, False))
    return files


def _read_tokenizer_json(data: Mapping, files: CheckpointFiles) -> None:
    model = data.get("model") or {}
    kind = model.get("type")
    vocab = model.get("vocab")
    if kind == "BPE" or model.get("merges"):
        files.bpe = "tokenizer.json"
    elif isinstance(vocab, Mapping):
        files.listings.append(("tokenizer.json", dict(vocab), True))
    elif isinstance(vocab, list):  # Unigram: [token, score] pairs in id order
        files.listings.append(("tokenizer.json", {t[0]: i for i, t in enumerate(vocab)}, True))
    added = {t["content"]: int(t["id"]) for t in data.get("added_tokens") or ()}
    if added:
        files.listings.append(("tokenizer.json (added_tokens)", added, False))
    files.framing = _post_processor_framing(data.get("post_processor")) + ("tokenizer.json",)


def _post_processor_framing(proc: Any) -> tuple:
    """(before, after) special tokens of a ``tokenizers`` post-processor."""
    kind = proc.get("type") if isinstance(proc, Mapping) else None
    if kind == "TemplateProcessing":
        items = [next(iter(item.items())) for item in proc.get("single") or ()]
        at = next((i for i, (what, _) in enumerate(items) if what == "Sequence"), len(items))
        before = tuple(spec["id"] for what, spec in items[:at] if what == "SpecialToken")
        after = tuple(spec["id"] for what, spec in items[at:] if what == "SpecialToken")
        return before, after
    if kind in ("BertProcessing", "RobertaProcessing"):
        return (proc["cls"][0],), (proc["sep"][0],)
    if kind == "Sequence":
        for inner in proc.get("processors") or ():
            found = _post_processor_framing(inner)
            if found != ((), ()):
                return found
    return (), ()  # no post-processor: nothing is added


# tokenizer classes whose framing is code: class -> (before, after) as a
# function of the tokenizer_config's special tokens
_CLASS_FRAMING = {
    # [CLS] sequence [SEP]
    **dict.fromkeys(
        ("BertTokenizer", "BertTokenizerFast", "DNATokenizer"),
        lambda sp: ((sp.get("cls", "[CLS]"),), (sp.get("sep", "[SEP]"),)),
    ),
    # <cls> sequence, then <eos> only when the tokenizer has an eos_token
    # (the Nucleotide Transformer's has none)
    "EsmTokenizer": lambda sp: (
        (sp.get("cls", "<cls>"),),
        tuple(sp[k] for k in ("eos",) if k in sp),
    ),
    # HyenaDNA and Caduceus: sequence [SEP]
    "CharacterTokenizer": lambda sp: ((), (sp.get("sep", "[SEP]"),)),
}


def _class_framing(files: CheckpointFiles) -> tuple | None:
    tc = files.tokenizer_config
    rule = _CLASS_FRAMING.get(tc.get("tokenizer_class"))
    if rule is None:
        return None
    specials = {**special_tokens(files.special_tokens_map), **special_tokens(tc)}
    return rule(specials) + (f"tokenizer_config.json ({tc['tokenizer_class']})",)


def position_limit(config: Mapping[str, Any]) -> tuple[int | None, str]:
    """Most tokens a model of this config takes in one row.

    Parameters
    ----------
    config : mapping
        ``config.json`` content (or ``PretrainedConfig.to_dict()``).

    Returns
    -------
    (int or None, str)
        The limit (None when the config sets none) and the setting it comes
        from, for messages. ESM numbers positions from ``pad_token_id + 1``,
        so its limit is ``max_position_embeddings - pad_token_id - 1``.

    Examples
    --------
    >>> position_limit({"model_type": "bert", "max_position_embeddings": 512})
    (512, 'max_position_embeddings 512')
    >>> position_limit({"model_type": "esm", "max_position_embeddings": 1002, "pad_token_id": 1})
    (1000, 'max_position_embeddings 1002 less pad_token_id 1 + 1')
    """
    n = config.get("max_position_embeddings")
    if isinstance(n, int):
        if config.get("model_type") == "esm":
            pad = config.get("pad_token_id") or 0
            return n - pad - 1, f"max_position_embeddings {n} less pad_token_id {pad} + 1"
        return n, f"max_position_embeddings {n}"
    n = config.get("max_seq_len")  # HyenaDNA
    if isinstance(n, int):
        return n, f"max_seq_len {n}"
    return None, ""


def saved_max_length(files: CheckpointFiles) -> int | None:
    """``model_max_length`` of ``tokenizer_config.json``, None when unset or unlimited."""
    n = files.tokenizer_config.get("model_max_length")
    return int(n) if isinstance(n, (int, float)) and n < _NO_LIMIT else None
