"""Byte-pair-encoding vocabularies for DNA/RNA/protein (DNABERT-2 style),
trained with the HuggingFace ``tokenizers`` library.

Importing this module imports ``tokenizers`` (the ``hf`` extra); ``import
deepbiop`` never does. A trained :class:`BPETokenizer` answers the same calls
as :class:`deepbiop.TransformerEncoder` (``encode_batch``, ``__call__`` with
``return_tensors``, ``decode``, ``vocab_size``), saves a standard
``tokenizer.json`` and reports each token's base offsets.

Examples
--------
>>> from deepbiop.bpe import train_bpe
>>> tok = train_bpe(["ACGTACGTACGT", "ACGTTTACGT"] * 20, vocab_size=12)
>>> tok.vocab_size
12
>>> ids, mask = tok.encode_batch(["ACGTAC", "NNA"])
>>> tok.decode(ids[0])
'ACGTAC'
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import numpy as np

from deepbiop._sequences import pack_batch
from deepbiop.alphabets import Alphabet, get_alphabet
from deepbiop.vocabularies import DEFAULT_SPECIAL_TOKENS, DEFAULT_SPECIALS

__all__ = ["BPETokenizer", "train_bpe"]

#: deepbiop's special tokens in id order (:data:`deepbiop.vocabularies.DEFAULT_SPECIALS`).
SPECIAL_TOKENS = DEFAULT_SPECIAL_TOKENS
_UNK = DEFAULT_SPECIALS["unk"]


def _texts(seqs: Any) -> list:
    """Upper-case str of every sequence (validated by the coercion point)."""
    packed = pack_batch(seqs)
    return [packed.sequence(i).decode("ascii").upper() for i in range(len(packed))]


class BPETokenizer:
    """A trained BPE vocabulary with deepbiop's special-token plan.

    Ids: ``[PAD]=0 [CLS]=1 [SEP]=2 [MASK]=3 [UNK]=4``, the single symbols from
    5 (alphabetically, so DNA A=5 C=6 G=7 T=8 as in
    :class:`~deepbiop.TransformerEncoder`), then the learned merges. Input is
    read case-insensitively; characters outside the training alphabet become
    [UNK].

    Parameters
    ----------
    tokenizer : tokenizers.Tokenizer
        A tokenizer made by :func:`train_bpe` or loaded with :meth:`load`.
    max_length : int or None, default=512
        Default row length limit (special tokens included).
    """

    def __init__(self, tokenizer: Any, max_length: int | None = 512) -> None:
        self.tokenizer = tokenizer
        self.max_length = max_length
        vocab = tokenizer.get_vocab()
        for i, tok in enumerate(SPECIAL_TOKENS):
            if vocab.get(tok) != i:
                raise ValueError(
                    f"tokenizer must map {tok} to id {i} (deepbiop's special-token plan)"
                )

    # -- persistence -----------------------------------------------------------
    def save(self, path: str | os.PathLike) -> str:
        """Write ``tokenizer.json`` (to ``path`` if it is a directory)."""
        path = os.fspath(path)
        if os.path.isdir(path):
            path = os.path.join(path, "tokenizer.json")
        self.tokenizer.save(path)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike, max_length: int | None = 512) -> BPETokenizer:
        """Read a ``tokenizer.json`` written by :meth:`save` (file or directory)."""
        from tokenizers import Tokenizer

        path = os.fspath(path)
        if os.path.isdir(path):
            path = os.path.join(path, "tokenizer.json")
        return cls(Tokenizer.from_file(path), max_length=max_length)

    def to_hf(self, **kwargs: Any) -> Any:
        """A ``transformers.PreTrainedTokenizerFast`` over the same vocabulary
        (for ``Trainer`` and ``DataCollatorForLanguageModeling``)."""
        from transformers import PreTrainedTokenizerFast

        kwargs.setdefault("model_max_length", self.max_length or 512)
        roles = {f"{role}_token": tok for role, tok in DEFAULT_SPECIALS.items()}
        return PreTrainedTokenizerFast(tokenizer_object=self.tokenizer, **roles, **kwargs)

    # -- vocabulary --------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        return self.tokenizer.get_vocab_size()

    def get_vocab(self) -> dict:
        return self.tokenizer.get_vocab()

    def convert_ids_to_tokens(self, ids: Iterable[int]) -> list:
        return [self.tokenizer.id_to_token(int(i)) for i in np.asarray(ids).ravel()]

    def decode(self, ids: Any, skip_special_tokens: bool = True) -> str:
        """Sequence text of one row of ids ([UNK] comes back as ``N``)."""
        out = []
        for tok in self.convert_ids_to_tokens(ids):
            if tok == _UNK:
                out.append("N")
            elif tok in SPECIAL_TOKENS:
                if not skip_special_tokens:
                    out.append(tok)
            else:
                out.append(tok)
        return "".join(out)

    # -- encoding ------------------------------------------------------------------
    def __call__(
        self,
        seqs: Any,
        *,
        add_cls: bool = True,
        add_sep: bool = True,
        max_length: int | None = -1,
        padding: str = "longest",
        return_tensors: str | None = "np",
        return_offsets_mapping: bool = False,
    ) -> dict:
        """Tokenise a batch: ``input_ids``, ``attention_mask`` (int64, right
        padded) and optionally ``offset_mapping`` (B, L, 2), each token's base
        ``[start, end)`` in its sequence ((0, 0) for special tokens).

        Over-long rows are truncated, keeping room for [CLS]/[SEP].
        """
        if padding not in ("longest", "max_length"):
            raise ValueError(f"padding must be 'longest' or 'max_length', got {padding!r}")
        if return_tensors not in ("np", "pt", None):
            raise ValueError(f"return_tensors must be 'np', 'pt' or None, got {return_tensors!r}")
        if max_length == -1:
            max_length = self.max_length
        texts = _texts([seqs] if isinstance(seqs, (str, bytes)) else seqs)
        n_spec = int(add_cls) + int(add_sep)
        if max_length is not None and max_length < n_spec:
            raise ValueError(
                f"max_length={max_length} leaves no room for {n_spec} special token(s)"
            )
        encs = self.tokenizer.encode_batch(texts, add_special_tokens=False)
        rows, offs = [], []
        for e in encs:
            ids, o = e.ids, e.offsets
            if max_length is not None:
                ids, o = ids[: max_length - n_spec], o[: max_length - n_spec]
            rows.append(([1] if add_cls else []) + list(ids) + ([2] if add_sep else []))
            offs.append(([(0, 0)] if add_cls else []) + list(o) + ([(0, 0)] if add_sep else []))
        B = len(rows)
        if padding == "max_length" and max_length is not None:
            L = int(max_length)
        else:
            L = max((len(r) for r in rows), default=0)
        input_ids = np.zeros((B, L), dtype=np.int64)
        mask = np.zeros((B, L), dtype=np.int64)
        offsets = np.zeros((B, L, 2), dtype=np.int64)
        for i, (r, o) in enumerate(zip(rows, offs)):
            input_ids[i, : len(r)] = r
            mask[i, : len(r)] = 1
            if o:
                offsets[i, : len(o)] = o
        out = {"input_ids": input_ids, "attention_mask": mask}
        if return_offsets_mapping:
            out["offset_mapping"] = offsets
        if return_tensors == "pt":
            import torch

            out = {k: torch.from_numpy(v) for k, v in out.items()}
        return out

    tokenize = __call__

    def encode_batch(
        self, seqs: Any, add_cls: bool = True, add_sep: bool = True, max_length: int | None = -1
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(input_ids, attention_mask)``, int64 ``(B, L)``, like
        :meth:`deepbiop.TransformerEncoder.encode_batch`."""
        out = self(seqs, add_cls=add_cls, add_sep=add_sep, max_length=max_length)
        return out["input_ids"], out["attention_mask"]

    def encode(self, seq: Any, add_cls: bool = True, add_sep: bool = True) -> np.ndarray:
        """Token ids of one sequence (1-D int64)."""
        return self([seq], add_cls=add_cls, add_sep=add_sep, max_length=None)["input_ids"][0]

    def token_offsets(self, seq: Any) -> np.ndarray:
        """``(n_tokens, 2)`` base ``[start, end)`` of each token of one sequence
        (no special tokens): map token positions (attention, saliency) back to
        bases."""
        out = self(
            [seq], add_cls=False, add_sep=False, max_length=None, return_offsets_mapping=True
        )
        return np.ascontiguousarray(out["offset_mapping"][0])


def train_bpe(
    sequences: Any,
    vocab_size: int = 4096,
    *,
    encoding_type: str | Alphabet = "dna",
    min_frequency: int = 2,
    max_token_length: int | None = None,
    max_length: int | None = 512,
) -> BPETokenizer:
    """Learn a BPE vocabulary from sequences (DNABERT-2 style).

    Each sequence is one word (no pre-splitting); merges grow tokens of
    several bases where they are frequent.

    Parameters
    ----------
    sequences : batch of sequences
        Training text (str/bytes, any accepted batch form); case-insensitive.
    vocab_size : int, default=4096
        Final vocabulary size, the 5 special tokens and the alphabet included.
    encoding_type : {"dna", "rna", "protein"} or Alphabet, default="dna"
        Alphabet of the initial single-symbol tokens.
    min_frequency : int, default=2
        Minimum count of a pair to be merged.
    max_token_length : int or None, default=None
        Longest token (in bases) the merges may create.
    max_length : int or None, default=512
        Default row length limit of the returned tokenizer.

    Returns
    -------
    BPETokenizer

    Raises
    ------
    ValueError
        For a ``vocab_size`` smaller than the specials plus the alphabet.
    """
    from tokenizers import Tokenizer, decoders, models, trainers

    alpha = get_alphabet(encoding_type)
    floor = len(SPECIAL_TOKENS) + alpha.size
    if int(vocab_size) < floor:
        raise ValueError(
            f"vocab_size={vocab_size} is smaller than the {len(SPECIAL_TOKENS)} special "
            f"tokens plus the {alpha.size} {alpha.name} symbols ({floor})"
        )
    tok = Tokenizer(models.BPE(unk_token=_UNK))
    tok.decoder = decoders.BPEDecoder()
    trainer = trainers.BpeTrainer(
        vocab_size=int(vocab_size),
        min_frequency=int(min_frequency),
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=list(alpha.symbols),
        limit_alphabet=alpha.size,
        show_progress=False,
        max_token_length=max_token_length,
    )
    texts = _texts(sequences)
    tok.train_from_iterator(texts, trainer=trainer, length=len(texts))
    return BPETokenizer(tok, max_length=max_length)
