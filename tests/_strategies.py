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


def batches(
    encoding_type: str = "dna", *, noise: bool = True, max_len: int = 40, max_batch: int = 8
):
    return st.lists(
        sequences(encoding_type, noise=noise, max_size=max_len), min_size=0, max_size=max_batch
    )


def as_bytes_or_str(draw_list, data):
    """Turn some elements into bytes so both fast paths of the packer are used."""
    return [s.encode("ascii") if data.draw(st.booleans()) else s for s in draw_list]


#: Every involution of the codes 0..3 (10 of them: the identity, 6 single swaps
#: and the 3 double swaps, one of which is DNA's 3 - c).
INVOLUTIONS_4 = [
    (a, b, c, d)
    for a in range(4)
    for b in range(4)
    for c in range(4)
    for d in range(4)
    if all((a, b, c, d)[(a, b, c, d)[i]] == i for i in range(4))
]


@st.composite
def complemented_alphabets(draw):
    """``(symbols, complement)`` of a random 4-letter alphabet (distinct
    upper-case letters in a random order) whose complement is a random
    involution of its symbols, fixed points included."""
    letters = draw(
        st.lists(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ"), min_size=4, max_size=4, unique=True)
    )
    perm = draw(st.sampled_from(INVOLUTIONS_4))
    symbols = "".join(letters)
    return symbols, "".join(symbols[perm[i]] for i in range(4))


def sequences_over(symbols: str, *, max_size: int = 40):
    """Strings over ``symbols`` (both cases) and a few characters outside any
    upper-case-letter alphabet."""
    return st.text(alphabet=symbols + symbols.lower() + "-.0 ", min_size=0, max_size=max_size)
