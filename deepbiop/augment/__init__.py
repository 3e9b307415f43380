"""Sequence augmentation: reverse complement, point mutations, crops, and
seeding that gives every DataLoader worker its own reproducible stream.

Every operation exists as a stateless function and, for use as a dataset
``transform``, as a small picklable callable class. They work on three
representations of a sequence:

* text: ``str``, ``bytes``, ``bytearray`` or a 1-D uint8 array of characters
  (the result has the input's type; ``bytearray``/``memoryview`` give ``bytes``);
* integer codes as written by :class:`deepbiop.IntegerEncoder` (``*_codes``);
* one-hot rows as written by :class:`deepbiop.OneHotEncoder` (``*_onehot``).

Reverse complements follow :attr:`deepbiop.alphabets.Alphabet.complement_table`:
IUPAC codes map to their complements (R <-> Y, K <-> M, B <-> V, D <-> H;
S, W, N to themselves), case is preserved, characters outside the alphabet
stay as they are, and RNA (``U``) is recognised. Applied to one-hot rows the
result equals the one-hot encoding of the reverse-complemented text, for every
``ambiguous_strategy`` (the column permutation that complements a base also
complements an IUPAC weight row).

Randomness: every random operation takes ``random_state`` (None, an int, a
:class:`numpy.random.SeedSequence` or a :class:`numpy.random.Generator`;
:mod:`deepbiop._random` turns it into draws). Point mutations draw from the
counter-based generator of the batch kernel whether they get one text
sequence (:func:`mutate`), codes (:func:`mutate_codes`) or a batch
(:func:`mutate_batch`), so ``mutate(s, rate, random_state=r)`` equals
``mutate_batch([s], rate, random_state=r)[0]``.
:func:`worker_rng` builds the generator the datasets in :mod:`deepbiop.torch`
use: seeded from the base seed, the epoch, the distributed rank and the
DataLoader worker id, so each worker draws a different stream and a run with
the same seed reproduces exactly. It lives in :mod:`deepbiop._random` and
never imports torch.

The package: ``_text`` (one text sequence), ``_arrays`` (codes and one-hot
rows), ``_batch`` (the batch kernel), ``_crop``, ``_common`` (parameter
checks, the ``"auto"`` RNA rule) and ``transforms`` (the classes).
"""

from deepbiop._random import RandomState as RandomState  # type alias of the signatures
from deepbiop._random import worker_info, worker_rng, worker_seed_sequence
from deepbiop.augment._arrays import (
    mutate_codes,
    reverse_complement_codes,
    reverse_complement_onehot,
)
from deepbiop.augment._batch import (
    mutate_batch,
    random_reverse_complement_batch,
    reverse_complement_batch,
)
from deepbiop.augment._crop import crop
from deepbiop.augment._text import Text as Text  # type alias of the signatures
from deepbiop.augment._text import mutate, random_reverse_complement, reverse_complement
from deepbiop.augment.transforms import (
    Augmentation,
    Compose,
    Crop,
    RandomMutation,
    RandomReverseComplement,
    ReverseComplement,
)

__all__ = [
    "reverse_complement",
    "reverse_complement_codes",
    "reverse_complement_onehot",
    "mutate",
    "mutate_codes",
    "mutate_batch",
    "reverse_complement_batch",
    "random_reverse_complement_batch",
    "crop",
    "random_reverse_complement",
    "worker_info",
    "worker_seed_sequence",
    "worker_rng",
    "Augmentation",
    "ReverseComplement",
    "RandomReverseComplement",
    "RandomMutation",
    "Crop",
    "Compose",
]
