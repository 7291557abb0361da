"""The lectures' worked autodiff examples: forward values and backward adjoints, node by node.

Lecture: UBC CPSC 440 review, "Automatic Differentiation – Single Input+Output" (the alpha and beta
tables) and "Multiple Parameters" (Wikipedia's computational graph). Papers: Baydin et al. (2018)
Automatic differentiation in machine learning: a survey (JMLR); Griewank and Walther (2008)
Evaluating derivatives, chapter 3.

Example 1, f(x1, x2) = sin(x1) + x1 x2 as the graph w1 = x1, w2 = x2, w3 = w1 w2, w4 = sin(w1),
w5 = w3 + w4. Forward: the values w_i. Backward, the adjoints w_bar_i = df/dw_i:
w_bar5 = 1, w_bar4 = w_bar3 = 1, w_bar2 = w_bar3 w1, w_bar1 = w_bar3 w2 + w_bar4 cos(w1).

Example 2, f(x) = 10 log(1 + exp(-2x)) = f5(f4(f3(f2(f1(x))))) with f1 = -2x, f2 = exp, f3 = 1 + z,
f4 = log, f5 = 10 z. Forward alpha_k = f_k(alpha_{k-1}) (alpha_0 = x); backward
beta_5 = f5'(alpha_4), beta_k = beta_{k+1} f_k'(alpha_{k-1}), so beta_1 = f'(x) = -20 e^{-2x} /
(1 + e^{-2x}). Every value in both tables is read off deepgrad's own forward pass and backward
hooks, and checked against these hand-derived formulas in the tests; ``deepgrad.to_dot`` gives
each graph as Graphviz text (in the JSON and drawn in the report), and the figure draws the
graphs of examples 1 and 3 with each node's value and adjoint, their edges read off deepgrad's
recorded graph (``named_edges``).

Example 3, Louppe, "Multi-layer perceptron" (the backprop graph with its u nodes): a one-hidden
layer MLP with loss l = cross_ent(y, y_hat) + lambda (||W1||_2 + ||W2||_2), written as
u1 = W1^T x, u2 = sigma(u1), u3 = W2^T u2, y_hat = sigma(u3), u4 = ||W1||, u5 = ||W2||,
u6 = u4 + u5, u7 = lambda u6, u8 = cross_ent(y, y_hat), l = u8 + u7 (the lecture's figure is not
in the text; this numbering keeps its d l/d W1 = d l/d u8 d u8/d W1 + d l/d u4 d u4/d W1). Every
node's adjoint is recorded by a hook; the tests compare each with PyTorch's (float64, retain_grad).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

import deepgrad.engine.primitives as P
from deepgrad.engine.dot import to_dot
from deepgrad.engine.tensor import Tensor


@dataclass
class AdExamplesResult:
    graph: list  # rows {node, op, inputs, value, adjoint} of sin(x1) + x1 x2
    chain: list  # rows {k, f_k, alpha, beta} of 10 log(1 + exp(-2x))
    graph_edges: list  # [parent, child] between the named nodes, read off the recorded graph
    graph_dot: str  # deepgrad.to_dot of each graph (Graphviz text; `dot -Tpng` draws it)
    chain_dot: str
    mlp: list  # rows {node, op, value, adjoint} of Louppe's MLP loss (arrays as lists)
    mlp_edges: list
    mlp_dot: str
    x1: float
    x2: float
    x: float


def _record(named):
    """Hooks that store each named tensor's adjoint when backward reaches it."""
    adjoints = {}
    for name, t in named.items():
        t.register_hook(lambda g, name=name: adjoints.__setitem__(name, float(np.asarray(g.data))))
    return adjoints


def named_edges(named):
    """[parent, child] for every path in the recorded graph between two named tensors that passes
    no other named one (unnamed intermediates, such as a transpose, are walked through)."""
    names = {id(t): name for name, t in named.items()}
    edges = []
    for child, t in named.items():
        stack = [t.grad_fn] if t.grad_fn is not None else []
        seen = set()
        while stack:
            node = stack.pop()
            for x in node.inputs:
                if id(x) in names:
                    if [names[id(x)], child] not in edges:
                        edges.append([names[id(x)], child])
                elif getattr(x, "grad_fn", None) is not None and id(x.grad_fn) not in seen:
                    seen.add(id(x.grad_fn))
                    stack.append(x.grad_fn)
    return edges


def graph_example(x1, x2):
    w1, w2 = Tensor(np.float64(x1), requires_grad=True), Tensor(np.float64(x2), requires_grad=True)
    w3 = w1 * w2
    w4 = P.sin(w1)
    w5 = w3 + w4
    nodes = {"w1": (w1, "x1", []), "w2": (w2, "x2", []), "w3": (w3, "w1 * w2", ["w1", "w2"]),
             "w4": (w4, "sin(w1)", ["w1"]), "w5": (w5, "w3 + w4", ["w3", "w4"])}
    adjoints = _record({k: v[0] for k, v in nodes.items() if v[0].grad_fn is not None})
    dot = to_dot(w5, names={"x1": w1, "x2": w2})
    edges = named_edges({k: v[0] for k, v in nodes.items()})
    w5.backward()
    adjoints.update(w1=float(w1.grad.data), w2=float(w2.grad.data))
    return [{"node": k, "op": op, "inputs": inputs, "value": float(t.data), "adjoint": adjoints[k]}
            for k, (t, op, inputs) in nodes.items()], edges, dot


CHAIN = [("f1(z) = -2 z", lambda z: -2 * z), ("f2(z) = exp(z)", P.exp),
         ("f3(z) = 1 + z", lambda z: 1 + z), ("f4(z) = log(z)", P.log),
         ("f5(z) = 10 z", lambda z: 10 * z)]


def chain_example(x):
    alphas = [Tensor(np.float64(x), requires_grad=True)]
    for _, f in CHAIN:
        alphas.append(f(alphas[-1]))
    adjoints = _record({k: a for k, a in enumerate(alphas[1:-1], start=1)})
    dot = to_dot(alphas[-1], names={"x": alphas[0]})
    alphas[-1].backward()
    adjoints[0] = float(alphas[0].grad.data)
    adjoints[len(CHAIN)] = 1.0
    # beta_k = d f / d alpha_{k-1}: the adjoint of f_k's input
    return [{"k": k, "f_k": CHAIN[k - 1][0], "alpha": float(alphas[k].data),
             "beta": adjoints[k - 1]} for k in range(1, len(CHAIN) + 1)], dot


MLP_NODES = [("u1", "W1^T x"), ("u2", "sigma(u1)"), ("u3", "W2^T u2"), ("y_hat", "sigma(u3)"),
             ("u4", "||W1||_2"), ("u5", "||W2||_2"), ("u6", "u4 + u5"), ("u7", "lambda u6"),
             ("u8", "cross_ent(y, y_hat)"), ("l", "u8 + u7")]


def mlp_inputs(seed, p=3, q=4):
    """x (p,), W1 (p, q), W2 (q,), y in {0, 1} drawn from the seed."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal(p), rng.standard_normal((p, q)), rng.standard_normal(q), 1.0


def mlp_forward(x, W1, W2, y, lam, ops):
    """Louppe's nodes, in order, built with `ops` (deepgrad's or torch's sigmoid/sqrt/sum/log)."""
    sigmoid, sqrt, total, log = ops
    u1 = W1.T @ x
    u2 = sigmoid(u1)
    u3 = W2 @ u2
    y_hat = sigmoid(u3)
    u4 = sqrt(total(W1 * W1))
    u5 = sqrt(total(W2 * W2))
    u6 = u4 + u5
    u7 = lam * u6
    u8 = -(y * log(y_hat) + (1 - y) * log(1 - y_hat))
    return [u1, u2, u3, y_hat, u4, u5, u6, u7, u8, u8 + u7]


def mlp_example(seed, lam=0.1):
    x, W1, W2, y = mlp_inputs(seed)
    xt, W1t, W2t = Tensor(x), Tensor(W1, requires_grad=True), Tensor(W2, requires_grad=True)
    nodes = mlp_forward(xt, W1t, W2t, y, lam, (P.sigmoid, P.sqrt, P.sum, P.log))
    adjoints = {}
    for (name, _), t in zip(MLP_NODES[:-1], nodes[:-1]):
        t.register_hook(lambda g, name=name: adjoints.__setitem__(name, np.asarray(g.data)))
    dot = to_dot(nodes[-1], names={"W1": W1t, "W2": W2t})
    edges = named_edges({"x": xt, "W1": W1t, "W2": W2t,
                         **{name: t for (name, _), t in zip(MLP_NODES, nodes)}})
    nodes[-1].backward()
    adjoints.update(l=np.float64(1.0), W1=W1t.grad.data, W2=W2t.grad.data)
    rows = [{"node": n, "op": op, "value": np.asarray(t.data).tolist(),
             "adjoint": np.asarray(adjoints[n]).tolist()} for (n, op), t in zip(MLP_NODES, nodes)]
    rows += [{"node": n, "op": "parameter", "value": v.tolist(), "adjoint": adjoints[n].tolist()}
             for n, v in (("W1", W1), ("W2", W2))]
    rows.append({"node": "x", "op": "input", "value": x.tolist(), "adjoint": None})
    return rows, edges, dot


def run(*, quick: bool = False, seed: int = 0, x1: float = 2.0, x2: float = 3.0,
        x: float = 0.5) -> AdExamplesResult:
    (graph, graph_edges, graph_dot), (chain, chain_dot) = graph_example(x1, x2), chain_example(x)
    mlp, mlp_edges, mlp_dot = mlp_example(seed)
    return AdExamplesResult(graph, chain, graph_edges, graph_dot, chain_dot, mlp, mlp_edges,
                            mlp_dot, x1, x2, x)


def layers(edges, names):
    """Each name's column in a drawing: 0 for inputs, else one more than its furthest parent."""
    column = {}

    def depth(name):
        if name not in column:
            parents = [a for a, b in edges if b == name]
            column[name] = 1 + max(map(depth, parents)) if parents else 0
        return column[name]

    return {name: depth(name) for name in names}


def draw_graph(ax, edges, labels, title):
    """Draw a computational graph left to right: a box per node (its label), an arrow per edge."""
    column = layers(edges, list(labels))
    rows: dict[int, list] = {}
    for name in labels:
        rows.setdefault(column[name], []).append(name)
    place = {name: (c, (len(names) - 1) / 2 - k) for c, names in rows.items()
             for k, name in enumerate(names)}
    boxes = {name: ax.text(*place[name], text, ha="center", va="center", fontsize=8,
                           bbox=dict(boxstyle="round", fc="#e8f0fe" if column[name] else "#fff4d6",
                                     ec="0.5"))
             for name, text in labels.items()}
    for a, b in edges:  # from the right edge of the parent's box to the left edge of the child's
        ax.annotate("", xy=(0, 0.5), xycoords=boxes[b], xytext=(1, 0.5), textcoords=boxes[a],
                    arrowprops=dict(arrowstyle="->", color="0.35", shrinkA=2, shrinkB=2))
    height = max(len(names) for names in rows.values())
    ax.set_xlim(-0.6, max(rows) + 0.6)
    ax.set_ylim(-height / 2 - 0.2, height / 2 + 0.2)
    ax.set_title(title, fontsize=10)
    ax.axis("off")


def plot(result: AdExamplesResult) -> Figure:
    fig = Figure(figsize=(18, 10))
    grid = fig.add_gridspec(2, 2, height_ratios=(1, 1.25))
    ax1, ax2, ax3 = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]), \
        fig.add_subplot(grid[1, :])
    labels = {r["node"]: f"{r['node']} = {r['op']}\nw = {r['value']:.4g}\n"
              f"w_bar = {r['adjoint']:.4g}" for r in result.graph}
    draw_graph(ax1, result.graph_edges, labels,
               f"f(x1, x2) = sin(x1) + x1 x2 at ({result.x1:g}, {result.x2:g}): forward values w, "
               f"adjoints w_bar\ndf/dx1 = {result.graph[0]['adjoint']:.6g}, "
               f"df/dx2 = {result.graph[1]['adjoint']:.6g}")
    ax2.axis("off")
    rows = [[r["k"], r["f_k"], f"{r['alpha']:.6g}", f"{r['beta']:.6g}"] for r in result.chain]
    table = ax2.table(cellText=rows, colLabels=["k", "f_k", "alpha_k", "beta_k"], loc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(9)
    table.scale(1, 1.6)
    ax2.set_title(f"f(x) = 10 log(1 + exp(-2x)) at x = {result.x:g}:\n"
                  f"f'(x) = beta_1 = {result.chain[0]['beta']:.6g}")
    norm = lambda v: f"{np.linalg.norm(np.atleast_1d(v)):.3g}"  # noqa: E731
    labels = {r["node"]: f"{r['node']} = {r['op']}\n|value| = {norm(r['value'])}"
              + ("" if r["adjoint"] is None else f"\n|dl/d{r['node']}| = {norm(r['adjoint'])}")
              for r in sorted(result.mlp, key=lambda r: r["node"] != "x")}  # x beside W1
    draw_graph(ax3, result.mlp_edges, labels,
               "Louppe's MLP: l = cross_ent(y, y_hat) + lambda (||W1||_2 + ||W2||_2), lambda = 0.1: "
               "the graph with its u nodes, value and adjoint norms (each adjoint checked against "
               "PyTorch)")
    fig.suptitle("The lectures' worked autodiff examples, node by node")
    fig.tight_layout()
    return fig
