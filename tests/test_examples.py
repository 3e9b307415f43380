"""Run every ``examples/*.py`` script as a user would (``python examples/x.py``
from the repository root) and check it exits cleanly and prints something.

An example is skipped only when it needs an optional package that is not
installed; everything the ``test`` extra installs (torch, transformers,
tokenizers, dnaio, ...) must be present, so a missing one of those fails.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))

# top-level modules the `test` extra (or the core install) provides: an example
# failing to import one of these is a real failure, not a skip
REQUIRED = {
    "deepbiop",
    "numpy",
    "sklearn",
    "scipy",
    "pandas",
    "torch",
    "transformers",
    "tokenizers",
    "dnaio",
    "tqdm",
    "threadpoolctl",
    "hypothesis",
}

_MISSING = re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")


def _check_linear_probe(stdout: str) -> None:
    """Both accuracies printed, each a fraction; the k-mer baseline finds the motif."""
    found = dict(
        re.findall(r"^(linear probe|k-mer baseline) accuracy .*: ([0-9.]+)$", stdout, re.M)
    )
    assert set(found) == {"linear probe", "k-mer baseline"}, stdout
    assert all(0.0 <= float(v) <= 1.0 for v in found.values()), found
    assert float(found["k-mer baseline"]) > 0.7, found


# what an example's output must show beyond "it ran": script name -> check(stdout)
OUTPUT_CHECKS = {"linear_probe.py": _check_linear_probe}


def test_there_are_examples():
    names = {p.name for p in EXAMPLES}
    assert {"quickstart.py", "cnn_onehot.py", "mlp_kmer.py", "kmer_pipeline_cv.py"} <= names
    assert set(OUTPUT_CHECKS) <= names


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(script):
    env = dict(os.environ, PYTHONHASHSEED="0", MPLBACKEND="Agg")
    proc = subprocess.run(
        [sys.executable, str(script.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    if proc.returncode != 0:
        missing = _MISSING.search(proc.stderr)
        if missing and missing.group(1).split(".")[0] not in REQUIRED:
            pytest.skip(f"{script.name} needs the optional package {missing.group(1)!r}")
    assert proc.returncode == 0, (
        f"{script.name} exited with {proc.returncode}\n--- stdout\n{proc.stdout}"
        f"\n--- stderr\n{proc.stderr}"
    )
    assert proc.stdout.strip(), f"{script.name} printed nothing"
    OUTPUT_CHECKS.get(script.name, lambda out: None)(proc.stdout)


def test_every_example_has_a_module_docstring():
    import ast

    for script in EXAMPLES:
        doc = ast.get_docstring(ast.parse(script.read_text()))
        assert doc and len(doc.split()) >= 10, f"{script.name} needs a module docstring"
