"""`make demo` (engine stage): a gradient computed by deepgrad and the graph it came from."""

import numpy as np

import deepgrad as dg


def main():
    rng = np.random.default_rng(0)
    x = dg.tensor(rng.standard_normal((4, 3)))
    W = dg.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = dg.tensor(np.zeros(2), requires_grad=True)
    loss = dg.cross_entropy(dg.relu(dg.linear(x, W, b)), np.array([0, 1, 1, 0]))
    print("loss =", loss)
    node, depth = loss.grad_fn, 0
    while node is not None:
        print("  " * depth + f"<{node.name}>")
        node = next((t.grad_fn for t in node.inputs if isinstance(t, dg.Tensor)), None)
        depth += 1
    loss.backward()
    print("dloss/dW =", W.grad)


if __name__ == "__main__":
    main()
