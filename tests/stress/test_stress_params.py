"""Parameters at and past their limits: k, max_length, dtypes, pad values,
n_jobs, seeds. Each value either works (and the result equals the plain
reference) or raises a clear ValueError/TypeError; sizes that could exhaust
memory run in a child process with a capped address space."""

from __future__ import annotations

import numpy as np
import pytest

import deepbiop as dbp
from _expect import compare, integer_expected, kmer_expected, onehot_expected
from _subproc import run_child

CLEAR = (ValueError, TypeError)
SEQS = ["ACGTNacgt", "", "GATTACA", "N"]
RAW = [s.encode() for s in SEQS]


def _works_or_clear_error(call, expect=None):
    try:
        got = call()
    except CLEAR:
        return None
    except Exception as exc:  # re-raised as a test failure
        raise AssertionError(
            f"raised {type(exc).__name__} (not ValueError/TypeError): {exc}"
        ) from exc
    if expect is not None:
        compare(got, expect())
    return got


# ------------------------------------------------------------------------- k
@pytest.mark.parametrize(
    "et, k_dense, k_sparse", [("dna", 12, 31), ("rna", 12, 31), ("protein", 5, 14)]
)
def test_k_from_zero_to_past_the_maximum(et, k_dense, k_sparse):
    short = ["ACGTACGTACGTACGTACGTACGTACGTACGTAC", "", "AC"]
    for k in [0, -1, 1, 2, k_dense, k_dense + 1, k_sparse, k_sparse + 1, 64, 2**31, 2**63, 2**70]:
        for sparse in (False, True):
            enc = dbp.KmerEncoder(k=k, encoding_type=et, sparse=sparse)
            small = 1 <= k <= 3
            _works_or_clear_error(
                lambda: enc.encode_batch(short),
                (
                    lambda: kmer_expected(
                        dict(encoding_type=et, k=k, sparse=sparse), [s.encode() for s in short]
                    )
                )
                if small
                else None,
            )
    for bad in (1.5, "3", None, np.float64(2.0), [3]):
        with pytest.raises(CLEAR):
            dbp.KmerEncoder(k=bad).encode_batch(short)


def test_sparse_k_at_the_limit_counts_right():
    seq = "ACGT" * 20 + "N" + "ACGT" * 10
    X = dbp.KmerEncoder(k=31, sparse=True).encode_batch([seq, "A" * 31, "A" * 30])
    assert X.shape == (3, 4**31)
    assert X[0].sum() == (80 - 30) + (40 - 30)  # windows without the N
    assert X[1].nnz == 1 and X[1, 0] == 1 and X[2].nnz == 0
    P = dbp.KmerEncoder(k=14, sparse=True, encoding_type="protein").encode_batch(
        ["ACDEFGHIKLMNPQRSTVWY"]
    )
    assert P.shape == (1, 20**14) and P.sum() == 20 - 13


def test_token_k_past_the_limit_is_refused():
    for k in (0, 13, 16, 64):
        with pytest.raises(CLEAR):
            dbp.TransformerEncoder(k=k).encode("ACGT")


# ---------------------------------------------------------------- max_length
@pytest.mark.parametrize("max_length", [0, 1, 2, 9, 10, 1000])
def test_small_max_lengths(max_length):
    p = dict(encoding_type="dna", ambiguous_strategy="skip", max_length=max_length)
    compare(dbp.OneHotEncoder(**p).encode_batch(SEQS), onehot_expected(p, RAW))
    q = dict(encoding_type="dna", ambiguous_strategy="unknown", max_length=max_length)
    compare(dbp.IntegerEncoder(**q).encode_batch(SEQS), integer_expected(q, RAW))
    compare(dbp.IntegerEncoder(**q).encode("ACGT"), integer_expected(q, [b"ACGT"], single=True))


@pytest.mark.parametrize("bad", [-1, 1.5, "10", np.float64(3)])
def test_invalid_max_lengths(bad):
    for make in (dbp.OneHotEncoder, dbp.IntegerEncoder, dbp.TransformerEncoder):
        with pytest.raises(CLEAR):
            make(max_length=bad).encode_batch(SEQS)


def test_max_length_past_2_to_the_31():
    """A batch of one padded to 2**31 + 5 positions (2 GiB of int8): the
    first codes and the padding are right (no 32-bit index overflow)."""
    res = run_child(
        """
        import numpy as np, deepbiop as dbp
        out = dbp.IntegerEncoder(dtype=np.int8, max_length=2**31 + 5, pad_value=7,
                                 n_jobs=2).encode_batch(["ACGT", "G"])
        report([list(out.shape), out[0, :6].tolist(), out[1, :3].tolist(),
                int(out[0, -1]), int(out[1, 2**31 + 4]), int((out[:, 4:] != 7).sum())])
    """,
        timeout=300,
        mem_gib=10,
    )
    res.check()
    assert res.reports == [[[2, 2**31 + 5], [0, 1, 2, 3, 7, 7], [2, 7, 7], 7, 7, 0]]


@pytest.mark.parametrize("encoder", ["onehot", "integer", "tokens"])
def test_output_larger_than_memory_is_a_clear_error(encoder):
    """New defect: KmerEncoder refuses a dense output larger than physical
    memory with a ValueError; one-hot, integer and token outputs sized by
    max_length fail in numpy with a MemoryError instead (or, between memory
    and the overcommit limit, get the process killed while writing)."""
    make = {
        "onehot": "dbp.OneHotEncoder(max_length=2**40)",
        "integer": "dbp.IntegerEncoder(max_length=2**40)",
        "tokens": "dbp.TransformerEncoder(max_length=2**40, padding='max_length')",
    }[encoder]
    res = run_child(
        f"""
        import deepbiop as dbp
        try:
            {make}.encode_batch(["ACGT"])
            report("ok")
        except (ValueError, TypeError) as exc:
            report("clear:" + type(exc).__name__)
        except Exception as exc:
            report("other:" + type(exc).__name__ + ": " + str(exc))
    """,
        timeout=120,
        mem_gib=8,
    )
    res.check()
    assert res.reports and res.reports[0].startswith("clear:"), res.reports


# -------------------------------------------------------------------- dtypes
@pytest.mark.parametrize(
    "dtype",
    [
        np.float32,
        "float32",
        np.dtype("f4"),
        float,
        np.float64,
        np.float16,
        np.uint8,
        np.int64,
        "int32",
        int,
        np.int16,
        np.int8,
        ">f4",
        ">i8",
        object,
        "U4",
        np.bool_,
        np.complex64,
        "datetime64[s]",
        None,
        "nonsense",
        [("a", "f4")],
    ],
)
def test_every_dtype_works_or_is_refused(dtype):
    for name, make, ref in [
        (
            "onehot",
            lambda: dbp.OneHotEncoder(dtype=dtype),
            lambda: onehot_expected(
                dict(encoding_type="dna", ambiguous_strategy="skip", dtype=np.dtype(dtype)), RAW
            ),
        ),
        (
            "integer",
            lambda: dbp.IntegerEncoder("dna", "unknown", dtype=dtype, pad_value=0),
            lambda: integer_expected(
                dict(
                    encoding_type="dna",
                    ambiguous_strategy="unknown",
                    dtype=np.dtype(dtype),
                    pad_value=0,
                ),
                RAW,
            ),
        ),
        (
            "kmer",
            lambda: dbp.KmerEncoder(k=2, dtype=dtype),
            lambda: kmer_expected(dict(encoding_type="dna", k=2, dtype=np.dtype(dtype)), RAW),
        ),
    ]:
        got = _works_or_clear_error(lambda: make().encode_batch(SEQS))
        if got is not None:
            assert got.dtype.isnative, f"{name}: non-native output dtype {got.dtype}"
            compare(got, ref())


# ---------------------------------------------------------------- pad values
@pytest.mark.parametrize(
    "dtype, pad",
    [
        (np.float32, 1e300),
        (np.float32, -1e39),
        (np.float16, 1e6),
        (np.float64, 10**400),
        (np.float32, 10**400),
        (np.int64, 2**63),
        (np.int64, 2**63 - 1),
        (np.int64, 2**53 + 1),
        (np.int8, 128),
        (np.uint8, -1),
        (np.int32, 0.5),
        (np.int16, float("inf")),
        (np.int16, float("nan")),
    ],
)
def test_pad_values_that_do_not_fit_the_dtype_are_refused(dtype, pad):
    """``pad_value`` must be representable in ``dtype`` (IntegerEncoder
    Notes): a value that is not raises a ValueError instead of being
    written as inf / wrapped, and never an OverflowError (new defect for
    the float dtypes)."""
    enc = dbp.IntegerEncoder(dtype=dtype, pad_value=pad)
    with pytest.raises(CLEAR):
        enc.encode_batch(["ACGT", "A"])


@pytest.mark.parametrize(
    "dtype, pad",
    [
        (np.float32, -1),
        (np.float32, 2**24),
        (np.float64, -0.5),
        (np.float64, 1e300),
        (np.int64, -(2**63)),
        (np.uint8, 255),
        (np.int8, -128),
        (np.float32, True),
    ],
)
def test_pad_values_at_the_limits(dtype, pad):
    p = dict(encoding_type="dna", ambiguous_strategy="unknown", dtype=dtype, pad_value=pad)
    compare(dbp.IntegerEncoder(**p).encode_batch(SEQS), integer_expected(p, RAW))


# -------------------------------------------------------------------- n_jobs
@pytest.mark.parametrize("n_jobs", [None, 1, 2, 3, -1, -2, 64, 10**4, 2**31, 2**63, -(2**40)])
def test_n_jobs_values(n_jobs, monkeypatch):
    """Any int n_jobs (beyond 0) works and gives the same output; huge ones
    are capped, never an OverflowError (new defect for 2**31 and above)."""
    import deepbiop.encoders._base as base

    monkeypatch.setattr(base, "_MIN_BASES_PER_THREAD", 1)
    p = dict(encoding_type="dna", ambiguous_strategy="unknown")
    for call, ref in [
        (
            lambda: dbp.IntegerEncoder(**p, n_jobs=n_jobs).encode_batch(SEQS),
            lambda: integer_expected(p, RAW),
        ),
        (
            lambda: dbp.OneHotEncoder(n_jobs=n_jobs).encode_batch(SEQS),
            lambda: onehot_expected(dict(encoding_type="dna", ambiguous_strategy="skip"), RAW),
        ),
        (
            lambda: dbp.KmerEncoder(k=2, n_jobs=n_jobs).encode_batch(SEQS),
            lambda: kmer_expected(dict(encoding_type="dna", k=2), RAW),
        ),
    ]:
        try:
            got = call()
        except Exception as exc:  # re-raised as a test failure
            raise AssertionError(f"n_jobs={n_jobs}: {type(exc).__name__}: {exc}") from exc
        compare(got, ref())


@pytest.mark.parametrize("n_jobs", [0, 1.5, "2", True, np.float64(2)])
def test_invalid_n_jobs_is_refused(n_jobs):
    for make in (dbp.OneHotEncoder, dbp.IntegerEncoder, dbp.KmerEncoder, dbp.TransformerEncoder):
        with pytest.raises(CLEAR):
            make(n_jobs=n_jobs).encode_batch(SEQS)
    with pytest.raises(CLEAR):
        dbp.kmer_spectrum(SEQS, 3, n_jobs=n_jobs)


# --------------------------------------------------------------------- seeds
SEEDS_OK = [0, 1, 2**32 - 1, np.int64(5), np.uint32(7), None]


@pytest.mark.parametrize("seed", SEEDS_OK + ["generator", "random_state"], ids=repr)
def test_seeds_of_every_accepted_kind(seed):
    def make_seed():
        if seed == "generator":
            return np.random.default_rng(3)
        if seed == "random_state":
            return np.random.RandomState(3)
        return seed

    text = ["NNACGTNRYN" * 3, "", "nnn"]
    for cls in (dbp.OneHotEncoder, dbp.IntegerEncoder):
        a = cls("dna", "random", seed=make_seed()).encode_batch(text)
        b = cls("dna", "random", seed=make_seed()).encode_batch(text)
        if seed is not None:
            np.testing.assert_array_equal(a, b)  # the same seed reproduces
        valid = np.array([c in "ACGTacgt" for c in text[0]])
        if cls is dbp.OneHotEncoder:
            assert (a[0].sum(axis=1) == 1).all()  # every position a one
        else:
            assert set(np.unique(a[0])) <= {0, 1, 2, 3}
            np.testing.assert_array_equal(
                a[0][valid],
                integer_expected(
                    dict(encoding_type="dna", ambiguous_strategy="unknown"), [text[0].encode()]
                )[0][valid],
            )


@pytest.mark.parametrize(
    "seed", [-1, 2**32, 2**64, 1.5, "7", np.random.SeedSequence(1), [1]], ids=repr
)
def test_invalid_seeds_are_refused(seed):
    for cls in (dbp.OneHotEncoder, dbp.IntegerEncoder):
        with pytest.raises(CLEAR):
            cls("dna", "random", seed=seed).encode_batch(["NNN"])


@pytest.mark.parametrize("cls", [dbp.OneHotEncoder, dbp.IntegerEncoder])
def test_random_strategy_with_a_generator_seed_is_thread_count_independent(cls):
    """Known defect 5: ``seed=np.random.default_rng(0)``: n_jobs=1 and
    n_jobs=2 must give the same output, also when an element the width sample
    missed is longer (5,000 equal-length reads, a longer one at index 1234),
    where the first attempt is abandoned and the batch encoded again."""
    seqs = ["ACGTN" * 20] * 5000
    seqs[1234] = "ACGTN" * 21
    one = cls("dna", "random", seed=np.random.default_rng(0), n_jobs=1).encode_batch(seqs)
    two = cls("dna", "random", seed=np.random.default_rng(0), n_jobs=2).encode_batch(seqs)
    np.testing.assert_array_equal(one, two)
    # and the valid positions are the reference's
    valid = np.array([c in "ACGT" for c in seqs[1234]])
    if cls is dbp.IntegerEncoder:
        np.testing.assert_array_equal(two[1234][valid], np.tile([0, 1, 2, 3], 21))


def test_unsampled_longer_element_with_N_under_error_strategy():
    """Known defect 11 (first form): 5,000 equal-length reads and, at an
    index the width sample misses, a longer one with N past the sampled
    width, ``ambiguous_strategy="error"``: a ValueError naming sequence,
    position and character (KmerEncoder raised IndexError)."""
    from _inputs import Refusal

    seqs = ["ACGT" * 25] * 5000
    seqs[1234] = "ACGT" * 25 + "N"
    for enc in (
        dbp.KmerEncoder(k=3, ambiguous_strategy="error", n_jobs=2),
        dbp.IntegerEncoder("dna", "error", n_jobs=2),
        dbp.OneHotEncoder("dna", "error", n_jobs=2),
    ):
        with pytest.raises(ValueError) as info:
            enc.encode_batch(seqs)
        Refusal((ValueError,), 1234, 100, "N").check(info.value)


@pytest.mark.parametrize(
    "params",
    [
        dict(normalize="l1"),
        dict(normalize="l2"),
        dict(normalize="l1", sparse=True),
        dict(normalize="l2", canonical="compact"),
        dict(normalize="l1", dtype=np.float64),
    ],
)
def test_kmer_normalize_of_an_empty_batch(params):
    """Known defect 12: every other configuration returns (0, n_features)
    for an empty batch; with normalize it raised."""
    enc = dbp.KmerEncoder(k=3, **params)
    X = enc.transform([])
    assert X.shape == (0, enc.n_columns)
