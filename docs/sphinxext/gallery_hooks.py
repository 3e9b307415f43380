"""Hooks for sphinx-gallery: a per-example time limit, and each example
starting from the process state the build started with.

sphinx-gallery runs every example in the Sphinx process and has no timeout of
its own, so a hung example (a DataLoader worker that never answers, say) would
stall the docs build until CI's own limit. ``example_timeout`` is listed in
``reset_modules`` with ``reset_modules_order="both"``: before an example it
arms ``SIGALRM`` for ``DEEPBIOP_DOCS_EXAMPLE_TIMEOUT`` seconds (default 300,
what ``tests/test_examples.py`` allows; ``0`` turns the limit off), after it
disarms the alarm. The alarm raises ``TimeoutError`` inside the example, which
``abort_on_example_error`` turns into a failed build naming the example.

Every example runs in the one Sphinx process, so what one leaves behind
reaches the next: ``example_isolation`` (also in ``reset_modules``) puts back,
before each example, the ``os.environ`` the build started with (a dask Nanny
writes ``OMP_NUM_THREADS=1`` into the environment of the process that starts a
``LocalCluster``) and torch's thread count (``torch.set_num_threads(1)`` in one
example would make every later one single-threaded).
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

_DEFAULT_SECONDS = 300
_state: dict[str, object] = {"example": None, "previous": None}
# the process state each example starts from: taken when conf.py imports this module
_ENVIRON = dict(os.environ)
try:
    import torch as _torch
except ImportError:  # the examples that need torch then fail on their own import
    _TORCH_THREADS = None
else:
    _TORCH_THREADS = _torch.get_num_threads()


def _seconds() -> int:
    raw = os.environ.get("DEEPBIOP_DOCS_EXAMPLE_TIMEOUT", "").strip()
    return int(raw) if raw else _DEFAULT_SECONDS


def _usable() -> bool:
    # SIGALRM exists on POSIX only, and Python delivers it on the main thread only
    return hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()


def _on_alarm(signum, frame):
    name = Path(str(_state["example"])).name
    raise TimeoutError(
        f"example {name} ran longer than {_seconds()} s "
        "(DEEPBIOP_DOCS_EXAMPLE_TIMEOUT sets the limit, 0 turns it off)"
    )


def disarm() -> None:
    """Cancel a pending alarm and put the previous SIGALRM handler back."""
    if not _usable() or _state["example"] is None:
        return
    signal.alarm(0)
    signal.signal(signal.SIGALRM, _state["previous"] or signal.SIG_DFL)
    _state["example"] = None
    _state["previous"] = None


def example_timeout(gallery_conf, fname, when):
    """``reset_modules`` hook: arm the alarm before an example, disarm it after.

    ``fname`` is ``None`` when sphinx-gallery enters a directory of examples;
    nothing is armed then.
    """
    disarm()
    seconds = _seconds()
    if when != "before" or fname is None or seconds <= 0 or not _usable():
        return
    _state["example"] = fname
    _state["previous"] = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(seconds)


def example_isolation(gallery_conf, fname, when):
    """``reset_modules`` hook: before an example, restore ``os.environ`` and
    torch's thread count as they were when the build started."""
    if when != "before" or fname is None:
        return
    if os.environ != _ENVIRON:
        os.environ.clear()
        os.environ.update(_ENVIRON)
    if _TORCH_THREADS is not None and _torch.get_num_threads() != _TORCH_THREADS:
        _torch.set_num_threads(_TORCH_THREADS)
