"""PyTorch's custom autograd Function tutorial, run under deepgrad with only its import changed."""

import pytest

from test_ports import compare, run


def test_custom_autograd_function_port():
    pytest.importorskip("torch")
    theirs = run("custom_function", False)
    ours = run("custom_function", True)
    compare(ours, theirs, rtol=1e-9, atol=1e-12)
    assert ours["losses"][-1] < 0.5 * ours["losses"][0]  # it learned
