"""pytest runs the ``>>>`` examples of the docs pages as doctests
(``--doctest-glob="*.rst"``, ``testpaths`` in pyproject.toml), from the
repository root whatever the directory pytest started in, so the pages can read
``examples/data``. What Sphinx generates and the build's own Python files are
not collected.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

collect_ignore = ["conf.py", "conftest.py"]
collect_ignore_glob = ["_build/*", "auto_examples/*", "api/generated/*", "sphinxext/*"]


@pytest.fixture(autouse=True)
def _from_repository_root(monkeypatch):
    monkeypatch.chdir(ROOT)
