"""Plumbing shared by every encoder: scikit-learn contract, parameter
validation, thread counts, output allocation and error reporting."""

from __future__ import annotations

import functools
import os
import re
import warnings
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from deepbiop._config import effective_n_threads
from deepbiop._kernels import _pack
from deepbiop._sequences import Packed, pack_batch, pack_one
from deepbiop.alphabets import DNA, PROTEIN, RNA, Alphabet, get_alphabet

__all__ = ["SequenceEncoder", "sequence_input_tags", "failed_sequence"]

_SEQUENCE_ERROR = re.compile(r"^sequence (\d+)(?: \(of \d+\))?: ?(.*)$", re.S)

# Parameter values whose equality is cheap and whose content cannot change in
# place: only these let _check_params skip re-validation.
_CACHEABLE = (type(None), bool, int, float, str, bytes)  # exact types only
_CACHEABLE_KINDS = (type, np.dtype, np.generic, Alphabet)  # and their subclasses
_PARAM_NAMES: dict = {}

# Each extra thread needs this many bases of work. Below that, waking a
# second thread costs more than it saves: on an idle machine a second thread
# starts paying only at a few hundred thousand bases, and when the other cores
# are busy (a training loop, another process) a helper's wake-up can cost more
# than the whole single-threaded encode. So typical DataLoader batches stay
# single-threaded while large batches use every thread (benchmarks/ measures it).
_MIN_BASES_PER_THREAD = 262_144


def _param_names(cls: type) -> tuple:
    names = _PARAM_NAMES.get(cls)
    if names is None:
        names = _PARAM_NAMES[cls] = tuple(cls._get_param_names())
    return names


def _exact(v: Any) -> Any:
    """``v`` as an exact bool/int/float/str when it is a subclass of one (the
    base type's own value, whatever the subclass's methods say)."""
    t = type(v)
    if t in (bool, int, float, str) or not isinstance(v, (int, float, str)):
        return v
    if isinstance(v, int):  # (bool has no subclasses)
        return int.__int__(v)
    if isinstance(v, float):
        return float.__float__(v)
    return str.__getitem__(v, slice(None))


def failed_sequence(exc: BaseException, n: int) -> tuple[int, str] | None:
    """``(index, reason)`` of the sequence an encoder's error names
    (``sequence 12 (of 5000): invalid character ...``), or None when ``exc``
    names no sequence of a batch of ``n``. Callers that know more about the
    sequence (its file, its id) re-raise with that."""
    m = _SEQUENCE_ERROR.match(str(exc))
    if m is None or int(m[1]) >= n:
        return None
    return int(m[1]), m[2]


def kernel_threads(n_jobs: int | None, total_bases: int) -> int:
    """Threads for a kernel call over ``total_bases`` bases of input.

    :func:`deepbiop.effective_n_threads` of ``n_jobs``, lowered so that each
    thread gets at least ``_MIN_BASES_PER_THREAD`` bases (one thread for a
    small batch). The encoders and the batch augmentations
    (:mod:`deepbiop.augment`) use it.

    Parameters
    ----------
    n_jobs : int or None
    total_bases : int
        Bases the kernel reads (all sequences together).

    Returns
    -------
    int
        At least 1.
    """
    n = effective_n_threads(n_jobs)
    return max(1, min(n, int(total_bases) // _MIN_BASES_PER_THREAD + 1))


def sequence_input_tags(tags: Any) -> Any:
    """scikit-learn tags of a stateless transformer whose input is a batch of
    sequences (strings, not a 2-D array) and whose output dtype is its own."""
    tags.input_tags.string = True
    tags.input_tags.two_d_array = False
    tags.requires_fit = False
    tags.transformer_tags.preserves_dtype = []
    return tags


class SequenceEncoder(TransformerMixin, BaseEstimator):
    """Base class: stateless scikit-learn transformer over sequences.

    Subclasses define ``_encode_packed(packed) -> ndarray`` and the parameter
    constraints; this class provides ``fit``, ``transform``, ``encode``,
    ``encode_batch`` and the tags that declare string input.

    The output contract: ``encode_batch`` returns one array (numpy, or a
    ``scipy.sparse`` matrix for sparse k-mer counts) whose first axis is the
    batch. The one documented exception is an encoder whose
    :attr:`returns_attention_mask` is True (:class:`~deepbiop.TransformerEncoder`):
    its ``encode_batch`` returns the pair ``(input_ids, attention_mask)``.
    Code that consumes any encoder (:class:`deepbiop.torch.EncodeCollate`)
    reads :attr:`returns_attention_mask` and :attr:`position_axis` instead of
    inspecting the output or the class.
    """

    _parameter_constraints: dict = {}

    # -- what the batch output looks like ----------------------------------------
    @property
    def position_axis(self) -> int | None:
        """Axis of the sequence positions in the :meth:`encode_batch` output.

        The axis whose length is the padded length of the batch (the longest
        sequence, or ``max_length``; tokens for a transformer encoder): the
        axis a padding mask spans. None when the output has no such axis
        (k-mer counts, flattened one-hot). Read-only; it follows the current
        parameters (``OneHotEncoder``'s ``channels_first`` and ``flatten``).

        Returns
        -------
        int or None
            None for this base class; encoders with a position axis override it.

        Examples
        --------
        >>> import deepbiop as dbp
        >>> dbp.IntegerEncoder().position_axis
        1
        >>> dbp.OneHotEncoder(channels_first=True).position_axis
        2
        >>> dbp.KmerEncoder(k=3).position_axis is None
        True
        """
        return None

    @property
    def returns_attention_mask(self) -> bool:
        """Whether :meth:`encode_batch` returns ``(input_ids, attention_mask)``.

        False for every encoder but :class:`~deepbiop.TransformerEncoder`,
        whose ``encode_batch`` returns that pair of ``(B, L)`` arrays instead
        of one array (the exception to the output contract of this class).

        Returns
        -------
        bool

        Examples
        --------
        >>> import deepbiop as dbp
        >>> dbp.OneHotEncoder().returns_attention_mask
        False
        >>> dbp.TransformerEncoder().returns_attention_mask
        True
        """
        return False

    # -- scikit-learn contract -------------------------------------------------
    def __sklearn_tags__(self):
        return sequence_input_tags(super().__sklearn_tags__())

    def fit(self, X: Any = None, y: Any = None) -> SequenceEncoder:
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

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> Any:
        """Fit to ``X``, then encode it (``X`` is read once: an iterator works).

        Parameters
        ----------
        X : batch of sequences (see :meth:`encode_batch`)
        y : ignored
        **fit_params : passed to ``fit``

        Returns
        -------
        The encoded batch, as :meth:`transform` gives it.
        """
        try:
            one_shot = iter(X) is X
        except TypeError:  # not iterable: encode_batch names the problem
            one_shot = False
        if one_shot:  # fit would consume it
            X = list(X)
        return super().fit_transform(X, y, **fit_params)

    def transform(self, X: Any) -> np.ndarray:
        """Encode a batch of sequences; same as :meth:`encode_batch`."""
        return self.encode_batch(X)

    # -- public encoding API ---------------------------------------------------
    def encode(self, seq: Any) -> np.ndarray:
        """Encode one sequence (see the class docstring for the output)."""
        enc = self._snapshot()
        return enc._encode_packed(pack_one(seq), single=True)

    def encode_batch(self, seqs: Any) -> np.ndarray:
        """Encode a batch of sequences (see the class docstring for the output)."""
        enc = self._snapshot()
        return enc._encode_packed(pack_batch(seqs), single=False)

    def set_params(self, **params: Any) -> SequenceEncoder:
        """Set parameters, all at once.

        Like scikit-learn's, but the new values are stored in one step, so a
        call running in another thread sees all of them or none (never ``k``
        from one ``set_params`` and ``sparse`` from the one before).

        Returns
        -------
        self
        """
        if not params:
            return self
        valid = _param_names(type(self))
        for key in params:
            if key not in valid:
                raise ValueError(
                    f"Invalid parameter {key!r} for estimator {self}. Valid parameters "
                    f"are: {sorted(valid)!r}."
                )
        self.__dict__.update(params)
        return self

    # -- helpers for subclasses ------------------------------------------------
    def _snapshot(self) -> SequenceEncoder:
        """A validated private copy of this encoder for one call.

        Every call reads its parameters once, here, and uses this copy
        throughout: another thread calling ``set_params`` meanwhile cannot
        give a call an output sized with one ``k`` and counted with another.
        Copying the attribute dict is a single C-level step under the GIL, so
        the copy is one consistent state of the parameters; each parameter
        that is a subclass of int, float or str is then replaced by the exact
        built-in value, so that validation and the kernels see one value
        however the subclass answers ``__int__``, ``lower`` or ``__bool__``.
        """
        snap = object.__new__(type(self))
        snap.__dict__.update(self.__dict__)
        for name in _param_names(type(self)):
            if name in snap.__dict__:
                snap.__dict__[name] = _exact(snap.__dict__[name])
        snap._check_params()
        key = snap.__dict__.get("_validated_params")
        if key is not None:  # a validated value tuple is safe to share
            self.__dict__["_validated_params"] = key
        return snap

    def _check_params(self) -> None:
        # scikit-learn's declarative validation can cost more than encoding a
        # small batch; skip it while the parameters are the same
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
        values = []
        for name in _param_names(type(self)):
            v = getattr(self, name, None)
            if type(v) not in _CACHEABLE and not isinstance(v, _CACHEABLE_KINDS):
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
        return kernel_threads(self.n_jobs, packed.total_bases)

    def _raise_for_status(self, packed: Packed, status: np.ndarray, hint: str) -> None:
        bad = np.flatnonzero(status >= 0)
        if bad.size == 0:
            return
        i = int(bad[0])
        pos = int(status[i])
        alpha = self._alphabet
        likely = _likely_alphabet(packed, alpha)
        raise ValueError(
            f"sequence {i} (of {len(packed)}): invalid character "
            f"{packed.char_at(i, pos)!r} at position {pos} for alphabet "
            f"'{alpha.name}' (valid: {alpha.symbols}); {hint}"
            + (f"; the batch looks like {likely}: pass encoding_type='{likely}'" if likely else "")
        )

    def _warn_if_foreign(self, packed: Packed) -> None:
        """Warn when most sampled characters of a batch lie outside the
        alphabet and its ambiguity codes but fit another built-in alphabet
        (protein given to a DNA encoder, ...), naming that alphabet. Called
        for the strategies that encode such characters without an error;
        reads at most 16 x 256 bytes."""
        if packed.total_bases < _SAMPLE_MIN:
            return
        likely = _likely_alphabet(packed, self._alphabet)
        if likely is None:
            return
        alpha = self._alphabet
        warnings.warn(
            f"most characters of this batch are outside the '{alpha.name}' alphabet "
            f"({alpha.symbols}) and will be encoded as unknown; they look like "
            f"{likely}: pass encoding_type='{likely}'",
            UserWarning,
            stacklevel=4,
        )

    @staticmethod
    def _check_out(out: np.ndarray, shape: tuple, dtype: np.dtype, packed: Packed) -> np.ndarray:
        if not isinstance(out, np.ndarray):
            raise TypeError(f"out must be a numpy array, got {type(out).__name__}")
        if out.shape != tuple(shape) or out.dtype != dtype:
            raise ValueError(
                f"out has shape {out.shape} and dtype {out.dtype}; this batch needs "
                f"shape {tuple(shape)} and dtype {dtype}"
            )
        if not (out.flags.c_contiguous and out.flags.writeable and out.flags.aligned):
            raise ValueError("out must be a writeable, aligned, C-contiguous array")
        if packed.overlaps(out):
            raise ValueError(
                "out shares memory with the input sequences; pass a separate buffer "
                "(the kernel would overwrite input it has not read yet)"
            )
        return out


# _warn_if_foreign: rows and bytes per row sampled, and the least it judges on
_SAMPLE_ROWS = 16
_SAMPLE_BYTES = 256
_SAMPLE_MIN = 32


@functools.lru_cache(maxsize=32)
def _known_codes(alpha: Alphabet) -> np.ndarray:
    """``alpha.codes`` with its IUPAC ambiguity codes (N, R, Y, ...) counted
    as known: a read of Ns is still DNA, not text of another alphabet."""
    table = alpha.codes.copy()
    for code in alpha.iupac:
        table[ord(code.upper())] = table[ord(code.lower())] = alpha.size
    table.flags.writeable = False
    return table


def _likely_alphabet(packed: Packed, alpha: Alphabet) -> str | None:
    """The built-in alphabet that fits a batch's sampled characters when
    ``alpha`` does not, else None.

    ``alpha`` does not fit when more than half the sample lies outside its
    symbols and at least a tenth outside its symbols and ambiguity codes too
    (a read of Ns is still DNA); another alphabet fits when fewer than half
    lie outside it.
    """

    def outside(table: np.ndarray) -> tuple[int, int]:
        return _pack.count_outside(packed.ptrs, packed.lens, table, _SAMPLE_ROWS, _SAMPLE_BYTES)

    n_out, seen = outside(alpha.codes)
    if seen == 0 or 2 * n_out <= seen or 10 * outside(_known_codes(alpha))[0] < seen:
        return None
    best, best_out = None, n_out
    for other in (DNA, RNA, PROTEIN):
        if other.name == alpha.name:
            continue
        other_out = outside(other.codes)[0]
        if 2 * other_out < seen and other_out < best_out:
            best, best_out = other.name, other_out
    return best


def physical_memory() -> int | None:
    """Bytes of physical memory, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - non-POSIX
        return None


def check_output_fits(shape: tuple, dtype: Any, hint: str) -> None:
    """Refuse an output larger than physical memory before allocating it
    (``np.empty`` may fail with a bare MemoryError, or succeed lazily and the
    process be killed while the kernel writes)."""
    need = int(np.prod([int(n) for n in shape], dtype=object)) * np.dtype(dtype).itemsize
    have = physical_memory()
    if have is not None and need > have:
        raise ValueError(
            f"the output of shape {tuple(int(n) for n in shape)} and dtype "
            f"{np.dtype(dtype)} needs {need / 2**30:,.1f} GiB, more than this machine's "
            f"{have / 2**30:.1f} GiB of memory; {hint}"
        )


def apply_max_length(max_length: Integral | None, packed: Packed) -> tuple[Packed, int]:
    """Cut every row of ``packed`` to ``max_length`` positions.

    Parameters
    ----------
    max_length : int or None
        The encoder's ``max_length`` (already validated as >= 0); None keeps
        the rows whole.
    packed : Packed

    Returns
    -------
    packed : Packed
        The rows, each at most ``max_length`` long (views of the same bytes).
    width : int
        The output's position axis: ``max_length``, or the longest row.

    Raises
    ------
    ValueError
        For a ``max_length`` above 2**62, larger than any output can be.
    """
    if max_length is None:
        return packed, packed.max_len
    if max_length > 2**62:
        raise ValueError(f"max_length={max_length} is larger than any output can be")
    return packed.truncated(int(max_length)), int(max_length)
