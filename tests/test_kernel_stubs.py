"""Every compiled kernel module has a ``.pyi`` stub beside its ``.pyx`` that
describes exactly its Python-visible surface.

The stub side is read with :mod:`ast` only (no mypy needed); the compiled side
with ``dir()`` and :func:`inspect.signature` (Cython 3 binds functions, so their
parameter lists are introspectable). Checked per kernel module:

* the stub exists, for every ``.pyx`` and every row of setup.py's ``KERNELS``;
* the public callables defined in the compiled module and the public ``def``
  / ``class`` names in the stub are the same set (dunder, private and Cython
  internals such as ``__pyx_capi__`` / ``__test__`` are ignored, and so are
  names the module merely imports, such as ``np``);
* the public constants (``SKIPPED``) match the stub's module-level names;
* each function's parameter names and order match, and every parameter and
  return value in the stub carries an annotation.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

import deepbiop

KERNEL_DIR = Path(deepbiop.__file__).resolve().parent / "_kernels"
SETUP_PY = KERNEL_DIR.parent.parent / "setup.py"


def _kernels_in_setup() -> set[str]:
    """Module names in the ``KERNELS`` table of setup.py (empty if not found)."""
    if not SETUP_PY.is_file():
        return set()
    for node in ast.parse(SETUP_PY.read_text()).body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "KERNELS" for t in node.targets)
            and isinstance(node.value, ast.Dict)
        ):
            return {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
    return set()


KERNELS = sorted(_kernels_in_setup() | {p.stem for p in KERNEL_DIR.glob("*.pyx")})


def _public(name: str) -> bool:
    return not name.startswith("_")


def _stub_names(tree: ast.Module) -> tuple[dict[str, ast.AST], set[str]]:
    """Public top-level callables (functions, classes) and other names of a stub."""
    callables: dict[str, ast.AST] = {}
    others: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if _public(node.name):
                callables[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if _public(node.target.id):
                others.add(node.target.id)
        elif isinstance(node, ast.Assign):
            others.update(t.id for t in node.targets if isinstance(t, ast.Name) and _public(t.id))
    return callables, others


def _module_names(mod) -> tuple[dict[str, object], set[str]]:
    """Public callables defined in a compiled module, and its public constants."""
    callables: dict[str, object] = {}
    others: set[str] = set()
    for name in dir(mod):
        if not _public(name):
            continue
        obj = getattr(mod, name)
        if inspect.ismodule(obj):
            continue  # imported modules (``np``) are not part of the surface
        if callable(obj):
            if getattr(obj, "__module__", None) == mod.__name__:
                callables[name] = obj
        else:
            others.add(name)
    return callables, others


def _stub_params(fn: ast.FunctionDef) -> list[ast.arg]:
    a = fn.args
    params = [*a.posonlyargs, *a.args]
    if a.vararg:
        params.append(a.vararg)
    params.extend(a.kwonlyargs)
    if a.kwarg:
        params.append(a.kwarg)
    return params


def _load(name: str):
    stub = KERNEL_DIR / f"{name}.pyi"
    assert stub.is_file(), f"deepbiop/_kernels/{name}.pyx has no {name}.pyi stub beside it"
    tree = ast.parse(stub.read_text(), filename=str(stub))
    mod = importlib.import_module(f"deepbiop._kernels.{name}")
    return tree, mod


def test_kernel_list_is_complete():
    # the table and the directory agree, and the list used below is not empty
    if not SETUP_PY.is_file():
        pytest.skip("setup.py not beside the package (not a source checkout)")
    assert "_onehot" in KERNELS and "_config" in KERNELS
    assert _kernels_in_setup() == {p.stem for p in KERNEL_DIR.glob("*.pyx")}


@pytest.mark.parametrize("name", KERNELS)
def test_stub_names_match_compiled_module(name):
    tree, mod = _load(name)
    stub_callables, stub_others = _stub_names(tree)
    mod_callables, mod_others = _module_names(mod)
    assert mod_callables, f"{name}: no public callables found in the compiled module"
    missing = sorted(set(mod_callables) - set(stub_callables))
    extra = sorted(set(stub_callables) - set(mod_callables))
    assert not missing, f"{name}.pyi lacks {missing}"
    assert not extra, f"{name}.pyi declares {extra}, which the compiled module lacks"
    assert stub_others == mod_others, (
        f"{name}: public constants differ: stub {sorted(stub_others)}, module {sorted(mod_others)}"
    )


@pytest.mark.parametrize("name", KERNELS)
def test_stub_signatures_match_compiled_module(name):
    tree, mod = _load(name)
    stub_callables, _ = _stub_names(tree)
    mod_callables, _ = _module_names(mod)
    for fname in sorted(set(stub_callables) & set(mod_callables)):
        node = stub_callables[fname]
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        params = _stub_params(node)
        stub_order = [p.arg for p in params]
        compiled_order = list(inspect.signature(mod_callables[fname]).parameters)
        assert stub_order == compiled_order, (
            f"{name}.{fname}: stub parameters {stub_order} != compiled {compiled_order}"
        )
        unannotated = [p.arg for p in params if p.annotation is None]
        assert not unannotated, f"{name}.{fname}: unannotated parameters {unannotated}"
        assert node.returns is not None, f"{name}.{fname}: no return annotation"


def test_checker_sees_a_mismatch():
    # the comparison itself works: a stub missing a function or with a reordered
    # parameter list is caught
    tree, mod = _load("_pack")
    stub_callables, _ = _stub_names(tree)
    mod_callables, _ = _module_names(mod)
    assert set(stub_callables) == {
        "pack_items",
        "count_outside",
        "pack_fixed_width",
        "byte_at",
        "HeldRefs",
    }
    assert "np" not in mod_callables and set(mod_callables) == set(stub_callables)
    bad = ast.parse("def byte_at(pos: int, addr: int) -> int: ...")
    order = [p.arg for p in _stub_params(bad.body[0])]
    assert order != list(inspect.signature(mod.byte_at).parameters)
