"""deepgrad.jit under the differential fuzzer: random programs (runner.programs) traced once and
replayed on other inputs must give what eager deepgrad gives there, which the main fuzzer checks
against PyTorch and JAX.

Three jitted functions per program: its value, its VJP (``vjp(f, *xs)[1](u)``, the cotangent an
argument) and its HVP (forward over reverse). Each is traced on the drawn inputs, then replayed on
a second set (each input's values shuffled, so they stay in the program's domain) and compared
with eager on that set; the VJP also with infinite entries in u. So a replay that baked in a
traced value fails, and so can one that multiplies by a mask where eager selects (``inf * 0`` is
NaN). That needs the infinity to reach the rule, which few random programs do: the primitives'
out= variants, where it happened, are checked directly in tests/jit/test_out_variants.py (a
mutated relu variant fails there, not in 300 programs here). A program that jit cannot trace (an
index drawn from the data, say) runs eagerly with a CompileWarning; most must trace, or the
property says nothing.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed

import deepgrad as dg
from deepgrad.engine.fast.compile import CompileWarning

from .compare import agree, draws
from .runner import programs

PROGRAMS = 60
TRACED = {"functions": 0, "traced": 0}


def _jitted(f, n):
    """The three functions of the inputs ``xs`` (and u, ws), jitted."""
    def hvp(*args):
        xs, u, ws = args[:n], args[n], args[n + 1:]
        out = dg.hvp(lambda *v: dg.sum(f(*v) * u), xs, ws)
        return out if n > 1 else (out,)

    return {"value": dg.jit(lambda *xs: (f(*xs),)),
            "vjp": dg.jit(lambda *args: dg.vjp(f, *args[:n])[1](args[n])),
            "hvp": dg.jit(hvp)}


def _arguments(name, xs, u, ws):
    return list(xs) if name == "value" else list(xs) + [u] + (list(ws) if name == "hvp" else [])


def check_replay(program):
    f, _ = program.functions()
    first = [np.asarray(a, dtype=np.float64) for a in program.inputs]
    rng = np.random.default_rng(program.seed + 7)
    second = [rng.permutation(a.ravel()).reshape(a.shape) for a in first]
    value = f(*[dg.tensor(a) for a in first])
    if value.dtype.kind != "f":
        return
    u, ws = draws(first, value.shape, program.seed)
    n = len(first)
    for name, jitted in _jitted(f, n).items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CompileWarning)
            jitted(*_arguments(name, first, u, ws))  # traced here (or falls back)
        TRACED["functions"] += 1
        if any(issubclass(w.category, CompileWarning) for w in caught):
            continue
        TRACED["traced"] += 1
        for cotangent in (u, _with_infinities(u, rng)) if name == "vjp" else (u,):
            replayed = jitted(*_arguments(name, second, cotangent, ws))
            eager = jitted.fn(*_arguments(name, second, cotangent, ws))
            for k, (mine, want) in enumerate(zip(replayed, eager)):
                assert agree(mine.data, want.data), (
                    f"jit {name}, output {k}, replayed on new inputs, cotangent {cotangent}:\n"
                    f"{program!r}\nreplay {mine.data}\neager {want.data}\nsource:\n"
                    + "\n".join(jitted.sources.values()))


def _with_infinities(u, rng):
    """u with about a third of its entries set to +-inf (a rule that multiplies by a mask where
    eager selects gives NaN there; the trace, on finite values, cannot tell the two apart)."""
    u = np.array(u, dtype=np.float64)
    where = rng.random(u.shape) < 0.34
    u[where] = np.copysign(np.inf, u[where])
    return u


@pytest.mark.parametrize("shard", range(2))
def test_jit_replays_of_random_programs_agree_with_eager(shard):
    @settings(max_examples=PROGRAMS // 2, deadline=None, database=None, print_blob=True,
              suppress_health_check=list(HealthCheck))
    @given(programs(max_depth=4))
    def run(program):
        check_replay(program)

    TRACED.update(functions=0, traced=0)
    with warnings.catch_warnings():  # overflow and 0/0 on the way to inf and NaN are expected
        warnings.simplefilter("ignore", RuntimeWarning)
        hypothesis_seed(200 + shard)(run)()
    assert TRACED["traced"] >= TRACED["functions"] // 2 > 0, (
        f"only {TRACED['traced']} of {TRACED['functions']} jitted functions traced")
