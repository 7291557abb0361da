"""Convert an optimizer state_dict saved by torch.optim into deepgrad's, or refuse it clearly.

torch stores tensors (read by duck typing: nothing here imports torch), the step count as a
tensor, and options deepgrad has no use for (foreach, fused, ...). Those options are dropped
when they hold torch's defaults; any other option or state deepgrad's optimizer does not know
is an error naming it, so a torch state never loads silently and fails later inside NumPy.
"""

import numpy as np

# torch's implementation switches: harmless at these values, meaningless here.
_IGNORED = {"foreach": (None, False), "fused": (None, False), "capturable": (False,),
            "differentiable": (False,), "maximize": (False,),
            "decoupled_weight_decay": (False,)}


def _value(item):
    if hasattr(item, "detach") and hasattr(item, "numpy"):
        item = item.detach().cpu().numpy()
        return float(item) if item.ndim == 0 else item
    return item


def is_torch_state(state_dict):
    """True when the state holds torch tensors or torch's option names."""
    groups = state_dict.get("param_groups", [])
    tensors = any(hasattr(v, "detach") for s in state_dict.get("state", {}).values()
                  for v in s.values())
    return tensors or any(key in g for g in groups for key in _IGNORED)


def convert(state_dict, optimizer):
    """deepgrad's form of a torch optimizer state_dict for `optimizer`, or a ValueError."""
    name = type(optimizer).__name__
    known = set(optimizer.param_groups[0]) - {"params"} if optimizer.param_groups else set()
    groups = []
    for i, group in enumerate(state_dict["param_groups"]):
        kept = {}
        for key, value in group.items():
            if key == "params" or key in known:
                kept[key] = list(value) if isinstance(value, tuple) and key != "betas" else value
            elif key in _IGNORED and value in _IGNORED[key]:
                continue
            else:
                raise ValueError(f"load_state_dict: torch's {name} state sets {key}={value!r} "
                                 f"in parameter group {i}, which deepgrad's {name} does not "
                                 f"support (its options: {', '.join(sorted(known))})")
        groups.append(kept)
    state = {}
    for index, entry in state_dict["state"].items():
        state[int(index)] = {key: _value(v) for key, v in entry.items()}
        for key, v in state[int(index)].items():
            if isinstance(v, np.ndarray) and v.dtype.kind == "f":
                state[int(index)][key] = v.copy()
    return {"state": state, "param_groups": groups}
