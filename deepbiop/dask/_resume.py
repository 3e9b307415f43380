"""Outputs written by many tasks that a rerun resumes.

The work for an output at ``path`` lives in a hidden directory beside it,
``.<name>.deepbiop-partial``, named from the path alone so that running the
same call again finds it. Its ``source`` file holds a token of the input and
the encoder (dask's deterministic hash; file sizes and modification times are
part of it): work of another source is thrown away. Every task writes its
files under temporary names and renames them into place, then leaves a
marker; a rerun skips the tasks whose marker is there, and a task that runs
twice (a worker lost after it finished) writes the same bytes again. When
everything is written the result is renamed to ``path`` and the directory
removed, so ``path`` never holds a half-written output.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from typing import Any

import numpy as np

from deepbiop.io import check_output

__all__ = ["Resumable", "write_atomic", "save_atomic", "mark"]


def _temp(path: str) -> str:
    folder, name = os.path.split(path)
    return os.path.join(folder, f".{name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")


def write_atomic(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    tmp = _temp(path)
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def save_atomic(path: str, array: np.ndarray) -> None:
    """``np.save`` through a temporary file and a rename."""
    tmp = _temp(path)
    with open(tmp, "wb") as fh:
        np.save(fh, array, allow_pickle=False)
    os.replace(tmp, path)


class Resumable:
    """The work directory of the output ``path`` (see the module docstring).

    Parameters
    ----------
    path : str
    token : str
        Identifies the input and the encoder.
    overwrite : bool
        Replace ``path`` if it exists; else ``FileExistsError`` at once.
    """

    def __init__(self, path: str, token: str, *, overwrite: bool) -> None:
        self.path = check_output(os.fspath(path), force=overwrite)
        folder, name = os.path.split(os.path.abspath(self.path))
        self.work = os.path.join(folder, f".{name}.deepbiop-partial")
        stamp = os.path.join(self.work, "source")
        if os.path.isdir(self.work):
            try:
                with open(stamp, encoding="utf-8") as fh:
                    same = fh.read() == token
            except OSError:
                same = False
            if not same:  # work for another input or encoder: start again
                shutil.rmtree(self.work)
        os.makedirs(os.path.join(self.work, "done"), exist_ok=True)
        write_atomic(stamp, token)

    def file(self, *parts: str) -> str:
        """A path inside the work directory (its folder created)."""
        p = os.path.join(self.work, *parts)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        return p

    def marker(self, key: str) -> str:
        """The marker file of the task ``key``."""
        return os.path.join(self.work, "done", key + ".json")

    def result(self, key: str) -> Any:
        """What the task ``key`` recorded when it finished, or None if it has not."""
        try:
            with open(self.marker(key), encoding="utf-8") as fh:
                return json.load(fh)
        except (OSError, ValueError):
            return None

    def commit(self, built: str) -> str:
        """Rename ``built`` (inside the work directory) to the output path and
        remove the work directory; return the output path."""
        if os.path.lexists(self.path):  # overwrite was checked at the start
            if os.path.isdir(self.path) and not os.path.islink(self.path):
                shutil.rmtree(self.path)
            else:
                os.unlink(self.path)
        os.replace(built, self.path)
        shutil.rmtree(self.work, ignore_errors=True)
        return self.path


def mark(marker: str, value: Any) -> None:
    """Record that a task finished (``value``: what a rerun needs of it)."""
    write_atomic(marker, json.dumps(value))
