"""Exact geometry of piecewise-linear (ReLU) networks: 1-D pieces and 2-D linear regions.

A network built from Linear, ReLU, LeakyReLU, Abs, Identity, Residual and Sequential/MLP blocks is
affine on each cell of a partition of its input space. Rather than sampling, we carry the partition
through the network layer by layer: every cell carries the affine map h = A x + c of the current
hidden state. An affine layer updates the maps (A <- W A, c <- W c + b); an activation
phi(z) = z if z > 0 else s z (ReLU: s = 0, LeakyReLU: s = alpha, abs: s = -1) first cuts every cell
along the zero set of each unit's pre-activation z_j = A_j x + c_j, which is a point (1-D) or a
line (2-D) on that cell, then scales each row of the map by 1 or s according to the side
(Lawrence's "kinks" and "regions"; Montufar et al. 2014, Serra et al. 2018).

All cells are cut at once with NumPy. In 1-D (intervals) all units of a layer cut together: their
roots are sorted within each interval. In 2-D (convex polygons) the units cut one after another,
each by Sutherland-Hodgman clipping of every polygon against its half-planes, vectorised over the
flat list of vertices. A Residual block a + F(a) runs F on the cells and adds back the map of the
cell each new cell came from.

Tolerance: on a cell with map z = a.x + b, a vertex whose |z| <= 1e-9 (|a| R + |b|) counts as on the
zero set, where R is the size of the input box. So a cut within that distance of a vertex is not
made (no slivers, no double counting), a unit that is zero on a whole cell counts as inactive and
cuts nothing (dead units, zero rows), and cuts through a shared vertex are handled as exact.
ReLU'(0) conventions do not matter here: cells are open sets, their boundaries have measure zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

TOL = 1e-9


# --- the network as a list of operations -------------------------------------------------------


def _as_array(t) -> np.ndarray:
    return np.asarray(getattr(t, "data", t), dtype=np.float64)


def network_ops(module) -> list[tuple]:
    """Flatten a module into ("affine", W, b), ("act", s) and ("residual", ops) operations.

    Modules are recognised by class name (duck-typed, so any Module that looks like nn's works):
    Linear (``.weight`` (out, in), ``.bias`` (out,) or None), ReLU, LeakyReLU
    (``.negative_slope``), Abs, Identity, Residual (``.block``), and anything with ``.layers``
    (Sequential, MLP). Anything else is not piecewise linear: TypeError.
    """
    kind = type(module).__name__
    if kind == "Linear":
        w = _as_array(module.weight)
        b = _as_array(module.bias) if getattr(module, "bias", None) is not None else np.zeros(len(w))
        return [("affine", w, b)]
    if kind == "ReLU":
        return [("act", 0.0)]
    if kind == "LeakyReLU":
        return [("act", float(module.negative_slope))]
    if kind == "Abs":
        return [("act", -1.0)]
    if kind == "Identity":
        return []
    if kind == "Residual":
        return [("residual", network_ops(module.block))]
    if hasattr(module, "layers"):
        return [op for layer in module.layers for op in network_ops(layer)]
    raise TypeError(f"{kind} is not a piecewise-linear layer this module can follow exactly")


# --- cells: intervals (1-D) and convex polygons (2-D) --------------------------------------------


@dataclass
class Intervals:
    """Pieces [lo_i, hi_i] of a parameter interval, kept in increasing order."""

    lo: np.ndarray
    hi: np.ndarray

    def __len__(self):
        return len(self.lo)

    def cut_all(self, A: np.ndarray, c: np.ndarray, scale: float):
        """Split each piece i at every unit's zero, where z_ij = A_ij t + c_ij changes sign.

        All units at once: the roots -c_ij / A_ij inside each piece are sorted and merged when
        closer than the tolerance (units with the same zero cut once). Returns the new pieces, the
        piece each came from, and which units are active (z > 0) on each: (pieces, units) bool.
        """
        a, b, n = A[:, :, 0], c, len(self)
        tol = TOL * (np.abs(a) * scale + np.abs(b))
        z_lo, z_hi = a * self.lo[:, None] + b, a * self.hi[:, None] + b
        z_lo[np.abs(z_lo) <= tol] = 0.0
        z_hi[np.abs(z_hi) <= tol] = 0.0
        piece, unit = np.nonzero(z_lo * z_hi < 0)
        root = -b[piece, unit] / a[piece, unit]
        order = np.lexsort((root, piece))
        piece, root = piece[order], root[order]
        repeated = np.zeros(len(root), bool)
        repeated[1:] = (piece[1:] == piece[:-1]) & (np.diff(root) <= TOL * scale)
        piece, root = piece[~repeated], root[~repeated]
        starts_piece = np.concatenate([np.arange(n), piece])
        starts = np.concatenate([self.lo, root])
        order = np.lexsort((starts, starts_piece))
        parent, lo = starts_piece[order], starts[order]
        last = np.r_[parent[1:] != parent[:-1], True]
        hi = np.where(last, self.hi[parent], np.r_[lo[1:], 0.0])
        z_mid = a[parent] * ((lo + hi) / 2)[:, None] + b[parent]
        return Intervals(lo, hi), parent, z_mid > tol[parent]


@dataclass
class Polygons:
    """Convex polygons as one flat vertex array: polygon i is vertices[offsets[i]:offsets[i+1]],
    listed counter-clockwise or clockwise (cutting keeps the order)."""

    vertices: np.ndarray
    offsets: np.ndarray

    def __len__(self):
        return len(self.offsets) - 1

    @property
    def owner(self) -> np.ndarray:
        """The polygon each vertex belongs to."""
        return np.repeat(np.arange(len(self)), np.diff(self.offsets))

    def polygons(self) -> list[np.ndarray]:
        return np.split(self.vertices, self.offsets[1:-1])

    def areas(self) -> np.ndarray:
        """Shoelace formula for every polygon at once."""
        v, owner = self.vertices, self.owner
        nxt = self._next()
        cross = v[:, 0] * v[nxt, 1] - v[nxt, 0] * v[:, 1]
        return np.abs(np.bincount(owner, cross, minlength=len(self))) / 2

    def _next(self) -> np.ndarray:
        nxt = np.arange(1, len(self.vertices) + 1)
        nxt[self.offsets[1:] - 1] = self.offsets[:-1]
        return nxt

    def cut(self, a: np.ndarray, b: np.ndarray, scale: float):
        """Split each polygon by the line z = a_i . x + b_i = 0 into its z >= 0 and z <= 0 parts.

        Returns the new polygons (all uncut or positive parts first, in order, then the negative
        parts of the cut ones), the index of the polygon each came from, and whether z > 0 on it.
        """
        n, v, owner = len(self), self.vertices, self.owner
        tol = TOL * (np.abs(a).sum(1) * scale + np.abs(b))
        z = np.einsum("ij,ij->i", a[owner], v) + b[owner]
        z[np.abs(z) <= tol[owner]] = 0.0
        has_pos = np.bincount(owner, z > 0, minlength=n) > 0
        has_neg = np.bincount(owner, z < 0, minlength=n) > 0
        split = has_pos & has_neg
        nxt = self._next()
        z_next = z[nxt]
        crossing = (z * z_next < 0) & split[owner]
        frac = np.where(crossing, z / np.where(crossing, z - z_next, 1.0), 0.0)
        cross_pt = v + frac[:, None] * (v[nxt] - v)
        slots = np.stack([v, cross_pt], axis=1)  # per vertex: the vertex, then the edge's crossing
        keep_pos = np.stack([~split[owner] | (z >= 0), crossing], axis=1)
        keep_neg = np.stack([split[owner] & (z <= 0), crossing], axis=1)
        pos_owner = np.repeat(owner, 2).reshape(-1, 2)[keep_pos]
        neg_owner = np.repeat(owner, 2).reshape(-1, 2)[keep_neg]
        vertices = np.concatenate([slots[keep_pos], slots[keep_neg]])
        counts = np.concatenate([np.bincount(pos_owner, minlength=n),
                                 np.bincount(neg_owner, minlength=n)[split]])
        parent = np.concatenate([np.arange(n), np.flatnonzero(split)])
        active = np.concatenate([has_pos, np.zeros(split.sum(), bool)])
        offsets = np.concatenate([[0], np.cumsum(counts)])
        return Polygons(vertices, offsets), parent, active

    def cut_all(self, A: np.ndarray, c: np.ndarray, scale: float):
        """Cut by every unit's line z_j = A_j x + c_j in turn (A: (n, d, 2), c: (n, d)).

        Returns the new polygons, the polygon each came from, and which units are active (z > 0)
        on each: (polygons, units) bool.
        """
        geo, origin, bits = self, np.arange(len(self)), np.zeros((len(self), 0), bool)
        for j in range(A.shape[1]):
            geo, parent, active = geo.cut(A[origin, j], c[origin, j], scale)
            origin = origin[parent]
            bits = np.column_stack([bits[parent], active])
        return geo, origin, bits


# --- carrying the cells through the network ---------------------------------------------------


@dataclass
class _Cells:
    """Cells with the affine map h = A x + c (A: (n, d, k), c: (n, d)) and activation bits."""

    geo: Intervals | Polygons
    A: np.ndarray
    c: np.ndarray
    bits: np.ndarray  # (n, units so far) bool: unit active (z > 0) on the cell
    scale: float
    snapshots: list = field(default_factory=list)


def _activation(cells: _Cells, slope: float) -> tuple[_Cells, np.ndarray]:
    """Cut the cells along every unit's zero set, then apply phi(z) = z if z > 0 else slope z."""
    geo, parent, active = cells.geo.cut_all(cells.A, cells.c, cells.scale)
    factor = np.where(active, 1.0, slope)
    cells = _Cells(geo, cells.A[parent] * factor[:, :, None], cells.c[parent] * factor,
                   np.concatenate([cells.bits[parent], active], axis=1), cells.scale,
                   cells.snapshots)
    cells.snapshots.append(geo)
    return cells, parent


def _propagate(cells: _Cells, ops: list[tuple]) -> tuple[_Cells, np.ndarray]:
    """Apply ops to the cells; also returns, for every output cell, the input cell it lies in."""
    origin = np.arange(len(cells.geo))
    for op in ops:
        if op[0] == "affine":
            _, w, b = op
            cells = _Cells(cells.geo, w @ cells.A, cells.c @ w.T + b, cells.bits, cells.scale,
                           cells.snapshots)
            continue
        if op[0] == "act":
            out, parent = _activation(cells, op[1])
        else:  # residual: a + F(a) on every cell of F's partition
            out, parent = _propagate(cells, op[1])
            out.A = out.A + cells.A[parent]
            out.c = out.c + cells.c[parent]
        cells, origin = out, origin[parent]
    return cells, origin


def _start(geo, A, c, scale) -> _Cells:
    return _Cells(geo, A, c, np.zeros((len(geo), 0), bool), scale)


# --- public API ------------------------------------------------------------------------------


def pieces_1d(model, lo: float, hi: float):
    """The exact pieces of a scalar-input network on [lo, hi].

    Returns (edges, slopes, intercepts): piece i is [edges[i], edges[i+1]] on which the network is
    f(x) = slopes[i] * x + intercepts[i] (slopes, intercepts: (pieces, outputs)). Pieces are
    activation regions; consecutive pieces may share a slope (see breakpoints).
    """
    lo, hi = float(lo), float(hi)
    cells = _start(Intervals(np.array([lo]), np.array([hi])), np.ones((1, 1, 1)), np.zeros((1, 1)),
                   max(abs(lo), abs(hi), hi - lo))
    cells, _ = _propagate(cells, network_ops(model))
    edges = np.concatenate([cells.geo.lo, cells.geo.hi[-1:]])
    return edges, cells.A[:, :, 0], cells.c


def breakpoints(model, lo: float, hi: float) -> np.ndarray:
    """The points in (lo, hi) where a scalar-input piecewise-linear network changes slope.

    Exact up to round-off: found by propagating pieces, not by sampling. Two neighbouring pieces
    whose slopes agree to a relative 1e-9 are the same linear piece (no breakpoint between them).
    """
    edges, slopes, _ = pieces_1d(model, lo, hi)
    jump = np.abs(np.diff(slopes, axis=0)).max(axis=1, initial=0.0)
    size = np.abs(slopes[1:]).max(axis=1, initial=0.0) + np.abs(slopes[:-1]).max(axis=1, initial=0.0)
    return edges[1:-1][jump > TOL * np.maximum(size, 1e-300)]


def count_pieces(model, lo: float, hi: float) -> int:
    """The number of maximal linear pieces of the network on [lo, hi] (breakpoints + 1)."""
    return len(breakpoints(model, lo, hi)) + 1


def count_regions_on_segment(model, a, b) -> int:
    """The number of activation regions the segment from a to b crosses (any input dimension).

    The segment x(t) = a + t (b - a), t in [0, 1], turns the network into a 1-D one.
    """
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    cells = _start(Intervals(np.array([0.0]), np.array([1.0])), (b - a)[None, :, None], a[None, :],
                   1.0)
    cells, _ = _propagate(cells, network_ops(model))
    return len(cells.geo)


@dataclass
class Regions:
    """The exact partition of a 2-D box into the convex polygons where a network is affine.

    Region i is the polygon ``polygons[i]`` (vertices (k, 2)); on it the network is
    ``f(x) = A[i] @ x + c[i]`` and unit u is active (pre-activation > 0) iff ``patterns[i, u]``.
    ``layers[l]`` is the partition after the l-th activation layer; ``counts`` its sizes.
    Regions are activation regions: two neighbours may happen to share their affine map.
    """

    box: tuple
    cells: Polygons
    patterns: np.ndarray
    A: np.ndarray
    c: np.ndarray
    layers: list[Polygons]

    @property
    def count(self) -> int:
        return len(self.cells)

    @property
    def counts(self) -> list[int]:
        return [len(p) for p in self.layers]

    @property
    def polygons(self) -> list[np.ndarray]:
        return self.cells.polygons()

    def areas(self) -> np.ndarray:
        return self.cells.areas()

    def locate(self, points: np.ndarray) -> np.ndarray:
        """Index of the region containing each point (for checks and plots; O(regions x points))."""
        points = np.atleast_2d(points)
        v, nxt, owner = self.cells.vertices, self.cells._next(), self.cells.owner
        edge = v[nxt] - v
        side = edge[:, None, 0] * (points[None, :, 1] - v[:, None, 1]) - edge[:, None, 1] * (
            points[None, :, 0] - v[:, None, 0])
        orient = np.sign(np.bincount(owner, v[:, 0] * v[nxt, 1] - v[nxt, 0] * v[:, 1]))
        inside_edge = side * orient[owner][:, None] >= -1e-12
        outside = np.zeros((self.count, len(points)), bool)
        np.logical_or.at(outside, owner, ~inside_edge)
        return np.argmax(~outside, axis=0)


def linear_regions(model, box=((-1.0, 1.0), (-1.0, 1.0))) -> Regions:
    """Partition the box (x0, x1) x (y0, y1) into the network's linear regions, exactly.

    Every unit of every layer cuts each current polygon along its zero line (vectorised over the
    polygons); the result lists each region's polygon, activation pattern and affine map, and the
    partition after each activation layer (``Regions.layers``).
    """
    (x0, x1), (y0, y1) = (tuple(map(float, r)) for r in box)
    square = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    scale = float(np.abs(square).max() + (x1 - x0) + (y1 - y0))
    cells = _start(Polygons(square, np.array([0, 4])), np.eye(2)[None], np.zeros((1, 2)), scale)
    cells, _ = _propagate(cells, network_ops(model))
    return Regions((x0, x1, y0, y1), cells.geo, cells.bits, cells.A, cells.c, cells.snapshots)
