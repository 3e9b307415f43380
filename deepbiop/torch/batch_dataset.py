"""The fast path: :class:`FastxBatchDataset` reads, augments and encodes
whole batches of FASTA/FASTQ records inside each DataLoader worker."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping
from itertools import islice
from numbers import Integral
from typing import Any

import torch
from torch.utils.data import IterableDataset

from deepbiop.io import ShardPart, iter_shard_parts
from deepbiop.torch._fastx import FastxMixin
from deepbiop.torch._pipe import PipedBatch
from deepbiop.torch._seeding import in_worker
from deepbiop.torch.collate import EncodeCollate

__all__ = ["FastxBatchDataset"]


class FastxBatchDataset(FastxMixin, IterableDataset):
    """Stream FASTA/FASTQ(.gz) files as whole encoded batches (the fast path).

    Each iteration step reads ``batch_size`` records, applies the transform to
    the whole batch (one kernel call for the text augmentations of
    :mod:`deepbiop.augment`), encodes it with ONE encoder call and yields the
    tensors. Use it with ``DataLoader(ds, batch_size=None, num_workers=k)``:
    the DataLoader then moves one ready batch per step instead of fetching
    and collating ``batch_size`` single items.

    Parameters
    ----------
    paths : path or list of paths
        FASTA/FASTQ files, plain or compressed; opened lazily inside each
        worker when iteration starts.
    encoder : deepbiop encoder
        Any object with ``encode_batch`` (see :class:`EncodeCollate`). For
        ``num_workers > 0`` prefer a compact output (see Notes):
        ``IntegerEncoder("dna", "unknown", dtype=np.uint8, pad_value=255)``
        expanded on the model's device by :class:`ExpandCodes`, or
        ``OneHotEncoder(dtype=np.uint8)`` and ``batch["inputs"].float()``.
    batch_size : int, default=256
        Records per batch. Batches are cut from the stream of records counted
        over all files, so they may span a file boundary.
    label_fn : callable, optional
        ``label_fn(record) -> label``; a ``label_fn.batch(records)`` method,
        as :class:`deepbiop.io.HeaderLabel` has, is used when present.
    labels : mapping of record id to label, optional
        A labels table instead of ``label_fn``.
    transform : callable, optional
        A :class:`deepbiop.augment.Augmentation` (applied to the batch's list of
        sequences with its ``batch`` method and this dataset's worker-aware
        generator) or any callable, applied to each sequence.
    max_length : int or None, default=None
        Truncate and pad every batch to exactly ``max_length`` positions.
    label_dtype : torch.dtype or None, default=None
    mask_dtype : torch.dtype or None, default=torch.int64
        ``torch.bool`` or ``torch.uint8`` for compact masks; None for no
        ``attention_mask`` (build it on the device from ``lengths``; see
        :class:`EncodeCollate`).
    seed : int or None, default=None
        Base seed of the augmentation stream (see :mod:`deepbiop.torch`).
    drop_last : bool, default=False
        Drop each shard's last batch when it is smaller than ``batch_size``.
    return_ids : bool, default=False
        Add ``ids`` (a list of record ids) to each batch.
    fileformat : {"fasta", "fastq"} or None, default=None
    rank, world_size : int or None, default=None
        Distributed shard of this process; by default as :class:`FastxDataset`
        finds it (process group, else ``RANK``/``WORLD_SIZE``, else 0 of 1).
    shuffle_buffer : int, default=0
        If > 1, records pass through a buffer of this many records and leave
        it in a random order before being cut into batches; the order is drawn
        from the generator of the augmentations (``seed``, epoch via
        :meth:`set_epoch`, rank and worker), so a run reproduces.
    shard : {"auto", "chunk"}, default="auto"
        How the records are split between shards (see Notes). ``"chunk"``:
        every shard parses every file and keeps every ``n``-th batch, so the
        shards' sizes differ by at most one batch (distributed training with
        equal step counts per rank); ``"auto"``: no shard parses what it does
        not yield where the files allow it.

    Yields
    ------
    dict
        As :class:`EncodeCollate`: ``inputs``, ``lengths``,
        ``attention_mask`` (encoders with a position axis), ``labels``,
        ``ids``.

    Notes
    -----
    Sharding (``n`` shards = world size x DataLoader workers; shard ``s`` =
    rank x workers + worker id; see :func:`deepbiop.io.iter_shard`), with
    ``shard="auto"``:

    * at least as many files as shards: shard ``s`` reads files ``s, s + n,
      ...`` whole;
    * fewer files than shards: each plain or BGZF file (detected by content,
      e.g. written by ``bgzip`` or :func:`deepbiop.io.to_bgzf`) is cut into
      ``n`` byte ranges and each shard reads its range from the first record
      boundary in it, so no shard parses records it does not yield;
    * an ordinary gzip (or bz2, xz, zstd) file cannot be entered in the
      middle: when it has to be shared, every shard parses all of it and
      keeps batches ``s, s + n, ...`` (a ``UserWarning`` names the file).
      Workers then split only the encoding, so they add little: split such
      a file into one file per worker, or recompress it as BGZF.

    Every record is yielded exactly once per epoch, in a deterministic order;
    within a shard records come in file order (unless ``shuffle_buffer``),
    and batches may span files. Byte ranges balance bytes, not records:
    ranks may get slightly different numbers of batches, which distributed
    training with equal step counts cannot tolerate; use ``shard="chunk"``
    (or ``torch.distributed.algorithms.Join``) there.

    The compact path. A float32 one-hot batch costs 16 bytes per base to pass
    from a worker to the main process; uint8 codes cost 1. Let workers yield
    ``IntegerEncoder("dna", "unknown", dtype=np.uint8, pad_value=255)``
    codes and expand them on the model's device with :class:`ExpandCodes`
    (equal to ``OneHotEncoder("dna", "skip")``: N and padding become zero
    rows), and pass ``mask_dtype=torch.bool``.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, deepbiop as dbp
    >>> from deepbiop.io import HeaderLabel
    >>> from deepbiop.torch import FastxBatchDataset
    >>> p = os.path.join(tempfile.mkdtemp(), "x.fa")
    >>> _ = open(p, "w").write(">a label=1\\nACGT\\n>b label=0\\nGG\\n>c label=1\\nT\\n")
    >>> ds = FastxBatchDataset(p, dbp.IntegerEncoder(dtype="int64"), batch_size=2,
    ...                        label_fn=HeaderLabel(), mask_dtype=torch.bool)
    >>> [b["inputs"].tolist() for b in ds]
    [[[0, 1, 2, 3], [2, 2, -1, -1]], [[3]]]
    >>> b = next(iter(ds)); b["labels"], b["lengths"], b["attention_mask"].dtype
    (tensor([1, 0]), tensor([4, 2]), torch.bool)
    """

    def __init__(
        self,
        paths: Any,
        encoder: Any,
        *,
        batch_size: int = 256,
        label_fn: Callable[[Any], Any] | None = None,
        labels: Mapping[str, Any] | None = None,
        transform: Callable[..., Any] | None = None,
        max_length: int | None = None,
        label_dtype: Any = None,
        mask_dtype: Any = torch.int64,
        seed: int | None = None,
        drop_last: bool = False,
        return_ids: bool = False,
        fileformat: str | None = None,
        rank: int | None = None,
        world_size: int | None = None,
        shuffle_buffer: int = 0,
        shard: str = "auto",
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, Integral) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if shard not in ("auto", "chunk"):
            raise ValueError(f"shard must be 'auto' or 'chunk', got {shard!r}")
        self.shard = shard
        self._init_stream(
            paths,
            label_fn=label_fn,
            labels=labels,
            transform=transform,
            seed=seed,
            return_ids=return_ids,
            fileformat=fileformat,
            rank=rank,
            world_size=world_size,
            shuffle_buffer=shuffle_buffer,
        )
        self._collate_fn = EncodeCollate(
            encoder, max_length, label_dtype=label_dtype, mask_dtype=mask_dtype
        )
        self.encoder = encoder
        self.batch_size = int(batch_size)
        self.max_length = max_length
        self.drop_last = bool(drop_last)

    def _parts(self, shard: int, n_shards: int) -> Iterator[ShardPart]:
        """This shard's runs of records; warns once when a file is parsed by every shard."""
        split = self.shard == "auto"
        for part in iter_shard_parts(
            self.paths,
            shard,
            n_shards,
            fileformat=self.fileformat,
            chunk_size=self.batch_size,
            split=split,
        ):
            if part.shared and split and n_shards > 1 and shard == 0 and self._once("shared file"):
                warnings.warn(
                    f"deepbiop: {part.path!r} is compressed as one gzip (or bz2/xz/zstd) "
                    "stream, which cannot be entered in the middle, so each of the "
                    f"{n_shards} DataLoader workers x ranks parses all of it and keeps its "
                    "own batches: more workers add no parsing speed. Split it into at least "
                    "as many files as workers, or recompress it as BGZF (`bgzip`, or "
                    "deepbiop.io.to_bgzf(src, dst)), which workers split by byte ranges.",
                    UserWarning,
                    stacklevel=2,
                )
            yield part

    def _chunks(
        self, shard: int, n_shards: int
    ) -> Iterator[tuple[list[Any], list[tuple[Any, int, int]]]]:
        """This shard's batches of records, with ``(part, index in part, count)`` pieces."""
        bs = self.batch_size
        parts = self._parts(shard, n_shards)
        if self.shuffle_buffer > 1:
            items = ((rec, part, k) for part in parts for k, rec in enumerate(part.records))
            shuffled = self._shuffled(items)
            while True:
                batch = list(islice(shuffled, bs))
                if not batch:
                    return
                yield [r for r, _, _ in batch], [(part, k, 1) for _, part, k in batch]
        recs: list[Any] = []
        pieces: list[tuple[Any, int, int]] = []
        for part in parts:
            it = part.records
            k = 0  # records taken from this part
            while True:
                want = bs - len(recs)
                got = list(islice(it, want))
                if got:
                    recs += got
                    pieces.append((part, k, len(got)))
                    k += len(got)
                if len(recs) == bs:
                    yield recs, pieces
                    recs, pieces = [], []
                if len(got) < want:
                    break  # part exhausted
        if recs:
            yield recs, pieces

    def _batch_labels(
        self, recs: list[Any], pieces: list[tuple[Any, int, int]]
    ) -> list[Any] | None:
        if self.label_fn is not None:
            many = getattr(self.label_fn, "batch", None)
            return many(recs) if callable(many) else [self.label_fn(r) for r in recs]
        if self.labels is None:
            return None
        table = self.labels
        try:
            return [table[r.id] for r in recs]
        except KeyError:
            pass
        j = 0
        for part, first, n in pieces:  # name the file and record of the first miss
            for k in range(n):
                if recs[j].id not in table:
                    at = "" if part.where == "its start" else f" of the part from {part.where}"
                    raise KeyError(
                        f"{part.path!r}: record {part.first + first + k} (0-based{at}, id "
                        f"{recs[j].id!r}) has no entry in labels"
                    ) from None
                j += 1
        raise AssertionError("unreachable: a missing label was not found")  # pragma: no cover

    def _batch_transform(self, seqs: list[Any]) -> list[Any]:
        t = self.transform
        if t is None:
            return seqs
        many = getattr(t, "batch", None)
        if callable(many) and self._transform_rng:
            return many(seqs, random_state=self._rng())
        if self._transform_rng:
            rng = self._rng()
            return [t(x, random_state=rng) for x in seqs]
        return [t(x) for x in seqs]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        shard, n_shards = self.shard_info()
        wrap = PipedBatch if in_worker() else dict
        for recs, pieces in self._chunks(shard, n_shards):
            if self.drop_last and len(recs) < self.batch_size:
                return
            seqs = self._batch_transform([r.sequence for r in recs])
            labels = self._batch_labels(recs, pieces)
            ids = [r.id for r in recs] if self.return_ids else None
            yield wrap(self._collate_fn.collate_columns(seqs, labels, ids))
