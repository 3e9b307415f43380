"""Outputs written under temporary names and renamed into place together.

A command that fails or is interrupted must leave no half-written output: each
file (or directory, for zarr) is written as a hidden temporary beside its
final name, in the same directory (so the rename is a rename, not a copy),
and renamed into place only when everything was written. An existing output
is refused unless ``force``.
"""

from __future__ import annotations

import os
import shutil
import uuid

__all__ = ["StagedPaths", "check_output"]


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def check_output(path: str, *, force: bool = False) -> str:
    """Check that ``path`` can be written: its directory exists, and it does
    not (unless ``force``). ``"-"`` (standard output) always can.

    Returns
    -------
    str
        ``path``.

    Raises
    ------
    FileExistsError
        ``path`` exists and ``force`` is False.
    FileNotFoundError
        Its directory does not exist.

    Examples
    --------
    >>> import tempfile
    >>> from deepbiop.io import check_output
    >>> d = tempfile.mkdtemp()
    >>> check_output(d + "/x.npy") == d + "/x.npy"
    True
    >>> check_output(d)  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    FileExistsError: '/tmp/...' exists; pass --force (force=True) to replace it
    """
    path = os.fspath(path)
    if path == "-":
        return path
    if os.path.lexists(path) and not force:
        raise FileExistsError(f"{path!r} exists; pass --force (force=True) to replace it")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {path!r}: directory {folder!r} does not exist")
    return path


class StagedPaths:
    """Temporary paths for a set of outputs; :meth:`commit` or :meth:`abort`.

    Parameters
    ----------
    force : bool
        Replace outputs that exist; else :meth:`add` raises ``FileExistsError``.
    """

    def __init__(self, force: bool) -> None:
        self.force = force
        self._paths: dict[str, str] = {}  # final -> temporary, until committed or aborted
        self._finals: list[str] = []
        self._token = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"

    def add(self, final: str) -> str:
        """The temporary path to write ``final`` under (checked first: its
        directory exists, and it does not unless ``force``)."""
        final = check_output(final, force=self.force)
        folder, name = os.path.split(os.path.abspath(final))
        temp = os.path.join(folder, f".{name}.{self._token}.tmp")
        self._paths[final] = temp
        self._finals.append(final)
        return temp

    @property
    def finals(self) -> list[str]:
        """The final paths, in the order they were added."""
        return list(self._finals)

    def commit(self) -> None:
        """Rename every temporary into place (replacing, with ``force``, what was there)."""
        for final, temp in self._paths.items():
            if os.path.lexists(final) and (os.path.isdir(final) or os.path.isdir(temp)):
                _remove(final)  # os.replace cannot replace a directory, nor a file by one
            os.replace(temp, final)
        self._paths.clear()

    def abort(self) -> None:
        """Remove every temporary written so far."""
        for temp in self._paths.values():
            _remove(temp)
        self._paths.clear()
