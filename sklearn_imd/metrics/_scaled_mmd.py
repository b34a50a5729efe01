"""The scaled MMD of Arbel, Sutherland, Bińkowski & Gretton (NeurIPS 2018): the
MMD^2 of a Gaussian kernel divided by a bound of its witness function's gradient."""

import numpy as np

from .._utils.validation import check_choice, check_real, check_sample_pair, check_seed
from ._kernels import MMD_ESTIMATORS, _check_finite, _kernel_params, _mmd2


def scaled_mmd(X, Y, *, sigma=None, lam=1.0, jacobians=None, estimator="unbiased",
               random_state=None):
    """Scaled MMD^2 of Arbel, Sutherland, Bińkowski & Gretton (NeurIPS 2018).

    For the Gaussian kernel ``K(a, b) = exp(-|a - b|^2 / (2 sigma^2))`` on
    features ``a = phi(x)``, the scaled MMD multiplies the MMD by

    ``s = (lam + E_mu[K(phi(x), phi(x))]
    + E_mu[sum_i d_i d_(i+d) K(phi(x), phi(x))])^(-1/2)``,

    the derivatives taken in each input coordinate of the first and of the
    second argument, ``mu`` the distribution of ``X`` (the data).  For the
    Gaussian kernel ``K(a, a) = 1`` and the derivative term is
    ``|J_phi(x)|_F^2 / sigma^2``, so

    ``SMMD^2 = MMD^2 / (lam + 1 + E_X |J_phi(x)|_F^2 / sigma^2)``.

    Without ``jacobians`` the features are the inputs (``phi`` the identity,
    ``|J|_F^2 = n_features``); with the Jacobians of a differentiable feature
    map at the points of ``X``, their mean squared Frobenius norm is used.
    This bounds the witness function's expected squared gradient by 1, the
    reason for the scaling.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
        Features of the data (the sample of ``mu``).
    Y : array-like of shape (n_samples_Y, n_features)
        Features of the model's samples.
    sigma : float, default=None
        Bandwidth of the Gaussian kernel; ``None`` is the median distance of
        the pooled sample (the kernel is then evaluated on the samples divided
        by a power of two, so at any scale float64 holds).  A given ``sigma``
        must leave ``1 / (2 sigma^2)`` finite (``sigma > 5e-155``).
    lam : float, default=1.0
        The regulariser ``lambda`` (>= 0).
    jacobians : array-like of shape (n_samples_X, n_features, n_inputs), default=None
        Jacobians of the feature map at the points of ``X``.
    estimator : {"unbiased", "biased", "linear"}, default="unbiased"
        MMD^2 estimator, as in :func:`mmd_score`.
    random_state : int, RandomState instance or None, default=None
        Subset of the median heuristic on large samples.

    Returns
    -------
    smmd2 : float
        ``s^2 MMD^2``.

    Raises
    ------
    ValueError
        If the MMD^2 is not finite: with a given ``sigma``, values of order
        1e154 and beyond overflow float64 in the squared distances.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_imd import mmd_score, scaled_mmd
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.normal(size=(300, 2)), rng.normal(0.5, 1.0, size=(300, 2))
    >>> s2 = scaled_mmd(X, Y, sigma=1.0)
    >>> mmd2 = mmd_score(X, Y, gamma=0.5)  # the same Gaussian kernel
    >>> round(s2 / mmd2, 6)  # 1 / (lam + 1 + n_features / sigma^2)
    0.25
    """
    check_choice(estimator, "estimator", MMD_ESTIMATORS)
    lam = check_real(lam, "lam", minimum=0)
    rng = check_seed(random_state)
    X, Y = check_sample_pair(X, Y, min_points=2, purpose="an unbiased MMD estimate")
    if sigma is None:
        X, Y, params, shift = _kernel_params(X, Y, "rbf", {}, rng)
        sigma = np.ldexp(np.sqrt(0.5 / params["gamma"]), shift)
    else:
        sigma = np.float64(check_real(sigma, "sigma", minimum=0, strict=True))
        with np.errstate(over="ignore", divide="ignore"):
            params, shift = {"gamma": 0.5 / sigma**2}, 0
        if np.isinf(params["gamma"]):
            raise ValueError(
                f"sigma = {sigma:g} is too small: 1 / (2 sigma^2) overflows float64; "
                "rescale the features and sigma by one factor."
            )
    if jacobians is None:
        grad_term = X.shape[1]
    else:
        from .._utils.validation import _as_numeric_array

        J = _as_numeric_array(jacobians, "jacobians")
        if J.ndim != 3 or J.shape[:2] != X.shape:
            raise ValueError(
                f"jacobians must have shape (n_samples_X, n_features, n_inputs) = "
                f"({X.shape[0]}, {X.shape[1]}, n_inputs); got {J.shape}."
            )
        if not np.isfinite(J).all():
            raise ValueError("jacobians contains NaN or infinite values.")
        grad_term = float(np.mean(np.einsum("nij,nij->n", J, J, dtype=np.float64)))
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        # a tiny sigma drives the factor to 0, a huge one leaves 1 / (lam + 1)
        scale = 1.0 / (lam + 1.0 + (np.sqrt(grad_term) / sigma) ** 2)
        mmd2 = _mmd2(X, Y, "rbf", params, estimator)
    return float(scale * _check_finite(mmd2, "MMD^2", (X, Y), shift))
