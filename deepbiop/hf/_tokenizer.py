""":class:`DeepBioPTokenizer`, a HuggingFace ``PreTrainedTokenizer`` driven by
deepbiop's token kernel (public as ``deepbiop.hf.DeepBioPTokenizer``).

Importing this module imports ``transformers`` (the ``hf`` extra);
``import deepbiop`` never does. It sits below :mod:`deepbiop.hf` so that the
modules built on the tokenizer (:mod:`deepbiop.hf.pretrained`) can be re-exported
from :mod:`deepbiop.hf` without an import cycle.

:class:`DeepBioPTokenizer` behaves like any slow HuggingFace tokenizer
(``save_pretrained``/``from_pretrained``, ``AutoTokenizer`` after
:func:`register_auto_tokenizer`, ``DataCollatorForLanguageModeling``,
``Trainer``), but batches of plain sequences skip the per-character Python
path: one kernel call produces the padded ids, masks and offsets.

Examples
--------
>>> from deepbiop.hf import DeepBioPTokenizer
>>> tok = DeepBioPTokenizer()
>>> tok(["ACGT", "AC"], padding=True)["input_ids"]
[[1, 5, 6, 7, 8, 2], [1, 5, 6, 2, 0, 0]]
>>> tok.decode([1, 5, 6, 2], skip_special_tokens=True)
'AC'
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from transformers import (
    AutoConfig,
    AutoTokenizer,
    BatchEncoding,
    PretrainedConfig,
    PreTrainedTokenizer,
)
from transformers.tokenization_utils_base import PaddingStrategy, TruncationStrategy

from deepbiop._sequences import pack_batch
from deepbiop.encoders.tokens import TransformerEncoder
from deepbiop.hf._text import kernel_text, python_text, search_any

__all__ = ["DeepBioPTokenizer", "DeepBioPConfig", "register_auto_tokenizer"]

_ROLE_KWARGS = {
    "pad": "pad_token",
    "unk": "unk_token",
    "cls": "cls_token",
    "sep": "sep_token",
    "mask": "mask_token",
    "bos": "bos_token",
    "eos": "eos_token",
}


class DeepBioPTokenizer(PreTrainedTokenizer):
    """A HuggingFace tokenizer for DNA, RNA and protein sequences.

    Parameters
    ----------
    preset : str or None, default=None
        A published layout (``"dnabert-6"``, ``"nucleotide-transformer"``,
        ``"hyenadna"``, ``"caduceus"``, ...; see
        :meth:`deepbiop.TransformerEncoder.from_preset`). ``None`` uses
        deepbiop's default layout (``[PAD]=0 [CLS]=1 [SEP]=2 [MASK]=3
        [UNK]=4``, alphabet from 5).
    encoding_type : {"dna", "rna", "protein"}, default="dna"
        Alphabet of the default layout (ignored with a preset).
    k : int, default=1
        k-mer size of the default layout (ignored with a preset).
    stride : int or None, default=None
        k-mer step of the default layout (ignored with a preset).
    model_max_length : int, default=512
        Length ``truncation=True`` cuts to when no ``max_length`` is given.
    **kwargs
        Passed to ``PreTrainedTokenizer`` (``padding_side``, ...).

    Notes
    -----
    The kernel path handles ``str``/``bytes`` input and lists of them with
    right truncation, any padding strategy and ``return_tensors``;
    sequence pairs, pre-split words, overflowing tokens, ``pad_to_multiple_of``
    and text that contains a special or added token string (``"AC[MASK]GT"``,
    or ``"ACTATAG"`` after ``add_tokens(["TATA"])``) take the standard Python
    path and give the same ids, warnings and ``length``. ``bytes`` are read
    one character per byte (Latin-1). A character outside the vocabulary,
    non-ASCII ones included, becomes the unknown token.
    """

    vocab_files_names = {"vocab_file": "vocab.txt"}
    model_input_names = ["input_ids", "attention_mask"]

    def __init__(
        self,
        preset: str | None = None,
        encoding_type: str = "dna",
        k: int = 1,
        stride: int | None = None,
        model_max_length: int = 512,
        vocab_file: str | None = None,
        **kwargs: Any,
    ) -> None:
        if preset is not None:
            enc = TransformerEncoder.from_preset(preset, max_length=None)
        else:
            enc = TransformerEncoder(encoding_type, k=k, stride=stride, max_length=None)
        enc.fit()  # validates the parameters
        self._encoder = enc
        self._vocabulary = enc.vocab
        self._token_to_id = enc.vocab.get_vocab()
        for role, kwarg in _ROLE_KWARGS.items():
            if role in enc.vocab.special:
                kwargs.setdefault(kwarg, enc.vocab.special[role])
        kwargs.setdefault("padding_side", enc.vocab.padding_side)
        kwargs.pop("special_tokens_pattern", None)
        super().__init__(
            preset=preset,
            encoding_type=encoding_type,
            k=k,
            stride=stride,
            model_max_length=model_max_length,
            **kwargs,
        )

    # -- vocabulary -------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        return self._vocabulary.size

    @property
    def encoder(self) -> TransformerEncoder:
        """The :class:`~deepbiop.TransformerEncoder` doing the work."""
        return self._encoder

    def get_vocab(self) -> dict:
        vocab = dict(self._token_to_id)
        vocab.update(self.added_tokens_encoder)
        return vocab

    def _tokenize(self, text: str, **kwargs: Any) -> list:
        ids = self._encoder.encode(kernel_text(text), add_cls=False, add_sep=False)
        toks = self._vocabulary.tokens
        return [toks[i] for i in ids.tolist()]

    def _convert_token_to_id(self, token: str) -> int:
        return self._token_to_id.get(token, self._token_to_id[self._vocabulary.special["unk"]])

    def _convert_id_to_token(self, index: int) -> str:
        return self._vocabulary.tokens[index]

    def convert_tokens_to_string(self, tokens: list) -> str:
        ids = [self._convert_token_to_id(t) for t in tokens]
        return self._encoder.decode(np.asarray(ids, dtype=np.int64), skip_special_tokens=False)

    def _decode(self, token_ids: Any, skip_special_tokens: bool = False, **kwargs: Any) -> str:
        """Sequence text; unlike most tokenizers [UNK] is kept (as ``N``) so
        that decoded sequences keep their length."""
        ids = np.asarray(
            [token_ids] if isinstance(token_ids, int) else token_ids, dtype=np.int64
        ).ravel()
        if ids.size and (ids.min() < 0 or ids.max() >= self._vocabulary.size):
            return super()._decode(token_ids, skip_special_tokens=skip_special_tokens, **kwargs)
        return self._encoder.decode(ids, skip_special_tokens=skip_special_tokens)

    def _cls_sep(self) -> tuple[list, list]:
        v = self._vocabulary
        cls = [v.id_of("cls")] if v.add_cls else []
        sep = [v.id_of("sep")] if v.add_sep else []
        return cls, sep

    def build_inputs_with_special_tokens(
        self, token_ids_0: list, token_ids_1: list | None = None
    ) -> list:
        cls, sep = self._cls_sep()
        out = cls + list(token_ids_0) + sep
        if token_ids_1 is not None:
            out += list(token_ids_1) + sep
        return out

    def get_special_tokens_mask(
        self,
        token_ids_0: list,
        token_ids_1: list | None = None,
        already_has_special_tokens: bool = False,
    ) -> list:
        if already_has_special_tokens:
            special = set(self.all_special_ids)
            return [1 if int(t) in special else 0 for t in token_ids_0]
        cls, sep = self._cls_sep()
        out = [1] * len(cls) + [0] * len(token_ids_0) + [1] * len(sep)
        if token_ids_1 is not None:
            out += [0] * len(token_ids_1) + [1] * len(sep)
        return out

    def create_token_type_ids_from_sequences(
        self, token_ids_0: list, token_ids_1: list | None = None
    ) -> list:
        n = len(self.build_inputs_with_special_tokens(token_ids_0))
        if token_ids_1 is None:
            return [0] * n
        return [0] * n + [1] * (len(token_ids_1) + len(self._cls_sep()[1]))

    def save_vocabulary(self, save_directory: str, filename_prefix: str | None = None) -> tuple:
        name = (filename_prefix + "-" if filename_prefix else "") + "vocab.txt"
        path = os.path.join(save_directory, name)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("\n".join(self._vocabulary.tokens) + "\n")
        return (path,)

    # -- the kernel path ----------------------------------------------------------
    def _split_searches(self) -> tuple[Any, Any]:
        """Searches for any string that transformers' ``tokenize`` splits at.

        ``tokenize`` cuts text at every added or special token string before
        handing the pieces to :meth:`_tokenize`; text holding none of them is
        one piece, which the kernel tokenises exactly as ``_tokenize`` does.

        Returns
        -------
        (callable, callable)
            ``search(text)`` for ``str`` and for ``bytes`` (see
            :func:`deepbiop.hf._text.search_any`), rebuilt only when the set of
            strings changes (``add_tokens``, ``add_special_tokens``, ...).
        """
        tokens = set(self.get_added_vocab())
        tokens.update(self.all_special_tokens)
        tokens.update(getattr(getattr(self, "tokens_trie", None), "_tokens", ()))
        tokens.discard("")
        key = frozenset(tokens)
        cached = getattr(self, "_split_cache", None)
        if cached is None or cached[0] != key:
            ordered = sorted(key, key=len, reverse=True)
            cached = (key, search_any(ordered, False), search_any(ordered, True))
            self._split_cache = cached
        return cached[1], cached[2]

    def _fast_path_ok(
        self,
        texts: list,
        text_pair: Any,
        is_split_into_words: bool,
        return_overflowing_tokens: bool,
        pad_to_multiple_of: Any,
        padding_strategy: PaddingStrategy,
        truncation_strategy: TruncationStrategy,
        split_special_tokens: bool = False,
        max_length: int | None = None,
        add_special_tokens: bool = True,
    ) -> bool:
        """Whether one kernel call gives exactly what transformers' path would.

        Parameters
        ----------
        texts : list
            The input sequences (one input is a list of one).
        text_pair, is_split_into_words, return_overflowing_tokens, pad_to_multiple_of, \
padding_strategy, truncation_strategy
            As passed to :meth:`_encode_plus`.
        split_special_tokens : bool, default=False
            ``tokenize`` reads special and added token strings as plain text.
        max_length : int or None, default=None
            The (resolved) ``max_length`` of the call.
        add_special_tokens : bool, default=True
            Whether the call adds the model's special tokens.

        Returns
        -------
        bool
            False for what the kernel does not do (pairs, pre-split words,
            overflow, ``pad_to_multiple_of``, left truncation, padding to
            ``max_length`` without truncation, input other than ``str`` or
            ``bytes``), for truncation that transformers does not carry out
            as asked (``"only_second"`` on single sequences, ``max_length=0``
            or too short for the special tokens) and for text holding an
            added or special token string, which transformers' ``tokenize``
            splits off as one token.
        """
        if text_pair is not None or is_split_into_words or return_overflowing_tokens:
            return False
        if pad_to_multiple_of is not None or self.truncation_side != "right":
            return False
        if truncation_strategy == TruncationStrategy.DO_NOT_TRUNCATE:
            if padding_strategy == PaddingStrategy.MAX_LENGTH:
                return False
        elif truncation_strategy == TruncationStrategy.ONLY_SECOND:
            return False  # transformers leaves a single sequence uncut
        elif max_length is not None and (
            max_length == 0
            or max_length < (self.num_special_tokens_to_add() if add_special_tokens else 0)
        ):
            # transformers does not cut at max_length=0, and keeps the special
            # tokens of a row cut to nothing even when they exceed max_length
            return False
        if not all(isinstance(t, (str, bytes)) for t in texts):
            return False
        if split_special_tokens:
            return True
        in_str, in_bytes = self._split_searches()
        for t in texts:
            if (in_bytes if isinstance(t, bytes) else in_str)(t) is not None:
                return False
        return True

    def _warn_if_too_long(
        self, ids: np.ndarray, attn: np.ndarray, side: str, verbose: bool
    ) -> None:
        """Log transformers' warning about a row longer than ``model_max_length``.

        transformers' own method does it, so the logger, the message and the
        once-per-tokenizer flag are its own; it is given the first such row,
        as transformers' path would meet it.

        Parameters
        ----------
        ids, attn : ndarray of int64, shape (B, L)
            Kernel output padded to its longest row, so a row is longer than
            ``m`` tokens exactly when it has a token in column ``m`` (counted
            from its start on ``side``): one column is read, not the mask.
        side : {"right", "left"}
            The padding side of ``ids``.
        verbose : bool
            The call's ``verbose``; False logs nothing.
        """
        width, m = attn.shape[1], self.model_max_length
        if width <= m:
            return
        column = attn[:, m] if side == "right" else attn[:, width - 1 - m]
        i = int(np.argmax(column != 0))
        self._eventual_warn_about_too_long_sequence(ids[i][attn[i] != 0].tolist(), None, verbose)

    def _encode_plus(
        self,
        text: Any,
        text_pair: Any = None,
        add_special_tokens: bool = True,
        padding_strategy: PaddingStrategy = PaddingStrategy.DO_NOT_PAD,
        truncation_strategy: TruncationStrategy = TruncationStrategy.DO_NOT_TRUNCATE,
        max_length: int | None = None,
        stride: int = 0,
        is_split_into_words: bool = False,
        pad_to_multiple_of: int | None = None,
        padding_side: str | None = None,
        return_tensors: Any = None,
        return_token_type_ids: bool | None = None,
        return_attention_mask: bool | None = None,
        return_overflowing_tokens: bool = False,
        return_special_tokens_mask: bool = False,
        return_length: bool = False,
        verbose: bool = True,
        **kwargs: Any,
    ) -> BatchEncoding:
        batched = isinstance(text, (list, tuple))
        texts = list(text) if batched else [text]
        return_offsets_mapping = kwargs.pop("return_offsets_mapping", False)
        split_special = kwargs.get("split_special_tokens", self.split_special_tokens)
        if not self._fast_path_ok(
            texts,
            text_pair,
            is_split_into_words,
            return_overflowing_tokens,
            pad_to_multiple_of,
            padding_strategy,
            truncation_strategy,
            split_special_tokens=split_special,
            max_length=max_length,
            add_special_tokens=add_special_tokens,
        ):
            if return_offsets_mapping:
                raise NotImplementedError(
                    "return_offsets_mapping is only available on the kernel path: "
                    "str/bytes sequences with no pairs, pre-split words, overflowing "
                    "tokens, pad_to_multiple_of, left or 'only_second' truncation, "
                    "truncation to a max_length of 0 or below the special tokens, or "
                    "added or special token strings in the text"
                )
            return super()._encode_plus(
                python_text(text),
                text_pair=python_text(text_pair),
                add_special_tokens=add_special_tokens,
                padding_strategy=padding_strategy,
                truncation_strategy=truncation_strategy,
                max_length=max_length,
                stride=stride,
                is_split_into_words=is_split_into_words,
                pad_to_multiple_of=pad_to_multiple_of,
                padding_side=padding_side,
                return_tensors=return_tensors,
                return_token_type_ids=return_token_type_ids,
                return_attention_mask=return_attention_mask,
                return_overflowing_tokens=return_overflowing_tokens,
                return_special_tokens_mask=return_special_tokens_mask,
                return_length=return_length,
                verbose=verbose,
                **kwargs,
            )
        truncate = truncation_strategy != TruncationStrategy.DO_NOT_TRUNCATE
        limit = max_length if truncate else None
        padding = "max_length" if padding_strategy == PaddingStrategy.MAX_LENGTH else "longest"
        flag = None if add_special_tokens else False
        try:
            packed = pack_batch(texts)
        except ValueError:
            # a non-ASCII str (the packer's ASCII check costs nothing extra);
            # anything else fails again here
            packed = pack_batch([kernel_text(t) for t in texts])
        side = padding_side or self.padding_side
        out = self._encoder.tokenize_packed(
            packed,
            add_cls=flag,
            add_sep=flag,
            max_length=limit,
            padding=padding,
            special=return_special_tokens_mask,
            offsets=bool(return_offsets_mapping),
            padding_side=side,
            truncation=True,
        )
        if return_attention_mask is None:
            return_attention_mask = "attention_mask" in self.model_input_names
        attn = out["attention_mask"]
        if max_length is None:  # transformers warns only when no max_length applies
            self._warn_if_too_long(out["input_ids"], attn, side, verbose)
        if not batched and not attn.any():
            # transformers' pad() hands back one input without tokens unpadded
            padding_strategy = PaddingStrategy.DO_NOT_PAD
        data: dict = {"input_ids": out["input_ids"]}
        if return_token_type_ids:
            data["token_type_ids"] = np.zeros_like(attn)
        if return_attention_mask:
            data["attention_mask"] = attn
        if return_special_tokens_mask:
            data["special_tokens_mask"] = out["special_tokens_mask"]
        if return_offsets_mapping:
            data["offset_mapping"] = out["offset_mapping"]
        if return_length:
            # as transformers counts: one input after padding, each input of a
            # batch before (it is built unpadded, then the batch is padded)
            padded = not batched and padding_strategy != PaddingStrategy.DO_NOT_PAD
            data["length"] = (
                np.full(1, attn.shape[1], dtype=np.int64) if padded else attn.sum(axis=1)
            )
        if padding_strategy == PaddingStrategy.DO_NOT_PAD:
            keep = attn.astype(bool)
            data = {
                key: (
                    [val[i][keep[i]].tolist() for i in range(len(texts))]
                    if key != "length"
                    else val.tolist()
                )
                for key, val in data.items()
            }
            if not batched:
                data = {key: val[0] for key, val in data.items()}
            return BatchEncoding(
                data,
                tensor_type=return_tensors,
                prepend_batch_axis=not batched and return_tensors is not None,
            )
        if return_tensors is None:
            data = {key: val.tolist() for key, val in data.items()}
            if not batched:
                data = {key: val[0] for key, val in data.items()}
        return BatchEncoding(data, tensor_type=return_tensors)


class DeepBioPConfig(PretrainedConfig):
    """Placeholder model config that lets ``AutoTokenizer`` find
    :class:`DeepBioPTokenizer` (model_type ``"deepbiop"``)."""

    model_type = "deepbiop"


def register_auto_tokenizer() -> None:
    """Register :class:`DeepBioPTokenizer` with ``AutoTokenizer``.

    After this, ``AutoTokenizer.from_pretrained(directory)`` loads a directory
    written by ``DeepBioPTokenizer.save_pretrained``. Safe to call twice.
    """
    AutoConfig.register("deepbiop", DeepBioPConfig, exist_ok=True)
    AutoTokenizer.register(DeepBioPConfig, slow_tokenizer_class=DeepBioPTokenizer, exist_ok=True)
