"""``seeds=N`` on the seed-hungry experiments: the result's curves are exactly the mean of N
single-seed runs (seeds seed..seed+N-1) and its ``*_sd`` their sample sd, both recomputed here
with NumPy from separate runs; the figure draws a labelled band and follows the figure rules; the
same repeats run through ``deepgrad.sweep``; a bad ``seeds`` is refused by name."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from deepgrad.lab import repeats
from deepgrad.lab.autodiff import ntk
from deepgrad.lab.learn import (bias_variance, double_descent, hidden_units, min_norm_risk,
                                signal_propagation)

_spec = importlib.util.spec_from_file_location(
    "figure_rules", Path(__file__).resolve().parents[1] / "docs" / "figure_rules.py")
figure_rules = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(figure_rules)

CASES = {  # module, run() keywords, [(mean field, sd field)] as getters
    "double_descent": (double_descent, {"n_jobs": 1, "ratios": (0.5, 1.0, 2.0, 4.0)}, [
        (lambda r: r.test_error["relu"], lambda r: r.test_error_sd["relu"]),
        (lambda r: r.classification_error["fourier"],
         lambda r: r.classification_error_sd["fourier"])]),
    "bias_variance": (bias_variance, {"datasets": 50}, [
        (lambda r: r.bias2, lambda r: r.bias2_sd), (lambda r: r.variance, lambda r: r.variance_sd),
        (lambda r: r.test_error, lambda r: r.test_error_sd)]),
    "min_norm_risk": (min_norm_risk, {"trials": 50}, [
        (lambda r: r.risk_mean, lambda r: r.risk_sd)]),
    "hidden_units": (hidden_units, {"widths": (4, 64), "epochs": 5}, [
        (lambda r: r.train_error, lambda r: r.train_error_sd),
        (lambda r: r.test_error, lambda r: r.test_error_sd)]),
    "signal_propagation": (signal_propagation, {"depth": 4}, [
        (lambda r: r.second_moment["he/relu"], lambda r: r.second_moment_std["he/relu"])]),
    "ntk": (ntk, {"widths": (32, 64), "steps": 20}, [
        (lambda r: r.rel_error, lambda r: r.rel_error_std),
        (lambda r: r.net_prediction, lambda r: r.net_prediction_sd)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_seeds_report_the_mean_and_sd_of_single_seed_runs(name):
    module, kwargs, fields = CASES[name]
    both = module.run(quick=True, seed=3, seeds=2, **kwargs)
    singles = [module.run(quick=True, seed=s, seeds=1, **kwargs) for s in (3, 4)]
    assert both.seeds == 2
    for mean, sd in fields:
        values = np.array([mean(r) for r in singles], dtype=np.float64)
        np.testing.assert_allclose(mean(both), values.mean(axis=0), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(sd(both), values.std(axis=0, ddof=1), rtol=1e-9, atol=1e-12)
        assert np.all(np.asarray(sd(singles[0])) == 0) and np.any(np.asarray(sd(both)) > 0)
    fig = module.plot(both)
    bands = [c.get_label() for ax in fig.axes for c in ax.collections
             if "seeds" in str(c.get_label())]
    assert bands and figure_rules.problems(fig) == []


def test_the_same_repeats_run_through_the_sweep_layer(tmp_path):
    from deepgrad import sweep

    rows = sweep.run("lab:min_norm_risk", {"quick": True, "seeds": 1, "trials": 50}, seeds=[3, 4],
                     results=str(tmp_path / "r.db"), progress=False)
    by_seed = {row["seed"]: row["metrics"]["max_standard_errors"] for row in rows}
    assert by_seed == {s: min_norm_risk.run(quick=True, seed=s, trials=50).max_standard_errors
                       for s in (3, 4)}


@pytest.mark.parametrize("bad", [0, -2, 1.5, True])
def test_bad_seeds_are_refused_by_name(bad):
    with pytest.raises(ValueError, match="seeds must be a positive int"):
        repeats.seed_range(0, bad)
    with pytest.raises(ValueError, match="seeds"):
        min_norm_risk.run(quick=True, seeds=bad)
