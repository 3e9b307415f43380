"""hypothesis strategies for sequences as real data looks: mixed case, N and
other IUPAC codes, noise characters, very different lengths including 0."""

from __future__ import annotations

from hypothesis import strategies as st

from _reference import ALPHABETS

# characters outside every alphabet or ambiguous in some: IUPAC codes, gaps,
# digits, punctuation, a space and a tab (ASCII: str input must be ASCII)
NOISE = "NnRrYyKkMmBbDdHhVvSsWwXx-.*0 \t"


def sequences(encoding_type: str = "dna", *, noise: bool = True, max_size: int = 40):
    """Strings over the alphabet (both cases) plus, optionally, noise."""
    symbols = ALPHABETS[encoding_type]
    chars = symbols + symbols.lower()
    if noise:
        chars += NOISE
    return st.text(alphabet=chars, min_size=0, max_size=max_size)


def batches(encoding_type: str = "dna", *, noise: bool = True, max_len: int = 40,
            max_batch: int = 8):
    return st.lists(sequences(encoding_type, noise=noise, max_size=max_len),
                    min_size=0, max_size=max_batch)


def as_bytes_or_str(draw_list, data):
    """Turn some elements into bytes so both fast paths of the packer are used."""
    return [s.encode("ascii") if data.draw(st.booleans()) else s for s in draw_list]
