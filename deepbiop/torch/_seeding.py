"""The datasets' augmentation streams: one generator per dataset copy (the
main process or one DataLoader worker), keyed by seed, epoch, rank and worker.

The repeat warning. DataLoader workers that are not persistent are new
processes every epoch; without ``set_epoch`` each one starts the stream of the
same epoch again, so every epoch repeats the augmentations of the first. A
worker cannot see that from its own memory, so each dataset keeps a few
integers in shared memory (:func:`new_stream_log`): fork workers inherit it,
spawn and forkserver workers receive it while they start. Worker 0 (every
DataLoader run has one) records the (epoch, rank) whose stream it starts; a
worker 0 finding its own (epoch, rank) already there belongs to a second run
of that epoch and warns, once per dataset.
"""

from __future__ import annotations

import inspect
import os
import warnings
from collections.abc import Callable
from multiprocessing.context import get_spawning_popen
from multiprocessing.sharedctypes import RawArray
from numbers import Integral
from typing import Any

import numpy as np
import torch

from deepbiop._random import worker_seed_sequence
from deepbiop.augment import Augmentation
from deepbiop.torch import _distributed

__all__ = ["SeededMixin", "in_worker", "takes_random_state", "new_stream_log"]

# the slots of a stream log: worker 0's last stream (epoch + 1, 0 for none;
# rank), then one flag per warning given once per dataset
_EPOCH, _RANK = 0, 1
_ONCE = {"repeat": 2, "shared file": 3}


def in_worker() -> bool:
    """True inside a DataLoader worker process."""
    return torch.utils.data.get_worker_info() is not None


def takes_random_state(fn: Callable[..., Any] | None) -> bool:
    """Whether ``fn`` accepts ``random_state`` (a deepbiop augmentation, or a
    callable with that parameter or ``**kwargs``)."""
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


def new_stream_log() -> Any:
    """Zeroed int64 slots in memory shared with the DataLoader workers the
    main process starts later, or None where the OS has no shared memory."""
    try:
        return RawArray("q", 2 + len(_ONCE))
    except OSError:  # e.g. no /dev/shm: no repeat warning, no failure
        return None


def _check_epoch(epoch: Any) -> int:
    if isinstance(epoch, bool) or not isinstance(epoch, Integral) or epoch < 0:
        raise ValueError(f"epoch must be a non-negative integer, got {epoch!r}")
    return int(epoch)


class SeededMixin:
    """Lazily created, worker-aware generator (never shared through fork/pickle)."""

    seed: int | None
    _epoch: int

    def set_epoch(self, epoch: int) -> None:
        """Restart the augmentation (and shuffling) stream at ``epoch``.

        Call it before each epoch when DataLoader workers are not persistent;
        in the main process it also resets the stream for ``num_workers=0``.

        Parameters
        ----------
        epoch : int
            A non-negative integer, usually the epoch number.

        Raises
        ------
        ValueError
            For a negative or non-integer ``epoch``.
        """
        self._epoch = _check_epoch(epoch)
        self._rng_state = None

    def _init_seeding(self, seed: int | None) -> None:
        """Called by ``__init__`` in the main process (before any worker exists)."""
        self.seed = seed
        self._epoch = 0
        self._stream_log = new_stream_log()

    def _rank_world(self) -> tuple[int, int]:
        """``(rank, world_size)``: the explicit arguments, else as the package docstring says."""
        if getattr(self, "world_size", None) is not None:
            return int(self.rank), int(self.world_size)
        return _distributed.rank_and_world_size(getattr(self, "_main_rank", None))

    def _rng(self) -> np.random.Generator:
        wid, _ = _distributed.worker_id_and_count()
        rank, _ = self._rank_world()  # an explicit rank keys the stream like a real one
        key = (os.getpid(), wid, rank, self._epoch)
        state = getattr(self, "_rng_state", None)
        if state is None or state[0] != key:
            if self.seed is not None and in_worker():
                self._note_stream_start(wid, rank)
            seq = worker_seed_sequence(self.seed, epoch=self._epoch)
            base, epoch = seq.entropy[0], seq.entropy[1]
            gen = np.random.Generator(
                np.random.PCG64(np.random.SeedSequence([base, epoch, rank, wid]))
            )
            state = (key, gen)
            self._rng_state = state
        return state[1]

    def _once(self, what: str) -> bool:
        """True the first time this dataset (main process and workers
        together) asks for ``what`` (a key of ``_ONCE``); always True
        without shared memory."""
        log = getattr(self, "_stream_log", None)
        if log is None:
            return True
        first = log[_ONCE[what]] == 0
        log[_ONCE[what]] = 1
        return first

    def _note_stream_start(self, wid: int, rank: int) -> None:
        """Warn (once per dataset) when a worker re-draws an epoch's stream."""
        log = getattr(self, "_stream_log", None)
        if log is None or wid != 0:
            return  # worker 0 speaks for its run: only one process writes the slots
        again = log[_EPOCH] == self._epoch + 1 and log[_RANK] == rank
        log[_EPOCH], log[_RANK] = self._epoch + 1, rank
        if not again or not self._once("repeat"):
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
        if get_spawning_popen() is None:
            # shared memory travels only to a process being started (a spawn
            # or forkserver worker); any other copy gets a log of its own
            state["_stream_log"] = None
        if getattr(self, "world_size", None) is None and not in_worker():
            # spawn/forkserver DataLoader workers get this dataset pickled and
            # have no process group: they use the main process's rank
            state["_main_rank"] = _distributed.main_process_rank()
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self.__dict__.get("_stream_log") is None:
            self._stream_log = new_stream_log()

    def _apply_transform(self, seq: Any) -> Any:
        if self.transform is None:
            return seq
        if self._transform_rng:
            return self.transform(seq, random_state=self._rng())
        return self.transform(seq)
