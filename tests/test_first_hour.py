"""The rough edges a user meets in the first hour, each found by trying."""

import numpy as np
import pytest

from sklearn_imd import IMDSignature, compare, imd_score, pairwise_imd
from sklearn_imd.__main__ import main


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(3)
    np.save(tmp / "a.npy", rng.normal(size=(300, 4)))
    np.save(tmp / "b.npy", rng.uniform(size=(250, 4)))
    np.save(tmp / "c6.npy", rng.normal(size=(200, 6)))
    np.savez(tmp / "fid_only.npz", mu=np.zeros(4), sigma=np.eye(4))
    assert main(["stats", str(tmp / "a.npy"), "-o", str(tmp / "a_stats.npz"), "--seed", "0"]) == 0
    return tmp


def run(capsys, *args):
    rc = main([str(a) for a in args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_score_reads_the_features_of_a_stats_file(files, capsys):
    rc, out, _ = run(capsys, "score", files / "a_stats.npz", files / "b.npy", "--seed", "0")
    rc2, out2, _ = run(capsys, "score", files / "a.npy", files / "b.npy", "--seed", "0")
    assert rc == rc2 == 0 and out == out2


@pytest.mark.parametrize("key", ["sigma", "mu", "prdc_radii"])
def test_score_never_takes_a_summary_for_points(files, capsys, key):
    rc, out, err = run(capsys, "score", files / "a_stats.npz", files / "b.npy", "--key", key)
    assert rc == 2 and out == ""
    assert f"its '{key}' is a summary, not a point cloud" in err and "compare" in err


def test_arrays_named_mu_and_sigma_beside_points_are_not_statistics(files, capsys):
    # a VAE's outputs: codes z, and the posterior's mu and sigma
    z = np.load(files / "a.npy")
    np.savez(files / "vae.npz", z=z, mu=z[:, :2], sigma=np.ones_like(z[:, :2]))
    rc, out, _ = run(capsys, "score", files / "vae.npz", files / "b.npy", "--key", "z",
                     "--seed", "0")
    rc2, out2, _ = run(capsys, "score", files / "a.npy", files / "b.npy", "--seed", "0")
    assert rc == rc2 == 0 and out == out2


def test_score_of_fid_statistics_points_to_compare(files, capsys):
    rc, _, err = run(capsys, "score", files / "fid_only.npz", files / "b.npy")
    assert rc == 2 and "without features" in err and "sklearn-imd compare" in err


def test_stats_checks_its_output_before_the_work(files, capsys, monkeypatch):
    import sklearn_imd._compare as comp

    monkeypatch.setattr(comp.ReferenceStats, "from_samples",
                        classmethod(lambda *a, **k: pytest.fail("computed first")))
    rc, _, err = run(capsys, "stats", files / "a.npy", "-o", files / "missing" / "x.npz")
    assert rc == 2 and "does not exist" in err and "Errno" not in err
    rc, _, err = run(capsys, "stats", files / "a.npy", "-o", files)
    assert rc == 2 and "is a folder" in err
    rc, _, err = run(capsys, "stats", files / "a.npy", "-o", files / "x.txt")
    assert rc == 2 and "must end in .npz" in err


def test_stats_writes_exactly_the_path_it_prints(files, capsys):
    rc, out, _ = run(capsys, "stats", files / "a.npy", "-o", files / "upper.NPZ", "--seed", "0")
    assert rc == 0 and out.startswith(f"wrote {files / 'upper.NPZ'}:")
    assert (files / "upper.NPZ").is_file() and not (files / "upper.NPZ.npz").exists()
    rc, _, _ = run(capsys, "compare", files / "upper.NPZ", files / "b.npy", "--metrics", "fid")
    assert rc == 0


def test_compare_says_which_metrics_another_dimension_drops(files, capsys):
    rc, out, err = run(capsys, "compare", files / "a.npy", files / "c6.npy", "--seed", "0")
    assert rc == 0 and out.split()[:3] == ["generated", "imd", "vendi"]
    assert "c6.npy (6): another number of features than the reference's 4" in err


def test_the_same_cloud_scores_zero_everywhere(files, capsys):
    X = np.load(files / "a.npy")
    Y = np.load(files / "b.npy")
    assert imd_score(X, X.copy(), random_state=0) == 0.0
    assert imd_score(X, X) == 0.0  # unseeded too: one draw of probes for both
    D = pairwise_imd([X, Y, X.copy()], random_state=0)
    assert D[0, 2] == 0.0 and D[0, 1] > 0
    S = IMDSignature(random_state=0).fit_transform([X, X.copy(), Y])
    np.testing.assert_array_equal(S[0], S[1])
    with pytest.warns(UserWarning, match="scores them as given"):  # sizes differ
        table = compare(X, {"copy": X.copy(), "other": Y}, metrics="imd", random_state=0,
                        sample_size=None)
    assert table.loc["copy", "imd"] == 0.0 and table.loc["other", "imd"] > 0
    # the numbers of distinct clouds are those of the seeds as before
    assert imd_score(X, Y, random_state=0) == compare(X, Y, metrics="imd",
                                                      random_state=0).loc["Y", "imd"]
    rc, out, _ = run(capsys, "score", files / "a.npy", files / "a.npy", "--seed", "0")
    assert rc == 0 and float(out) == 0.0


def test_compare_exposes_kid_subsets(files, capsys, monkeypatch):
    import sklearn_imd.metrics._kid as mmd

    seen = {}
    real = mmd.kid_score

    def spy(X, Y, **kw):
        seen.update(kw)
        return real(X, Y, **kw)

    monkeypatch.setattr(mmd, "kid_score", spy)
    rc, _, _ = run(capsys, "compare", files / "a.npy", files / "b.npy", "--metrics", "kid",
                   "--kid-subsets", "7", "--kid-subset-size", "50", "--seed", "0")
    assert rc == 0 and seen["n_subsets"] == 7 and seen["subset_size"] == 50
    rc, _, err = run(capsys, "compare", files / "a.npy", files / "b.npy", "--metrics", "kid",
                     "--kid-subsets", "0")
    assert rc == 2 and "n_subsets" in err
