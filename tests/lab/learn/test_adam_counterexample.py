"""Reddi et al.'s counterexample: Adam ends at the worst point, AMSGrad at the closed-form optimum."""
import numpy as np
import pytest

from deepgrad.lab.learn import adam_counterexample


@pytest.mark.parametrize("C", [3.0, 5.0])
def test_adam_goes_to_the_worst_point_amsgrad_to_the_optimum(C):
    r = adam_counterexample.run(quick=True, C=C)
    period_loss = lambda x: (C - 2) * x  # noqa: E731 -- the loss over one period of three steps
    grid = np.linspace(-1, 1, 2001)
    best, worst = grid[np.argmin(period_loss(grid))], grid[np.argmax(period_loss(grid))]
    assert abs(r.final_x["amsgrad"] - best) < 0.02
    assert abs(r.final_x["adam"] - worst) < 0.02
    # Adam's average regret tends to the period gap between the worst and best points, over 3
    gap = (period_loss(worst) - period_loss(best)) / 3
    assert r.average_regret["adam"][-1] == pytest.approx(gap, rel=0.05)
    assert r.average_regret["amsgrad"][-1] < 0.05 * gap


def test_rejects_C_without_a_unique_optimum():
    with pytest.raises(ValueError, match="C must be > 2"):
        adam_counterexample.run(quick=True, C=2.0)
