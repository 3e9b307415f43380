"""Transformer inputs: token ids, attention masks and special tokens.

:class:`TransformerEncoder` reads a :class:`~deepbiop.vocabularies.TokenVocabulary`
(deepbiop's default layout or a published model's preset, both in
:mod:`deepbiop.vocabularies`) as 256-entry lookup tables and hands packed
sequences to the ``_tokens`` kernel. ``TokenVocabulary``, ``PRESETS`` and
``default_vocabulary`` are re-exported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from deepbiop._sequences import Packed, pack_batch, pack_one
from deepbiop.alphabets import Alphabet
from deepbiop.encoders._base import SequenceEncoder
from deepbiop.encoders._tokenize import token_counts, tokenize
from deepbiop.encoders._windows import tokenize_windows
from deepbiop.vocabularies import PRESETS, TokenVocabulary, default_vocabulary, preset_vocabulary

__all__ = ["TokenVocabulary", "TransformerEncoder", "PRESETS", "default_vocabulary"]


def _as_tensors(out: dict, return_tensors: str | None) -> dict:
    """``out`` as torch tensors sharing memory for ``return_tensors="pt"``."""
    if return_tensors != "pt":
        return out
    import torch

    return {key: torch.from_numpy(val) for key, val in out.items()}


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

    @property
    def position_axis(self) -> int:
        """1: ``input_ids`` and ``attention_mask`` are ``(B, L)``."""
        return 1

    @property
    def returns_attention_mask(self) -> bool:
        """True: :meth:`encode_batch` returns ``(input_ids, attention_mask)``."""
        return True

    # -- construction ----------------------------------------------------------
    @classmethod
    def from_preset(cls, name: str, **params: Any) -> TransformerEncoder:
        """An encoder producing the exact ids of a published model's tokenizer.

        Parameters
        ----------
        name : str
            One of ``"dnabert-3"``, ``"dnabert-4"``, ``"dnabert-5"``,
            ``"dnabert-6"``, ``"nucleotide-transformer"``, ``"hyenadna"``,
            ``"caduceus"``; ``"dnabert"`` alone means ``"dnabert-6"``.
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
        vocab = preset_vocabulary(name)
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
                f"stride={self.stride} > k={self.k} would skip bases; use 1 <= stride <= k"
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
        return default_vocabulary(self.encoding_type, int(self.k), self.stride)

    @property
    def vocab_size(self) -> int:
        """Number of token ids (``BertConfig(vocab_size=...)``)."""
        return self.vocab.size

    def _special_ids(
        self, add_cls: bool | None, add_sep: bool | None, v: TokenVocabulary | None = None
    ) -> tuple[int, int]:
        v = self.vocab if v is None else v
        return v.framing_ids(
            self.add_special_tokens and v.add_cls if add_cls is None else add_cls,
            self.add_special_tokens and v.add_sep if add_sep is None else add_sep,
        )

    def _n_special(self, add_cls, add_sep) -> int:
        c, s = self._special_ids(add_cls, add_sep)
        return int(c >= 0) + int(s >= 0)

    # -- the work --------------------------------------------------------------
    def _counts(self, packed: Packed) -> np.ndarray:
        return token_counts(
            self.vocab,
            packed,
            check=self.ambiguous_strategy == "error",
            n_threads=self._n_threads(packed),
        )

    def tokenize_packed(
        self,
        packed: Packed,
        *,
        add_cls: bool | None = None,
        add_sep: bool | None = None,
        max_length: int | None = -1,
        padding: str | None = None,
        special: bool = False,
        offsets: bool = False,
        padding_side: str | None = None,
        truncation: bool | None = None,
    ) -> dict:
        """Tokenise a batch already packed by ``deepbiop._sequences``.

        The one path every tokenising call takes (``encode``, ``encode_batch``,
        ``__call__``, ``encode_windows``); integrations that pack their input
        themselves (:class:`deepbiop.hf.DeepBioPTokenizer`) call it directly.
        The encoder's parameters are read once for the whole call.

        Parameters
        ----------
        packed : Packed
            The batch (``pack_batch``/``pack_one`` output; kept alive by the caller).
        add_cls, add_sep : bool or None, default=None
            See :meth:`encode_batch`.
        max_length : int or None, default=-1
            Row length limit including special tokens; -1: the encoder's.
        padding : {"longest", "max_length"} or None, default=None
            None: the encoder's.
        special, offsets : bool, default=False
            Also return ``special_tokens_mask`` / ``offset_mapping``.
        padding_side : {"right", "left"} or None, default=None
            None: the encoder's, else the vocabulary's.
        truncation : bool or None, default=None
            None: the encoder's.

        Returns
        -------
        dict of str to ndarray of int64
            ``input_ids`` and ``attention_mask`` (B, L); ``special_tokens_mask``
            (B, L) and ``offset_mapping`` (B, L, 2) when asked for.

        Raises
        ------
        ValueError
            See :meth:`encode_batch`.
        """
        self = self._snapshot()  # the parameters, read once for the whole call
        v = self.vocab
        if max_length == -1:
            max_length = self.max_length
        cls_id, sep_id = self._special_ids(add_cls, add_sep, v)
        n_spec = int(cls_id >= 0) + int(sep_id >= 0)
        if max_length is not None and max_length < n_spec:
            raise ValueError(
                f"max_length={max_length} leaves no room for the {n_spec} special token(s)"
            )
        side = padding_side or self.padding_side or v.padding_side
        n_threads = self._n_threads(packed)
        counts = token_counts(
            v, packed, check=self.ambiguous_strategy == "error", n_threads=n_threads
        )
        return tokenize(
            v,
            packed,
            counts,
            cls_id=cls_id,
            sep_id=sep_id,
            max_length=max_length,
            pad_to_max_length=(self.padding if padding is None else padding) == "max_length",
            truncation=self.truncation if truncation is None else truncation,
            left=side == "left",
            special=special,
            offsets=offsets,
            n_threads=n_threads,
        )

    # -- public API ------------------------------------------------------------
    def encode(
        self, seq: Any, *, add_cls: bool | None = None, add_sep: bool | None = None
    ) -> np.ndarray:
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
        return self.tokenize_packed(pack_one(seq), add_cls=add_cls, add_sep=add_sep)["input_ids"][0]

    def encode_batch(
        self,
        seqs: Any,
        add_cls: bool | None = None,
        add_sep: bool | None = None,
        max_length: int | None = -1,
    ) -> tuple[np.ndarray, np.ndarray]:
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
        out = self.tokenize_packed(
            pack_batch(seqs), add_cls=add_cls, add_sep=add_sep, max_length=max_length
        )
        return out["input_ids"], out["attention_mask"]

    def transform(self, X: Any) -> np.ndarray:
        """``input_ids`` of a batch (so the encoder works in a ``Pipeline``)."""
        return self.tokenize_packed(pack_batch(X))["input_ids"]

    def __call__(
        self,
        seqs: Any,
        *,
        add_cls: bool | None = None,
        add_sep: bool | None = None,
        max_length: int | None = -1,
        padding: str | None = None,
        return_tensors: str | None = "np",
        return_special_tokens_mask: bool = False,
        return_offsets_mapping: bool = False,
    ) -> dict:
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
        packed = (
            pack_one(seqs)
            if isinstance(seqs, (str, bytes, bytearray, memoryview))
            else pack_batch(seqs)
        )
        out = self.tokenize_packed(
            packed,
            add_cls=add_cls,
            add_sep=add_sep,
            max_length=max_length,
            padding=padding,
            special=return_special_tokens_mask,
            offsets=return_offsets_mapping,
        )
        return _as_tensors(out, return_tensors)

    tokenize = __call__

    def encode_windows(
        self,
        seqs: Any,
        *,
        overlap: int = 0,
        max_length: int | None = -1,
        padding: str | None = None,
        return_tensors: str | None = "np",
    ) -> dict:
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
        enc = self._snapshot()  # the parameters, read once for the whole call
        max_length = enc.max_length if max_length == -1 else max_length
        if max_length is None:
            raise ValueError("encode_windows needs a max_length")
        packed = pack_batch(seqs)
        out = tokenize_windows(
            enc.tokenize_packed,
            packed,
            enc._counts(packed),
            enc.vocab,
            int(max_length) - enc._n_special(None, None),
            overlap,
            max_length,
            padding,
        )
        return _as_tensors(out, return_tensors)

    # -- vocabulary introspection ------------------------------------------------
    def get_vocab(self) -> dict:
        """Token string -> id."""
        return self.vocab.get_vocab()

    def convert_ids_to_tokens(self, ids: Any) -> Any:
        """Token strings of a sequence of ids (an int gives one string)."""
        return self.vocab.ids_to_tokens(ids)

    def convert_tokens_to_ids(self, tokens: str | Sequence[str]) -> Any:
        """Ids of token strings (a str gives one id)."""
        if isinstance(tokens, str):
            return self.vocab.token_to_id(tokens)
        return [self.vocab.token_to_id(t) for t in tokens]

    def decode(self, ids: Any, skip_special_tokens: bool = True) -> str:
        """The sequence text of one row of ids (see :meth:`TokenVocabulary.decode`)."""
        return self.vocab.decode(ids, skip_special_tokens)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Column names ``tok0``, ``tok1``, ... (needs ``padding="max_length"``)."""
        if self.padding != "max_length" or self.max_length is None:
            raise ValueError(
                "TransformerEncoder has named columns only with padding='max_length' "
                "and max_length set (otherwise the width depends on the batch)"
            )
        return np.asarray([f"tok{p}" for p in range(int(self.max_length))], dtype=object)

    def _encode_packed(self, packed: Packed, *, single: bool) -> np.ndarray:
        ids = self.tokenize_packed(packed)["input_ids"]
        return ids[0] if single else ids
