"""Threading configuration and ``show_config``."""

from __future__ import annotations

import os
import sys
from numbers import Integral

from deepbiop._kernels import _config as _omp
from deepbiop._kernels import _pool
from deepbiop._version import __version__

__all__ = ["show_config", "effective_n_threads", "openmp_enabled", "threads_enabled"]


def openmp_enabled() -> bool:
    """True when deepbiop links an OpenMP runtime, whose thread limit
    (``OMP_NUM_THREADS``, threadpoolctl) it then honours. The kernels
    themselves run on deepbiop's thread pool (see :func:`threads_enabled`)."""
    return _omp.openmp_enabled()


def threads_enabled() -> bool:
    """True when the kernels can run on several threads (deepbiop's thread
    pool was built; ``DEEPBIOP_DISABLE_THREADS=1`` builds without it)."""
    return _pool.pool_enabled()


# Threads: every kernel runs on deepbiop's own work-claiming pool
# (deepbiop/_kernels/_pool_impl.h), not on OpenMP's fork-join teams. The
# calling thread claims chunks itself and never waits for a helper the OS has
# not scheduled yet, so a call on a busy machine costs about what one thread
# would; and a forked child (multiprocessing, Linux DataLoader workers) starts
# fresh helpers instead of hanging in libgomp's dead pool. OpenMP, when linked,
# is only asked for the thread limit users set for it (OMP_NUM_THREADS,
# threadpoolctl), so those settings keep working.


def _limit_from_environment() -> int:
    """Threads allowed when no OpenMP runtime can be asked: OMP_NUM_THREADS
    (its first value) if set, else the processors this process may run on."""
    raw = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _framework_limit() -> int | None:
    """1 inside a torch DataLoader worker, or when torch has been limited to
    one thread (DataLoader workers, ``torch.set_num_threads(1)``); else None.
    Only looks at torch if it is already imported."""
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    try:
        data = sys.modules.get("torch.utils.data")
        if data is not None and data.get_worker_info() is not None:
            return 1
        if torch.get_num_threads() == 1:
            return 1
    except Exception:  # noqa: BLE001 - a partly imported or unusual torch: no opinion
        return None
    return None


def _default_threads() -> int:
    """Threads for ``n_jobs=None``."""
    limit = _framework_limit()
    if limit is not None:
        return limit
    if _omp.openmp_enabled():
        return max(1, _omp.openmp_max_threads())
    return max(1, _limit_from_environment())


def _processors() -> int:
    if _omp.openmp_enabled():
        return max(1, _omp.openmp_num_procs())
    return max(1, os.cpu_count() or 1)


def effective_n_threads(n_jobs: int | None) -> int:
    """Threads a kernel call will use for ``n_jobs``.

    ``None`` (the default) means the thread limit in force for this process:

    * 1 inside a PyTorch DataLoader worker, or when torch is imported and
      limited to one thread (``torch.set_num_threads(1)``), as PyTorch itself
      does in its workers;
    * else the OpenMP limit, which honours ``OMP_NUM_THREADS`` (joblib/loky
      workers set it) and ``threadpoolctl.threadpool_limits``;
    * else (a build without OpenMP) ``OMP_NUM_THREADS`` or the processors
      this process may run on.

    A positive value is taken as is, up to ``max(64, 4 x processors)``; ``-1``
    means all processors, ``-2`` all but one, and so on (the scikit-learn
    convention). A build without the thread pool always uses 1. A process
    forked after its parent used threads gets threads too: the pool starts
    fresh helpers in the child.

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
    if not _pool.pool_enabled():
        return 1
    if n_jobs is None:
        return _default_threads()
    if n_jobs < 0:
        return max(1, _processors() + 1 + max(n_jobs, -(2**20)))
    return min(n_jobs, max(64, 4 * _processors()))


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
    >>> dbp.show_config()  # doctest: +ELLIPSIS
    deepbiop ...
    python ...
    thread pool: ...
    openmp: ...
    threads (n_jobs=None): ...
    bounds checks: ...
    sanitizers: ...
    byte lookup: ...
    processors: ...
    OMP_NUM_THREADS: ...
    """
    file = file or sys.stdout
    lines = [
        f"deepbiop {__version__}",
        f"python {sys.version.split()[0]}",
        f"thread pool: {'enabled' if threads_enabled() else 'disabled (serial build)'}",
        f"openmp: {'enabled (thread limit)' if openmp_enabled() else 'disabled'}",
        f"threads (n_jobs=None): {effective_n_threads(None)}",
        f"bounds checks: {'on (debug build)' if _omp.boundscheck_enabled() else 'off'}",
        f"sanitizers: {'address,undefined' if _omp.sanitizer_enabled() else 'off'}",
        f"byte lookup: {_simd_isa()}",
        f"processors: {os.cpu_count()}",
        f"OMP_NUM_THREADS: {os.environ.get('OMP_NUM_THREADS', 'unset')}",
    ]
    print("\n".join(lines), file=file)
