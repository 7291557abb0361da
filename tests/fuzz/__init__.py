"""The standing differential fuzzer: random programs over every primitive, against PyTorch and JAX.

A program (program.py) is 1-6 calls of registered primitives on float64 inputs full of ties,
zeros, kinks and large magnitudes, with broadcasting, scalars, and one tensor used twice.
compare.py runs it on deepgrad and PyTorch (value, backward, double backward, vjp, jvp, hvp,
hessian); JAX arbitrates disagreements. hypothesis shrinks a failure and prints it as runnable
Python. test_fuzz.py runs the quick profile in the suite; ``make fuzz`` runs 20,000 programs
(``python -m fuzz`` from tests/, see __main__.py) and prints the seed and the counts.

Adding a primitive (for example a convolution in a new engine file): declare it at module level
in ``deepgrad/engine/`` (``conv2d = Primitive("conv2d", ...)``), and it joins
``primitives.registry()``; test_fuzz then fails until table.py has its entry. Add one:

    @entry("conv2d")
    def _conv2d(b, name):
        x = b.pick(shape=(2, 3, 5, 5))                 # an earlier value or a new input
        w = b.pick(shape=(4, 3, 3, 3))
        return f"dg.conv2d({x}, {w})", f"o.conv2d({x}, {w})"

and the reference ``conv2d`` to ``TorchOps`` and ``JaxOps`` in refs.py
(``F.conv2d(x, w)``; ``jax.lax.conv(x, w, (1, 1), "VALID")``).
"""
