"""Sphinx configuration of the sklearn-imd documentation.

Build from the repository root with::

    PYTHONPATH=. python -m sphinx -W --keep-going -b html doc doc/_build/html
"""

import os
import shutil
import sys
from pathlib import Path

DOC_DIR = Path(__file__).resolve().parent
ROOT = DOC_DIR.parent
sys.path.insert(0, str(ROOT))

import sklearn_imd  # noqa: E402

# The notebooks live in ../examples, outside the source directory; copy them in
# (doc/examples/ is gitignored) so that nbsphinx executes and renders them,
# with the committed measurements some of them read (*.json).
_NB_SRC = ROOT / "examples"
_NB_DST = DOC_DIR / "examples"
if _NB_DST.exists():
    shutil.rmtree(_NB_DST)
_NB_DST.mkdir()
for _nb in sorted([*_NB_SRC.glob("*.ipynb"), *_NB_SRC.glob("*.json")]):
    shutil.copy2(_nb, _NB_DST / _nb.name)

# The notebook kernels run in subprocesses: let them import the package from
# this checkout even when it is not installed.
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
)

# nbsphinx converts the notebooks' Markdown cells with pandoc.  Without a
# system pandoc, use the binary of the pip package pypandoc_binary (in the
# "doc" extra).
if shutil.which("pandoc") is None:
    try:
        import pypandoc

        _pandoc = pypandoc.get_pandoc_path()
    except (ImportError, OSError):
        pass
    else:
        os.environ["PATH"] = os.pathsep.join([os.path.dirname(_pandoc), os.environ.get("PATH", "")])

# -- Project information ------------------------------------------------------

project = "sklearn-imd"
author = "sklearn-imd developers"
copyright = "sklearn-imd developers"
version = sklearn_imd.__version__
release = sklearn_imd.__version__

# -- General configuration ----------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "nbsphinx",
    # MathJax from the package's own copy, written to _static/mathjax/ of the
    # built site: formulas render offline (Sphinx's default is a CDN).
    "sphinx-mathjax-offline",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

autosummary_generate = True
numpydoc_show_class_members = False

# No intersphinx_mapping: the build must not use the network.

nbsphinx_execute = "always"
nbsphinx_kernel_name = "python3"
nbsphinx_timeout = 300
nbsphinx_allow_errors = False

# -- Math, offline ------------------------------------------------------------
# Every script the pages load must come from the built site itself:
# tests/test_docs_offline.py checks these settings, and no string of this file
# may be a web address.
mathjax_path = "mathjax/tex-chtml.js"  # relative to _static/ (sphinx-mathjax-offline)
# nbsphinx adds require.js from a CDN to every page unless told otherwise; it
# is only needed by interactive widgets, which these notebooks do not use.
nbsphinx_requirejs_path = ""
nbsphinx_widgets_path = ""

# -- HTML output --------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-imd {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
# No remote assets: the build works offline.
html_theme_options["icon_links"] = []
