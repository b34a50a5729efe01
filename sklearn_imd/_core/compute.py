"""The data flow of one signature, mapped over a collection of clouds.

Private: :class:`~sklearn_imd.IMDSignature` and the score functions
validate their input and call :func:`compute_signatures`.
"""

import contextlib
import os
import warnings

import numpy as np

from .._utils.blas import single_blas_thread
from .._utils.callers import caller_frame
from .._utils.validation import JIT_MIN_POINTS, check_n_jobs, draw_seeds
from ..exceptions import ExactSearchWarning
from .graph import knn_adjacency, normalized_laplacian
from .plan import plan_search
from .heat import heat_trace, normalize_trace


def _cloud_signature(X, t, k, m, nv, method, normalization, knn, seed, numba_threads, caller,
                     plan, dense=False):
    """Signature, its standard error and the warnings raised, for one validated cloud.

    The data flow of DESIGN.md, with the neighbour search planned
    beforehand (``plan``, see ``plan.plan_search``).  The library's
    warnings are returned, not shown, so that they reach the caller from
    joblib workers too (see :func:`_reissue`); in a worker process
    (``caller`` is the pid of the caller's), so are all others
    (``warnings.catch_warnings`` is not safe in threads, which the caller's
    process may run).  ``numba_threads`` caps
    the threads of the Numba kernels during the call, so that joblib
    workers running side by side do not oversubscribe the cores; the kernels
    give the same result for any number of threads.  ``dense`` takes the
    route of small calls (a dense graph and Laplacian, no Numba or SciPy:
    see ``_utils.validation.JIT_MIN_POINTS``).
    """
    notes = []
    if os.getpid() != caller:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = _cloud_signature(X, t, k, m, nv, method, normalization, knn, seed,
                                      numba_threads, os.getpid(), plan, dense)
        return result[:2] + (result[2] + [(w.category, str(w.message)) for w in caught],)
    if numba_threads is not None:
        import numba

        previous = numba.get_num_threads()
        numba.set_num_threads(max(1, min(numba_threads, numba.config.NUMBA_NUM_THREADS)))
    try:
        # The dense route's products round differently with OpenBLAS's thread
        # count (a joblib worker has fewer threads than the caller): on one
        # thread, which such small matrices hardly need, the signature is the
        # same in any process, as the kernels' is for any number of threads.
        with single_blas_thread() if dense else contextlib.nullcontext():
            L = normalized_laplacian(knn_adjacency(X, k, knn, random_state=seed, notes=notes,
                                                   plan=plan, dense=dense))
            # a Krylov space of an n-node graph has at most n dimensions
            trace, std_err = heat_trace(L, t, method, min(m, L.shape[0]), nv,
                                        np.random.default_rng(seed), jit=not dense)
    finally:
        if numba_threads is not None:
            numba.set_num_threads(previous)
    with np.errstate(divide="ignore", invalid="ignore"):  # checked by compute_signatures
        trace = normalize_trace(trace, t, X.shape[0], k, normalization)
        std_err = normalize_trace(std_err, t, X.shape[0], k, normalization)
    return trace, std_err, notes


def fingerprint(cloud):
    """A key equal for clouds of identical shape, dtype and values (a digest of
    their bytes; distinct clouds collide with probability 2**-128)."""
    import hashlib

    data = np.ascontiguousarray(cloud)
    digest = hashlib.blake2b(data.view(np.uint8).reshape(-1), digest_size=16).digest()
    return data.shape, data.dtype.str, digest


def _reissue(caught, name):
    """Issue the warnings recorded for cloud ``name`` again, pointing at the user's call.

    The ``module`` given to the filters is ``sklearn_imd``, where they arose,
    and each message names its cloud, so the default filter shows each once
    per cloud.
    """
    if not caught:
        return
    frame = caller_frame()
    registry = frame.f_globals.setdefault("__warningregistry__", {})
    for category, message in caught:
        warnings.warn_explicit(
            f"{name}: {message}", category, frame.f_code.co_filename, frame.f_lineno,
            module="sklearn_imd", registry=registry,
        )


def compute_signatures(clouds, t, params, random_state, n_jobs, names=None, notes=None,
                       seeds=None, progress=None):
    """Signatures and standard errors of validated clouds, shape (n_clouds, n_times) each.

    The one place where signatures are computed: :class:`IMDSignature`,
    :func:`~sklearn_imd.imd_score`, :func:`~sklearn_imd.pairwise_imd` and
    :func:`~sklearn_imd.imd_test` validate their input once at the door and
    call this.  ``params`` holds the checked ``k, m, nv, method,
    normalization, knn``; each cloud's seed is drawn from ``random_state``
    before any work starts, so an int gives the same output for any
    ``n_jobs``.  Each cloud's neighbour search is planned before the work
    starts too, so that a warning about a slow search comes first.

    Warnings are issued once per cloud, labelled with ``names`` (default
    ``X[i]``) and pointing at the user's call; with a list ``notes`` they are
    appended to it as ``(category, message, name)`` instead.

    ``seeds`` (one int per cloud) replaces the draws from ``random_state``;
    ``progress`` (a ``_utils.progress.progress_bar``) advances by one per cloud.
    """
    if seeds is None:
        seeds = draw_seeds(random_state, len(clouds))
    if names is None:
        names = [f"X[{i}]" for i in range(len(clouds))]

    def tell(name, caught):
        if notes is None:
            _reissue(caught, name)
        else:
            notes.extend((category, message, name) for category, message in caught)

    # identical clouds get identical probes, and are computed once: the IMD of
    # a cloud and its copy is 0, not the estimator's noise
    seeds = [int(seed) for seed in seeds]
    first = {}
    same_as = [first.setdefault(fingerprint(cloud), i) for i, cloud in enumerate(clouds)]
    if len(first) < len(clouds):
        unique = sorted(first.values())
        S, E = compute_signatures([clouds[i] for i in unique], t, params, None, n_jobs,
                                  [names[i] for i in unique], notes,
                                  [seeds[i] for i in unique], progress)
        row = {i: r for r, i in enumerate(unique)}
        take = [row[j] for j in same_as]
        if progress is not None:
            for _ in range(len(clouds) - len(unique)):
                progress.update()
        return S[take], E[take]

    plans = []
    for name, cloud, seed in zip(names, clouds, seeds):
        plans.append(plan_search(cloud, params["k"], params["knn"], int(seed)))
        if plans[-1][2] is not None:
            tell(name, [(ExactSearchWarning, plans[-1][2])])
    workers = check_n_jobs(n_jobs, work=len(clouds))
    # a small call (see JIT_MIN_POINTS) is computed densely, without Numba and SciPy
    sizes = [cloud.shape[0] for cloud in clouds]
    dense = max(sizes) < JIT_MIN_POINTS and sum(sizes) < 2 * JIT_MIN_POINTS

    def arguments(cloud, seed, plan, threads=None):
        return (cloud, t, params["k"], params["m"], params["nv"], params["method"],
                params["normalization"], params["knn"], int(seed), threads, os.getpid(), plan,
                dense)

    jobs = list(zip(clouds, seeds, plans))
    if workers == 1:  # in this process, without importing joblib
        outputs = (_cloud_signature(*arguments(*job)) for job in jobs)
    else:
        from joblib import Parallel, cpu_count, delayed

        threads = max(1, cpu_count() // workers)
        outputs = Parallel(n_jobs=workers, return_as="generator")(
            delayed(_cloud_signature)(*arguments(*job, threads)) for job in jobs
        )
    results = []
    for result in outputs:
        results.append(result)
        if progress is not None:
            progress.update()
    for name, result in zip(names, results):
        tell(name, result[2])
    S = np.vstack([r[0] for r in results])
    bad = ~np.isfinite(S).all(axis=0)
    if bad.any():
        raise ValueError(
            f"The signatures are not finite at t = {t[bad].min():g} and above: the null "
            f"trace of normalization={params['normalization']!r} underflows there. Use "
            "smaller diffusion times (IMD's weight exp(-2 (t + 1/t)) is below 1e-300 "
            "beyond t = 350 anyway) or another normalization."
        )
    return S, np.vstack([r[1] for r in results])
