"""clip_grad_norm_: rescale gradients so their joint norm is at most max_norm (torch.nn.utils)."""

import numpy as np

from deepgrad.engine.hooks import effect


@effect  # replayed as a call by deepgrad.compile
def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale every `.grad` in place by min(1, max_norm / (||g|| + 1e-6)), where ||g|| is the
    `norm_type`-norm of all gradients stacked into one vector (inf: the largest |entry|).
    Returns ||g|| before clipping, as a float.
    """
    if max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    grads = [p.grad.data for p in ([parameters] if hasattr(parameters, "data") else parameters)
             if p.grad is not None]
    if not grads:
        return 0.0
    norm_type = float(norm_type)
    if norm_type == np.inf:
        total = max(float(np.max(np.abs(g))) for g in grads)
    else:
        total = float(np.linalg.norm([np.linalg.norm(g.ravel(), norm_type) for g in grads],
                                     norm_type))
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of the gradients is {total}")
    coef = min(1.0, max_norm / (total + 1e-6))
    if coef < 1.0:
        for g in grads:
            g *= coef
    return total
