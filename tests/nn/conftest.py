import numpy as np
import pytest

import deepgrad as dg


@pytest.fixture
def float64():
    """Build modules in float64 for comparisons with PyTorch in float64."""
    dg.set_default_dtype(np.float64)
    yield
    dg.set_default_dtype(np.float32)
