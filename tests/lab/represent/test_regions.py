"""Regions experiment: the arrangement formula, tiling of the box, refinement layer by layer."""

import numpy as np

from deepgrad.lab.represent import regions
from deepgrad.lab.represent.geometry import Polygons


def _area(polygons):
    flat = np.concatenate(polygons)
    offsets = np.cumsum([0] + [len(p) for p in polygons])
    return Polygons(flat, offsets).areas().sum()


def test_run_quick():
    r = regions.run(quick=True)
    assert r.one_layer_count == r.one_layer_formula == 1 + 10 + 45
    x0, x1, y0, y1 = r.box
    for polys in (*r.polygons_init, *r.polygons_trained):
        assert abs(_area(polys) - (x1 - x0) * (y1 - y0)) < 1e-9 * (x1 - x0) * (y1 - y0)
    # each layer refines the previous partition: counts never go down
    assert r.counts_init == sorted(r.counts_init) and r.counts_trained == sorted(r.counts_trained)
    assert r.counts_init[0] <= 1 + 8 + 28  # first layer: an arrangement of 8 lines at most
    assert r.train_accuracy > 0.9
    assert len(r.logits_trained) == r.counts_trained[-1]
    assert r.timing_regions > 1000
    assert regions.plot(r).axes
