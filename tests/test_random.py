"""deepbiop/_random.py: the one seed normaliser (to a numpy Generator, to a
kernel seed) and the worker-aware seeding published by deepbiop.augment."""

from __future__ import annotations

import numpy as np
import pytest

from deepbiop._random import (
    as_generator,
    seed_value,
    worker_info,
    worker_rng,
    worker_seed_sequence,
)


def test_as_generator():
    g = np.random.default_rng(1)
    assert as_generator(g) is g
    assert as_generator(5).random() == np.random.default_rng(5).random()
    ss = np.random.SeedSequence(9)
    assert as_generator(ss).random() == np.random.default_rng(np.random.SeedSequence(9)).random()
    assert isinstance(as_generator(None), np.random.Generator)
    legacy = as_generator(np.random.RandomState(0))
    assert legacy.random() == as_generator(np.random.RandomState(0)).random()
    for bad in ("x", 1.5, [1]):
        with pytest.raises(TypeError, match="random_state must be None, an int, a numpy"):
            as_generator(bad)


def test_seed_value():
    """An int is the kernel seed itself; a Generator gives one draw; the
    encoders' RandomState rule (two 31-bit draws) is kept."""
    assert seed_value(0) == 0 and seed_value(7) == 7 and seed_value(np.int64(7)) == 7
    assert seed_value(-1) == 2**64 - 1 and seed_value(2**64 + 3) == 3
    g = np.random.default_rng(4)
    assert seed_value(g) == int(np.random.default_rng(4).integers(0, 2**63))
    assert seed_value(g) != seed_value(np.random.default_rng(4))  # g moved on
    rs, ref = np.random.RandomState(2), np.random.RandomState(2)
    assert seed_value(rs) == int(ref.randint(0, 2**31 - 1)) * 2**32 + int(ref.randint(0, 2**31 - 1))
    assert 0 <= seed_value(None) < 2**63
    ss = np.random.SeedSequence(3)
    assert seed_value(ss) == int(
        np.random.default_rng(np.random.SeedSequence(3)).integers(0, 2**63)
    )
    with pytest.raises(TypeError, match="random_state must be None, an int"):
        seed_value("x")


def test_worker_seed_sequence_outside_workers():
    assert worker_info() == (0, 1, 0, 1)
    assert worker_seed_sequence(5, epoch=3).entropy == [5, 3, 0, 0]
    a = worker_rng(5).integers(0, 2**32, 4)
    assert (a == worker_rng(5).integers(0, 2**32, 4)).all()
    assert not (a == worker_rng(6).integers(0, 2**32, 4)).all()
    assert worker_seed_sequence(None).entropy[1:] == [0, 0, 0]  # fresh base seed
    with pytest.raises(ValueError, match="seed must be a non-negative integer or None"):
        worker_seed_sequence(-1)
    with pytest.raises(ValueError, match="seed must be a non-negative integer or None"):
        worker_seed_sequence(True)
    with pytest.raises(ValueError, match="epoch must be a non-negative integer"):
        worker_seed_sequence(1, epoch=-2)
