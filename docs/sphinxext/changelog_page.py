"""The changelog page shows the repository's ``CHANGELOG.md`` (through
MyST), or says that this checkout has none, so the docs build with and
without the file.

``docs/changelog.rst`` holds the ``include``; when ``CHANGELOG.md`` is absent
its text is replaced, as it is read, by a short page without the include.
"""

from __future__ import annotations

from pathlib import Path

_DOCNAME = "changelog"
_ABSENT = """\
Changelog
=========

This checkout has no ``CHANGELOG.md``; the changes are in the git history
(``git log``).
"""


def _swap_when_absent(app, docname, source):
    if docname != _DOCNAME:
        return
    changelog = Path(app.srcdir).parent / "CHANGELOG.md"
    # re-read this page when the file appears, changes or goes (a missing
    # dependency counts as changed, so the short page is always re-read)
    app.env.note_dependency(str(changelog))
    if not changelog.is_file():
        source[0] = _ABSENT


def setup(app):
    app.connect("source-read", _swap_when_absent)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
