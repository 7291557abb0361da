"""The hooks nn and optim mark their code with, so that a compiled step can replay it.

``@effect`` marks calls that change parameters in place outside deepgrad's ops (an optimiser's
step, zero_grad, schedulers); ``with validation():`` marks data reads that only check input. Both
cost one test of ``active`` when no step is being traced; ``fast/compile.py`` sets ``active``
while it traces. nn and optim import this module, never the compiler.
"""

from __future__ import annotations

import functools

active = None  # the compile Trace being recorded, else None


def effect(fn):
    """Mark a function or method that a compiled step must replay as a call.

    For ``optimizer.step``, ``zero_grad``, schedulers, ``clip_grad_norm_``: code that changes
    parameters or their gradients in place with NumPy, outside deepgrad's ops. Outside a trace it
    is a plain call. While a step is traced, the call is recorded (with its arguments, which may
    be parameters but not other arrays) in the step's program and then run as usual.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        trace = active
        if trace is None or trace.inside:  # not tracing, or called by engine code / an effect
            return fn(*args, **kwargs)
        return trace.effect(fn, args, kwargs)

    return wrapper


class validation:
    """``with validation():`` data reads inside the block are checks that raise on bad input,
    not branches.

    A traced step may read values here (label ranges, say) without falling back to eager; the
    compiled replay skips the check. A class rather than a generator context manager: it runs on
    every loss call, and costs 0.2 us instead of 1.2 us.
    """

    __slots__ = ("trace",)

    def __enter__(self):
        self.trace = active
        if self.trace is not None:
            self.trace.inside += 1

    def __exit__(self, *exc_info):
        if self.trace is not None:
            self.trace.inside -= 1
