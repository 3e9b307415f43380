"""Text as :class:`deepbiop.hf.DeepBioPTokenizer` hands it on: to the token
kernel (one byte per character) and to transformers' own path (``str`` only),
and the search for added and special token strings that decides between the
two.

The kernel reads bytes; a non-ASCII ``str`` is rejected by the packer, so the
tokenizer rewrites it here with each non-ASCII character as one byte that no
vocabulary has a token for. ``bytes`` are read one character per byte
(Latin-1) on both paths.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["kernel_text", "python_text", "search_any"]

_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def kernel_text(text: str | bytes) -> str | bytes:
    """``text`` as the token kernel reads it: one byte per character.

    Parameters
    ----------
    text : str or bytes

    Returns
    -------
    str or bytes
        ``bytes`` and ASCII ``str`` as they are. Any other ``str`` as bytes in
        which each non-ASCII character is the byte 0x80: no vocabulary has a
        token for it (single-character tokens are ASCII), so it becomes the
        unknown token like any other character without a token, and
        positions (offsets) still count characters.
    """
    if isinstance(text, str) and not text.isascii():
        return _NON_ASCII.sub("\x80", text).encode("latin-1")
    return text


def python_text(text: Any) -> Any:
    """``text`` for transformers' own path, which takes ``str`` only.

    Parameters
    ----------
    text : str, bytes, list, tuple or anything transformers takes

    Returns
    -------
    object
        ``bytes``, alone or as elements of a list or tuple (then a list),
        decoded one character per byte (Latin-1, as the kernel reads them);
        anything else unchanged.
    """
    if isinstance(text, bytes):
        return text.decode("latin-1")
    if isinstance(text, (list, tuple)) and any(isinstance(t, bytes) for t in text):
        return [t.decode("latin-1") if isinstance(t, bytes) else t for t in text]
    return text


def _no_match(text: Any) -> None:
    return None


def search_any(tokens: list, encode: bool) -> Callable[[Any], Any]:
    """A search for any of ``tokens``.

    Parameters
    ----------
    tokens : list of str
        Non-empty token strings.
    encode : bool
        Search ``bytes`` (read as Latin-1: tokens holding other characters
        cannot occur there and are left out) instead of ``str``.

    Returns
    -------
    callable
        ``search(text)``: a match object where some token occurs in ``text``,
        else None (always None when no token is left).
    """
    if encode:
        tokens = [t.encode("latin-1") for t in tokens if all(ord(c) < 256 for c in t)]
    if not tokens:
        return _no_match
    return re.compile((b"|" if encode else "|").join(map(re.escape, tokens))).search
