"""The package as it is shipped: pyproject.toml's metadata and extras, the kernel
table, the source distribution's contents, the build's reuse rule, and the
installed package as a type checker sees it from a user's script."""

from __future__ import annotations

import ast
import os
import re
import runpy
import shutil
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import deepbiop

if sys.version_info >= (3, 11):
    import tomllib
else:  # the test extra installs tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
KERNELS = ROOT / "deepbiop" / "_kernels"
# the extras that install development tools, pinned where CI needs them reproducible;
# every other extra is for users and takes ranges (a user's own torch is never replaced)
TOOL_EXTRAS = {"test", "bench", "lint", "docs", "release", "dev"}

if not (ROOT / "pyproject.toml").is_file():
    pytest.skip("pyproject.toml not beside the tests (not a source tree)", allow_module_level=True)


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _setup_kernels() -> dict[str, bool]:
    """KERNELS from setup.py, read without running it."""
    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "KERNELS" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError("setup.py defines no KERNELS table")


def _setup_module() -> dict:
    """setup.py's functions, without calling setup() (it runs under __main__ only)."""
    return runpy.run_path(str(ROOT / "setup.py"), run_name="deepbiop_setup")


# ------------------------------------------------------------------ extras


def test_user_facing_extras_take_ranges():
    extras = _pyproject()["project"]["optional-dependencies"]
    assert {"torch", "hf", "io", "cli", "dask"} <= set(extras)
    pinned = []
    for extra, requirements in extras.items():
        if extra in TOOL_EXTRAS:
            continue
        for line in requirements:
            req = Requirement(line)
            if any(spec.operator in ("==", "===") for spec in req.specifier):
                pinned.append(f"[{extra}] {line}")
    assert not pinned, "user-facing extras must take ranges, not pins:\n" + "\n".join(pinned)


def test_torch_range_in_user_extras_admits_the_pinned_test_build():
    extras = _pyproject()["project"]["optional-dependencies"]
    pins = {
        str(s.version)
        for line in extras["test"] + extras["bench"]
        if (req := Requirement(line)).name == "torch"
        for s in req.specifier
        if s.operator == "=="
    }
    assert len(pins) == 1, f"test and bench pin one torch build, got {pins}"
    (pin,) = pins
    for extra in ("torch", "hf"):
        (torch_req,) = [Requirement(x) for x in extras[extra] if Requirement(x).name == "torch"]
        assert torch_req.specifier.contains(pin), f"[{extra}] {torch_req} excludes torch {pin}"


def test_dev_extra_is_the_tool_extras():
    extras = _pyproject()["project"]["optional-dependencies"]
    (dev,) = extras["dev"]
    assert set(Requirement(dev).extras) == TOOL_EXTRAS - {"dev"}


def test_type_checker_is_a_test_requirement():
    extras = _pyproject()["project"]["optional-dependencies"]
    assert "mypy" in {Requirement(x).name for x in extras["test"]}


# ------------------------------------------------------------------ kernels


def test_every_kernel_has_pyx_stub_and_table_row():
    pyx = {p.stem for p in KERNELS.glob("*.pyx")}
    pyi = {p.stem for p in KERNELS.glob("*.pyi")}
    table = set(_setup_kernels())
    assert pyx == table, f"setup.py KERNELS and the .pyx files differ: {sorted(pyx ^ table)}"
    assert pyx <= pyi, f"kernels without a .pyi stub: {sorted(pyx - pyi)}"
    assert pyi <= pyx, f"stubs without a kernel: {sorted(pyi - pyx)}"


def test_compiled_kernels_are_the_table():
    built = {p.name.split(".")[0] for p in KERNELS.iterdir() if p.suffix in (".so", ".pyd")}
    if not built:
        pytest.skip("no compiled kernels in the source tree (installed as a wheel)")
    table = set(_setup_kernels())
    assert built <= table, f"compiled modules with no row in KERNELS: {sorted(built - table)}"


def test_openmp_only_where_the_table_says():
    kernels = _setup_kernels()
    assert [name for name, omp in kernels.items() if omp] == ["_config"]


# ------------------------------------------------------------------ metadata


def test_version_is_defined_once():
    project = _pyproject()
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    attr = project["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "deepbiop._version.__version__"
    version = deepbiop.__version__
    pattern = re.compile(rf"(?<![\w.]){re.escape(version)}(?![\w])")
    allowed = {ROOT / "deepbiop" / "_version.py", ROOT / "CHANGELOG.md"}
    found = []
    for path in _text_files():
        if path in allowed:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not found, f"version {version} written outside _version.py:\n" + "\n".join(found)


def _text_files() -> list[Path]:
    """The project's own text files (no build products, caches or VCS data)."""
    skip_dirs = {".git", "build", "dist", ".hypothesis", ".pytest_cache", ".mypy_cache", "_build"}
    skip_dirs |= {"auto_examples", "generated", ".venv", "venv"}
    out = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [
            d
            for d in dirnames
            if d not in skip_dirs and not d.endswith(".egg-info") and d != "__pycache__"
        ]
        for name in filenames:
            suffixes = (".py", ".pyx", ".pxd", ".pyi", ".toml", ".cfg", ".md", ".rst", ".in")
            if name.endswith(suffixes) or (Path(dirpath).name == ".ci"):
                out.append(Path(dirpath, name))
    return out


def test_changelog_has_the_current_version():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(
        rf"^## \[{re.escape(deepbiop.__version__)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.M
    )
    assert "## [Unreleased]" in text


def test_project_urls_share_one_repository():
    urls = _pyproject()["project"]["urls"]
    assert {"Homepage", "Documentation", "Source", "Issues", "Changelog"} <= set(urls)
    repo = urls["Source"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", repo), repo
    different = {
        k: v for k, v in urls.items() if not (v == repo or v.startswith((repo + "/", repo + "#")))
    }
    assert not different, f"URLs not under the Source repository {repo}: {different}"
    changelog_links = re.findall(r"^\[[^\]]+\]: (\S+)$", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert changelog_links and all(link.startswith(repo + "/") for link in changelog_links)


def test_license():
    project = _pyproject()["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert re.search(r"Copyright \(c\) \d{4} the deepbiop developers", text)


def test_wheels_ship_stubs_not_sources():
    setuptools_cfg = _pyproject()["tool"]["setuptools"]
    # include-package-data would put every file the sdist holds inside the package
    # (the .pyx, .pxd, .h and once the generated .c) into the wheel
    assert setuptools_cfg["include-package-data"] is False
    data = setuptools_cfg["package-data"]["deepbiop"]
    assert {"py.typed", "_kernels/*.pyi"} <= set(data)
    assert not [p for p in data if p.endswith((".c", ".pyx", ".pxd", ".h"))]


# ------------------------------------------------------------------ the sdist


def _sdist_expected() -> set[str]:
    """Files the sdist must hold: every tracked file (but .gitignore) when this is a
    git checkout, else the source files present."""
    try:
        out = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
        if out:
            return set(out) - {".gitignore"}
    except (OSError, subprocess.CalledProcessError):
        pass
    suffixes = (".py", ".pyx", ".pxd", ".h", ".pyi", ".md", ".toml")
    found = {
        str(p.relative_to(ROOT)).replace(os.sep, "/")
        for p in ROOT.rglob("*")
        if p.is_file()
        and p.suffix in suffixes
        and not {"build", "dist", "__pycache__"} & set(p.relative_to(ROOT).parts)
    }
    return found | {"LICENSE", "MANIFEST.in", "deepbiop/py.typed", ".ci/run"}


def test_sdist_holds_the_sources_and_no_generated_c(tmp_path):
    import setuptools

    if tuple(int(x) for x in setuptools.__version__.split(".")[:2]) < (77, 0):
        pytest.skip(f"setuptools {setuptools.__version__} < 77 cannot read this pyproject.toml")
    # a copy, so that the egg-info the build writes stays out of the checkout
    src = tmp_path / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".git",
            "build",
            "dist",
            "*.egg-info",
            "__pycache__",
            "*.so",
            "*.pyd",
            ".*_cache",
            ".hypothesis",
            ".venv",
            "venv",
        ),
    )
    out = tmp_path / "dist"
    out.mkdir()
    build = subprocess.run(
        [
            sys.executable,
            "-c",
            f"from setuptools import build_meta; build_meta.build_sdist({str(out)!r})",
        ],
        cwd=src,
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    (sdist,) = out.glob("deepbiop-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile()}
        pkg_info = tar.extractfile(f"{sdist.name[: -len('.tar.gz')]}/PKG-INFO").read().decode()
    missing = _sdist_expected() - names
    assert not missing, f"files left out of the sdist: {sorted(missing)}"
    built = sorted(n for n in names if n.endswith((".c", ".so", ".pyd", ".o", ".pyc")))
    assert not built, f"build products in the sdist: {built}"
    for pyx in KERNELS.glob("*.pyx"):
        assert f"deepbiop/_kernels/{pyx.name}" in names
    assert "License-Expression: MIT" in pkg_info
    assert "License-File: LICENSE" in pkg_info
    assert f"Version: {deepbiop.__version__}" in pkg_info


# ------------------------------------------------------------------ build reuse


def test_generated_c_is_reused_only_when_current(tmp_path):
    setup = _setup_module()
    c_is_current = setup["_c_is_current"]
    pyx = tmp_path / "k.pyx"
    pxd = tmp_path / "shared.pxd"
    c_file = tmp_path / "k.c"
    pyx.write_text("# source\n")
    pxd.write_text("# header\n")
    key = "0123456789abcdef"
    c_file.write_text(
        "/* Generated by Cython 9.9.9 */\n\n/* BEGIN: Cython Metadata\n"
        f'{{"distutils": {{"define_macros": [["DEEPBIOP_BUILD_KEY", "{key}"]]}}}}\n'
        "END: Cython Metadata */\nint x;\n"
    )
    os.utime(pyx, (1_000, 1_000))
    os.utime(pxd, (1_000, 1_000))
    os.utime(c_file, (2_000, 2_000))
    sources = [str(pyx), str(pxd)]
    assert c_is_current(str(c_file), sources, "9.9.9", key)
    assert not c_is_current(str(c_file), sources, "9.9.10", key), "another Cython"
    assert not c_is_current(str(c_file), sources, "9.9.9", "fedcba9876543210"), "other flags"
    assert not c_is_current(str(tmp_path / "absent.c"), sources, "9.9.9", key)
    os.utime(pxd, (3_000, 3_000))
    assert not c_is_current(str(c_file), sources, "9.9.9", key), "a header changed"


def test_build_key_follows_the_build_settings():
    from setuptools import Extension

    setup = _setup_module()
    build_key = setup["_build_key"]

    def ext(macros=(("DEEPBIOP_BOUNDSCHECK", "0"),), compile_args=("-O3",), link_args=()):
        return Extension(
            "m",
            ["m.pyx"],
            define_macros=list(macros),
            extra_compile_args=list(compile_args),
            extra_link_args=list(link_args),
        )

    directives = {"boundscheck": False}
    base = build_key("3.1", directives, ext())
    assert base == build_key("3.1", directives, ext())
    assert base == build_key(
        "3.1", directives, ext(macros=[*ext().define_macros, ("DEEPBIOP_BUILD_KEY", "x")])
    )
    assert base != build_key("3.2", directives, ext())
    assert base != build_key("3.1", {"boundscheck": True}, ext())
    assert base != build_key("3.1", directives, ext(macros=[("DEEPBIOP_BOUNDSCHECK", "1")]))
    assert base != build_key("3.1", directives, ext(compile_args=["-O1", "-g"]))
    assert base != build_key("3.1", directives, ext(link_args=["-fopenmp"]))


def test_release_builds_carry_no_debug_information():
    compile_args, link_args = _setup_module()["_release_flags"]()
    if sys.platform == "win32":
        assert not any(a.upper() in ("/ZI", "/Z7", "/DEBUG") for a in compile_args + link_args)
        return
    assert "-g0" in compile_args and "-g" not in compile_args
    if sys.platform.startswith("linux"):
        assert "-Wl,--strip-debug" in link_args


# ------------------------------------------------------------------ type checkers


@pytest.mark.slow
def test_mypy_finds_the_installed_package_and_its_types(tmp_path):
    pytest.importorskip("mypy")
    script = tmp_path / "user_script.py"
    script.write_text(
        textwrap.dedent(
            """
            import numpy as np
            import deepbiop as dbp

            X = dbp.OneHotEncoder("dna").encode_batch(["ACGT"])
            reveal_type(X)
            reveal_type(dbp.__version__)
            reveal_type(dbp.KmerEncoder(k=3))
            y: np.ndarray = dbp.IntegerEncoder("dna").encode("ACGT")
            bad: int = dbp.OneHotEncoder("dna").encode("ACGT")
            """
        )
    )
    # from outside the source tree, with nothing but the installation to find deepbiop by
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MYPYPATH")}
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--no-error-summary", script.name],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = result.stdout + result.stderr
    assert "Cannot find implementation or library stub" not in out, out
    assert "module is installed, but missing library stubs or py.typed marker" not in out, out
    assert re.search(r'Revealed type is "numpy\.ndarray\[', out), out
    assert re.search(r'Revealed type is "(builtins\.)?str"', out), out
    assert 'Revealed type is "deepbiop.encoders.kmer.KmerEncoder"' in out, out
    # the deliberate mistake is found: deepbiop's annotations are in force, not Any
    assert re.search(r"user_script\.py:10: error: Incompatible types in assignment", out), out
    assert out.count(": error:") == 1, out
