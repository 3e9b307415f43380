"""Augmentations as transform objects: ``aug(x, random_state=None)`` for one
sequence and ``aug.batch(seqs, random_state=None)`` for a batch, picklable
(spawn-safe) for use as a dataset ``transform``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from deepbiop._random import RandomState, as_generator
from deepbiop.alphabets import Alphabet
from deepbiop.augment._arrays import (
    mutate_codes,
    reverse_complement_codes,
    reverse_complement_onehot,
)
from deepbiop.augment._batch import (
    batch_items,
    mutate_batch,
    random_reverse_complement_batch,
    reverse_complement_batch,
)
from deepbiop.augment._common import array_alphabet, check_rate
from deepbiop.augment._crop import crop
from deepbiop.augment._text import mutate, reverse_complement

__all__ = [
    "Augmentation",
    "Compose",
    "Crop",
    "RandomMutation",
    "RandomReverseComplement",
    "ReverseComplement",
]


class Augmentation:
    """Base class of the transform objects: ``aug(x, random_state=None)``.

    Datasets in :mod:`deepbiop.torch` pass their worker-aware generator as
    ``random_state``; called alone, ``random_state`` works as in the functions.
    Subclasses are plain picklable objects (spawn-safe).
    """

    def __call__(self, x: Any, random_state: RandomState = None) -> Any:  # pragma: no cover
        raise NotImplementedError

    def batch(
        self, seqs: Any, random_state: RandomState = None, *, n_jobs: int | None = None
    ) -> list:
        """Apply the transform to every sequence of a batch.

        The base implementation calls the transform on each item with one
        shared generator; text reverse complements and mutations override it
        with one kernel call for the whole batch (:func:`mutate_batch`,
        :func:`random_reverse_complement_batch`). For a batch of one the two
        draw the same; for more items the kernel keys its draws by the index
        in the batch, so they differ from a loop of per-item calls sharing a
        generator (with the same distribution).

        Parameters
        ----------
        seqs : list of sequences
        random_state : None, int, SeedSequence or Generator, default=None
        n_jobs : int or None, default=None
            Threads of the batch kernels.

        Returns
        -------
        list
        """
        rng = as_generator(random_state)
        return [self(x, random_state=rng) for x in batch_items(seqs)]

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


_KINDS = ("text", "codes", "onehot")


def _check_kind(kind: str) -> str:
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, _KINDS))}; got {kind!r}")
    return kind


class ReverseComplement(Augmentation):
    """Always reverse-complement (test-time augmentation, strand flipping).

    Parameters
    ----------
    alphabet : {"auto", "dna", "rna"} or Alphabet, default="auto"
        ``"auto"`` applies to text only; arrays use DNA unless told.
    kind : {"text", "codes", "onehot"}, default="text"
        What the transform receives.

    Examples
    --------
    >>> from deepbiop.augment import ReverseComplement
    >>> ReverseComplement()("AACG")
    'CGTT'
    """

    def __init__(self, alphabet: str | Alphabet = "auto", kind: str = "text") -> None:
        self.alphabet = alphabet
        self.kind = kind

    def _apply(self, x: Any) -> Any:
        kind = _check_kind(self.kind)
        if kind == "text":
            return reverse_complement(x, self.alphabet)
        alpha = array_alphabet(self.alphabet)
        if kind == "codes":
            return reverse_complement_codes(x, alpha)
        return reverse_complement_onehot(x, alpha)

    def __call__(self, x: Any, random_state: RandomState = None) -> Any:
        return self._apply(x)

    def batch(
        self, seqs: Any, random_state: RandomState = None, *, n_jobs: int | None = None
    ) -> list:
        if _check_kind(self.kind) == "text":
            return reverse_complement_batch(seqs, self.alphabet, n_jobs=n_jobs)
        return [self._apply(x) for x in batch_items(seqs)]


class RandomReverseComplement(ReverseComplement):
    """Reverse-complement with probability ``p``.

    Examples
    --------
    >>> from deepbiop.augment import RandomReverseComplement
    >>> RandomReverseComplement(p=1.0)("AACG", random_state=0)
    'CGTT'
    """

    def __init__(
        self, p: float = 0.5, alphabet: str | Alphabet = "auto", kind: str = "text"
    ) -> None:
        self.p = p
        super().__init__(alphabet, kind)

    def __call__(self, x: Any, random_state: RandomState = None) -> Any:
        p = check_rate(self.p, "p")
        if as_generator(random_state).random() < p:
            return self._apply(x)
        return x

    def batch(
        self, seqs: Any, random_state: RandomState = None, *, n_jobs: int | None = None
    ) -> list:
        if _check_kind(self.kind) == "text":
            return random_reverse_complement_batch(
                seqs, self.p, alphabet=self.alphabet, random_state=random_state, n_jobs=n_jobs
            )
        return super(ReverseComplement, self).batch(seqs, random_state, n_jobs=n_jobs)


class RandomMutation(Augmentation):
    """Point substitutions at ``rate`` (see :func:`mutate`).

    Parameters
    ----------
    rate : float in [0, 1]
    alphabet : {"dna", "rna", "protein"} or Alphabet, default="dna"
    kind : {"text", "codes"}, default="text"

    Examples
    --------
    >>> from deepbiop.augment import RandomMutation
    >>> len(RandomMutation(0.1)("ACGT" * 5, random_state=0))
    20
    """

    def __init__(self, rate: float, alphabet: str | Alphabet = "dna", kind: str = "text") -> None:
        self.rate = rate
        self.alphabet = alphabet
        self.kind = kind

    def __call__(self, x: Any, random_state: RandomState = None) -> Any:
        kind = _check_kind(self.kind)
        if kind == "onehot":
            raise ValueError(
                "RandomMutation works on text or codes; mutate before one-hot encoding"
            )
        if kind == "codes":
            return mutate_codes(x, self.rate, alphabet=self.alphabet, random_state=random_state)
        return mutate(x, self.rate, alphabet=self.alphabet, random_state=random_state)

    def batch(
        self, seqs: Any, random_state: RandomState = None, *, n_jobs: int | None = None
    ) -> list:
        if _check_kind(self.kind) == "text":
            return mutate_batch(
                seqs, self.rate, alphabet=self.alphabet, random_state=random_state, n_jobs=n_jobs
            )
        return super().batch(seqs, random_state, n_jobs=n_jobs)


class Crop(Augmentation):
    """Crop to ``length`` positions (see :func:`crop`).

    Examples
    --------
    >>> from deepbiop.augment import Crop
    >>> Crop(3, "end")("AACCGG")
    'CGG'
    """

    def __init__(self, length: int, mode: str = "random", axis: int = 0) -> None:
        self.length = length
        self.mode = mode
        self.axis = axis

    def __call__(self, x: Any, random_state: RandomState = None) -> Any:
        return crop(x, self.length, self.mode, axis=self.axis, random_state=random_state)


class Compose(Augmentation):
    """Apply transforms in order, passing the same generator to each.

    Parameters
    ----------
    transforms : sequence of callables
        :class:`Augmentation` objects get ``random_state``; other callables
        are called with the value alone.

    Examples
    --------
    >>> from deepbiop.augment import Compose, Crop, ReverseComplement
    >>> Compose([Crop(4, "start"), ReverseComplement()])("AACCGGTT")
    'GGTT'
    """

    def __init__(self, transforms: Sequence[Callable[..., Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, x: Any, random_state: RandomState = None) -> Any:
        rng = (
            as_generator(random_state)
            if any(isinstance(t, Augmentation) for t in self.transforms)
            else None
        )
        for t in self.transforms:
            x = t(x, random_state=rng) if isinstance(t, Augmentation) else t(x)
        return x

    def batch(
        self, seqs: Any, random_state: RandomState = None, *, n_jobs: int | None = None
    ) -> list:
        """Each transform's :meth:`Augmentation.batch` in turn, with one generator."""
        rng = as_generator(random_state)
        items = batch_items(seqs)
        for t in self.transforms:
            if isinstance(t, Augmentation):
                items = t.batch(items, random_state=rng, n_jobs=n_jobs)
            else:
                items = [t(x) for x in items]
        return items
