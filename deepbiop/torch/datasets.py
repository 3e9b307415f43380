"""The sequence datasets: :class:`SequenceDataset` (map-style, in-memory
sequences) and :class:`FastxDataset` (FASTA/FASTQ records streamed once per
epoch across DataLoader workers and distributed ranks)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from numbers import Integral
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, IterableDataset

from deepbiop.io import iter_records
from deepbiop.torch._fastx import FastxMixin
from deepbiop.torch._seeding import SeededMixin, takes_random_state

__all__ = ["SequenceDataset", "FastxDataset"]


def _encode(encoder: Any, seq: Any) -> Any:
    """``seq`` encoded on its own as a tensor, or as it is without an encoder."""
    if encoder is None:
        return seq
    return torch.from_numpy(encoder.encode(seq))


class SequenceDataset(SeededMixin, Dataset):
    """Map-style dataset over in-memory sequences and optional labels.

    Parameters
    ----------
    sequences : sequence of str or bytes
        Anything indexable with ``len`` (list, numpy array, pandas Series
        values).
    labels : array-like, optional
        One label per sequence.
    encoder : deepbiop encoder, optional
        If given, each item is encoded on its own (``encoder.encode``) and
        returned as a tensor. Leave it None and pass an
        :class:`EncodeCollate` to the DataLoader to encode whole batches in
        one call instead (faster).
    transform : callable, optional
        Applied to the raw sequence before encoding. Objects from
        :mod:`deepbiop.augment` (and any callable with a ``random_state``
        parameter) receive this dataset's worker-aware generator.
    seed : int or None, default=None
        Base seed of the augmentation stream (see :mod:`deepbiop.torch`).

    Returns
    -------
    Items are ``x`` or ``(x, label)``, where ``x`` is the (transformed)
    sequence or, with ``encoder``, its encoded tensor.

    Examples
    --------
    >>> import deepbiop as dbp
    >>> from deepbiop.torch import SequenceDataset
    >>> ds = SequenceDataset(["ACGT", "GG"], [1, 0], encoder=dbp.IntegerEncoder(dtype="int64"))
    >>> len(ds), ds[0]
    (2, (tensor([0, 1, 2, 3]), 1))
    """

    def __init__(
        self,
        sequences: Sequence[Any],
        labels: Any = None,
        *,
        encoder: Any = None,
        transform: Callable[..., Any] | None = None,
        seed: int | None = None,
    ) -> None:
        try:
            n = len(sequences)
        except TypeError:
            raise TypeError(
                f"sequences must support len() and indexing, got {type(sequences).__name__}"
            ) from None
        if labels is not None:
            labels = labels.to_numpy() if hasattr(labels, "to_numpy") else labels
            if len(labels) != n:
                raise ValueError(f"got {n} sequences but {len(labels)} labels")
        if transform is not None and not callable(transform):
            raise TypeError(f"transform must be callable, got {type(transform).__name__}")
        self.sequences = sequences
        self.labels = labels
        self.encoder = encoder
        self.transform = transform
        self._init_seeding(seed)
        self._transform_rng = takes_random_state(transform)

    def __len__(self) -> int:
        return len(self.sequences)

    def __getitem__(self, index: int) -> Any:
        n = len(self.sequences)
        if isinstance(index, (bool, np.bool_)) or not isinstance(index, (Integral, np.integer)):
            raise TypeError(f"index must be an integer, got {type(index).__name__}")
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of range for {n} sequences")
        x = _encode(self.encoder, self._apply_transform(self.sequences[index]))
        if self.labels is None:
            return x
        y = self.labels[index]
        return x, (y.item() if isinstance(y, np.generic) else y)


_SHARD_MODES = ("record", "file")


class FastxDataset(FastxMixin, IterableDataset):
    """Stream FASTA/FASTQ(.gz) records, each exactly once per epoch across
    DataLoader workers and distributed ranks.

    Parameters
    ----------
    paths : path or list of paths
        FASTA/FASTQ files, plain or compressed. They are opened lazily, inside
        each worker, when iteration starts (nothing is opened or indexed at
        construction, so the dataset pickles to a few bytes).
    label_fn : callable, optional
        ``label_fn(record) -> label``; ``record`` is a
        :class:`dnaio.SequenceRecord` (``id``, ``name``, ``sequence``,
        ``qualities``). Use :class:`deepbiop.io.HeaderLabel` for
        ``label=1``-style headers: unlike a lambda it pickles for spawn workers.
    labels : mapping of record id to label, optional
        A labels table (dict or pandas Series indexed by id) instead of
        ``label_fn``.
    encoder : deepbiop encoder, optional
        Encode each record on its own; prefer :class:`EncodeCollate`.
    transform : callable, optional
        Applied to each sequence (see :class:`SequenceDataset`).
    seed : int or None, default=None
        Base seed of the augmentation/shuffle stream.
    shard : {"record", "file"}, default="record"
        ``"record"``: shard ``s`` of ``n`` (``n`` = world size x workers)
        takes records ``s, s + n, s + 2n, ...`` counted over all files, so the
        shards differ in size by at most one record; every worker parses every
        file and skips the others' records. ``"file"``: shard ``s`` reads
        files ``s, s + n, ...`` whole (no repeated parsing; use it with many
        files of similar size; shards may be empty or unequal, which
        distributed training with equal step counts cannot tolerate).
    shuffle_buffer : int, default=0
        If > 1, records pass through a buffer of this size and leave it in a
        random order (seeded like the augmentations).
    return_ids : bool, default=False
        Items become ``(sequence, label, id)`` (label None without labels).
    fileformat : {"fasta", "fastq"} or None, default=None
        Force a format instead of detecting it from the name/first byte.
    rank, world_size : int or None, default=None
        Distributed shard of this process. By default: the ``torch.distributed``
        process group (in ``spawn``/``forkserver`` DataLoader workers, the main
        process's when the workers started), else ``RANK``/``WORLD_SIZE`` from
        the environment, else 0 of 1 (see :mod:`deepbiop.torch`).

    Yields
    ------
    ``x``, ``(x, label)`` or ``(x, label, id)``, where ``x`` is the
    (transformed) sequence ``str`` or, with ``encoder``, its tensor.

    Raises
    ------
    deepbiop.io.SequenceFileError
        For a malformed file, naming file, record and line.
    KeyError
        For a record id missing from ``labels``, naming the file and record.

    Examples
    --------
    >>> import os, tempfile
    >>> from deepbiop.io import HeaderLabel
    >>> from deepbiop.torch import FastxDataset
    >>> p = os.path.join(tempfile.mkdtemp(), "x.fa")
    >>> _ = open(p, "w").write(">a label=1\\nACGT\\n>b label=0\\nGG\\n")
    >>> list(FastxDataset(p, label_fn=HeaderLabel()))
    [('ACGT', 1), ('GG', 0)]
    >>> list(FastxDataset(p, rank=1, world_size=2))
    ['GG']
    """

    def __init__(
        self,
        paths: Any,
        *,
        label_fn: Callable[[Any], Any] | None = None,
        labels: Mapping[str, Any] | None = None,
        encoder: Any = None,
        transform: Callable[..., Any] | None = None,
        seed: int | None = None,
        shard: str = "record",
        shuffle_buffer: int = 0,
        return_ids: bool = False,
        fileformat: str | None = None,
        rank: int | None = None,
        world_size: int | None = None,
    ) -> None:
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
        if shard not in _SHARD_MODES:
            raise ValueError(f"shard must be 'record' or 'file', got {shard!r}")
        self.encoder = encoder
        self.shard = shard

    def _label(self, rec: Any, path: str, index: int) -> Any:
        if self.label_fn is not None:
            return self.label_fn(rec)
        try:
            return self.labels[rec.id]
        except KeyError:
            raise KeyError(
                f"{path!r}: record {index} (0-based, id {rec.id!r}) has no entry in labels"
            ) from None

    def _records(self, shard: int, n_shards: int) -> Iterator[tuple[str, int, Any]]:
        if self.shard == "file":
            for path in self.paths[shard::n_shards]:
                for i, rec in enumerate(iter_records(path, fileformat=self.fileformat)):
                    yield path, i, rec
            return
        g = 0  # global record number over all files
        for path in self.paths:
            for i, rec in enumerate(iter_records(path, fileformat=self.fileformat)):
                if g % n_shards == shard:
                    yield path, i, rec
                g += 1

    def _items(self) -> Iterator[Any]:
        shard, n_shards = self.shard_info()
        has_label = self.label_fn is not None or self.labels is not None
        for path, i, rec in self._records(shard, n_shards):
            x = _encode(self.encoder, self._apply_transform(rec.sequence))
            if self.return_ids:
                yield x, (self._label(rec, path, i) if has_label else None), rec.id
            elif has_label:
                yield x, self._label(rec, path, i)
            else:
                yield x

    def __iter__(self) -> Iterator[Any]:
        items = self._items()
        if self.shuffle_buffer <= 1:
            return items
        return self._shuffled(items)
