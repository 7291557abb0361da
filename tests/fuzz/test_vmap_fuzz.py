"""vmap under the differential fuzzer: random programs (runner.programs) mapped with random
in_axes, against jax.vmap in float64; their per-example gradients against one grad per example.

Each input is mapped (its examples stacked along a random axis, each example a shuffle of the
drawn values, so they stay in the input's domain) or broadcast (in_axes None). The values of
``dg.vmap(f)`` must agree with ``jax.vmap`` of the program's JAX reference; the per-example
gradients of ``sum(f * u)`` (``dg.vmap(dg.grad)``) with ``dg.grad`` run example by example, the
unbatched path that the main fuzzer checks against PyTorch and JAX.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis import seed as hypothesis_seed

import deepgrad as dg
from deepgrad.engine.vmap import VmapFallbackWarning

from .compare import agree
from .refs import JAX, jax
from .runner import programs

PROGRAMS = 40
SIZE = 3  # examples per batch


@st.composite
def mapped_programs(draw):
    """A program, one in_axes entry per input (at least one mapped), and its batched inputs."""
    program = draw(programs(max_depth=4))
    n = len(program.inputs)
    axes = [draw(st.one_of(st.none(), st.integers(0, np.ndim(a)))) for a in program.inputs]
    if all(ax is None for ax in axes):
        axes[draw(st.integers(0, n - 1))] = 0
    rng = np.random.default_rng(program.seed)
    args = []
    for a, ax in zip(program.inputs, axes):
        if ax is None:
            args.append(a)
            continue
        examples = [a] + [rng.permutation(a.ravel()).reshape(a.shape) for _ in range(SIZE - 1)]
        args.append(np.stack(examples, ax))
    return program, tuple(axes), args


def _example(args, axes, k):
    return [a if ax is None else np.take(a, k, ax) for a, ax in zip(args, axes)]


def check_mapped(program, axes, args):
    f, ref = program.functions()
    with warnings.catch_warnings():
        warnings.simplefilter("error", VmapFallbackWarning)  # no primitive may loop
        ours = dg.vmap(f, in_axes=axes)(*args)
        theirs = jax.vmap(lambda *xs: ref(JAX, *xs), in_axes=axes)(*args)
        assert agree(ours.data, np.asarray(theirs)), (
            f"vmap value, in_axes={axes}:\n{program!r}\nours {ours.data}\njax {theirs}")
        if ours.dtype.kind != "f":
            return
        u = np.random.default_rng(program.seed + 1).standard_normal(ours.shape[1:])
        nums = tuple(range(len(args)))
        loss = dg.grad(lambda *xs: dg.sum(f(*xs) * u), argnums=nums)
        per_example = dg.vmap(loss, in_axes=axes)(*args)
    loop = [loss(*_example(args, axes, k)) for k in range(SIZE)]
    for i in nums:
        expected = np.stack([g[i].data for g in loop])
        assert agree(per_example[i].data, expected), (
            f"vmap(grad) of input {i}, in_axes={axes}:\n{program!r}")


@pytest.mark.parametrize("shard", range(2))
def test_vmap_of_random_programs_agrees_with_jax_vmap(shard):
    @settings(max_examples=PROGRAMS // 2, deadline=None, database=None, print_blob=True,
              suppress_health_check=list(HealthCheck))
    @given(mapped_programs())
    def run(case):
        check_mapped(*case)

    with warnings.catch_warnings():  # overflow and 0/0 on the way to inf and NaN are expected
        warnings.simplefilter("ignore", RuntimeWarning)
        hypothesis_seed(100 + shard)(run)()
