"""Smoke test of the benchmark suite and of deepgrad.compile: tiny sizes, no timing assertions.

Every workload runs for deepgrad (eager and compiled) through the suite's own code; compiled
steps must leave parameters bit-identical to eager steps, and fall back to eager with a warning
when the step branches on data or is called with other shapes.
"""

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import run as bench
from benchmarks import workloads as W
from benchmarks.peers import deepgrad_peer
from benchmarks.report import markdown

import deepgrad as dg
from deepgrad.engine.fast.compile import CompileWarning, compile, effect


def _optim_hooked():
    from deepgrad.optim.optimizer import Optimizer

    return hasattr(Optimizer.step, "__wrapped__") and hasattr(Optimizer.zero_grad, "__wrapped__")


needs_optim_hook = pytest.mark.optim_hook  # the hook has landed: these tests always run


def test_optimizer_calls_are_marked_for_compile():
    assert _optim_hooked()


def test_every_workload_runs_tiny_for_deepgrad(tmp_path):
    cfg = bench.parse(["--tiny", "--quiet", "--out", str(tmp_path)])
    results = {"environment": bench.environment(), "config": {}, "workloads": {},
               "gemm_peak": bench.gemm_peak(sizes=(64,), repeats=1)}
    for peer in ("numpy", "deepgrad", "deepgrad_compile"):
        for name, r in bench.run_peer(peer, cfg, lambda *a: None).items():
            results["workloads"].setdefault(name, {})[peer] = r
    spec = bench.tiny_spec(W.W5)
    for peer in ("numpy", "deepgrad"):
        results["workloads"].setdefault("W5", {})[peer] = bench.bench_train(peer, spec, cfg)
    wl = results["workloads"]
    assert set(wl) == {"W1", "W2", "W3", "W4", "W5", "W6"}
    for name, res in wl.items():
        for peer, r in res.items():
            assert "error" not in r, (name, peer, r)
    for name in ("W1", "W2", "W3", "W5"):  # the same model from the same weights: same loss
        ref = wl[name]["numpy"]["loss_after_steps"]
        assert wl[name]["deepgrad"]["loss_after_steps"] == pytest.approx(ref, rel=1e-4)
    assert np.isfinite(wl["W4"]["deepgrad"]["hvp_over_grad"])
    assert np.isfinite(wl["W4"]["numpy"]["hvp_over_grad"])
    for peer in ("numpy", "deepgrad", "deepgrad_compile"):  # W6: one accuracy per seed
        r = wl["W6"][peer]
        assert cfg.seeds == 2 and r["seeds"] == [0, 1]
        assert len(r["test_accuracies"]) == cfg.seeds
        assert all(0 <= a <= 1 for a in r["test_accuracies"])
        assert r["test_accuracy"] == pytest.approx(np.mean(r["test_accuracies"]))
        assert r["test_accuracy_sd"] is not None and r["test_accuracy_sd"] >= 0
    # the peers start each seed from the same weights on the same batches: the same accuracies
    # (to one test sample of 360: float rounding may flip a near-tie)
    assert np.allclose(wl["W6"]["deepgrad"]["test_accuracies"],
                       wl["W6"]["numpy"]["test_accuracies"], rtol=0, atol=1.01 / 360)
    wl["W6"]["sklearn"] = {"test_accuracies": [0.95, 0.97], "test_accuracy": 0.96,
                           "test_accuracy_sd": 0.0141,
                           "s_per_epoch": {"median": 0.01, "min": 0.01, "max": 0.01}}
    text = markdown(results)
    assert "deepgrad eager / peer" in text and "| W1 speed |" in text
    assert "W6 test accuracy, mean ± sd (n seeds)" in text and "(2 seeds)" in text
    assert "- W6 accuracy >= sklearn's (means over 2 and 2 seeds)" in text
    assert "standard errors of the difference" in text


def test_w6_accuracy_target_states_the_difference_in_standard_errors():
    from benchmarks.report import accuracy_comparison, w6_accuracy_line

    a, b = [0.97, 0.975, 0.98], [0.975, 0.98, 0.985]
    c = accuracy_comparison(a, b)
    assert c["diff"] == pytest.approx(-0.005)
    assert c["se"] == pytest.approx(np.sqrt(2 * np.var(a, ddof=1) / 3))
    assert c["z"] == pytest.approx(-0.005 / c["se"])
    assert c["z_paired"] is None  # the per-seed differences have no spread
    line = w6_accuracy_line(a, b)
    assert "97.50% vs 98.00%" in line and "-1.2 standard errors" in line
    assert "within seed noise" in line and line.endswith("MISSED")
    assert "one seed" in w6_accuracy_line([0.98], [0.97]) and \
        w6_accuracy_line([0.98], [0.97]).endswith("met")


def _pair(spec):
    init = W.init_params(spec)
    x, y = W.batch_data(spec)
    eager = deepgrad_peer.Trainer(spec, init)
    compiled = deepgrad_peer.Trainer(spec, init, compiled=True)
    return eager, compiled, eager.prepare(x, y)


@needs_optim_hook
@pytest.mark.parametrize("name", ["W1", "W2"])
def test_compile_is_bit_identical_to_eager(name):
    spec = bench.tiny_spec(W.SPECS[name])
    eager, compiled, batch = _pair(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for _ in range(4):
            le = eager.step(*batch)
            lc = compiled.step(*batch)
            assert np.array_equal(le.data, lc.data)
    assert compiled.step.fallback_reason is None
    assert "linear, into its buffer" in compiled.step.source  # replayed, buffered linear layers
    for p, q in zip(eager.model.parameters(), compiled.model.parameters()):
        assert np.array_equal(p.data, q.data)
        assert np.array_equal(p.grad.data, q.grad.data)


def _sgd_model(seed=0, clear=True):
    rng = np.random.default_rng(seed)
    w = dg.tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    b = dg.tensor(np.zeros(3, np.float32), requires_grad=True)

    @effect
    def update(lr=0.1):  # a hand-written in-place update, replayed as a call
        for p in (w, b):
            p.data -= lr * p.grad.data
            if clear:
                p.grad = None

    def step(x, y):
        loss = dg.mean((dg.relu(dg.linear(x, w, b)) - y) ** 2)
        loss.backward()
        update()
        return loss

    return (w, b), step


@pytest.mark.parametrize("clear", [True, False])  # False: .grad accumulates over steps
def test_compile_replays_a_hand_written_step_bit_identically(clear):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 4)).astype(np.float32)
    y = rng.standard_normal((5, 3)).astype(np.float32)
    p_eager, step = _sgd_model(clear=clear)
    p_comp, step2 = _sgd_model(clear=clear)
    cstep = compile(step2)
    for _ in range(5):
        assert np.array_equal(step(x, y).data, cstep(x, y).data)
    assert cstep.fallback_reason is None and cstep.source is not None
    for p, q in zip(p_eager, p_comp):
        assert np.array_equal(p.data, q.data)
        assert (p.grad is None) == (q.grad is None)
        assert p.grad is None or np.array_equal(p.grad.data, q.grad.data)


def test_compile_falls_back_with_a_warning_on_a_data_dependent_branch():
    (w, b), _ = _sgd_model()

    def step(x):
        out = dg.linear(x, w, b)
        if out.sum().item() > 0:  # a branch on data: a replay could not follow it
            out = out * 2.0
        return out.sum()

    cstep = compile(step)
    x = np.ones((2, 4), np.float32)
    with pytest.warns(CompileWarning, match="falls back to eager"):
        first = cstep(x)
    assert "traced data" in cstep.fallback_reason
    assert np.array_equal(cstep(x).data, step(x).data) and np.array_equal(first.data, step(x).data)


def test_compile_runs_other_shapes_eagerly_with_a_warning():
    rng = np.random.default_rng(1)
    _, step = _sgd_model()
    cstep = compile(step)
    x, y = rng.standard_normal((5, 4)).astype(np.float32), np.zeros((5, 3), np.float32)
    cstep(x, y)
    with pytest.warns(CompileWarning, match="runs eagerly"):
        cstep(x[:2], y[:2])
    assert cstep.fallback_reason is None  # the recording is kept for the traced shapes
    cstep(x, y)


def test_compile_falls_back_when_the_step_draws_random_numbers():
    from deepgrad import nn

    drop = nn.Dropout(0.5)  # draws from deepgrad's global generator: a replay would freeze it
    (w, b), _ = _sgd_model()

    def step(x):
        return dg.sum(drop(dg.linear(x, w, b)))

    cstep = compile(step)
    with pytest.warns(CompileWarning, match="random generator"):
        cstep(np.ones((2, 4), np.float32))
    assert cstep.fallback_reason is not None


def test_hand_written_hvp_is_deepgrads_hvp():
    """The W4 floor computes the same gradient and Hessian-vector product as dg.grad / dg.hvp."""
    from benchmarks.peers import numpy_hand

    spec = W.W2.scaled(batch=16, widths=(8, 12, 12, 5))
    init = W.init_params(spec)
    x, y = W.batch_data(spec)
    ours_g, ours_h = deepgrad_peer.make_hvp(spec, init, x, y)
    hand_g, hand_h = numpy_hand.make_hvp(spec, init, x, y)
    for ours, hand in ((ours_g(), hand_g()), (ours_h(), hand_h())):
        assert len(ours) == len(hand) == 6
        for a, b in zip(ours, hand):
            np.testing.assert_allclose(a.data, b, rtol=2e-5, atol=1e-6)


def test_each_peer_keeps_its_median_round():
    rounds = [{"s_per_step": {"median": m}} for m in (3.0, 1.0, 2.0)]
    chosen = bench.median_round(rounds + [{"error": "RuntimeError: slow"}])
    assert chosen["s_per_step"]["median"] == 2.0 and chosen["rounds"] == [3.0, 1.0, 2.0]
    hvp = bench.median_round([{"hvp_over_grad": h} for h in (2.9, 3.1)])
    assert hvp["hvp_over_grad"] == 2.9
    assert "error" in bench.median_round([{"error": "x"}])
    w6 = {"s_per_epoch": {"median": 0.01}}  # a workload run once keeps its one result
    assert bench.median_round([w6]) is w6


def test_a_whole_run_in_two_rounds_writes_the_report(tmp_path):
    cfg = bench.parse(["--tiny", "--quiet", "--out", str(tmp_path), "--peers", "numpy",
                       "--only", "W1,W4,W6", "--rounds", "2"])
    results = bench.run(cfg)
    wl = results["workloads"]
    assert len(wl["W1"]["numpy"]["rounds"]) == 2 and len(wl["W4"]["numpy"]["rounds"]) == 2
    assert "rounds" not in wl["W6"]["numpy"]  # W6 runs once, in the first round
    assert "W1-W4: 2 rounds" in (tmp_path / "RESULTS.md").read_text()
