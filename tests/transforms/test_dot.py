"""deepgrad.to_dot: the graph's nodes, edges, labels and the lecture's colours; render's errors."""
import os
import re
import stat

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import drawing as D  # render and its errors (deepgrad/drawing.py)

NODE = re.compile(r'^\s*(\w+) \[label="((?:[^"\\]|\\.)*)", (.*)\];$')
EDGE = re.compile(r"^\s*(\w+) -> (\w+);$")


def parse(text):
    """Nodes {id: (label lines, attrs)} and edges [(src, dst)] of to_dot's output; strict."""
    lines = text.strip().splitlines()
    assert lines[0] == "digraph deepgrad {" and lines[-1] == "}"
    nodes, edges = {}, []
    for line in lines[1:-1]:
        if m := NODE.match(line):
            assert m[1] not in nodes, f"node {m[1]} declared twice"
            nodes[m[1]] = (m[2].split("\\n"), m[3])
        elif m := EDGE.match(line):
            edges.append((m[1], m[2]))
        else:
            assert re.match(r"^\s*(rankdir=\w+|node \[.*\]|edge \[.*\]);$", line), line
    for a, b in edges:
        assert a in nodes and b in nodes, (a, b)
    return nodes, edges


def kind(attrs):
    if "peripheries=2" in attrs:
        return "output"
    if "#f4cccc" in attrs:
        return "parameter"
    if "#cfe2f3" in attrs:
        return "operation"
    if "plaintext" in attrs:
        return "constant"
    assert "#ffffff" in attrs
    return "input"


def mlp_loss():
    rng = np.random.default_rng(0)
    W1 = dg.tensor(rng.standard_normal((5, 3)), requires_grad=True)
    b1 = dg.tensor(np.zeros(5), requires_grad=True)
    w2 = dg.tensor(rng.standard_normal(5), requires_grad=True)
    x = dg.tensor(rng.standard_normal((4, 3)))
    y = dg.tensor(rng.standard_normal(4))
    h = dg.relu(dg.linear(x, W1, b1))
    loss = dg.mean((h @ w2 - y) ** 2)
    return loss, {"W1": W1, "b1": b1, "w2": w2, "x": x, "y": y}


def test_mlp_graph_nodes_edges_and_styles():
    loss, named = mlp_loss()
    nodes, edges = parse(dg.to_dot(loss, names=named))
    by_label = {lab[0]: (nid, kind(attrs), lab) for nid, (lab, attrs) in nodes.items()}
    assert {k for k, (_, kd, _) in by_label.items() if kd == "parameter"} == {"W1", "b1", "w2"}
    assert {k for k, (_, kd, _) in by_label.items() if kd == "input"} == {"x", "y"}
    ops = sorted(lab[0] for lab, attrs in nodes.values() if kind(attrs) == "operation")
    assert ops == ["linear", "matmul", "pow", "relu", "sub"]
    out = [lab for lab, attrs in nodes.values() if kind(attrs) == "output"]
    assert out == [["mean", "scalar"]]
    # shapes under the names, as the lecture's annotated graph
    assert by_label["W1"][2] == ["W1", "(5, 3)"]
    assert by_label["b1"][2] == ["b1", "(5,)"]
    assert by_label["linear"][2] == ["linear", "(4, 5)"]
    assert by_label["matmul"][2] == ["matmul", "(4,)"]
    # the exponent 2 of pow is a constant operand
    consts = [lab for lab, attrs in nodes.values() if kind(attrs) == "constant"]
    assert consts == [["2"]]
    # edges are the data dependencies
    name = {nid: lab[0] for nid, (lab, _) in nodes.items()}
    got = sorted((name[a], name[b]) for a, b in edges)
    assert got == sorted([("x", "linear"), ("W1", "linear"), ("b1", "linear"), ("linear", "relu"),
                          ("relu", "matmul"), ("w2", "matmul"), ("matmul", "sub"), ("y", "sub"),
                          ("sub", "pow"), ("2", "pow"), ("pow", "mean")])


def test_unnamed_leaves_say_parameter_or_input():
    w = dg.tensor(np.ones(3), requires_grad=True)
    nodes, _ = parse(dg.to_dot(dg.sum(w * np.ones(3))))
    labels = sorted(lab for lab, _ in nodes.values())
    assert labels == [["const (3,)"], ["mul", "(3,)"], ["parameter", "(3,)"], ["sum", "scalar"]]


def test_shared_subexpression_is_one_node_with_two_uses():
    x = dg.tensor(np.ones(2), requires_grad=True)
    h = dg.tanh(x)
    nodes, edges = parse(dg.to_dot(dg.sum(h * h)))
    assert sum(lab[0] == "tanh" for lab, _ in nodes.values()) == 1
    tanh_id = next(k for k, (lab, _) in nodes.items() if lab[0] == "tanh")
    mul_id = next(k for k, (lab, _) in nodes.items() if lab[0] == "mul")
    assert edges.count((tanh_id, mul_id)) == 2


def test_op_parameters_shown_and_hidden():
    x = dg.tensor(np.ones((2, 3)), requires_grad=True)
    y = dg.sum(x, axis=1)
    nodes, _ = parse(dg.to_dot(y))
    assert ["sum", "axis=(1,)", "(2,)"] in [lab for lab, _ in nodes.values()]
    nodes, _ = parse(dg.to_dot(y, show_params=False))
    assert ["sum", "(2,)"] in [lab for lab, _ in nodes.values()]


def test_leaf_alone_and_rankdir():
    x = dg.tensor(np.ones(2), requires_grad=True)
    text = dg.to_dot(x, rankdir="TB")
    assert "rankdir=TB;" in text
    nodes, edges = parse(text)
    assert len(nodes) == 1 and edges == []


def test_labels_are_escaped():
    x = dg.tensor(np.ones(2), requires_grad=True)
    nodes, _ = parse(dg.to_dot(x * 2, names={'my "x"\\': x}))
    assert ['my \\"x\\"\\\\', "(2,)"] in [lab for lab, _ in nodes.values()]


def test_deep_graph_needs_no_recursion():
    x = dg.tensor(np.ones(2), requires_grad=True)
    h = x
    for _ in range(3000):
        h = h * 1.0
    nodes, edges = parse(dg.to_dot(h))
    assert len(nodes) == 1 + 3000 + 3000 and len(edges) == 6000


def test_freed_graph_has_a_clear_error():
    loss, _ = mlp_loss()
    loss.backward()
    with pytest.raises(RuntimeError, match="freed by backward.*retain_graph=True"):
        dg.to_dot(loss)
    loss, _ = mlp_loss()
    loss.backward(retain_graph=True)
    parse(dg.to_dot(loss))


def test_not_a_tensor():
    with pytest.raises(TypeError, match="expected a Tensor, got ndarray"):
        dg.to_dot(np.ones(3))


def test_render_without_graphviz_says_so(monkeypatch, tmp_path):
    monkeypatch.setattr(D.shutil, "which", lambda name: None)
    loss, _ = mlp_loss()
    with pytest.raises(D.GraphvizNotFoundError, match=r"`dot` program is not installed.*to_dot"):
        D.render(loss, tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()


def test_render_unknown_format(tmp_path):
    loss, _ = mlp_loss()
    with pytest.raises(ValueError, match=r"\.svg, \.png or \.pdf"):
        D.render(loss, tmp_path / "g.jpeg")


def test_render_pipes_the_dot_text_to_dot(monkeypatch, tmp_path):
    """A stand-in ``dot`` on PATH records its arguments and stdin: render calls it correctly."""
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\necho "$@" > "$3.args"\ncat > "$3"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    loss, named = mlp_loss()
    out = tmp_path / "graph.png"
    assert D.render(loss, out, names=named) == str(out)
    assert out.read_text() == dg.to_dot(loss, names=named)
    assert (tmp_path / "graph.png.args").read_text().split() == ["-Tpng", "-o", str(out)]


def test_render_reports_dot_failure(monkeypatch, tmp_path):
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\necho "syntax error in line 1" >&2\nexit 3\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    loss, _ = mlp_loss()
    with pytest.raises(RuntimeError, match=r"dot failed \(3\): syntax error"):
        D.render(loss, tmp_path / "g.svg")
