"""Rank and world size for the datasets of :mod:`deepbiop.torch`, right in
DataLoader workers whatever their start method.

A DataLoader worker started by ``spawn`` or ``forkserver`` (the default of
``torch.multiprocessing.spawn`` launches, and on macOS and Windows) is a fresh
process without the parent's ``torch.distributed`` process group, so asking
``torch.distributed`` there says "rank 0 of 1" on every rank. The datasets
therefore record the main process's answer when they are pickled for the
workers (:func:`main_process_rank`) and the workers use it
(:func:`rank_and_world_size`).

The rule, in order of precedence:

1. ``rank``/``world_size`` passed to the dataset (handled by the dataset);
2. an initialised ``torch.distributed`` process group of the calling process
   (the main process, or a worker started by ``fork``, which inherits it);
3. in a DataLoader worker: the rank and world size the main process had when
   it started the workers (when the dataset was pickled for them);
4. the ``RANK`` and ``WORLD_SIZE`` environment variables (set by
   ``torchrun``), when both are set;
5. rank 0 of 1.
"""

from __future__ import annotations

import os
import sys

__all__ = ["main_process_rank", "rank_and_world_size", "worker_id_and_count"]


def _group_rank() -> tuple[int, int] | None:
    """``(rank, world_size)`` of an initialised process group, else None."""
    torch = sys.modules.get("torch")
    dist = getattr(torch, "distributed", None) if torch is not None else None
    if dist is not None and dist.is_available() and dist.is_initialized():
        return int(dist.get_rank()), int(dist.get_world_size())
    return None


def _env_rank() -> tuple[int, int] | None:
    """``(RANK, WORLD_SIZE)`` from the environment when both are set, else None."""
    rank, world = os.environ.get("RANK"), os.environ.get("WORLD_SIZE")
    if rank is None or world is None:
        return None
    try:
        r, w = int(rank), int(world)
    except ValueError:
        r, w = -1, 0
    if not 0 <= r < w:
        raise ValueError(
            f"the environment has RANK={rank!r} and WORLD_SIZE={world!r}, which are not a "
            "rank and world size (integers with 0 <= RANK < WORLD_SIZE); fix or unset them, "
            "or pass rank= and world_size= to the dataset"
        )
    return r, w


def worker_id_and_count() -> tuple[int, int]:
    """``(worker id, number of workers)`` of the calling DataLoader worker;
    ``(0, 1)`` outside one."""
    data = sys.modules.get("torch.utils.data")
    info = data.get_worker_info() if data is not None else None
    if info is None:
        return 0, 1
    return int(info.id), int(info.num_workers)


def main_process_rank() -> tuple[int, int]:
    """``(rank, world_size)`` as the main process sees it: the process group,
    else ``RANK``/``WORLD_SIZE``, else ``(0, 1)``.

    Examples
    --------
    >>> from deepbiop.torch._distributed import main_process_rank
    >>> main_process_rank()  # no process group, no RANK/WORLD_SIZE
    (0, 1)
    """
    return _group_rank() or _env_rank() or (0, 1)


def rank_and_world_size(carried: tuple[int, int] | None = None) -> tuple[int, int]:
    """``(rank, world_size)`` of the calling process or DataLoader worker.

    Parameters
    ----------
    carried : (int, int) or None
        What :func:`main_process_rank` returned in the main process when the
        dataset was pickled for the workers; used only inside a worker that
        has no process group of its own (``spawn``/``forkserver`` workers).

    Returns
    -------
    (int, int)
    """
    group = _group_rank()
    if group is not None:
        return group
    data = sys.modules.get("torch.utils.data")
    if carried is not None and data is not None and data.get_worker_info() is not None:
        return int(carried[0]), int(carried[1])
    return _env_rank() or (0, 1)
