"""The on-disk form of a k-mer spectrum counted in bins (used by
:mod:`deepbiop.spectrum_disk`).

A spill file holds sorted runs, the spectrum of one chunk each, one after the
other. A run is stored as 64-bit words ``code << c | count`` with
``c = 63 - code_bits`` (DNA k=21: 21 bits of count; k=31: 1 bit), so a word
never exceeds 8 bytes whatever the count. A count that does not fit in ``c``
bits is split over several words with the same code (their counts add up when
the bin is counted), so a run takes at most 8 bytes per k-mer occurrence, and
8 bytes per distinct k-mer of its chunk when counts fit.

Words sort like their codes, so each run is sorted, and a run's index records
where each *prefix* starts: the top ``p`` bits of the word, ``p = min(12,
code_bits)``, 4096 prefixes of the code space. A *bin* is a range of
consecutive prefixes, chosen after the last run so that its words fit the
memory budget: it is read from every run, sorted and run-length encoded by the
chunk kernel (:func:`count_codes`, on the words minus the bin's first word so
that its buckets spread over the bin), and the counts of words holding the same
code are summed. Bins in prefix order are the spectrum in code order.
"""

from __future__ import annotations

import os

import numpy as np

from deepbiop._kernels import _spectrum

__all__ = ["PREFIX_BITS", "SpillFile"]

#: The index of each run has ``2**PREFIX_BITS + 1`` entries (the finest bin).
PREFIX_BITS = 12


def pack_words(codes: np.ndarray, counts: np.ndarray, count_bits: int) -> np.ndarray:
    """Ascending words ``code << count_bits | count`` of an ascending run
    (``codes`` is reused when every count fits)."""
    cap = (1 << count_bits) - 1
    top = int(counts.max(initial=0))
    if count_bits and top <= cap:
        words = codes if codes.flags.writeable else codes.copy()
        words <<= np.uint64(count_bits)
        words |= counts.view(np.uint64)
        return words
    if not count_bits:  # 63-bit codes: one word per occurrence
        return np.repeat(codes, counts)
    reps = (counts + (cap - 1)) // cap
    words = np.repeat(codes, reps) << np.uint64(count_bits)
    field = np.full(words.size, cap, dtype=np.uint64)
    # the remainder first, so that the words stay ascending
    field[np.cumsum(reps) - reps] = (counts - (reps - 1) * cap).view(np.uint64)
    words |= field
    return words


def _trim(codes: np.ndarray, counts: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``m`` entries: views when they fill most of the buffers, else
    compact copies (so that a kept block does not keep a mostly empty buffer)."""
    if 2 * m >= codes.size:
        return codes[:m], counts[:m]
    return codes[:m].copy(), counts[:m].copy()


def _read_into(fh, buf: np.ndarray, offset: int) -> None:
    view = memoryview(buf).cast("B")
    fh.seek(offset)
    done = 0
    while done < len(view):
        n = fh.readinto(view[done:])
        if not n:
            raise OSError(f"spill file {fh.name!r} ends early (was it removed or truncated?)")
        done += n


class SpillFile:
    """Sorted runs appended to ``directory/runs.u64``, read back bin by bin.

    Parameters
    ----------
    directory : str
        Where the file goes (the caller removes the directory).
    code_bits : int
        Bits of the largest k-mer code (``(A**k - 1).bit_length()``).
    """

    def __init__(self, directory: str, code_bits: int) -> None:
        self.path = os.path.join(directory, "runs.u64")
        self.count_bits = 63 - code_bits
        self.prefix_bits = min(PREFIX_BITS, code_bits)
        self._shift = 63 - self.prefix_bits
        n_prefixes = 1 << self.prefix_bits
        self._bounds = np.arange(n_prefixes + 1, dtype=np.uint64) << np.uint64(self._shift)
        self._starts: list[int] = []
        self._index: list[np.ndarray] = []
        self.words = 0
        self._fh = open(self.path, "wb")  # closed by close() or finish()

    def add(self, codes: np.ndarray, counts: np.ndarray) -> None:
        """Append one ascending ``(codes, counts)`` run (``codes`` may be
        overwritten)."""
        words = pack_words(codes, counts, self.count_bits)
        self._index.append(np.searchsorted(words, self._bounds).astype(np.int64))
        self._starts.append(self.words)
        self._fh.write(memoryview(np.ascontiguousarray(words)).cast("B"))
        self.words += int(words.size)

    def finish(self) -> None:
        """Flush the runs; no more may be added."""
        self._fh.close()

    def close(self) -> None:
        self._fh.close()

    def plan(self, max_words: int) -> list[tuple[int, int]]:
        """Consecutive prefix ranges ``[p0, p1)`` holding at most ``max_words``
        words each (a single prefix may hold more), skipping empty prefixes."""
        if not self._index:
            return []
        index = np.stack(self._index)
        sizes = (index[:, 1:] - index[:, :-1]).sum(axis=0).tolist()
        bins: list[tuple[int, int]] = []
        p0, acc = 0, 0
        for p, n in enumerate(sizes):
            if acc and acc + n > max_words:
                bins.append((p0, p))
                p0, acc = p, 0
            if not acc and not n:
                p0 = p + 1
                continue
            acc += n
        if acc:
            bins.append((p0, len(sizes)))
        return bins

    def count_bin(self, p0: int, p1: int, n_threads: int) -> tuple[np.ndarray, np.ndarray]:
        """The ascending codes and counts of prefixes ``[p0, p1)``."""
        index = np.stack([ix[[p0, p1]] for ix in self._index])
        sizes = index[:, 1] - index[:, 0]
        total = int(sizes.sum())
        words = np.empty(total, dtype=np.uint64)
        pos = 0
        with open(self.path, "rb", buffering=0) as fh:
            for start, lo, n in zip(self._starts, index[:, 0].tolist(), sizes.tolist()):
                if n:
                    _read_into(fh, words[pos : pos + n], 8 * (start + lo))
                    pos += n
        base = p0 << self._shift
        words -= np.uint64(base)
        key_bits = self._shift + (p1 - p0 - 1).bit_length()
        scratch = np.empty(total, dtype=np.uint64)
        occurrences = words.view(np.int64)
        m = _spectrum.count_codes(words, scratch, key_bits, scratch, occurrences, n_threads)
        del words
        m = _spectrum.sum_words(scratch[:m], occurrences[:m], self.count_bits, base)
        return _trim(scratch, occurrences, m)
