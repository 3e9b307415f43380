"""Randomness: the one place where a user's ``random_state``/``seed`` becomes
randomness, and the seeding that gives every DataLoader worker its own stream.

Two forms of randomness exist in deepbiop:

* a :class:`numpy.random.Generator` for draws made in Python (coin flips,
  crop starts): :func:`as_generator`;
* a 64-bit seed for the counter-based draws of the kernels (random codes of
  the encoders, point mutations of :mod:`deepbiop.augment`), where the draw
  for position ``p`` of sequence ``i`` depends only on ``(seed, i, p)``:
  :func:`seed_value`.

An int is a seed in both: ``as_generator(7)`` is ``numpy.random.default_rng(7)``
and ``seed_value(7)`` is ``7``. A Generator gives one draw to
:func:`seed_value`, so a shared generator moves on between calls.

Worker seeding (:func:`worker_info`, :func:`worker_seed_sequence`,
:func:`worker_rng`) is published as ``deepbiop.augment.worker_rng`` etc. It
never imports torch: it reads torch's worker and process-group state only
when torch has been imported already.
"""

from __future__ import annotations

import sys
from numbers import Integral
from typing import Any

import numpy as np

__all__ = [
    "RandomState",
    "as_generator",
    "seed_value",
    "worker_info",
    "worker_seed_sequence",
    "worker_rng",
]

RandomState = None | int | np.random.SeedSequence | np.random.Generator

_MASK64 = 2**64 - 1


def as_generator(random_state: Any) -> np.random.Generator:
    """The numpy Generator ``random_state`` stands for.

    Parameters
    ----------
    random_state : None, int, SeedSequence, Generator or RandomState
        A Generator is returned as it is (draws advance it); None, an int or a
        SeedSequence seed a new one (``numpy.random.default_rng``); a legacy
        RandomState gives one draw that seeds a new one.

    Returns
    -------
    numpy.random.Generator

    Raises
    ------
    TypeError
        For any other type, naming it.

    Examples
    --------
    >>> from deepbiop._random import as_generator
    >>> as_generator(3).random() == as_generator(3).random()
    True
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(int(random_state.randint(0, 2**31 - 1)))
    if random_state is None or isinstance(random_state, (Integral, np.random.SeedSequence)):
        return np.random.default_rng(random_state)
    raise TypeError(
        "random_state must be None, an int, a numpy SeedSequence or Generator; got "
        f"{type(random_state).__name__}"
    )


def seed_value(random_state: Any) -> int:
    """A 64-bit seed for the counter-based kernel draws.

    Parameters
    ----------
    random_state : None, int, SeedSequence, Generator or RandomState
        An int is the seed itself (modulo 2**64), so the same int gives the
        same draws in every kernel; a Generator gives one draw from it (a
        shared generator moves on); None a fresh seed. A legacy RandomState
        gives two 31-bit draws.

    Returns
    -------
    int
        In ``0 .. 2**64 - 1``.

    Raises
    ------
    TypeError
        For a type :func:`as_generator` does not take.

    Examples
    --------
    >>> import numpy as np
    >>> from deepbiop._random import seed_value
    >>> seed_value(7), seed_value(-1) == 2**64 - 1
    (7, True)
    >>> seed_value(np.random.default_rng(0)) == seed_value(np.random.default_rng(0))
    True
    """
    if isinstance(random_state, Integral):
        return int(random_state) & _MASK64
    if isinstance(random_state, np.random.RandomState):
        # two draws, as the encoders have always taken a RandomState seed
        high = int(random_state.randint(0, 2**31 - 1))
        return high * 2**32 + int(random_state.randint(0, 2**31 - 1))
    return int(as_generator(random_state).integers(0, 2**63))


# -- worker-aware seeding ----------------------------------------------------------
def worker_info() -> tuple[int, int, int, int]:
    """``(worker_id, num_workers, rank, world_size)`` of the calling process.

    Outside a DataLoader worker ``(0, 1, ...)``; outside an initialised
    ``torch.distributed`` group ``(..., 0, 1)``. torch is consulted only if it
    has already been imported (this never imports it).

    Examples
    --------
    >>> from deepbiop.augment import worker_info
    >>> worker_info()
    (0, 1, 0, 1)
    """
    torch = sys.modules.get("torch")
    wid, nw, rank, world = 0, 1, 0, 1
    if torch is None:
        return wid, nw, rank, world
    data = sys.modules.get("torch.utils.data")
    if data is not None:
        info = data.get_worker_info()
        if info is not None:
            wid, nw = int(info.id), int(info.num_workers)
    dist = getattr(torch, "distributed", None)
    if dist is not None and dist.is_available() and dist.is_initialized():
        rank, world = int(dist.get_rank()), int(dist.get_world_size())
    return wid, nw, rank, world


def _torch_base_seed() -> int | None:
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    data = sys.modules.get("torch.utils.data")
    info = data.get_worker_info() if data is not None else None
    if info is not None:
        return int(info.seed)  # PyTorch: base seed of this DataLoader + worker id
    return int(torch.randint(0, 2**62, (), dtype=torch.int64).item())


def worker_seed_sequence(seed: int | None = None, *, epoch: int = 0) -> np.random.SeedSequence:
    """Seed for this process's augmentation stream: base seed, epoch, rank, worker.

    Parameters
    ----------
    seed : int or None, default=None
        Base seed. ``None`` follows PyTorch: inside a DataLoader worker it uses
        the worker's seed (``get_worker_info().seed``, derived from
        ``torch.manual_seed`` or the DataLoader's ``generator``), in the main
        process a draw from torch's global generator (fresh OS entropy when
        torch is not imported).
    epoch : int, default=0

    Returns
    -------
    numpy.random.SeedSequence
        Entropy ``(seed, epoch, rank, worker_id)``: every (rank, worker, epoch)
        gets a different, reproducible stream.

    Raises
    ------
    ValueError
        For a negative or non-integer ``seed`` or ``epoch``.

    Examples
    --------
    >>> from deepbiop.augment import worker_seed_sequence
    >>> worker_seed_sequence(7, epoch=2).entropy
    [7, 2, 0, 0]
    """
    wid, _, rank, _ = worker_info()
    if seed is None:
        base = _torch_base_seed()
        if base is None:
            base = int(np.random.SeedSequence().entropy) & _MASK64
    else:
        if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
        base = int(seed)
    if isinstance(epoch, bool) or not isinstance(epoch, Integral) or epoch < 0:
        raise ValueError(f"epoch must be a non-negative integer, got {epoch!r}")
    return np.random.SeedSequence([base, int(epoch), rank, wid])


def worker_rng(seed: int | None = None, *, epoch: int = 0) -> np.random.Generator:
    """A numpy Generator seeded by :func:`worker_seed_sequence`.

    Examples
    --------
    >>> from deepbiop.augment import worker_rng
    >>> worker_rng(3).random() == worker_rng(3).random()
    True
    >>> worker_rng(3, epoch=1).random() == worker_rng(3, epoch=0).random()
    False
    """
    return np.random.Generator(np.random.PCG64(worker_seed_sequence(seed, epoch=epoch)))
