"""The package's import graph: no cycles (not even through imports inside
functions), no private names imported across modules, and every module
importable first in a fresh interpreter, the rest following in random order."""

from __future__ import annotations

import ast
import os
import pathlib
import random
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "deepbiop"
# third-party packages an optional integration needs (their absence is not a failure)
OPTIONAL = {"torch", "transformers", "tokenizers", "dnaio", "datasets", "tqdm"}


def _modules() -> dict[str, pathlib.Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: pathlib.Path, modules: dict) -> list[tuple[str, str]]:
    """``(module, imported name or "")`` of every deepbiop import in ``path``,
    wherever it stands (module level or inside a function)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, "") for a in node.names if a.name.split(".")[0] == "deepbiop"]
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([mod] if mod else []))
            if mod.split(".")[0] != "deepbiop":
                continue
            for alias in node.names:
                sub = f"{mod}.{alias.name}"
                found.append((sub, "") if sub in modules else (mod, alias.name))
    return found


def test_import_graph_has_no_cycle():
    modules = _modules()
    graph = {
        name: {m for m, _ in _imports(name, path, modules) if m in modules and m != name}
        for name, path in modules.items()
    }
    state: dict = {}
    cycles = []

    def visit(node: str, stack: list) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(stack[stack.index(nxt) :] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


# modules whose private names are shared on purpose: the compiled kernels and
# the package-private helper modules (named with a leading underscore)
def _private_source(module: str) -> bool:
    return any(part.startswith("_") for part in module.split(".")[1:])


@pytest.mark.parametrize(
    "path",
    [
        "deepbiop/kmers.py",
        "deepbiop/spectrum.py",
        "deepbiop/encoders/kmer.py",
        "deepbiop/vocabularies.py",
        "deepbiop/encoders/tokens.py",
        "deepbiop/bpe.py",
        "deepbiop/transformer_utils.py",
        "deepbiop/hf.py",
        "deepbiop/pretrained.py",
        "deepbiop/embedder.py",
    ],
)
def test_no_private_name_imported_from_a_public_module(path):
    modules = _modules()
    name = ".".join(pathlib.Path(path).with_suffix("").parts)
    bad = [
        f"{mod}.{attr}"
        for mod, attr in _imports(name, ROOT / path, modules)
        if attr.startswith("_") and not _private_source(mod)
    ]
    assert not bad, f"{path} imports private names: {bad}"


def test_each_module_imports_alone_in_a_fresh_interpreter():
    """Each module imported by itself in a new interpreter, the modules taken
    in a random order (its seed is in the failure message): a cycle that
    only bites when it is entered from one particular module shows here."""
    names = sorted(_modules())
    seed = random.randrange(2**32)
    random.Random(seed).shuffle(names)
    code = (
        "import importlib, sys\n"
        "try:\n"
        "    importlib.import_module(sys.argv[1])\n"
        "except ImportError as exc:\n"
        f"    if (exc.name or '').split('.')[0] not in {sorted(OPTIONAL)!r}:\n"
        "        raise\n"
    )
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(
            [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        ),
    )
    failed = []
    for start in range(0, len(names), 2):  # two interpreters at a time
        procs = [
            (
                name,
                subprocess.Popen(
                    [sys.executable, "-c", code, name],
                    env=env,
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
            )
            for name in names[start : start + 2]
        ]
        for name, proc in procs:
            _, err = proc.communicate(timeout=300)
            if proc.returncode:
                failed.append(f"{name}:\n{err}")
    assert not failed, f"order seed {seed}; failed imports:\n" + "\n".join(failed)
