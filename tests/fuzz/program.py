"""A fuzz program: input arrays and straight-line steps, each one primitive's call.

Each step is kept twice, as deepgrad source (``dg.exp(v0)``) and as reference source
(``o.exp(v0)``, run by PyTorch and by JAX, see refs.py), so a program prints as runnable Python
(``repr``) and runs on all three sides. ``Builder`` is what a fuzz entry (table.py) uses to choose
its operands: an earlier value (the most recent first, so programs chain), or a new input drawn
from a domain; and to turn constants into literals.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import deepgrad as dg
from deepgrad.engine import conv as C
from deepgrad.engine import primitives as P

# Values on purpose full of ties, zeros and kinks, with some large magnitudes mixed in.
KINKS = [-2.0, -1.0, -0.5, 0.0, 0.0, 0.5, 1.0, 2.0]
LARGE = [1e4, -1e4, 50.0, 700.0, -745.0]
_DOMAINS = {
    "real": st.one_of(st.sampled_from(KINKS),
                      st.floats(-3, 3, allow_nan=False, allow_subnormal=False),
                      st.sampled_from(LARGE)),
    "nonneg": st.one_of(st.sampled_from([0.0, 0.0, 0.5, 1.0, 2.0]), st.floats(0, 3)),
    "positive": st.one_of(st.sampled_from([0.5, 1.0, 2.0]), st.floats(0.25, 3)),
    "nonzero": st.one_of(st.sampled_from([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0]),
                         st.floats(0.25, 3), st.floats(-3, -0.25)),
    "unit": st.one_of(st.sampled_from([0.0, 0.5, 1.0]), st.floats(0, 1)),
    "two_up": st.one_of(st.sampled_from([2.0, 2.0, 3.0]), st.floats(2, 3)),  # zero bases' p
    "small": st.one_of(st.sampled_from(KINKS), st.floats(-3, 3)),  # exponents that cannot overflow
}
_CHECKS = {
    "real": lambda a: True,
    "nonneg": lambda a: bool(np.all(a >= 0)) and bool(np.all(a <= 1e3)),
    "positive": lambda a: bool(np.all(a >= 0.25)) and bool(np.all(a <= 1e3)),
    "nonzero": lambda a: bool(np.all(np.abs(a) >= 0.25)) and bool(np.all(np.abs(a) <= 1e3)),
    "unit": lambda a: bool(np.all((a >= 0) & (a <= 1))),
    "two_up": lambda a: bool(np.all(a >= 2)) and bool(np.all(a <= 1e3)),
    "small": lambda a: bool(np.all(np.abs(a) <= 3)),
}
NAMESPACE = {"dg": dg, "P": P, "C": C, "np": np}


def literal(value) -> str:
    """Python source for a constant: numbers, tuples, None, NumPy arrays (dtype kept)."""
    if isinstance(value, np.ndarray):
        body = np.array2string(value, separator=", ", threshold=10**6, floatmode="unique",
                               max_line_width=10**6)
        return f"np.array({body}, dtype=np.{value.dtype})"
    return repr(value)


class Builder:
    """Draws a program step by step; entries call ``pick``, ``leaf``, ``draw`` and ``lit``."""

    def __init__(self, draw):
        self.draw = draw
        self.inputs = []     # (name, array)
        self.values = []     # (name, array): inputs and step results, in creation order
        self.steps = []      # (name, dg_source, ref_source, primitive)

    # ----------------------------------------------------------------- operands
    def shape(self, min_dims=0, max_dims=3, max_side=4):
        return tuple(self.draw(st.lists(st.integers(1, max_side), min_size=min_dims,
                                        max_size=max_dims)))

    def leaf(self, shape, domain="real") -> str:
        """A new input of ``shape`` with values from ``domain``."""
        a = self.draw(arrays(np.float64, shape, elements=_DOMAINS[domain]))
        name = f"x{len(self.inputs)}"
        self.inputs.append((name, a))
        self.values.append((name, a))
        return name

    def pick(self, domain="real", shape=None, min_dims=0, max_dims=3, exclude=()) -> str:
        """An earlier value fitting ``domain`` and ``shape`` (the most recent first), or a new input."""
        ok = [n for n, a in reversed(self.values)
              if _CHECKS[domain](a) and (shape is None and min_dims <= a.ndim <= max_dims
                                         or shape is not None and a.shape == tuple(shape))
              and n not in exclude]
        i = self.draw(st.integers(0, len(ok)))
        if i < len(ok):
            return ok[i]
        return self.leaf(self.shape(min_dims, max_dims) if shape is None else tuple(shape), domain)

    def value(self, name) -> np.ndarray:
        return dict(self.values)[name]

    def one_of(self, options):
        return self.draw(st.sampled_from(options))

    @staticmethod
    def lit(value) -> str:
        return literal(value)

    # ----------------------------------------------------------------- steps
    def add_step(self, prim, dg_src, ref_src):
        """Record a step and compute its value with deepgrad (no graph) for later steps' choices."""
        env = dict(NAMESPACE)
        env.update({n: dg.tensor(a) for n, a in self.values})
        with dg.no_grad():
            out = np.asarray(eval(dg_src, env).data, dtype=np.float64)
        name = f"v{len(self.steps)}"
        self.steps.append((name, dg_src, ref_src, prim))
        self.values.append((name, out))
        return name

    def program(self, seed):
        return Program([a for _, a in self.inputs], [n for n, _ in self.inputs], self.steps, seed)


class Program:
    """Inputs, steps, and the seed of the cotangent/tangent draws; ``repr`` is runnable Python."""

    def __init__(self, inputs, names, steps, seed):
        self.inputs, self.names, self.steps, self.seed = inputs, names, steps, seed

    @property
    def prims(self):
        return [s[3] for s in self.steps]

    def source(self, side):
        args = ", ".join(self.names)
        head = f"def f({args}):" if side == "dg" else f"def ref(o, {args}):"
        body = [f"    {n} = {dg_src if side == 'dg' else ref_src}" for n, dg_src, ref_src, _ in self.steps]
        return "\n".join([head] + body + [f"    return {self.steps[-1][0]}"])

    def functions(self):
        """(f, ref): deepgrad's function of the inputs, and the reference ``ref(o, *inputs)``."""
        env = dict(NAMESPACE)
        exec(self.source("dg"), env)
        exec(self.source("ref"), env)
        return env["f"], env["ref"]

    def __repr__(self):
        inputs = "\n".join(f"{n} = {literal(a)}" for n, a in zip(self.names, self.inputs))
        return ("\n# --- a fuzz program; run from the repository root (PYTHONPATH=src:tests) ---\n"
                "import numpy as np\nimport deepgrad as dg\nfrom deepgrad.engine import primitives as P\n"
                "from fuzz.compare import check\n\n"
                f"{inputs}\n\n{self.source('dg')}\n\n\n{self.source('ref')}\n\n\n"
                f"print(check(f, ref, [{', '.join(self.names)}], seed={self.seed}))\n")
