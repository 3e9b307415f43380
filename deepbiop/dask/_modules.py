"""The optional modules :mod:`deepbiop.dask` runs on, imported when first needed.

``import deepbiop`` (and ``import deepbiop.dask``) never imports dask: every
function of the package asks :func:`need` for the modules it uses, and a
missing one is an ImportError that names the extra to install.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["need"]


def need(name: str) -> ModuleType:
    """The module ``name`` (``"dask.dataframe"``, ``"distributed"``, ...), or
    an ImportError saying how to install it."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise ImportError(
            f"deepbiop.dask needs {name.split('.')[0]}: pip install -e '.[dask]' "
            "(dask[dataframe], distributed, dask-ml); the import failed with: "
            f"{exc}"
        ) from exc
