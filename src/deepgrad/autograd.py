"""``deepgrad.autograd``: PyTorch's autograd names (Function, grad) over deepgrad's engine."""

import numpy as np

from .engine.backward import _check_gradient, run_backward, walk
from .engine.custom import Function, FunctionCtx, once_differentiable  # noqa: F401
from .engine.errors import ShapeError
from .engine.graph import enable_grad, no_grad  # noqa: F401
from .engine.tensor import Tensor, _shape


def _as_tuple(x, name):
    """A Tensor or a sequence of them as a tuple; anything else is named in the error."""
    xs = (x,) if isinstance(x, Tensor) else tuple(x)
    for i, t in enumerate(xs):
        if not isinstance(t, Tensor):
            raise TypeError(f"autograd.grad: {name}[{i}] is a {type(t).__name__}, not a Tensor")
    return xs


def _nested(inputs):
    """Whether some input is computed from another: the engine's pass stops at every input, so
    it would miss the paths through one input to another."""
    ids = {id(t) for t in inputs}
    return any(t.grad_fn is not None and any(id(a) in ids and a is not t for a in walk([t]))
               for t in inputs)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False):
    """``torch.autograd.grad``: the gradients of ``outputs`` with respect to ``inputs``, as a tuple.

    Sums over the outputs with their ``grad_outputs`` (None: ones, for a one-element output); no
    ``.grad`` is touched. ``retain_graph`` defaults to ``create_graph``, which records the
    backward pass so the gradients can be differentiated again. An input the outputs do not
    depend on is an error unless ``allow_unused`` (then None) or ``materialize_grads`` (zeros).
    Where one input is computed from another, each input takes a pass of its own (the engine's
    pass stops at its inputs), so a tensor hook there runs once per input, not once as PyTorch.
    """
    outputs, inputs = _as_tuple(outputs, "outputs"), _as_tuple(inputs, "inputs")
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,) * len(outputs) if grad_outputs is None else (grad_outputs,)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"autograd.grad: grad_outputs has {len(grad_outputs)} entries but "
                         f"outputs has {len(outputs)}")
    for i, t in enumerate(outputs):
        if not t.requires_grad:
            raise RuntimeError(f"autograd.grad: outputs[{i}] does not require grad and does not "
                               "have a grad_fn")
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"autograd.grad: inputs[{i}] does not require grad")
    for i, (t, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None and t.data.size != 1:
            raise RuntimeError(f"autograd.grad: outputs[{i}] has shape {t.shape}; a gradient can be "
                               f"implied only for a one-element output, so pass grad_outputs[{i}]")
        if g is not None and tuple(_shape(g)) != t.shape:
            raise ShapeError(f"autograd.grad: grad_outputs[{i}] has shape {tuple(_shape(g))} but "
                             f"outputs[{i}] has shape {t.shape}")
    cotangents = [_check_gradient(t, g, create_graph) for t, g in zip(outputs, grad_outputs)]
    retain = create_graph if retain_graph is None else retain_graph
    if _nested(inputs):
        grads = [run_backward(list(outputs), cotangents, inputs=[x], create_graph=create_graph,
                              retain_graph=retain or i < len(inputs) - 1)[0]
                 for i, x in enumerate(inputs)]
    else:
        grads = run_backward(list(outputs), cotangents, inputs=list(inputs), retain_graph=retain,
                             create_graph=create_graph)
    unused = [i for i, g in enumerate(grads) if g is None]
    if unused and not (allow_unused or materialize_grads):
        raise RuntimeError(f"autograd.grad: inputs[{unused[0]}] was not used in the graph of the "
                           "outputs; pass allow_unused=True to get None for it")
    if materialize_grads:
        grads = [Tensor._wrap(np.zeros_like(x.data)) if g is None else g
                 for g, x in zip(grads, inputs)]
    return tuple(grads)
