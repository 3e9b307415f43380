"""One-hot encoding of DNA, RNA and protein sequences."""

from __future__ import annotations

from functools import lru_cache
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from deepbiop._kernels import _onehot
from deepbiop._random import seed_value
from deepbiop._sequences import Packed, pack_batch
from deepbiop.alphabets import Alphabet
from deepbiop.encoders._base import (
    SequenceEncoder,
    apply_max_length,
    check_output_fits,
)

__all__ = ["OneHotEncoder"]

_STRATEGIES = {"skip", "mask", "uniform", "iupac", "random", "error"}
_DTYPES = {
    np.dtype(np.float32): np.float32,
    np.dtype(np.float64): np.float64,
    np.dtype(np.float16): np.uint16,  # kernel writes float16 bit patterns
    np.dtype(np.uint8): np.uint8,
}
_MODE = {"random": 1, "error": 2}  # everything else is a table lookup (0)


@lru_cache(maxsize=64)
def _row_table(alpha: Alphabet, strategy: str, dt: np.dtype) -> np.ndarray:
    """The kernel's (256, A) table of output rows, one per byte, for a
    strategy's treatment of characters outside the alphabet (read-only:
    shared by every call with the same alphabet, strategy and dtype)."""
    A = alpha.size
    if strategy == "iupac":
        table = np.array(alpha.iupac_weights)
    else:
        table = np.zeros((256, A))
        valid = alpha.codes >= 0
        table[valid, alpha.codes[valid]] = 1.0
        if strategy == "uniform":
            table[~valid] = 1.0 / A
    table = np.ascontiguousarray(table.astype(dt).view(_DTYPES[dt]))
    table.flags.writeable = False
    return table


class OneHotEncoder(SequenceEncoder):
    """One-hot encode sequences: one column per alphabet symbol.

    Parameters
    ----------
    encoding_type : {"dna", "rna", "protein"} or Alphabet, default="dna"
        Alphabet: DNA ``ACGT``, RNA ``ACGU``, protein
        ``ACDEFGHIKLMNPQRSTVWY``; case-insensitive. Lower-case (soft-masked)
        bases are encoded like upper case.
    ambiguous_strategy : {"skip", "mask", "uniform", "iupac", "random", "error"}, \
default="skip"
        What a character outside the alphabet (``N``, IUPAC codes, noise)
        becomes: ``"skip"`` and ``"mask"`` a zero row; ``"uniform"`` every
        column 1/A; ``"iupac"`` (DNA/RNA) weight spread over the bases the
        IUPAC code allows (``N`` uniform, ``R`` half A half G, other characters
        a zero row); ``"random"`` a one in a random column, reproducible for a
        given ``seed`` and independent of ``n_jobs``; ``"error"`` a
        ``ValueError`` naming the sequence, position and character.
    seed : int, numpy Generator or None, default=None
        Seed for ``ambiguous_strategy="random"``. A draw depends only on the
        seed, the sequence's index in the batch and the position.
    dtype : {float32, float16, float64, uint8}, default=np.float32
        Output dtype.
    max_length : int or None, default=None
        If set, every sequence is truncated to ``max_length`` and the output
        is padded to exactly ``max_length`` positions (fixed-size CNN inputs).
    channels_first : bool, default=False
        Write ``(B, A, L)`` directly (the layout ``torch.nn.Conv1d`` expects)
        instead of ``(B, L, A)``; no transposed copy is needed.
    flatten : bool, default=False
        Return ``(B, L*A)`` (or ``(B, A*L)`` with ``channels_first``) so the
        output can feed a scikit-learn classifier. Use with ``max_length`` so
        that every batch has the same number of columns.
    n_jobs : int or None, default=None
        Threads: ``None`` uses every thread OpenMP may use (honouring
        ``OMP_NUM_THREADS`` and threadpoolctl limits), ``-1`` all processors.

    See Also
    --------
    IntegerEncoder : one integer code per position.
    KmerEncoder : k-mer count vectors.

    Notes
    -----
    Output is freshly allocated, C-contiguous and native-endian, so
    ``torch.from_numpy`` shares its memory. Padding rows are all zeros. The
    work is O(total bases); memory is the output plus an int64 address and
    length per sequence (the input is read in place, not copied).

    Examples
    --------
    >>> import deepbiop as dbp
    >>> enc = dbp.OneHotEncoder("dna", "skip")
    >>> enc.encode(b"ACGN")
    array([[1., 0., 0., 0.],
           [0., 1., 0., 0.],
           [0., 0., 1., 0.],
           [0., 0., 0., 0.]], dtype=float32)
    >>> enc.encode_batch(["AC", "T"]).shape
    (2, 2, 4)
    """

    _parameter_constraints: dict = {
        "encoding_type": [str, Alphabet],
        "ambiguous_strategy": [StrOptions(_STRATEGIES)],
        "seed": ["random_state", np.random.Generator],
        "dtype": "no_validation",
        "max_length": [Interval(Integral, 0, None, closed="left"), None],
        "channels_first": ["boolean"],
        "flatten": ["boolean"],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        encoding_type: str | Alphabet = "dna",
        ambiguous_strategy: str = "skip",
        *,
        seed: int | None = None,
        dtype: Any = np.float32,
        max_length: int | None = None,
        channels_first: bool = False,
        flatten: bool = False,
        n_jobs: int | None = None,
    ) -> None:
        self.encoding_type = encoding_type
        self.ambiguous_strategy = ambiguous_strategy
        self.seed = seed
        self.dtype = dtype
        self.max_length = max_length
        self.channels_first = channels_first
        self.flatten = flatten
        self.n_jobs = n_jobs

    def _validate_extra(self) -> None:
        alpha = self._alphabet
        try:
            dt = np.dtype(self.dtype)
        except TypeError:
            dt = None
        if dt is None or dt not in _DTYPES:
            raise ValueError(
                f"OneHotEncoder dtype must be one of float32, float16, float64, uint8; "
                f"got {self.dtype!r}"
            )
        if self.ambiguous_strategy == "iupac" and not alpha.iupac:
            raise ValueError(
                f"ambiguous_strategy='iupac' needs a nucleotide alphabet; "
                f"'{alpha.name}' has no IUPAC codes"
            )
        if self.ambiguous_strategy == "uniform" and np.dtype(self.dtype) == np.uint8:
            raise ValueError("ambiguous_strategy='uniform' needs a floating dtype, not uint8")
        if self.ambiguous_strategy == "iupac" and np.dtype(self.dtype) == np.uint8:
            raise ValueError("ambiguous_strategy='iupac' needs a floating dtype, not uint8")

    # -- tables ------------------------------------------------------------------
    # -- encoding ----------------------------------------------------------------
    @property
    def position_axis(self) -> int | None:
        """1 for ``(B, L, A)``, 2 with ``channels_first`` (``(B, A, L)``), None
        with ``flatten`` (see :attr:`SequenceEncoder.position_axis`)."""
        if self.flatten:
            return None
        return 2 if self.channels_first else 1

    def output_shape(self, n_sequences: int, length: int) -> tuple[int, ...]:
        """Shape of ``encode_batch`` output for ``n_sequences`` padded to ``length``."""
        A = self._alphabet.size
        if self.flatten:
            return (n_sequences, length * A)
        if self.channels_first:
            return (n_sequences, A, length)
        return (n_sequences, length, A)

    def encode_batch(self, seqs: Any, *, out: np.ndarray | None = None) -> np.ndarray:
        """One-hot encode a batch.

        Parameters
        ----------
        seqs : list of str/bytes, 1-D array of dtype S/U/object, pandas Series
            or one-column DataFrame
            The sequences.
        out : ndarray, optional
            A C-contiguous array of the right shape and dtype to write into
            (reused across training steps to skip allocation and page faults).

        Returns
        -------
        ndarray of shape (B, max_len, A)
            ``(B, A, max_len)`` with ``channels_first``, ``(B, max_len*A)``
            with ``flatten``; ``max_len`` is the longest sequence (or
            ``max_length``). Padding rows are zero. An empty batch gives
            ``(0, 0, A)``.

        Raises
        ------
        ValueError
            With ``ambiguous_strategy="error"``, naming the first sequence,
            position and character outside the alphabet.
        TypeError
            For an element that is not a sequence, naming its index and type.
        """
        enc = self._snapshot()
        return enc._encode_packed(pack_batch(seqs), single=False, out=out)

    def _encode_packed(
        self, packed: Packed, *, single: bool, out: np.ndarray | None = None
    ) -> np.ndarray:
        dt = np.dtype(self.dtype)
        packed, L = apply_max_length(self.max_length, packed)
        B = len(packed)
        alpha = self._alphabet
        A = alpha.size
        shape = (B, A, L) if self.channels_first else (B, L, A)  # what the kernel writes
        batch_shape = (B, L * A) if self.flatten else shape  # output_shape(B, L)
        if out is None:
            check_output_fits(shape, dt, "pass a smaller max_length or encode in smaller batches")
            result = np.empty(shape, dtype=dt)
        else:
            result = self._check_out(out, batch_shape, dt, packed).reshape(shape)
        status = np.full(B, -1, dtype=np.int64)
        kernel_dtype = _DTYPES[dt]
        one = np.ones(1, dtype=dt).view(kernel_dtype)[0]
        mode = _MODE.get(self.ambiguous_strategy, 0)
        seed = seed_value(self.seed) if mode == 1 else 0
        if self.ambiguous_strategy != "error":
            self._warn_if_foreign(packed)
        _onehot.onehot_batch(
            packed.ptrs,
            packed.lens,
            alpha.codes,
            _row_table(alpha, self.ambiguous_strategy, dt),
            one,
            result.view(kernel_dtype),
            bool(self.channels_first),
            mode,
            seed,
            status,
            self._n_threads(packed),
        )
        self._raise_for_status(
            packed,
            status,
            "pass ambiguous_strategy='skip' to encode it as a zero row",
        )
        if out is not None:
            return out
        return result.reshape(batch_shape[1:] if single else batch_shape)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Column names of the flattened output (``pos0_A``, ``pos0_C``, ...).

        Only defined for ``flatten=True`` with a fixed ``max_length``: otherwise
        the number of columns depends on the batch.
        """
        if not self.flatten or self.max_length is None:
            raise ValueError(
                "OneHotEncoder has named 2-D columns only with flatten=True and "
                "max_length set (otherwise the width depends on the batch)"
            )
        syms = self._alphabet.symbols
        L = int(self.max_length)
        if self.channels_first:
            names = [f"{s}_pos{p}" for s in syms for p in range(L)]
        else:
            names = [f"pos{p}_{s}" for p in range(L) for s in syms]
        return np.asarray(names, dtype=object)
