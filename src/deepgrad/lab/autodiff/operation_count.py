"""Count the operations of a recorded computation: primitive calls and floating-point operations.

A library for the ``cheap_gradient`` experiment. It walks the graph behind some Tensors
(``grad_fn`` and its ``inputs``, the public face of deepgrad's graph) and costs every recorded
primitive call by the usual model: a matrix product (m x k) @ (k x n) costs 2 m k n flops (a
multiply and an add per term), ``linear`` the same plus one add per output for its bias, an
elementwise operation one flop per output element (exp, tanh, ... count as one), a reduction one
per input element, ``mse_loss`` three per element (difference, square, sum) as its composed form,
and moving data (reshape, transpose, broadcast_to, indexing, ...) none. Values computed outside
the graph (a comparison that builds a mask) are not recorded and so not counted.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

MOVES = frozenset({"reshape", "transpose", "broadcast_to", "getitem", "concatenate", "stack", "pad",
                   "expand", "squeeze", "unsqueeze", "flatten", "permute", "movedim", "copy"})
REDUCTIONS = frozenset({"sum", "mean", "max", "min", "var", "logsumexp", "softmax", "log_softmax",
                        "prod"})


@dataclass
class OperationCount:
    """What a walk found: calls and flops per primitive name, the matrix-product share, the nodes."""

    calls: Counter = field(default_factory=Counter)
    flops: Counter = field(default_factory=Counter)
    matmul_flops: int = 0  # the 2 m k n terms of matmul and linear alone
    nodes: set = field(default_factory=set)  # id() of every node counted

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    @property
    def total_flops(self) -> int:
        return sum(self.flops.values())


def _shape(value) -> tuple:
    return tuple(getattr(value, "shape", np.shape(value)))


def node_flops(name: str, out_shape: tuple, in_shapes: list[tuple]) -> tuple[int, int]:
    """(flops, of which matrix-product flops) of one primitive call, by the module's cost model."""
    out = int(np.prod(out_shape, dtype=np.int64))
    if name == "matmul":
        k = in_shapes[0][-1] if in_shapes[0] else 1
        return 2 * out * k, 2 * out * k
    if name == "linear":
        k = in_shapes[0][-1]
        has_bias = len(in_shapes) > 2
        return 2 * out * k + (out if has_bias else 0), 2 * out * k
    if name in MOVES:
        return 0, 0
    if name in REDUCTIONS:
        return int(np.prod(in_shapes[0], dtype=np.int64)), 0
    if name == "mse_loss":
        return 3 * int(np.prod(in_shapes[0], dtype=np.int64)), 0
    return out, 0


def count_operations(outputs, exclude=frozenset()) -> OperationCount:
    """Every primitive call recorded behind ``outputs`` (Tensors), except the nodes in ``exclude``
    (ids, e.g. a forward pass's ``nodes`` when counting the backward pass built on top of it)."""
    count = OperationCount()
    stack = [t for t in outputs if getattr(t, "grad_fn", None) is not None]
    while stack:
        t = stack.pop()
        node = t.grad_fn
        if id(node) in count.nodes or id(node) in exclude:
            continue
        count.nodes.add(id(node))
        inputs = list(node.inputs)
        flops, matmul = node_flops(node.name, _shape(t), [_shape(x) for x in inputs if x is not None])
        count.calls[node.name] += 1
        count.flops[node.name] += flops
        count.matmul_flops += matmul
        stack.extend(x for x in inputs if getattr(x, "grad_fn", None) is not None)
    return count
