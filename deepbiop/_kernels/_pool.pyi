"""Type stub for deepbiop._kernels._pool (the thread pool every kernel runs on).

``parallel_for`` is a C-level function (cimported by the kernels); Python sees
only the facts, counters and the probe used by the tests below.
"""

import numpy as np

def pool_enabled() -> bool:
    """True when the kernels can run on several threads (the pool was built)."""

def pool_stats() -> dict[str, int]:
    """Counters of this process's pool: helpers, jobs, helper_chunks,
    serial_busy, serial_contended, penalty_ns."""

def probe(n: int, grain: int, n_threads: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Run a trivial body over ``n`` items: (values, workers, threads used)."""
