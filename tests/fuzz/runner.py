"""The hypothesis strategy for whole programs, and the property: deepgrad agrees on every one.

``STATS`` counts programs, comparisons and the mismatches by side for the summary.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from .compare import check
from .program import Builder
from .table import FUZZ

STATS = {"programs": 0, "comparisons": 0, "deepgrad_wrong": 0, "unsettled": Counter(),
         "torch_wrong": Counter()}
MAX_DEPTH = 6


@st.composite
def programs(draw, max_depth=MAX_DEPTH):
    """A program of 1 to ``max_depth`` steps, each a primitive drawn from the fuzz table."""
    b = Builder(draw)
    names = sorted(FUZZ)
    for _ in range(draw(st.integers(1, max_depth))):
        name = draw(st.sampled_from(names))
        b.add_step(name, *FUZZ[name](b))
    return b.program(seed=draw(st.integers(0, 2**16)))


def check_program(program):
    """The property: no deepgrad-side mismatch (PyTorch-side ones are counted, not failed)."""
    f, ref = program.functions()
    result = check(f, ref, program.inputs, program.seed)
    STATS["programs"] += 1
    STATS["comparisons"] += result["comparisons"]
    STATS["deepgrad_wrong"] += len(result["deepgrad_wrong"])
    for mode in result["unsettled"]:  # "hvp (round-off: ...)": counted by the reason
        STATS["unsettled"][mode.partition(" (")[2].rstrip(")") or "PyTorch and JAX disagree"] += 1
    for mode in result["torch_wrong"]:
        STATS["torch_wrong"][(mode, " ".join(sorted(set(program.prims))))] += 1
    assert not result["deepgrad_wrong"], "deepgrad disagrees:\n" + "\n".join(
        f"  {mode}: {why}" for mode, why in result["deepgrad_wrong"])


def fuzz(n, seed=None):
    """Run the property over ``n`` programs (hypothesis shrinks and prints any failure)."""
    @settings(max_examples=n, deadline=None, database=None, print_blob=True,
              suppress_health_check=list(HealthCheck))
    @given(programs())
    def run(program):
        check_program(program)

    if seed is not None:
        run = hypothesis_seed(seed)(run)
    run()


def summary(stats=STATS):
    lines = [f"fuzz: {stats['programs']} programs, {stats['comparisons']} comparisons, "
             f"{stats['deepgrad_wrong']} deepgrad-side mismatches, "
             f"{sum(stats['torch_wrong'].values())} PyTorch-side (JAX agrees with deepgrad), "
             f"{sum(stats['unsettled'].values())} unsettled (no reference decides)"]
    for (mode, prims), count in sorted(stats["torch_wrong"].items()):
        lines.append(f"  torch wrong x{count}: {mode} of a program over {prims}")
    for reason, count in sorted(stats["unsettled"].items()):
        lines.append(f"  unsettled x{count}: {reason}")
    return "\n".join(lines)


def worker(n, seed):
    """One process of ``python -m fuzz``: (its STATS, the failure or None)."""
    import warnings

    warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's overflow and 0/0, as drawn
    warnings.filterwarnings("ignore", "var\\(\\): degrees of freedom", UserWarning)  # torch, ddof >= n
    failure = None
    try:
        fuzz(n, seed=seed)
    except Exception as e:  # noqa: BLE001  (hypothesis has printed the shrunk program)
        notes = "\n".join(getattr(e, "__notes__", []))  # hypothesis puts the program there
        failure = f"{type(e).__name__}: {e}\n{notes}"
    return dict(STATS), failure
