"""K-mer count vectors: dense rows for small k, sparse CSR rows up to k = 31."""

from __future__ import annotations


from collections.abc import Iterator
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from deepbiop._config import effective_n_threads
from deepbiop._kernels import _kmer, _kmer_sparse
from deepbiop._sequences import Packed, pack_batch
from deepbiop.alphabets import Alphabet
from deepbiop.encoders._base import SequenceEncoder
from deepbiop.encoders._base import physical_memory as _physical_memory

__all__ = [
    "KmerEncoder",
    "KmerNames",
    "kmer_names",
    "kmer_codes",
    "n_canonical_kmers",
    "max_sparse_k",
]

#: Largest number of columns a dense k-mer row may have (4**12 for DNA).
MAX_DENSE_COLUMNS = 4**12
#: ``sparse="auto"`` gives CSR output above this many columns (DNA k >= 7).
AUTO_SPARSE_COLUMNS = 4**6
#: Sparse rows with at least this many windows are counted by the parallel
#: spectrum counter (bucketed sort across threads) instead of one thread.
LONG_ROW_WINDOWS = 1 << 18
#: ``get_feature_names_out`` returns a lazy :class:`KmerNames` above this many columns.
EAGER_NAMES_LIMIT = 4**10
#: Column indices are int64, so ``A**k`` must stay below 2**63.
_MAX_CODES = 2**63 - 1

_DTYPES = tuple(np.dtype(t) for t in (np.float32, np.float64, np.int32, np.int64))
_MODE = {"skip": 0, "error": 1}


def n_canonical_kmers(k: int, alphabet: Alphabet | None = None) -> int:
    """Number of canonical DNA/RNA k-mers (the compact canonical columns).

    ``(4**k + 4**(k//2)) / 2`` for even k (reverse-complement palindromes are
    their own canonical form), ``4**k / 2`` for odd k. For a 4-letter
    ``alphabet`` whose complement leaves f symbols fixed (0 for DNA and RNA),
    odd k has ``f * 4**(k//2)`` palindromes too: ``(4**k + f * 4**(k//2)) / 2``.

    Raises
    ------
    ValueError
        For an ``alphabet`` without canonical k-mers (see ``KmerEncoder``).

    Examples
    --------
    >>> from deepbiop.encoders.kmer import n_canonical_kmers
    >>> n_canonical_kmers(1), n_canonical_kmers(2), n_canonical_kmers(5)
    (2, 10, 512)
    """
    k = int(k)
    if k % 2 == 0:
        return (4**k + 4 ** (k // 2)) // 2
    fixed = 0
    if alphabet is not None:
        comp = _canonical_complement(alphabet, "canonical k-mers")
        fixed = int((comp == np.arange(4)).sum())
    return (4**k + fixed * 4 ** (k // 2)) // 2


def _canonical_complement(alphabet: Alphabet, what: str) -> np.ndarray:
    """The complement permutation of ``alphabet``'s codes, for canonical
    k-mers; a ``ValueError`` saying why (``what`` names the option) for an
    alphabet the kernels cannot fold: without a complement, with other than 4
    symbols (the kernels fold 2-bit codes), or with a complement that is not
    an involution (a k-mer's reverse complement would not lead back to it)."""
    if not alphabet.is_nucleotide:
        raise ValueError(
            f"{what} needs a 4-letter nucleotide alphabet (dna or rna); "
            f"'{alphabet.name}' has no reverse complement"
        )
    if alphabet.size != 4:
        raise ValueError(
            f"{what} needs a 4-letter nucleotide alphabet (dna or rna); "
            f"'{alphabet.name}' has {alphabet.size} symbols (canonical k-mers are "
            "folded as 2-bit codes)"
        )
    try:
        return alphabet.complement_codes
    except ValueError as exc:
        raise ValueError(f"{what} needs a complement that is an involution; {exc}") from None


def _kernel_codes(alphabet: Alphabet, canonical: bool) -> np.ndarray:
    """The byte table a counting kernel reads: with ``canonical``, the codes
    followed by the complement of codes 0..3 (the caller has checked
    ``_canonical_complement``)."""
    return alphabet.canonical_codes if canonical else alphabet.codes


def max_sparse_k(alphabet_size: int) -> int:
    """Largest k whose ``alphabet_size**k`` column indices fit in 63 bits
    (31 for DNA/RNA, 14 for protein).

    Raises
    ------
    ValueError
        For an alphabet of fewer than 2 symbols (one column for every k).
    """
    if alphabet_size < 2:
        raise ValueError(
            f"k-mer counting needs an alphabet of at least 2 symbols, got {alphabet_size}"
        )
    k = 1
    while alphabet_size ** (k + 1) <= _MAX_CODES:
        k += 1
    return k


def _spell(codes: np.ndarray, alphabet: Alphabet, k: int) -> np.ndarray:
    """k-mer strings of integer codes (first symbol most significant)."""
    syms = np.frombuffer(alphabet.symbols.encode("ascii"), dtype=np.uint8)
    A = alphabet.size
    codes = np.asarray(codes, dtype=np.uint64).ravel()
    if codes.size == 0:
        return np.empty(0, dtype=object)
    letters = np.empty((codes.size, k), dtype=np.uint8)
    rest = codes.copy()
    for j in range(k - 1, -1, -1):
        letters[:, j] = syms[(rest % np.uint64(A)).astype(np.intp)]
        rest //= np.uint64(A)
    return letters.view(f"S{k}").ravel().astype(str).astype(object)


def _check_columns(alphabet: Alphabet, columns: str) -> None:
    if columns not in ("all", "canonical"):
        raise ValueError(f"columns must be 'all' or 'canonical', got {columns!r}")
    if columns == "canonical":
        _canonical_complement(alphabet, "columns='canonical'")


def kmer_codes(alphabet: Alphabet, k: int, columns: str = "all") -> np.ndarray:
    """Every k-mer code of a column layout, ascending (uint64).

    ``columns="all"``: ``0 .. A**k - 1``; ``"canonical"``: the canonical codes
    (``x <= revcomp(x)``, DNA/RNA), whose positions are the compact columns.
    A ``ValueError`` is raised for another layout name or ``"canonical"`` with
    an alphabet without canonical k-mers.
    """
    _check_columns(alphabet, columns)
    n = alphabet.size ** int(k)
    if columns == "all":
        return np.arange(n, dtype=np.uint64)
    return _unrank(np.arange(n_canonical_kmers(k, alphabet), dtype=np.uint64), int(k),
                   alphabet)


def _rank(codes: np.ndarray, k: int, alphabet: Alphabet) -> np.ndarray:
    """Compact canonical column of each canonical k-mer code (uint64)."""
    out = np.empty(codes.shape[0], dtype=np.uint64)
    _kmer_sparse.canonical_rank(np.ascontiguousarray(codes, dtype=np.uint64), k,
                                alphabet.complement_codes, out)
    return out


def _unrank(ranks: np.ndarray, k: int, alphabet: Alphabet) -> np.ndarray:
    out = np.empty(ranks.shape[0], dtype=np.uint64)
    _kmer_sparse.canonical_unrank(np.ascontiguousarray(ranks, dtype=np.uint64), k,
                                  alphabet.complement_codes, out)
    return out


def kmer_names(
    alphabet: Alphabet, k: int, indices: Any = None, *, columns: str = "all"
) -> np.ndarray:
    """Names of k-mer columns: the k-mer spelled out (``"ACG"``).

    Parameters
    ----------
    alphabet : Alphabet
    k : int
    indices : array-like of int, optional
        Only name these columns; no list of all columns is built, so this is
        cheap for any k (e.g. to name a fitted model's top coefficients).
    columns : {"all", "canonical"}, default="all"
        Column layout: ``"all"`` is the ``A**k`` lexicographic layout;
        ``"canonical"`` the compact canonical layout of
        ``KmerEncoder(canonical="compact")``.

    Returns
    -------
    ndarray of object (str), shaped like ``indices``

    Raises
    ------
    ValueError
        For an index outside the layout, or ``columns="canonical"`` with an
        alphabet other than DNA/RNA.

    Examples
    --------
    >>> from deepbiop.alphabets import DNA
    >>> from deepbiop.encoders.kmer import kmer_names
    >>> kmer_names(DNA, 2, [0, 1, 15])
    array(['AA', 'AC', 'TT'], dtype=object)
    >>> kmer_names(DNA, 2, columns="canonical")
    array(['AA', 'AC', 'AG', 'AT', 'CA', 'CC', 'CG', 'GA', 'GC', 'TA'],
          dtype=object)
    >>> kmer_names(DNA, 31, [0])
    array(['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'], dtype=object)
    """
    k = int(k)
    _check_columns(alphabet, columns)
    n = alphabet.size**k if columns == "all" else n_canonical_kmers(k, alphabet)
    if indices is None:
        return _spell(kmer_codes(alphabet, k, columns), alphabet, k)
    if n > _MAX_CODES:
        raise ValueError(
            f"k={k} gives more than 2**63 columns for alphabet '{alphabet.name}'; "
            f"use k <= {max_sparse_k(alphabet.size)}"
        )
    idx = np.asarray(indices)
    if idx.size and idx.dtype.kind not in "iu":
        raise ValueError(f"k-mer column indices must be integers, got dtype {idx.dtype}")
    flat = idx.ravel().astype(np.int64)
    if flat.size and (int(flat.min()) < 0 or int(flat.max()) >= n):
        raise ValueError(f"k-mer column indices must lie in [0, {n:,})")
    codes = flat.astype(np.uint64)
    if columns == "canonical":
        codes = _unrank(codes, k, alphabet)
    return _spell(codes, alphabet, k).reshape(idx.shape)


class KmerNames:
    """Lazy column names for a large k-mer layout.

    Behaves like a read-only 1-D array of names: ``len``, integer, slice,
    integer-array and boolean-mask indexing (each naming only the selected
    columns), iteration, and ``np.asarray`` (which builds every name: avoid it
    for large k).

    Examples
    --------
    >>> import deepbiop as dbp
    >>> names = dbp.KmerEncoder(k=21, sparse=True).get_feature_names_out()
    >>> len(names), names[0], names[[1, 4**21 - 1]].tolist()
    (4398046511104, 'AAAAAAAAAAAAAAAAAAAAA', ['AAAAAAAAAAAAAAAAAAAAC', 'TTTTTTTTTTTTTTTTTTTTT'])
    """

    def __init__(self, alphabet: Alphabet, k: int, columns: str = "all") -> None:
        self.alphabet = alphabet
        self.k = int(k)
        self.columns = columns
        self._n = (alphabet.size**self.k if columns == "all"
                   else n_canonical_kmers(self.k, alphabet))

    def __len__(self) -> int:
        return self._n

    @property
    def shape(self) -> tuple[int]:
        return (self._n,)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, Integral):
            i = int(key) + (self._n if int(key) < 0 else 0)
            return kmer_names(self.alphabet, self.k, [i], columns=self.columns)[0]
        if isinstance(key, slice):
            start, stop, step = key.indices(self._n)
            return kmer_names(self.alphabet, self.k, np.arange(start, stop, step),
                              columns=self.columns)
        arr = np.asarray(key)
        if arr.dtype == bool:
            if arr.shape != (self._n,):
                raise IndexError(f"boolean index must have shape ({self._n},)")
            arr = np.flatnonzero(arr)
        arr = np.where(arr < 0, arr + self._n, arr)
        return kmer_names(self.alphabet, self.k, arr, columns=self.columns)

    def __iter__(self) -> Iterator[str]:
        step = 1 << 16
        for start in range(0, self._n, step):
            yield from self[start : min(self._n, start + step)].tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = kmer_names(self.alphabet, self.k, columns=self.columns)
        return out if dtype is None else out.astype(dtype)

    def __repr__(self) -> str:
        first = ", ".join(repr(s) for s in self[:2].tolist())
        return f"KmerNames([{first}, ..., {self[-1]!r}], n={self._n:,})"


def _check_dense_fits(n_rows: int, n_cols: int, dtype: np.dtype) -> None:
    """Refuse a dense output larger than physical memory before allocating it
    (np.empty would succeed lazily and the process be killed while writing)."""
    need = n_rows * n_cols * np.dtype(dtype).itemsize
    have = _physical_memory()
    if have is not None and need > have:
        raise ValueError(
            f"dense k-mer output of {n_rows:,} x {n_cols:,} {np.dtype(dtype)} needs "
            f"{need / 2**30:.1f} GiB, more than this machine's {have / 2**30:.1f} GiB "
            "of memory; pass sparse=True, a smaller k, or encode in smaller batches"
        )


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
        ``encode(seq)`` returns a ``(1, n_features)`` CSR row.
    normalize : {None, "l1", "l2"}, default=None
        ``"l1"``: each row divided by its sum (k-mer frequencies); ``"l2"``:
        unit Euclidean norm. Rows without any counted k-mer stay zero (no
        NaN). Needs a float dtype. Applied after the ``min_count`` filter.
    min_count : int or None, default=None
        Off by default (the encoder is stateless: every data partition gets
        the same columns). An int makes the encoder learn a vocabulary: ``fit``
        keeps the columns whose total count over the fit data is at least
        ``min_count`` (in ``columns_``), and ``transform`` outputs only those.
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
        self.n_jobs = n_jobs

    # -- layout ----------------------------------------------------------------
    @property
    def _compact(self) -> bool:
        return isinstance(self.canonical, str) and self.canonical == "compact"

    @property
    def _columns(self) -> str:
        return "canonical" if self._compact else "all"

    @property
    def n_features(self) -> int:
        """Columns of the layout before any ``min_count`` filter: ``A**k``, or
        the number of canonical k-mers with ``canonical="compact"``."""
        if self._compact:
            return n_canonical_kmers(int(self.k), self._alphabet)
        return self._alphabet.size ** int(self.k)

    @property
    def _is_sparse(self) -> bool:
        if isinstance(self.sparse, str):
            return self.n_features > AUTO_SPARSE_COLUMNS
        return bool(self.sparse)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = self.min_count is not None
        return tags

    def _validate_extra(self) -> None:
        alpha = self._alphabet
        if bool(self.canonical):
            _canonical_complement(alpha, f"canonical={self.canonical!r}")
        A = alpha.size
        k_sparse = max_sparse_k(A)
        if self.k > k_sparse:
            raise ValueError(
                f"k={self.k} gives {A}**{self.k} columns, more than a 64-bit column "
                f"index holds; use k <= {k_sparse} for alphabet '{alpha.name}'"
            )
        # with min_count the dense width is that of the fitted vocabulary
        # (checked in transform)
        dense = not self._is_sparse and self.min_count is None
        if dense and self.n_features > MAX_DENSE_COLUMNS:
            k_max = 1
            while A ** (k_max + 1) <= MAX_DENSE_COLUMNS:
                k_max += 1
            raise ValueError(
                f"k={self.k} gives {A}**{self.k} = {A**self.k:,} columns per row, too "
                f"many for a dense array; use k <= {k_max} for alphabet '{alpha.name}', "
                f"or sparse=True (k <= {k_sparse})"
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
    def fit(self, X: Any = None, y: Any = None) -> "KmerEncoder":
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
        if enc.min_count is None:
            for attr in ("columns_", "column_counts_", "_fitted_layout"):
                self.__dict__.pop(attr, None)
            return self
        if enc.ambiguous_strategy == "skip":
            # column totals = the batch's k-mer spectrum (bucketed parallel count)
            from deepbiop.spectrum import kmer_spectrum

            spec = kmer_spectrum(X, int(enc.k), canonical=bool(enc.canonical),
                                 encoding_type=enc._alphabet, n_jobs=enc.n_jobs)
            cols, totals = spec.codes, spec.counts
            if enc._compact:
                cols = _rank(cols, int(enc.k), enc._alphabet)
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

    def _layout_key(self) -> tuple:
        """What the fitted ``columns_`` index into: a refit is needed when it changes."""
        return (int(self.k), self._columns, bool(self.canonical), self._alphabet)

    def _check_fitted_layout(self) -> None:
        check_is_fitted(self, "columns_")
        fitted = self.__dict__.get("_fitted_layout")
        if fitted is not None and fitted != self._layout_key():
            raise ValueError(
                "this KmerEncoder was fitted with k={}, canonical={!r}, alphabet '{}' "
                "and now has k={}, canonical={!r}, alphabet '{}': call fit again".format(
                    fitted[0], fitted[2], fitted[3].name, int(self.k),
                    self.canonical, self._alphabet.name)
            )

    # -- encoding --------------------------------------------------------------
    def _csr(self, packed: Packed, dtype: np.dtype):
        """Raw counts as a CSR matrix in the unfiltered layout."""
        import scipy.sparse as sp

        alpha = self._alphabet
        k = int(self.k)
        B = len(packed)
        windows = np.maximum(packed.lens - (k - 1), 0)
        starts = np.zeros(B, dtype=np.int64)
        if B > 1:
            np.cumsum(windows[:-1], out=starts[1:])
        total = int(windows.sum())
        n_cols = self.n_features
        idx_dtype = np.int32 if max(n_cols, total) <= np.iinfo(np.int32).max else np.int64
        indices = np.empty(total, dtype=idx_dtype)
        data = np.empty(total, dtype=dtype)
        nnz = np.zeros(B, dtype=np.int64)
        status = np.full(B, -1, dtype=np.int64)
        lens = packed.lens
        long_rows = np.empty(0, dtype=np.intp)
        if self.ambiguous_strategy == "skip":
            # a very long row (a chromosome) would be one thread's serial sort:
            # count it with the parallel spectrum counter instead
            long_rows = np.flatnonzero(windows >= LONG_ROW_WINDOWS)
            if long_rows.size:
                lens = lens.copy()
                lens[long_rows] = 0
        _kmer_sparse.csr_rows(
            packed.ptrs,
            lens,
            _kernel_codes(alpha, bool(self.canonical)),
            k,
            alpha.size,
            bool(self.canonical),
            self._compact,
            _MODE[self.ambiguous_strategy],
            starts,
            indices,
            data,
            nnz,
            status,
            self._n_threads(packed),
        )
        self._raise_for_status(
            packed, status, "pass ambiguous_strategy='skip' to leave such windows uncounted"
        )
        if long_rows.size:
            from deepbiop.spectrum import count_packed

            for i in long_rows.tolist():
                codes, counts = count_packed(
                    packed.ptrs[i : i + 1], packed.lens[i : i + 1], k, alpha,
                    bool(self.canonical), effective_n_threads(self.n_jobs),
                )
                if self._compact:
                    codes = _rank(codes, k, alpha)
                lo = int(starts[i])
                indices[lo : lo + codes.size] = codes
                data[lo : lo + codes.size] = counts
                nnz[i] = codes.size
        indptr = np.empty(B + 1, dtype=np.int64)
        _kmer_sparse.csr_compact(starts, nnz, indices, data, indptr)
        n = int(indptr[-1])
        if n < total:  # give the unused tail back (realloc, no copy of the rows)
            indices.resize(n, refcheck=False)
            data.resize(n, refcheck=False)
        X = sp.csr_matrix(
            (data, indices, indptr.astype(idx_dtype, copy=False)), shape=(B, n_cols)
        )
        X.has_sorted_indices = True
        X.has_canonical_format = True
        return X

    def _select_columns(self, X):
        """Keep the fitted ``columns_`` of a CSR matrix (renumbered 0..m-1)."""
        import scipy.sparse as sp

        cols = self.columns_
        B = X.shape[0]
        idx = X.indices.astype(np.int64, copy=False)
        pos = np.searchsorted(cols, idx)
        hit = pos < cols.size
        hit[hit] = cols[pos[hit]] == idx[hit]
        rows = np.repeat(np.arange(B), np.diff(X.indptr))
        indptr = np.zeros(B + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows[hit], minlength=B), out=indptr[1:])
        idx_dtype = np.int32 if max(cols.size, int(hit.sum())) < 2**31 else np.int64
        out = sp.csr_matrix(
            (X.data[hit], pos[hit].astype(idx_dtype), indptr.astype(idx_dtype)),
            shape=(B, int(cols.size)),
        )
        out.has_sorted_indices = True
        out.has_canonical_format = True
        return out

    def encode_batch(self, seqs: Any, *, out: np.ndarray | None = None) -> Any:
        """Encode a batch: one row of k-mer counts per sequence.

        Parameters
        ----------
        seqs : list of str/bytes, 1-D array of dtype S/U/object, pandas Series
            or one-column DataFrame
            The sequences.
        out : ndarray, optional
            C-contiguous ``(B, n_features)`` array of ``dtype`` to write into
            (dense output with the full column layout only: not with sparse
            output, ``canonical="compact"`` or ``min_count``). Reusing one
            buffer across batches skips the page faults of fresh memory. Its
            previous content is overwritten; after an error it is unspecified.

        Returns
        -------
        ndarray of shape (B, n_features), or CSR matrix with sparse output

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
        if out is not None and (enc._is_sparse or enc._compact
                                or enc.min_count is not None):
            raise ValueError(
                "out= needs dense output with the full column layout; this encoder "
                "has " + ("sparse output" if enc._is_sparse else
                          "canonical='compact'" if enc._compact else "min_count set")
            )
        return enc._encode_packed(pack_batch(seqs), single=False, out=out)

    def _encode_packed(self, packed: Packed, *, single: bool,
                       out: np.ndarray | None = None) -> Any:
        if self.min_count is not None:
            self._check_fitted_layout()
        if self.ambiguous_strategy == "skip":
            self._warn_if_foreign(packed)
        dtype = np.dtype(self.dtype)
        want_sparse = self._is_sparse
        target = out
        if not want_sparse and not self._compact and self.min_count is None:
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
                out = self._select_columns(out)
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

    def _dense(self, packed: Packed, dtype: np.dtype,
               out: np.ndarray | None = None) -> np.ndarray:
        alpha = self._alphabet
        B = len(packed)
        if out is None:
            _check_dense_fits(B, self.n_features, dtype)
            # np.empty and rows zeroed by the kernel just before it counts into
            # them, not np.zeros: the memset pulls the row into L1, where the
            # scattered count updates then land. Measured on W1 k=5 (2 threads):
            # 46 ms this way, 55 ms counting into calloc'ed pages.
            out = np.empty((B, self.n_features), dtype=dtype)
        else:
            out = self._check_out(out, (B, self.n_features), dtype, packed)
        status = np.full(B, -1, dtype=np.int64)
        _kmer.kmer_batch(
            packed.ptrs,
            packed.lens,
            _kernel_codes(alpha, bool(self.canonical)),
            int(self.k),
            alpha.size,
            bool(self.canonical),
            _MODE[self.ambiguous_strategy],
            out,
            status,
            self._n_threads(packed),
            True,  # zero_rows
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
        if enc.min_count is not None:
            enc._check_fitted_layout()
            return kmer_names(alpha, k, enc.columns_, columns=enc._columns)
        if enc.n_features > EAGER_NAMES_LIMIT:
            return KmerNames(alpha, k, enc._columns)
        return kmer_names(alpha, k, columns=enc._columns)
