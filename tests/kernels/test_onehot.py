"""OneHotEncoder and its kernel: exact values, every ambiguous_strategy, dtypes,
layouts, ``out=``, thread-count independence and properties against the
plain-Python reference in ``tests/_reference.py``."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from threadpoolctl import threadpool_limits

import deepbiop as dbp
from _reference import ALPHABETS, ReferenceError, onehot_batch_ref, onehot_ref
from _strategies import batches

TABLE_STRATEGIES = ["skip", "mask", "uniform", "iupac"]


# ------------------------------------------------------------------ exact values
def test_dna_acgt_is_identity():
    out = dbp.OneHotEncoder("dna", "skip").encode(b"ACGT")
    assert out.dtype == np.float32 and out.shape == (4, 4)
    np.testing.assert_array_equal(out, np.eye(4, dtype=np.float32))


def test_rna_acgu_is_identity():
    np.testing.assert_array_equal(dbp.OneHotEncoder("rna").encode("ACGU"), np.eye(4))
    # T is not an RNA base: a zero row under "skip"
    np.testing.assert_array_equal(dbp.OneHotEncoder("rna").encode("T"), np.zeros((1, 4)))


def test_protein_acde():
    out = dbp.OneHotEncoder("protein").encode(b"ACDE")
    assert out.shape == (4, 20)
    np.testing.assert_array_equal(out, np.eye(4, 20))
    # the 20 standard amino acids in alphabetical order are the 20x20 identity
    np.testing.assert_array_equal(
        dbp.OneHotEncoder("protein").encode("ACDEFGHIKLMNPQRSTVWY"), np.eye(20)
    )


@pytest.mark.parametrize("encoding_type", ["DNA", "Dna", "rNa", "PROTEIN"])
def test_encoding_type_case_insensitive(encoding_type):
    out = dbp.OneHotEncoder(encoding_type).encode("AC")
    np.testing.assert_array_equal(out, onehot_ref("AC", encoding_type.lower()))


def test_lowercase_equals_uppercase():
    enc = dbp.OneHotEncoder("dna")
    np.testing.assert_array_equal(enc.encode("acgtn"), enc.encode("ACGTN"))


def test_batch_padding_rows_are_zero():
    out = dbp.OneHotEncoder("dna").encode_batch([b"ACGT", b"AC", b""])
    assert out.shape == (3, 4, 4)
    np.testing.assert_array_equal(out[0], np.eye(4))
    np.testing.assert_array_equal(out[1, :2], np.eye(4)[:2])
    np.testing.assert_array_equal(out[1, 2:], 0)
    np.testing.assert_array_equal(out[2], 0)


def test_empty_batch_and_empty_sequence():
    enc = dbp.OneHotEncoder("dna")
    assert enc.encode_batch([]).shape == (0, 0, 4)
    assert enc.encode(b"").shape == (0, 4)
    assert dbp.OneHotEncoder("protein").encode_batch([]).shape == (0, 0, 20)
    assert enc.encode_batch(["", ""]).shape == (2, 0, 4)


# ------------------------------------------------------------ ambiguous strategies
@pytest.mark.parametrize("strategy", ["skip", "mask"])
def test_skip_and_mask_give_zero_rows(strategy):
    out = dbp.OneHotEncoder("dna", strategy).encode("ANX-g")
    np.testing.assert_array_equal(
        out, [[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0]]
    )


@pytest.mark.parametrize("encoding_type, A", [("dna", 4), ("rna", 4), ("protein", 20)])
def test_uniform_rows(encoding_type, A):
    out = dbp.OneHotEncoder(encoding_type, "uniform").encode("AXB")
    np.testing.assert_array_equal(out[0], np.eye(A)[0])
    np.testing.assert_allclose(out[1:], np.full((2, A), 1 / A, dtype=np.float32))


def test_iupac_spreads_weight():
    out = dbp.OneHotEncoder("dna", "iupac").encode("RNYXbA")
    expected = np.array(
        [
            [0.5, 0, 0.5, 0],  # R = A/G
            [0.25, 0.25, 0.25, 0.25],  # N = any
            [0, 0.5, 0, 0.5],  # Y = C/T
            [0, 0, 0, 0],  # X is no IUPAC code: zero row
            [0, 1 / 3, 1 / 3, 1 / 3],  # b = C/G/T, lower case
            [1, 0, 0, 0],
        ],
        dtype=np.float32,
    )
    np.testing.assert_array_equal(out, expected)


def test_iupac_rna_uses_u():
    out = dbp.OneHotEncoder("rna", "iupac").encode("WT")
    # W = A/U; T is not RNA and not an IUPAC code: zero row
    np.testing.assert_array_equal(out, [[0.5, 0, 0, 0.5], [0, 0, 0, 0]])


def test_iupac_every_code_sums_to_one():
    codes = "RYSWKMBDHVN"
    out = dbp.OneHotEncoder("dna", "iupac", dtype=np.float64).encode(codes + codes.lower())
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    np.testing.assert_array_equal(out, onehot_ref(codes + codes.lower(), "dna", "iupac"))


def test_iupac_protein_is_rejected():
    with pytest.raises(ValueError, match=r"iupac.*nucleotide alphabet; 'protein'"):
        dbp.OneHotEncoder("protein", "iupac").encode("ACD")


def test_random_is_one_hot_on_ambiguous_only():
    seq = "ACGTNNNNNNNNXX-acgt" * 3
    out = dbp.OneHotEncoder("dna", "random", seed=7).encode(seq)
    np.testing.assert_array_equal(out.sum(axis=1), 1.0)
    assert set(np.unique(out)) == {0.0, 1.0}
    valid = np.array([c.upper() in "ACGT" for c in seq])
    np.testing.assert_array_equal(out[valid], onehot_ref(seq, "dna")[valid])


def test_random_reproducible_for_a_seed():
    seqs = ["N" * 200, "ACNNGTNN" * 10, "x" * 50]
    a = dbp.OneHotEncoder("dna", "random", seed=123).encode_batch(seqs)
    b = dbp.OneHotEncoder("dna", "random", seed=123).encode_batch(seqs)
    c = dbp.OneHotEncoder("dna", "random", seed=124).encode_batch(seqs)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # every column is drawn (a 200-long run of N hits all four bases)
    assert (a[0].sum(axis=0) > 0).all()


def test_random_draws_roughly_uniform():
    out = dbp.OneHotEncoder("protein", "random", seed=0).encode("X" * 4000)
    freq = out.sum(axis=0) / 4000
    assert np.all(np.abs(freq - 1 / 20) < 0.02), freq


def test_random_seed_accepts_numpy_generator():
    # the docstring promises "int, numpy Generator or None"
    out = dbp.OneHotEncoder("dna", "random", seed=np.random.default_rng(0)).encode("NN")
    np.testing.assert_array_equal(out.sum(axis=1), 1.0)


@pytest.mark.usefixtures("force_parallel")
def test_random_independent_of_n_jobs():
    seqs = ["ACGTN" * 40 + "N" * i for i in range(64)]
    one = dbp.OneHotEncoder("dna", "random", seed=5, n_jobs=1).encode_batch(seqs)
    two = dbp.OneHotEncoder("dna", "random", seed=5, n_jobs=2).encode_batch(seqs)
    np.testing.assert_array_equal(one, two)
    with threadpool_limits(limits=1, user_api="openmp"):
        limited = dbp.OneHotEncoder("dna", "random", seed=5).encode_batch(seqs)
    np.testing.assert_array_equal(one, limited)


def test_error_names_sequence_position_character_alphabet():
    enc = dbp.OneHotEncoder("dna", "error")
    msg = (
        "sequence 1 (of 3): invalid character 'N' at position 2 for alphabet 'dna' "
        "(valid: ACGT); pass ambiguous_strategy='skip'"
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        enc.encode_batch(["ACGT", "ACNT", "XXXX"])
    with pytest.raises(
        ValueError,
        match=r"sequence 0 \(of 1\): invalid character 'u' "
        r"at position 3",
    ):
        enc.encode("acgu")
    with pytest.raises(
        ValueError,
        match=r"invalid character 'B' at position 0 for "
        r"alphabet 'protein' \(valid: ACDEFGHIKLMNPQRSTVWY\)",
    ):
        dbp.OneHotEncoder("protein", "error").encode("BAC")


def test_error_accepts_clean_input():
    out = dbp.OneHotEncoder("dna", "error").encode_batch(["acgt", "TG"])
    np.testing.assert_array_equal(out, onehot_batch_ref(["acgt", "TG"]))


# ------------------------------------------------------------------------ dtypes
@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.float64, np.uint8])
def test_dtypes(dtype):
    seqs = ["ACGTNacgt", "GG", ""]
    out = dbp.OneHotEncoder("dna", dtype=dtype).encode_batch(seqs)
    assert out.dtype == np.dtype(dtype)
    assert out.flags.c_contiguous and out.flags.writeable and out.flags.aligned
    assert out.dtype.isnative
    np.testing.assert_array_equal(out.astype(np.float64), onehot_batch_ref(seqs))


@pytest.mark.parametrize("dtype", [np.float16, np.float64])
def test_float_dtypes_with_fractional_strategies(dtype):
    seqs = ["ARNX", "bY"]
    for strategy in ("uniform", "iupac"):
        out = dbp.OneHotEncoder("dna", strategy, dtype=dtype).encode_batch(seqs)
        assert out.dtype == np.dtype(dtype)
        ref = onehot_batch_ref(seqs, "dna", strategy).astype(dtype)
        np.testing.assert_array_equal(out, ref)


def test_dtype_given_as_string():
    assert dbp.OneHotEncoder(dtype="float16").encode("A").dtype == np.float16


def test_uint8_rejects_fractional_strategies():
    with pytest.raises(ValueError, match="'uniform' needs a floating dtype"):
        dbp.OneHotEncoder("dna", "uniform", dtype=np.uint8).encode("A")
    with pytest.raises(ValueError, match="'iupac' needs a floating dtype"):
        dbp.OneHotEncoder("dna", "iupac", dtype=np.uint8).encode("A")


def test_unsupported_dtype_message():
    with pytest.raises(
        ValueError, match="OneHotEncoder dtype must be one of float32, float16, float64, uint8; got"
    ):
        dbp.OneHotEncoder(dtype=np.int32).encode("A")


# -------------------------------------------------------------- layout options
def test_max_length_truncates_and_pads():
    enc = dbp.OneHotEncoder("dna", max_length=3)
    out = enc.encode_batch(["ACGTA", "A", ""])
    assert out.shape == (3, 3, 4)
    np.testing.assert_array_equal(out, onehot_batch_ref(["ACGTA", "A", ""], max_length=3))
    assert enc.encode("ACGTA").shape == (3, 4)
    assert enc.encode("A").shape == (3, 4)
    assert enc.encode_batch([]).shape == (0, 3, 4)


def test_max_length_zero():
    assert dbp.OneHotEncoder(max_length=0).encode_batch(["ACG", "A"]).shape == (2, 0, 4)


def test_max_length_hides_errors_beyond_the_cut():
    out = dbp.OneHotEncoder("dna", "error", max_length=2).encode_batch(["ACN"])
    np.testing.assert_array_equal(out[0], np.eye(4)[:2])


@pytest.mark.parametrize("strategy", ["skip", "uniform", "iupac", "random"])
def test_channels_first_is_transpose(strategy):
    seqs = ["ACGTNR", "gA", "", "TTTTTTTTT"]
    kw = dict(seed=3)
    base = dbp.OneHotEncoder("dna", strategy, **kw).encode_batch(seqs)
    cf = dbp.OneHotEncoder("dna", strategy, channels_first=True, **kw).encode_batch(seqs)
    assert cf.shape == (4, 4, 9) and cf.flags.c_contiguous
    np.testing.assert_array_equal(cf, base.transpose(0, 2, 1))
    single = dbp.OneHotEncoder("dna", strategy, channels_first=True, **kw).encode("ACGTNR")
    assert single.shape == (4, 6) and single.flags.c_contiguous
    np.testing.assert_array_equal(single, base[0, :6].T)


def test_channels_first_with_max_length_and_protein():
    seqs = ["ACDEW", "Y"]
    cf = dbp.OneHotEncoder("protein", channels_first=True, max_length=4).encode_batch(seqs)
    ref = onehot_batch_ref(seqs, "protein", max_length=4).transpose(0, 2, 1)
    np.testing.assert_array_equal(cf, ref)


def test_flatten():
    seqs = ["ACGT", "GN"]
    enc = dbp.OneHotEncoder("dna", flatten=True, max_length=5)
    out = enc.encode_batch(seqs)
    assert out.shape == (2, 20) and out.flags.c_contiguous
    np.testing.assert_array_equal(out, onehot_batch_ref(seqs, max_length=5).reshape(2, 20))
    assert enc.encode("AC").shape == (20,)
    cf = dbp.OneHotEncoder("dna", flatten=True, channels_first=True, max_length=5)
    np.testing.assert_array_equal(
        cf.encode_batch(seqs),
        onehot_batch_ref(seqs, max_length=5).transpose(0, 2, 1).reshape(2, 20),
    )
    assert dbp.OneHotEncoder(flatten=True).encode_batch([]).shape == (0, 0)


# --------------------------------------------------------------------------- out=
def test_out_parameter_is_filled_and_returned():
    seqs = ["ACGT", "NA"]
    enc = dbp.OneHotEncoder("dna")
    buf = np.full((2, 4, 4), 9.0, dtype=np.float32)  # garbage must be overwritten
    res = enc.encode_batch(seqs, out=buf)
    assert res is buf
    np.testing.assert_array_equal(buf, onehot_batch_ref(seqs))
    # reusing the buffer for another batch of the same shape
    enc.encode_batch(["TTTT", "C"], out=buf)
    np.testing.assert_array_equal(buf, onehot_batch_ref(["TTTT", "C"]))


def test_out_parameter_with_channels_first_and_flatten():
    seqs = ["ACG", "T"]
    buf = np.empty((2, 4, 3), dtype=np.float64)
    dbp.OneHotEncoder(dtype=np.float64, channels_first=True).encode_batch(seqs, out=buf)
    np.testing.assert_array_equal(buf, onehot_batch_ref(seqs).transpose(0, 2, 1))
    flat = np.empty((2, 12), dtype=np.uint8)
    dbp.OneHotEncoder(dtype=np.uint8, flatten=True).encode_batch(seqs, out=flat)
    np.testing.assert_array_equal(flat, onehot_batch_ref(seqs).reshape(2, 12))


def test_out_parameter_validation():
    enc = dbp.OneHotEncoder("dna")
    with pytest.raises(
        ValueError,
        match=r"out has shape \(2, 3, 4\) and dtype float32; "
        r"this batch needs shape \(2, 4, 4\)",
    ):
        enc.encode_batch(["ACGT", "A"], out=np.empty((2, 3, 4), np.float32))
    with pytest.raises(ValueError, match="dtype float64; this batch needs shape"):
        enc.encode_batch(["ACGT", "A"], out=np.empty((2, 4, 4), np.float64))
    with pytest.raises(ValueError, match="C-contiguous"):
        enc.encode_batch(["ACGT", "A"], out=np.empty((2, 4, 4, 2), np.float32)[..., 0])
    with pytest.raises(TypeError, match="out must be a numpy array, got list"):
        enc.encode_batch(["A"], out=[[0, 0, 0, 0]])


# ------------------------------------------------------------ kernel directly
def test_kernel_records_first_bad_position_per_sequence():
    from deepbiop._kernels import _onehot
    from deepbiop._sequences import pack_batch

    packed = pack_batch([b"ACGT", b"ANGN", b"XA"])
    out = np.zeros((3, 4, 4), np.float32)
    status = np.full(3, -1, np.int64)
    table = np.zeros((256, 4), np.float32)
    _onehot.onehot_batch(
        packed.ptrs, packed.lens, dbp.DNA.codes, table, np.float32(1), out, False, 2, 0, status, 2
    )
    assert status.tolist() == [-1, 1, 0]


@pytest.mark.parametrize("case", ["other_alphabet", "other_layout", "short_codes"])
def test_kernel_refuses_a_table_that_does_not_match_the_output(case):
    # The kernel reads table row s[p] as A values, A taken from ``out``. A
    # table of another alphabet, or an output read in the other layout (both
    # happened when another thread called set_params during transform), used
    # to be read past its end (ASan: heap-buffer-overflow in _rows_last, found
    # by .ci/sanitize.sh); now it is a ValueError before anything is read.
    from deepbiop._kernels import _onehot
    from deepbiop._sequences import pack_batch

    packed = pack_batch([b"ACGT" * 8, b"MKV" * 7])
    out = np.zeros((2, 32, 20), np.float32)  # (B, L, A) for the protein alphabet
    status = np.full(2, -1, np.int64)
    codes = dbp.PROTEIN.codes
    table = np.zeros((256, 20), np.float32)
    channels_first = False
    if case == "other_alphabet":  # a DNA table for protein rows
        table = np.zeros((256, 4), np.float32)
    elif case == "other_layout":  # (B, L, A) read as (B, A', L'): A' = 32
        channels_first = True
    else:
        codes = codes[:255]
    with pytest.raises(ValueError, match=r"onehot_batch: table has shape"):
        _onehot.onehot_batch(
            packed.ptrs,
            packed.lens,
            codes,
            table,
            np.float32(1),
            out,
            channels_first,
            0,
            0,
            status,
            2,
        )
    assert not out.any()


# ------------------------------------------------------------------- properties
@given(seqs=batches("dna"), strategy=st.sampled_from(TABLE_STRATEGIES))
def test_property_dna_matches_reference(seqs, strategy):
    out = dbp.OneHotEncoder("dna", strategy, dtype=np.float64).encode_batch(seqs)
    np.testing.assert_array_equal(out, onehot_batch_ref(seqs, "dna", strategy))


@given(seqs=batches("rna"), strategy=st.sampled_from(TABLE_STRATEGIES))
def test_property_rna_matches_reference(seqs, strategy):
    out = dbp.OneHotEncoder("rna", strategy, dtype=np.float64).encode_batch(seqs)
    np.testing.assert_array_equal(out, onehot_batch_ref(seqs, "rna", strategy))


@given(seqs=batches("protein"), strategy=st.sampled_from(["skip", "uniform"]))
def test_property_protein_matches_reference(seqs, strategy):
    out = dbp.OneHotEncoder("protein", strategy, dtype=np.float64).encode_batch(seqs)
    np.testing.assert_array_equal(out, onehot_batch_ref(seqs, "protein", strategy))


@given(seqs=batches("dna"), data=st.data())
def test_property_error_strategy_matches_reference(seqs, data):
    enc = dbp.OneHotEncoder("dna", "error")
    try:
        ref = onehot_batch_ref(seqs, "dna", "error")
    except ReferenceError as err:
        with pytest.raises(ValueError) as info:
            enc.encode_batch(seqs)
        assert (
            f"sequence {err.index} (of {len(seqs)}): invalid character "
            f"{err.char!r} at position {err.position} "
        ) in str(info.value)
    else:
        np.testing.assert_array_equal(enc.encode_batch(seqs), ref)


@given(
    seqs=batches("dna"),
    strategy=st.sampled_from(TABLE_STRATEGIES),
    max_length=st.none() | st.integers(0, 45),
)
def test_property_batch_equals_each_alone(seqs, strategy, max_length):
    enc = dbp.OneHotEncoder("dna", strategy, max_length=max_length)
    batch = enc.encode_batch(seqs)
    for i, s in enumerate(seqs):
        alone = enc.encode(s)
        n = alone.shape[0]
        np.testing.assert_array_equal(batch[i, :n], alone)
        np.testing.assert_array_equal(batch[i, n:], 0)


@pytest.mark.usefixtures("force_parallel")
@given(
    seqs=batches("dna", max_batch=12),
    strategy=st.sampled_from(TABLE_STRATEGIES + ["random"]),
    channels_first=st.booleans(),
)
def test_property_one_thread_equals_two(seqs, strategy, channels_first):
    kw = dict(seed=11, channels_first=channels_first)
    one = dbp.OneHotEncoder("dna", strategy, n_jobs=1, **kw).encode_batch(seqs)
    two = dbp.OneHotEncoder("dna", strategy, n_jobs=2, **kw).encode_batch(seqs)
    np.testing.assert_array_equal(one, two)


@pytest.mark.usefixtures("force_parallel")
def test_threadpoolctl_limit_gives_same_output():
    seqs = [("ACGTN" * 13)[: 3 + i] for i in range(50)]
    free = dbp.OneHotEncoder("dna", "iupac").encode_batch(seqs)
    with threadpool_limits(limits=1, user_api="openmp"):
        assert dbp.effective_n_threads(None) == 1
        limited = dbp.OneHotEncoder("dna", "iupac").encode_batch(seqs)
    np.testing.assert_array_equal(free, limited)


def test_large_batch_multithreaded_without_patch():
    # big enough (> 2 x the per-thread threshold) to go parallel by default
    from deepbiop.encoders._base import _MIN_BASES_PER_THREAD

    rng = np.random.default_rng(0)
    seqs = [
        "".join(rng.choice(list("ACGTNa"), size=int(n))) for n in rng.integers(0, 1500, size=120)
    ]
    seqs += ["ACGTN" * (_MIN_BASES_PER_THREAD // 5 + 1)] * 2
    assert sum(map(len, seqs)) > 2 * _MIN_BASES_PER_THREAD
    one = dbp.OneHotEncoder("dna", "uniform", n_jobs=1).encode_batch(seqs)
    two = dbp.OneHotEncoder("dna", "uniform", n_jobs=2).encode_batch(seqs)
    np.testing.assert_array_equal(one, two)
    for i in range(0, 120, 17):
        n = len(seqs[i])
        np.testing.assert_array_equal(
            one[i, :n], onehot_ref(seqs[i], "dna", "uniform").astype(np.float32)
        )
        np.testing.assert_array_equal(one[i, n:], 0)


def test_alphabet_sizes_match_reference_table():
    for name, symbols in ALPHABETS.items():
        assert dbp.OneHotEncoder(name).encode(symbols).shape == (len(symbols), len(symbols))


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.float64, np.uint8])
@pytest.mark.parametrize("encoding_type", ["dna", "protein"])
def test_random_writes_a_one_in_every_dtype(dtype, encoding_type):
    seq = "ACXXXXXXXXXXXXXX-."
    for channels_first in (False, True):
        out = dbp.OneHotEncoder(
            encoding_type, "random", seed=1, dtype=dtype, channels_first=channels_first
        ).encode_batch([seq, "A"])
        rows = out.transpose(0, 2, 1) if channels_first else out
        np.testing.assert_array_equal(rows[0].astype(np.float64).sum(axis=1), 1.0)
        np.testing.assert_array_equal(rows[1, 1:], 0)  # padding stays zero
        assert set(np.unique(rows.astype(np.float64)).tolist()) == {0.0, 1.0}
