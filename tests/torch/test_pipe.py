"""deepbiop.torch._pipe: batches made in DataLoader workers cross to the main
process as plain dicts of tensors."""

from __future__ import annotations

import pickle

import pytest

# importorskip("torch") would pass for this directory (tests/torch/) taken as a
# namespace package when torch is missing: ask for a submodule
pytest.importorskip("torch.utils.data")

from deepbiop.torch._pipe import PipedBatch


def test_worker_batches_cross_the_pipe_as_plain_dicts_of_tensors():
    from multiprocessing.reduction import ForkingPickler

    import torch.multiprocessing  # registers the tensor reducers

    small = torch.arange(600, dtype=torch.uint8).reshape(4, 150)
    big = torch.zeros(3 << 20, dtype=torch.uint8)  # past the pipe limit: PyTorch's path
    sent = PipedBatch(inputs=small, lengths=torch.tensor([1, 2]), ids=["a", "b"], big=big)
    got = pickle.loads(ForkingPickler.dumps(sent))
    assert type(got) is dict and got.keys() == sent.keys() and got["ids"] == ["a", "b"]
    assert all(torch.equal(got[k], sent[k]) for k in ("inputs", "lengths", "big"))
    got["inputs"][0, 0] = 7  # writable, and not shared with the sender
    assert int(small[0, 0]) == 0
