"""Build the deepbiop Cython kernels.

Everything about the package except its compiled extensions lives in
``pyproject.toml``. This file holds:

* ``KERNELS``: the table of extension modules (one ``.pyx`` per encoder family);
* the global Cython directives (bounds checks off; ``DEEPBIOP_CYTHON_DEBUG=1``
  rebuilds with bounds, wraparound and initialisation checks on);
* an OpenMP compile-and-run probe. Where OpenMP is missing (or
  ``DEEPBIOP_DISABLE_OPENMP=1``) the kernels build serially and one warning says so.
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

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

HERE = Path(__file__).parent.resolve()
KERNEL_DIR = "deepbiop/_kernels"

# name of the module (under deepbiop._kernels) -> needs OpenMP
KERNELS = {
    "_config": True,
    "_pack": False,
    "_onehot": True,
    "_integer": True,
    "_kmer": True,
    "_kmer_sparse": True,
    "_tokens": True,
    "_augment": True,
}


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _openmp_flags() -> list[str]:
    """Return the OpenMP compile/link flags if a test program builds and runs."""
    if _truthy("DEEPBIOP_DISABLE_OPENMP"):
        warnings.warn(
            "deepbiop: DEEPBIOP_DISABLE_OPENMP is set; kernels are built serially.",
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
            out = subprocess.run(
                [str(exe)], check=True, capture_output=True, text=True, timeout=60
            )
            if out.stdout.strip() == "1":
                return flags
        except (OSError, subprocess.SubprocessError):
            pass
    warnings.warn(
        "deepbiop: the compiler cannot build OpenMP programs; kernels are built "
        "serially (single-threaded). Install an OpenMP runtime (e.g. libgomp) and "
        "rebuild for multi-threaded encoders.",
        stacklevel=1,
    )
    return []


def _extensions() -> list[Extension]:
    omp = _openmp_flags()
    debug = _truthy("DEEPBIOP_CYTHON_DEBUG")
    macros = [
        ("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION"),
        ("DEEPBIOP_OPENMP", "1" if omp else "0"),
        ("DEEPBIOP_BOUNDSCHECK", "1" if debug else "0"),
    ]
    extra_compile = ["-O3"] if sys.platform != "win32" else []
    if debug and sys.platform != "win32":
        extra_compile = ["-O1", "-g"]
    exts = []
    for name, wants_omp in KERNELS.items():
        flags = omp if wants_omp else []
        exts.append(
            Extension(
                f"deepbiop._kernels.{name}",
                [f"{KERNEL_DIR}/{name}.pyx"],
                include_dirs=[np.get_include(), KERNEL_DIR],
                # shared headers: a change to one rebuilds every kernel
                depends=sorted(glob.glob(f"{KERNEL_DIR}/*.h") + glob.glob(f"{KERNEL_DIR}/*.pxd")),
                define_macros=macros,
                extra_compile_args=extra_compile + flags,
                extra_link_args=flags,
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
