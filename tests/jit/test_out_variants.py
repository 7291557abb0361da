"""Every primitive's out= variants, replayed by deepgrad.jit, against eager on new inputs and on
infinite cotangents: the registry decides which primitives to check, the spec table their inputs.

compile checks an out= variant against the plain rule when it traces, on the traced values; a
variant that multiplies by a mask where eager selects agrees there and gives NaN for an infinite
cotangent later (an earlier relu bug). Here the replay runs on inputs it was not traced on.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.engine.primitives import registry

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
from spec import SPECS, closed_over, sample_row  # noqa: E402

WITH_OUT = sorted(name for name, prim in registry().items() if prim.out)
ROWS = [spec for spec in SPECS if spec.name.split("[")[0] in WITH_OUT]


def test_every_primitive_with_out_variants_has_a_spec_row():
    assert WITH_OUT and {s.name.split("[")[0] for s in ROWS} == set(WITH_OUT)


@pytest.mark.parametrize("spec", ROWS, ids=repr)
def test_out_variants_replay_as_eager_on_new_inputs_and_infinite_cotangents(spec):
    f, xs = closed_over(spec.dg, spec, sample_row(spec, 0), dg.tensor)
    _, other = closed_over(spec.dg, spec, sample_row(spec, 1), dg.tensor)
    g = lambda *v: dg.sin(f(*v))  # noqa: E731  (the cotangent reaching the primitive is computed)
    n = len(xs)
    pullback = lambda *a: dg.vjp(g, *a[:n])[1](a[n])  # noqa: E731
    jitted = dg.jit(pullback)
    shape = g(*xs).shape
    u = np.random.default_rng(2).standard_normal(shape)
    jitted(*xs, u)  # traced on finite values
    assert "into its buffer" in "".join(jitted.sources.values())  # the variants are in the replay
    infinite = u.copy()
    infinite.flat[::2] = np.inf
    infinite.flat[1::3] = -np.inf
    for inputs, cotangent in ((other, u), (xs, infinite), (other, infinite)):
        replayed, eager = jitted(*inputs, cotangent), pullback(*inputs, cotangent)
        for mine, want in zip(replayed, eager):
            np.testing.assert_array_equal(mine.data, want.data)  # NaN where eager has NaN only
