"""The plan of a search (``_core/plan.py``): knn="auto", the cost models, the pilot
dimension, the refusal of heavy duplicates."""

import numpy as np
import pytest

from sklearn_imd._core.graph import knn_adjacency
from sklearn_imd._core.plan import choose_knn


def test_auto_choice():
    assert choose_knn(1000, 64, "auto") == "exact"
    assert choose_knn(10**7, 64, "auto") == "approx"
    assert choose_knn(10**7, 64, "exact") == "exact"
    # the exact search's cost grows with the features, NN-descent's hardly
    switch = [min(n for n in np.geomspace(1e3, 1e7, 400).astype(int)
                  if choose_knn(n, d, "auto") == "approx") for d in (2, 64, 2048)]
    assert switch[0] > switch[1] > switch[2]


def test_ties_that_would_explode_the_graph_are_refused_before_the_search(monkeypatch):
    """10^5 copies of 10 points would make 10^9 edges: refused from a sample of
    the points, before any neighbour search (which would be slow)."""
    from sklearn_imd._core import graph as g

    def no_search(*args, **kwargs):
        raise AssertionError("searched")

    monkeypatch.setattr(g, "exact_knn", no_search)
    monkeypatch.setattr(g, "approx_knn", no_search)
    X = np.random.default_rng(0).normal(size=(10, 3))[np.arange(10**5) % 10]
    for knn in ("exact", "approx", "auto"):
        with pytest.raises(ValueError, match="groups of identical points .* 10 distinct"):
            knn_adjacency(X, 5, knn)


def test_auto_falls_back_to_the_exact_graph(rng, monkeypatch):
    """When the approximate graph misses neighbours, knn='auto' says so and
    returns the exact graph; knn='approx' keeps its warning and its graph."""
    from sklearn_imd import ApproximateGraphWarning, ExactSearchWarning
    from sklearn_imd._core import plan

    monkeypatch.setattr(plan, "_APPROX_POINT_SECONDS", (0.0, 0.0))  # auto picks NN-descent
    monkeypatch.setattr(plan, "_MAX_APPROX_DIMENSION", np.inf)  # whatever the dimension
    hard = rng.normal(size=(3000, 64))
    assert plan.choose_knn(3000, 64, "auto") == "approx"
    with pytest.warns(ExactSearchWarning, match="uses the exact graph instead"):
        A = knn_adjacency(hard, 5, "auto", random_state=0)
    assert (A != knn_adjacency(hard, 5, "exact")).nnz == 0
    with pytest.warns(ApproximateGraphWarning, match="Use knn='exact'"):
        B = knn_adjacency(hard, 5, "approx", random_state=0)
    assert (B != A).nnz > 0


def test_auto_skips_nn_descent_on_clouds_of_high_intrinsic_dimension(rng, monkeypatch):
    """The pilot estimate of the intrinsic dimension sends a 64-d Gaussian to
    the exact search without trying NN-descent, and a 3-d one to NN-descent."""
    import warnings

    from sklearn_imd._core import graph as g
    from sklearn_imd._core import plan

    monkeypatch.setattr(plan, "_APPROX_POINT_SECONDS", (0.0, 0.0))
    tried = []
    real = g.approx_knn
    monkeypatch.setattr(g, "approx_knn", lambda *a, **kw: tried.append(1) or real(*a, **kw))
    assert plan.intrinsic_dimension(rng.normal(size=(3000, 64)), 0) > 20
    assert 2 < plan.intrinsic_dimension(rng.normal(size=(3000, 3)), 0) < 4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        knn_adjacency(rng.normal(size=(3000, 64)), 5, "auto", random_state=0)
        assert not tried
        knn_adjacency(rng.normal(size=(3000, 3)), 5, "auto", random_state=0)
        assert tried
    # duplicates are left out of the estimate, and a cloud of one point repeated has none
    assert plan.intrinsic_dimension(np.zeros((50, 3)), 0) == 0.0


def test_slow_exact_search_is_announced_before_the_work(rng, monkeypatch):
    """A cloud sent to the exact search by its intrinsic dimension, predicted
    slow, is announced when planned, before any signature is computed."""
    from sklearn_imd import ExactSearchWarning
    from sklearn_imd._core import compute as _compute
    from sklearn_imd._core import graph as g
    from sklearn_imd._core import plan

    monkeypatch.setattr(plan, "_APPROX_POINT_SECONDS", (0.0, 0.0))
    monkeypatch.setattr(plan, "_SLOW_EXACT_SECONDS", 0.0)
    order = []
    real = _compute._cloud_signature
    monkeypatch.setattr(_compute, "_cloud_signature",
                        lambda *a: order.append("work") or real(*a))
    monkeypatch.setattr(_compute, "_reissue",
                        lambda caught, name: order.extend(c for c, _ in caught))
    from sklearn_imd import imd_score

    imd_score(rng.normal(size=(600, 64)), rng.normal(size=(600, 3)), nv=5, random_state=0)
    assert order[0] is ExactSearchWarning and order[1] == "work"
    with pytest.warns(ExactSearchWarning, match="intrinsic dimension is about"):
        g.knn_adjacency(rng.normal(size=(600, 64)), 5, "auto", random_state=0)
