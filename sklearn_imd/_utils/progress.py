"""Progress bars on stderr for long work (``verbose``).

tqdm draws them when it is installed (the ``progress`` extra); otherwise a
plain counter is printed on stderr, one line per step at most once a second.
"""

import sys
import time

from .validation import check_int


def check_verbose(verbose, name="verbose"):
    """``verbose`` as an int >= 0 (bools accepted: True is 1)."""
    return check_int(int(verbose) if isinstance(verbose, bool) else verbose, name, 0)


class _Counter:
    """A minimal stand-in for tqdm: ``desc: done/total`` lines on stderr."""

    def __init__(self, total, desc, delay):
        self.total, self.desc, self.done = total, desc, 0
        self._start = time.monotonic()
        self._shown = self._start + delay - 1.0
        self._printed = False

    def update(self, n=1):
        self.done += n
        now = time.monotonic()
        # a line a second once ``delay`` has passed, and the last one if any was shown
        if now - self._shown >= 1.0 or (self.done >= self.total and self._printed):
            self._shown = now
            self._printed = True
            print(f"{self.desc}: {self.done}/{self.total} ({now - self._start:.0f} s)",
                  file=sys.stderr, flush=True)

    def close(self):
        pass


class _Silent:
    def update(self, n=1):
        pass

    def close(self):
        pass


def progress_bar(total, desc, verbose, delay=0.0):
    """An object with ``update(n=1)`` and ``close()``: a bar on stderr when
    ``verbose`` (an int, checked) is positive, else one that shows nothing.
    ``delay``: seconds before the bar first appears (short work shows none)."""
    if not verbose or total <= 0:
        return _Silent()
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _Counter(total, desc, delay)
    return tqdm(total=total, desc=desc, file=sys.stderr, delay=delay, leave=False)
