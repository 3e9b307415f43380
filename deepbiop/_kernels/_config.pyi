"""Type stub for deepbiop._kernels._config (OpenMP and build facts)."""

def openmp_enabled() -> bool:
    """Return True if the kernels were compiled with OpenMP."""

def openmp_max_threads() -> int:
    """Threads an OpenMP region would use now (1 in a serial build)."""

def openmp_num_procs() -> int:
    """Processors the OpenMP runtime sees (1 in a serial build)."""

def boundscheck_enabled() -> bool:
    """Return True for a debug build (DEEPBIOP_CYTHON_DEBUG=1: bounds checks on)."""

def sanitizer_enabled() -> bool:
    """Return True for a sanitizer build (DEEPBIOP_SANITIZE=1: ASan and UBSan)."""
