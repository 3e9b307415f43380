"""deepbiop/augment/_crop.py: windows of text, codes and one-hot rows."""

from __future__ import annotations

import numpy as np
import pytest

import deepbiop as dbp
from deepbiop import augment as aug


def test_crop_modes():
    s = "0123456789"
    assert aug.crop(s, 4, "start") == "0123"
    assert aug.crop(s, 4, "center") == "3456"
    assert aug.crop(s, 3, "center") == "345"
    assert aug.crop(s, 4, "end") == "6789"
    assert aug.crop(s, 20) == s and aug.crop(s, 10, "end") == s
    starts = {aug.crop(s, 4, random_state=seed)[0] for seed in range(200)}
    assert starts == set("0123456")  # every start 0..6 reachable, none beyond
    assert aug.crop(s, 4, random_state=5) == aug.crop(s, 4, random_state=5)
    assert aug.crop(b"0123456789", 4, "start") == b"0123"


def test_crop_arrays_are_views():
    x = dbp.OneHotEncoder().encode("AACCGGTT")
    np.testing.assert_array_equal(aug.crop(x, 2, "end"), dbp.OneHotEncoder().encode("TT"))
    assert np.shares_memory(aug.crop(x, 2, "end"), x)
    xt = np.ascontiguousarray(x.T)
    np.testing.assert_array_equal(aug.crop(xt, 2, "start", axis=1), xt[:, :2])


def test_crop_errors():
    s = "0123456789"
    with pytest.raises(ValueError, match="mode must be one of 'random', 'start', 'center', 'end'"):
        aug.crop(s, 2, "middle")
    with pytest.raises(ValueError, match="length must be a non-negative integer, got -1"):
        aug.crop(s, -1)
    with pytest.raises(ValueError, match="length must be a non-negative integer, got True"):
        aug.crop(s, True)
