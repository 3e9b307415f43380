"""BGZF (blocked gzip, as written by ``bgzip`` and htslib): detection, block
search, block-by-block reading and writing.

A BGZF file is a series of complete gzip members ("blocks") of at most 64 KiB
each, every one carrying an extra field ``BC`` with its own size, and ending
with a fixed 28-byte empty block. Any ordinary gzip reader reads it; unlike
ordinary gzip it can be entered at any block, which is what lets
:mod:`deepbiop.io._ranges` give DataLoader workers disjoint parts of one file.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator

try:  # the inflater xopen/dnaio already use for gzip: about twice zlib's speed
    from isal import isal_zlib as _inflater
except ImportError:  # pragma: no cover - isal comes with dnaio's xopen
    _inflater = zlib

__all__ = [
    "MAX_BLOCK",
    "EOF_BLOCK",
    "BgzfError",
    "is_bgzf",
    "inflate",
    "find_block",
    "iter_blocks",
    "to_bgzf",
]

#: largest BGZF block (compressed size, header and trailer included)
MAX_BLOCK = 1 << 16
#: uncompressed bytes per block written by :func:`to_bgzf` (bgzip's choice)
_BLOCK_DATA = 0xFF00
#: the empty block that ends every BGZF file
EOF_BLOCK = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
_MAGIC = b"\x1f\x8b\x08\x04"  # gzip, deflate, FEXTRA set
_FIXED = 12  # gzip header bytes before the extra field


class BgzfError(OSError):
    """A BGZF block could not be read (corrupt or truncated file)."""


def _block_size(head: bytes) -> int | None:
    """Total size of the block whose first bytes are ``head``, None if they are
    not a BGZF block header (``head`` must hold the whole extra field)."""
    if len(head) < _FIXED or head[:4] != _MAGIC:
        return None
    (xlen,) = struct.unpack_from("<H", head, 10)
    if len(head) < _FIXED + xlen:
        return None
    i = _FIXED
    end = _FIXED + xlen
    while i + 4 <= end:
        slen = struct.unpack_from("<H", head, i + 2)[0]
        if head[i : i + 2] == b"BC" and slen == 2 and i + 6 <= end:
            return struct.unpack_from("<H", head, i + 4)[0] + 1
        i += 4 + slen
    return None


def inflate(block: bytes, where: str) -> bytes:
    """Uncompressed data of one whole block, its CRC and size checked.

    Raises
    ------
    BgzfError
        Naming ``where`` (file and offset) when the block is corrupt.
    """
    (xlen,) = struct.unpack_from("<H", block, 10)
    crc, isize = struct.unpack_from("<II", block, len(block) - 8)
    try:
        data = _inflater.decompress(block[_FIXED + xlen : -8], -15)
    except Exception as exc:  # zlib.error / isal_zlib.error
        raise BgzfError(f"{where}: corrupt BGZF block ({exc})") from exc
    if len(data) != isize or zlib.crc32(data) != crc:
        raise BgzfError(f"{where}: corrupt BGZF block (size or CRC does not match)")
    return data


def _read_block(fh, offset: int, path: str) -> bytes | None:
    """The raw block at ``offset`` (``fh`` positioned there); None at end of file."""
    head = fh.read(_FIXED)
    if not head:
        return None
    if len(head) == _FIXED and head[:4] == _MAGIC:
        (xlen,) = struct.unpack_from("<H", head, 10)
        head += fh.read(xlen)
    size = _block_size(head)
    if size is None:
        raise BgzfError(f"{path!r}: no BGZF block header at byte {offset}")
    rest = fh.read(size - len(head))
    if len(head) + len(rest) != size:
        raise BgzfError(f"{path!r}: BGZF block at byte {offset} is truncated (file ends early)")
    return head + rest


def is_bgzf(path: str) -> bool:
    """True when the file starts with a BGZF block header (by content, not name)."""
    with open(path, "rb") as fh:
        head = fh.read(_FIXED)
        if len(head) == _FIXED and head[:4] == _MAGIC:
            head += fh.read(struct.unpack_from("<H", head, 10)[0])
    return _block_size(head) is not None


def find_block(path: str, pos: int) -> int:
    """Offset of the first BGZF block starting at or after ``pos`` (file size if none).

    A candidate header is accepted only when its block inflates with the right
    CRC and size, so compressed bytes that happen to look like a header are
    not taken for one. Blocks are at most :data:`MAX_BLOCK` bytes, so the next
    block starts within that distance of any position.
    """
    size = os.path.getsize(path)
    if pos <= 0:
        return 0
    if pos >= size:
        return size
    with open(path, "rb") as fh:
        fh.seek(pos)
        window = fh.read(MAX_BLOCK + _FIXED + 64)
        i = window.find(_MAGIC)
        while 0 <= i < MAX_BLOCK:
            fh.seek(pos + i)
            try:
                block = _read_block(fh, pos + i, path)
                if block is not None:
                    inflate(block, path)
                    return pos + i
            except (BgzfError, struct.error):
                pass
            i = window.find(_MAGIC, i + 1)
    return size


def iter_blocks(path: str, offset: int) -> Iterator[tuple[int, bytes]]:
    """``(block offset, uncompressed data)`` of every block from ``offset`` on,
    ``offset`` being the start of a block."""
    with open(path, "rb") as fh:
        fh.seek(offset)
        while True:
            block = _read_block(fh, offset, path)
            if block is None:
                return
            yield offset, inflate(block, f"{path!r} at byte {offset}")
            offset += len(block)


def _block(data: bytes, level: int) -> bytes:
    comp = zlib.compressobj(level, zlib.DEFLATED, -15)
    payload = comp.compress(data) + comp.flush()
    header = _MAGIC + b"\x00\x00\x00\x00\x00\xff\x06\x00BC\x02\x00"
    size = len(header) + 2 + len(payload) + 8
    return (
        header
        + struct.pack("<H", size - 1)
        + payload
        + struct.pack("<II", zlib.crc32(data), len(data))
    )


def to_bgzf(src: str | os.PathLike, dst: str | os.PathLike, *, level: int = 6) -> None:
    """Write ``src`` (plain or compressed, any format xopen reads) to ``dst`` as BGZF.

    Parameters
    ----------
    src : path
        Input file; gzip, bz2, xz and zstd are decompressed first.
    dst : path
        Output file (overwritten): a BGZF file, readable by any gzip reader,
        that :class:`deepbiop.torch.FastxBatchDataset` splits between
        DataLoader workers.
    level : int, default=6
        zlib compression level (1 fastest, 9 smallest).

    Examples
    --------
    >>> import gzip, os, tempfile
    >>> from deepbiop.io import to_bgzf
    >>> d = tempfile.mkdtemp(); src = os.path.join(d, "x.fq")
    >>> _ = open(src, "w").write("@r0\\nACGT\\n+\\nIIII\\n")
    >>> to_bgzf(src, os.path.join(d, "x.fq.gz"))
    >>> gzip.open(os.path.join(d, "x.fq.gz"), "rt").read()
    '@r0\\nACGT\\n+\\nIIII\\n'
    """
    from xopen import xopen

    if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= 9:
        raise ValueError(f"level must be an integer in 0..9, got {level!r}")
    with xopen(src, "rb", threads=0) as fin, open(dst, "wb") as fout:
        while True:
            data = fin.read(_BLOCK_DATA)
            if not data:
                break
            fout.write(_block(data, level))  # 0xff00 bytes deflate to under 64 KiB
        fout.write(EOF_BLOCK)
