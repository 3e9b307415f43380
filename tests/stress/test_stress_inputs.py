"""Every input kind through every encoder: the output equals the plain-Python
reference, or the call raises a ValueError/TypeError naming the sequence
(and for a character, its position and the character).

The input strategies are in ``_inputs.py``, the references in ``_expect.py``
(built on ``tests/_reference.py``) and ``_fastref.py`` (large batches).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import _fastref as F
import deepbiop as dbp
from _budget import FUZZ
from _expect import (
    compare,
    integer_expected,
    kmer_expected,
    onehot_expected,
    outcome,
    spectrum_expected,
    tokens_expected,
)
from _inputs import (
    BAD_KINDS,
    ELEMENT_KINDS,
    NON_ASCII,
    LyingBytes,
    LyingStr,
    Refusal,
    SeqList,
    batch_case,
    single_case,
)
from _reference import ALPHABETS, reverse_complement

ENCODING_TYPES = ["dna", "rna", "protein"]


@pytest.fixture(params=[1, 2], ids=["n_jobs=1", "n_jobs=2"])
def n_jobs(request, monkeypatch):
    """n_jobs=2 also lowers the per-thread work threshold, so that tiny
    batches really run on two threads)."""
    if request.param == 2:
        import deepbiop.encoders._base as base

        monkeypatch.setattr(base, "_MIN_BASES_PER_THREAD", 1)
    return request.param


# ------------------------------------------------------------ parameters
@st.composite
def onehot_params(draw):
    et = draw(st.sampled_from(ENCODING_TYPES))
    strategies = ["skip", "mask", "uniform", "error"] + (["iupac"] if et != "protein" else [])
    strategy = draw(st.sampled_from(strategies))
    dtypes = [np.float32, np.float64, np.float16]
    if strategy not in ("uniform", "iupac"):
        dtypes.append(np.uint8)
    return dict(
        encoding_type=et,
        ambiguous_strategy=strategy,
        dtype=draw(st.sampled_from(dtypes)),
        max_length=draw(st.one_of(st.none(), st.integers(0, 40))),
        channels_first=draw(st.booleans()),
        flatten=draw(st.booleans()),
    )


_INT_DTYPES = {
    np.float32: st.one_of(st.integers(-(2**24), 2**24), st.sampled_from([-1.5, 0.25, -0.0])),
    np.float64: st.one_of(st.integers(-(2**53), 2**53), st.floats(-1e300, 1e300)),
    # int64 pads reach the kernel as a float64: those it can hold exactly
    np.int64: st.one_of(
        st.integers(-(2**53), 2**53), st.sampled_from([-(2**63), 2**62, -(2**62), 2**60 + 2**8])
    ),
    np.int32: st.integers(-(2**31), 2**31 - 1),
    np.int16: st.integers(-(2**15), 2**15 - 1),
    np.int8: st.integers(-128, 127),
    np.uint8: st.integers(0, 255),
}


@st.composite
def integer_params(draw):
    et = draw(st.sampled_from(ENCODING_TYPES))
    dtype = draw(st.sampled_from(list(_INT_DTYPES)))
    if et == "protein" and dtype in (np.int8,):
        pass  # 20 symbols + unknown fit int8
    return dict(
        encoding_type=et,
        ambiguous_strategy=draw(st.sampled_from(["error", "unknown"])),
        dtype=dtype,
        pad_value=draw(_INT_DTYPES[dtype]),
        max_length=draw(st.one_of(st.none(), st.integers(0, 40))),
    )


@st.composite
def kmer_params(draw):
    et = draw(st.sampled_from(ENCODING_TYPES))
    k = draw(st.integers(1, 2 if et == "protein" else 5))
    canonical = draw(st.sampled_from([False, True, "compact"])) if et != "protein" else False
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int32, np.int64]))
    normalize = draw(st.sampled_from([None, "l1", "l2"])) if np.dtype(dtype).kind == "f" else None
    return dict(
        encoding_type=et,
        k=k,
        canonical=canonical,
        dtype=dtype,
        ambiguous_strategy=draw(st.sampled_from(["skip", "error"])),
        sparse=draw(st.booleans()),
        normalize=normalize,
    )


@st.composite
def token_params(draw):
    max_length = draw(st.one_of(st.none(), st.integers(2, 40)))
    return dict(
        encoding_type=draw(st.sampled_from(ENCODING_TYPES)),
        add_special_tokens=True,
        max_length=max_length,
        padding=draw(st.sampled_from(["longest", "max_length"])),
        ambiguous_strategy=draw(st.sampled_from(["unknown", "error"])),
    )


def _rtol(p):
    return 1e-6 if p.get("normalize") else 0.0


# ------------------------------------------------------------------ one-hot
@FUZZ
@given(p=onehot_params(), case=batch_case("dna"))
def test_onehot_encode_batch_any_input(n_jobs, p, case):
    enc = dbp.OneHotEncoder(**p, n_jobs=n_jobs)
    outcome(lambda: enc.encode_batch(case.obj), lambda: onehot_expected(p, case.seqs), case.refusal)


@FUZZ
@given(p=onehot_params(), case=single_case("dna"))
def test_onehot_encode_any_single_input(p, case):
    enc = dbp.OneHotEncoder(**p)
    outcome(
        lambda: enc.encode(case.obj),
        lambda: onehot_expected(p, case.seqs, single=True),
        case.refusal,
    )


# ------------------------------------------------------------------ integer
@FUZZ
@given(p=integer_params(), case=batch_case("dna"))
def test_integer_encode_batch_any_input(n_jobs, p, case):
    enc = dbp.IntegerEncoder(**p, n_jobs=n_jobs)
    outcome(
        lambda: enc.encode_batch(case.obj), lambda: integer_expected(p, case.seqs), case.refusal
    )


@FUZZ
@given(p=integer_params(), case=single_case("dna"))
def test_integer_encode_any_single_input(p, case):
    enc = dbp.IntegerEncoder(**p)
    outcome(
        lambda: enc.encode(case.obj),
        lambda: integer_expected(p, case.seqs, single=True),
        case.refusal,
    )


# ------------------------------------------------------------------- k-mers
@FUZZ
@given(p=kmer_params(), case=batch_case("dna"))
def test_kmer_encode_batch_any_input(n_jobs, p, case):
    enc = dbp.KmerEncoder(**p, n_jobs=n_jobs)
    outcome(
        lambda: enc.encode_batch(case.obj),
        lambda: kmer_expected(p, case.seqs),
        case.refusal,
        check=lambda got, exp: compare(got, exp, rtol=_rtol(p)),
    )


@FUZZ
@given(p=kmer_params(), case=single_case("dna"))
def test_kmer_encode_any_single_input(p, case):
    enc = dbp.KmerEncoder(**p)
    outcome(
        lambda: enc.encode(case.obj),
        lambda: kmer_expected(p, case.seqs, single=True),
        case.refusal,
        check=lambda got, exp: compare(got, exp, rtol=_rtol(p)),
    )


# ------------------------------------------------------------------- tokens
@FUZZ
@given(p=token_params(), case=batch_case("dna"))
def test_tokens_encode_batch_any_input(n_jobs, p, case):
    enc = dbp.TransformerEncoder(**p, n_jobs=n_jobs)

    def check(got, exp):
        compare(got[0], exp[0])
        compare(got[1], exp[1])

    outcome(
        lambda: enc.encode_batch(case.obj),
        lambda: tokens_expected(p, case.seqs),
        case.refusal,
        check=check,
    )


@FUZZ
@given(p=token_params(), case=single_case("dna"))
def test_tokens_encode_any_single_input(p, case):
    # encode() documents "no padding"; whether padding="max_length" pads a
    # single sequence is left open here
    p = dict(p, padding="longest")
    enc = dbp.TransformerEncoder(**p)
    outcome(
        lambda: enc.encode(case.obj),
        lambda: tokens_expected(p, case.seqs, single=True)[0],
        case.refusal,
    )


# ----------------------------------------------------------------- spectrum
@FUZZ
@given(
    et=st.sampled_from(ENCODING_TYPES),
    k=st.integers(1, 6),
    canonical=st.booleans(),
    chunk=st.integers(1, 64),
    case=batch_case("dna"),
)
def test_kmer_spectrum_any_input(n_jobs, et, k, canonical, chunk, case):
    canonical = canonical and et != "protein"
    p = dict(k=k, encoding_type=et, canonical=canonical)

    def check(got, exp):
        assert got.to_dict() == exp

    outcome(
        lambda: dbp.kmer_spectrum(
            case.obj, k, canonical=canonical, encoding_type=et, chunk_bases=chunk, n_jobs=n_jobs
        ),
        lambda: spectrum_expected(p, case.seqs),
        case.refusal,
        check=check,
    )


# ------------------------------------------------------------- augmentation
def _rc_dna(s: bytes) -> bytes:
    return reverse_complement(s.decode("latin-1"), "dna").encode("latin-1")


@FUZZ
@given(case=batch_case("dna"))
def test_reverse_complement_batch_any_input(n_jobs, case):

    def expect():
        return [_rc_dna(s) for s in case.seqs]

    def check(got, exp):
        assert isinstance(got, list) and len(got) == len(exp)
        for g, e, kind in zip(got, exp, case.kinds):
            text = g.encode("ascii") if isinstance(g, str) else g
            assert text == e, (kind, g, e)

    outcome(
        lambda: dbp.augment.reverse_complement_batch(case.obj, "dna", n_jobs=n_jobs),
        expect,
        case.refusal,
        check=check,
    )


@FUZZ
@given(
    case=batch_case("dna"), rate=st.sampled_from([0.0, 0.3, 1.0]), seed=st.integers(0, 2**64 - 1)
)
def test_mutate_batch_any_input(n_jobs, case, rate, seed):
    valid = set(ALPHABETS["dna"] + ALPHABETS["dna"].lower())

    def check(got, exp):
        assert isinstance(got, list) and len(got) == len(case.seqs)
        for g, s in zip(got, case.seqs):
            g = g.encode("ascii") if isinstance(g, str) else g
            assert len(g) == len(s)
            for a, b in zip(s, g):
                ca, cb = chr(a), chr(b)
                if ca not in valid:
                    assert a == b  # N, noise and other bytes are never touched
                elif rate == 0.0:
                    assert a == b
                else:
                    assert cb in valid and ca.islower() == cb.islower()
                    if rate == 1.0:
                        assert ca.upper() != cb.upper()

    outcome(
        lambda: dbp.augment.mutate_batch(case.obj, rate, random_state=seed, n_jobs=n_jobs),
        lambda: None,
        case.refusal,
        check=check,
    )


# ---------------------------------------------------------------- large batches
ODD_ELEMENTS = {
    # name -> (element, logical bytes or None, Refusal types or None)
    "longer": lambda: ("ACGT" * 40 + "G", b"ACGT" * 40 + b"G", None),
    "shorter": lambda: ("AC", b"AC", None),
    "empty": lambda: ("", b"", None),
    "bytes_longer": lambda: (b"ACGT" * 41, b"ACGT" * 41, None),
    "str_subclass": lambda: (LyingStr("GATTACA" * 10), b"GATTACA" * 10, None),
    "bytes_subclass": lambda: (LyingBytes(b"CAT" * 70), b"CAT" * 70, None),
    "bytearray": lambda: (bytearray(b"TTT" * 60), b"TTT" * 60, None),
    "uint8_strided": lambda: (np.frombuffer(b"AZCZGZ" * 50, np.uint8)[::2], b"ACG" * 50, None),
    "with_N": lambda: ("ACGN" * 40, b"ACGN" * 40, None),
    "longer_with_N": lambda: ("ACGT" * 40 + "NA", b"ACGT" * 40 + b"NA", None),
    "non_ascii": lambda: ("ACG\u20acT", None, (ValueError,)),
    "astral": lambda: ("AC\U0001f600", None, (ValueError,)),
    "none": lambda: (None, None, (TypeError,)),
}


@FUZZ
@given(
    odd=st.lists(
        st.tuples(st.sampled_from(sorted(ODD_ELEMENTS)), st.integers(0, 4199)),
        min_size=1,
        max_size=4,
    ),
    encoder=st.sampled_from(["integer", "onehot", "kmer"]),
    max_length=st.sampled_from([None, 100, 170]),
)
def test_large_batches_with_odd_elements(odd, encoder, max_length):
    """>= 4,096 equal-length str reads (the unscanned path of several
    threads) with a few odd elements at drawn places, some of which the width
    sample misses: the result is that of the plain reference."""
    base = b"ACGT" * 40
    seqs = [base.decode()] * 4200
    logical = [base] * 4200
    placed = {}
    for name, at in odd:  # a later draw at the same place replaces the earlier
        obj, lg, types = ODD_ELEMENTS[name]()
        seqs[at] = obj
        logical[at] = lg
        placed[at] = types
    bad = sorted(at for at, types in placed.items() if types is not None)
    refusal = Refusal(placed[bad[0]], bad[0]) if bad else None
    if encoder == "integer":
        enc = dbp.IntegerEncoder("dna", "unknown", dtype=np.int8, max_length=max_length, n_jobs=2)
        expect = lambda: F.integer_codes(logical, max_length=max_length).astype(np.int8)  # noqa: E731
    elif encoder == "onehot":
        enc = dbp.OneHotEncoder("dna", dtype=np.uint8, max_length=max_length, n_jobs=2)
        expect = lambda: F.onehot(logical, max_length=max_length).astype(np.uint8)  # noqa: E731
    else:
        enc = dbp.KmerEncoder(k=3, dtype=np.int32, n_jobs=2)
        expect = lambda: F.kmer_counts(logical, 3).astype(np.int32)  # noqa: E731
    outcome(lambda: enc.encode_batch(seqs), expect, refusal)


# -------------------------------------------------------- named input kinds
@pytest.mark.parametrize("width", sorted(NON_ASCII))
@pytest.mark.parametrize("where", [0, 3, 9])
@pytest.mark.parametrize("encoder", ["onehot", "integer", "kmer", "tokens"])
def test_non_ascii_of_every_width_is_named(width, where, encoder):
    ch = NON_ASCII[width]
    bad = "ACGTACGTA"[:where] + ch + "ACGTACGTA"[where:]
    enc = {
        "onehot": dbp.OneHotEncoder,
        "integer": lambda: dbp.IntegerEncoder("dna", "unknown"),
        "kmer": dbp.KmerEncoder,
        "tokens": dbp.TransformerEncoder,
    }[encoder]()
    for call, index in [
        (lambda: enc.encode_batch(["ACGT", "", bad, ch]), 2),
        (lambda: enc.encode(bad), None),
    ]:
        with pytest.raises(ValueError) as info:
            call()
        Refusal((ValueError,), index, where, ch).check(info.value)


def test_released_memoryview_is_refused_naming_its_index():
    """A released memoryview element: the error must name the element."""
    m = memoryview(b"ACGT")
    m.release()
    for enc in (dbp.OneHotEncoder(), dbp.IntegerEncoder(), dbp.KmerEncoder()):
        with pytest.raises((TypeError, ValueError)) as info:
            enc.encode_batch(["AC", b"GT", m])
        Refusal((TypeError, ValueError), 2).check(info.value)


def test_non_ascii_str_subclass_names_index_position_and_character():
    """A str subclass that lies about itself (``__iter__``, ``__getitem__``,
    ``encode``) and holds a non-ASCII character: the error must still name
    the element, the real position and the real character."""
    bad = LyingStr("ACG\u20acT")
    for enc in (dbp.OneHotEncoder(), dbp.IntegerEncoder("dna", "unknown"), dbp.KmerEncoder()):
        with pytest.raises(ValueError) as info:
            enc.encode_batch(["AC", bad])
        Refusal((ValueError,), 1, 3, "\u20ac").check(info.value)


@pytest.mark.parametrize("kind", sorted(ELEMENT_KINDS))
def test_every_element_kind_is_read_by_content(kind):
    """Each accepted element kind, alone and among str/bytes, in every
    encoder: equal to the reference of its logical content."""
    raw = b"ACGTNacgtRY"
    obj, logical = ELEMENT_KINDS[kind](raw)
    batch = ["GGG", obj, b"T"]
    seqs = [b"GGG", logical, b"T"]
    compare(
        dbp.IntegerEncoder("dna", "unknown", dtype=np.int64).encode_batch(batch),
        integer_expected(
            dict(encoding_type="dna", ambiguous_strategy="unknown", dtype=np.int64), seqs
        ),
    )
    compare(
        dbp.OneHotEncoder("dna", "iupac").encode_batch(batch),
        onehot_expected(dict(encoding_type="dna", ambiguous_strategy="iupac"), seqs),
    )
    compare(
        dbp.KmerEncoder(k=2).encode_batch(batch),
        kmer_expected(dict(encoding_type="dna", k=2), seqs),
    )
    compare(
        dbp.KmerEncoder(k=2, sparse=True).encode(obj),
        kmer_expected(dict(encoding_type="dna", k=2, sparse=True), [logical], single=True),
    )


@pytest.mark.parametrize("kind", sorted(BAD_KINDS))
@pytest.mark.parametrize("container", ["list", "tuple", "generator", "np_object", "pandas_series"])
def test_every_refused_element_kind_is_named(kind, container):
    from _inputs import CONTAINERS

    obj, refusal = BAD_KINDS[kind]("ACGTACGT", 4)
    refusal.index = 2
    batch = CONTAINERS[container][0](["ACGT", b"AC", obj, "GG"])
    with pytest.raises(refusal.types) as info:
        dbp.IntegerEncoder("dna", "unknown").encode_batch(batch)
    refusal.check(info.value)


@pytest.mark.parametrize(
    "make",
    [
        list,
        lambda: (),
        lambda: iter([]),
        lambda: np.array([], dtype="S"),
        lambda: np.array([], dtype="U"),
        lambda: np.array([], dtype=object),
        lambda: np.empty((0, 1), dtype=object),
    ],
    ids=["list", "tuple", "iterator", "np_S", "np_U", "np_object", "np_object_column"],
)
def test_empty_batches_have_the_documented_shapes(make):
    assert dbp.OneHotEncoder().encode_batch(make()).shape == (0, 0, 4)
    assert dbp.OneHotEncoder(max_length=5, channels_first=True).encode_batch(make()).shape == (
        0,
        4,
        5,
    )
    assert dbp.IntegerEncoder().encode_batch(make()).shape == (0, 0)
    assert dbp.KmerEncoder(k=2).encode_batch(make()).shape == (0, 16)
    assert dbp.KmerEncoder(k=2, sparse=True).encode_batch(make()).shape == (0, 16)
    ids, mask = dbp.TransformerEncoder().encode_batch(make())
    assert ids.shape == mask.shape == (0, 0)
    assert dbp.kmer_spectrum(make(), 3).total == 0


def test_pandas_columns_with_missing_values_name_the_row():
    pd = pytest.importorskip("pandas")
    for s in (
        pd.Series(["ACGT", None, "AC"]),
        pd.Series(["ACGT", pd.NA, "AC"], dtype="string"),
        pd.Series(["ACGT", np.nan, "AC"]),
        pd.DataFrame({"seq": ["ACGT", None, "AC"]}),
    ):
        for enc in (dbp.OneHotEncoder(), dbp.IntegerEncoder(), dbp.KmerEncoder()):
            with pytest.raises(TypeError) as info:
                enc.encode_batch(s)
            Refusal((TypeError,), 1).check(info.value)


def test_pandas_string_and_categorical_columns():
    pd = pytest.importorskip("pandas")
    seqs = ["ACGTN", "", "acg"]
    exp = integer_expected(
        dict(encoding_type="dna", ambiguous_strategy="unknown"), [s.encode() for s in seqs]
    )
    for col in (
        pd.Series(seqs, dtype="string"),
        pd.Series(seqs, dtype="category"),
        pd.Series(seqs, index=[5, 1, 9]),
        pd.DataFrame({"x": seqs}),
        pd.Index(seqs),
    ):
        compare(dbp.IntegerEncoder("dna", "unknown").encode_batch(col), exp)


@pytest.mark.parametrize("frame", [True, False], ids=["DataFrame", "Series"])
@pytest.mark.parametrize("as_bytes", [False, True], ids=["str", "bytes"])
def test_polars_one_column_frame_is_accepted(frame, as_bytes):
    """Known defect 16: a one-column polars DataFrame (accepted for pandas)
    must be accepted too, by every encoder and by kmer_spectrum."""
    pl = pytest.importorskip("polars")
    seqs = [b"ACGTN", b"", b"acgtt"]
    col = pl.Series("seq", seqs if as_bytes else [s.decode() for s in seqs])
    obj = pl.DataFrame({"seq": col}) if frame else col
    compare(
        dbp.IntegerEncoder("dna", "unknown").encode_batch(obj),
        integer_expected(dict(encoding_type="dna", ambiguous_strategy="unknown"), seqs),
    )
    compare(
        dbp.OneHotEncoder().encode_batch(obj),
        onehot_expected(dict(encoding_type="dna", ambiguous_strategy="skip"), seqs),
    )
    compare(
        dbp.KmerEncoder(k=2).transform(obj), kmer_expected(dict(encoding_type="dna", k=2), seqs)
    )
    assert dbp.kmer_spectrum(obj, 2).to_dict() == spectrum_expected(
        dict(k=2, encoding_type="dna"), seqs
    )
    if frame:
        two = pl.DataFrame({"a": ["AC"], "b": ["GT"]})
        with pytest.raises(ValueError, match="column"):
            dbp.IntegerEncoder().encode_batch(two)


def _protein_batch(n=64, length=120, seed=0):
    rng = np.random.default_rng(seed)
    aa = list("ACDEFGHIKLMNPQRSTVWY")
    return ["".join(rng.choice(aa, length)) for _ in range(n)]


@pytest.mark.parametrize(
    "make",
    [
        lambda: dbp.OneHotEncoder(),
        lambda: dbp.IntegerEncoder(ambiguous_strategy="unknown"),
        lambda: dbp.KmerEncoder(k=3),
    ],
    ids=["onehot", "integer", "kmer"],
)
def test_protein_text_given_to_a_dna_encoder_warns(make):
    """Known defect 15: protein text handed to a default (DNA) encoder is
    mostly characters outside the alphabet; the call must warn, once,
    naming the likely encoding_type."""
    batch = _protein_batch()
    with pytest.warns(UserWarning, match="protein") as record:
        make().encode_batch(batch)
    assert len([w for w in record if "protein" in str(w.message)]) == 1
    # real DNA, even with many N, does not warn
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make().encode_batch(["ACGTN" * 30, "acgtNNacgt" * 10, ""])


@pytest.mark.parametrize(
    "container", ["np_object_column", "pandas_frame", "polars_series", "polars_frame"]
)
def test_augment_batches_accept_what_encoders_accept(container):
    """Regression: the augmentation batch functions coerced their input
    themselves (``augment._batch_items``) instead of through the one
    coercion point, so an (n, 1) object array, a one-column DataFrame or a
    polars Series, which every encoder takes, is refused there (a polars
    Series with a TypeError from polars itself)."""
    from _inputs import CONTAINERS

    if container.startswith("polars"):
        pytest.importorskip("polars")
    seqs = [b"AACGTn", b"", b"GATTACA"]
    make = lambda: CONTAINERS[container][0]([s.decode() for s in seqs])  # noqa: E731
    if container != "polars_frame":  # (polars frames: known defect 16, tested above)
        # the encoders take it ...
        compare(
            dbp.IntegerEncoder("dna", "unknown").encode_batch(make()),
            integer_expected(dict(encoding_type="dna", ambiguous_strategy="unknown"), seqs),
        )
    # ... and so must the batch augmentations
    rc = dbp.augment.reverse_complement_batch(make(), "dna")
    assert [x.encode() if isinstance(x, str) else x for x in rc] == [_rc_dna(s) for s in seqs]
    same = dbp.augment.mutate_batch(make(), 0.0)
    assert [x.encode() if isinstance(x, str) else x for x in same] == seqs
    flipped = dbp.augment.RandomReverseComplement(1.0).batch(make(), random_state=0)
    assert [x.encode() if isinstance(x, str) else x for x in flipped] == [_rc_dna(s) for s in seqs]


def test_batch_augmentation_trusts_len_of_a_list_subclass():
    """Regression: ``reverse_complement_batch`` and
    ``random_reverse_complement_batch`` size their per-sequence flip array
    with ``len(seqs)`` of the caller's object (a list subclass is kept as
    is) while the kernel reads one flip per packed sequence: a list subclass
    whose ``__len__`` is wrong makes the kernel read past the array, and
    sequences come back reverse-complemented or not at random."""
    rng = np.random.default_rng(0)
    for trial in range(30):
        seqs = ["".join(rng.choice(list("ACGT"), int(rng.integers(1, 30)))) for _ in range(64)]
        exp = [_rc_dna(s.encode()).decode() for s in seqs]
        for call in (
            lambda b: dbp.augment.reverse_complement_batch(b, "dna"),
            lambda b: dbp.augment.random_reverse_complement_batch(
                b, 1.0, alphabet="dna", random_state=trial
            ),
        ):
            try:
                got = call(SeqList(seqs))
            except (TypeError, ValueError):
                continue
            assert got == exp, f"trial {trial}: {sum(g != e for g, e in zip(got, exp))} of 64 wrong"
