"""deepbiop.augment as a package: exactly the public names it had as one
module, and importable without torch."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import deepbiop
from deepbiop import augment as aug

# today's public names, sorted (the order of __all__ is free)
PUBLIC = sorted(
    "Augmentation Compose Crop RandomMutation RandomReverseComplement ReverseComplement crop "
    "mutate mutate_batch mutate_codes random_reverse_complement random_reverse_complement_batch "
    "reverse_complement reverse_complement_batch reverse_complement_codes "
    "reverse_complement_onehot worker_info worker_rng worker_seed_sequence".split()
)


def test_public_names():
    assert sorted(aug.__all__) == PUBLIC
    assert all(callable(getattr(aug, name)) for name in PUBLIC)
    assert deepbiop.augment is aug
    # the type aliases of the signatures stay importable from here
    assert aug.RandomState is not None and aug.Text is not None


def test_worker_seeding_is_the_random_module():
    from deepbiop import _random

    assert aug.worker_rng is _random.worker_rng
    assert aug.worker_seed_sequence is _random.worker_seed_sequence
    assert aug.worker_info is _random.worker_info


def test_import_does_not_import_torch():
    code = (
        "import sys\n"
        "import deepbiop.augment, deepbiop._random\n"
        "deepbiop.augment.worker_rng(1).random()\n"
        "deepbiop.augment.Compose([deepbiop.augment.RandomMutation(0.1)])('ACGT', random_state=0)\n"
        "print('torch' in sys.modules)\n"
    )
    root = str(pathlib.Path(__file__).resolve().parents[2])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_no_private_name_imported():
    """The package and deepbiop/_random.py import only public names (no
    ``from deepbiop.x import _private``; the compiled kernel modules in
    deepbiop._kernels are private by design), and nothing from deepbiop.torch."""
    import ast

    root = pathlib.Path(__file__).resolve().parents[2] / "deepbiop"
    bad = []
    for path in [*sorted((root / "augment").glob("*.py")), root / "_random.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            mod = node.module if isinstance(node, ast.ImportFrom) else None
            if mod and mod.startswith("deepbiop") and mod != "deepbiop._kernels":
                bad += [f"{path.name}: {mod}.{a.name}" for a in node.names if a.name[0] == "_"]
                if mod == "deepbiop.torch":
                    bad.append(f"{path.name}: deepbiop.torch")
    assert not bad, bad
