"""Sphinx configuration for the deepbiop documentation.

Build (warnings are errors, as CI builds it)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

``DEEPBIOP_DOCS_SKIP_GALLERY=1`` renders the gallery without running the
examples (a quick local build); ``-D plot_gallery=0`` does the same.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Examples draw with matplotlib: never open a window, in the build or in the
# examples it runs (set before anything imports pyplot).
os.environ.setdefault("MPLBACKEND", "Agg")
import matplotlib

matplotlib.use("Agg")

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# the checkout's deepbiop (built in place or installed with `pip install -e`) and
# the local Sphinx extensions
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "sphinxext"))

import deepbiop  # noqa: E402

project = "deepbiop"
author = "the deepbiop developers"
copyright = "the deepbiop developers"
release = deepbiop.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "matplotlib.sphinxext.plot_directive",
    "myst_parser",
    "click_help",
    "changelog_page",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "conftest.py"]
# nothing is fetched at build time: no intersphinx, no remote images
language = "en"
today_fmt = "%Y-%m-%d"

# -- API reference: autosummary + numpydoc ----------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": False}
# numpydoc's Parameters sections carry the types; signatures stay readable
autodoc_typehints = "none"
autodoc_member_order = "bysource"
# a method a deepbiop class overrides without a docstring of its own is not listed,
# rather than shown with its base class's text (transformers' docstrings are Markdown)
autodoc_inherit_docstrings = False
# the class template lists the members itself (numpydoc would add a second list)
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
# types stay plain text: no cross-references to NumPy or scikit-learn without intersphinx
numpydoc_xref_param_type = False

# -- Gallery: every script in examples/ runs during the build ----------------
_skip_gallery = os.environ.get("DEEPBIOP_DOCS_SKIP_GALLERY", "") not in ("", "0")

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # every example executes, not only plot_*.py
    "filename_pattern": r"\.py$",
    # examples/data holds the bundled sample data, not examples
    "ignore_pattern": r"(__init__\.py|[\\/]data[\\/])",
    "plot_gallery": "False" if _skip_gallery else "True",
    # a failing example fails the build (and -W turns its warning into an error)
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    # before each example: fresh matplotlib state, the build's os.environ and torch
    # thread count back, and an alarm armed (disarmed after it) so a hung example
    # fails the build (sphinxext/gallery_hooks.py; DEEPBIOP_DOCS_EXAMPLE_TIMEOUT
    # seconds, default 300, 0 = none)
    "reset_modules": (
        "matplotlib",
        "gallery_hooks.example_isolation",
        "gallery_hooks.example_timeout",
    ),
    "reset_modules_order": "both",
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "capture_repr": ("_repr_html_", "__repr__"),
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 1,
    # "Examples using X" at the end of each API page
    "doc_module": ("deepbiop",),
    "backreferences_dir": "api/generated/backreferences",
}

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"deepbiop {release}"
html_static_path = ["_static"]
html_css_files = ["deepbiop.css"]
html_show_sourcelink = False
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    # the benchmark page's ten-column table takes the width of the right-hand sidebar
    "secondary_sidebar_items": {"**": ["page-toc"], "benchmarks": []},
}
html_context = {"default_mode": "light"}
# pages without sub-pages: no empty "Section Navigation" column
html_sidebars = {"getting_started": [], "changelog": [], "development": []}

# -- MyST (CHANGELOG.md, CONTRIBUTING.md, benchmarks/README.md) ---------------
myst_heading_anchors = 3
myst_enable_extensions: list[str] = []
# those files are written to be read on the repository, where a link such as
# [README](README.md) resolves; here it stays the link's text, without a warning
suppress_warnings = ["myst.xref_missing"]


def _defined_outside_deepbiop(member) -> bool:
    """Whether a class member's code lives in another package (scikit-learn's
    ``get_params``, torch's ``Module.train``, transformers' tokenizer methods)."""
    for attr in ("fget", "__func__"):  # properties, classmethods and staticmethods
        member = getattr(member, attr, member)
    # methods of built-in types (a NamedTuple's count and index) name their class
    owner = getattr(member, "__objclass__", None)
    module = getattr(owner if owner is not None else member, "__module__", None)
    return isinstance(module, str) and module.split(".")[0] != "deepbiop"


def _skip_foreign_members(app, what, name, obj, skip, options):
    # The class pages list inherited members (the encoders' encode/encode_batch live
    # in a shared base class) but not those a deepbiop class inherits from another
    # package: those are documented there, and their docstrings cite pages this
    # site does not have.
    if what == "class" and _defined_outside_deepbiop(obj):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)
    # an example that aborted the build leaves its alarm armed: cancel it
    from gallery_hooks import disarm

    app.connect("build-finished", lambda app, exc: disarm())
