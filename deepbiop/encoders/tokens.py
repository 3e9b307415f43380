"""Transformer inputs: token ids, attention masks and special tokens, with the
id layouts of published DNA language models available as presets.

A :class:`TokenVocabulary` is data (the ordered token strings plus the
tokenisation scheme); :class:`TransformerEncoder` turns it into 256-entry
lookup tables and hands packed sequences to the ``_tokens`` kernel.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import cached_property
from numbers import Integral
from types import MappingProxyType
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from deepbiop._kernels import _tokens
from deepbiop._sequences import Packed, pack_batch, pack_one
from deepbiop.alphabets import Alphabet, get_alphabet
from deepbiop.encoders._base import SequenceEncoder, check_output_fits

__all__ = ["TokenVocabulary", "TransformerEncoder", "PRESETS", "default_vocabulary"]

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
    >>> from deepbiop.encoders.tokens import default_vocabulary
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
                raise ValueError(
                    f"vocabulary {self.name!r}: {role} token {tok!r} is not a token"
                )
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
                raise ValueError(
                    f"vocabulary {self.name!r}: k-mer {first!r} is not a token"
                )
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
            (self.name, self.tokens, dict(self.special), self.symbols, self.k,
             self.stride, self.greedy, self.add_cls, self.add_sep, self.padding_side),
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

    @cached_property
    def special_ids(self) -> frozenset:
        return frozenset(self._index[t] for t in self.special.values())

    def get_vocab(self) -> dict:
        """Token string -> id (a fresh dict)."""
        return dict(self._index)


def _kmers(symbols: str, k: int) -> Iterable[str]:
    return ("".join(p) for p in itertools.product(symbols, repeat=k))


_DEFAULT_SPECIALS = ("[PAD]", "[CLS]", "[SEP]", "[MASK]", "[UNK]")


def default_vocabulary(encoding_type: str | Alphabet = "dna", k: int = 1,
                       stride: int | None = None) -> TokenVocabulary:
    """deepbiop's own layout: ``[PAD]=0 [CLS]=1 [SEP]=2 [MASK]=3 [UNK]=4``,
    then the alphabet (or its k-mers, lexicographic) from 5.

    Examples
    --------
    >>> default_vocabulary("dna").size
    9
    >>> default_vocabulary("dna", k=3).size
    69
    """
    alpha = get_alphabet(encoding_type)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if alpha.size ** k > 2**24:
        raise ValueError(
            f"a {alpha.name} vocabulary of {alpha.size}**{k} k-mers is too large; "
            f"k may be at most {int(np.log(2**24) / np.log(alpha.size))}"
        )
    tokens = _DEFAULT_SPECIALS + tuple(_kmers(alpha.symbols, k))
    special = {"pad": "[PAD]", "cls": "[CLS]", "sep": "[SEP]", "mask": "[MASK]",
               "unk": "[UNK]"}
    return TokenVocabulary(f"deepbiop-{alpha.name}" + (f"-k{k}" if k > 1 else ""),
                           tokens, special, alpha.symbols, k, stride)


# -- published layouts -----------------------------------------------------------
# DNABERT (Ji et al. 2021): src/transformers/dnabert-config/bert-config-{3,4,5,6}/vocab.txt
# in github.com/jerryji1993/DNABERT: [PAD] [UNK] [CLS] [SEP] [MASK], then every
# k-mer in lexicographic order of the bases A, T, C, G. Sequences are overlapping
# k-mers (stride 1) wrapped in [CLS] ... [SEP]; a k-mer with N is [UNK].
def _dnabert(k: int) -> TokenVocabulary:
    tokens = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]") + tuple(_kmers("ATCG", k))
    special = {"pad": "[PAD]", "unk": "[UNK]", "cls": "[CLS]", "sep": "[SEP]",
               "mask": "[MASK]"}
    return TokenVocabulary(f"dnabert-{k}", tokens, special, "ATCG", k, 1)


# Nucleotide Transformer (InstaDeep): the Hugging Face tokenizers of the
# InstaDeepAI/nucleotide-transformer-* checkpoints use <unk>0 <pad>1 <mask>2 <cls>3
# <eos>4 <bos>5, the 4096 6-mers from 6 (itertools.product over A, T, C, G, as in
# nucleotide_transformer/tokenizers.py of github.com/instadeepai/nucleotide-transformer),
# then the single bases A T C G N (4102..4106): 4107 tokens. Tokenisation is
# greedy non-overlapping 6-mers with single-base fallback at N and at the end;
# only <cls> is prepended.
def _nucleotide_transformer() -> TokenVocabulary:
    tokens = ("<unk>", "<pad>", "<mask>", "<cls>", "<eos>", "<bos>") + tuple(
        _kmers("ATCG", 6)
    ) + ("A", "T", "C", "G", "N")
    special = {"unk": "<unk>", "pad": "<pad>", "mask": "<mask>", "cls": "<cls>",
               "eos": "<eos>", "bos": "<bos>", "sep": "<eos>"}
    return TokenVocabulary("nucleotide-transformer", tokens, special, "ATCG", 6, 6,
                           greedy=True, add_cls=True, add_sep=False)


# HyenaDNA (LongSafari/hyenadna-*-hf, tokenization_hyena.py) and Caduceus
# (kuleshov-group/caduceus-*, tokenization_caduceus.py) share one character
# layout: [CLS]0 [SEP]1 [BOS]2 [MASK]3 [PAD]4 [RESERVED]5 [UNK]6, then A C G T N
# from 7. Both append [SEP] only and pad on the left.
def _char_lm(name: str) -> TokenVocabulary:
    tokens = ("[CLS]", "[SEP]", "[BOS]", "[MASK]", "[PAD]", "[RESERVED]", "[UNK]",
              "A", "C", "G", "T", "N")
    special = {"cls": "[CLS]", "sep": "[SEP]", "bos": "[BOS]", "mask": "[MASK]",
               "pad": "[PAD]", "unk": "[UNK]", "eos": "[SEP]"}
    return TokenVocabulary(name, tokens, special, "ACGT", 1, None, add_cls=False,
                           add_sep=True, padding_side="left")


PRESETS: Mapping[str, TokenVocabulary] = MappingProxyType(
    {
        **{f"dnabert-{k}": _dnabert(k) for k in (3, 4, 5, 6)},
        "nucleotide-transformer": _nucleotide_transformer(),
        "hyenadna": _char_lm("hyenadna"),
        "caduceus": _char_lm("caduceus"),
    }
)


class TransformerEncoder(SequenceEncoder):
    """Token ids, attention masks and special tokens for transformer models.

    Parameters
    ----------
    encoding_type : {"dna", "rna", "protein"} or Alphabet, default="dna"
        Alphabet of the default vocabulary (ignored when ``vocabulary`` is
        given). Input is case-insensitive.
    add_special_tokens : bool, default=True
        Add the vocabulary's [CLS] (position 0) and [SEP] (right after each
        sequence's last token, before any padding).
    k : int, default=1
        Bases per token. ``k > 1`` gives k-mer tokens and a 5 + A**k vocabulary.
    stride : int or None, default=None
        Step between k-mer tokens: ``None``/1 overlapping (DNABERT style),
        ``k`` non-overlapping (a trailing piece shorter than k is dropped).
    max_length : int or None, default=512
        Maximum row length including special tokens; ``None`` for no limit.
    padding : {"longest", "max_length"}, default="longest"
        Pad to the longest row of the batch, or always to ``max_length``.
    padding_side : {"right", "left"} or None, default=None
        Where padding goes; ``None`` uses the vocabulary's side (right for the
        default layout, left for HyenaDNA and Caduceus).
    truncation : bool, default=True
        Keep the first tokens of an over-long sequence (leaving room for the
        special tokens); ``False`` raises a ``ValueError`` naming it.
    ambiguous_strategy : {"unknown", "error"}, default="unknown"
        A character without a token becomes [UNK], or raises a ``ValueError``
        naming the sequence, position and character.
    vocabulary : TokenVocabulary or None, default=None
        The id layout; ``None`` builds deepbiop's default from
        ``encoding_type``, ``k`` and ``stride``. See :meth:`from_preset`.
    n_jobs : int or None, default=None
        Threads (``None``: all OpenMP may use).

    Notes
    -----
    Default layout: ``[PAD]=0, [CLS]=1, [SEP]=2, [MASK]=3, [UNK]=4``, then the
    alphabet from 5 (DNA A=5, C=6, G=7, T=8; vocabulary size 9). With k-mers,
    k-mer ids are 5 + the k-mer's lexicographic rank, and a k-mer holding a
    character outside the alphabet is [UNK]. Every output is a fresh
    C-contiguous int64 array.

    Examples
    --------
    >>> import deepbiop as dbp
    >>> enc = dbp.TransformerEncoder("dna", add_special_tokens=True)
    >>> ids, mask = enc.encode_batch([b"ACGT", b"AC"], add_cls=True, add_sep=True,
    ...                              max_length=512)
    >>> ids
    array([[1, 5, 6, 7, 8, 2],
           [1, 5, 6, 2, 0, 0]])
    >>> mask
    array([[1, 1, 1, 1, 1, 1],
           [1, 1, 1, 1, 0, 0]])
    >>> enc.decode(ids[1])
    'AC'
    >>> dbp.TransformerEncoder.from_preset("dnabert-3").encode("ACGTN")
    array([ 2, 16, 50,  1,  3])
    """

    _parameter_constraints: dict = {
        "encoding_type": [str, Alphabet],
        "add_special_tokens": ["boolean"],
        "k": [Interval(Integral, 1, None, closed="left")],
        "stride": [Interval(Integral, 1, None, closed="left"), None],
        "max_length": [Interval(Integral, 0, None, closed="left"), None],
        "padding": [StrOptions({"longest", "max_length"})],
        "padding_side": [StrOptions({"left", "right"}), None],
        "truncation": ["boolean"],
        "ambiguous_strategy": [StrOptions({"unknown", "error"})],
        "vocabulary": [TokenVocabulary, None],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        encoding_type: str | Alphabet = "dna",
        add_special_tokens: bool = True,
        *,
        k: int = 1,
        stride: int | None = None,
        max_length: int | None = 512,
        padding: str = "longest",
        padding_side: str | None = None,
        truncation: bool = True,
        ambiguous_strategy: str = "unknown",
        vocabulary: TokenVocabulary | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.encoding_type = encoding_type
        self.add_special_tokens = add_special_tokens
        self.k = k
        self.stride = stride
        self.max_length = max_length
        self.padding = padding
        self.padding_side = padding_side
        self.truncation = truncation
        self.ambiguous_strategy = ambiguous_strategy
        self.vocabulary = vocabulary
        self.n_jobs = n_jobs

    # -- construction ----------------------------------------------------------
    @classmethod
    def from_preset(cls, name: str, **params: Any) -> "TransformerEncoder":
        """An encoder producing the exact ids of a published model's tokenizer.

        Parameters
        ----------
        name : {"dnabert-3", "dnabert-4", "dnabert-5", "dnabert-6",
                "nucleotide-transformer", "hyenadna", "caduceus"}
            ``"dnabert"`` alone means ``"dnabert-6"``.
        **params
            Other :class:`TransformerEncoder` parameters (``max_length``, ...).

        Returns
        -------
        TransformerEncoder

        Notes
        -----
        Input is read case-insensitively (the published HyenaDNA tokenizer
        maps lower-case bases to [UNK]; its training pipeline upper-cases
        sequences first, which is what deepbiop does).

        Examples
        --------
        >>> enc = TransformerEncoder.from_preset("nucleotide-transformer")
        >>> enc.encode("ACGTACGTN")   # <cls>, ACGTAC, G, T, N
        array([   3,  728, 4105, 4103, 4106])
        >>> TransformerEncoder.from_preset("hyenadna").encode_batch(["ACGN", "A"])[0]
        array([[ 7,  8,  9, 11,  1],
               [ 4,  4,  4,  7,  1]])
        """
        key = str(name).lower().replace("_", "-")
        if key == "dnabert":
            key = "dnabert-6"
        if key not in PRESETS:
            raise ValueError(
                f"unknown preset {name!r}; expected one of {sorted(PRESETS)}"
            )
        vocab = PRESETS[key]
        params.setdefault("k", vocab.k)
        params.setdefault("stride", vocab.stride)
        return cls("dna", vocabulary=vocab, **params)

    # -- validation and derived state ------------------------------------------
    def _validate_extra(self) -> None:
        v = self.vocabulary
        if v is not None:
            if self.k != v.k or (self.stride or 1) != v.step:
                raise ValueError(
                    f"k={self.k}, stride={self.stride} disagree with vocabulary "
                    f"{v.name!r} (k={v.k}, stride={v.stride}); leave them at the "
                    "vocabulary's values or drop the vocabulary"
                )
        elif self.stride is not None and self.stride > self.k:
            raise ValueError(
                f"stride={self.stride} > k={self.k} would skip bases; use "
                "1 <= stride <= k"
            )
        if self.max_length is not None and self.max_length < self._n_special(None, None):
            raise ValueError(
                f"max_length={self.max_length} leaves no room for the "
                f"{self._n_special(None, None)} special token(s)"
            )

    @property
    def vocab(self) -> TokenVocabulary:
        """The id layout in use (the default one unless ``vocabulary`` is set)."""
        if self.vocabulary is not None:
            return self.vocabulary
        return _default_cached(self.encoding_type, int(self.k), self.stride)

    @property
    def vocab_size(self) -> int:
        """Number of token ids (``BertConfig(vocab_size=...)``)."""
        return self.vocab.size

    def _special_ids(self, add_cls: bool | None, add_sep: bool | None) -> tuple[int, int]:
        v = self.vocab
        if add_cls is None:
            add_cls = self.add_special_tokens and v.add_cls
        if add_sep is None:
            add_sep = self.add_special_tokens and v.add_sep
        cls_id = v.id_of("cls") if add_cls else None
        sep_id = v.id_of("sep") if add_sep else None
        if add_cls and cls_id is None:
            raise ValueError(f"vocabulary {v.name!r} has no [CLS] token")
        if add_sep and sep_id is None:
            raise ValueError(f"vocabulary {v.name!r} has no [SEP] token")
        return (-1 if cls_id is None else cls_id), (-1 if sep_id is None else sep_id)

    def _n_special(self, add_cls, add_sep) -> int:
        c, s = self._special_ids(add_cls, add_sep)
        return int(c >= 0) + int(s >= 0)

    # -- the work --------------------------------------------------------------
    def _counts(self, packed: Packed) -> np.ndarray:
        v = self.vocab
        B = len(packed)
        counts = np.empty(B, dtype=np.int64)
        status = np.full(B, -1, dtype=np.int64)
        check = self.ambiguous_strategy == "error"
        _tokens.token_counts(packed.ptrs, packed.lens, v.codes, v.valid, len(v.symbols),
                             v.k, v.step, int(v.greedy), int(check), counts, status,
                             self._n_threads(packed))
        if check:
            self._raise_unknown(packed, status)
        return counts

    def _raise_unknown(self, packed: Packed, status: np.ndarray) -> None:
        bad = np.flatnonzero(status >= 0)
        if bad.size:
            i = int(bad[0])
            pos = int(status[i])
            raise ValueError(
                f"sequence {i} (of {len(packed)}): character "
                f"{packed.char_at(i, pos)!r} at position {pos} has no token in "
                f"vocabulary {self.vocab.name!r}; pass ambiguous_strategy='unknown' "
                "to encode it as the unknown token"
            )

    def _run(self, packed: Packed, *, add_cls=None, add_sep=None, max_length=-1,
             padding=None, special=False, offsets=False, padding_side=None,
             truncation=None) -> dict:
        """Tokenise a packed batch; returns a dict of int64 arrays."""
        self = self._snapshot()  # the parameters, read once for the whole call
        v = self.vocab
        if max_length == -1:
            max_length = self.max_length
        padding = self.padding if padding is None else padding
        cls_id, sep_id = self._special_ids(add_cls, add_sep)
        n_spec = int(cls_id >= 0) + int(sep_id >= 0)
        if max_length is not None and max_length < n_spec:
            raise ValueError(
                f"max_length={max_length} leaves no room for the {n_spec} special token(s)"
            )
        counts = self._counts(packed)
        B = len(packed)
        if max_length is None:
            max_content = int(counts.max()) if B else 0
        else:
            max_content = int(max_length) - n_spec
            if not (self.truncation if truncation is None else truncation) and B:
                over = np.flatnonzero(counts > max_content)
                if over.size:
                    i = int(over[0])
                    raise ValueError(
                        f"sequence {i} (of {B}) gives {int(counts[i])} tokens + "
                        f"{n_spec} special, more than max_length={max_length}; pass "
                        "truncation=True to cut it, a larger max_length, or use "
                        "encode_windows() to split it"
                    )
        if padding == "max_length" and max_length is not None:
            L = int(max_length)
        else:
            L = (int(np.minimum(counts, max_content).max()) + n_spec) if B else 0
        check_output_fits((2 + 2 * bool(offsets) + bool(special), B, L), np.int64,
                          "pass a smaller max_length or encode in smaller batches")
        ids = np.empty((B, L), dtype=np.int64)
        attn = np.empty((B, L), dtype=np.int64)
        spec = np.empty((B, L) if special else (0, 0), dtype=np.int64)
        offs = np.empty((B, L, 2) if offsets else (0, 0, 2), dtype=np.int64)
        side = padding_side or self.padding_side or v.padding_side
        _tokens.tokens_batch(packed.ptrs, packed.lens, counts, v.codes, v.char_ids,
                             len(v.symbols), v.k, v.step, int(v.greedy), v.kmer_offset,
                             v.id_of("unk"), cls_id, sep_id, v.id_of("pad"),
                             max_content, int(side == "left"), ids, attn, spec, offs,
                             self._n_threads(packed))
        out = {"input_ids": ids, "attention_mask": attn}
        if special:
            out["special_tokens_mask"] = spec
        if offsets:
            out["offset_mapping"] = offs
        return out

    # -- public API ------------------------------------------------------------
    def encode(self, seq: Any, *, add_cls: bool | None = None,
               add_sep: bool | None = None) -> np.ndarray:
        """Token ids of one sequence (1-D int64, no padding).

        Parameters
        ----------
        seq : str, bytes, bytearray, memoryview or 1-D uint8 array
        add_cls, add_sep : bool or None, default=None
            Override ``add_special_tokens`` for this call.

        Returns
        -------
        ndarray of int64, shape (n_tokens,)
        """
        return self._run(pack_one(seq), add_cls=add_cls, add_sep=add_sep)["input_ids"][0]

    def encode_batch(self, seqs: Any, add_cls: bool | None = None,
                     add_sep: bool | None = None,
                     max_length: int | None = -1) -> tuple[np.ndarray, np.ndarray]:
        """``(input_ids, attention_mask)`` of a batch, int64 ``(B, L)`` each.

        Parameters
        ----------
        seqs : list of str/bytes, 1-D array of dtype S/U/object, pandas Series
            or one-column DataFrame
        add_cls, add_sep : bool or None, default=None
            Add [CLS] at position 0 / [SEP] right after each sequence's last
            token; ``None`` follows ``add_special_tokens`` and the vocabulary.
        max_length : int or None, default=the encoder's ``max_length``
            Row length limit including special tokens.

        Returns
        -------
        input_ids : ndarray of int64, shape (B, L)
        attention_mask : ndarray of int64, shape (B, L)
            1 for sequence and special tokens, 0 for padding.

        Raises
        ------
        ValueError
            ``truncation=False`` and a sequence does not fit (naming it), or a
            character without a token with ``ambiguous_strategy="error"``.
        TypeError
            An element that is not a sequence (naming its index and type).
        """
        out = self._run(pack_batch(seqs), add_cls=add_cls, add_sep=add_sep,
                        max_length=max_length)
        return out["input_ids"], out["attention_mask"]

    def transform(self, X: Any) -> np.ndarray:
        """``input_ids`` of a batch (so the encoder works in a ``Pipeline``)."""
        return self._run(pack_batch(X))["input_ids"]

    def __call__(self, seqs: Any, *, add_cls: bool | None = None,
                 add_sep: bool | None = None, max_length: int | None = -1,
                 padding: str | None = None, return_tensors: str | None = "np",
                 return_special_tokens_mask: bool = False,
                 return_offsets_mapping: bool = False) -> dict:
        """Tokenise like a HuggingFace tokenizer: a dict of arrays or tensors.

        Parameters
        ----------
        seqs : one sequence or a batch of sequences
            A single str/bytes is treated as a batch of one.
        add_cls, add_sep, max_length : see :meth:`encode_batch`.
        padding : {"longest", "max_length"} or None
            Overrides the encoder's ``padding`` for this call.
        return_tensors : {"np", "pt"} or None, default="np"
            numpy arrays, or torch tensors sharing their memory.
        return_special_tokens_mask : bool, default=False
            Also return ``special_tokens_mask`` (1 for [CLS], [SEP], padding).
        return_offsets_mapping : bool, default=False
            Also return ``offset_mapping`` (B, L, 2): each token's base
            (start, end) in its sequence, (0, 0) for special tokens.

        Returns
        -------
        dict
            ``input_ids``, ``attention_mask`` and the requested extras, int64.

        Examples
        --------
        >>> enc = TransformerEncoder()
        >>> enc(["ACG"], return_special_tokens_mask=True)["special_tokens_mask"]
        array([[1, 0, 0, 0, 1]])
        """
        if return_tensors not in ("np", "pt", None):
            raise ValueError(f"return_tensors must be 'np', 'pt' or None, got {return_tensors!r}")
        if padding not in (None, "longest", "max_length"):
            raise ValueError(f"padding must be 'longest' or 'max_length', got {padding!r}")
        packed = (pack_one(seqs) if isinstance(seqs, (str, bytes, bytearray, memoryview))
                  else pack_batch(seqs))
        out = self._run(packed, add_cls=add_cls, add_sep=add_sep, max_length=max_length,
                        padding=padding, special=return_special_tokens_mask,
                        offsets=return_offsets_mapping)
        if return_tensors == "pt":
            import torch

            out = {key: torch.from_numpy(val) for key, val in out.items()}
        return out

    tokenize = __call__

    def encode_windows(self, seqs: Any, *, overlap: int = 0,
                       max_length: int | None = -1, padding: str | None = None,
                       return_tensors: str | None = "np") -> dict:
        """Split long sequences into overlapping windows instead of truncating.

        Each sequence becomes ``ceil`` as many rows as needed so that every
        token appears in at least one row of at most ``max_length`` tokens
        (special tokens included); consecutive windows of a sequence share
        ``overlap`` tokens. Short sequences give one row.

        Parameters
        ----------
        seqs : batch of sequences
        overlap : int, default=0
            Tokens shared by consecutive windows (bases when ``k == 1``).
        max_length : int, default=the encoder's ``max_length``
        padding, return_tensors : see :meth:`__call__`.

        Returns
        -------
        dict
            ``input_ids``, ``attention_mask`` (n_windows, L); ``sequence_index``
            (n_windows,): the source sequence of each row; ``base_offsets``
            (n_windows, 2): the bases ``[start, end)`` of the source the row
            covers. Average per-window predictions back per sequence with
            ``np.bincount(sequence_index, weights=pred)``.

        Examples
        --------
        >>> enc = TransformerEncoder(max_length=6)
        >>> w = enc.encode_windows(["ACGTACGTAC", "GG"], overlap=1)
        >>> w["sequence_index"], w["base_offsets"].tolist()
        (array([0, 0, 0, 1]), [[0, 4], [3, 7], [6, 10], [0, 2]])
        >>> w["input_ids"][1]
        array([1, 8, 5, 6, 7, 2])
        """
        self = self._snapshot()  # the parameters, read once for the whole call
        if max_length == -1:
            max_length = self.max_length
        if max_length is None:
            raise ValueError("encode_windows needs a max_length")
        packed = pack_batch(seqs)
        v = self.vocab
        n_spec = self._n_special(None, None)
        cap = int(max_length) - n_spec
        if not (isinstance(overlap, Integral) and 0 <= overlap < cap):
            raise ValueError(
                f"overlap must be an int with 0 <= overlap < {cap} (the tokens a "
                f"row holds at max_length={max_length}), got {overlap!r}"
            )
        counts = self._counts(packed)
        step = cap - int(overlap)
        n_win = np.maximum(1, -(-(np.maximum(counts - int(overlap), 1)) // step))
        seq_index = np.repeat(np.arange(len(packed), dtype=np.int64), n_win)
        first_tok = (np.arange(len(seq_index)) - np.repeat(np.cumsum(n_win) - n_win, n_win)) * step
        last_tok = np.minimum(first_tok + cap, counts[seq_index])  # exclusive
        lens = packed.lens[seq_index]
        if v.k == 1:
            start, end = first_tok, last_tok
        elif not v.greedy:
            start = first_tok * v.step
            end = np.where(last_tok > first_tok, (last_tok - 1) * v.step + v.k, start)
        else:
            # token boundaries depend on the content: read them off the offsets
            full = self._run(packed, add_cls=False, add_sep=False, max_length=None,
                             padding="longest", offsets=True)["offset_mapping"]
            ends = np.concatenate([full[:, :, 1], np.zeros((len(packed), 1), np.int64)], 1)
            starts = np.concatenate([full[:, :, 0], np.zeros((len(packed), 1), np.int64)], 1)
            start = starts[seq_index, np.minimum(first_tok, ends.shape[1] - 1)]
            end = np.where(last_tok > first_tok,
                           ends[seq_index, np.maximum(last_tok - 1, 0)], start)
        start = np.minimum(start, lens)
        end = np.minimum(end, lens)
        windows = Packed(packed.ptrs[seq_index] + start, end - start, packed.keep)
        out = self._run(windows, max_length=max_length, padding=padding)
        out["sequence_index"] = seq_index
        out["base_offsets"] = np.ascontiguousarray(np.stack([start, end], axis=1))
        if return_tensors == "pt":
            import torch

            out = {key: torch.from_numpy(val) for key, val in out.items()}
        return out

    # -- vocabulary introspection ------------------------------------------------
    def get_vocab(self) -> dict:
        """Token string -> id."""
        return self.vocab.get_vocab()

    def convert_ids_to_tokens(self, ids: Any) -> list:
        """Token strings of a sequence of ids (an int gives one string)."""
        toks = self.vocab.tokens
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

    def convert_tokens_to_ids(self, tokens: str | Sequence[str]) -> Any:
        """Ids of token strings (a str gives one id)."""
        if isinstance(tokens, str):
            return self.vocab.token_to_id(tokens)
        return [self.vocab.token_to_id(t) for t in tokens]

    def decode(self, ids: Any, skip_special_tokens: bool = True) -> str:
        """The sequence text of one row of ids.

        Special tokens and padding are dropped (with ``skip_special_tokens``);
        overlapping k-mers are merged back into bases; [UNK] comes back as
        ``N`` for every base it stands for.
        """
        v = self.vocab
        tokens = self.convert_ids_to_tokens(np.asarray(ids).ravel())
        unk = v.special["unk"]
        specials = set(v.special.values())
        parts: list[str] = []
        first = True
        for tok in tokens:
            if tok in specials and tok != unk:
                if not skip_special_tokens:
                    parts.append(tok)
                continue
            if tok == unk:
                tok = "N" * (v.k if (v.k > 1 and not v.greedy) else 1)
            if v.k > 1 and not v.greedy and not first:
                tok = tok[len(tok) - v.step:]
            parts.append(tok)
            first = False
        return "".join(parts)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Column names ``tok0``, ``tok1``, ... (needs ``padding="max_length"``)."""
        if self.padding != "max_length" or self.max_length is None:
            raise ValueError(
                "TransformerEncoder has named columns only with padding='max_length' "
                "and max_length set (otherwise the width depends on the batch)"
            )
        return np.asarray([f"tok{p}" for p in range(int(self.max_length))], dtype=object)

    def _encode_packed(self, packed: Packed, *, single: bool) -> np.ndarray:
        ids = self._run(packed)["input_ids"]
        return ids[0] if single else ids


_DEFAULT_CACHE: dict = {}


def _default_cached(encoding_type: Any, k: int, stride: int | None) -> TokenVocabulary:
    key = (get_alphabet(encoding_type), k, stride)
    v = _DEFAULT_CACHE.get(key)
    if v is None:
        v = _DEFAULT_CACHE[key] = default_vocabulary(encoding_type, k, stride)
    return v
