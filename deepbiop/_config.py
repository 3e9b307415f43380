"""Threading configuration and ``show_config``."""

from __future__ import annotations

import os
import sys
import warnings
from numbers import Integral

from deepbiop._kernels import _config as _omp
from deepbiop._version import __version__

__all__ = ["show_config", "effective_n_threads", "openmp_enabled"]


def openmp_enabled() -> bool:
    """True when the kernels were compiled with OpenMP (multi-threaded)."""
    return _omp.openmp_enabled()


# Fork safety. libgomp's thread pool does not survive fork(): a child whose
# parent ever ran a parallel region hangs in its first one. A process that
# asked for more than one thread marks itself; a child forked after that runs
# every kernel on one thread (PyTorch does the same for its own pool).
_asked_threads = False
_forked_after_threads = False
_fork_noted = False


def _after_fork_in_child() -> None:
    global _forked_after_threads, _fork_noted
    if _asked_threads:
        _forked_after_threads = True
    _fork_noted = False


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def in_forked_child_of_threads() -> bool:
    """True in a process forked after its parent used OpenMP threads (where
    every kernel runs on one thread)."""
    return _forked_after_threads


def effective_n_threads(n_jobs: int | None) -> int:
    """Threads a kernel call will use for ``n_jobs``.

    ``None`` means every thread OpenMP may use now, which honours
    ``OMP_NUM_THREADS`` and ``threadpoolctl.threadpool_limits``; a positive
    value is taken as is, up to ``max(64, 4 x processors)``; ``-1`` means all
    processors, ``-2`` all but one, and so on (the scikit-learn convention).
    A serial build always uses 1, and so does a process forked (``fork``
    start method: ``multiprocessing``, Linux DataLoader workers) after its
    parent used several threads, because OpenMP's threads cannot be started
    there; an explicit ``n_jobs`` above 1 then gets one ``RuntimeWarning``.

    Raises
    ------
    ValueError
        For ``n_jobs == 0``.
    TypeError
        For a non-integer.
    """
    global _asked_threads, _fork_noted
    # validate first, so a bad n_jobs fails the same way in a serial build
    if n_jobs is not None:
        if isinstance(n_jobs, bool) or not isinstance(n_jobs, Integral):
            raise TypeError(f"n_jobs must be an int or None, got {type(n_jobs).__name__}")
        n_jobs = int(n_jobs)
        if n_jobs == 0:
            raise ValueError("n_jobs == 0 has no meaning; use None, -1 or a positive int")
    if not _omp.openmp_enabled():
        return 1
    if n_jobs is None:
        n = max(1, _omp.openmp_max_threads())
    elif n_jobs < 0:
        n = max(1, _omp.openmp_num_procs() + 1 + max(n_jobs, -(2**20)))
    else:
        n = min(n_jobs, max(64, 4 * _omp.openmp_num_procs()))
    if n > 1:
        if _forked_after_threads:
            if n_jobs is not None and n_jobs != -1 and not _fork_noted:
                _fork_noted = True
                warnings.warn(
                    f"n_jobs={n_jobs}: this process was forked after its parent used "
                    "OpenMP threads, which cannot be started again here; deepbiop runs "
                    "on one thread in this process (use the 'spawn' or 'forkserver' "
                    "start method to get threads in children)",
                    RuntimeWarning,
                    stacklevel=3,
                )
            return 1
        _asked_threads = True
    return n


def _simd_isa() -> str:
    from deepbiop._kernels import _integer

    isa = _integer.simd_isa()
    if isa == "scalar" and os.environ.get("DEEPBIOP_DISABLE_SIMD", "") not in ("", "0"):
        return "scalar (DEEPBIOP_DISABLE_SIMD is set)"
    return isa


def show_config(file=None) -> None:
    """Print the deepbiop version, whether OpenMP is on and the thread count.

    Examples
    --------
    >>> import deepbiop as dbp
    >>> dbp.show_config()  # doctest: +SKIP
    deepbiop 0.1.0
    python 3.11.7
    openmp: enabled
    threads (n_jobs=None): 2
    """
    file = file or sys.stdout
    lines = [
        f"deepbiop {__version__}",
        f"python {sys.version.split()[0]}",
        f"openmp: {'enabled' if openmp_enabled() else 'disabled (serial build)'}",
        f"threads (n_jobs=None): {effective_n_threads(None)}",
        f"bounds checks: {'on (debug build)' if _omp.boundscheck_enabled() else 'off'}",
        f"sanitizers: {'address,undefined' if _omp.sanitizer_enabled() else 'off'}",
        f"byte lookup: {_simd_isa()}",
        f"processors: {os.cpu_count()}",
        f"OMP_NUM_THREADS: {os.environ.get('OMP_NUM_THREADS', 'unset')}",
    ]
    print("\n".join(lines), file=file)
