"""Build the deepbiop Cython kernels.

Everything about the package except its compiled extensions lives in
``pyproject.toml``. This file holds:

* ``KERNELS``: the table of extension modules (one ``.pyx`` per encoder family);
* the global Cython directives (bounds checks off; ``DEEPBIOP_CYTHON_DEBUG=1``
  rebuilds with bounds, wraparound and initialisation checks on);
* ``DEEPBIOP_SANITIZE=1``: the most checking build, for CI and for chasing
  memory errors. Every kernel is compiled and linked with
  ``-fsanitize=address,undefined -fno-omit-frame-pointer -g -O1`` (plus
  ``-fno-wrapv -fsanitize=float-cast-overflow``) and the Cython checks of
  ``DEEPBIOP_CYTHON_DEBUG=1`` are on as well. Such a build
  only imports into an interpreter with the ASan runtime preloaded: run it
  through ``.ci/sanitize.sh`` (which sets ``LD_PRELOAD`` and the sanitizer
  options), and rebuild without the switch afterwards;
* an OpenMP compile-and-run probe. OpenMP is linked (by ``_config`` only) to
  read the thread limit users set for it; where it is missing (or
  ``DEEPBIOP_DISABLE_OPENMP=1``) one warning says so and the thread pool takes
  its limit from ``OMP_NUM_THREADS`` or the processors;
* ``DEEPBIOP_DISABLE_THREADS=1``: the kernels build without deepbiop's thread
  pool and run on the calling thread.
"""

from __future__ import annotations

import glob
import os
import shlex
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import warnings
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

HERE = Path(__file__).parent.resolve()
KERNEL_DIR = "deepbiop/_kernels"

# name of the module (under deepbiop._kernels) -> links OpenMP. The kernels
# run on deepbiop's own thread pool (_pool); OpenMP is linked only by _config,
# to read the thread limit (OMP_NUM_THREADS, threadpoolctl) users set for it.
KERNELS = {
    "_config": True,
    "_pool": False,
    "_pack": False,
    "_onehot": False,
    "_integer": False,
    "_kmer": False,
    "_kmer_sparse": False,
    "_spectrum": False,
    "_spectrum_text": False,
    "_tokens": False,
    "_augment": False,
}


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _openmp_flags() -> list[str]:
    """Return the OpenMP compile/link flags if a test program builds and runs."""
    if _truthy("DEEPBIOP_DISABLE_OPENMP"):
        warnings.warn(
            "deepbiop: DEEPBIOP_DISABLE_OPENMP is set; built without OpenMP (the thread "
            "pool takes its limit from OMP_NUM_THREADS or the processors).",
            stacklevel=1,
        )
        return []
    flags = ["/openmp"] if sys.platform == "win32" else ["-fopenmp"]
    cc = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    program = textwrap.dedent(
        """
        #include <omp.h>
        #include <stdio.h>
        int main(void) {
            int n = 0;
            #pragma omp parallel reduction(+:n)
            n += 1;
            printf("%d", n > 0 && omp_get_max_threads() > 0);
            return 0;
        }
        """
    )
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "probe.c"
        exe = Path(tmp) / "probe"
        src.write_text(program)
        try:
            subprocess.run(
                [*cc, *flags, str(src), "-o", str(exe)],
                check=True,
                capture_output=True,
                timeout=60,
            )
            out = subprocess.run([str(exe)], check=True, capture_output=True, text=True, timeout=60)
            if out.stdout.strip() == "1":
                return flags
        except (OSError, subprocess.SubprocessError):
            pass
    warnings.warn(
        "deepbiop: the compiler cannot build OpenMP programs; deepbiop's thread pool "
        "will take its limit from OMP_NUM_THREADS or the processors (install an "
        "OpenMP runtime, e.g. libgomp, for threadpoolctl to limit it).",
        stacklevel=1,
    )
    return []


# DEEPBIOP_SANITIZE=1: AddressSanitizer (out-of-bounds and use-after-free
# reads and writes, also from the pool's threads) and UndefinedBehaviorSanitizer.
# -O1 keeps the reports' stacks close to the source; no frame-pointer
# omission so that ASan's fast unwinder gets every frame. The same flags go to
# the linker, which makes each kernel depend on libasan/libubsan; gcc links
# them as shared libraries, which is why the (uninstrumented) interpreter must
# preload libasan (see .ci/sanitize.sh).
SANITIZE_FLAGS = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-g", "-O1"]
# Two checks beyond -fsanitize=undefined. CPython compiles extensions with
# -fwrapv, which defines signed overflow (so UBSan cannot see it); in index
# arithmetic a wrapped value is a bug all the same, so the sanitizer build
# turns it off (the last -f(no-)wrapv wins). float-cast-overflow: a double
# cast to an integer type that cannot hold it (a pad value, say).
SANITIZE_EXTRA = ["-fno-wrapv", "-fsanitize=float-cast-overflow"]


def _extensions() -> list[Extension]:
    omp = _openmp_flags()
    sanitize = _truthy("DEEPBIOP_SANITIZE")
    if sanitize and sys.platform == "win32":
        raise SystemExit("deepbiop: DEEPBIOP_SANITIZE=1 needs gcc or clang (not MSVC)")
    # A sanitizer build is also a debug build: Cython's own bounds checks turn
    # an out-of-range memoryview index into an IndexError before ASan would
    # ever see it, ASan catches the raw pointer arithmetic Cython cannot check.
    debug = _truthy("DEEPBIOP_CYTHON_DEBUG") or sanitize
    macros = [
        ("DEEPBIOP_OPENMP", "1" if omp else "0"),
        ("DEEPBIOP_BOUNDSCHECK", "1" if debug else "0"),
        ("DEEPBIOP_SANITIZE", "1" if sanitize else "0"),
    ]
    if _truthy("DEEPBIOP_DISABLE_THREADS"):
        warnings.warn(
            "deepbiop: DEEPBIOP_DISABLE_THREADS is set; the kernels run on "
            "one thread (no thread pool).",
            stacklevel=1,
        )
        macros.append(("DEEPBIOP_NO_POOL", "1"))
    pthread = [] if sys.platform == "win32" else ["-pthread"]
    extra_compile = ["-O3"] if sys.platform != "win32" else []
    extra_link: list[str] = []
    if debug and sys.platform != "win32":
        extra_compile = ["-O1", "-g"]
    if sanitize:
        extra_compile = SANITIZE_FLAGS + SANITIZE_EXTRA
        extra_link = SANITIZE_FLAGS + SANITIZE_EXTRA
    exts = []
    for name, wants_omp in KERNELS.items():
        flags = omp if wants_omp else []
        exts.append(
            Extension(
                f"deepbiop._kernels.{name}",
                [f"{KERNEL_DIR}/{name}.pyx"],
                # no kernel cimports numpy (they take typed memoryviews), so
                # numpy's headers are not on the include path
                include_dirs=[KERNEL_DIR],
                # shared headers: a change to one rebuilds every kernel
                depends=sorted(glob.glob(f"{KERNEL_DIR}/*.h") + glob.glob(f"{KERNEL_DIR}/*.pxd")),
                define_macros=macros,
                extra_compile_args=extra_compile + flags + pthread,
                extra_link_args=extra_link + flags + pthread,
            )
        )
    directives = {
        "language_level": 3,
        "boundscheck": debug,
        "wraparound": debug,
        "initializedcheck": debug,
        "cdivision": True,
        "embedsignature": True,
    }
    return cythonize(
        exts,
        compiler_directives=directives,
        # A debug build must never reuse C files generated without checks.
        force=debug or _truthy("DEEPBIOP_FORCE_CYTHONIZE"),
    )


setup(ext_modules=_extensions())
