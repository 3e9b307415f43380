"""Integer (label) encoding: one alphabet code per position."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from deepbiop._kernels import _integer
from deepbiop._random import seed_value
from deepbiop._sequences import Packed, pack_batch
from deepbiop.alphabets import Alphabet
from deepbiop.encoders._base import (
    SequenceEncoder,
    apply_max_length,
    check_output_fits,
)

__all__ = ["IntegerEncoder"]

_DTYPES = tuple(
    np.dtype(t) for t in (np.float32, np.float64, np.int64, np.int32, np.int16, np.int8, np.uint8)
)
_MODE = {"error": 0, "unknown": 1, "random": 2}


class IntegerEncoder(SequenceEncoder):
    """Encode each position as its alphabet code (A=0, C=1, G=2, T=3 for DNA).

    Parameters
    ----------
    encoding_type : {"dna", "rna", "protein"} or Alphabet, default="dna"
        Alphabet; codes follow its symbol order (protein: alphabetical
        ``ACDEFGHIKLMNPQRSTVWY`` -> 0..19). Case-insensitive input.
    ambiguous_strategy : {"error", "unknown", "random"}, default="error"
        A character outside the alphabet raises a ``ValueError`` naming it
        (``"error"``), becomes code A (``"unknown"``: N -> 4 for DNA), or a
        random code reproducible for ``seed`` (``"random"``).
    pad_value : int or float, default=-1
        Written after each sequence's end in a batch.
    dtype : dtype, default=np.float32
        float32 (the spec's layout), float64, or int64/int32/int16/int8/uint8
        (``np.int64`` gives ids ready for ``torch.nn.Embedding``).
    max_length : int or None, default=None
        Truncate to and pad to exactly ``max_length`` positions.
    seed : int, numpy Generator or None, default=None
        Seed for ``ambiguous_strategy="random"``.
    n_jobs : int or None, default=None
        Threads (``None``: all OpenMP may use; ``-1``: all processors).

    Notes
    -----
    Output is freshly allocated and C-contiguous. ``pad_value`` and the
    ``"unknown"`` code must be representable in ``dtype`` (so ``uint8`` needs a
    non-negative ``pad_value``).

    Examples
    --------
    >>> import deepbiop as dbp
    >>> dbp.IntegerEncoder("dna").encode_batch([b"ACGT", b"AC"])
    array([[ 0.,  1.,  2.,  3.],
           [ 0.,  1., -1., -1.]], dtype=float32)
    >>> dbp.IntegerEncoder("dna", "unknown", dtype="int64").encode("ACNt")
    array([0, 1, 4, 3])
    """

    _parameter_constraints: dict = {
        "encoding_type": [str, Alphabet],
        "ambiguous_strategy": [StrOptions(set(_MODE))],
        "pad_value": [Real],
        "dtype": "no_validation",
        "max_length": [Interval(Integral, 0, None, closed="left"), None],
        "seed": ["random_state", np.random.Generator],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        encoding_type: str | Alphabet = "dna",
        ambiguous_strategy: str = "error",
        *,
        pad_value: float = -1,
        dtype: Any = np.float32,
        max_length: int | None = None,
        seed: int | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.encoding_type = encoding_type
        self.ambiguous_strategy = ambiguous_strategy
        self.pad_value = pad_value
        self.dtype = dtype
        self.max_length = max_length
        self.seed = seed
        self.n_jobs = n_jobs

    @property
    def position_axis(self) -> int:
        """1: the batch output is ``(B, L)`` (see :attr:`SequenceEncoder.position_axis`)."""
        return 1

    def _validate_extra(self) -> None:
        try:
            dt = np.dtype(self.dtype)
        except TypeError:
            dt = None
        if dt is None or dt not in _DTYPES:
            raise ValueError(
                "IntegerEncoder dtype must be one of float32, float64, int64, int32, "
                f"int16, int8, uint8; got {self.dtype!r}"
            )
        A = self._alphabet.size
        if dt.kind == "f":  # nan and inf are fine when asked for; overflow is not
            try:
                pv = float(self.pad_value)
            except OverflowError:
                pv = None
            if pv is None or (np.isfinite(pv) and abs(pv) > np.finfo(dt).max):
                raise ValueError(
                    f"pad_value={self.pad_value!r} cannot be stored in dtype {dt} "
                    f"(largest finite value {np.finfo(dt).max:g})"
                )
        if dt.kind in "iu":
            info = np.iinfo(dt)
            pv = self.pad_value
            if not (info.min <= pv <= info.max and pv == int(pv)):  # NaN, inf fail
                raise ValueError(f"pad_value={self.pad_value!r} cannot be stored in dtype {dt}")
            if float(pv) != pv:  # the kernel takes the pad as a double
                raise ValueError(
                    f"pad_value={self.pad_value!r} is not exactly representable as a "
                    "float64, which the kernel receives (any integer up to 2**53 in "
                    "magnitude is)"
                )
            if A > info.max:
                raise ValueError(f"alphabet codes up to {A} do not fit dtype {dt}")

    def encode_batch(self, seqs: Any, *, out: np.ndarray | None = None) -> np.ndarray:
        """Encode a batch as a ``(B, max_len)`` array padded with ``pad_value``.

        Parameters
        ----------
        seqs : list of str/bytes, 1-D array of dtype S/U/object, pandas Series
            or one-column DataFrame
            The sequences.
        out : ndarray, optional
            C-contiguous ``(B, max_len)`` array of ``dtype`` to write into.

        Returns
        -------
        ndarray of shape (B, max_len)
            An empty batch gives ``(0, 0)``.

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
        if out is None:
            check_output_fits((B, L), dt, "pass a smaller max_length or encode in smaller batches")
            result = np.empty((B, L), dtype=dt)
        else:
            result = self._check_out(out, (B, L), dt, packed)
        status = np.full(B, -1, dtype=np.int64)
        mode = _MODE[self.ambiguous_strategy]
        if mode:
            self._warn_if_foreign(packed)
        _integer.integer_batch(
            packed.ptrs,
            packed.lens,
            self._alphabet.codes,
            self._alphabet.size,
            mode,
            float(self.pad_value),
            result,
            seed_value(self.seed) if mode == 2 else 0,
            status,
            self._n_threads(packed),
        )
        self._raise_for_status(
            packed,
            status,
            f"pass ambiguous_strategy='unknown' to encode it as code {self._alphabet.size}",
        )
        return result[0] if single else result

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Column names ``pos0``, ``pos1``, ... (needs a fixed ``max_length``)."""
        if self.max_length is None:
            raise ValueError(
                "IntegerEncoder has named columns only with max_length set "
                "(otherwise the width depends on the batch)"
            )
        return np.asarray([f"pos{p}" for p in range(int(self.max_length))], dtype=object)
