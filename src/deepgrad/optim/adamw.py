"""AdamW: Adam with decoupled weight decay (torch.optim.AdamW)."""

from deepgrad.optim.adam import Adam


class AdamW(Adam):
    """AdamW (Loshchilov and Hutter, 2019): first w <- w * (1 - lr * weight_decay), then the Adam
    step on the raw gradient (the decay does not pass through m and v).

    Defaults as PyTorch: lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False.
    """

    decoupled_weight_decay = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad)
