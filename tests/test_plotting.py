import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.colors import to_rgba

from sklearn_imd import IMDSignature, RankingResult, pairwise_imd
from sklearn_imd._core.distance import imd_weights
from sklearn_imd._utils.validation import default_times
from sklearn_imd.plotting import HeatTraceDisplay, IMDMatrixDisplay, RankingDisplay, SampleDisplay

T = np.logspace(-1, 1, 40)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def signatures(n=3, t=T):
    return 1e6 * np.exp(-np.outer(np.linspace(0.5, 2.0, n), t))


def blocks():
    """Two obvious groups, {0, 1, 2} and {3, 4}, interleaved as 0, 3, 1, 4, 2."""
    M = np.full((5, 5), 20.0)
    M[:3, :3] = M[3:, 3:] = 1.0
    np.fill_diagonal(M, 0.0)
    perm = [0, 3, 1, 4, 2]
    return M[np.ix_(perm, perm)], [f"{'AB'[p >= 3]}{p}" for p in perm]


# --- HeatTraceDisplay -------------------------------------------------------


def test_heat_trace_lines_labels_and_axes():
    S = signatures()
    disp = HeatTraceDisplay.from_signatures(S, t=T, labels=["a", "b", "c"])
    assert len(disp.lines_) == 3
    assert [line.get_label() for line in disp.lines_] == ["a", "b", "c"]
    for line, row in zip(disp.lines_, S):
        np.testing.assert_allclose(line.get_xdata(), T)
        np.testing.assert_allclose(line.get_ydata(), row)
    assert disp.ax_.get_xscale() == "log"
    assert disp.ax_.get_xlabel() == "diffusion time t"
    assert disp.ax_.get_ylabel() == "heat-trace signature"
    assert disp.figure_ is disp.ax_.figure
    legend = disp.weight_ax_.get_legend()
    assert [x.get_text() for x in legend.get_texts()][:3] == ["a", "b", "c"]


def test_heat_trace_default_labels_and_grid():
    disp = HeatTraceDisplay.from_signatures(signatures(2, default_times()))
    assert [line.get_label() for line in disp.lines_] == ["cloud 0", "cloud 1"]
    np.testing.assert_allclose(disp.lines_[0].get_xdata(), default_times())


def test_heat_trace_band_only_with_nonzero_std():
    S = signatures()
    disp = HeatTraceDisplay.from_signatures(S, t=T)
    assert disp.bands_ == [None, None, None]
    std = np.zeros_like(S)
    std[1] = 100.0
    disp = HeatTraceDisplay.from_signatures(S, t=T, std=std)
    assert disp.bands_[0] is None and disp.bands_[2] is None
    band = disp.bands_[1]
    assert band is not None and band.get_alpha() < 1
    assert band in disp.ax_.collections
    # the band spans signature +- 2 std
    verts = np.vstack([p.vertices for p in band.get_paths()])
    assert np.isclose(verts[:, 1].max(), S[1].max() + 200)
    assert np.isclose(verts[:, 1].min(), S[1].min() - 200)
    assert np.allclose(to_rgba(band.get_facecolor()[0])[:3],
                       to_rgba(disp.lines_[1].get_color())[:3])
    assert len(HeatTraceDisplay.from_signatures(S, t=T, std=np.zeros_like(S)).ax_.collections) == 0


def test_heat_trace_weight_axis_toggle():
    disp = HeatTraceDisplay.from_signatures(signatures(), t=T)
    assert disp.weight_ax_ is not None and disp.weight_ax_ is not disp.ax_
    np.testing.assert_allclose(disp.weight_line_.get_ydata(), imd_weights(T))
    assert disp.weight_line_.get_linestyle() == "--"
    assert len(disp.figure_.axes) == 2
    disp = HeatTraceDisplay.from_signatures(signatures(), t=T, show_weight=False)
    assert disp.weight_ax_ is None and disp.weight_line_ is None
    assert len(disp.figure_.axes) == 1
    assert disp.ax_.get_legend() is not None


def test_heat_trace_respects_ax_and_line_kwargs():
    fig, (ax1, ax2) = plt.subplots(1, 2)
    disp = HeatTraceDisplay(signatures(), T).plot(ax=ax2, show_weight=False, lw=3)
    assert disp.ax_ is ax2 and disp.figure_ is fig
    assert len(ax1.lines) == 0 and len(ax2.lines) == 3
    assert all(line.get_linewidth() == 3 for line in disp.lines_)
    with pytest.raises(TypeError, match="labels"):
        disp.plot(label="x")


def test_heat_trace_from_clouds_computes_once(monkeypatch):
    from sklearn_imd import signature

    rng = np.random.default_rng(0)
    clouds = [rng.normal(size=(150, 3)), rng.uniform(size=(120, 2))]
    calls = []
    compute = signature.compute_signatures
    monkeypatch.setattr(signature, "compute_signatures",
                        lambda *a, **k: calls.append(1) or compute(*a, **k))
    params = {"nv": 10, "method": "slq", "t": T, "random_state": 0}
    disp = HeatTraceDisplay.from_clouds(clouds, labels=["n", "u"], **params)
    assert len(calls) == 1
    S, std = IMDSignature(**params).fit(clouds).transform(clouds, return_std=True)
    np.testing.assert_array_equal(disp.signatures, S)
    np.testing.assert_array_equal(disp.std, std)
    np.testing.assert_array_equal(disp.t, T)
    assert all(band is not None for band in disp.bands_)
    assert [line.get_label() for line in disp.lines_] == ["n", "u"]


@pytest.mark.parametrize("kwargs, error, match", [
    ({"signatures": np.ones(40)}, ValueError, "2-D"),
    ({"signatures": np.ones((0, 40))}, ValueError, "empty"),
    ({"signatures": np.full((2, 40), np.nan)}, ValueError, "NaN"),
    ({"signatures": np.ones((2, 40)), "t": np.logspace(-1, 1, 30)}, ValueError, "30 diffusion"),
    ({"signatures": np.ones((2, 40)), "t": None}, ValueError, "default grid"),
    ({"signatures": np.ones((2, 40)), "t": -T}, ValueError, "positive"),
    ({"signatures": np.ones((2, 40)), "std": np.ones((3, 40))}, ValueError, "shape"),
    ({"signatures": np.ones((2, 40)), "std": -np.ones((2, 40))}, ValueError, "negative"),
    ({"signatures": np.ones((2, 40)), "std": np.full((2, 40), np.inf)}, ValueError, "infinite"),
    ({"signatures": np.ones((2, 40)), "labels": ["a"]}, ValueError, "labels has 1"),
    ({"signatures": np.ones((2, 40)), "labels": "ab"}, TypeError, "labels"),
    ({"signatures": "abc"}, TypeError, "signatures"),
])
def test_heat_trace_validation(kwargs, error, match):
    kwargs = {"t": T, **kwargs}
    with pytest.raises(error, match=match):
        HeatTraceDisplay.from_signatures(**kwargs)
    assert plt.get_fignums() == []  # checked before any figure is made


# --- IMDMatrixDisplay -------------------------------------------------------


def test_matrix_heatmap_values_labels_and_annotations():
    M = np.array([[0.0, 12.345, 3.1], [12.345, 0.0, 7.25], [3.1, 7.25, 0.0]])
    disp = IMDMatrixDisplay.from_matrix(M, labels=["x", "y", "z"])
    np.testing.assert_array_equal(disp.im_.get_array(), M)
    np.testing.assert_array_equal(disp.order_, [0, 1, 2])
    assert [t.get_text() for t in disp.ax_.get_xticklabels()] == ["x", "y", "z"]
    assert [t.get_text() for t in disp.ax_.get_yticklabels()] == ["x", "y", "z"]
    assert disp.text_.shape == (3, 3)
    # default: the largest value to 3 significant digits, as many decimals everywhere
    assert disp.text_[0, 1].get_text() == "12.3"
    assert disp.text_[0, 2].get_text() == "3.1"
    assert disp.text_[0, 0].get_text() == "0.0"
    assert disp.text_[1, 2].get_position() == (2, 1)
    assert disp.colorbar_ is not None and disp.dendrogram_ax_ is None
    assert disp.figure_ is disp.ax_.figure


@pytest.mark.parametrize("vmax, text", [(1234.5, "1234"), (5.678, "5.68"), (0.012345, "0.0123"),
                                        (2e6, "2e+06")])
def test_matrix_default_format_follows_magnitude(vmax, text):
    disp = IMDMatrixDisplay.from_matrix([[0.0, vmax], [vmax, 0.0]])
    assert disp.text_[0, 1].get_text() == text


def test_matrix_values_format_and_text_contrast():
    M = np.array([[0.0, 10.0], [10.0, 0.0]])
    disp = IMDMatrixDisplay.from_matrix(M, values_format=".2e", cmap="gray")
    assert disp.text_[0, 1].get_text() == "1.00e+01"
    # black cell (0): white text; white cell (10): black text
    assert to_rgba(disp.text_[0, 0].get_color()) == to_rgba("white")
    assert to_rgba(disp.text_[0, 1].get_color()) == to_rgba("black")
    disp = IMDMatrixDisplay.from_matrix(M, cmap="gray_r")
    assert to_rgba(disp.text_[0, 0].get_color()) == to_rgba("black")


def test_matrix_annotate_options_and_colorbar():
    M = np.ones((3, 3)) - np.eye(3)
    assert IMDMatrixDisplay.from_matrix(M, annotate=False).text_ is None
    assert IMDMatrixDisplay.from_matrix(M, annotate="auto").text_.shape == (3, 3)
    big = np.ones((31, 31)) - np.eye(31)
    assert IMDMatrixDisplay.from_matrix(big, annotate="auto").text_ is None
    assert IMDMatrixDisplay.from_matrix(big, annotate=True).text_.shape == (31, 31)
    disp = IMDMatrixDisplay.from_matrix(M, colorbar=False)
    assert disp.colorbar_ is None and len(disp.figure_.axes) == 1


def test_matrix_dendrogram_groups_interleaved_blocks():
    M, labels = blocks()
    disp = IMDMatrixDisplay.from_matrix(M, labels=labels, dendrogram=True)
    shown = [labels[i] for i in disp.order_]
    groups = [name[0] for name in shown]
    assert groups in (list("AAABB"), list("BBAAA"))
    assert sorted(disp.order_) == list(range(5))
    np.testing.assert_array_equal(disp.im_.get_array(), M[np.ix_(disp.order_, disp.order_)])
    assert [t.get_text() for t in disp.ax_.get_xticklabels()] == shown
    assert disp.text_[0, 1].get_text() == format(M[disp.order_[0], disp.order_[1]], ".1f")
    dax = disp.dendrogram_ax_
    assert dax is not None and dax is not disp.ax_ and len(dax.collections) > 0
    # the dendrogram sits above the heatmap
    disp.figure_.canvas.draw()
    assert dax.get_position().y0 >= disp.ax_.get_position().y1 - 1e-9


def test_matrix_respects_ax():
    fig, (ax1, ax2) = plt.subplots(1, 2)
    M, _ = blocks()
    disp = IMDMatrixDisplay(M).plot(ax=ax1, dendrogram=True)
    assert disp.ax_ is ax1 and disp.figure_ is fig
    assert len(ax1.images) == 1 and len(ax2.images) == 0


def test_matrix_from_clouds():
    rng = np.random.default_rng(0)
    clouds = [rng.normal(size=(120, 3)) for _ in range(2)] + [rng.uniform(size=(120, 2))]
    params = {"nv": 10, "random_state": 0}
    disp = IMDMatrixDisplay.from_clouds(clouds, labels=["n0", "n1", "u"], annotate=False,
                                        **params)
    np.testing.assert_array_equal(disp.matrix, pairwise_imd(clouds, **params))
    np.testing.assert_array_equal(disp.im_.get_array(), disp.matrix)
    assert disp.text_ is None
    with pytest.raises(TypeError, match="from_matrix"):
        IMDMatrixDisplay.from_clouds(clouds, Y=clouds, **params)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"matrix": np.ones(3)}, ValueError, "2-D"),
    ({"matrix": np.ones((2, 3))}, ValueError, "square"),
    ({"matrix": np.ones((0, 0))}, ValueError, "empty"),
    ({"matrix": [[0.0, np.nan], [np.nan, 0.0]]}, ValueError, "NaN"),
    ({"matrix": [[0.0, -1.0], [-1.0, 0.0]]}, ValueError, "negative"),
    ({"matrix": np.zeros((2, 2)), "labels": ["a", "b", "c"]}, ValueError, "labels has 3"),
    ({"matrix": [[0.0, 1.0], [2.0, 0.0]], "dendrogram": True}, ValueError, "symmetric"),
    ({"matrix": [[0.0]], "dendrogram": True}, ValueError, "at least 2"),
    ({"matrix": np.zeros((2, 2)), "annotate": "yes"}, ValueError, "annotate"),
    ({"matrix": np.zeros((2, 2)), "annotate": None}, TypeError, "annotate"),
    ({"matrix": np.zeros((2, 2)), "values_format": "%d"}, ValueError, "values_format"),
])
def test_matrix_validation(kwargs, error, match):
    with pytest.raises(error, match=match):
        IMDMatrixDisplay.from_matrix(**kwargs)
    assert plt.get_fignums() == []


def test_non_symmetric_matrix_plots_without_dendrogram():
    M = np.array([[0.0, 1.0], [2.0, 0.0]])
    disp = IMDMatrixDisplay.from_matrix(M)
    np.testing.assert_array_equal(disp.im_.get_array(), M)


# --- RankingDisplay ---------------------------------------------------------

NAN = np.nan
# adjusted p-values [metric, model, model] of models a, b, c: by fid (lower is
# better) b and a tie and both beat c; by density (no direction) a and b differ
# at exactly alpha = 0.05
P_ADJ = np.array([[[NAN, 0.3, 0.01], [0.3, NAN, 0.0004], [0.01, 0.0004, NAN]],
                  [[NAN, 0.05, 0.5], [0.05, NAN, 0.9], [0.5, 0.9, NAN]]])


def ranking(**changes):
    """A RankingResult of 3 models and 2 metrics, one without a direction."""
    scores = np.array([[2.0, 1.0, 3.0], [0.9, 1.2, 1.0]])
    diff = scores[:, :, None] - scores[:, None, :]
    fields = dict(
        names=["a", "b", "c"], metrics=["fid", "density"], scores=scores,
        low=np.array([[1.5, 0.8, 2.0], [0.8, 1.0, 0.7]]),
        high=np.array([[2.6, 1.1, 4.5], [1.0, 1.3, 1.1]]),
        differences=diff, difference_low=diff - 1, difference_high=diff + 1,
        pvalues=P_ADJ / 2, pvalues_adjusted=P_ADJ,
        ranks=np.array([[1.0, 1.0, 3.0], [NAN, NAN, NAN]]),
        better={"fid": "lower", "density": None}, alpha=0.05, confidence=0.95,
        n_resamples=10)
    return RankingResult(**{**fields, **changes})


def test_ranking_forest_plot_in_order_with_ranks():
    res = ranking()
    disp = RankingDisplay.from_result(res, metric="fid")
    np.testing.assert_array_equal(disp.order_, [1, 0, 2])  # by rank, then score: b, a, c
    np.testing.assert_array_equal(disp.points_.get_xdata(), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(disp.points_.get_ydata(), [0, 1, 2])
    segments = np.array(disp.intervals_.get_segments())  # [row, end, (x, y)]
    np.testing.assert_array_equal(segments[:, :, 0], [[0.8, 1.1], [1.5, 2.6], [2.0, 4.5]])
    np.testing.assert_array_equal(segments[:, :, 1], [[0, 0], [1, 1], [2, 2]])
    assert [t.get_text() for t in disp.ax_.get_yticklabels()] == ["1. b", "1. a", "3. c"]
    assert disp.ax_.get_ylim() == (2.5, -0.5)  # the best on top, as the heatmap's rows
    assert disp.ax_.get_xlabel() == "fid (lower is better)"
    assert disp.figure_ is disp.ax_.figure is disp.matrix_ax_.figure
    assert res.pvalues_adjusted is P_ADJ and np.isnan(P_ADJ[0, 0, 0])  # input untouched


def test_ranking_heatmap_pvalues_marks_and_diagonal():
    disp = RankingDisplay.from_result(ranking(), metric="fid")
    # P_ADJ[0] with rows and columns in the order b, a, c
    expected = np.array([[NAN, 0.3, 0.0004], [0.3, NAN, 0.01], [0.0004, 0.01, NAN]])
    shown = disp.im_.get_array()
    np.testing.assert_array_equal(np.ma.filled(shown, NAN), expected)
    assert shown.mask.diagonal().all()
    np.testing.assert_array_equal(disp.significant_, [[0, 0, 1], [0, 0, 1], [1, 1, 0]])
    texts = np.array([[t and t.get_text() for t in row] for row in disp.text_])
    # an arrow to the better model's label: the row's (left), the column's (below)
    np.testing.assert_array_equal(texts, [[None, "0.3", "<0.001 \u2190"],
                                          ["0.3", None, "0.01 \u2190"],
                                          ["<0.001 \u2193", "0.01 \u2193", None]])
    assert disp.text_[0, 2].get_fontweight() == "bold"
    assert disp.text_[0, 1].get_fontweight() == "normal"
    assert [t.get_text() for t in disp.matrix_ax_.get_xticklabels()] == ["b", "a", "c"]
    assert disp.colorbar_ is not None
    # higher is better: the same pairs, the arrows to the higher score
    disp = RankingDisplay.from_result(ranking(better={"fid": "higher", "density": None}),
                                      metric="fid", annotate=True)
    assert disp.ax_.get_xlabel() == "fid (higher is better)"
    i, j = list(disp.order_).index(0), list(disp.order_).index(2)  # a, c
    assert disp.text_[i, j].get_text() == "0.01 \u2193"  # c is better


def test_ranking_metric_without_direction_in_given_axes():
    fig, (ax0, ax1, ax2) = plt.subplots(1, 3)
    disp = RankingDisplay(ranking(), metric="density").plot(axes=(ax1, ax2), colorbar=False,
                                                            annotate=False)
    assert disp.ax_ is ax1 and disp.matrix_ax_ is ax2 and disp.figure_ is fig
    assert not ax0.lines and not ax0.images and len(fig.axes) == 3
    np.testing.assert_array_equal(disp.order_, [0, 1, 2])  # as given
    assert [t.get_text() for t in ax1.get_yticklabels()] == ["a", "b", "c"]  # no ranks
    assert ax1.get_xlabel() == "density"
    np.testing.assert_array_equal(disp.points_.get_xdata(), [0.9, 1.2, 1.0])
    np.testing.assert_array_equal(np.ma.filled(disp.im_.get_array(), NAN), P_ADJ[1])
    # p = alpha is significant
    np.testing.assert_array_equal(disp.significant_, [[0, 1, 0], [1, 0, 0], [0, 0, 0]])
    assert disp.text_ is None and disp.colorbar_ is None
    disp = RankingDisplay.from_result(ranking(), metric="density")
    assert disp.text_[0, 1].get_text() == "0.05 *" and disp.text_[0, 2].get_text() == "0.5"


def test_ranking_single_metric_needs_no_name():
    one = ranking(metrics=["kid"], scores=np.ones((1, 3)), low=np.zeros((1, 3)),
                  high=np.full((1, 3), 2.0), differences=np.zeros((1, 3, 3)),
                  pvalues_adjusted=P_ADJ[:1], ranks=np.ones((1, 3)), better={"kid": "lower"})
    assert RankingDisplay.from_result(one).ax_.get_xlabel() == "kid (lower is better)"


@pytest.mark.parametrize("result, kwargs, error, match", [
    ({"fid": 1.0}, {"metric": "fid"}, TypeError, "RankingResult of rank_models; got dict"),
    (None, {"metric": "kid"}, ValueError, "'kid' is not in this result; it has fid, density"),
    (None, {}, ValueError, "2 metrics .*choose one with metric="),
    (None, {"metric": "fid", "axes": "ab"}, TypeError, "two matplotlib Axes"),
    (None, {"metric": "fid", "annotate": "yes"}, TypeError, "annotate"),
    (ranking(ranks=np.ones(3)), {"metric": "fid"}, ValueError, r"ranks has shape \(3,\)"),
    (ranking(names=["a", "a", "c"]), {"metric": "fid"}, ValueError, "duplicate"),
    (ranking(better={"fid": "up", "density": None}), {"metric": "fid"}, ValueError, "'up'"),
])
def test_ranking_validation(result, kwargs, error, match):
    with pytest.raises(error, match=match):
        RankingDisplay.from_result(ranking() if result is None else result, **kwargs)
    assert plt.get_fignums() == []  # checked before any figure is made


# --- optional dependency ----------------------------------------------------


@pytest.mark.parametrize("call", [
    lambda: HeatTraceDisplay(signatures(), T).plot(),
    lambda: HeatTraceDisplay.from_signatures(signatures(), t=T),
    lambda: HeatTraceDisplay.from_clouds([np.zeros((10, 2))]),
    lambda: IMDMatrixDisplay(np.zeros((2, 2))).plot(),
    lambda: IMDMatrixDisplay.from_matrix(np.zeros((2, 2))),
    lambda: IMDMatrixDisplay.from_clouds([np.zeros((10, 2))]),
    lambda: RankingDisplay(ranking(), metric="fid").plot(),
    lambda: RankingDisplay.from_result(ranking(), metric="fid"),
])
def test_missing_matplotlib_raises_install_hint(monkeypatch, call):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r'pip install "sklearn-imd\[plot\]"'):
        call()


def test_import_does_not_import_matplotlib():
    code = "import sklearn_imd.plotting, sys; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)



# --- SampleDisplay -----------------------------------------------------------


def digit_copier():
    """scikit-learn's digits (8 x 8 pictures): a training half, a held-out
    reference without the 0s, and a "model" of 40 copies of training images
    and 200 held-out images."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    X, y = digits.data, digits.target
    train, held = X[::2], X[1::2]
    real = held[y[1::2] != 0][:500]
    generated = np.vstack([train[:40], held[-200:]])
    return train, real, generated


def test_sample_display_pictures_show_the_copies_over_their_training_images():
    from sklearn_imd import authenticity_score, sample_diagnostics

    train, real, generated = digit_copier()
    disp = SampleDisplay.from_samples(real, generated, train=train, image_shape=(8, 8),
                                      n_show=6)
    assert list(disp.axes_) == ["least_realistic", "most_copied", "copied_from", "uncovered"]
    copied = disp.indices_["most_copied"]
    assert np.all(copied < 40)  # exact copies are at distance 0
    np.testing.assert_array_equal(disp.indices_["copied_from"], copied)  # train[:40]
    # the pictures drawn are those rows, as 8 x 8 images
    for group, source in (("most_copied", generated), ("copied_from", train),
                          ("uncovered", real)):
        for ax, i in zip(disp.axes_[group], disp.indices_[group]):
            np.testing.assert_array_equal(ax.images[0].get_array(), source[i].reshape(8, 8))
    diag = sample_diagnostics(real, generated)
    np.testing.assert_array_equal(disp.indices_["least_realistic"],
                                  np.argsort(diag.realism, kind="stable")[:6])
    assert not diag.covered[disp.indices_["uncovered"]].any()
    # the same from precomputed diagnostics, and images given as (n, 8, 8)
    copies = authenticity_score(train, generated, return_samples=True)[1]
    again = SampleDisplay.from_diagnostics(diag, real.reshape(-1, 8, 8),
                                           generated.reshape(-1, 8, 8),
                                           train=train.reshape(-1, 8, 8), copies=copies,
                                           n_show=6)
    for group in disp.indices_:
        np.testing.assert_array_equal(again.indices_[group], disp.indices_[group])


def test_sample_display_scatter_without_images():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(300, 5))
    generated = np.vstack([rng.normal(size=(200, 5)), [[9.0] * 5]])
    disp = SampleDisplay.from_samples(real, generated, n_show=3)
    assert "most_copied" not in disp.indices_
    assert disp.indices_["least_realistic"][0] == 200  # the outlier
    assert disp.axes_.get_xlabel() == "PC 1 of the reference"
    labels = [t.get_text() for t in disp.axes_.get_legend().get_texts()]
    assert labels == ["reference", "generated", "least realistic", "uncovered reference"]


@pytest.mark.parametrize("kwargs, error, match", [
    ({"image_shape": (7, 8)}, ValueError, "do not make images"),
    ({"image_shape": (8, 8, 2)}, ValueError, "channels"),
    ({"n_show": 0}, ValueError, "n_show"),
])
def test_sample_display_validation(kwargs, error, match):
    train, real, generated = digit_copier()
    with pytest.raises(error, match=match):
        SampleDisplay.from_samples(real, generated, **kwargs)


def test_sample_display_rejects_diagnostics_of_other_samples():
    from sklearn_imd import sample_diagnostics

    train, real, generated = digit_copier()
    diag = sample_diagnostics(real, generated)
    with pytest.raises(ValueError, match="pass the samples they were computed on"):
        SampleDisplay.from_diagnostics(diag, real, generated[:100])
    with pytest.raises(ValueError, match="train and copies go together"):
        SampleDisplay.from_diagnostics(diag, real, generated, train=train)
