"""The k-mer column space: which column each k-mer has, and its name.

Column ``j`` of a k-mer layout is the k-mer whose symbols, read as a base-A
number with the first symbol most significant, equal ``j`` (DNA k=2: AA=0,
AC=1, ..., TT=15): the layout ``"all"``, ``A**k`` columns. The layout
``"canonical"`` keeps only the canonical k-mers (``x <= revcomp(x)``) in
ascending order; a canonical k-mer's position there is its *canonical rank*.

This module holds the facts both :class:`deepbiop.KmerEncoder` and
:mod:`deepbiop.spectrum` rely on: the limits (63-bit codes, the largest dense
row), the names, the codes of each layout, the rank and unrank between the two
layouts, and :func:`check_kmer_params`, the one validation of
``(k, alphabet, canonical)``. Users meet :func:`kmer_names`,
:class:`KmerNames`, :func:`kmer_codes`, :func:`n_canonical_kmers` and
:func:`max_sparse_k`; every function taking an alphabet accepts its name
(``"dna"``, ``"rna"``, ``"protein"``) or an :class:`~deepbiop.Alphabet`.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from numbers import Integral
from typing import Any

import numpy as np

from deepbiop._kernels import _kmer_sparse
from deepbiop.alphabets import Alphabet, get_alphabet

__all__ = [
    "MAX_DENSE_COLUMNS",
    "COLUMN_LAYOUTS",
    "KmerNames",
    "kmer_names",
    "kmer_codes",
    "n_canonical_kmers",
    "n_kmer_columns",
    "max_sparse_k",
    "check_kmer_params",
    "canonical_complement",
    "lookup_table",
    "canonical_rank",
    "canonical_unrank",
    "spell_kmers",
    "kmer_letters",
]

#: Largest number of columns a dense k-mer row may have (4**12 for DNA).
MAX_DENSE_COLUMNS = 4**12
#: The column layouts: every k-mer, or the canonical k-mers only.
COLUMN_LAYOUTS = ("all", "canonical")
#: Column indices are int64, so ``A**k`` must stay below 2**63.
_MAX_CODES = 2**63 - 1


# -- limits and validation ---------------------------------------------------------
def max_sparse_k(alphabet_size: int) -> int:
    """Largest k whose ``alphabet_size**k`` column indices fit in 63 bits
    (31 for DNA/RNA, 14 for protein).

    Parameters
    ----------
    alphabet_size : int
        Number of symbols ``A``.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        For an alphabet of fewer than 2 symbols (one column for every k).

    Examples
    --------
    >>> from deepbiop.kmers import max_sparse_k
    >>> max_sparse_k(4), max_sparse_k(20)
    (31, 14)
    """
    if alphabet_size < 2:
        raise ValueError(
            f"k-mer counting needs an alphabet of at least 2 symbols, got {alphabet_size}"
        )
    k = 1
    while alphabet_size ** (k + 1) <= _MAX_CODES:
        k += 1
    return k


def canonical_complement(alphabet: Alphabet, what: str) -> np.ndarray:
    """The complement permutation of ``alphabet``'s codes, for canonical k-mers.

    Parameters
    ----------
    alphabet : Alphabet
    what : str
        The option asking for canonical k-mers, as the error names it
        (``"canonical=True"``).

    Returns
    -------
    ndarray of int16, shape (4,)
        ``comp[c]``: the code of the complement of the symbol with code ``c``.

    Raises
    ------
    ValueError
        Saying why the kernels cannot fold ``alphabet``: it has no complement,
        other than 4 symbols (the kernels fold 2-bit codes), or a complement
        that is not an involution (a k-mer's reverse complement would not lead
        back to it).
    """
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


def check_kmer_params(k: Any, alphabet: Alphabet, canonical: Any) -> tuple[int, bool]:
    """Validate a k-mer length and strand choice for ``alphabet``.

    Parameters
    ----------
    k : int
        K-mer length; must be an int (not a bool) with ``1 <= k <=
        max_sparse_k(alphabet.size)``.
    alphabet : Alphabet
    canonical : object
        Whether k-mers are folded with their reverse complement (its truth
        value is read once); the error for an alphabet without canonical
        k-mers names it as ``canonical=<repr>``.

    Returns
    -------
    k : int
        Exactly ``int``, read once (a subclass answering ``__index__``
        differently each time cannot give the kernels another value).
    canonical : bool

    Raises
    ------
    ValueError
        For k out of range or not an int, or a ``canonical`` request on an
        alphabet without canonical k-mers (see :func:`canonical_complement`).
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be an int >= 1, got {k!r}")
    k = operator.index(k)
    folded = bool(canonical)
    k_max = max_sparse_k(alphabet.size)
    if k > k_max:
        raise ValueError(
            f"k={k} gives {alphabet.size}**{k} columns, more than a 64-bit column "
            f"index holds; use k <= {k_max} for alphabet '{alphabet.name}'"
        )
    if folded:
        canonical_complement(alphabet, f"canonical={canonical!r}")
    return k, folded


def lookup_table(alphabet: Alphabet, canonical: bool) -> np.ndarray:
    """The byte table a counting kernel reads: the alphabet's codes, and with
    ``canonical`` the complement of codes 0..3 after them (the caller has
    checked :func:`canonical_complement`)."""
    return alphabet.canonical_codes if canonical else alphabet.codes


def _check_columns(alphabet: Alphabet, columns: str) -> None:
    if columns not in COLUMN_LAYOUTS:
        raise ValueError(f"columns must be 'all' or 'canonical', got {columns!r}")
    if columns == "canonical":
        canonical_complement(alphabet, "columns='canonical'")


# -- sizes -----------------------------------------------------------------------
def n_canonical_kmers(k: int, alphabet: str | Alphabet | None = None) -> int:
    """Number of canonical DNA/RNA k-mers (the compact canonical columns).

    ``(4**k + 4**(k//2)) / 2`` for even k (reverse-complement palindromes are
    their own canonical form), ``4**k / 2`` for odd k. For a 4-letter
    ``alphabet`` whose complement leaves f symbols fixed (0 for DNA and RNA),
    odd k has ``f * 4**(k//2)`` palindromes too: ``(4**k + f * 4**(k//2)) / 2``.

    Parameters
    ----------
    k : int
    alphabet : {"dna", "rna"} or Alphabet, optional
        The alphabet (None: DNA).

    Returns
    -------
    int

    Raises
    ------
    ValueError
        For an ``alphabet`` without canonical k-mers (see ``KmerEncoder``).

    Examples
    --------
    >>> from deepbiop.kmers import n_canonical_kmers
    >>> n_canonical_kmers(1), n_canonical_kmers(2), n_canonical_kmers(5, "rna")
    (2, 10, 512)
    """
    k = int(k)
    fixed = 0
    if alphabet is not None:
        comp = canonical_complement(get_alphabet(alphabet), "canonical k-mers")
        fixed = int((comp == np.arange(4)).sum())
    if k % 2 == 0:
        return (4**k + 4 ** (k // 2)) // 2
    return (4**k + fixed * 4 ** (k // 2)) // 2


def n_kmer_columns(alphabet: str | Alphabet, k: int, columns: str = "all") -> int:
    """Number of columns of a layout: ``A**k`` for ``"all"``, the number of
    canonical k-mers for ``"canonical"``.

    Raises
    ------
    ValueError
        For another layout name, or ``"canonical"`` with an alphabet without
        canonical k-mers.
    """
    alphabet = get_alphabet(alphabet)
    _check_columns(alphabet, columns)
    if columns == "all":
        return alphabet.size ** int(k)
    return n_canonical_kmers(k, alphabet)


# -- codes, ranks and names ------------------------------------------------------
def canonical_rank(codes: np.ndarray, k: int, alphabet: Alphabet) -> np.ndarray:
    """Position in the canonical layout of each canonical k-mer code.

    Parameters
    ----------
    codes : array-like of uint64, shape (n,)
        Canonical k-mer codes (the caller guarantees ``x <= revcomp(x)``).
    k : int
    alphabet : Alphabet
        A 4-letter alphabet with canonical k-mers.

    Returns
    -------
    ndarray of uint64, shape (n,)
    """
    out = np.empty(np.shape(codes)[0], dtype=np.uint64)
    _kmer_sparse.canonical_rank(
        np.ascontiguousarray(codes, dtype=np.uint64), k, alphabet.complement_codes, out
    )
    return out


def canonical_unrank(ranks: np.ndarray, k: int, alphabet: Alphabet) -> np.ndarray:
    """The k-mer code at each position of the canonical layout (the inverse
    of :func:`canonical_rank`; ranks below :func:`n_canonical_kmers`).

    Returns
    -------
    ndarray of uint64, shaped like the 1-D ``ranks``
    """
    out = np.empty(np.shape(ranks)[0], dtype=np.uint64)
    _kmer_sparse.canonical_unrank(
        np.ascontiguousarray(ranks, dtype=np.uint64), k, alphabet.complement_codes, out
    )
    return out


def kmer_letters(codes: np.ndarray, alphabet: Alphabet, k: int) -> np.ndarray:
    """The k-mers of integer codes as ASCII bytes, one row per code.

    Parameters
    ----------
    codes : array-like of int
        Codes below ``alphabet.size**k``.
    alphabet : Alphabet
    k : int

    Returns
    -------
    ndarray of uint8, shape (codes.size, k)
        Row ``i`` spells ``codes[i]`` (first symbol most significant).
    """
    syms = np.frombuffer(alphabet.symbols.encode("ascii"), dtype=np.uint8)
    codes = np.asarray(codes, dtype=np.uint64).ravel()
    A = alphabet.size
    if A == 4:
        # four symbols per byte of the code: one table lookup per byte
        nb = -(-k // 4)
        quad = syms[(np.arange(256)[:, None] >> np.array([6, 4, 2, 0])) & 3]
        be = codes.astype(">u8").view(np.uint8).reshape(-1, 8)[:, 8 - nb :]
        return quad[be].reshape(-1, 4 * nb)[:, 4 * nb - k :]
    letters = np.empty((codes.size, k), dtype=np.uint8)
    rest = codes.copy()
    for j in range(k - 1, -1, -1):
        letters[:, j] = syms[(rest % np.uint64(A)).astype(np.intp)]
        rest //= np.uint64(A)
    return letters


def spell_kmers(codes: np.ndarray, alphabet: Alphabet, k: int) -> np.ndarray:
    """The k-mer strings of integer codes: the rows of :func:`kmer_letters`
    (same parameters) as an object array of ``str``, shape (codes.size,)."""
    letters = np.ascontiguousarray(kmer_letters(codes, alphabet, k))
    if letters.shape[0] == 0:
        return np.empty(0, dtype=object)
    return letters.view(f"S{k}").ravel().astype(str).astype(object)


def kmer_codes(alphabet: str | Alphabet, k: int, columns: str = "all") -> np.ndarray:
    """Every k-mer code of a column layout, ascending (uint64).

    ``columns="all"``: ``0 .. A**k - 1``; ``"canonical"``: the canonical codes
    (``x <= revcomp(x)``, DNA/RNA), whose positions are the compact columns.

    Parameters
    ----------
    alphabet : {"dna", "rna", "protein"} or Alphabet
    k : int
    columns : {"all", "canonical"}, default="all"

    Returns
    -------
    ndarray of uint64, shape (n_columns,)

    Raises
    ------
    ValueError
        For another layout name, or ``"canonical"`` with an alphabet without
        canonical k-mers.

    Examples
    --------
    >>> from deepbiop.kmers import kmer_codes
    >>> kmer_codes("dna", 1, "canonical")
    array([0, 1], dtype=uint64)
    """
    alphabet = get_alphabet(alphabet)
    n = n_kmer_columns(alphabet, k, columns)
    if columns == "all":
        return np.arange(n, dtype=np.uint64)
    return canonical_unrank(np.arange(n, dtype=np.uint64), int(k), alphabet)


def kmer_names(
    alphabet: str | Alphabet, k: int, indices: Any = None, *, columns: str = "all"
) -> np.ndarray:
    """Names of k-mer columns: the k-mer spelled out (``"ACG"``).

    Parameters
    ----------
    alphabet : {"dna", "rna", "protein"} or Alphabet
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
    >>> import deepbiop as dbp
    >>> dbp.kmer_names(dbp.DNA, 2, [0, 1, 15])
    array(['AA', 'AC', 'TT'], dtype=object)
    >>> dbp.kmer_names("rna", 2, [15])
    array(['UU'], dtype=object)
    >>> dbp.kmer_names("dna", 2, columns="canonical")
    array(['AA', 'AC', 'AG', 'AT', 'CA', 'CC', 'CG', 'GA', 'GC', 'TA'],
          dtype=object)
    >>> dbp.kmer_names("dna", 31, [0])
    array(['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'], dtype=object)
    """
    alphabet = get_alphabet(alphabet)
    k = int(k)
    n = n_kmer_columns(alphabet, k, columns)
    if indices is None:
        return spell_kmers(kmer_codes(alphabet, k, columns), alphabet, k)
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
        codes = canonical_unrank(codes, k, alphabet)
    return spell_kmers(codes, alphabet, k).reshape(idx.shape)


class KmerNames:
    """Lazy column names for a large k-mer layout.

    Behaves like a read-only 1-D array of names: ``len``, integer, slice,
    integer-array and boolean-mask indexing (each naming only the selected
    columns), iteration, and ``np.asarray`` (which builds every name: avoid it
    for large k).

    Parameters
    ----------
    alphabet : {"dna", "rna", "protein"} or Alphabet
    k : int
    columns : {"all", "canonical"}, default="all"

    Examples
    --------
    >>> import deepbiop as dbp
    >>> names = dbp.KmerEncoder(k=21, sparse=True).get_feature_names_out()
    >>> len(names), names[0], names[[1, 4**21 - 1]].tolist()
    (4398046511104, 'AAAAAAAAAAAAAAAAAAAAA', ['AAAAAAAAAAAAAAAAAAAAC', 'TTTTTTTTTTTTTTTTTTTTT'])
    """

    def __init__(self, alphabet: str | Alphabet, k: int, columns: str = "all") -> None:
        self.alphabet = get_alphabet(alphabet)
        self.k = int(k)
        self.columns = columns
        self._n = n_kmer_columns(self.alphabet, self.k, columns)

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
            return kmer_names(
                self.alphabet, self.k, np.arange(start, stop, step), columns=self.columns
            )
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
