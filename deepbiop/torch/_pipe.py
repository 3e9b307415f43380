"""Batches made in a DataLoader worker cross to the main process as array
bytes through the worker's pipe (see :class:`PipedBatch`)."""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["PipedBatch"]

_PIPE_MAX_BYTES = 2 << 20


class PipedBatch(dict):
    """A batch made in a DataLoader worker, sent to the main process as array
    bytes through the worker's pipe.

    PyTorch sends each tensor a worker yields through a new shared-memory
    segment (create, map, pass its descriptor, map again, free): a fixed cost
    per tensor that is larger than copying a batch of uint8 codes through the
    pipe. This dict pickles its tensors of up to ``_PIPE_MAX_BYTES`` as numpy
    arrays (larger ones take PyTorch's path) and unpickles, in the main
    process, as a plain ``dict`` of tensors, so the caller sees what
    ``num_workers=0`` gives.
    """

    def __copy__(self) -> PipedBatch:
        # DataLoader's default_convert copies mappings before pickling them
        return PipedBatch(self)

    def __reduce_ex__(self, protocol: Any) -> tuple:
        # past a few MB one shared-memory segment beats copying through the pipe
        tensors = [
            k
            for k, v in self.items()
            if isinstance(v, torch.Tensor)
            and v.device.type == "cpu"
            and v.nbytes <= _PIPE_MAX_BYTES
        ]
        values = {k: (v.numpy() if k in tensors else v) for k, v in self.items()}
        return _unpipe_batch, (values, tensors)


def _unpipe_batch(values: dict[str, Any], tensors: list[str]) -> dict[str, Any]:
    """The main process's side of :class:`PipedBatch`: a plain dict of tensors."""
    return {k: (torch.from_numpy(v) if k in tensors else v) for k, v in values.items()}
