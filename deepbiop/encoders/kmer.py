"""K-mer count vectors."""

from __future__ import annotations

import itertools
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from deepbiop._kernels import _kmer
from deepbiop._sequences import Packed
from deepbiop.alphabets import Alphabet
from deepbiop.encoders._base import SequenceEncoder

__all__ = ["KmerEncoder", "kmer_names"]

#: Largest number of columns a dense k-mer row may have (4**12 for DNA).
MAX_DENSE_COLUMNS = 4**12

_DTYPES = tuple(np.dtype(t) for t in (np.float32, np.float64, np.int32, np.int64))
_MODE = {"skip": 0, "error": 1}


def kmer_names(alphabet: Alphabet, k: int, indices: Any = None) -> np.ndarray:
    """Names of k-mer columns: the k-mer spelled out (``"ACG"``).

    Parameters
    ----------
    alphabet : Alphabet
    k : int
    indices : array-like of int, optional
        Only name these columns (no list of all ``A**k`` names is built).

    Returns
    -------
    ndarray of object (str)
    """
    syms = alphabet.symbols
    A = len(syms)
    if indices is None:
        return np.asarray(["".join(t) for t in itertools.product(syms, repeat=k)], dtype=object)
    idx = np.asarray(indices, dtype=np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= A**k):
        raise ValueError(f"k-mer column indices must lie in [0, {A**k})")
    names = []
    for v in idx.ravel().tolist():
        chars = []
        for _ in range(k):
            v, r = divmod(v, A)
            chars.append(syms[r])
        names.append("".join(reversed(chars)))
    return np.asarray(names, dtype=object).reshape(idx.shape)


class KmerEncoder(SequenceEncoder):
    """Count overlapping k-mers of each sequence into a fixed-length vector.

    Parameters
    ----------
    k : int, default=3
        K-mer length (>= 1).
    canonical : bool, default=False
        Count each k-mer together with its reverse complement, at the column
        of whichever of the two is lexicographically smaller. The vector keeps
        all ``4**k`` columns; the non-canonical ones stay zero. DNA/RNA only.
    encoding_type : {"dna", "rna", "protein"} or Alphabet, default="dna"
        Alphabet (case-insensitive input).
    ambiguous_strategy : {"skip", "error"}, default="skip"
        ``"skip"``: windows containing a character outside the alphabet (such
        as ``N``) are not counted, as k-mer counters do; ``"error"``: a
        ``ValueError`` naming the sequence, position and character.
    dtype : {float32, float64, int32, int64}, default=np.float32
        Output dtype.
    n_jobs : int or None, default=None
        Threads (``None``: all OpenMP may use; ``-1``: all processors).

    Notes
    -----
    Column ``j`` is the k-mer whose symbols, read as a base-A number with the
    first symbol most significant, equal ``j`` (DNA k=2: AA=0, AC=1, ...,
    TT=15). A sequence shorter than k gives a zero row. Work is O(total bases)
    with a rolling index; the output has ``A**k`` columns per row, so dense
    output is limited to ``A**k <= 4**12`` columns.

    Examples
    --------
    >>> import deepbiop as dbp
    >>> enc = dbp.KmerEncoder(k=2)
    >>> enc.encode(b"AAAA")[:3]
    array([3., 0., 0.], dtype=float32)
    >>> enc.get_feature_names_out()[:3]
    array(['AA', 'AC', 'AG'], dtype=object)
    """

    _parameter_constraints: dict = {
        "k": [Interval(Integral, 1, None, closed="left")],
        "canonical": ["boolean"],
        "encoding_type": [str, Alphabet],
        "ambiguous_strategy": [StrOptions(set(_MODE))],
        "dtype": "no_validation",
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        k: int = 3,
        canonical: bool = False,
        encoding_type: str | Alphabet = "dna",
        *,
        ambiguous_strategy: str = "skip",
        dtype: Any = np.float32,
        n_jobs: int | None = None,
    ) -> None:
        self.k = k
        self.canonical = canonical
        self.encoding_type = encoding_type
        self.ambiguous_strategy = ambiguous_strategy
        self.dtype = dtype
        self.n_jobs = n_jobs

    @property
    def n_features(self) -> int:
        """Number of output columns, ``A**k``."""
        return self._alphabet.size ** int(self.k)

    def _validate_extra(self) -> None:
        alpha = self._alphabet
        if self.canonical and (not alpha.is_nucleotide or alpha.size != 4):
            raise ValueError(
                f"canonical=True needs a 4-letter nucleotide alphabet (dna or rna); "
                f"'{alpha.name}' has no reverse complement"
            )
        A = alpha.size
        if A**self.k > MAX_DENSE_COLUMNS:
            k_max = 1
            while A ** (k_max + 1) <= MAX_DENSE_COLUMNS:
                k_max += 1
            raise ValueError(
                f"k={self.k} gives {A}**{self.k} = {A**self.k:,} columns per row, too "
                f"many for a dense array; use k <= {k_max} for alphabet '{alpha.name}'"
            )
        try:
            dt = np.dtype(self.dtype)
        except TypeError:
            dt = None
        if dt not in _DTYPES:
            raise ValueError(
                f"KmerEncoder dtype must be one of float32, float64, int32, int64; "
                f"got {self.dtype!r}"
            )

    def _encode_packed(self, packed: Packed, *, single: bool) -> np.ndarray:
        alpha = self._alphabet
        B = len(packed)
        out = np.zeros((B, self.n_features), dtype=np.dtype(self.dtype))
        status = np.full(B, -1, dtype=np.int64)
        _kmer.kmer_batch(
            packed.ptrs,
            packed.lens,
            alpha.codes,
            int(self.k),
            alpha.size,
            bool(self.canonical),
            _MODE[self.ambiguous_strategy],
            out,
            status,
            self._n_threads(packed),
        )
        self._raise_for_status(
            packed, status, "pass ambiguous_strategy='skip' to leave such windows uncounted"
        )
        return out[0] if single else out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The k-mer spelled out for every column (``"AA"``, ``"AC"``, ...)."""
        self._check_params()
        return kmer_names(self._alphabet, int(self.k))
