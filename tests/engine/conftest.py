"""Shared fixtures for the engine tests: every test starts from deepgrad's default global state."""

import pytest

import deepgrad as dg
from deepgrad.engine.graph import _GradMode


@pytest.fixture(autouse=True)
def _fresh_engine_state():
    """Restore the default dtype and grad mode, whatever a failing test left behind."""
    dtype, mode = dg.get_default_dtype(), _GradMode.enabled
    yield
    dg.set_default_dtype(dtype)
    _GradMode.enabled = mode
