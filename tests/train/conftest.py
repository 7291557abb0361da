import numpy as np
import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="session")
def one_blas_thread():
    """Small matmuls run fastest on one BLAS thread; on a shared, loaded machine OpenBLAS's
    spinning worker threads can slow training steps a hundredfold."""
    np.ones(1) @ np.ones(1)  # load NumPy's BLAS so threadpoolctl can see it
    with threadpool_limits(limits=1, user_api="blas"):
        yield
