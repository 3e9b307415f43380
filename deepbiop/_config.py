"""Threading configuration and ``show_config``."""

from __future__ import annotations

import os
import sys
from numbers import Integral

from deepbiop._kernels import _config as _omp
from deepbiop._version import __version__

__all__ = ["show_config", "effective_n_threads", "openmp_enabled"]


def openmp_enabled() -> bool:
    """True when the kernels were compiled with OpenMP (multi-threaded)."""
    return _omp.openmp_enabled()


def effective_n_threads(n_jobs: int | None) -> int:
    """Threads a kernel call will use for ``n_jobs``.

    ``None`` means every thread OpenMP may use now, which honours
    ``OMP_NUM_THREADS`` and ``threadpoolctl.threadpool_limits``; a positive
    value is taken as is; ``-1`` means all processors, ``-2`` all but one, and
    so on (the scikit-learn convention). A serial build always uses 1.

    Raises
    ------
    ValueError
        For ``n_jobs == 0``.
    TypeError
        For a non-integer.
    """
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
        return max(1, _omp.openmp_max_threads())
    if n_jobs < 0:
        return max(1, _omp.openmp_num_procs() + 1 + n_jobs)
    return n_jobs


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
