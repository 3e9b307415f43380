"""Arguments, sharding and the shuffle buffer shared by the two FASTA/FASTQ
datasets (:class:`~deepbiop.torch.FastxDataset` and
:class:`~deepbiop.torch.FastxBatchDataset`)."""

from __future__ import annotations

from collections.abc import Iterator
from numbers import Integral
from typing import Any

from deepbiop import io
from deepbiop.torch import _distributed
from deepbiop.torch._seeding import SeededMixin, takes_random_state

__all__ = ["FastxMixin"]


class FastxMixin(SeededMixin):
    """Arguments and sharding shared by the two FASTA/FASTQ datasets."""

    def _init_stream(
        self,
        paths: Any,
        *,
        label_fn: Any,
        labels: Any,
        transform: Any,
        seed: int | None,
        return_ids: bool,
        fileformat: str | None,
        rank: int | None,
        world_size: int | None,
        shuffle_buffer: int,
    ) -> None:
        """Check and store the arguments both FASTA/FASTQ datasets share
        (keyword-only: both constructors name each one)."""
        self.paths = io.as_paths(paths)
        if not self.paths:
            raise ValueError(f"{type(self).__name__} needs at least one file")
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
        io.check_fileformat(fileformat)
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
        self._transform_rng = takes_random_state(transform)

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
        """``(shard index, number of shards)`` of the calling process/worker.

        Returns
        -------
        shard : int
            ``rank * workers + worker id``.
        n_shards : int
            ``world_size * workers``.
        """
        wid, nw = _distributed.worker_id_and_count()
        rank, world = self._rank_world()
        return rank * nw + wid, world * nw
