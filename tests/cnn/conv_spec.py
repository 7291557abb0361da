"""Spec rows for the conv/pool primitives: a deepgrad callable, its PyTorch twin, input shapes.

Each row is also the fuzzer's description of the op (``make_inputs(rng)`` draws float64 inputs,
``dg_fn`` and ``torch_fn`` take them positionally), so tests/fuzz can import ``ROWS`` as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch.nn.functional as F

from deepgrad.engine import conv as C


@dataclass
class Row:
    """One option setting of one op: inputs are drawn from standard normals of ``shapes``."""

    id: str
    dg_fn: Callable
    torch_fn: Callable
    shapes: tuple
    ties: bool = False  # inputs rounded to {-1, 0, 1}: max pooling on its ties

    def make_inputs(self, rng):
        xs = [rng.normal(size=s) for s in self.shapes]
        return [np.round(x).clip(-1, 1) for x in xs] if self.ties else xs


def _conv_rows(dims, dg_conv, torch_conv):
    sp = (7,) * dims if dims == 1 else (6, 5)
    k = (3,) * dims
    opts = [
        ("plain", {}, 4, 1), ("stride2", dict(stride=2), 4, 1), ("pad1", dict(padding=1), 4, 1),
        ("pad_tuple", dict(padding=(2,) * dims), 4, 1), ("same", dict(padding="same"), 4, 1),
        ("same_dilated", dict(padding="same", dilation=2), 4, 1),
        ("valid", dict(padding="valid"), 4, 1), ("dilation2", dict(dilation=2), 4, 1),
        ("groups2", dict(groups=2, padding=1), 4, 2), ("depthwise", dict(groups=4), 4, 4),
        ("all", dict(stride=2, padding=1, dilation=2, groups=2), 4, 2),
    ]
    rows = []
    for name, kw, c, g in opts:
        for bias in ((True, False) if name in ("plain", "all") else (name != "valid",)):
            out = 8 if g == 4 else 6
            shapes = [(2, c) + sp, (out, c // g) + k] + ([(out,)] if bias else [])
            rows.append(Row(f"conv{dims}d-{name}-{'b' if bias else 'nob'}",
                            (lambda kw: lambda *a: dg_conv(*a, **kw))(kw),
                            (lambda kw: lambda *a: torch_conv(*a, **kw))(kw), tuple(shapes)))
    if dims == 2:  # a non-square kernel, stride and padding
        kw = dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2))
        rows.append(Row("conv2d-rect", lambda *a: C.conv2d(*a, **kw),
                        lambda *a: F.conv2d(*a, **kw), ((1, 2, 6, 5), (3, 2, 2, 3), (3,))))
    return rows


def _pool_rows():
    rows = []
    for dims, mx, tmx, av, tav, ad, tad in (
            (1, C.max_pool1d, F.max_pool1d, C.avg_pool1d, F.avg_pool1d,
             C.adaptive_avg_pool1d, F.adaptive_avg_pool1d),
            (2, C.max_pool2d, F.max_pool2d, C.avg_pool2d, F.avg_pool2d,
             C.adaptive_avg_pool2d, F.adaptive_avg_pool2d)):
        shape = (2, 3) + (7,) * dims
        for name, args in (("k2", (2,)), ("k3s2p1", (3, 2, 1)), ("k3s1", (3, 1))):
            for op, f, tf in (("max", mx, tmx), ("max", mx, tmx), ("avg", av, tav)):
                ties = op == "max" and any(r.id == f"max_pool{dims}d-{name}" for r in rows)
                rows.append(Row(f"{op}_pool{dims}d-{name}{'-ties' if ties else ''}",
                                lambda x, f=f, a=args: f(x, *a), lambda x, f=tf, a=args: f(x, *a),
                                (shape,), ties=ties))
        rows.append(Row(f"max_pool{dims}d-dilated", lambda x, mx=mx: mx(x, 2, 1, 0, 2),
                        lambda x, tmx=tmx: tmx(x, 2, 1, 0, 2), (shape,)))
        for out in (1, 7, 3, 4):  # global, identity, non-divisible (7 -> 3), 7 -> 4
            rows.append(Row(f"adaptive_avg_pool{dims}d-{out}", lambda x, o=out, ad=ad: ad(x, o),
                            lambda x, o=out, tad=tad: tad(x, o), (shape,)))
    return rows


ROWS = (_conv_rows(1, C.conv1d, F.conv1d) + _conv_rows(2, C.conv2d, F.conv2d) + _pool_rows() + [
    Row("flatten", C.flatten, lambda x: x.flatten(1), ((2, 3, 4, 5),)),
    Row("flatten-1-2", lambda x: C.flatten(x, 1, 2), lambda x: x.flatten(1, 2), ((2, 3, 4, 5),)),
    Row("unflatten", lambda x: C.unflatten(x, 1, (3, -1)), lambda x: x.unflatten(1, (3, -1)),
        ((2, 12),)),
])
