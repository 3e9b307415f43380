"""PyTorch datasets over sequences and FASTA/FASTQ files, and a batch collate
that encodes a whole batch in one kernel call.

Importing this module imports torch; ``import deepbiop`` does not.

The fast path keeps items as raw sequences until the batch is formed::

    from torch.utils.data import DataLoader
    import deepbiop as dbp
    from deepbiop.io import HeaderLabel
    from deepbiop.torch import EncodeCollate, FastxDataset

    ds = FastxDataset("reads.fastq.gz", label_fn=HeaderLabel("label"),
                      transform=dbp.augment.RandomReverseComplement(0.5), seed=0)
    loader = DataLoader(ds, batch_size=256, num_workers=2,
                        collate_fn=EncodeCollate(dbp.OneHotEncoder(channels_first=True)))
    for batch in loader:
        batch["inputs"], batch["labels"], batch["lengths"], batch["attention_mask"]

* :class:`FastxDataset` streams one or many FASTA/FASTQ(.gz) files, opened
  lazily inside each worker, and shards records across DataLoader workers and
  distributed ranks so that every record is yielded exactly once per epoch.
* :class:`SequenceDataset` is the map-style dataset over in-memory sequences.
* :class:`EncodeCollate` turns a list of raw sequences (with labels) into
  tensors with one ``encode_batch`` call: inputs, ``lengths``,
  ``attention_mask`` and ``labels``.

Everything here is a top-level, picklable object, so spawn-based workers
(``multiprocessing_context="spawn"``, the default on macOS and Windows) work.

Distributed rank and world size (which key both the sharding and the
augmentation stream), in order of precedence: ``rank``/``world_size`` passed
to the dataset; an initialised ``torch.distributed`` process group; inside a
DataLoader worker started by ``spawn`` or ``forkserver`` (which has no process
group), the rank and world size of the main process when it started the
workers (the dataset records them when it is pickled for the workers, so the
group may be initialised after the dataset is made, but before the
DataLoader is iterated); the ``RANK`` and ``WORLD_SIZE`` environment
variables (``torchrun``); else rank 0 of 1.

Randomness of ``transform``: each dataset copy (the main process or one
DataLoader worker) draws from :func:`deepbiop.augment.worker_rng`, seeded from
``seed``, the epoch, the distributed rank and the worker id. Different workers
therefore draw different augmentations, and a run with the same seed
reproduces exactly. The stream of a copy continues across epochs (so
``persistent_workers=True`` gets new draws every epoch by itself); without
persistent workers every epoch starts fresh copies, so call
``dataset.set_epoch(epoch)`` before each epoch, as with
``DistributedSampler``; a worker that starts an epoch's stream a second
time (non-persistent workers, no ``set_epoch``) emits one ``RuntimeWarning``
per dataset (detected with an empty marker file per worker and epoch in the
temporary directory, removed when the dataset is collected). With
``seed=None`` the seed follows PyTorch
(``torch.manual_seed`` or the DataLoader's ``generator``).
"""

from __future__ import annotations

import glob
import inspect
import os
import tempfile
import uuid
import warnings
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import islice
from numbers import Integral
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, IterableDataset

from deepbiop import _distributed
from deepbiop import io as _io
from deepbiop._random import worker_seed_sequence
from deepbiop.augment import Augmentation

__all__ = ["SequenceDataset", "FastxDataset", "FastxBatchDataset", "EncodeCollate", "ExpandCodes"]


def _takes_random_state(fn: Callable[..., Any] | None) -> bool:
    if fn is None:
        return False
    if isinstance(fn, Augmentation):
        return True
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "random_state" in params or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()
    )


def _check_epoch(epoch: Any) -> int:
    if isinstance(epoch, bool) or not isinstance(epoch, Integral) or epoch < 0:
        raise ValueError(f"epoch must be a non-negative integer, got {epoch!r}")
    return int(epoch)


def _remove_markers(token: str) -> None:
    for path in glob.glob(os.path.join(tempfile.gettempdir(), glob.escape(token) + "-*")):
        try:
            os.unlink(path)
        except OSError:
            pass


class _SeededMixin:
    """Lazily created, worker-aware generator (never shared through fork/pickle)."""

    seed: int | None
    _epoch: int

    def set_epoch(self, epoch: int) -> None:
        """Restart the augmentation (and shuffling) stream at ``epoch``.

        Call it before each epoch when DataLoader workers are not persistent;
        in the main process it also resets the stream for ``num_workers=0``.
        """
        self._epoch = _check_epoch(epoch)
        self._rng_state = None

    def _rank_world(self) -> tuple[int, int]:
        """``(rank, world_size)``: the explicit arguments, else as the module docstring says."""
        if getattr(self, "world_size", None) is not None:
            return int(self.rank), int(self.world_size)
        return _distributed.rank_and_world_size(getattr(self, "_main_rank", None))

    def _rng(self) -> np.random.Generator:
        wid, _ = _distributed.worker_id_and_count()
        rank, _ = self._rank_world()  # an explicit rank keys the stream like a real one
        key = (os.getpid(), wid, rank, self._epoch)
        state = getattr(self, "_rng_state", None)
        if state is None or state[0] != key:
            if self.seed is not None and _in_worker():
                self._note_stream_start(wid, rank)
            seq = worker_seed_sequence(self.seed, epoch=self._epoch)
            base, epoch = seq.entropy[0], seq.entropy[1]
            gen = np.random.Generator(
                np.random.PCG64(np.random.SeedSequence([base, epoch, rank, wid]))
            )
            state = (key, gen)
            self._rng_state = state
        return state[1]

    def _init_seeding(self, seed: int | None) -> None:
        """Called by ``__init__`` in the main process (before any worker exists)."""
        self.seed = seed
        self._epoch = 0
        # Streams started by workers leave an empty marker file named by this
        # token; a second worker process starting the same (rank, worker,
        # epoch) stream finds it: augmentations repeat. The main process
        # removes the markers when the dataset is collected or at exit.
        self._stream_token = f"deepbiop-stream-{os.getpid()}-{uuid.uuid4().hex}"
        weakref.finalize(self, _remove_markers, self._stream_token)

    def _first_time(self, name: str) -> bool | None:
        """Create this dataset's marker file ``name``: True if this call created
        it (in any process), False if it existed, None when it cannot be made."""
        token = getattr(self, "_stream_token", None)
        if token is None:
            return None
        marker = os.path.join(tempfile.gettempdir(), f"{token}-{name}")
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            return True
        except FileExistsError:
            return False
        except OSError:  # unwritable temp dir: no detection, no failure
            return None

    def _note_stream_start(self, wid: int, rank: int) -> None:
        """Warn (once per dataset) when a worker re-draws an epoch's stream."""
        if self._first_time(f"r{rank}-w{wid}-e{self._epoch}") is not False:
            return  # first start of this stream (or no way to tell)
        if not self._first_time("warned"):  # one warning per dataset, not per worker and epoch
            return
        warnings.warn(
            f"deepbiop: {type(self).__name__}(seed={self.seed}) DataLoader worker {wid} "
            f"(rank {rank}) is drawing the augmentation stream of epoch {self._epoch} a "
            "second time, so this epoch repeats an earlier epoch's random augmentations. "
            "DataLoader workers that are not persistent restart their stream every epoch: "
            "call dataset.set_epoch(epoch) before each epoch, or pass "
            "persistent_workers=True (ignore this if repeating the epoch is intended).",
            RuntimeWarning,
            stacklevel=2,
        )

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_rng_state"] = None  # each process builds its own stream
        if getattr(self, "world_size", None) is None and not _in_worker():
            # spawn/forkserver DataLoader workers get this dataset pickled and
            # have no process group: they use the main process's rank
            state["_main_rank"] = _distributed.main_process_rank()
        return state

    def _apply_transform(self, seq: Any) -> Any:
        if self.transform is None:
            return seq
        if self._transform_rng:
            return self.transform(seq, random_state=self._rng())
        return self.transform(seq)

    def _encode(self, seq: Any) -> Any:
        if self.encoder is None:
            return seq
        return torch.from_numpy(self.encoder.encode(seq))


class _FastxMixin(_SeededMixin):
    """Arguments and sharding shared by the two FASTA/FASTQ datasets."""

    def _init_stream(
        self,
        paths: Any,
        label_fn: Any,
        labels: Any,
        transform: Any,
        seed: int | None,
        return_ids: bool,
        fileformat: str | None,
        rank: int | None,
        world_size: int | None,
        shuffle_buffer: int = 0,
    ) -> None:
        """Check and store the arguments both FASTA/FASTQ datasets share."""
        self.paths = _io._as_paths(paths)
        if not self.paths:
            raise ValueError("FastxDataset needs at least one file")
        if label_fn is not None and labels is not None:
            raise ValueError("pass label_fn or labels, not both")
        if label_fn is not None and not callable(label_fn):
            raise TypeError(f"label_fn must be callable, got {type(label_fn).__name__}")
        if transform is not None and not callable(transform):
            raise TypeError(f"transform must be callable, got {type(transform).__name__}")
        if (rank is None) != (world_size is None):
            raise ValueError("pass both rank and world_size, or neither")
        if world_size is not None and not (0 <= rank < world_size):
            raise ValueError(
                f"rank must be in 0..world_size-1, got rank={rank}, world_size={world_size}"
            )
        if fileformat is not None and fileformat not in ("fasta", "fastq"):
            raise ValueError(f"fileformat must be 'fasta', 'fastq' or None, got {fileformat!r}")
        if (
            isinstance(shuffle_buffer, bool)
            or not isinstance(shuffle_buffer, Integral)
            or (shuffle_buffer < 0)
        ):
            raise ValueError(
                f"shuffle_buffer must be a non-negative integer, got {shuffle_buffer!r}"
            )
        self.shuffle_buffer = int(shuffle_buffer)
        self.label_fn = label_fn
        self.labels = labels
        self.transform = transform
        self._init_seeding(seed)
        self.return_ids = return_ids
        self.fileformat = fileformat
        self.rank = rank
        self.world_size = world_size
        self._transform_rng = _takes_random_state(transform)

    def _shuffled(self, items: Iterator[Any]) -> Iterator[Any]:
        """``items`` through a buffer of ``shuffle_buffer`` items, leaving it in
        an order drawn from this copy's generator (seed, epoch, rank, worker)."""
        rng = self._rng()
        buf: list[Any] = []
        for item in items:
            if len(buf) < self.shuffle_buffer:
                buf.append(item)
                continue
            j = int(rng.integers(0, len(buf)))
            buf[j], item = item, buf[j]
            yield item
        order = rng.permutation(len(buf))
        for j in order:
            yield buf[j]

    def shard_info(self) -> tuple[int, int]:
        """``(shard index, number of shards)`` of the calling process/worker."""
        wid, nw = _distributed.worker_id_and_count()
        rank, world = self._rank_world()
        return rank * nw + wid, world * nw


class SequenceDataset(_SeededMixin, Dataset):
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
        Base seed of the augmentation stream (see the module docstring).

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
        self._transform_rng = _takes_random_state(transform)

    def __len__(self) -> int:
        return len(self.sequences)

    def __getitem__(self, index: int) -> Any:
        n = len(self.sequences)
        if isinstance(index, (bool, np.bool_)) or not isinstance(index, (Integral, np.integer)):
            raise TypeError(f"index must be an integer, got {type(index).__name__}")
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of range for {n} sequences")
        x = self._encode(self._apply_transform(self.sequences[index]))
        if self.labels is None:
            return x
        y = self.labels[index]
        return x, (y.item() if isinstance(y, np.generic) else y)


_SHARD_MODES = ("record", "file")


class FastxDataset(_FastxMixin, IterableDataset):
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
        the environment, else 0 of 1 (see the module docstring).

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
            label_fn,
            labels,
            transform,
            seed,
            return_ids,
            fileformat,
            rank,
            world_size,
            shuffle_buffer,
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
                for i, rec in enumerate(_io._iter_one(path, self.fileformat)):
                    yield path, i, rec
            return
        g = 0  # global record number over all files
        for path in self.paths:
            for i, rec in enumerate(_io._iter_one(path, self.fileformat)):
                if g % n_shards == shard:
                    yield path, i, rec
                g += 1

    def _items(self) -> Iterator[Any]:
        shard, n_shards = self.shard_info()
        has_label = self.label_fn is not None or self.labels is not None
        for path, i, rec in self._records(shard, n_shards):
            x = self._encode(self._apply_transform(rec.sequence))
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


class FastxBatchDataset(_FastxMixin, IterableDataset):
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
        Base seed of the augmentation stream (see the module docstring).
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
            label_fn,
            labels,
            transform,
            seed,
            return_ids,
            fileformat,
            rank,
            world_size,
            shuffle_buffer,
        )
        self._collate_fn = EncodeCollate(
            encoder, max_length, label_dtype=label_dtype, mask_dtype=mask_dtype
        )
        self.encoder = encoder
        self.batch_size = int(batch_size)
        self.max_length = max_length
        self.drop_last = bool(drop_last)

    def _parts(self, shard: int, n_shards: int) -> Iterator[_io.ShardPart]:
        """This shard's runs of records; warns once when a file is parsed by every shard."""
        split = self.shard == "auto"
        for part in _io.iter_shard_parts(
            self.paths,
            shard,
            n_shards,
            fileformat=self.fileformat,
            chunk_size=self.batch_size,
            split=split,
        ):
            if (
                part.shared
                and split
                and n_shards > 1
                and shard == 0
                and self._first_time("shared") is not False
            ):
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
        wrap = _PipedBatch if _in_worker() else dict
        for recs, pieces in self._chunks(shard, n_shards):
            if self.drop_last and len(recs) < self.batch_size:
                return
            seqs = self._batch_transform([r.sequence for r in recs])
            labels = self._batch_labels(recs, pieces)
            ids = [r.id for r in recs] if self.return_ids else None
            yield wrap(self._collate_fn._collate(seqs, labels, ids))


_PIPE_MAX_BYTES = 2 << 20


class _PipedBatch(dict):
    """A batch made in a DataLoader worker, sent to the main process as array
    bytes through the worker's pipe.

    PyTorch sends each tensor a worker yields through a new shared-memory
    segment (create, map, pass its descriptor, map again, free): a fixed cost
    per tensor that is larger than copying a batch of uint8 codes through the
    pipe. This dict pickles its tensors of up to ``_PIPE_MAX_BYTES`` as numpy
    arrays (larger ones take PyTorch's path) and unpickles, in the main
    process, as a plain ``dict`` of tensors, so the caller sees what
    ``num_workers=0`` gives.
    """

    def __copy__(self) -> _PipedBatch:
        # DataLoader's default_convert copies mappings before pickling them
        return _PipedBatch(self)

    def __reduce_ex__(self, protocol: Any) -> tuple:
        # past a few MB one shared-memory segment beats copying through the pipe
        tensors = [
            k
            for k, v in self.items()
            if isinstance(v, torch.Tensor)
            and v.device.type == "cpu"
            and v.nbytes <= _PIPE_MAX_BYTES
        ]
        values = {k: (v.numpy() if k in tensors else v) for k, v in self.items()}
        return _unpipe_batch, (values, tensors)


def _unpipe_batch(values: dict[str, Any], tensors: list[str]) -> dict[str, Any]:
    """The main process's side of :class:`_PipedBatch`: a plain dict of tensors."""
    return {k: (torch.from_numpy(v) if k in tensors else v) for k, v in values.items()}


_TEXT = (str, bytes, bytearray, memoryview)
_MASK_DTYPES = {
    torch.bool: np.bool_,
    torch.uint8: np.uint8,
    torch.int32: np.int32,
    torch.int64: np.int64,
    torch.float32: np.float32,
}


def _in_worker() -> bool:
    return torch.utils.data.get_worker_info() is not None


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
        :class:`~deepbiop.KmerEncoder` (or any object with ``encode_batch``;
        one returning ``(ids, attention_mask)`` such as a transformer
        tokenizer is used as it is).
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
        with a position axis (not k-mer counts or flattened one-hot);
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
        self._axis = self._length_axis()

    def _length_axis(self) -> int | None:
        """Axis of positions in the encoder's batch output, None if there is none."""
        name = type(self._enc).__name__
        params = self._enc.get_params(deep=False) if hasattr(self._enc, "get_params") else {}
        if name == "OneHotEncoder":
            if params.get("flatten"):
                return None
            return 2 if params.get("channels_first") else 1
        if name == "IntegerEncoder":
            return 1
        return None

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
        return self._collate(seqs, labels, ids)

    def _collate(
        self, seqs: list[Any], labels: list[Any] | None, ids: list[Any] | None
    ) -> dict[str, Any]:
        """Encode raw sequences (plus labels and ids) into the output dict."""
        if self._cut:
            seqs = [s[: self.max_length] for s in seqs]
        lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
        if self.max_length is not None:
            np.minimum(lengths, self.max_length, out=lengths)
        encoded = self._enc.encode_batch(seqs)
        out: dict[str, Any] = {}
        if isinstance(encoded, tuple):  # (ids, attention_mask) from a tokenizer
            out["inputs"] = torch.as_tensor(encoded[0])
            out["attention_mask"] = torch.as_tensor(encoded[1])
        else:
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
