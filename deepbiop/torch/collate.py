"""Batch collation: :class:`EncodeCollate` encodes a whole batch of raw
sequences with one encoder call; :class:`ExpandCodes` expands compact integer
codes to one-hot on the model's device."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from numbers import Integral
from typing import Any

import numpy as np
import torch

__all__ = ["EncodeCollate", "ExpandCodes"]

_TEXT = (str, bytes, bytearray, memoryview)
_MASK_DTYPES = {
    torch.bool: np.bool_,
    torch.uint8: np.uint8,
    torch.int32: np.int32,
    torch.int64: np.int64,
    torch.float32: np.float32,
}


def _label_tensor(labels: list[Any], dtype: Any) -> torch.Tensor:
    arr = np.asarray(labels)
    if dtype is not None:
        return torch.as_tensor(arr, dtype=dtype)
    if arr.dtype.kind in "iub":
        return torch.from_numpy(arr.astype(np.int64, copy=False))
    if arr.dtype.kind == "f":
        return torch.from_numpy(arr.astype(np.float32, copy=False))
    if arr.dtype == object:
        return torch.as_tensor(np.stack([np.asarray(v) for v in labels]))
    raise TypeError(
        f"labels of dtype {arr.dtype} cannot become a tensor (first label: {labels[0]!r}); "
        "map them to numbers in label_fn"
    )


class EncodeCollate:
    """Collate raw sequences into tensors with ONE encoder call per batch.

    Parameters
    ----------
    encoder : deepbiop encoder
        :class:`~deepbiop.OneHotEncoder`, :class:`~deepbiop.IntegerEncoder`,
        :class:`~deepbiop.KmerEncoder`, :class:`~deepbiop.TransformerEncoder`
        (whose ``(input_ids, attention_mask)`` are used as they are), or any
        object with ``encode_batch`` returning a numpy array. The encoder's
        ``position_axis`` and ``returns_attention_mask`` properties (every
        deepbiop encoder has them) say where the positions are and whether
        the output is that pair; an object without them is taken to return
        one array with no position axis.
    max_length : int or None, default=None
        Truncate to and pad every batch to exactly ``max_length`` positions
        (fixed-size CNN input). None pads to the batch's longest sequence.
        For an encoder with a ``max_length`` parameter this sets it on a copy;
        otherwise the sequences are cut before encoding.
    label_dtype : torch.dtype or None, default=None
        dtype of ``labels``; by default int64 for integer labels and float32
        for floats.
    mask_dtype : torch.dtype or None, default=torch.int64
        dtype of ``attention_mask``: ``torch.bool`` or ``torch.uint8`` move an
        eighth of the bytes between DataLoader worker processes (HuggingFace
        models want int64 masks). None leaves the mask out: build it where it
        is used from ``lengths`` (``torch.arange(L, device=d) <
        lengths.to(d)[:, None]``), so workers send half the bytes of the
        compact path.

    Returns
    -------
    dict
        ``inputs``: the encoded batch as a tensor (sharing the kernel's output
        memory); ``lengths``: int64 ``(B,)`` real lengths after truncation;
        ``attention_mask``: ``(B, L)`` of ``mask_dtype``, 1 on real positions, for encoders
        with a ``position_axis`` (not k-mer counts or flattened one-hot), or
        the encoder's own mask when it ``returns_attention_mask``;
        ``labels`` when the items carry labels; ``ids`` (a list) when they
        carry ids.

    Notes
    -----
    Items may be sequences, ``(sequence, label)``, ``(sequence, label, id)``
    tuples, or dicts with ``"sequence"`` and optional ``"label"``/``"id"``.
    The collate runs inside the DataLoader worker, so the encoding is spread
    over the workers; the object is picklable for spawn-based workers.

    Examples
    --------
    >>> import deepbiop as dbp
    >>> from deepbiop.torch import EncodeCollate
    >>> out = EncodeCollate(dbp.IntegerEncoder(dtype="int64"))([("ACGT", 1), ("GA", 0)])
    >>> out["inputs"]
    tensor([[ 0,  1,  2,  3],
            [ 2,  0, -1, -1]])
    >>> out["lengths"], out["attention_mask"][1], out["labels"]
    (tensor([4, 2]), tensor([1, 1, 0, 0]), tensor([1, 0]))
    """

    def __init__(
        self,
        encoder: Any,
        max_length: int | None = None,
        *,
        label_dtype: Any = None,
        mask_dtype: Any = torch.int64,
    ) -> None:
        if mask_dtype is not None and mask_dtype not in _MASK_DTYPES:
            raise ValueError(
                f"mask_dtype must be None or one of {', '.join(map(str, _MASK_DTYPES))}; "
                f"got {mask_dtype!r}"
            )
        if not hasattr(encoder, "encode_batch"):
            raise TypeError(
                f"encoder must have an encode_batch method, got {type(encoder).__name__}"
            )
        if max_length is not None and (
            isinstance(max_length, bool) or not isinstance(max_length, Integral) or max_length < 0
        ):
            raise ValueError(
                f"max_length must be a non-negative integer or None, got {max_length!r}"
            )
        self.encoder = encoder
        self.max_length = max_length
        self.label_dtype = label_dtype
        self.mask_dtype = mask_dtype
        self._enc = encoder
        self._cut = False
        params = encoder.get_params(deep=False) if hasattr(encoder, "get_params") else {}
        if max_length is not None:
            if "max_length" in params:
                from sklearn.base import clone

                self._enc = clone(encoder).set_params(max_length=int(max_length))
            else:
                self._cut = True
        # Inside a DataLoader worker an encoder left at n_jobs=None runs on one
        # thread: deepbiop._config's default rule, for every caller.
        # What the encoder declares about its output (foreign objects: one
        # array without a position axis).
        self._axis = getattr(self._enc, "position_axis", None)
        self._pair = bool(getattr(self._enc, "returns_attention_mask", False))

    def _split(self, batch: Sequence[Any]) -> tuple[list[Any], list[Any] | None, list[Any] | None]:
        if len(batch) == 0:
            return [], None, None
        first = batch[0]
        if isinstance(first, _TEXT) or (isinstance(first, np.ndarray) and first.dtype == np.uint8):
            return list(batch), None, None
        if isinstance(first, Mapping):
            seqs = [b["sequence"] for b in batch]
            labels = [b["label"] for b in batch] if "label" in first else None
            ids = [b["id"] for b in batch] if "id" in first else None
            return seqs, labels, ids
        if isinstance(first, (tuple, list)):
            seqs = [b[0] for b in batch]
            labels = [b[1] for b in batch] if len(first) > 1 else None
            ids = [b[2] for b in batch] if len(first) > 2 else None
            if labels is not None and all(v is None for v in labels):
                labels = None
            return seqs, labels, ids
        raise TypeError(
            "EncodeCollate items must be sequences, (sequence, label[, id]) tuples or "
            f"dicts with a 'sequence' key; item 0 is {type(first).__name__}"
        )

    def __call__(self, batch: Sequence[Any]) -> dict[str, Any]:
        seqs, labels, ids = self._split(batch)
        return self.collate_columns(seqs, labels, ids)

    def collate_columns(
        self, seqs: list[Any], labels: list[Any] | None = None, ids: list[Any] | None = None
    ) -> dict[str, Any]:
        """Collate a batch given as columns instead of items.

        What :meth:`__call__` does after splitting its items; a dataset that
        already holds the batch as a list of sequences (and of labels, ids)
        calls this directly (as :class:`~deepbiop.torch.FastxBatchDataset` does).

        Parameters
        ----------
        seqs : list of str or bytes
        labels : list or None, default=None
        ids : list or None, default=None

        Returns
        -------
        dict
            See :meth:`__call__`.
        """
        if self._cut:
            seqs = [s[: self.max_length] for s in seqs]
        lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
        if self.max_length is not None:
            np.minimum(lengths, self.max_length, out=lengths)
        encoded = self._enc.encode_batch(seqs)
        out: dict[str, Any] = {}
        if self._pair:  # the encoder declares (input_ids, attention_mask)
            ids_array, mask = encoded
            out["inputs"] = torch.as_tensor(ids_array)
            out["attention_mask"] = torch.as_tensor(mask)
        else:
            if not isinstance(encoded, np.ndarray):
                raise TypeError(
                    f"{type(self._enc).__name__}.encode_batch returned "
                    f"{type(encoded).__name__}; EncodeCollate takes a numpy array (for "
                    "KmerEncoder pass sparse=False), or (input_ids, attention_mask) from an "
                    "encoder whose returns_attention_mask is True"
                )
            out["inputs"] = torch.from_numpy(encoded)
            axis = self._axis
            if axis is not None and self.mask_dtype is not None:
                L = encoded.shape[axis]
                mask = np.arange(L, dtype=np.int64)[None, :] < lengths[:, None]
                np_dtype = _MASK_DTYPES[self.mask_dtype]
                out["attention_mask"] = torch.from_numpy(mask.astype(np_dtype, copy=False))
        out["lengths"] = torch.from_numpy(lengths)
        if labels is not None:
            out["labels"] = _label_tensor(labels, self.label_dtype)
        if ids is not None:
            out["ids"] = ids
        return out

    def __repr__(self) -> str:
        return f"EncodeCollate({self.encoder!r}, max_length={self.max_length!r})"


class ExpandCodes(torch.nn.Module):
    """Expand integer codes to one-hot on the model's device (the compact path).

    DataLoader workers yield 1 byte per base (``IntegerEncoder(dtype=np.uint8)``)
    instead of 16 (float32 one-hot over 4 letters); put this module first in
    the model and the expansion runs where the model runs (GPU or CPU).

    Parameters
    ----------
    num_classes : int, default=4
        Alphabet size ``A`` (4 for DNA/RNA, 20 for protein). Codes
        ``0 .. A - 1`` become one-hot rows; every other code (the
        ``"unknown"`` code ``A`` of :class:`~deepbiop.IntegerEncoder`, its
        ``pad_value``, negative pads) becomes an all-zero row, as
        ``OneHotEncoder(ambiguous_strategy="skip")`` encodes N and padding.
    channels_first : bool, default=False
        Output ``(B, A, L)`` (Conv1d layout, ``OneHotEncoder(channels_first=True)``)
        instead of ``(B, L, A)``.
    dtype : torch.dtype, default=torch.float32

    Notes
    -----
    Input: an integer tensor of codes, any shape ``(..., L)``; output:
    ``(..., L, A)`` or, with ``channels_first``, ``(..., A, L)``, contiguous.
    One table lookup (a ``(A + 1, A)`` identity with a zero row); no
    parameters, nothing to train.

    Examples
    --------
    >>> import numpy as np, torch, deepbiop as dbp
    >>> from deepbiop.torch import ExpandCodes
    >>> codes = dbp.IntegerEncoder("dna", "unknown", dtype=np.uint8, pad_value=255)
    >>> x = torch.from_numpy(codes.encode_batch(["ACN", "G"]))
    >>> x
    tensor([[  0,   1,   4],
            [  2, 255, 255]], dtype=torch.uint8)
    >>> ExpandCodes(4)(x)[1]
    tensor([[0., 0., 1., 0.],
            [0., 0., 0., 0.],
            [0., 0., 0., 0.]])
    >>> ExpandCodes(4, channels_first=True)(x).shape
    torch.Size([2, 4, 3])
    """

    def __init__(
        self,
        num_classes: int = 4,
        *,
        channels_first: bool = False,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__()
        if (
            isinstance(num_classes, bool)
            or not isinstance(num_classes, Integral)
            or num_classes < 1
        ):
            raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")
        if not (
            isinstance(dtype, torch.dtype)
            and (dtype.is_floating_point or dtype in (torch.uint8, torch.bool, torch.int64))
        ):
            raise ValueError(
                f"dtype must be a floating, uint8, bool or int64 torch.dtype, got {dtype!r}"
            )
        self.num_classes = int(num_classes)
        self.channels_first = bool(channels_first)
        self.dtype = dtype
        table = torch.cat([torch.eye(self.num_classes), torch.zeros(1, self.num_classes)])
        self.register_buffer("table", table.to(dtype), persistent=False)

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        """``codes`` (integer, ``(..., L)``) -> one-hot ``(..., L, A)`` or ``(..., A, L)``."""
        if codes.dtype.is_floating_point or codes.dtype == torch.bool or codes.is_complex():
            raise TypeError(f"ExpandCodes takes integer codes, got a {codes.dtype} tensor")
        idx = codes.long()
        idx = torch.where((idx >= 0) & (idx < self.num_classes), idx, self.num_classes)
        out = self.table[idx]
        if self.channels_first:
            out = out.movedim(-1, -2).contiguous()
        return out

    def extra_repr(self) -> str:
        return (
            f"num_classes={self.num_classes}, channels_first={self.channels_first}, "
            f"dtype={self.dtype}"
        )
