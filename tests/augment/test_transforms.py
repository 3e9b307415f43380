"""deepbiop/augment/transforms.py: the transform objects, against the
functions they wrap."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import deepbiop as dbp
from deepbiop import augment as aug


def test_transform_objects_pickle_and_compose():
    t = aug.Compose(
        [aug.Crop(6, "start"), aug.RandomMutation(0.5), aug.RandomReverseComplement(1.0)]
    )
    t2 = pickle.loads(pickle.dumps(t))
    s = "ACGTACGTAC"
    assert t(s, random_state=3) == t2(s, random_state=3)
    rng = np.random.default_rng(3)
    want = aug.reverse_complement(aug.mutate(s[:6], 0.5, random_state=rng))
    assert t(s, random_state=3) == want
    assert aug.ReverseComplement(kind="codes")(np.array([0, 1])).tolist() == [2, 3]
    x = dbp.OneHotEncoder().encode("AAG")
    np.testing.assert_array_equal(
        aug.ReverseComplement(kind="onehot")(x), dbp.OneHotEncoder().encode("CTT")
    )
    assert "RandomMutation(rate=0.5" in repr(t)
    with pytest.raises(ValueError, match="kind must be one of"):
        aug.ReverseComplement(kind="x")("A")
    with pytest.raises(ValueError, match="mutate before one-hot encoding"):
        aug.RandomMutation(0.1, kind="onehot")(x)


def test_transform_batch_methods():
    seqs = ["ACGTACGTAC", "acgtnnACGT", "GAUUACA"]
    t = aug.Compose(
        [aug.Crop(8, "start"), aug.RandomMutation(0.3), aug.RandomReverseComplement(0.5)]
    )
    rng = np.random.default_rng(3)
    cropped = [s[:8] for s in seqs]
    mutated = aug.mutate_batch(cropped, 0.3, random_state=rng)
    want = aug.random_reverse_complement_batch(mutated, 0.5, random_state=rng)
    assert t.batch(seqs, random_state=3) == want
    assert aug.ReverseComplement().batch(seqs) == [aug.reverse_complement(s) for s in seqs]
    codes = [np.array([0, 1, 4]), np.array([2, -1])]
    rc = aug.ReverseComplement(kind="codes").batch(codes)
    assert [r.tolist() for r in rc] == [[4, 2, 3], [-1, 1]]
    got = aug.RandomMutation(1.0, kind="codes").batch(codes, random_state=0)
    assert (got[0][:2] != [0, 1]).all() and got[0][2] == 4 and got[1][1] == -1
    assert aug.Crop(2, "end").batch(["ACGT", "A"]) == ["GT", "A"]
    assert aug.Compose([str.lower]).batch(["AC"]) == ["ac"]


def test_batch_of_one_equals_the_call():
    """Both paths draw alike: the kernel batch of one equals the per-item call."""
    for t in (
        aug.RandomMutation(0.4),
        aug.RandomReverseComplement(0.5),
        aug.Compose([aug.RandomReverseComplement(0.5), aug.RandomMutation(0.4)]),
    ):
        for seed in range(20):
            s = "ACGTNacgtGAUU"
            assert t.batch([s], random_state=seed) == [t(s, random_state=seed)], (t, seed)
