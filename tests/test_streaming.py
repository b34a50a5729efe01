"""Statistics that stream and merge: ReferenceStats.streaming, partial_fit,
finalize and merge against ReferenceStats.from_samples on all the rows."""

import os

import numpy as np
import pytest

from sklearn_imd import ReferenceStats, compare


def _relative(A, B):
    """Norm-wise relative difference (entries near 0 of a covariance have no
    meaningful element-wise relative error)."""
    return np.max(np.abs(A - B)) / np.max(np.abs(B))


# Chan's pairwise update and numpy's one-shot (two-pass) covariance are both
# backward stable: they differ by rounding, a few units of 1e-16 times the
# number of merges and the condition of the centring (the offset 3 below).
# 1e-10 is the bound, far above that rounding and far below any FID
# difference.
RTOL = 1e-10


def _batches(X, sizes):
    return np.split(X, np.cumsum(sizes)[:-1])


@pytest.fixture
def X():
    return np.random.default_rng(0).normal(size=(620, 6)) + 3.0


def test_moments_after_each_batch(X):
    ref = ReferenceStats.streaming()
    seen = 0
    for batch in _batches(X, [1, 9, 100, 200, 310]):
        assert ref.partial_fit(batch) is ref
        seen += batch.shape[0]
        assert ref.n_samples == seen and ref.n_features == 6
        assert _relative(ref.mean, X[:seen].mean(axis=0)) < RTOL
        if seen == 1:
            assert ref.covariance is None  # no covariance of one row
        else:
            assert _relative(ref.covariance, np.cov(X[:seen], rowvar=False)) < RTOL


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_streamed_equals_one_shot(tmp_path, X, dtype):
    X = X.astype(dtype)
    path = tmp_path / "features.npy"
    ref = ReferenceStats.streaming(keep_features=path, random_state=0)
    for batch in _batches(X, [200, 7, 300, 113]):
        ref.partial_fit(batch)
        # a valid .npy of the rows so far after every batch
        assert np.array_equal(np.load(path), X[:ref.n_samples])
    ref.finalize()
    one = ReferenceStats.from_samples(X, random_state=0)
    assert ref.n_samples == one.n_samples and ref.scale_exponent == one.scale_exponent == 0
    assert _relative(ref.mean, one.mean) < RTOL
    assert _relative(ref.covariance, one.covariance) < RTOL
    # the same rows, the same seed: the same radii and signature, exactly
    assert isinstance(ref.features, np.memmap) and ref.features.dtype == dtype
    assert np.array_equal(ref.features, X)
    assert np.array_equal(ref.radii, one.radii) and ref.k == one.k
    assert np.array_equal(ref.imd_signature, one.imd_signature)
    assert ref.imd_params == one.imd_params


def test_features_in_memory_are_copies(X):
    batch = X[:300].copy()
    ref = ReferenceStats.streaming(keep_features=True, random_state=0)
    ref.partial_fit(batch).partial_fit(X[300:])
    batch[:] = 0.0  # the caller reuses its buffer
    ref.finalize()
    assert np.array_equal(ref.features, X)


def test_merge_of_shards_equals_one_shot(tmp_path, X):
    one = ReferenceStats.from_samples(X, random_state=0)
    parts = _batches(X, [100, 250, 270])
    shards = [ReferenceStats.streaming(keep_features=True).partial_fit(parts[0]),
              ReferenceStats.from_samples(parts[1]),
              ReferenceStats.streaming(keep_features=True).partial_fit(parts[2][:70])
              .partial_fit(parts[2][70:])]
    # a shard saved and loaded on another machine
    shards[1] = ReferenceStats.load(shards[1].save(str(tmp_path / "shard1.npz")))
    merged = ReferenceStats.merge(shards, keep_features=str(tmp_path / "all.npy"),
                                  random_state=0)
    assert merged.n_samples == 620
    assert _relative(merged.mean, one.mean) < RTOL
    assert _relative(merged.covariance, one.covariance) < RTOL
    merged.finalize()
    assert np.array_equal(merged.features, X)
    assert np.array_equal(merged.radii, one.radii)
    assert np.array_equal(merged.imd_signature, one.imd_signature)
    # moments alone: FID statistics of every shard
    alone = ReferenceStats.merge(shards)
    assert _relative(alone.covariance, one.covariance) < RTOL
    assert alone.finalize().features is None and alone.imd_signature is None


def test_merge_keeps_streaming(X):
    a = ReferenceStats.streaming().partial_fit(X[:300])
    merged = ReferenceStats.merge([a]).partial_fit(X[300:])
    assert _relative(merged.covariance, np.cov(X, rowvar=False)) < RTOL


@pytest.mark.parametrize("scale", [1e-200, 1e200])
def test_extreme_scales(scale):
    # moments scaled by powers of two: no overflow of x xᵀ at 1e200, no
    # underflow at 1e-200; the result is in units of 2**scale_exponent there
    X = (np.random.default_rng(1).normal(size=(300, 3)) + 1.0) * scale
    ref = ReferenceStats.streaming()
    for batch in _batches(X, [10, 90, 200]):
        ref.partial_fit(batch)
    one = ReferenceStats.from_samples(X, random_state=0)
    assert ref.scale_exponent == one.scale_exponent != 0
    assert _relative(ref.covariance, one.covariance) < RTOL


def test_large_offset_is_stable():
    # a running sum of x xᵀ loses every digit here (offset 1e8, spread 1):
    # the centred pairwise update keeps them
    rng = np.random.default_rng(2)
    X = rng.normal(size=(2000, 3)) + 1e8
    ref = ReferenceStats.streaming()
    for batch in np.array_split(X, 20):
        ref.partial_fit(batch)
    # float64 knows a mean at 1e8 to about 1e8 * 1e-16 = 1e-8, which bounds
    # any centred covariance of spread 1 to about that (here 3e-9 off
    # numpy's two-pass one); the sum of x xᵀ cancels 1e16 to get 1: no digit
    ours = _relative(ref.covariance, np.cov(X, rowvar=False))
    n, m = X.shape[0], X.mean(axis=0)
    naive = _relative((X.T @ X - n * np.outer(m, m)) / (n - 1), np.cov(X, rowvar=False))
    assert ours < 1e-7 < 1e-2 < naive


def test_save_and_compare_finalise_a_stream(tmp_path, X):
    Y = np.random.default_rng(3).normal(size=(400, 6))
    one = ReferenceStats.from_samples(X, random_state=0)
    ref = ReferenceStats.streaming(keep_features=True, random_state=0)
    for batch in _batches(X, [300, 320]):
        ref.partial_fit(batch)
    got = compare(ref, {"gen": Y}, metrics="fid,imd,precision", random_state=0)
    want = compare(one, {"gen": Y}, metrics="fid,imd,precision", random_state=0)
    # FID from moments equal to 1e-10: the same to 1e-8 (its square root
    # amplifies rounding by the condition of the covariance)
    assert np.isclose(got.loc["gen", "fid"], want.loc["gen", "fid"], rtol=1e-8)
    assert got.loc["gen", "imd"] == want.loc["gen", "imd"]
    assert got.loc["gen", "precision"] == want.loc["gen", "precision"]
    streamed = ReferenceStats.streaming(keep_features=True, random_state=0).partial_fit(X)
    loaded = ReferenceStats.load(streamed.save(str(tmp_path / "ref.npz")))
    assert np.array_equal(loaded.radii, one.radii)
    with pytest.raises(ValueError, match="partial_fit adds rows"):
        streamed.partial_fit(X)  # finalised by save


def test_refusals(tmp_path, X):
    ref = ReferenceStats.streaming(keep_features=str(tmp_path / "f.npy")).partial_fit(X[:10])
    with pytest.raises(ValueError, match="X has 5 features; the reference streamed so far "
                                         "has 6"):
        ref.partial_fit(X[:10, :5])
    bad = X[:10].copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ref.partial_fit(bad)
    assert ref.n_samples == 10 and np.load(tmp_path / "f.npy").shape == (10, 6)  # unchanged
    with pytest.raises(ValueError, match="float32 does not hold exactly"):
        ReferenceStats.streaming(keep_features=True).partial_fit(
            X[:5].astype(np.float32)).partial_fit(X[5:10])
    with pytest.raises(ValueError, match="partial_fit adds rows"):
        ReferenceStats.from_samples(X).partial_fit(X)
    with pytest.raises(ValueError, match="exists"):
        ReferenceStats.streaming(keep_features=str(tmp_path / "f.npy"))
    with pytest.raises(ValueError, match="ending in .npy"):
        ReferenceStats.streaming(keep_features=str(tmp_path / "f.npz"))
    with pytest.raises(ValueError, match="at least 2"):
        ReferenceStats.streaming().partial_fit(X[:1]).finalize()


def test_merge_refusals(tmp_path, X):
    a = ReferenceStats.streaming(feature_space="inception").partial_fit(X[:50])
    with pytest.raises(ValueError, match="feature_space None and stats\\[0\\] 'inception'"):
        ReferenceStats.merge([a, ReferenceStats.streaming().partial_fit(X[50:100])])
    b = ReferenceStats.streaming().partial_fit(X[:50])
    with pytest.raises(ValueError, match="stats\\[1\\] has 5 features"):
        ReferenceStats.merge([b, ReferenceStats.streaming().partial_fit(X[:50, :5])])
    with pytest.raises(ValueError, match="stats\\[1\\] has k 3"):
        ReferenceStats.merge([b, ReferenceStats.streaming(k=3).partial_fit(X[:50])])
    with pytest.raises(ValueError, match="stats\\[1\\] has imd_params"):
        ReferenceStats.merge([b, ReferenceStats.streaming(imd_params={"nv": 7})
                              .partial_fit(X[:50])])
    with pytest.raises(ValueError, match="no features, and keep_features"):
        ReferenceStats.merge([b, b], keep_features=True)
    with pytest.raises(ValueError, match="no batch yet"):
        ReferenceStats.merge([b, ReferenceStats.streaming()])
    # pytorch-fid's files do not record n_samples
    path = str(tmp_path / "pytorch_fid.npz")
    np.savez(path, mu=X.mean(0), sigma=np.cov(X, rowvar=False))
    with pytest.raises(ValueError, match="n_samples=0"):
        ReferenceStats.merge([b, ReferenceStats.load(path)])
    with pytest.raises(TypeError, match="list of ReferenceStats"):
        ReferenceStats.merge(b)
    with pytest.raises(ValueError, match="at least one"):
        ReferenceStats.merge([])


def test_float16_and_memmap_batches(tmp_path, X):
    X16 = X.astype(np.float16)
    path = tmp_path / "x16.npy"
    np.save(path, X16)
    mm = np.load(path, mmap_mode="r")
    ref = ReferenceStats.streaming(keep_features=True)
    for start in range(0, 620, 100):
        ref.partial_fit(mm[start:start + 100])
    ref.finalize()
    # float16 values are exact in float64: the moments of the widened rows
    wide = X16.astype(np.float64)
    assert _relative(ref.covariance, np.cov(wide, rowvar=False)) < RTOL
    assert ref.features.dtype == np.float32 and np.array_equal(ref.features, wide)
    assert os.path.exists(path)


def test_many_shards_merge_as_a_tree():
    # 64 shards of 1 to 40 rows, some of other scales: a balanced tree of
    # Chan's updates, rounding growing with log2(64) merges (RTOL as above)
    rng = np.random.default_rng(4)
    sizes = rng.integers(1, 40, size=64)
    X = rng.normal(size=(int(sizes.sum()), 5)) * np.repeat(
        rng.choice([1e-3, 1.0, 1e3], size=64), sizes)[:, None] + 2.0
    shards = [ReferenceStats.streaming().partial_fit(part) for part in _batches(X, sizes)]
    merged = ReferenceStats.merge(shards)
    assert merged.n_samples == X.shape[0]
    assert _relative(merged.mean, X.mean(axis=0)) < RTOL
    assert _relative(merged.covariance, np.cov(X, rowvar=False)) < RTOL
