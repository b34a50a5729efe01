"""CMMD (Jayasumana et al., CVPR 2024): the biased MMD^2 with a Gaussian kernel
of bandwidth 10, times 1,000, on the samples' (CLIP) embeddings."""

import numpy as np

from .._utils.validation import check_sample_pair
from ._kernels import _check_finite, _mmd2

# The constants of the reference implementation (google-research's cmmd, and
# sayakpaul/cmmd-pytorch's distance.py): the Gaussian kernel's bandwidth and
# the factor that makes the values readable.
CMMD_SIGMA = 10.0
CMMD_SCALE = 1000.0


def cmmd_score(X, Y):
    """CMMD: the biased MMD^2 of a Gaussian kernel of bandwidth 10, times 1,000.

    ``CMMD = 1000 (mean k(x, x') + mean k(y, y') - 2 mean k(x, y))`` with
    ``k(x, y) = exp(-|x - y|^2 / (2 sigma^2))`` and ``sigma = 10``, the means
    over all pairs, the diagonals included (the biased, minimum-variance
    estimator of Gretton et al. 2012, Eq. 5): the metric of Jayasumana et
    al., "Rethinking FID: Towards a Better Evaluation Metric for Image
    Generation" (CVPR 2024), as computed by google-research's ``cmmd`` and
    ``sayakpaul/cmmd-pytorch``'s ``distance.mmd``.  It is defined on CLIP
    image embeddings normalised to unit length (those implementations embed
    with CLIP ViT-L/14 at 336 pixels); this function takes the embeddings,
    whichever model made them.  Unlike FID it assumes no Gaussian shape.
    The diagonal terms bias it upwards by ``1000 (1 - E k(x, x')) (1/m +
    1/n)`` for samples of ``m`` and ``n`` points: at most about ``20 (1/m +
    1/n)`` for unit embeddings (``|x - x'|^2 <= 4``), 0.001 at 30,000 images
    each, as the paper's evaluations use.

    The kernel matrices are summed in blocks of rows, never held whole
    (memory ``O(n * block)``), in float64: the reference implementations
    compute in float32, whose rounding of the three means (each about 1 for
    unit embeddings) moves the result by about ``1e-4`` on a few hundred
    embeddings (more on more: the sums' rounding grows with their terms).

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
        Embeddings of the reference (real) images.
    Y : array-like of shape (n_samples_Y, n_features)
        Embeddings of the generated images; the sizes may differ.

    Returns
    -------
    cmmd : float
        Non-negative up to rounding (the squared distance of the kernel mean
        embeddings), 0 for identical samples; lower is better.

    Raises
    ------
    ValueError
        If the samples have different numbers of features, or values so
        large that their squared distances overflow float64.

    See Also
    --------
    mmd_score : MMD^2 with any kernel, bandwidth and estimator
        (``mmd_score(X, Y, kernel="rbf", gamma=0.005, estimator="biased")``
        is ``cmmd_score(X, Y) / 1000``).
    kid_score : The unbiased MMD^2 of a polynomial kernel, on subsets.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import cmmd_score
    >>> rng = np.random.default_rng(0)
    >>> def unit(A):                                  # CLIP embeddings have unit norm
    ...     return A / np.linalg.norm(A, axis=1, keepdims=True)
    >>> X = unit(rng.normal(size=(500, 32)))
    >>> cmmd_score(X, X)
    0.0
    >>> same = cmmd_score(X, unit(rng.normal(size=(500, 32))))
    >>> shifted = cmmd_score(X, unit(rng.normal(size=(500, 32)) + 0.5))
    >>> bool(shifted > 10 * same)
    True
    """
    X, Y = check_sample_pair(X, Y, min_points=1, purpose=None)
    gamma = 1.0 / (2.0 * CMMD_SIGMA**2)
    with np.errstate(over="ignore", invalid="ignore"):
        value = CMMD_SCALE * _mmd2(X, Y, "rbf", {"gamma": gamma}, "biased")
    return float(_check_finite(value, "CMMD", (X, Y)))
