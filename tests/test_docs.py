"""The API reference (docs/api/*.rst) lists every public name: each name in
the ``__all__`` of deepbiop and of its public modules is documented in an
``autosummary`` table or a ``.. data::`` entry, under that module or under
another name for the same object (``deepbiop.kmer_names`` documents
``deepbiop.kmers.kmer_names``). And every name listed resolves.

The Sphinx build (``python -m sphinx -W ...``, a step of ``.ci/run``) checks
that the pages render; this test, which needs no Sphinx, says which name a new
export forgot.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
API = ROOT / "docs" / "api"

# the modules whose __all__ is public API
PUBLIC_MODULES = [
    "deepbiop",
    "deepbiop.alphabets",
    "deepbiop.augment",
    "deepbiop.bpe",
    "deepbiop.dask",
    "deepbiop.datasets",
    "deepbiop.encoders",
    "deepbiop.file_encoding",
    "deepbiop.hf",
    "deepbiop.io",
    "deepbiop.kmers",
    "deepbiop.spectrum",
    "deepbiop.spectrum_disk",
    "deepbiop.torch",
    "deepbiop.transformer_utils",
    "deepbiop.vocabularies",
]
# exported, and documented otherwise: the version string (in the text of
# docs/api/deepbiop.rst) and the subpackages (a page each). deepbiop.cli is not
# here: the command line is documented by its --help text (docs/user_guide/cli.rst).
NOT_IN_TABLES = {"deepbiop.__version__", "deepbiop.io", "deepbiop.augment"}

_CURRENT = re.compile(r"^\.\. currentmodule:: (\S+)")
_DATA = re.compile(r"^\.\. data:: (\S+)")


def _documented() -> set[str]:
    """Full names of everything docs/api/*.rst lists."""
    names = set()
    for page in sorted(API.glob("*.rst")):
        lines = page.read_text(encoding="utf-8").splitlines()
        module = None
        i = 0
        while i < len(lines):
            line = lines[i]
            current = _CURRENT.match(line)
            if current:
                module = current.group(1)
            data = _DATA.match(line)
            if data:
                names.add(f"{module}.{data.group(1)}")
            if line.startswith(".. autosummary::"):
                i += 1
                # options (indented ':...'), then blank lines and indented entries
                while i < len(lines) and (not lines[i].strip() or lines[i].startswith("   ")):
                    entry = lines[i].strip()
                    if entry and not entry.startswith(":"):
                        names.add(f"{module}.{entry}")
                    i += 1
                continue
            i += 1
    return names


def _resolve(full_name: str):
    module, _, name = full_name.rpartition(".")
    return getattr(importlib.import_module(module), name)


def test_every_listed_name_resolves():
    documented = _documented()
    assert len(documented) > 50, documented
    missing = []
    for full in sorted(documented):
        try:
            _resolve(full)
        except (ImportError, AttributeError):
            missing.append(full)
    assert not missing, f"docs/api lists names that do not exist: {missing}"


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_every_public_name_is_documented(module):
    mod = importlib.import_module(module)
    documented_objects = {id(_resolve(full)) for full in _documented()}
    forgotten = [
        f"{module}.{name}"
        for name in mod.__all__
        if f"{module}.{name}" not in NOT_IN_TABLES
        and id(getattr(mod, name)) not in documented_objects
    ]
    assert not forgotten, (
        f"{forgotten} are in {module}.__all__ but in no autosummary table of docs/api/*.rst: "
        "add each to the page of its module"
    )
