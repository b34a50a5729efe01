"""The displays of :mod:`sklearn_imd.plotting`, one module each, and what they share."""
