"""Plots of heat-trace signatures, of IMD matrices, of model rankings and of the
samples the per-sample diagnostics single out (needs matplotlib).

The displays follow scikit-learn's convention (as
:class:`sklearn.metrics.ConfusionMatrixDisplay`): build one from the data with
a ``from_*`` class method, which computes what is needed and plots it, or
construct it from precomputed values and call :meth:`plot`.  The figure and
its parts are kept as attributes (``figure_``, ``ax_``, ...) for further
styling.

matplotlib is an optional dependency (``pip install "sklearn-imd[plot]"``),
imported only when a plot is drawn: importing this module does not need it.
"""

from ._plotting.heat_trace import HeatTraceDisplay
from ._plotting.matrix import IMDMatrixDisplay
from ._plotting.ranking import RankingDisplay
from ._plotting.samples import SampleDisplay

__all__ = ["HeatTraceDisplay", "IMDMatrixDisplay", "RankingDisplay", "SampleDisplay"]
