"""IntegerEncoder and its kernel: codes, padding, strategies, dtypes, ``out=``,
thread-count independence and properties against ``tests/_reference.py``."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from threadpoolctl import threadpool_limits

import deepbiop as dbp
from _reference import ReferenceError, integer_batch_ref, integer_ref
from _strategies import batches

INT_DTYPES = [np.int64, np.int32, np.int16, np.int8]
ALL_DTYPES = [np.float32, np.float64, *INT_DTYPES]


# ------------------------------------------------------------------ exact values
def test_codes_in_alphabet_order():
    out = dbp.IntegerEncoder("dna").encode(b"ACGTacgt")
    assert out.dtype == np.float32 and out.shape == (8,)
    np.testing.assert_array_equal(out, [0, 1, 2, 3, 0, 1, 2, 3])
    np.testing.assert_array_equal(dbp.IntegerEncoder("rna").encode("ACGU"), [0, 1, 2, 3])
    np.testing.assert_array_equal(
        dbp.IntegerEncoder("protein").encode("ACDEFGHIKLMNPQRSTVWY"), np.arange(20)
    )
    np.testing.assert_array_equal(dbp.IntegerEncoder("protein").encode("wy"), [18, 19])


def test_batch_padded_with_minus_one():
    out = dbp.IntegerEncoder("dna").encode_batch([b"ACGT", b"AC", b""])
    np.testing.assert_array_equal(out, [[0, 1, 2, 3], [0, 1, -1, -1], [-1, -1, -1, -1]])
    assert out.dtype == np.float32


def test_empty_batch_and_sequence():
    enc = dbp.IntegerEncoder("dna")
    assert enc.encode_batch([]).shape == (0, 0)
    assert enc.encode(b"").shape == (0,)
    assert enc.encode_batch(["", ""]).shape == (2, 0)


def test_custom_pad_value():
    out = dbp.IntegerEncoder("dna", pad_value=9, dtype=np.uint8).encode_batch(["ACG", "T"])
    np.testing.assert_array_equal(out, [[0, 1, 2], [3, 9, 9]])
    assert out.dtype == np.uint8
    out = dbp.IntegerEncoder("dna", pad_value=0.5).encode_batch(["ACG", "T"])
    np.testing.assert_array_equal(out, [[0, 1, 2], [3, 0.5, 0.5]])


# ------------------------------------------------------------ ambiguous strategies
def test_unknown_maps_to_alphabet_size():
    np.testing.assert_array_equal(
        dbp.IntegerEncoder("dna", "unknown").encode("ACNnX-T"), [0, 1, 4, 4, 4, 4, 3]
    )
    np.testing.assert_array_equal(
        dbp.IntegerEncoder("protein", "unknown").encode("AXB"), [0, 20, 20]
    )


def test_error_is_default_and_names_location():
    msg = (
        "sequence 2 (of 3): invalid character 'n' at position 1 for alphabet 'dna' "
        "(valid: ACGT); pass ambiguous_strategy='unknown' to encode it as code 4"
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        dbp.IntegerEncoder("dna").encode_batch(["ACGT", "", "an"])
    with pytest.raises(
        ValueError,
        match=re.escape(
            "sequence 0 (of 1): invalid character 'T' at position 4 for alphabet 'rna' "
            "(valid: ACGU)"
        ),
    ):
        dbp.IntegerEncoder("rna").encode("ACGUT")
    # a protein sequence given to a DNA encoder
    with pytest.raises(ValueError, match="invalid character 'E' at position 2 for alphabet 'dna'"):
        dbp.IntegerEncoder("dna").encode("ACEDT")


PROTEIN_TEXT = [
    "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQV",
    "MSLEQKKGADIISKILQIQNSIGKTTSPSTLKTKLSEISRKEQENARIQSKLSDLQKKK",
]


def test_protein_text_given_to_dna_is_named_in_the_error_and_warned_about():
    with pytest.raises(ValueError, match="looks like protein: pass encoding_type='protein'"):
        dbp.IntegerEncoder("dna").encode_batch(PROTEIN_TEXT)
    for enc in (
        dbp.IntegerEncoder("dna", "unknown"),
        dbp.OneHotEncoder("dna", "skip"),
        dbp.KmerEncoder(k=2),
    ):
        with pytest.warns(UserWarning, match="look like protein: pass encoding_type"):
            enc.encode_batch(PROTEIN_TEXT)


def test_dna_with_many_ambiguity_codes_is_not_taken_for_protein():
    import warnings

    seqs = ["N" * 300, "ACGTNNNNRYKM" * 5, "nnnnacgt"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dbp.IntegerEncoder("dna", "unknown").encode_batch(seqs)
        dbp.IntegerEncoder("protein", "unknown").encode_batch(["ACGT" * 50])
    with pytest.raises(ValueError) as err:
        dbp.IntegerEncoder("dna").encode_batch(seqs)
    assert "looks like" not in str(err.value)


def test_random_in_range_and_reproducible():
    seqs = ["N" * 300, "ACGTNNNN", "xyz"]
    a = dbp.IntegerEncoder("dna", "random", seed=1).encode_batch(seqs)
    b = dbp.IntegerEncoder("dna", "random", seed=1).encode_batch(seqs)
    c = dbp.IntegerEncoder("dna", "random", seed=2).encode_batch(seqs)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert set(np.unique(a[0]).tolist()) == {0, 1, 2, 3}
    np.testing.assert_array_equal(a[1, :4], [0, 1, 2, 3])
    assert ((a[1, 4:8] >= 0) & (a[1, 4:8] <= 3)).all()
    np.testing.assert_array_equal(a[1, 8:], -1)
    np.testing.assert_array_equal(a[2, 3:], -1)


def test_random_seed_accepts_numpy_generator():
    out = dbp.IntegerEncoder("dna", "random", seed=np.random.default_rng(1)).encode("NN")
    assert ((out >= 0) & (out <= 3)).all()


@pytest.mark.usefixtures("force_parallel")
def test_random_independent_of_n_jobs():
    seqs = ["N" * (i % 13) + "ACGT" + "X" * i for i in range(70)]
    one = dbp.IntegerEncoder("dna", "random", seed=9, n_jobs=1).encode_batch(seqs)
    two = dbp.IntegerEncoder("dna", "random", seed=9, n_jobs=2).encode_batch(seqs)
    np.testing.assert_array_equal(one, two)
    with threadpool_limits(limits=1, user_api="openmp"):
        three = dbp.IntegerEncoder("dna", "random", seed=9).encode_batch(seqs)
    np.testing.assert_array_equal(one, three)


# ------------------------------------------------------------------------ dtypes
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_dtypes(dtype):
    seqs = ["ACGTN", "G", ""]
    out = dbp.IntegerEncoder("dna", "unknown", dtype=dtype).encode_batch(seqs)
    assert out.dtype == np.dtype(dtype)
    assert out.flags.c_contiguous and out.flags.writeable and out.dtype.isnative
    np.testing.assert_array_equal(out, integer_batch_ref(seqs, "dna", "unknown"))


def test_int64_for_embedding():
    out = dbp.IntegerEncoder("dna", dtype="int64").encode_batch(["ACGT", "AC"])
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, [[0, 1, 2, 3], [0, 1, -1, -1]])


def test_uint8_needs_nonnegative_pad():
    with pytest.raises(ValueError, match="pad_value=-1 cannot be stored in dtype uint8"):
        dbp.IntegerEncoder("dna", dtype=np.uint8).encode("A")
    with pytest.raises(ValueError, match=r"pad_value=0.5 cannot be stored in dtype int64"):
        dbp.IntegerEncoder("dna", pad_value=0.5, dtype=np.int64).encode("A")
    with pytest.raises(ValueError, match="pad_value=300 cannot be stored in dtype int8"):
        dbp.IntegerEncoder("dna", pad_value=300, dtype=np.int8).encode("A")
    for bad in (float("inf"), float("nan")):  # not an OverflowError from int()
        with pytest.raises(ValueError, match=f"pad_value={bad!r} cannot be stored in dtype int64"):
            dbp.IntegerEncoder("dna", pad_value=bad, dtype=np.int64).encode("A")


def test_unsupported_dtype_message():
    with pytest.raises(
        ValueError,
        match="IntegerEncoder dtype must be one of float32, "
        "float64, int64, int32, int16, int8, uint8",
    ):
        dbp.IntegerEncoder(dtype=np.float16).encode("A")


# --------------------------------------------------------------------- max_length
def test_max_length_truncates_and_pads():
    enc = dbp.IntegerEncoder("dna", max_length=3)
    out = enc.encode_batch(["ACGTA", "A", ""])
    np.testing.assert_array_equal(out, [[0, 1, 2], [0, -1, -1], [-1, -1, -1]])
    np.testing.assert_array_equal(enc.encode("ACGTA"), [0, 1, 2])
    np.testing.assert_array_equal(enc.encode("T"), [3, -1, -1])
    assert enc.encode_batch([]).shape == (0, 3)
    assert dbp.IntegerEncoder(max_length=0).encode_batch(["AC"]).shape == (1, 0)


# ---------------------------------------------------------------------------- out=
def test_out_parameter():
    seqs = ["ACGT", "TN"]
    buf = np.full((2, 4), 77, dtype=np.int64)
    res = dbp.IntegerEncoder("dna", "unknown", dtype=np.int64).encode_batch(seqs, out=buf)
    assert res is buf
    np.testing.assert_array_equal(buf, [[0, 1, 2, 3], [3, 4, -1, -1]])


def test_out_parameter_validation():
    enc = dbp.IntegerEncoder("dna")
    with pytest.raises(
        ValueError,
        match=re.escape(
            "out has shape (2, 3) and dtype float32; this batch needs shape (2, 4) and "
            "dtype float32"
        ),
    ):
        enc.encode_batch(["ACGT", "A"], out=np.empty((2, 3), np.float32))
    with pytest.raises(ValueError, match="this batch needs shape"):
        enc.encode_batch(["ACGT", "A"], out=np.empty((2, 4), np.int64))
    with pytest.raises(ValueError, match="writeable, aligned, C-contiguous"):
        enc.encode_batch(["ACGT", "A"], out=np.empty((4, 2), np.float32).T)


# ----------------------------------------------------------------------- kernel
def test_kernel_status_and_modes():
    from deepbiop._kernels import _integer
    from deepbiop._sequences import pack_batch

    packed = pack_batch([b"ACGT", b"AXGN", b""])
    out = np.zeros((3, 4), np.int16)
    status = np.full(3, -1, np.int64)
    _integer.integer_batch(packed.ptrs, packed.lens, dbp.DNA.codes, 4, 0, -1.0, out, 0, status, 2)
    assert status.tolist() == [-1, 1, -1]
    status[:] = -1
    _integer.integer_batch(packed.ptrs, packed.lens, dbp.DNA.codes, 4, 1, -7.0, out, 0, status, 2)
    assert status.tolist() == [-1, -1, -1]
    np.testing.assert_array_equal(out, [[0, 1, 2, 3], [0, 4, 2, 4], [-7, -7, -7, -7]])


# ------------------------------------------------------------------- properties
@given(
    seqs=batches("dna"),
    encoding_type=st.sampled_from(["dna", "rna", "protein"]),
    max_length=st.none() | st.integers(0, 45),
)
def test_property_unknown_matches_reference(seqs, encoding_type, max_length):
    out = dbp.IntegerEncoder(
        encoding_type, "unknown", dtype=np.int64, max_length=max_length
    ).encode_batch(seqs)
    np.testing.assert_array_equal(
        out, integer_batch_ref(seqs, encoding_type, "unknown", max_length=max_length)
    )


@given(seqs=batches("dna"))
def test_property_error_matches_reference(seqs):
    enc = dbp.IntegerEncoder("dna")
    try:
        ref = integer_batch_ref(seqs, "dna", "error")
    except ReferenceError as err:
        with pytest.raises(ValueError) as info:
            enc.encode_batch(seqs)
        assert (
            f"sequence {err.index} (of {len(seqs)}): invalid character "
            f"{err.char!r} at position {err.position} "
        ) in str(info.value)
    else:
        np.testing.assert_array_equal(enc.encode_batch(seqs), ref)


@given(seqs=batches("dna"))
def test_property_random_keeps_valid_codes(seqs):
    out = dbp.IntegerEncoder("dna", "random", seed=0, dtype=np.int64).encode_batch(seqs)
    unknown = integer_batch_ref(seqs, "dna", "unknown")
    valid = (unknown >= 0) & (unknown < 4)
    np.testing.assert_array_equal(out[valid], unknown[valid])
    assert ((out[unknown == 4] >= 0) & (out[unknown == 4] < 4)).all()
    np.testing.assert_array_equal(out[unknown == -1], -1)


@given(seqs=batches("dna"))
def test_property_batch_equals_each_alone(seqs):
    enc = dbp.IntegerEncoder("dna", "unknown")
    batch = enc.encode_batch(seqs)
    for i, s in enumerate(seqs):
        alone = enc.encode(s)
        np.testing.assert_array_equal(batch[i, : len(alone)], alone)
        np.testing.assert_array_equal(batch[i, len(alone) :], -1)


@pytest.mark.usefixtures("force_parallel")
@given(
    seqs=batches("dna", max_batch=12),
    strategy=st.sampled_from(["unknown", "random"]),
    dtype=st.sampled_from(ALL_DTYPES),
)
def test_property_one_thread_equals_two(seqs, strategy, dtype):
    kw = dict(seed=4, dtype=dtype)
    one = dbp.IntegerEncoder("dna", strategy, n_jobs=1, **kw).encode_batch(seqs)
    two = dbp.IntegerEncoder("dna", strategy, n_jobs=2, **kw).encode_batch(seqs)
    np.testing.assert_array_equal(one, two)


def test_unknown_matches_reference_on_integer_reference_directly():
    assert integer_ref("AcN", "dna", "unknown").tolist() == [0, 1, 4]
    np.testing.assert_array_equal(dbp.IntegerEncoder("dna", "unknown").encode("AcN"), [0, 1, 4])


# ------------------------------------------------- byte lookup: SIMD vs scalar
from deepbiop._kernels import _integer as _integer_kernel  # noqa: E402


def _lookup_reference(data: bytes, codes: np.ndarray, unknown: int):
    """Plain NumPy: code of every byte, ``unknown`` outside, and whether any was."""
    c = codes[np.frombuffer(data, dtype=np.uint8)].astype(np.int64)
    return np.where(c < 0, unknown, c).astype(np.uint8), bool((c < 0).any())


@st.composite
def _code_tables(draw):
    """256 codes: mostly -1 with a few symbols, like an alphabet's table, or
    arbitrary (including codes for bytes >= 128, which no alphabet has)."""
    codes = np.full(256, -1, dtype=np.int16)
    if draw(st.booleans()):
        symbols = draw(st.lists(st.integers(0, 127), min_size=1, max_size=30, unique=True))
        for i, b in enumerate(symbols):
            codes[b] = i
    else:
        codes[:] = draw(st.lists(st.integers(-1, 254), min_size=256, max_size=256))
    return codes


@given(data=st.binary(min_size=0, max_size=300), codes=_code_tables(), unknown=st.integers(0, 255))
def test_property_lookup_paths_match_reference(data, codes, unknown):
    buf = np.frombuffer(data, dtype=np.uint8)
    want, want_bad = _lookup_reference(data, codes, unknown)
    for simd in (False, True):
        for dtype in (np.uint8, np.float32, np.int32, np.int64):
            got, bad = _integer_kernel.lookup_codes(buf, codes, unknown, simd, dtype)
            assert got.dtype == dtype
            np.testing.assert_array_equal(got, want)
            assert bad == want_bad


@given(
    seqs=st.lists(
        st.binary(min_size=0, max_size=200).map(lambda b: bytes(x & 0x7F for x in b)), max_size=6
    ),
    encoding_type=st.sampled_from(["dna", "protein"]),
    dtype=st.sampled_from(
        [np.float32, np.int8, np.uint8, np.int16, np.float64, np.int32, np.int64]
    ),
)
def test_property_long_rows_of_any_ascii_match_reference(seqs, encoding_type, dtype):
    # rows past 32 bytes take the vector path (with an overlapping last block);
    # float32, int8/uint8 and the wider dtypes each have their own store path
    enc = dbp.IntegerEncoder(
        encoding_type, "unknown", dtype=dtype, pad_value=0 if dtype == np.uint8 else -1
    )
    out = enc.encode_batch(seqs)
    text = [s.decode("ascii") for s in seqs]
    ref = integer_batch_ref(text, encoding_type, "unknown")
    if dtype == np.uint8:
        ref = np.where(ref < 0, 0, ref)
    np.testing.assert_array_equal(out, ref)


def test_lookup_reports_isa_and_checks_arguments():
    assert _integer_kernel.simd_isa() in ("avx2", "scalar")
    with pytest.raises(ValueError, match="256 codes"):
        _integer_kernel.lookup_codes(np.zeros(3, np.uint8), np.zeros(10, np.int16), 0, True)
    with pytest.raises(ValueError, match="dtype must be"):
        _integer_kernel.lookup_codes(
            np.zeros(3, np.uint8), np.zeros(256, np.int16), 0, True, np.int16
        )
    with pytest.raises(ValueError, match="< 255"):
        _integer_kernel.lookup_codes(np.zeros(3, np.uint8), np.full(256, 255, np.int16), 0, True)
