"""Build the deepbiop Cython kernels.

Everything about the package except its compiled extensions lives in
``pyproject.toml``. This file holds:

* ``KERNELS``: the table of extension modules (one ``.pyx`` per encoder family);
* ``BuildKernels``, the ``build_ext`` command. It picks the flags when the
  kernels are built (not when ``setup.py`` is read, so making an sdist needs
  neither Cython nor a compiler), Cython-compiles the kernels whose generated
  C is out of date, and compiles those whose module is out of date, one job
  per processor (``DEEPBIOP_BUILD_JOBS=N`` or ``build_ext -j N`` to change
  that), logging each kernel as it goes (``pip install -v`` shows it);
* reuse: a second ``pip install -e .`` with nothing changed compiles nothing.
  Generated C is reused when Cython of the same version wrote it for the same
  build configuration (a digest of the Cython version, directives, macros and
  flags goes into the C file as the macro ``DEEPBIOP_BUILD_KEY``) and it is
  newer than its ``.pyx`` and every shared ``.pxd``/``.h``. Cython's own check
  would also compare it with Cython's bundled ``.pxd`` files, which pip's
  isolated build environment installs afresh each time; and an editable
  install compiles into a temporary directory, so a module up to date in the
  source tree is reused from there instead. A changed setting (debug,
  sanitizer, no OpenMP, no thread pool) changes the digest and rebuilds;
  ``DEEPBIOP_FORCE_CYTHONIZE=1`` or ``build_ext --force`` rebuild everything;
* release builds carry no debug information (``-g0``; on Linux and other ELF
  platforms also ``-Wl,--strip-debug``, which keeps the symbol table for
  profilers): it was three quarters of the wheel;
* the global Cython directives (bounds checks off; ``DEEPBIOP_CYTHON_DEBUG=1``
  rebuilds with bounds, wraparound and initialisation checks on, ``-O1 -g``);
* ``DEEPBIOP_SANITIZE=1``: the most checking build, for CI and for chasing
  memory errors. Every kernel is compiled and linked with
  ``-fsanitize=address,undefined -fno-omit-frame-pointer -g -O1`` (plus
  ``-fno-wrapv -fsanitize=float-cast-overflow``) and the Cython checks of
  ``DEEPBIOP_CYTHON_DEBUG=1`` are on as well. Such a build
  only imports into an interpreter with the ASan runtime preloaded: run it
  through ``.ci/sanitize.sh`` (which sets ``LD_PRELOAD`` and the sanitizer
  options), and rebuild without the switch afterwards;
* an OpenMP compile-and-run probe, made with the compiler and flags
  (``CC``, ``CFLAGS``, ``CPPFLAGS``, ``LDFLAGS``) that build the kernels:
  ``-fopenmp`` (gcc, clang), ``/openmp`` (MSVC), and on macOS Apple clang's
  ``-Xpreprocessor -fopenmp -lomp`` (a libomp, e.g. Homebrew's, on the
  include and library paths). OpenMP is linked (by ``_config`` only) to
  read the thread limit users set for it; where it is missing (or
  ``DEEPBIOP_DISABLE_OPENMP=1``) one warning says so and the thread pool takes
  its limit from ``OMP_NUM_THREADS`` or the processors;
* ``DEEPBIOP_DISABLE_THREADS=1``: the kernels build without deepbiop's thread
  pool and run on the calling thread.
"""

from __future__ import annotations

import glob
import hashlib
import json
import logging
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import warnings
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

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

# shared headers and Cython includes: a change to one rebuilds every kernel
DEPENDS = sorted(
    glob.glob(f"{KERNEL_DIR}/*.h")
    + glob.glob(f"{KERNEL_DIR}/*.pxd")
    + glob.glob(f"{KERNEL_DIR}/*.pxi")
)

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

OPENMP_PROBE = textwrap.dedent(
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


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _kernel_extensions() -> list[Extension]:
    """The kernels as declared: sources and headers (flags come at build time)."""
    return [
        Extension(
            f"deepbiop._kernels.{name}",
            [f"{KERNEL_DIR}/{name}.pyx"],
            # no kernel cimports numpy (they take typed memoryviews), so
            # numpy's headers are not on the include path
            include_dirs=[KERNEL_DIR],
            depends=DEPENDS,
        )
        for name in KERNELS
    ]


def _openmp_candidates() -> list[tuple[list[str], list[str]]]:
    """(compile flags, link flags) to try, in order, for this platform."""
    if sys.platform == "win32":
        return [(["/openmp"], [])]
    candidates = [(["-fopenmp"], ["-fopenmp"])]
    if sys.platform == "darwin":
        # Apple clang has no -fopenmp driver flag: the preprocessor takes it
        # and libomp (Homebrew's, say, on CPPFLAGS / LDFLAGS) is linked by hand
        candidates.append((["-Xpreprocessor", "-fopenmp"], ["-lomp"]))
    return candidates


def _probe_openmp(compiler, compile_flags: list[str], link_flags: list[str]) -> bool:
    """Whether a program using OpenMP compiles, links and runs with these flags."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "omp_probe.c")
        Path(src).write_text(OPENMP_PROBE)
        # customize_compiler() gives the compiler CFLAGS/CPPFLAGS but gives
        # LDFLAGS only to the shared-library linker: pass it to the executable
        ldflags = shlex.split(os.environ.get("LDFLAGS", ""))
        try:
            with open(os.devnull, "w") as quiet:
                # the compiler's own output (an unsupported flag, a missing
                # omp.h) would read like a build error; the warning says it
                saved = os.dup(2)
                os.dup2(quiet.fileno(), 2)
                try:
                    objects = compiler.compile([src], output_dir=tmp, extra_postargs=compile_flags)
                    compiler.link_executable(
                        objects, "omp_probe", output_dir=tmp, extra_postargs=link_flags + ldflags
                    )
                finally:
                    os.dup2(saved, 2)
                    os.close(saved)
            exe = os.path.join(tmp, "omp_probe" + (compiler.exe_extension or ""))
            out = subprocess.run([exe], check=True, capture_output=True, text=True, timeout=60)
        except Exception:  # noqa: BLE001 - any failure means "no usable OpenMP"
            return False
        return out.stdout.strip() == "1"


def _openmp_flags(compiler) -> tuple[list[str], list[str]]:
    """The OpenMP (compile, link) flags of the first candidate whose probe runs."""
    if _truthy("DEEPBIOP_DISABLE_OPENMP"):
        warnings.warn(
            "deepbiop: DEEPBIOP_DISABLE_OPENMP is set; built without OpenMP (the thread "
            "pool takes its limit from OMP_NUM_THREADS or the processors).",
            stacklevel=1,
        )
        return [], []
    for compile_flags, link_flags in _openmp_candidates():
        if _probe_openmp(compiler, compile_flags, link_flags):
            return compile_flags, link_flags
    warnings.warn(
        "deepbiop: the compiler cannot build OpenMP programs; deepbiop's thread pool "
        "will take its limit from OMP_NUM_THREADS or the processors (install an "
        "OpenMP runtime, e.g. libgomp, or libomp on macOS, for threadpoolctl to limit it).",
        stacklevel=1,
    )
    return [], []


def _release_flags() -> tuple[list[str], list[str]]:
    """(compile, link) flags of a release build: optimised, no debug information.

    ``-g0`` comes after Python's own CFLAGS (which often hold ``-g``) and wins;
    ``--strip-debug`` also drops debug sections that objects or static
    libraries might bring, and keeps the symbol table. MSVC builds carry no
    debug information unless asked to; on macOS it stays in the object files,
    so ``-g0`` is all the linker needs.
    """
    if sys.platform == "win32":
        return [], []
    if sys.platform == "darwin":
        return ["-O3", "-g0"], []
    return ["-O3", "-g0"], ["-Wl,--strip-debug"]


def _build_jobs() -> int:
    """Parallel compile jobs: DEEPBIOP_BUILD_JOBS, else the usable processors."""
    env = os.environ.get("DEEPBIOP_BUILD_JOBS", "").strip()
    if env:
        return max(1, int(env))
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, len(KERNELS)))


def _build_key(cython_version: str, directives: dict, ext: Extension) -> str:
    """A digest of everything that goes into a kernel's generated C and module."""
    config = {
        "cython": cython_version,
        "directives": directives,
        "macros": [list(m) for m in ext.define_macros if m[0] != "DEEPBIOP_BUILD_KEY"],
        "compile": ext.extra_compile_args,
        "link": ext.extra_link_args,
    }
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]


def _c_is_current(c_file: str, sources: list[str], cython_version: str, key: str) -> bool:
    """Whether ``c_file`` is what Cython would generate now from ``sources``.

    True when it exists, Cython ``cython_version`` wrote it (its first line),
    it records the build key ``key`` (Cython copies the extension's macros
    into a metadata comment at the top) and it is newer than every source.
    """
    try:
        c_mtime = os.path.getmtime(c_file)
        with open(c_file, encoding="utf-8", errors="replace") as f:
            head = f.read(16384)
    except OSError:
        return False
    first_line = head.partition("\n")[0].strip()
    if first_line != f"/* Generated by Cython {cython_version} */":
        return False
    metadata = head.partition("END: Cython Metadata")[0]
    if not metadata or f'"{key}"' not in metadata:
        return False
    return all(os.path.getmtime(s) <= c_mtime for s in sources)


class BuildKernels(build_ext):
    """``build_ext`` for the kernels: flags, Cython when needed, parallel compile."""

    def finalize_options(self) -> None:
        super().finalize_options()
        if not self.parallel:
            jobs = _build_jobs()
            self.parallel = jobs if jobs > 1 else None

    def run(self) -> None:
        # setuptools compiles an in-place (editable) build into build_lib and
        # copies the modules over afterwards: remember where they end up
        self._in_place = bool(self.inplace)
        self._reused: set[str] = set()
        started = time.monotonic()
        super().run()
        built = len(self.extensions) - len(self._reused)
        if built:
            self.announce(
                f"deepbiop: {built} kernel(s) compiled in {time.monotonic() - started:.0f} s",
                level=logging.INFO,
            )

    def _configure(self) -> None:
        """Set every kernel's macros and flags for this build's settings."""
        from Cython import __version__ as cython_version

        sanitize = _truthy("DEEPBIOP_SANITIZE")
        if sanitize and sys.platform == "win32":
            raise SystemExit("deepbiop: DEEPBIOP_SANITIZE=1 needs gcc or clang (not MSVC)")
        # A sanitizer build is also a debug build: Cython's own bounds checks turn
        # an out-of-range memoryview index into an IndexError before ASan would
        # ever see it, ASan catches the raw pointer arithmetic Cython cannot check.
        debug = _truthy("DEEPBIOP_CYTHON_DEBUG") or sanitize
        omp_compile, omp_link = _openmp_flags(self.compiler)
        macros = [
            ("DEEPBIOP_OPENMP", "1" if omp_compile else "0"),
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
        extra_compile, extra_link = _release_flags()
        if debug and sys.platform != "win32":
            extra_compile, extra_link = ["-O1", "-g"], []
        if sanitize:
            extra_compile = SANITIZE_FLAGS + SANITIZE_EXTRA
            extra_link = SANITIZE_FLAGS + SANITIZE_EXTRA
        self._directives = {
            "language_level": 3,
            "boundscheck": debug,
            "wraparound": debug,
            "initializedcheck": debug,
            "cdivision": True,
            "embedsignature": True,
        }
        self._cython_version = cython_version
        for ext in self.extensions:
            wants_omp = KERNELS[ext.name.rpartition(".")[2]]
            ext.define_macros = list(macros)
            ext.extra_compile_args = extra_compile + (omp_compile if wants_omp else []) + pthread
            ext.extra_link_args = extra_link + (omp_link if wants_omp else []) + pthread
            key = _build_key(cython_version, self._directives, ext)
            ext.define_macros.append(("DEEPBIOP_BUILD_KEY", key))

    def _cythonize(self) -> None:
        """Generate the C of the kernels whose C is not current; reuse the rest."""
        from Cython.Build import cythonize

        force = self.force or _truthy("DEEPBIOP_FORCE_CYTHONIZE")
        stale = []
        for ext in self.extensions:
            pyx = next((s for s in ext.sources if s.endswith(".pyx")), None)
            if pyx is None:  # already C (build_ext run twice in one process)
                continue
            c_file = pyx[: -len(".pyx")] + ".c"
            key = dict(ext.define_macros)["DEEPBIOP_BUILD_KEY"]
            sources = [pyx, *ext.depends]
            if not force and _c_is_current(c_file, sources, self._cython_version, key):
                ext.sources = [c_file if s == pyx else s for s in ext.sources]
            else:
                stale.append(ext)
        if stale:
            self.announce(
                f"deepbiop: generating C for {len(stale)} of {len(self.extensions)} kernels "
                f"with Cython {self._cython_version}",
                level=logging.INFO,
            )
            generated = cythonize(stale, compiler_directives=self._directives, force=True)
            by_name = {new.name: new for new in generated}
            for ext in stale:
                ext.sources = by_name[ext.name].sources

    def build_extensions(self) -> None:
        # here, not in run(): the probe needs the compiler run() sets up
        self._configure()
        self._cythonize()
        pending = [ext for ext in self.extensions if self._needs_compile(ext)]
        self._progress = iter(range(1, len(pending) + 1))
        self._progress_total = len(pending)
        self._progress_lock = threading.Lock()
        if pending:
            reused = len(self.extensions) - len(pending)
            self.announce(
                f"deepbiop: compiling {len(pending)} of {len(self.extensions)} kernels, "
                f"{self.parallel or 1} at a time"
                + (f"; {reused} up to date" if reused else "")
                + (" (a minute or more)" if len(pending) > 2 else ""),
                level=logging.INFO,
            )
        else:
            self.announce("deepbiop: every kernel is up to date", level=logging.INFO)
        super().build_extensions()

    def _in_place_module(self, ext: Extension) -> str:
        return str(HERE / self.get_ext_filename(ext.name))

    def _needs_compile(self, ext: Extension) -> bool:
        from setuptools.modified import newer_group

        if self.force:
            return True
        target = self.get_ext_fullpath(ext.name)
        if self._in_place and newer_group(
            ext.sources + ext.depends, self._in_place_module(ext), "newer"
        ):
            return True
        if self._in_place:
            return False
        return newer_group(ext.sources + ext.depends, target, "newer")

    def build_extension(self, ext: Extension) -> None:
        if not self._needs_compile(ext):
            if self._in_place:
                # the module in the source tree is current: hand it to the
                # build directory instead of compiling it again
                target = self.get_ext_fullpath(ext.name)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copy2(self._in_place_module(ext), target)
                self._reused.add(ext.name)
            else:
                super().build_extension(ext)  # distutils skips it as up to date
                self._reused.add(ext.name)
            return
        with self._progress_lock:
            n = next(self._progress)
        self.announce(
            f"deepbiop: [{n}/{self._progress_total}] compiling {ext.name}", level=logging.INFO
        )
        super().build_extension(ext)

    def copy_extensions_to_source(self) -> None:
        # a reused module already is the file in the source tree: rewriting it
        # would only disturb processes that have it loaded
        every = self.extensions
        self.extensions = [ext for ext in every if ext.name not in self._reused]
        try:
            super().copy_extensions_to_source()
        finally:
            self.extensions = every


if __name__ == "__main__":
    setup(ext_modules=_kernel_extensions(), cmdclass={"build_ext": BuildKernels})
