"""The class radius of a generator and the bound of "Looser is worse"."""

from dataclasses import dataclass

import numpy as np

from .._utils.validation import _as_numeric_array, check_int, check_real, check_seed
from ._generator import _check_generator, _evaluate, _shown


@dataclass
class ClassRadiusResult:
    """Result of :func:`class_radius`.

    Attributes
    ----------
    mean : float
        Estimate of the class radius ``E[r(z)]``, ``z ~ N(0, I)``.
    std_err : float
        Its Monte Carlo standard error (NaN when some ray search found no
        class change within ``max_radius``).
    radii : ndarray of shape (n_samples,)
        ``r(z)`` of each sampled latent point (``inf`` where no class change
        was found within ``max_radius``).
    latent : ndarray of shape (n_samples, latent_dim)
        The sampled latent points.
    """

    mean: float
    std_err: float
    radii: np.ndarray
    latent: np.ndarray


def _check_classifier(classifier):
    """A callable or an object with ``predict``."""
    if not (callable(classifier) or hasattr(classifier, "predict")):
        raise TypeError(
            "classifier must be a callable or an object with a predict method, mapping "
            f"(n, n_features) outputs to n labels; got {_shown(classifier)}."
        )
    return classifier


def _predict(classifier, X):
    labels = classifier.predict(X) if hasattr(classifier, "predict") else classifier(X)
    labels = np.asarray(labels)
    if labels.shape[:1] != (X.shape[0],):
        raise ValueError(
            f"the classifier must return one label per output: {X.shape[0]} expected, got "
            f"shape {labels.shape}."
        )
    return labels.reshape(X.shape[0], -1)


def class_radius(generator, classifier, *, latent_dim, n_samples=200, n_directions=256,
                 max_radius=None, n_steps=64, n_bisections=30, random_state=None):
    """Class radius: expected distance from ``z ~ N(0, I)`` to the nearest class change.

    ``r(z)`` is the distance from ``z`` to the nearest latent point whose
    output the classifier labels differently (Manoj, "Looser is worse").  It
    is estimated along ``n_directions`` random unit directions from each of
    ``n_samples`` latent samples: each ray is marched in ``n_steps`` steps up
    to ``max_radius`` until the label changes, the crossing refined by
    bisection, and ``r(z)`` is the nearest crossing over the rays (an upper
    bound that tightens as directions are added).

    Parameters
    ----------
    generator : callable or fitted MLPRegressor
        As in :func:`pullback_metric`.
    classifier : callable or estimator with ``predict``
        Labels the generator's (flattened) outputs.
    latent_dim : int
    n_samples : int, default=200
    n_directions : int, default=256
    max_radius : float, default=None
        How far each ray is searched; ``None`` is ``2 sqrt(latent_dim) + 4``.
    n_steps : int, default=64
        Steps of the march along each ray (a change of class between two
        steps and back is missed).
    n_bisections : int, default=30
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    result : ClassRadiusResult

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd.latent import class_radius
    >>> half_planes = lambda X: (X[:, 0] > 0).astype(int)  # boundary x = 0
    >>> res = class_radius(lambda Z: Z, half_planes, latent_dim=2, n_samples=400,
    ...                    random_state=0)
    >>> round(res.mean, 1)  # E|z_1| = sqrt(2 / pi) = 0.80
    0.8
    """
    latent_dim = check_int(latent_dim, "latent_dim", 1)
    _check_generator(generator, latent_dim)
    _check_classifier(classifier)
    n_samples = check_int(n_samples, "n_samples", 1)
    n_directions = check_int(n_directions, "n_directions", 1)
    n_steps = check_int(n_steps, "n_steps", 1)
    n_bisections = check_int(n_bisections, "n_bisections", 0)
    max_radius = (2.0 * np.sqrt(latent_dim) + 4.0 if max_radius is None
                  else check_real(max_radius, "max_radius", minimum=0, strict=True))
    rng = check_seed(random_state)
    Z = rng.standard_normal((n_samples, latent_dim))
    U = rng.standard_normal((n_directions, latent_dim))
    U /= np.linalg.norm(U, axis=1, keepdims=True)

    def labels(points):
        return _predict(classifier, _evaluate(generator, points))

    radii = np.empty(n_samples)
    steps = max_radius * np.arange(1, n_steps + 1) / n_steps
    for s in range(n_samples):
        z = Z[s]
        base = labels(z[None])[0]
        # march every ray at once: (n_steps, n_directions) labels
        pts = z + steps[:, None, None] * U[None]
        changed = (labels(pts.reshape(-1, latent_dim)).reshape(n_steps, n_directions, -1)
                   != base).any(axis=2)
        hit = changed.any(axis=0)
        if not hit.any():
            radii[s] = np.inf
            continue
        first = changed[:, hit].argmax(axis=0)
        lo = np.where(first > 0, steps[np.maximum(first - 1, 0)], 0.0)
        hi = steps[first]
        dirs = U[hit]
        for _ in range(n_bisections):
            mid = 0.5 * (lo + hi)
            moved = (labels(z + mid[:, None] * dirs) != base).any(axis=1)
            hi = np.where(moved, mid, hi)
            lo = np.where(moved, lo, mid)
        radii[s] = hi.min()
    if not np.isfinite(radii).all():
        std_err = float("nan")  # the mean is infinite: max_radius was too small
    else:
        std_err = float(radii.std(ddof=1) / np.sqrt(n_samples)) if n_samples > 1 else 0.0
    mean = float(radii.mean())
    return ClassRadiusResult(mean=mean, std_err=std_err, radii=radii, latent=Z)


def collision_probability(labels):
    """Collision probability ``|p|^2 = sum_i p_i^2`` of the classes of generated samples.

    The probability that two independent samples fall in the same class;
    ``-log`` of it is the collision (Rényi-2) entropy, a measure of diversity.

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
        Class of each generated sample.

    Returns
    -------
    p2 : float
        In ``[1/K, 1]`` for ``K`` classes seen.

    Examples
    --------
    >>> from sklearn_imd.latent import collision_probability
    >>> collision_probability([0, 0, 1, 2])
    0.375
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(
            f"labels must be a non-empty 1-D array of classes; got shape {labels.shape}."
        )
    _, counts = np.unique(labels, return_counts=True)
    p = counts / labels.size
    return float(np.sum(p**2))


def class_radius_bound(p):
    """Upper bound on the class radius from the generated class distribution.

    Theorem 3.1 of Manoj ("Looser is worse"): if ``0 < p_i <= 1/5`` for every
    class, ``E[r(z)] <= log(4 pi c) / sqrt(2 c)`` with ``c = log(1 / |p|^2)``,
    the collision entropy.  The bound is smallest for uniform ``p``.

    Parameters
    ----------
    p : array-like of shape (n_classes,)
        Class probabilities: non-negative, summing to 1, each at most 1/5
        (classes of probability 0 are ignored).

    Returns
    -------
    bound : float

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd.latent import class_radius_bound
    >>> K = 10
    >>> round(class_radius_bound(np.full(K, 1 / K)), 4)  # log(4 pi log K) / sqrt(2 log K)
    1.5681
    """
    p = _as_numeric_array(p, "p").astype(np.float64)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"p must be a non-empty 1-D array of probabilities; got shape {p.shape}.")
    if not np.isfinite(p).all() or (p < 0).any():
        raise ValueError("p must hold finite, non-negative probabilities.")
    if not np.isclose(p.sum(), 1.0, rtol=0, atol=1e-8):
        raise ValueError(f"p must sum to 1 (a distribution); it sums to {p.sum():.6g}.")
    if p.max() > 0.2 + 1e-12:
        raise ValueError(
            f"the bound holds only when every p_i <= 1/5; the largest is {p.max():.4g}."
        )
    c = np.log(1.0 / np.sum(p**2))
    return float(np.log(4 * np.pi * c) / np.sqrt(2 * c))
