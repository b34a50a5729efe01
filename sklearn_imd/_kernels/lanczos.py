"""Numba kernel of stochastic Lanczos quadrature.

``lanczos_tridiagonal`` runs ``m`` Lanczos steps from a block of start vectors
at once: one pass over the sparse matrix serves every vector of the block
(sparse times dense), and the rows are split into fixed chunks processed in
parallel, so results do not depend on the number of threads.

No reorthogonalisation is done: for the few steps used here the Lanczos
quadrature of a smooth function is stable in finite precision (Knizhnerman
1996; Musco, Musco & Sidford, SODA 2018), and skipping it keeps memory at three
vectors per probe instead of ``m``.
"""

import numpy as np
from numba import prange

from . import BREAKDOWN as _BREAKDOWN
from . import CHUNK as _CHUNK
from .jit import njit



@njit(parallel=True, cache=True)
def lanczos_tridiagonal(indptr, indices, data, V0, m):  # pragma: no cover (jitted)
    """Lanczos coefficients for each column of ``V0``.

    Parameters
    ----------
    indptr, indices, data : CSR arrays of a symmetric (n, n) matrix (float64 data).
    V0 : ndarray of shape (n, b), C-contiguous float64
        Unit-norm start vectors in columns; not modified.
    m : int
        Number of Lanczos steps.

    Returns
    -------
    alpha : ndarray of shape (b, m)
        Diagonals of the tridiagonal matrices.
    beta : ndarray of shape (b, m - 1)
        Off-diagonals; zero after a breakdown, which leaves the remaining
        block decoupled from the first basis vector (zero quadrature weight).
    """
    n, b = V0.shape
    nchunks = (n + _CHUNK - 1) // _CHUNK
    alpha = np.zeros((b, m))
    beta = np.zeros((b, m - 1))
    # The Lanczos vectors are kept unscaled, v_j = sv * V and v_{j-1} = sp * P
    # (per probe), and the three arrays rotate instead of being copied: two
    # passes over memory per step instead of three.
    V = V0.copy()
    P = np.zeros((n, b))
    W = np.empty((n, b))
    sv = np.ones(b)
    sp = np.zeros(b)
    part = np.zeros((nchunks, b))
    beta_prev = np.zeros(b)
    coef = np.empty(b)
    for j in range(m):
        # w = L v_j - beta_{j-1} v_{j-1};  alpha_j = <w, v_j>
        for p in range(b):
            coef[p] = beta_prev[p] * sp[p]
        for c in prange(nchunks):
            lo = c * _CHUNK
            hi = min(n, lo + _CHUNK)
            for p in range(b):
                part[c, p] = 0.0
            for i in range(lo, hi):
                for p in range(b):
                    W[i, p] = 0.0
                for jj in range(indptr[i], indptr[i + 1]):
                    col = indices[jj]
                    a = data[jj]
                    for p in range(b):
                        W[i, p] += a * V[col, p]
                for p in range(b):
                    x = sv[p] * W[i, p] - coef[p] * P[i, p]
                    W[i, p] = x
                    part[c, p] += x * V[i, p]
        for p in range(b):
            s = 0.0
            for c in range(nchunks):
                s += part[c, p]
            alpha[p, j] = sv[p] * s
        if j == m - 1:
            break
        # w -= alpha_j v_j;  beta_j = |w|
        for p in range(b):
            coef[p] = alpha[p, j] * sv[p]
        for c in prange(nchunks):
            lo = c * _CHUNK
            hi = min(n, lo + _CHUNK)
            for p in range(b):
                part[c, p] = 0.0
            for i in range(lo, hi):
                for p in range(b):
                    x = W[i, p] - coef[p] * V[i, p]
                    W[i, p] = x
                    part[c, p] += x * x
        for p in range(b):
            s = 0.0
            for c in range(nchunks):
                s += part[c, p]
            nrm = np.sqrt(s)
            sp[p] = sv[p]
            if nrm > _BREAKDOWN:
                beta[p, j] = nrm
                beta_prev[p] = nrm
                sv[p] = 1.0 / nrm
            else:
                # Krylov space exhausted: the next vectors are zero, so every
                # later alpha and beta of this probe is zero too.
                beta_prev[p] = 0.0
                sv[p] = 0.0
        # v_{j+1} = w / beta_j, v_{j-1} = v_j: rotate the arrays
        P, V, W = V, W, P
    return alpha, beta
