"""verbose: progress bars on stderr (tqdm, or a plain counter without it)."""

import sys
import types

import numpy as np
import pytest

from sklearn_imd import IMDSignature, compare, imd_test, pairwise_imd
from sklearn_imd._utils import progress as _progress
from sklearn_imd._utils.progress import check_verbose, progress_bar

FAST = dict(nv=5, random_state=0)


@pytest.fixture(scope="module")
def clouds():
    rng = np.random.default_rng(31)
    return [rng.normal(size=(60, 3)) for _ in range(3)]


@pytest.fixture
def no_tqdm(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)


def fake_clock(monkeypatch, step):
    """Make ``_progress`` see ``step`` seconds pass at each reading of the clock."""
    now = [1000.0]

    def monotonic():
        now[0] += step
        return now[0]

    monkeypatch.setattr(_progress, "time", types.SimpleNamespace(monotonic=monotonic))


def lines(err):
    return [line for line in err.splitlines() if line.strip()]


# ----------------------------------------------------------------------------- with tqdm
# (tqdm redraws at most every 0.1 s and erases the bar at the end: the output
# holds the description and the total, not necessarily the last step)


def test_imd_signature_shows_a_bar_only_when_verbose(capsys, clouds):
    pytest.importorskip("tqdm")
    quiet = IMDSignature(**FAST).fit_transform(clouds)
    assert capsys.readouterr().err == ""
    loud = IMDSignature(verbose=1, **FAST).fit_transform(clouds)
    err = capsys.readouterr().err
    assert "IMD signatures" in err and "/3 " in err
    np.testing.assert_array_equal(loud, quiet)
    est = IMDSignature(verbose=True, **FAST).fit(clouds)
    assert capsys.readouterr().err == ""  # fit computes nothing
    np.testing.assert_array_equal(est.transform(clouds[:2]), quiet[:2])
    assert "/2 " in capsys.readouterr().err
    IMDSignature(verbose=0, **FAST).fit(clouds).transform(clouds)
    assert capsys.readouterr().err == ""


def test_pairwise_imd_bar(capsys, clouds):
    pytest.importorskip("tqdm")
    quiet = pairwise_imd(clouds, **FAST)
    assert capsys.readouterr().err == ""
    loud = pairwise_imd(clouds, verbose=1, **FAST)
    err = capsys.readouterr().err
    assert "IMD signatures" in err and "/3 " in err
    np.testing.assert_array_equal(loud, quiet)
    np.testing.assert_array_equal(pairwise_imd(clouds[:1], clouds[1:], verbose=2, **FAST),
                                  pairwise_imd(clouds[:1], clouds[1:], **FAST))
    assert "/3 " in capsys.readouterr().err


def test_imd_test_bar(capsys, clouds):
    pytest.importorskip("tqdm")
    kw = dict(n_permutations=3, n_resamples=2, **FAST)
    quiet = imd_test(clouds[0], clouds[1], **kw)
    assert capsys.readouterr().err == ""
    loud = imd_test(clouds[0], clouds[1], verbose=1, **kw)
    err = capsys.readouterr().err
    assert "imd_test signatures" in err and "/12 " in err  # 2 (3 + 2 + 1) signatures
    assert loud.statistic == quiet.statistic and loud.pvalue == quiet.pvalue
    np.testing.assert_array_equal(loud.null_distribution, quiet.null_distribution)
    assert loud.confidence_interval == quiet.confidence_interval


def test_compare_bar(capsys, clouds):
    pytest.importorskip("tqdm")
    pytest.importorskip("pandas")
    ref, gens = clouds[0], {"a": clouds[1], "b": clouds[2]}
    kw = dict(metrics="imd,fid,precision", imd_params={"nv": 5}, random_state=0)
    quiet = compare(ref, gens, **kw)
    assert capsys.readouterr().err == ""
    loud = compare(ref, gens, verbose=1, **kw)
    err = capsys.readouterr().err
    assert "compare" in err and "/2 " in err
    assert loud.equals(quiet)
    loud = compare(ref, gens, verbose=1, interval="subsample", n_resamples=2, **kw)
    assert "/6 " in capsys.readouterr().err  # 2 samples x (1 + 2 rounds)
    assert loud.equals(compare(ref, gens, interval="subsample", n_resamples=2, **kw))
    assert capsys.readouterr().err == ""


# ----------------------------------------------------------------------------- bad values


@pytest.mark.parametrize("bad, error, match", [
    (-1, ValueError, "verbose must be >= 0"),
    ("yes", TypeError, "verbose must be an integer"),
    (1.0, TypeError, "verbose must be an integer"),
    (None, TypeError, "verbose must be an integer"),
])
def test_bad_verbose(clouds, bad, error, match):
    with pytest.raises(error, match=match):
        IMDSignature(verbose=bad, **FAST).fit(clouds)
    with pytest.raises(error, match=match):
        IMDSignature(verbose=bad, **FAST).fit_transform(clouds)
    with pytest.raises(error, match=match):
        pairwise_imd(clouds, verbose=bad, **FAST)
    with pytest.raises(error, match=match):
        imd_test(clouds[0], clouds[1], n_permutations=2, n_resamples=0, verbose=bad, **FAST)
    with pytest.raises(error, match=match):
        compare(clouds[0], clouds[1:], metrics="fid", verbose=bad)


def test_check_verbose():
    assert check_verbose(0) == 0 and check_verbose(3) == 3
    assert check_verbose(True) == 1 and check_verbose(False) == 0
    assert check_verbose(np.int64(2)) == 2
    with pytest.raises(ValueError, match="verbose must be >= 0"):
        check_verbose(-1)


def test_silent_bars_print_nothing(capsys, no_tqdm):
    for bar in (progress_bar(5, "x", 0), progress_bar(0, "x", 1), progress_bar(-1, "x", 2)):
        bar.update()
        bar.update(3)
        bar.close()
    assert capsys.readouterr().err == ""


# ----------------------------------------------------------------------------- without tqdm


def test_fallback_counter_on_slow_work(capsys, monkeypatch, no_tqdm, clouds):
    fake_clock(monkeypatch, 2.0)  # each step takes 2 s
    quiet = IMDSignature(**FAST).fit_transform(clouds)
    assert capsys.readouterr().err == ""
    loud = IMDSignature(verbose=1, **FAST).fit_transform(clouds)
    out = capsys.readouterr()
    assert out.out == ""
    assert lines(out.err) == ["IMD signatures: 1/3 (2 s)", "IMD signatures: 2/3 (4 s)",
                              "IMD signatures: 3/3 (6 s)"]
    np.testing.assert_array_equal(loud, quiet)

    np.testing.assert_array_equal(pairwise_imd(clouds, verbose=1, **FAST),
                                  pairwise_imd(clouds, **FAST))
    assert lines(capsys.readouterr().err)[-1] == "IMD signatures: 3/3 (6 s)"

    res = imd_test(clouds[0], clouds[1], n_permutations=3, n_resamples=2, verbose=1, **FAST)
    err = lines(capsys.readouterr().err)
    assert len(err) == 12 and err[-1] == "imd_test signatures: 12/12 (24 s)"
    assert res.statistic == imd_test(clouds[0], clouds[1], n_permutations=3, n_resamples=2,
                                     **FAST).statistic


def test_fallback_counter_in_compare(capsys, monkeypatch, no_tqdm, clouds):
    pytest.importorskip("pandas")
    fake_clock(monkeypatch, 1.5)
    kw = dict(metrics="fid,recall", random_state=0, interval="bootstrap", n_resamples=2)
    loud = compare(clouds[0], [clouds[1]], verbose=1, **kw)
    assert lines(capsys.readouterr().err)[-1] == "compare: 3/3 (4 s)"
    assert loud.equals(compare(clouds[0], [clouds[1]], **kw))


def test_fallback_counter_prints_at_most_once_a_second(capsys, monkeypatch, no_tqdm):
    fake_clock(monkeypatch, 0.3)
    bar = progress_bar(10, "work", 1)  # starts at 0.3 s (one reading)
    for _ in range(10):
        bar.update()
    bar.close()
    err = lines(capsys.readouterr().err)
    # the first step shows at once, then one line a second, and the last step
    # (more than a second after the start)
    assert err[0] == "work: 1/10 (0 s)"
    assert err[-1] == "work: 10/10 (3 s)"
    assert len(err) == 4
    shown = [int(line.split(": ")[1].split("/")[0]) for line in err]
    assert shown == sorted(shown)


def test_fallback_counter_on_quick_work_does_not_crash(capsys, no_tqdm, clouds):
    # real clock, work of well under a second: no completed line, no error
    sig = IMDSignature(verbose=1, **FAST).fit_transform(clouds[:1])
    err = lines(capsys.readouterr().err)
    assert len(err) <= 1
    assert all(line.startswith("IMD signatures: ") for line in err)
    assert sig.shape == (1, 256)
    bar = progress_bar(2, "work", 1, delay=3600.0)  # shows nothing within the delay
    bar.update()
    bar.update()
    bar.close()
    assert capsys.readouterr().err == ""
