"""The documentation's settings keep the built site readable offline.

Sphinx loads MathJax from a CDN unless told otherwise, and nbsphinx adds
require.js from another; offline, every formula would then show as raw LaTeX.
These tests read doc/conf.py without building the documentation (the CI's
documentation build checks the built pages themselves).
"""

import ast
import configparser
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "doc" / "conf.py"


def _conf_tree():
    return ast.parse(CONF.read_text(encoding="utf-8"), filename=str(CONF))


def _settings():
    """The module-level assignments of doc/conf.py whose values are literals."""
    settings = {}
    for node in _conf_tree().body:
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target.id]
        else:
            continue
        try:
            value = ast.literal_eval(node.value)
        except ValueError:
            continue
        for name in targets:
            settings[name] = value
    return settings


def _is_remote(address):
    return "://" in address or address.startswith("//")


def test_conf_names_no_web_address():
    remote = [
        node.value
        for node in ast.walk(_conf_tree())
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and ("http://" in node.value or "https://" in node.value)
    ]
    assert remote == [], "doc/conf.py must not load anything from the web"


def test_mathjax_is_served_by_the_site():
    settings = _settings()
    assert "sphinx-mathjax-offline" in settings["extensions"]
    path = settings.get("mathjax_path")
    assert path, "mathjax_path unset: Sphinx would load MathJax from a CDN"
    assert not _is_remote(path)


def test_nbsphinx_adds_no_cdn_script():
    settings = _settings()
    assert "nbsphinx" in settings["extensions"]
    # None (the default) means a CDN address for both.
    assert settings.get("nbsphinx_requirejs_path") == ""
    assert settings.get("nbsphinx_widgets_path") == ""


def test_doc_extra_installs_the_offline_mathjax():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    doc = config["options.extras_require"]["doc"].split()
    assert any(req.startswith("sphinx-mathjax-offline") for req in doc)


def test_mathjax_path_exists_in_the_bundle():
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or spec.origin is None:
        pytest.skip("sphinx-mathjax-offline is not installed (doc extra)")
    bundle = Path(spec.origin).parent / "static"
    # The extension copies static/mathjax/ to _static/mathjax/ of the site.
    assert (bundle / _settings().get("mathjax_path", "")).is_file()
