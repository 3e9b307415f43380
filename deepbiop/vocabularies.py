"""Token vocabularies: id layouts of transformer inputs, and presets.

A :class:`TokenVocabulary` is data: the ordered token strings, the role of
each special token and the tokenisation scheme (k, stride, greedy) that
produces ids in that layout. This module holds deepbiop's own layout
(:data:`DEFAULT_SPECIALS`, the one definition of its special tokens, which
:class:`~deepbiop.TransformerEncoder`, :mod:`deepbiop.bpe` and
:mod:`deepbiop.transformer_utils` all read), :func:`default_vocabulary`, and
the layouts of published DNA language models (:data:`PRESETS`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from numbers import Integral
from types import MappingProxyType
from typing import Any

import numpy as np

from deepbiop.alphabets import Alphabet, get_alphabet

__all__ = [
    "TokenVocabulary",
    "DEFAULT_SPECIALS",
    "DEFAULT_SPECIAL_TOKENS",
    "DEFAULT_SPECIAL_IDS",
    "default_vocabulary",
    "PRESETS",
    "preset_vocabulary",
]

#: deepbiop's own special tokens, role -> token string, in id order:
#: ``[PAD]=0 [CLS]=1 [SEP]=2 [MASK]=3 [UNK]=4`` (the sequence tokens follow).
DEFAULT_SPECIALS: Mapping[str, str] = MappingProxyType(
    {"pad": "[PAD]", "cls": "[CLS]", "sep": "[SEP]", "mask": "[MASK]", "unk": "[UNK]"}
)
#: The token strings of :data:`DEFAULT_SPECIALS`, in id order.
DEFAULT_SPECIAL_TOKENS: tuple = tuple(DEFAULT_SPECIALS.values())
#: Role -> id in deepbiop's own layout (``DEFAULT_SPECIAL_IDS["unk"] == 4``).
DEFAULT_SPECIAL_IDS: Mapping[str, int] = MappingProxyType(
    {role: i for i, role in enumerate(DEFAULT_SPECIALS)}
)

_ROLES = ("pad", "unk", "cls", "sep", "mask", "bos", "eos")


@dataclass(frozen=True)
class TokenVocabulary:
    """A token id layout and the tokenisation scheme that produces it.

    Parameters
    ----------
    name : str
        Short name used in messages and ``repr``.
    tokens : sequence of str
        Token strings; token ``tokens[i]`` has id ``i``.
    special : mapping of str to str
        Role -> token string for ``"pad"`` and ``"unk"`` (required) and
        optionally ``"cls"``, ``"sep"``, ``"mask"``, ``"bos"``, ``"eos"``.
    symbols : str
        Upper-case alphabet in k-mer rank order (``"ATCG"`` for DNABERT). The
        k-mers must appear in ``tokens`` as one block in lexicographic order of
        ``symbols`` (first base most significant).
    k : int, default=1
        Bases per k-mer token.
    stride : int or None, default=None
        Step between k-mer tokens: 1 overlapping (DNABERT), ``k``
        non-overlapping. ``None`` means 1. Ignored when ``greedy``.
    greedy : bool, default=False
        Nucleotide Transformer scheme: non-overlapping k-mers read left to
        right, falling back to single-character tokens where a k-mer would run
        past the end or hold a character outside ``symbols``.
    add_cls, add_sep : bool, default=True
        Whether the model adds its ``cls``/``sep`` token by default.
    padding_side : {"right", "left"}, default="right"
        The side the model pads on by default.

    Notes
    -----
    Single-character tokens (strings of length 1 that are not special) give
    the id of that character in either case; any other character becomes the
    ``unk`` token.

    Examples
    --------
    >>> from deepbiop.vocabularies import default_vocabulary
    >>> v = default_vocabulary("dna")
    >>> v.tokens[:9]
    ('[PAD]', '[CLS]', '[SEP]', '[MASK]', '[UNK]', 'A', 'C', 'G', 'T')
    """

    name: str
    tokens: tuple
    special: Mapping[str, str]
    symbols: str
    k: int = 1
    stride: int | None = None
    greedy: bool = False
    add_cls: bool = True
    add_sep: bool = True
    padding_side: str = "right"
    _index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        tokens = tuple(self.tokens)
        object.__setattr__(self, "tokens", tokens)
        object.__setattr__(self, "special", MappingProxyType(dict(self.special)))
        index = {t: i for i, t in enumerate(tokens)}
        if len(index) != len(tokens):
            raise ValueError(f"vocabulary {self.name!r}: token strings must be unique")
        object.__setattr__(self, "_index", MappingProxyType(index))
        for role, tok in self.special.items():
            if role not in _ROLES:
                raise ValueError(f"vocabulary {self.name!r}: unknown role {role!r}")
            if tok not in index:
                raise ValueError(f"vocabulary {self.name!r}: {role} token {tok!r} is not a token")
        for role in ("pad", "unk"):
            if role not in self.special:
                raise ValueError(f"vocabulary {self.name!r} needs a {role!r} token")
        if self.padding_side not in ("left", "right"):
            raise ValueError("padding_side must be 'left' or 'right'")
        if self.k < 1 or not (1 <= self.step <= self.k):
            raise ValueError(
                f"vocabulary {self.name!r}: need k >= 1 and 1 <= stride <= k "
                f"(got k={self.k}, stride={self.stride})"
            )
        if self.k > 1:
            first = self.symbols[0] * self.k
            if first not in index:
                raise ValueError(f"vocabulary {self.name!r}: k-mer {first!r} is not a token")
            off = index[first]
            for r, kmer in enumerate(_kmers(self.symbols, self.k)):
                if index.get(kmer) != off + r:
                    raise ValueError(
                        f"vocabulary {self.name!r}: k-mer {kmer!r} should have id "
                        f"{off + r} (k-mers in order of {self.symbols!r})"
                    )

    def __reduce__(self):
        return (
            TokenVocabulary,
            (
                self.name,
                self.tokens,
                dict(self.special),
                self.symbols,
                self.k,
                self.stride,
                self.greedy,
                self.add_cls,
                self.add_sep,
                self.padding_side,
            ),
        )

    # -- derived data ----------------------------------------------------------
    @property
    def step(self) -> int:
        """Bases between consecutive k-mer tokens (``stride``, default 1)."""
        return 1 if self.stride is None else int(self.stride)

    @property
    def size(self) -> int:
        """Number of tokens (the model's ``vocab_size``)."""
        return len(self.tokens)

    def id_of(self, role: str) -> int | None:
        """Id of the token playing ``role`` (``"pad"``, ``"cls"``, ...), or None."""
        tok = self.special.get(role)
        return None if tok is None else self._index[tok]

    def framing_ids(self, add_cls: bool, add_sep: bool) -> tuple[int, int]:
        """Ids of the [CLS] and [SEP] to add around each sequence, -1 for none.

        Raises
        ------
        ValueError
            A token asked for that the vocabulary does not have.
        """
        cls_id = self.id_of("cls") if add_cls else -1
        sep_id = self.id_of("sep") if add_sep else -1
        if cls_id is None or sep_id is None:
            role = "CLS" if cls_id is None else "SEP"
            raise ValueError(f"vocabulary {self.name!r} has no [{role}] token")
        return cls_id, sep_id

    def token_to_id(self, token: str) -> int:
        """Id of ``token``; raises ``KeyError`` naming it when absent."""
        try:
            return self._index[token]
        except KeyError:
            raise KeyError(f"token {token!r} is not in vocabulary {self.name!r}") from None

    @cached_property
    def kmer_offset(self) -> int:
        """Id of the k-mer of rank 0 (of the first symbol when ``k == 1``)."""
        return self._index.get(self.symbols[0] * self.k, -1)

    @cached_property
    def codes(self) -> np.ndarray:
        """int16 (256,): rank of each byte in ``symbols`` (either case), -1 outside."""
        table = np.full(256, -1, dtype=np.int16)
        for i, s in enumerate(self.symbols):
            table[ord(s)] = table[ord(s.lower())] = i
        table.flags.writeable = False
        return table

    @cached_property
    def char_ids(self) -> np.ndarray:
        """int64 (256,): single-character token id of each byte (either case)."""
        table = np.full(256, self.id_of("unk"), dtype=np.int64)
        specials = set(self.special.values())
        for i, tok in enumerate(self.tokens):
            if len(tok) == 1 and tok not in specials and tok.isascii():
                table[ord(tok.upper())] = table[ord(tok.lower())] = i
        table.flags.writeable = False
        return table

    @cached_property
    def valid(self) -> np.ndarray:
        """uint8 (256,): 1 for bytes that never turn into the unknown token."""
        if self.k > 1 and not self.greedy:
            v = self.codes >= 0
        else:
            v = self.char_ids != self.id_of("unk")
        out = v.astype(np.uint8)
        out.flags.writeable = False
        return out

    def get_vocab(self) -> dict:
        """Token string -> id (a fresh dict)."""
        return dict(self._index)

    def ids_to_tokens(self, ids: Any) -> Any:
        """Token strings of a sequence of ids (an int gives one string).

        Raises
        ------
        ValueError
            For an id outside ``0 .. size - 1``, naming it and its position.
        """
        toks = self.tokens
        if isinstance(ids, Integral):
            return toks[int(ids)]
        arr = np.asarray(ids).ravel()
        bad = np.flatnonzero((arr < 0) | (arr >= len(toks)))
        if bad.size:
            raise ValueError(
                f"id {int(arr[bad[0]])} at position {int(bad[0])} is outside the "
                f"vocabulary (0..{len(toks) - 1})"
            )
        return [toks[int(i)] for i in arr]

    def decode(self, ids: Any, skip_special_tokens: bool = True) -> str:
        """The sequence text of one row of ids.

        Special tokens and padding are dropped (with ``skip_special_tokens``);
        overlapping k-mers are merged back into bases; the unknown token comes
        back as ``N`` for every base it stands for.

        Examples
        --------
        >>> PRESETS["dnabert-3"].decode([2, 16, 50, 1, 3])
        'ACGTN'
        """
        tokens = self.ids_to_tokens(np.asarray(ids).ravel())
        unk = self.special["unk"]
        specials = set(self.special.values())
        overlapping = self.k > 1 and not self.greedy
        parts: list[str] = []
        first = True
        for tok in tokens:
            if tok in specials and tok != unk:
                if not skip_special_tokens:
                    parts.append(tok)
                continue
            if tok == unk:
                tok = "N" * (self.k if overlapping else 1)
            if overlapping and not first:
                tok = tok[len(tok) - self.step :]
            parts.append(tok)
            first = False
        return "".join(parts)


def _kmers(symbols: str, k: int) -> Iterable[str]:
    return ("".join(p) for p in itertools.product(symbols, repeat=k))


_DEFAULTS: dict = {}


def default_vocabulary(
    encoding_type: str | Alphabet = "dna", k: int = 1, stride: int | None = None
) -> TokenVocabulary:
    """deepbiop's own layout: :data:`DEFAULT_SPECIALS` (``[PAD]=0 [CLS]=1
    [SEP]=2 [MASK]=3 [UNK]=4``), then the alphabet (or its k-mers,
    lexicographic) from 5.

    Parameters
    ----------
    encoding_type : {"dna", "rna", "protein"} or Alphabet, default="dna"
    k : int, default=1
        Bases per token.
    stride : int or None, default=None
        Step between k-mer tokens (``None``: 1).

    Returns
    -------
    TokenVocabulary
        Built once per (alphabet, k, stride): equal arguments give the same
        (immutable) object.

    Raises
    ------
    ValueError
        For ``k < 1`` or more than 2**24 k-mers.

    Examples
    --------
    >>> default_vocabulary("dna").size
    9
    >>> default_vocabulary("dna", k=3).size
    69
    """
    alpha = get_alphabet(encoding_type)
    key = (alpha, k, stride)
    vocab = _DEFAULTS.get(key)
    if vocab is not None:
        return vocab
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if alpha.size**k > 2**24:
        raise ValueError(
            f"a {alpha.name} vocabulary of {alpha.size}**{k} k-mers is too large; "
            f"k may be at most {int(np.log(2**24) / np.log(alpha.size))}"
        )
    tokens = DEFAULT_SPECIAL_TOKENS + tuple(_kmers(alpha.symbols, k))
    vocab = TokenVocabulary(
        f"deepbiop-{alpha.name}" + (f"-k{k}" if k > 1 else ""),
        tokens,
        DEFAULT_SPECIALS,
        alpha.symbols,
        k,
        stride,
    )
    return _DEFAULTS.setdefault(key, vocab)


# -- published layouts -----------------------------------------------------------
# DNABERT (Ji et al. 2021): src/transformers/dnabert-config/bert-config-{3,4,5,6}/vocab.txt
# in github.com/jerryji1993/DNABERT: [PAD] [UNK] [CLS] [SEP] [MASK], then every
# k-mer in lexicographic order of the bases A, T, C, G. Sequences are overlapping
# k-mers (stride 1) wrapped in [CLS] ... [SEP]; a k-mer with N is [UNK].
def _dnabert(k: int) -> TokenVocabulary:
    tokens = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]") + tuple(_kmers("ATCG", k))
    special = {"pad": "[PAD]", "unk": "[UNK]", "cls": "[CLS]", "sep": "[SEP]", "mask": "[MASK]"}
    return TokenVocabulary(f"dnabert-{k}", tokens, special, "ATCG", k, 1)


# Nucleotide Transformer (InstaDeep): the Hugging Face tokenizers of the
# InstaDeepAI/nucleotide-transformer-* checkpoints use <unk>0 <pad>1 <mask>2 <cls>3
# <eos>4 <bos>5, the 4096 6-mers from 6 (itertools.product over A, T, C, G, as in
# nucleotide_transformer/tokenizers.py of github.com/instadeepai/nucleotide-transformer),
# then the single bases A T C G N (4102..4106): 4107 tokens. Tokenisation is
# greedy non-overlapping 6-mers with single-base fallback at N and at the end;
# only <cls> is prepended.
def _nucleotide_transformer() -> TokenVocabulary:
    tokens = (
        ("<unk>", "<pad>", "<mask>", "<cls>", "<eos>", "<bos>")
        + tuple(_kmers("ATCG", 6))
        + ("A", "T", "C", "G", "N")
    )
    special = {
        "unk": "<unk>",
        "pad": "<pad>",
        "mask": "<mask>",
        "cls": "<cls>",
        "eos": "<eos>",
        "bos": "<bos>",
        "sep": "<eos>",
    }
    return TokenVocabulary(
        "nucleotide-transformer",
        tokens,
        special,
        "ATCG",
        6,
        6,
        greedy=True,
        add_cls=True,
        add_sep=False,
    )


# HyenaDNA (LongSafari/hyenadna-*-hf, tokenization_hyena.py) and Caduceus
# (kuleshov-group/caduceus-*, tokenization_caduceus.py) share one character
# layout: [CLS]0 [SEP]1 [BOS]2 [MASK]3 [PAD]4 [RESERVED]5 [UNK]6, then A C G T N
# from 7. Both append [SEP] only and pad on the left.
def _char_lm(name: str) -> TokenVocabulary:
    tokens = (
        "[CLS]",
        "[SEP]",
        "[BOS]",
        "[MASK]",
        "[PAD]",
        "[RESERVED]",
        "[UNK]",
        "A",
        "C",
        "G",
        "T",
        "N",
    )
    special = {
        "cls": "[CLS]",
        "sep": "[SEP]",
        "bos": "[BOS]",
        "mask": "[MASK]",
        "pad": "[PAD]",
        "unk": "[UNK]",
        "eos": "[SEP]",
    }
    return TokenVocabulary(
        name, tokens, special, "ACGT", 1, None, add_cls=False, add_sep=True, padding_side="left"
    )


#: The layouts of published models, preset name -> :class:`TokenVocabulary`:
#: ``dnabert-3`` ... ``dnabert-6``, ``nucleotide-transformer``, ``hyenadna``,
#: ``caduceus`` (read with :func:`preset_vocabulary`).
PRESETS: Mapping[str, TokenVocabulary] = MappingProxyType(
    {
        **{f"dnabert-{k}": _dnabert(k) for k in (3, 4, 5, 6)},
        "nucleotide-transformer": _nucleotide_transformer(),
        "hyenadna": _char_lm("hyenadna"),
        "caduceus": _char_lm("caduceus"),
    }
)


def preset_vocabulary(name: str) -> TokenVocabulary:
    """The layout of a published model by name (case and ``_``/``-``
    insensitive; ``"dnabert"`` alone means ``"dnabert-6"``).

    Parameters
    ----------
    name : {"dnabert-3", "dnabert-4", "dnabert-5", "dnabert-6",
            "nucleotide-transformer", "hyenadna", "caduceus"}

    Returns
    -------
    TokenVocabulary

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.

    Examples
    --------
    >>> preset_vocabulary("DNABERT").name
    'dnabert-6'
    """
    key = str(name).lower().replace("_", "-")
    if key == "dnabert":
        key = "dnabert-6"
    if key not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; expected one of {sorted(PRESETS)}")
    return PRESETS[key]
