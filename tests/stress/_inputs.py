"""hypothesis strategies over every kind of input an encoder may be handed.

A drawn :class:`Case` holds the object to pass (``obj``), the sequences it
logically holds (``seqs``: a list of ``bytes``, what every accepted form must
encode exactly like) or, for input that must be refused, the error expected
(:class:`Refusal`: exception types, the index of the element to be named, and
for a non-ASCII character its position and the character).

Element kinds (``ELEMENT_KINDS``): exact str and bytes, str/bytes subclasses
whose ``__len__``, ``__str__``, ``__bytes__``, ``encode``, ``__iter__`` and
``__getitem__`` lie (the real content must be read), numpy ``str_``/``bytes_``
scalars, bytearray, memoryview (contiguous, strided, read-only, cast to the
byte formats ``c``/``b``/``B``), uint8 arrays (contiguous, strided, reversed,
read-only). Refused elements (``BAD_KINDS``): None, ints, floats, NaN,
``pd.NA``, non-ASCII str of every internal width (latin-1, BMP, astral,
lone surrogates, and a subclass), memoryviews of wider formats, 2-D and
non-uint8 arrays, nested lists, released memoryviews.

Containers (``CONTAINERS``): list, tuple, list subclass, generator, iterator,
map, numpy object / S / U arrays, (n, 1) object arrays, pandas Series and
one-column DataFrames, polars Series and one-column DataFrames.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

from _strategies import sequences

# ----------------------------------------------------------------- subclasses


class LyingStr(str):
    """A str subclass whose Python-level views of itself are all wrong."""

    def __len__(self):
        return 7

    def __str__(self):
        return "TTTT"

    def __iter__(self):
        return iter("GGGG")

    def __getitem__(self, key):
        return "C"

    def encode(self, *args, **kwargs):
        return b"CCCC"

    def isascii(self):
        return False


class LyingBytes(bytes):
    """A bytes subclass whose Python-level views of itself are all wrong."""

    def __len__(self):
        return 3

    def __bytes__(self):
        return b"TTTT"

    def __iter__(self):
        return iter(b"GGGG")

    def __getitem__(self, key):
        return 67

    def __buffer__(self, flags):  # Python >= 3.12 buffer protocol hook
        return memoryview(b"GGGGGGGG")


class SeqList(list):
    """A list subclass (the packer must not take it for an exact list)."""

    def __len__(self):
        return 0  # a lie: iteration gives the real elements


# ------------------------------------------------------------------ elements


def _interleave(raw: bytes, junk: int = ord("Z")) -> bytes:
    out = bytearray(2 * len(raw))
    out[0::2] = raw
    out[1::2] = bytes([junk]) * len(raw)
    return bytes(out)


def _readonly(a: np.ndarray) -> np.ndarray:
    a = a.copy()
    a.flags.writeable = False
    return a


# kind -> (wrap(text) -> object, logical bytes of the object)
ELEMENT_KINDS: dict[str, Callable[[bytes], tuple[Any, bytes]]] = {
    "str": lambda b: (b.decode("ascii"), b),
    "bytes": lambda b: (bytes(b), b),
    "str_subclass": lambda b: (LyingStr(b.decode("ascii")), b),
    "bytes_subclass": lambda b: (LyingBytes(b), b),
    "np_str_": lambda b: (np.str_(b.decode("ascii")), b.rstrip(b"\0")),
    "np_bytes_": lambda b: (np.bytes_(b), b.rstrip(b"\0")),
    "bytearray": lambda b: (bytearray(b), b),
    "memoryview": lambda b: (memoryview(b), b),
    "memoryview_strided": lambda b: (memoryview(_interleave(b))[::2], b),
    "memoryview_reversed": lambda b: (memoryview(b[::-1])[::-1], b),
    "memoryview_readonly_bytearray": lambda b: (memoryview(bytearray(b)).toreadonly(), b),
    "memoryview_cast_c": lambda b: (memoryview(b).cast("c"), b),
    "memoryview_cast_b": lambda b: (memoryview(b).cast("b"), b),
    "memoryview_of_uint8": lambda b: (memoryview(np.frombuffer(b, np.uint8)), b),
    "uint8": lambda b: (np.frombuffer(b, dtype=np.uint8), b),
    "uint8_writeable": lambda b: (np.frombuffer(bytearray(b), dtype=np.uint8), b),
    "uint8_strided": lambda b: (np.frombuffer(_interleave(b), dtype=np.uint8)[::2], b),
    "uint8_reversed": lambda b: (np.frombuffer(b[::-1], dtype=np.uint8)[::-1], b),
    "uint8_readonly": lambda b: (_readonly(np.frombuffer(b, dtype=np.uint8)), b),
    "uint8_column_of_2d": lambda b: (
        np.frombuffer(_interleave(b), dtype=np.uint8).reshape(-1, 2)[:, 0]
        if b
        else np.empty(0, np.uint8),
        b,
    ),
}

#: kinds whose content may hold any byte (str must stay ASCII)
BYTE_KINDS = [k for k in ELEMENT_KINDS if not k.startswith(("str", "np_str_"))]
TEXT_KINDS = [k for k in ELEMENT_KINDS if k.startswith(("str", "np_str_"))]

# non-ASCII characters of each internal str width
NON_ASCII = {
    "latin1": "\u00e9",
    "bmp": "\u20ac",
    "astral": "\U0001f600",
    "lone_surrogate": "\ud800",
}


@dataclass
class Refusal:
    """What a refused input must raise."""

    types: tuple
    index: int | None  # None: a single sequence (encode), no index to name
    position: int | None = None
    char: str | None = None

    def check(self, exc: BaseException) -> None:
        import re

        assert isinstance(exc, self.types), (
            f"expected {[t.__name__ for t in self.types]}, got {type(exc).__name__}: {exc}"
        )
        msg = str(exc)
        if self.index is not None:
            assert re.search(rf"\bsequence {self.index}\b", msg), (
                f"the message does not name sequence {self.index}: {msg!r}"
            )
        if self.position is not None:
            assert re.search(rf"\bposition {self.position}\b", msg), (
                f"the message does not name position {self.position}: {msg!r}"
            )
        if self.char is not None:
            assert repr(self.char) in msg or self.char in msg, (
                f"the message does not show the character {self.char!r}: {msg!r}"
            )


def _released():
    m = memoryview(b"ACGT")
    m.release()
    return m


def _bad_non_ascii(width: str, subclass: bool = False):
    def make(text: str, cut: int):
        pos = min(cut, len(text))
        ch = NON_ASCII[width]
        s = text[:pos] + ch + text[pos:]
        obj = LyingStr(s) if subclass else s
        return obj, Refusal((ValueError,), -1, pos, ch)

    return make


def _bad_fixed(obj_factory, types=(TypeError,)):
    def make(text: str, cut: int):
        return obj_factory(), Refusal(types, -1)

    return make


def _pd_na():
    import pandas as pd

    return pd.NA


BAD_KINDS: dict[str, Callable[[str, int], tuple[Any, Refusal]]] = {
    "none": _bad_fixed(lambda: None),
    "int": _bad_fixed(lambda: 42),
    "float_nan": _bad_fixed(lambda: float("nan")),
    "pd_NA": _bad_fixed(_pd_na),
    "np_uint8_scalar": _bad_fixed(lambda: np.uint8(65)),
    "nested_list": _bad_fixed(lambda: ["ACGT"]),
    "memoryview_int32": _bad_fixed(lambda: memoryview(np.arange(3, dtype=np.int32))),
    "uint8_2d": _bad_fixed(lambda: np.zeros((2, 3), dtype=np.uint8)),
    "int64_array": _bad_fixed(lambda: np.arange(3, dtype=np.int64)),
    "float_array": _bad_fixed(lambda: np.zeros(3)),
    "released_memoryview": _bad_fixed(_released, (TypeError, ValueError)),
    **{f"non_ascii_{w}": _bad_non_ascii(w) for w in NON_ASCII},
    "non_ascii_subclass": _bad_non_ascii("bmp", subclass=True),
}


# ---------------------------------------------------------------- containers
def _gen(items):
    yield from items


def _pandas_series(items):
    import pandas as pd

    return pd.Series(items, dtype=object, index=np.arange(len(items))[::-1] * 3)


def _pandas_frame(items):
    import pandas as pd

    s = pd.Series(items, dtype=object)
    return pd.DataFrame({"seq": s})


def _polars_series(items):
    import polars as pl

    return pl.Series("seq", items)


def _polars_frame(items):
    import polars as pl

    return pl.DataFrame({"seq": pl.Series("seq", items)})


def _np_object(items):
    arr = np.empty(len(items), dtype=object)
    for i, x in enumerate(items):  # one by one: a list element stays one object
        arr[i] = x
    return arr


def _np_column(items):
    return _np_object(items).reshape(-1, 1)


# name -> (build(items) -> object, accepts(kinds) -> bool)
CONTAINERS: dict[str, tuple[Callable[[list], Any], Callable[[list], bool]]] = {
    "list": (list, lambda kinds: True),
    "tuple": (tuple, lambda kinds: True),
    "list_subclass": (SeqList, lambda kinds: True),
    "generator": (_gen, lambda kinds: True),
    "iterator": (iter, lambda kinds: True),
    "map": (lambda items: map(lambda x: x, items), lambda kinds: True),
    "np_object": (_np_object, lambda kinds: True),
    "np_object_column": (_np_column, lambda kinds: True),
    "np_S": (
        lambda items: np.array([bytes(x) for x in items], dtype="S"),
        lambda kinds: all(k in ("bytes", "np_bytes_") for k in kinds),
    ),
    "np_S_strided": (
        lambda items: np.array([bytes(x) for x in items for _ in (0, 1)], dtype="S")[::2],
        lambda kinds: all(k in ("bytes", "np_bytes_") for k in kinds),
    ),
    "np_U": (
        lambda items: np.array(
            [str(x) if type(x) is str else str.__str__(x) for x in items], dtype="U"
        ),
        lambda kinds: all(k in ("str", "np_str_") for k in kinds),
    ),
    "pandas_series": (_pandas_series, lambda kinds: True),
    "pandas_frame": (_pandas_frame, lambda kinds: True),
    "polars_series": (
        _polars_series,
        lambda kinds: all(k == "str" for k in kinds) or all(k == "bytes" for k in kinds),
    ),
    "polars_frame": (
        _polars_frame,
        lambda kinds: all(k == "str" for k in kinds) or all(k == "bytes" for k in kinds),
    ),
}


@dataclass
class Case:
    obj: Any
    seqs: list | None  # logical content (bytes); None when refused
    refusal: Refusal | None = None
    kinds: list = field(default_factory=list)
    container: str = "single"

    def __repr__(self) -> str:  # hypothesis prints this on failure
        return (
            f"Case(container={self.container!r}, kinds={self.kinds!r}, "
            f"seqs={self.seqs!r}, refusal={self.refusal!r})"
        )


def raw_texts(encoding_type: str = "dna", max_size: int = 30):
    """ASCII text over the alphabet, both cases, N/IUPAC codes and noise."""
    return sequences(encoding_type, noise=True, max_size=max_size)


@st.composite
def element(draw, encoding_type: str = "dna", max_size: int = 30, allow_bad: bool = False):
    """One element: (object, logical bytes or None, kind, refusal or None)."""
    if allow_bad and draw(st.integers(0, 5)) == 0:
        kind = draw(st.sampled_from(sorted(BAD_KINDS)))
        text = draw(raw_texts(encoding_type, max_size))
        obj, refusal = BAD_KINDS[kind](text, draw(st.integers(0, max_size)))
        return obj, None, kind, refusal
    kind = draw(st.sampled_from(sorted(ELEMENT_KINDS)))
    raw = draw(raw_texts(encoding_type, max_size)).encode("ascii")
    if kind in BYTE_KINDS and draw(st.integers(0, 3)) == 0:
        # any byte at all: NUL, control characters, high bytes
        extra = draw(st.binary(min_size=1, max_size=4))
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + extra + raw[at:]
    obj, logical = ELEMENT_KINDS[kind](raw)
    return obj, logical, kind, None


@st.composite
def single_case(draw, encoding_type: str = "dna", max_size: int = 30, allow_bad: bool = True):
    obj, logical, kind, refusal = draw(element(encoding_type, max_size, allow_bad))
    if refusal is not None:
        refusal.index = None
        return Case(obj, None, refusal, [kind])
    return Case(obj, [logical], None, [kind])


@st.composite
def batch_case(
    draw, encoding_type: str = "dna", max_size: int = 30, max_batch: int = 6, allow_bad: bool = True
):
    """A batch in one of the containers, with its logical content or refusal."""
    n = draw(st.integers(0, max_batch))
    elems = [draw(element(encoding_type, max_size, allow_bad)) for _ in range(n)]
    kinds = [e[2] for e in elems]
    names = [c for c, (_, ok) in CONTAINERS.items() if ok(kinds)]
    if any(e[3] is not None for e in elems):
        # containers that cannot hold arbitrary objects are left out
        names = [c for c in names if not c.startswith(("np_S", "np_U", "polars"))]
    container = draw(st.sampled_from(names))
    build = CONTAINERS[container][0]
    objs = [e[0] for e in elems]
    obj = build(objs)
    bad = [i for i, e in enumerate(elems) if e[3] is not None]
    if bad:
        refusal = elems[bad[0]][3]
        refusal.index = bad[0]
        return Case(obj, None, refusal, kinds, container)
    seqs = [e[1] for e in elems]
    if container.startswith(("np_S", "np_U")):
        # numpy's own semantics: trailing NULs are not part of an S/U element
        seqs = [s.rstrip(b"\0") for s in seqs]
    return Case(obj, seqs, None, kinds, container)
