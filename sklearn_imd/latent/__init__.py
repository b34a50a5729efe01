"""Geometry of a generator's latent space.

A *generator* is any callable mapping latent points ``Z`` of shape
``(n, d_z)`` to outputs of shape ``(n, ...)`` (flattened to ``(n, d_x)``), a
fitted :class:`sklearn.neural_network.MLPRegressor` (its exact Jacobian is
computed from its weights), or any object of the *generator protocol*: a
``generate(Z)`` method for the outputs and a ``jacobian(Z)`` method for their
``(n, d_x, d_z)`` Jacobians, as the models of :mod:`sklearn_imd.models` and
:func:`sklearn_imd.models.jax_generator` of a JAX function provide (exact, by
automatic differentiation).  Otherwise the Jacobian ``J(z)`` of shape
``(d_x, d_z)`` comes from a ``jacobian`` callable when one is given, else
from batched central finite differences, each point stepped at its own scale.

- the pull-back metric ``G(z) = J^T J`` makes the latent space a Riemannian
  manifold (Chen, Klushyn, Kurle et al., "Metrics for deep generative
  models"); its magnification factor ``sqrt(det G)`` is the local change of
  volume, and geodesics are the shortest decoded paths;
- the condition number of ``J`` measures how anisotropic the generator is
  (Ramirez, Gallego & Puerta, "On the geometry of deep generative models");
- the class radius ``E[r(z)]`` is the expected distance from ``z ~ N(0, I)``
  to the nearest latent point whose output is classified differently, bounded
  by the collision probability of the generated classes (Manoj, "Looser is
  worse").
"""

from ._class_radius import (
    ClassRadiusResult, class_radius, class_radius_bound, collision_probability,
)
from ._geodesic import GeodesicResult, geodesic
from ._metric import (
    GeneratorGeometry, jacobian_condition_number, magnification_factor, pullback_metric,
)

__all__ = [
    "ClassRadiusResult", "GeneratorGeometry", "GeodesicResult", "class_radius",
    "class_radius_bound", "collision_probability", "geodesic", "jacobian_condition_number",
    "magnification_factor", "pullback_metric",
]
