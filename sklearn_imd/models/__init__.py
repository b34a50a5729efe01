"""Generative models on JAX, read by the library's own tools (the ``models`` extra).

:func:`jax_generator` wraps any JAX-traceable function of latent points into
the generator protocol of :mod:`sklearn_imd.latent` (``generate(Z)`` and an
exact ``jacobian(Z)``).  Needs JAX and optax: ``pip install
"sklearn-imd[models]"``; the rest of the library does not.
"""

try:
    import jax  # noqa: F401
    import optax  # noqa: F401
except ImportError:  # pragma: no cover (the CI installs the extra)
    raise ImportError(
        'sklearn_imd.models needs JAX and optax, an optional extra of sklearn-imd: '
        'pip install "sklearn-imd[models]"'
    ) from None

from ._mmdgan import MMDGAN
from ._networks import JaxGenerator, jax_generator
from ._vae import VAE

__all__ = ["MMDGAN", "JaxGenerator", "VAE", "jax_generator"]
