"""Encoders skip scikit-learn's parameter validation while their parameters are
unchanged since the last successful check; any change is validated again."""

from __future__ import annotations

import numpy as np
import pytest

import deepbiop as dbp


@pytest.mark.parametrize(
    "enc, param, bad, match",
    [
        (dbp.OneHotEncoder(), "ambiguous_strategy", "bogus", "ambiguous_strategy"),
        (dbp.OneHotEncoder(), "dtype", np.int64, "dtype must be one of"),
        (dbp.IntegerEncoder(), "max_length", -3, "max_length"),
        (dbp.KmerEncoder(k=2), "k", 0, "'k' parameter"),
    ],
)
def test_changed_parameter_is_validated_again(enc, param, bad, match):
    good = getattr(enc, param)
    enc.encode_batch(["ACGT", "AC"])  # validated and remembered
    enc.set_params(**{param: bad})
    with pytest.raises(ValueError, match=match):
        enc.encode_batch(["ACGT"])
    setattr(enc, param, bad)  # plain assignment too
    with pytest.raises(ValueError, match=match):
        enc.encode("ACGT")
    setattr(enc, param, good)
    assert enc.encode_batch(["ACGT"]).shape[0] == 1


def test_uncacheable_parameter_still_works_every_call():
    enc = dbp.OneHotEncoder("dna", "random", seed=np.random.default_rng(0))
    for _ in range(3):
        out = enc.encode("ACGTN")
        assert out.shape == (5, 4) and (out.sum(axis=1) == 1).all()
    enc.seed = "not a seed"
    with pytest.raises(ValueError, match="seed"):
        enc.encode("ACGTN")


def test_results_unchanged_by_cached_validation():
    enc = dbp.IntegerEncoder("dna", "unknown")
    first = enc.encode_batch(["ACGTN", "AC"])
    second = enc.encode_batch(["ACGTN", "AC"])
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, [[0, 1, 2, 3, 4], [0, 1, -1, -1, -1]])


def test_parameter_changed_during_a_call_is_not_seen_by_it_nor_remembered_as_valid():
    """Another thread may set a parameter while a call runs: the call uses the
    values it read at its start, and only values that were validated may be
    remembered as valid."""
    racing = {"on": True}

    class Racing(dbp.OneHotEncoder):
        def _validate_extra(self):  # "another thread" sets a bad value mid-call
            if racing["on"]:
                enc.ambiguous_strategy = "bogus"
            super()._validate_extra()

    enc = Racing("dna", "skip")
    out = enc.encode("ACGN")  # ran with "skip", the value it started with
    np.testing.assert_array_equal(out[3], [0, 0, 0, 0])
    assert enc.ambiguous_strategy == "bogus"
    racing["on"] = False
    with pytest.raises(ValueError, match="ambiguous_strategy"):
        enc.encode("ACGT")
