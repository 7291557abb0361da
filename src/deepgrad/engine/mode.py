"""Grad mode: whether ``apply`` records nodes for reverse mode (``no_grad`` / ``enable_grad``)."""

from __future__ import annotations

import contextlib


class _GradMode:
    enabled = True


def is_grad_enabled() -> bool:
    return _GradMode.enabled


@contextlib.contextmanager
def _set_grad_enabled(flag: bool):
    prev = _GradMode.enabled
    _GradMode.enabled = flag
    try:
        yield
    finally:
        _GradMode.enabled = prev


def no_grad():
    """Context manager (and decorator) under which nothing is recorded for reverse mode."""
    return _set_grad_enabled(False)


def enable_grad():
    """Context manager that turns recording back on inside ``no_grad``."""
    return _set_grad_enabled(True)
