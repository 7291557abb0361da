"""The peers: one module per system, each with the same small interface.

``make_trainer(spec, init)`` returns an object with ``prepare(x, y) -> batch`` (the system's own
arrays), ``step(*batch)`` (one train step: forward, loss, backward, update), ``sync()`` (wait for
asynchronous work), ``loss(*batch) -> float`` and ``predict(x) -> ndarray`` (logits). Peers that
can do W4 also have ``make_hvp(spec, init, x, y) -> (grad_call, hvp_call)``. ``unavailable()``
returns None or why the peer cannot run here.
"""

PEERS = ("numpy", "deepgrad", "deepgrad_compile", "torch", "torch_compile", "jax_jit", "jax",
         "autograd")
LABELS = {
    "numpy": "hand NumPy", "deepgrad": "deepgrad eager", "deepgrad_compile": "deepgrad.compile",
    "torch": "PyTorch eager", "torch_compile": "torch.compile", "jax_jit": "JAX jit",
    "jax": "JAX no-jit", "autograd": "HIPS autograd", "sklearn": "sklearn MLPClassifier",
}


def load(name):
    """The peer module called ``name`` (imported on demand: torch and jax take seconds)."""
    import importlib

    module = {"deepgrad_compile": "deepgrad_peer", "deepgrad": "deepgrad_peer",
              "torch_compile": "torch_peer", "torch": "torch_peer", "jax_jit": "jax_peer",
              "jax": "jax_peer", "numpy": "numpy_hand", "autograd": "autograd_peer",
              "sklearn": "sklearn_peer"}[name]
    return importlib.import_module(f"benchmarks.peers.{module}")
