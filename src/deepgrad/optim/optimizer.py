"""Optimizer: the base class holding parameter groups and per-parameter state (as torch.optim).

A parameter group is a dict with the key "params" (a list of Tensors) and the hyperparameters that
apply to them ("lr", ...); schedulers change the hyperparameters in place. Subclasses implement
`_update(p, grad, state, group)`, the textbook update written as in their docstring, and beside
it `_update_in_place`, the same update with NumPy's in-place calls and no temporaries, which
`step` runs (`tests/optim/test_textbook_updates.py` holds the two equal). Neither builds graph
nodes.
"""

import copy

import numpy as np

from deepgrad.engine.hooks import effect
from deepgrad.optim import torch_state


class Optimizer:
    """Base class. `params`: an iterable of Tensors, or of dicts {"params": [...], **settings}."""

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: params is an empty list; "
                             "pass model.parameters()")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        self.param_groups = []
        self.state = {}  # id(parameter) -> dict of arrays and numbers
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group):
        """Add {"params": [...], **hyperparameters}; missing hyperparameters take the defaults."""
        params = group["params"]
        params = [params] if hasattr(params, "data") else list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in params:
            if not hasattr(p, "data") or not isinstance(p.data, np.ndarray):
                raise TypeError(f"{type(self).__name__}: params must be Tensors, "
                                f"got {type(p).__name__}")
            if id(p) in seen:
                raise ValueError(f"{type(self).__name__}: a parameter appears twice "
                                 "(in one group or in two groups)")
            seen.add(id(p))
        self.param_groups.append({**self.defaults, **group, "params": params})

    @effect  # replayed as a call by deepgrad.compile
    def zero_grad(self, set_to_none=True):
        """Clear every parameter's `.grad` (to None, or to zeros in place)."""
        for group in self.param_groups:  # on the ._grad slot: nothing to check in None
            for p in group["params"]:
                if set_to_none or p._grad is None:
                    p._grad = None
                else:
                    p._grad.data[...] = 0

    in_place = True  # step runs the fast _update_in_place; False: the textbook _update

    @effect
    def step(self):
        """One update of every parameter that has a gradient."""
        update = self._update_in_place if self.in_place else self._update
        for group in self.param_groups:
            for p in group["params"]:
                grad = p._grad  # the slot behind the .grad property: a read, nothing to check
                if grad is not None:
                    update(p, grad.data, self.state.setdefault(id(p), {}), group)

    def _update(self, p, grad, state, group):
        """The textbook update of ``p`` (its docstring's formula), given its gradient array."""
        raise NotImplementedError

    def _update_in_place(self, p, grad, state, group):
        """The same update in place (the fast path); by default the textbook one."""
        self._update(p, grad, state, group)

    def _params(self):
        return [p for group in self.param_groups for p in group["params"]]

    def state_dict(self):
        """A copy: {"state": {i: {name: value}}, "param_groups": [{..., "params": [indices]}]}."""
        index = {id(p): i for i, p in enumerate(self._params())}
        state = {index[key]: copy.deepcopy(value) for key, value in self.state.items()
                 if key in index}
        groups = [{**{k: v for k, v in g.items() if k != "params"},
                   "params": [index[id(p)] for p in g["params"]]} for g in self.param_groups]
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore hyperparameters and state saved by `state_dict` for the same parameters; a
        torch.optim state_dict is converted (optim/torch_state.py) or refused naming why."""
        if torch_state.is_torch_state(state_dict):
            state_dict = torch_state.convert(state_dict, self)
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"load_state_dict: the saved state has {len(groups)} parameter "
                             f"groups, this optimizer has {len(self.param_groups)}")
        for saved, group in zip(groups, self.param_groups):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError("load_state_dict: a saved parameter group has "
                                 f"{len(saved['params'])} parameters, this one has "
                                 f"{len(group['params'])}")
        params = self._params()
        state = {}
        for i, value in state_dict["state"].items():
            p = params[int(i)]
            for name, item in value.items():
                if isinstance(item, np.ndarray) and item.shape != p.shape:
                    raise ValueError(f"load_state_dict: state '{name}' of parameter {i} has "
                                     f"shape {item.shape}, the parameter has {p.shape}")
            state[id(p)] = copy.deepcopy(value)
        self.state = state
        for saved, group in zip(groups, self.param_groups):
            group.update({k: copy.deepcopy(v) for k, v in saved.items() if k != "params"})

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"  group {i}: " + ", ".join(
                f"{k}={v}" for k, v in group.items() if k != "params"))
        return "\n".join(lines) + "\n)"


def check_hyperparameters(name, **values):
    """Raise ValueError naming the first hyperparameter < 0 (or a beta outside [0, 1))."""
    for key, value in values.items():
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if key == "betas" and not 0.0 <= item < 1.0:
                raise ValueError(f"{name}: invalid beta {item} in betas={value}; "
                                 "each must be in [0, 1)")
            if key != "betas" and not item >= 0.0:
                raise ValueError(f"{name}: invalid {key} {item}; it must be >= 0")
