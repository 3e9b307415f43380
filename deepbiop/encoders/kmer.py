"""K-mer count vectors: dense rows for small k, sparse CSR rows up to k = 31.

The column space the counts land in (names, codes, canonical rank, limits and
the validation of k and ``canonical``) is :mod:`deepbiop.kmers`; its
user-facing names (``kmer_names``, ``KmerNames``, ``kmer_codes``,
``n_canonical_kmers``, ``max_sparse_k``) are re-exported here.
"""

from __future__ import annotations

import warnings
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from deepbiop._config import effective_n_threads
from deepbiop._kernels import _kmer
from deepbiop._sequences import Packed, pack_batch
from deepbiop.alphabets import Alphabet
from deepbiop.encoders._base import SequenceEncoder, check_output_fits
from deepbiop.encoders._kmer_csr import count_csr, select_columns
from deepbiop.kmers import (
    MAX_DENSE_COLUMNS,
    KmerNames,
    canonical_rank,
    check_kmer_params,
    kmer_codes,
    kmer_names,
    lookup_table,
    max_sparse_k,
    n_canonical_kmers,
    n_kmer_columns,
)
from deepbiop.spectrum import kmer_spectrum

__all__ = [
    "KmerEncoder",
    "KmerNames",
    "kmer_names",
    "kmer_codes",
    "n_canonical_kmers",
    "max_sparse_k",
]

#: ``sparse="auto"`` gives CSR output above this many columns (DNA k >= 7).
AUTO_SPARSE_COLUMNS = 4**6
#: ``get_feature_names_out`` returns a lazy :class:`KmerNames` above this many columns.
EAGER_NAMES_LIMIT = 4**10
#: ``fit`` warns (once per layout) about sparse output wider than this, without
#: ``min_count`` or ``n_features``.
WIDE_COLUMNS = 2**24
#: the most hashed columns (``n_features``): column indices stay int32, as in scikit-learn
MAX_HASHED_COLUMNS = 2**31 - 1
_WARNED_WIDE: set = set()

_DTYPES = tuple(np.dtype(t) for t in (np.float32, np.float64, np.int32, np.int64))
_MODE = {"skip": 0, "error": 1}


class KmerEncoder(SequenceEncoder):
    """Count overlapping k-mers of each sequence into a fixed-length vector.

    Parameters
    ----------
    k : int, default=3
        K-mer length (>= 1). Dense output allows ``A**k <= 4**12`` columns;
        sparse output any k whose column index fits 63 bits (DNA/RNA k <= 31,
        protein k <= 14).
    canonical : bool or "compact", default=False
        ``True``: count each k-mer together with its reverse complement, at
        the column of whichever of the two is lexicographically smaller; the
        vector keeps all ``4**k`` columns (the non-canonical ones stay zero),
        as the spec's ``[batch, 1024]`` for k=5 requires. ``"compact"``: the
        same counts with only the canonical columns, in lexicographic order:
        ``(4**k + 4**(k//2)) / 2`` columns for even k, ``4**k / 2`` for odd
        (see ``n_canonical_kmers``). DNA/RNA, or a 4-letter ``Alphabet`` whose
        ``complement`` is an involution: the reverse complement and the order
        are the alphabet's own (its symbol order and complement).
    encoding_type : {"dna", "rna", "protein"} or Alphabet, default="dna"
        Alphabet (case-insensitive input).
    ambiguous_strategy : {"skip", "error"}, default="skip"
        ``"skip"``: windows containing a character outside the alphabet (such
        as ``N``) are not counted, as k-mer counters do; ``"error"``: a
        ``ValueError`` naming the sequence, position and character.
    dtype : {float32, float64, int32, int64}, default=np.float32
        Output dtype (of the dense array or of the CSR ``data``). Counts are
        taken exactly, in integers, and converted to ``dtype`` once. float32
        represents integers exactly only up to 2**24 = 16,777,216: a count
        above that is rounded to the nearest representable float32 (16,777,217
        becomes 16,777,216), and normalised outputs (``normalize``) are
        affected by float rounding as usual. For whole genomes (or any row
        with more than 2**24 k-mers) use int64 or float64 (exact up to 2**53);
        int32 holds counts below 2**31.
    sparse : bool or "auto", default=False
        ``True``: a ``scipy.sparse.csr_matrix`` (sorted indices, no explicit
        zeros) in the same column space as the dense output, built directly by
        the kernel. ``"auto"``: sparse when a row has more than 4,096 columns
        (DNA k >= 7), dense otherwise (decided by the parameters alone, never
        by the data, so every batch gets the same type). With sparse output,
        ``encode(seq)`` returns a ``(1, n_columns)`` CSR row.
    normalize : {None, "l1", "l2"}, default=None
        ``"l1"``: each row divided by its sum (k-mer frequencies); ``"l2"``:
        unit Euclidean norm. Rows without any counted k-mer stay zero (no
        NaN). Needs a float dtype. Applied after the ``min_count`` filter.
    min_count : int or None, default=None
        Off by default (the encoder is stateless: every data partition gets
        the same columns). An int makes the encoder learn a vocabulary: ``fit``
        keeps the columns whose total count over the fit data is at least
        ``min_count`` (in ``columns_``), and ``transform`` outputs only those.
    n_features : int or None, default=None
        Feature hashing, as scikit-learn's ``HashingVectorizer``: ``n_features``
        columns (1 <= n_features < 2**31, e.g. ``2**20``) chosen by you, the
        same in every batch and partition without a fit, for a k whose column
        space is too large for a model (k=21: ``4**21`` columns). Each window's
        code (canonical with ``canonical=True``) is hashed in the kernel by a
        fixed, platform-independent function (see Notes) to a column and, with
        ``alternate_sign``, a sign; a row's entry is the sum over its windows.
        Several k-mers share a column, so the columns have no names. The
        output is always CSR (as ``HashingVectorizer``'s; ``sparse`` applies to
        the exact layouts). Not with ``min_count`` or ``canonical="compact"``.
    alternate_sign : bool, default=True
        With ``n_features``: add +1 or -1 per window, the sign from the hash
        (colliding k-mers then tend to cancel instead of adding up, which keeps
        inner products unbiased); entries that sum to zero are not stored.
        False counts windows per column.
    n_jobs : int or None, default=None
        Threads (``None``: all OpenMP may use; ``-1``: all processors).

    Attributes
    ----------
    columns_ : ndarray of int64
        Only with ``min_count``: kept columns (indices into the unfiltered
        layout), ascending.
    column_counts_ : ndarray of int64
        Only with ``min_count``: total count of each kept column in the fit data.

    See Also
    --------
    deepbiop.kmer_spectrum : all k-mers of a batch or file counted into one spectrum.
    kmer_names : name given columns without building every name.

    Notes
    -----
    Column ``j`` is the k-mer whose symbols, read as a base-A number with the
    first symbol most significant, equal ``j`` (DNA k=2: AA=0, AC=1, ...,
    TT=15). A sequence shorter than k gives a zero row. Dense counting is
    O(total bases) with a rolling index. Sparse rows are built by sorting each
    row's window indices in place in the output (O(w log w) per row of w
    windows; memory: one int32/int64 index and one data slot per window while
    building, shrunk to the non-zeros). The compact canonical column of a
    k-mer is computed in O(k) from its code.

    With ``n_features``, the k-mer of code ``c`` (its column above) lands in
    column ``(h & (2**63 - 1)) % n_features``, with sign ``-1 if h >> 63 else
    +1``, where ``h = splitmix64(c)``, all modulo 2**64: ``z = c +
    0x9E3779B97F4A7C15``; ``z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9``; ``z =
    (z ^ (z >> 27)) * 0x94D049BB133111EB``; ``h = z ^ (z >> 31)``. Rows are
    built as sparse ones are, with the hashed keys.

    Examples
    --------
    >>> import deepbiop as dbp
    >>> enc = dbp.KmerEncoder(k=2)
    >>> enc.encode(b"AAAA")[:3]
    array([3., 0., 0.], dtype=float32)
    >>> enc.get_feature_names_out()[:3]
    array(['AA', 'AC', 'AG'], dtype=object)
    >>> X = dbp.KmerEncoder(k=21, sparse=True).transform(["ACGTACGTACGTACGTACGTACGT"])
    >>> X.shape, X.nnz, X.sum()
    ((1, 4398046511104), 4, np.float32(4.0))
    >>> H = dbp.KmerEncoder(k=21, n_features=2**20).transform(["ACGTACGTACGTACGTACGTACGT"])
    >>> H.shape, H.nnz, sorted(abs(H.data).tolist())
    ((1, 1048576), 4, [1.0, 1.0, 1.0, 1.0])
    >>> enc = dbp.KmerEncoder(k=2, canonical="compact", normalize="l1")
    >>> enc.encode("ACGTT")  # AC, CG, GT -> AC, TT -> AA
    array([0.25, 0.5 , 0.  , 0.  , 0.  , 0.  , 0.25, 0.  , 0.  , 0.  ],
          dtype=float32)
    >>> enc.get_feature_names_out()
    array(['AA', 'AC', 'AG', 'AT', 'CA', 'CC', 'CG', 'GA', 'GC', 'TA'],
          dtype=object)
    """

    _parameter_constraints: dict = {
        "k": [Interval(Integral, 1, None, closed="left")],
        "canonical": ["boolean", StrOptions({"compact"})],
        "encoding_type": [str, Alphabet],
        "ambiguous_strategy": [StrOptions(set(_MODE))],
        "dtype": "no_validation",
        "sparse": ["boolean", StrOptions({"auto"})],
        "normalize": [StrOptions({"l1", "l2"}), None],
        "min_count": [Interval(Integral, 1, None, closed="left"), None],
        "n_features": [Interval(Integral, 1, MAX_HASHED_COLUMNS, closed="both"), None],
        "alternate_sign": ["boolean"],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        k: int = 3,
        canonical: bool | str = False,
        encoding_type: str | Alphabet = "dna",
        *,
        ambiguous_strategy: str = "skip",
        dtype: Any = np.float32,
        sparse: bool | str = False,
        normalize: str | None = None,
        min_count: int | None = None,
        n_features: int | None = None,
        alternate_sign: bool = True,
        n_jobs: int | None = None,
    ) -> None:
        self.k = k
        self.canonical = canonical
        self.encoding_type = encoding_type
        self.ambiguous_strategy = ambiguous_strategy
        self.dtype = dtype
        self.sparse = sparse
        self.normalize = normalize
        self.min_count = min_count
        self.n_features = n_features
        self.alternate_sign = alternate_sign
        self.n_jobs = n_jobs

    # -- layout ----------------------------------------------------------------
    @property
    def _compact(self) -> bool:
        return isinstance(self.canonical, str) and self.canonical == "compact"

    @property
    def _columns(self) -> str:
        return "canonical" if self._compact else "all"

    @property
    def n_columns(self) -> int:
        """Columns of the output before any ``min_count`` filter: ``A**k``, the
        number of canonical k-mers with ``canonical="compact"``, or
        ``n_features`` when hashing."""
        if self.n_features is not None:
            return int(self.n_features)
        return n_kmer_columns(self._alphabet, int(self.k), self._columns)

    @property
    def _is_sparse(self) -> bool:
        if self.n_features is not None:
            return True  # hashed rows are CSR, as HashingVectorizer's
        if isinstance(self.sparse, str):
            return self.n_columns > AUTO_SPARSE_COLUMNS
        return bool(self.sparse)

    @property
    def takes_out(self) -> bool:
        """Whether ``encode_batch`` takes ``out=``: dense output in the full
        column layout (not sparse, ``canonical="compact"``, ``min_count`` or
        ``n_features``)."""
        return not (
            self._is_sparse
            or self._compact
            or self.min_count is not None
            or self.n_features is not None
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = self.min_count is not None
        return tags

    def _validate_extra(self) -> None:
        alpha = self._alphabet
        check_kmer_params(self.k, alpha, self.canonical)
        A = alpha.size
        # with min_count the dense width is that of the fitted vocabulary
        # (checked in transform)
        if self.n_features is not None and (self.min_count is not None or self._compact):
            raise ValueError(
                "n_features (hashed columns) is the stateless alternative to min_count and has "
                "no canonical='compact' layout: pass n_features with min_count=None and "
                "canonical=True or False"
            )
        dense = not self._is_sparse and self.min_count is None
        if dense and self.n_columns > MAX_DENSE_COLUMNS:
            k_max = 1
            while A ** (k_max + 1) <= MAX_DENSE_COLUMNS:
                k_max += 1
            raise ValueError(
                f"k={self.k} gives {A}**{self.k} = {A**self.k:,} columns per row, too "
                f"many for a dense array; use k <= {k_max} for alphabet '{alpha.name}', "
                f"or sparse=True (k <= {max_sparse_k(A)})"
            )
        try:
            dt = np.dtype(self.dtype)
        except TypeError:
            dt = None
        if dt is None or dt not in _DTYPES:
            raise ValueError(
                f"KmerEncoder dtype must be one of float32, float64, int32, int64; "
                f"got {self.dtype!r}"
            )
        if self.normalize is not None and dt.kind != "f":
            raise ValueError(
                f"normalize={self.normalize!r} needs a float dtype (float32 or float64); "
                f"got dtype={dt.name}"
            )

    # -- fitting (only for the optional min_count filter) ----------------------
    def fit(self, X: Any = None, y: Any = None) -> KmerEncoder:
        """Validate the parameters; with ``min_count``, learn the kept columns.

        Parameters
        ----------
        X : batch of sequences
            Only read when ``min_count`` is set.
        y : ignored

        Returns
        -------
        self
        """
        enc = self._snapshot()
        enc._warn_if_too_wide()
        if enc.min_count is None:
            for attr in ("columns_", "column_counts_", "_fitted_layout"):
                self.__dict__.pop(attr, None)
            return self
        if enc.ambiguous_strategy == "skip":
            # column totals = the batch's k-mer spectrum (bucketed parallel count)
            spec = kmer_spectrum(
                X,
                int(enc.k),
                canonical=bool(enc.canonical),
                encoding_type=enc._alphabet,
                n_jobs=enc.n_jobs,
            )
            cols, totals = spec.codes, spec.counts
            if enc._compact:
                cols = canonical_rank(cols, int(enc.k), enc._alphabet)
        else:  # "error": the row kernel names the first bad character
            counts = enc._csr(pack_batch(X), np.dtype(np.int64))
            cols, inverse = np.unique(counts.indices, return_inverse=True)
            totals = np.bincount(inverse, weights=counts.data, minlength=cols.size)
        keep = totals >= enc.min_count
        # one dict update: a concurrent transform sees the old fit or the new one
        self.__dict__.update(
            columns_=cols[keep].astype(np.int64),
            column_counts_=totals[keep].astype(np.int64),
            _fitted_layout=enc._layout_key(),
        )
        return self

    def _warn_if_too_wide(self) -> None:
        """Warn, once per process and layout, when sparse output has more
        columns than a model could hold a coefficient for, and neither
        ``min_count`` nor ``n_features`` cuts them down."""
        if self.min_count is not None or self.n_features is not None or not self._is_sparse:
            return
        n = self.n_columns
        layout = (int(self.k), self._columns, self._alphabet.name)
        if n <= WIDE_COLUMNS or layout in _WARNED_WIDE:
            return
        _WARNED_WIDE.add(layout)
        warnings.warn(
            f"KmerEncoder(k={self.k}) has {n:,} columns: a model fitted on them needs a "
            "coefficient per column. Pass n_features=2**20 (hashed columns, stateless: "
            "the same in every partition, no fit) or min_count=N (fit keeps the k-mers "
            "seen at least N times)",
            UserWarning,
            stacklevel=3,
        )

    def _layout_key(self) -> tuple:
        """What the fitted ``columns_`` index into: a refit is needed when it changes."""
        return (int(self.k), self._columns, bool(self.canonical), self._alphabet)

    def _check_fitted_layout(self) -> None:
        check_is_fitted(self, "columns_")
        fitted = self.__dict__.get("_fitted_layout")
        if fitted is not None and fitted != self._layout_key():
            raise ValueError(
                f"this KmerEncoder was fitted with k={fitted[0]}, canonical={fitted[2]!r}, "
                f"alphabet '{fitted[3].name}' and now has k={int(self.k)}, "
                f"canonical={self.canonical!r}, alphabet '{self._alphabet.name}': call fit again"
            )

    # -- encoding --------------------------------------------------------------
    @property
    def _hashed(self) -> tuple[int, bool] | None:
        """``(n_features, alternate_sign)`` when hashing, else None."""
        if self.n_features is None:
            return None
        return int(self.n_features), bool(self.alternate_sign)

    def _csr(self, packed: Packed, dtype: np.dtype):
        """Raw counts as a CSR matrix in the unfiltered layout (hashed columns
        with ``n_features``)."""
        X, status = count_csr(
            packed,
            self._alphabet,
            int(self.k),
            canonical=bool(self.canonical),
            compact=self._compact,
            mode=_MODE[self.ambiguous_strategy],
            n_cols=self.n_columns,
            dtype=dtype,
            n_threads=self._n_threads(packed),
            long_row_threads=effective_n_threads(self.n_jobs),
            hashed=self._hashed,
        )
        self._raise_for_status(
            packed, status, "pass ambiguous_strategy='skip' to leave such windows uncounted"
        )
        return X

    def encode_batch(self, seqs: Any, *, out: np.ndarray | None = None) -> Any:
        """Encode a batch: one row of k-mer counts per sequence.

        Parameters
        ----------
        seqs : list of str/bytes, 1-D array of dtype S/U/object, pandas Series
            or one-column DataFrame
            The sequences.
        out : ndarray, optional
            C-contiguous ``(B, n_columns)`` array of ``dtype`` to write into
            (dense output with the full column layout only: not with sparse
            output, ``canonical="compact"``, ``min_count`` or ``n_features``;
            see :attr:`takes_out`). Reusing one
            buffer across batches skips the page faults of fresh memory. Its
            previous content is overwritten; after an error it is unspecified.

        Returns
        -------
        ndarray of shape (B, n_columns), or CSR matrix with sparse output

        Raises
        ------
        ValueError
            With ``ambiguous_strategy="error"``, naming the first sequence,
            position and character outside the alphabet; or for an ``out``
            of the wrong shape, dtype or layout.
        TypeError
            For an element that is not a sequence, naming its index and type.
        """
        enc = self._snapshot()
        if out is not None and not enc.takes_out:
            raise ValueError(
                "out= needs dense output with the full column layout; this encoder "
                "has "
                + (
                    "hashed columns (n_features)"
                    if enc.n_features is not None
                    else "sparse output"
                    if enc._is_sparse
                    else "canonical='compact'"
                    if enc._compact
                    else "min_count set"
                )
            )
        return enc._encode_packed(pack_batch(seqs), single=False, out=out)

    def _encode_packed(self, packed: Packed, *, single: bool, out: np.ndarray | None = None) -> Any:
        if self.min_count is not None:
            self._check_fitted_layout()
        if self.ambiguous_strategy == "skip":
            self._warn_if_foreign(packed)
        dtype = np.dtype(self.dtype)
        want_sparse = self._is_sparse
        target = out
        if self.takes_out:
            out = self._dense(packed, dtype, out=target)
        else:
            out = self._csr(packed, dtype)
            if self.min_count is not None:
                if not want_sparse and self.columns_.size > MAX_DENSE_COLUMNS:
                    raise ValueError(
                        f"min_count={self.min_count} kept {self.columns_.size:,} columns, "
                        f"too many for a dense array (at most {MAX_DENSE_COLUMNS:,}); "
                        "pass sparse=True or a larger min_count"
                    )
                out = select_columns(out, self.columns_)
            if not want_sparse:
                out = np.ascontiguousarray(out.toarray())
        if self.normalize is not None and out.shape[0]:
            from sklearn.preprocessing import normalize

            out = normalize(out, norm=self.normalize, copy=False)
            if target is not None and out is not target:
                target[...] = out
                out = target
        if single:
            return out if want_sparse else out[0]
        return out

    def _dense(self, packed: Packed, dtype: np.dtype, out: np.ndarray | None = None) -> np.ndarray:
        alpha = self._alphabet
        B = len(packed)
        if out is None:
            check_output_fits(
                (B, self.n_columns),
                dtype,
                "pass sparse=True for k-mer counts as CSR rows, a smaller "
                "k, or encode in smaller batches",
            )
            # np.empty and rows zeroed by the kernel just before it counts into
            # them, not np.zeros: the memset pulls the row into L1, where the
            # scattered count updates then land (faster than counting into
            # calloc'ed pages, see benchmarks/).
            out = np.empty((B, self.n_columns), dtype=dtype)
        else:
            out = self._check_out(out, (B, self.n_columns), dtype, packed)
        status = np.full(B, -1, dtype=np.int64)
        _kmer.kmer_batch(
            packed.ptrs,
            packed.lens,
            lookup_table(alpha, bool(self.canonical)),
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
        if (status == -2).any():  # STATUS_NOMEM of the kernel
            raise MemoryError(
                "KmerEncoder: no memory for the int64 counts of a float32 row with "
                "more than 2**32 - 1 k-mers; pass dtype=np.int64 or np.float64"
            )
        return out

    def get_feature_names_out(self, input_features: Any = None) -> Any:
        """The k-mer spelled out for every output column (``"AA"``, ``"AC"``, ...).

        Returns
        -------
        ndarray of object (str), or KmerNames
            An array for up to 4**10 columns (and for a fitted ``min_count``
            vocabulary); above that a lazy :class:`KmerNames` that names only
            the columns you index, e.g. ``names[np.argsort(coef)[-10:]]``.
        """
        enc = self._snapshot()
        alpha, k = enc._alphabet, int(enc.k)
        if enc.n_features is not None:
            raise ValueError(
                "hashed columns (n_features) have no k-mer names: several k-mers share each "
                "column. Name k-mers with n_features=None (kmer_names, KmerNames)"
            )
        if enc.min_count is not None:
            enc._check_fitted_layout()
            return kmer_names(alpha, k, enc.columns_, columns=enc._columns)
        if enc.n_columns > EAGER_NAMES_LIMIT:
            return KmerNames(alpha, k, enc._columns)
        return kmer_names(alpha, k, columns=enc._columns)
