"""Every public name is in the API reference, with an Examples section."""

from pathlib import Path

import pytest

import sklearn_imd
import sklearn_imd.features
import sklearn_imd.io
import sklearn_imd.latent
import sklearn_imd.metrics
import sklearn_imd.plotting


def _models_all():
    """The public names of sklearn_imd.models, when its extra (JAX) is installed."""
    try:
        import sklearn_imd.models
    except ImportError:
        return []
    return sklearn_imd.models.__all__


API = (Path(__file__).resolve().parents[1] / "doc" / "api.rst").read_text()

PUBLIC = sorted(
    {name for name in sklearn_imd.__all__}
    | {f"metrics.{n}" for n in sklearn_imd.metrics.__all__ if n not in sklearn_imd.__all__}
    | {f"latent.{n}" for n in sklearn_imd.latent.__all__}
    | {f"io.{n}" for n in sklearn_imd.io.__all__}
    | {f"features.{n}" for n in sklearn_imd.features.__all__}
    | {f"plotting.{n}" for n in sklearn_imd.plotting.__all__}
    | {f"models.{n}" for n in _models_all()}
)


@pytest.mark.parametrize("name", PUBLIC)
def test_public_name_is_documented(name):
    assert f"   {name}\n" in API, f"{name} is missing from doc/api.rst"
    obj = sklearn_imd
    for part in name.split("."):
        obj = getattr(obj, part)
    doc = obj.__doc__ or ""
    is_result = name.endswith(("Result", "Interval", "Warning", "Witness"))
    assert is_result or "Examples\n" in doc, f"{name}: no Examples section"
