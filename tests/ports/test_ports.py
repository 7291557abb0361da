"""Programs written for PyTorch and JAX (tests/ports/programs/), run unchanged under deepgrad
with only their import lines swapped, and their numbers checked against the real libraries.

Each program ends with a `results` dict. Data sources (a weights path, initial weights, JAX's
parameters and inputs) are given from outside, the same objects to both runs: torch tensors go
into deepgrad untouched, which also checks that deepgrad reads them by duck typing.
"""

from pathlib import Path

import numpy as np
import pytest

PROGRAMS = Path(__file__).parent / "programs"
IMPORTS = {
    "import torch": "import deepgrad as torch",
    "from torch import nn": "from deepgrad import nn",
    "from torch.utils.data import DataLoader, Dataset": "from deepgrad.data import DataLoader, "
                                                        "Dataset",
    "import jax.numpy as jnp": "import deepgrad as jnp",
    "from jax import grad, value_and_grad, vmap": "from deepgrad import grad, value_and_grad, vmap",
}


def run(name, deepgrad, **sources):
    """Execute a program (its import lines swapped for deepgrad's if asked); its `results`."""
    lines = (PROGRAMS / f"{name}.py").read_text().splitlines()
    if deepgrad:
        changed = [IMPORTS.get(line, line) for line in lines]
        edits = sum(a != b for a, b in zip(lines, changed))
        assert edits == sum(line in IMPORTS for line in lines) >= 1  # imports only
        lines = changed
    namespace = {"__name__": f"port_{name}", **sources}
    exec(compile("\n".join(lines), str(PROGRAMS / f"{name}.py"), "exec"), namespace)
    return namespace["results"]


def numbers(value):
    """Every number in a nested result, as one float64 vector (strings compared apart)."""
    if isinstance(value, dict):
        return np.concatenate([numbers(value[k]) for k in sorted(value)] or [np.zeros(0)])
    if isinstance(value, (list, tuple)):
        return np.concatenate([numbers(v) for v in value] or [np.zeros(0)])
    if hasattr(value, "detach"):
        value = value.detach().numpy()
    return np.asarray(getattr(value, "data", value), dtype=np.float64).reshape(-1)


def compare(ours, theirs, rtol, atol=0.0):
    for key in theirs:
        if isinstance(theirs[key], str) or (isinstance(theirs[key], list) and theirs[key]
                                            and isinstance(theirs[key][0], str)):
            assert ours[key] == theirs[key], key
        else:
            np.testing.assert_allclose(numbers(ours[key]), numbers(theirs[key]), rtol=rtol,
                                       atol=atol, err_msg=key)


@pytest.mark.parametrize("name", ["polynomial_autograd", "polynomial_nn", "custom_module"])
def test_pytorch_beginner_ports(name, tmp_path):
    torch = pytest.importorskip("torch")
    theirs = run(name, False, weights_path=tmp_path / "torch.pt")
    ours = run(name, True, weights_path=tmp_path / "deepgrad.pt")
    compare(ours, theirs, rtol=1e-9, atol=1e-12)
    assert torch.get_default_dtype() == torch.float32
    assert ours["losses"][-1] < 0.8 * ours["losses"][0]  # it learned


def test_quickstart_port(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    initial = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(),
                                  torch.nn.Linear(32, 32), torch.nn.ReLU(),
                                  torch.nn.Linear(32, 3)).state_dict()
    initial_state = {f"linear_relu_stack.{k}": v for k, v in initial.items()}
    theirs = run("quickstart", False, initial_state=initial_state,
                 weights_path=tmp_path / "torch.pth")
    ours = run("quickstart", True, initial_state=initial_state,
               weights_path=tmp_path / "deepgrad.pth")
    compare(ours, theirs, rtol=2e-4, atol=2e-5)  # float32, 40 SGD steps
    assert ours["accuracy"] > 0.5 and ours["predicted"] == theirs["predicted"]


def test_jax_readme_port():
    pytest.importorskip("jax")
    rng = np.random.default_rng(0)
    params = [(rng.normal(size=(3, 5)), rng.normal(size=5)), (rng.normal(size=(5, 2)),
                                                               rng.normal(size=2))]
    sources = {"params": params, "inputs": rng.normal(size=(4, 3)),
               "targets": rng.normal(size=(4, 2))}
    import jax

    jax.config.update("jax_enable_x64", True)  # as tests/transforms do: float64 both sides
    theirs = run("jax_readme", False, **sources)
    ours = run("jax_readme", True, **sources)
    # grad(jnp.tanh)(0.5): a Python float is float32 in deepgrad (torch's rule), float64 in JAX
    # with x64 on, so those two agree to float32 round-off; the float64 arrays to 1e-10.
    compare({k: ours.pop(k) for k in ("d1", "d2")}, {k: theirs.pop(k) for k in ("d1", "d2")},
            rtol=1e-6)
    compare(ours, theirs, rtol=1e-10, atol=1e-12)
