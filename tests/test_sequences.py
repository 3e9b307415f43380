"""The one coercion point: every accepted input form gives identical output,
everything else a TypeError/ValueError naming the element (issue 2, "One
coercion point")."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import deepbiop as dbp
from _reference import integer_batch_ref, kmer_batch_ref, onehot_batch_ref

SEQS = ["ACGTN", "", "ac", "GGGTTTAAAC"]

ENCODERS = {
    "onehot": lambda: dbp.OneHotEncoder("dna", "skip"),
    "integer": lambda: dbp.IntegerEncoder("dna", "unknown", dtype=np.int64),
    "kmer": lambda: dbp.KmerEncoder(k=2),
}


def _expected(name):
    if name == "onehot":
        return onehot_batch_ref(SEQS)
    if name == "integer":
        return integer_batch_ref(SEQS, strategy="unknown")
    return kmer_batch_ref(SEQS, 2)


def _gen():
    yield from SEQS


BATCH_FORMS = {
    "list_str": lambda: list(SEQS),
    "list_bytes": lambda: [s.encode() for s in SEQS],
    "list_bytearray": lambda: [bytearray(s.encode()) for s in SEQS],
    "list_memoryview": lambda: [memoryview(s.encode()) for s in SEQS],
    "list_uint8": lambda: [np.frombuffer(s.encode(), np.uint8) for s in SEQS],
    "list_mixed": lambda: [
        SEQS[0],
        SEQS[1].encode(),
        bytearray(SEQS[2].encode()),
        np.frombuffer(SEQS[3].encode(), np.uint8),
    ],
    "tuple": lambda: tuple(SEQS),
    "iterator": lambda: iter(SEQS),
    "generator": _gen,
    "map": lambda: map(str.encode, SEQS),
    "numpy_S": lambda: np.array([s.encode() for s in SEQS], dtype="S"),
    "numpy_U": lambda: np.array(SEQS, dtype="U"),
    "numpy_object": lambda: np.array(SEQS, dtype=object),
    "numpy_object_bytes": lambda: np.array([s.encode() for s in SEQS], dtype=object),
    "numpy_n_by_1": lambda: np.array(SEQS, dtype=object).reshape(-1, 1),
    "numpy_S_n_by_1": lambda: np.array([s.encode() for s in SEQS], dtype="S").reshape(-1, 1),
    "pandas_series": lambda: pd.Series(SEQS, name="seq"),
    "pandas_series_index": lambda: pd.Series(SEQS, index=[10, 3, 7, 1]),
    "pandas_string_dtype": lambda: pd.Series(SEQS, dtype="string"),
    "pandas_dataframe": lambda: pd.DataFrame({"seq": SEQS}),
    "strided_S_view": lambda: np.array([s.encode() for s in SEQS for _ in (0, 1)], dtype="S")[::2],
}


@pytest.mark.parametrize("encoder", list(ENCODERS))
@pytest.mark.parametrize("form", list(BATCH_FORMS))
def test_every_batch_form_gives_identical_output(encoder, form):
    enc = ENCODERS[encoder]()
    out = enc.encode_batch(BATCH_FORMS[form]())
    np.testing.assert_array_equal(out, _expected(encoder))
    # transform is the same code path
    np.testing.assert_array_equal(enc.transform(BATCH_FORMS[form]()), _expected(encoder))


SINGLE_FORMS = {
    "str": lambda s: s,
    "bytes": lambda s: s.encode(),
    "bytearray": lambda s: bytearray(s.encode()),
    "memoryview": lambda s: memoryview(s.encode()),
    "memoryview_slice": lambda s: memoryview(("xx" + s + "yy").encode())[2:-2],
    "uint8": lambda s: np.frombuffer(s.encode(), np.uint8),
    "uint8_strided": lambda s: np.repeat(np.frombuffer(s.encode(), np.uint8), 2)[::2],
    "uint8_readonly": lambda s: np.frombuffer(s.encode(), np.uint8),
    "uint8_writeable": lambda s: np.frombuffer(s.encode(), np.uint8).copy(),
}


@pytest.mark.parametrize("encoder", list(ENCODERS))
@pytest.mark.parametrize("form", list(SINGLE_FORMS))
def test_every_single_form_gives_identical_output(encoder, form):
    enc = ENCODERS[encoder]()
    for s in SEQS:
        out = enc.encode(SINGLE_FORMS[form](s))
        alone = enc.encode_batch([s])[0]  # a batch of one is not padded
        np.testing.assert_array_equal(out, alone)


def test_numpy_S_with_trailing_nul_padding():
    # numpy S arrays pad shorter items with NULs; those are not part of a sequence
    arr = np.array([b"ACGT", b"A"], dtype="S10")
    np.testing.assert_array_equal(
        dbp.IntegerEncoder("dna").encode_batch(arr), [[0, 1, 2, 3], [0, -1, -1, -1]]
    )


def test_empty_containers():
    enc = dbp.IntegerEncoder()
    for empty in (
        [],
        (),
        iter([]),
        np.array([], dtype="S"),
        np.array([], dtype="U"),
        np.array([], dtype=object),
        pd.Series([], dtype=object),
        pd.DataFrame({"seq": pd.Series([], dtype=object)}),
    ):
        assert enc.encode_batch(empty).shape == (0, 0)


def test_input_is_not_modified_and_bytearray_copied():
    data = [bytearray(b"ACGT")]
    out = dbp.IntegerEncoder().encode_batch(data)
    data[0][0] = ord("T")  # mutating afterwards does not affect the result
    np.testing.assert_array_equal(out, [[0, 1, 2, 3]])
    assert data[0] == bytearray(b"TCGT")


# -------------------------------------------------------------------------- errors
@pytest.mark.parametrize("encoder", list(ENCODERS))
def test_none_in_list_names_index_and_type(encoder):
    enc = ENCODERS[encoder]()
    with pytest.raises(
        TypeError,
        match=re.escape(
            "sequence 2: expected bytes, str, bytearray, memoryview or a 1-D uint8 array, "
            "got NoneType (missing value?)"
        ),
    ):
        enc.encode_batch(["ACGT", b"AC", None, 5])


def test_int_in_list_names_index_and_type():
    with pytest.raises(
        TypeError,
        match=re.escape(
            "sequence 1: expected bytes, str, bytearray, memoryview or a 1-D uint8 array, got int"
        ),
    ):
        dbp.OneHotEncoder().encode_batch(["A", 7])
    with pytest.raises(TypeError, match="sequence 0: .* got float"):
        dbp.KmerEncoder().encode_batch(pd.Series([np.nan, "ACGT"]))
    with pytest.raises(TypeError, match="sequence 1: .* got list"):
        dbp.KmerEncoder().encode_batch(["ACGT", ["A", "C"]])


def test_2d_array_element_names_index_shape_dtype():
    with pytest.raises(
        TypeError,
        match=re.escape(
            "sequence 1: an ndarray sequence must be 1-D uint8, got shape (2, 2) dtype uint8"
        ),
    ):
        dbp.IntegerEncoder().encode_batch([b"A", np.zeros((2, 2), np.uint8)])
    with pytest.raises(
        TypeError,
        match="sequence 0: an ndarray sequence must be 1-D uint8, got shape \\(3,\\) dtype int64",
    ):
        dbp.IntegerEncoder().encode(np.array([65, 67, 71]))


def test_numeric_arrays_as_batch_are_type_errors():
    with pytest.raises(
        TypeError,
        match="expected an array of dtype S, U or object holding sequences, got dtype uint8",
    ):
        dbp.OneHotEncoder().encode_batch(np.frombuffer(b"ACGT", np.uint8))
    with pytest.raises(TypeError, match="got dtype float64"):
        dbp.OneHotEncoder().encode_batch(np.zeros((3, 5)))


def test_single_sequence_given_to_encode_batch():
    for single, name in [
        ("ACGT", "str"),
        (b"ACGT", "bytes"),
        (bytearray(b"A"), "bytearray"),
        (memoryview(b"A"), "memoryview"),
    ]:
        with pytest.raises(
            TypeError,
            match=re.escape(
                f"encode_batch() takes a collection of sequences; got a single {name}. "
                "Wrap it in a list or use encode()"
            ),
        ):
            dbp.IntegerEncoder().encode_batch(single)


def test_batch_given_to_encode():
    for batch, name in [(["ACGT"], "list"), (("A",), "tuple"), (np.array(["A"]), "ndarray")]:
        with pytest.raises(
            TypeError,
            match=re.escape(
                f"encode() takes one sequence (bytes, str, bytearray, memoryview or a 1-D "
                f"uint8 array); got a {name} of sequences, use encode_batch() instead"
            ),
        ):
            dbp.KmerEncoder().encode(batch)


def test_not_a_sequence_given_to_encode():
    with pytest.raises(TypeError, match="expected bytes, str, .* got int"):
        dbp.OneHotEncoder().encode(5)
    with pytest.raises(TypeError, match="got NoneType \\(missing value\\?\\)"):
        dbp.OneHotEncoder().encode(None)


def test_non_iterable_batch():
    with pytest.raises(TypeError, match="expected a collection of sequences, got int"):
        dbp.OneHotEncoder().encode_batch(5)


def test_non_ascii_str_names_sequence_and_position():
    with pytest.raises(
        ValueError,
        match=re.escape(
            "sequence 1: non-ASCII character 'é' (U+00E9) at position 3; sequences must be "
            "ASCII text"
        ),
    ):
        dbp.OneHotEncoder().encode_batch(["ACGT", "ACGéT"])
    with pytest.raises(
        ValueError, match="sequence 0: non-ASCII character 'α' \\(U\\+03B1\\) at position 0"
    ):
        dbp.KmerEncoder().encode("αCGT")
    with pytest.raises(ValueError, match="sequence 2: non-ASCII"):
        dbp.IntegerEncoder().encode_batch(pd.Series(["A", "C", "G\u00a0"]))


def test_non_ascii_bytes_are_ordinary_invalid_characters():
    # bytes are not decoded: a high byte is just a character outside the alphabet
    np.testing.assert_array_equal(dbp.OneHotEncoder().encode(b"A\xffC")[1], 0)
    with pytest.raises(
        ValueError, match="sequence 0 \\(of 1\\): invalid character 'ÿ' at position 1"
    ):
        dbp.IntegerEncoder().encode(b"A\xffC")


def test_multicolumn_dataframe_error():
    df = pd.DataFrame({"seq": ["ACGT"], "label": [1]})
    with pytest.raises(
        ValueError,
        match=re.escape(
            "expected a DataFrame with one column of sequences, got 2 columns; select the "
            "sequence column first"
        ),
    ):
        dbp.KmerEncoder().transform(df)


def test_2d_string_array_with_several_columns():
    with pytest.raises(
        ValueError,
        match=re.escape("expected a 1-D array of sequences, got an array of shape (2, 2)"),
    ):
        dbp.KmerEncoder().transform(np.array([["A", "C"], ["G", "T"]]))


def test_str_subclasses_such_as_numpy_str_are_accepted():
    # iterating a numpy U array yields numpy.str_, a str subclass whose buffer
    # is not exposed like an exact str's; it used to raise a bogus non-ASCII error
    arr = np.array(SEQS)
    enc = dbp.IntegerEncoder("dna", "unknown")
    np.testing.assert_array_equal(enc.encode_batch(list(arr)), enc.encode_batch(SEQS))
    np.testing.assert_array_equal(enc.encode(arr[0]), enc.encode(SEQS[0]))

    class Seq(str):
        pass

    np.testing.assert_array_equal(enc.encode_batch([Seq(s) for s in SEQS]), enc.encode_batch(SEQS))
    with pytest.raises(
        ValueError, match=re.escape("sequence 1: non-ASCII character 'é' (U+00E9) at position 2")
    ):
        enc.encode_batch(["A", np.str_("ACé")])


def test_memoryview_of_wider_items_is_rejected():
    with pytest.raises(
        TypeError,
        match=re.escape(
            "sequence 0: a memoryview sequence must hold bytes, got format 'i' (itemsize 4)"
        ),
    ):
        dbp.OneHotEncoder().encode(memoryview(np.arange(3, dtype=np.int32)))
    # signed bytes are still bytes
    np.testing.assert_array_equal(
        dbp.OneHotEncoder().encode(memoryview(np.frombuffer(b"AC", np.int8))), np.eye(4)[:2]
    )


def test_list_is_read_in_place_but_its_elements_are_held():
    from deepbiop._sequences import pack_batch

    seqs = ["ACGT" * 10, b"TTTT", "GG"]
    packed = pack_batch(seqs)
    held = packed.keep[0]
    assert len(held) == 3 and all(held[i] is seqs[i] for i in range(3))
    with pytest.raises(IndexError):
        held[3]
    import sys

    probe = "ACGT" * 10 + "probe"  # a fresh object: count its references
    seqs.append(probe)
    before = sys.getrefcount(probe)
    packed2 = pack_batch(seqs)
    assert sys.getrefcount(probe) == before + 1
    seqs.clear()  # the caller's list changing afterwards does not matter
    assert packed.sequence(0) == b"ACGT" * 10 and packed.sequence(2) == b"GG"
    assert packed2.sequence(3) == probe.encode()
    del packed2
    assert sys.getrefcount(probe) == before - 1  # the list's reference went with clear()


def test_list_changed_by_fallback_code_does_not_change_the_batch():
    """The references are taken in one pass that runs no Python code, before
    any fallback runs: a list changed afterwards (here by the fallback
    itself, as another thread could) leaves the batch as it was."""
    from deepbiop._kernels import _pack
    from deepbiop._sequences import _coerce_item

    seqs = ["ACGT", bytearray(b"AC"), "GG"]

    def fallback(item, index):  # Python code runs mid-pack and changes the list
        seqs.pop()
        seqs.reverse()
        return _coerce_item(item, index)

    ptrs, lens, held, keep = _pack.pack_items(seqs, fallback)
    assert lens.tolist() == [4, 2, 2] and len(held) == 3
    assert [held[i] for i in range(3)][::2] == ["ACGT", "GG"]
    assert seqs == [bytearray(b"AC"), "ACGT"]
    with pytest.raises(TypeError, match="list or tuple"):
        _pack.pack_items(iter(seqs), fallback)
