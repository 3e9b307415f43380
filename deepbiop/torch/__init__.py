"""PyTorch datasets over sequences and FASTA/FASTQ files, and a batch collate
that encodes a whole batch in one kernel call.

Importing this module imports torch; ``import deepbiop`` does not.

The fast path keeps items as raw sequences until the batch is formed::

    from torch.utils.data import DataLoader
    import deepbiop as dbp
    from deepbiop.io import HeaderLabel
    from deepbiop.torch import EncodeCollate, FastxDataset

    ds = FastxDataset("reads.fastq.gz", label_fn=HeaderLabel("label"),
                      transform=dbp.augment.RandomReverseComplement(0.5), seed=0)
    loader = DataLoader(ds, batch_size=256, num_workers=2,
                        collate_fn=EncodeCollate(dbp.OneHotEncoder(channels_first=True)))
    for batch in loader:
        batch["inputs"], batch["labels"], batch["lengths"], batch["attention_mask"]

* :class:`FastxDataset` streams one or many FASTA/FASTQ(.gz) files, opened
  lazily inside each worker, and shards records across DataLoader workers and
  distributed ranks so that every record is yielded exactly once per epoch.
* :class:`SequenceDataset` is the map-style dataset over in-memory sequences.
* :class:`EncodeCollate` turns a list of raw sequences (with labels) into
  tensors with one ``encode_batch`` call: inputs, ``lengths``,
  ``attention_mask`` and ``labels``.

Everything here is a top-level, picklable object, so spawn-based workers
(``multiprocessing_context="spawn"``, the default on macOS and Windows) work.

Distributed rank and world size (which key both the sharding and the
augmentation stream), in order of precedence: ``rank``/``world_size`` passed
to the dataset; an initialised ``torch.distributed`` process group; inside a
DataLoader worker started by ``spawn`` or ``forkserver`` (which has no process
group), the rank and world size of the main process when it started the
workers (the dataset records them when it is pickled for the workers, so the
group may be initialised after the dataset is made, but before the
DataLoader is iterated); the ``RANK`` and ``WORLD_SIZE`` environment
variables (``torchrun``); else rank 0 of 1.

Randomness of ``transform``: each dataset copy (the main process or one
DataLoader worker) draws from :func:`deepbiop.augment.worker_rng`, seeded from
``seed``, the epoch, the distributed rank and the worker id. Different workers
therefore draw different augmentations, and a run with the same seed
reproduces exactly. The stream of a copy continues across epochs (so
``persistent_workers=True`` gets new draws every epoch by itself); without
persistent workers every epoch starts fresh copies, so call
``dataset.set_epoch(epoch)`` before each epoch, as with
``DistributedSampler``; when DataLoader worker 0 starts an epoch's stream a
second time (non-persistent workers, no ``set_epoch``) it emits one
``RuntimeWarning`` per dataset (the dataset keeps the epoch its workers last
started in a few bytes of shared memory that the workers receive when they
start; no marker files). With ``seed=None`` the seed follows PyTorch (``torch.manual_seed`` or
the DataLoader's ``generator``).

The package's modules: :mod:`~deepbiop.torch.datasets` (``SequenceDataset``,
``FastxDataset``), :mod:`~deepbiop.torch.batch_dataset`
(``FastxBatchDataset``), :mod:`~deepbiop.torch.collate` (``EncodeCollate``,
``ExpandCodes``); private helpers: ``_seeding`` (the streams and the repeat
warning), ``_fastx`` (arguments and sharding of the FASTA/FASTQ datasets),
``_pipe`` (how worker batches cross to the main process).
"""

from deepbiop.torch.batch_dataset import FastxBatchDataset
from deepbiop.torch.collate import EncodeCollate, ExpandCodes
from deepbiop.torch.datasets import FastxDataset, SequenceDataset

__all__ = ["SequenceDataset", "FastxDataset", "FastxBatchDataset", "EncodeCollate", "ExpandCodes"]
