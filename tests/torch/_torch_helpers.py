"""Helpers shared by the tests of deepbiop.torch (imported by bare name)."""

from __future__ import annotations

from torch.utils.data import DataLoader

N_READS = 3000  # reads in the ``reads_gz`` fixture (conftest.py)


def ids_of(loader) -> list[str]:
    """Every ``ids`` entry of the batches of ``loader``, in order."""
    out = []
    for batch in loader:
        out.extend(batch["ids"])
    return out


class Draw:
    """Transform that reveals the generator the dataset hands it."""

    def __call__(self, seq, random_state=None):
        return f"{seq}:{random_state.integers(0, 2**62)}"


def draws(ds, num_workers, **kw):
    """The items of ``ds`` through a DataLoader (sequences only)."""
    loader = DataLoader(ds, batch_size=None, num_workers=num_workers, **kw)
    return [item[0] if isinstance(item, tuple) else item for item in loader]


def batch_ids(ds, workers, **kw):
    """The ``ids`` of each batch of a FastxBatchDataset, in loader order."""
    return [list(b["ids"]) for b in DataLoader(ds, batch_size=None, num_workers=workers, **kw)]
