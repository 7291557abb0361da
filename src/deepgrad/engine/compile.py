"""deepgrad.compile: trace one call of a training step, replay it as a flat list of NumPy calls.

(Work in progress: the tracer lands next; these two helpers are what nn/optim use.)
"""

from __future__ import annotations

import contextlib
import functools

_active = None  # the Trace being recorded, else None


def effect(method):
    """Mark a method whose call a compiled step must replay as a call (optimizer.step, zero_grad).

    Outside a trace it is a plain call. While a step is traced, the call is recorded (with its
    arguments) in the step's program and then run as usual.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        trace = _active
        if trace is None:
            return method(self, *args, **kwargs)
        return trace.effect(method, self, args, kwargs)

    return wrapper


@contextlib.contextmanager
def validation():
    """Data reads inside this block are checks that raise on bad input, not branches.

    A traced step may read values here (label ranges, say) without falling back to eager; the
    compiled replay skips the check.
    """
    trace = _active
    if trace is None:
        yield
        return
    trace.reads_allowed += 1
    try:
        yield
    finally:
        trace.reads_allowed -= 1
