"""``deepgrad.func``: a module as a pure function of its parameters (as ``torch.func``).

``functional_call(model, params, args)`` runs ``model(*args)`` with the named tensors in
``params`` standing in for its parameters and buffers, so ``grad``, ``hessian``, ``vmap`` and
``jacrev`` apply to a model's parameters in one call (per-example gradients, the NTK).
"""

from __future__ import annotations

from .engine.transforms import grad, hessian, jacfwd, jacrev, jvp, vjp, vmap  # noqa: F401


def functional_call(module, params, args, kwargs=None, strict=False):
    """``module(*args, **kwargs)`` computed with ``params`` (name -> Tensor) in place of its own.

    Names are those of ``named_parameters()`` / ``named_buffers()`` (``"0.weight"``); entries not
    given keep the module's own values (``strict=True`` requires every parameter). The module is
    restored afterwards, even if the call raises; ``params`` may be a tuple of dicts (parameters,
    buffers) as torch.func's. ``args`` is one argument or a tuple of them.
    """
    if isinstance(params, (tuple, list)):
        merged = {}
        for p in params:
            merged.update(p)
        params = merged
    modules = dict(module.named_modules())
    own = dict(module.named_parameters())
    own.update(dict(module.named_buffers()))
    unknown = [name for name in params if name not in own]
    if unknown:
        raise KeyError(f"functional_call: {type(module).__name__} has no parameter or buffer "
                       f"named {unknown[0]!r} (it has {sorted(own)})")
    if strict:
        missing = [name for name in dict(module.named_parameters()) if name not in params]
        if missing:
            raise KeyError(f"functional_call: strict=True but params lacks {missing}")
    saved = []
    try:
        for name, value in params.items():
            owner, attr = _owner(modules, name)
            saved.append((owner, attr, vars(owner)[attr]))
            vars(owner)[attr] = value  # plain attribute write: no Parameter registration
        args = args if isinstance(args, tuple) else (args,)
        return module(*args, **(kwargs or {}))
    finally:
        for owner, attr, value in reversed(saved):
            vars(owner)[attr] = value


def _owner(modules, name):
    """The submodule holding the dotted ``name`` and the attribute's own name."""
    prefix, _, attr = name.rpartition(".")
    return modules[prefix], attr
