"""Plumbing shared by every encoder: scikit-learn contract, parameter
validation, thread counts, output allocation and error reporting."""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from deepbiop._config import effective_n_threads
from deepbiop._sequences import Packed, direct_batch, pack_batch, pack_one
from deepbiop.alphabets import Alphabet, get_alphabet

__all__ = ["SequenceEncoder"]

# Parameter values whose equality is cheap and whose content cannot change in
# place: only these let _check_params skip re-validation.
_CACHEABLE = (type(None), bool, int, float, str, bytes, type, np.dtype, np.generic,
              Alphabet)
_PARAM_NAMES: dict = {}

# Each extra thread needs this many bases of work. Measured on 2 cores: on an
# idle machine a second thread starts paying around 300k bases (1024 x 150 bp
# one-hot: 0.14 ms on 1 thread, no faster on 2), and when the other core is
# busy (a training loop, another process) waking the second thread costs
# ~10 ms, 70x the whole 1-thread encode. Typical DataLoader batches stay
# single-threaded; W1-sized batches still use every thread.
_MIN_BASES_PER_THREAD = 262_144


def _seed_value(seed: Any) -> int:
    """A 64-bit seed for the counter-based kernel RNG."""
    if seed is None:
        return int(np.random.default_rng().integers(0, 2**63))
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63))
    if isinstance(seed, np.random.RandomState):
        return int(seed.randint(0, 2**31 - 1)) * 2**32 + int(seed.randint(0, 2**31 - 1))
    return int(seed) & (2**64 - 1)


class SequenceEncoder(TransformerMixin, BaseEstimator):
    """Base class: stateless scikit-learn transformer over sequences.

    Subclasses define ``_encode_packed(packed) -> ndarray`` and the parameter
    constraints; this class provides ``fit``, ``transform``, ``encode``,
    ``encode_batch`` and the tags that declare string input.
    """

    _parameter_constraints: dict = {}

    # -- scikit-learn contract -------------------------------------------------
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = []
        return tags

    def fit(self, X: Any = None, y: Any = None) -> "SequenceEncoder":
        """Validate the parameters; the encoder learns nothing from ``X``.

        Parameters
        ----------
        X : ignored
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Encode a batch of sequences; same as :meth:`encode_batch`."""
        return self.encode_batch(X)

    # -- public encoding API ---------------------------------------------------
    def encode(self, seq: Any) -> np.ndarray:
        """Encode one sequence (see the class docstring for the output)."""
        self._check_params()
        packed = pack_one(seq)
        return self._encode_packed(packed, single=True)

    def encode_batch(self, seqs: Any) -> np.ndarray:
        """Encode a batch of sequences (see the class docstring for the output)."""
        self._check_params()
        packed = pack_batch(seqs)
        return self._encode_packed(packed, single=False)

    # -- helpers for subclasses ------------------------------------------------
    def _pack_borrowed(self, seqs: Any) -> Packed:
        """``pack_batch`` for the kernels that accept borrowed input.

        When this call will use several threads, a list or tuple of exact
        str/bytes objects is read in place instead of holding a reference to
        each element (see ``pack_batch(borrow=True)``): for a million reads a
        read-only scan shared by the threads (10-14 ms) replaces an incref
        pass and a decref pass (22 + 12 ms), at the price of keeping the GIL
        while the kernel runs, which costs other Python threads little they
        could have had (every core is busy with this call).
        Single-threaded encoders (``n_jobs=1``, meant for parallel callers)
        still release the GIL.
        """
        n = effective_n_threads(self.n_jobs)
        return pack_batch(seqs, borrow=n > 1, n_threads=n)

    # True: the output width depends on the longest sequence (padding), so an
    # unscanned batch needs max_length or a uniform sample (k-mers: False)
    _NEEDS_WIDTH = True

    def _encode_borrowing(self, seqs: Any, out: np.ndarray | None) -> Any:
        """``encode_batch`` through the borrowed paths: unscanned when the
        width is known (:func:`~deepbiop._sequences.direct_batch`), else (or
        when an element did not fit that width) scanned first."""
        packed = self._direct_batch(seqs, out)
        if packed is not None:
            result = self._encode_packed(packed, single=False, out=out)
            if result is not None:
                return result
        return self._encode_packed(self._pack_borrowed(seqs), single=False, out=out)

    def _direct_batch(self, seqs: Any, out: np.ndarray | None = None) -> Packed | None:
        """The unscanned batch this encoder tries first, or None (see
        :func:`~deepbiop._sequences.direct_batch`)."""
        width = getattr(self, "max_length", None)
        if self._NEEDS_WIDTH and width is None and out is not None:
            return None  # an out= buffer fixes the width: the scanned path checks it
        return direct_batch(seqs, effective_n_threads(self.n_jobs), width,
                            self._NEEDS_WIDTH)

    @staticmethod
    def _rejected_rows(packed: Packed, n_bad: int) -> bool:
        """After a kernel: True if a direct batch must be redone the scanned
        way; RuntimeError if a scanned batch changed under the kernel."""
        if not n_bad:
            return False
        if packed.direct:
            return True
        raise RuntimeError(
            "the list of sequences changed while it was being encoded "
            "(was it modified by another thread?)"
        )

    def _check_params(self) -> None:
        # scikit-learn's declarative validation costs ~0.1 ms, more than
        # encoding a 256-read batch; skip it while the parameters are the same
        # objects/values that last passed (set_params or assignment changes them).
        key = self._params_key()
        if key is not None and self.__dict__.get("_validated_params") == key:
            return
        self._validate_params()
        self._validate_extra()
        effective_n_threads(self.n_jobs)  # rejects n_jobs=0 at fit, not only at transform
        # remember only values that were validated: another thread may have
        # changed a parameter since ``key`` was read
        if key is not None and self._params_key() == key:
            self.__dict__["_validated_params"] = key

    def _params_key(self) -> tuple | None:
        """The current parameter values (None if one cannot be compared safely)."""
        cls = type(self)
        names = _PARAM_NAMES.get(cls)
        if names is None:
            names = _PARAM_NAMES[cls] = tuple(cls._get_param_names())
        values = []
        for name in names:
            v = getattr(self, name, None)
            if not isinstance(v, _CACHEABLE):
                return None
            values.append((name, type(v), v))
        return tuple(values)

    def _validate_extra(self) -> None:
        """Cross-parameter checks; subclasses extend."""

    @property
    def _alphabet(self) -> Alphabet:
        return get_alphabet(self.encoding_type)

    def _n_threads(self, packed: Packed) -> int:
        # Not capped by the number of sequences: the kernels split long rows
        # into pieces, so encode() of one long sequence uses every thread too.
        n = effective_n_threads(self.n_jobs)
        total = packed.total_bases
        return max(1, min(n, total // _MIN_BASES_PER_THREAD + 1))

    def _raise_for_status(self, packed: Packed, status: np.ndarray, hint: str) -> None:
        bad = np.flatnonzero(status >= 0)
        if bad.size == 0:
            return
        i = int(bad[0])
        pos = int(status[i])
        alpha = self._alphabet
        raise ValueError(
            f"sequence {i} (of {len(packed)}): invalid character "
            f"{packed.char_at(i, pos)!r} at position {pos} for alphabet "
            f"'{alpha.name}' (valid: {alpha.symbols}); {hint}"
        )

    @staticmethod
    def _check_out(out: np.ndarray, shape: tuple, dtype: np.dtype) -> np.ndarray:
        if not isinstance(out, np.ndarray):
            raise TypeError(f"out must be a numpy array, got {type(out).__name__}")
        if out.shape != tuple(shape) or out.dtype != dtype:
            raise ValueError(
                f"out has shape {out.shape} and dtype {out.dtype}; this batch needs "
                f"shape {tuple(shape)} and dtype {dtype}"
            )
        if not (out.flags.c_contiguous and out.flags.writeable and out.flags.aligned):
            raise ValueError("out must be a writeable, aligned, C-contiguous array")
        return out


def check_max_length(max_length: Integral | None, packed: Packed) -> tuple[Packed, int]:
    """Apply ``max_length`` truncation; return the packed batch and the width."""
    if max_length is None:
        return packed, packed.max_len
    return packed.truncated(int(max_length)), int(max_length)
