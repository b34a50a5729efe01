"""The user's frame, past the library's own: where a warning should point."""

import sys

# Packages whose frames stand between a user's call and a warning raised deep inside.
LIBRARY = ("sklearn_imd", "sklearn", "joblib")


def caller_frame(skip=LIBRARY):
    """The innermost frame of the caller's caller outside the top-level
    packages ``skip``: the user's call."""
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__", "").split(".")[0] in skip:
        frame = frame.f_back
    return frame
