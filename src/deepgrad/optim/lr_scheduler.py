"""Learning-rate schedules (as torch.optim.lr_scheduler): each sets `group["lr"]` of an optimizer.

A scheduler counts `last_epoch` (0 after construction, +1 per `step()`) and sets every group's lr
from its base lr (`group["initial_lr"]`) by a closed form. Call `optimizer.step()` and then
`scheduler.step()`. `step_every` says whether `deepgrad.train.fit` steps it once per "epoch" or
once per "batch" (OneCycleLR).
"""

import bisect
import math

from deepgrad.engine.hooks import effect
from deepgrad.optim.optimizer import Optimizer


class LRScheduler:
    """Base class: subclasses give `lr_at(base_lr, epoch)`."""

    step_every = "epoch"

    def __init__(self, optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected a deepgrad Optimizer, "
                            f"got {type(optimizer).__name__}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def lr_at(self, base_lr, epoch):
        raise NotImplementedError

    @effect  # replayed as a call by deepgrad.compile
    def step(self):
        """Advance one epoch (or batch) and set the new learning rates."""
        self.last_epoch += 1
        self._set(self.last_epoch)

    def _set(self, epoch):
        for group, base_lr in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.lr_at(base_lr, epoch)

    def get_last_lr(self):
        """The learning rate of each group, as last set."""
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        return {k: v for k, v in vars(self).items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        vars(self).update(state_dict)


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (epoch // step_size)."""

    def __init__(self, optimizer, step_size, gamma=0.1):
        if step_size < 1:
            raise ValueError(f"StepLR: step_size must be >= 1, got {step_size}")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch):
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** epoch."""

    def __init__(self, optimizer, gamma):
        self.gamma = gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch):
        return base_lr * self.gamma ** epoch


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2 (Loshchilov and
    Hutter, 2017, without restarts)."""

    def __init__(self, optimizer, T_max, eta_min=0.0):
        if T_max <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be > 0, got {T_max}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch):
        return self.eta_min + (base_lr - self.eta_min) * (
            1 + math.cos(math.pi * epoch / self.T_max)) / 2


class LinearLR(LRScheduler):
    """Linear warm-up: lr = base_lr * (start_factor + (end_factor - start_factor)
    * min(epoch, total_iters) / total_iters)."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5):
        if not 0 < start_factor <= 1 or not 0 <= end_factor <= 1:
            raise ValueError("LinearLR: start_factor must be in (0, 1] and end_factor in [0, 1], "
                             f"got {start_factor} and {end_factor}")
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = total_iters
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch):
        done = min(epoch, self.total_iters) / self.total_iters
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * done)


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith and Topin, 2018), stepped once per batch: lr rises from
    max_lr / div_factor to max_lr over the first pct_start of total_steps, then falls to
    max_lr / (div_factor * final_div_factor), each by cosine (or linear) annealing. With
    cycle_momentum, the momentum (or Adam's beta1) moves the opposite way, between max_momentum
    and base_momentum. Give total_steps, or epochs and steps_per_epoch.
    """

    step_every = "batch"

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
                 max_momentum=0.95, div_factor=25.0, final_div_factor=1e4):
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError("OneCycleLR: give total_steps, or epochs and steps_per_epoch")
            total_steps = epochs * steps_per_epoch
        if total_steps <= 0:
            raise ValueError(f"OneCycleLR: total_steps must be > 0, got {total_steps}")
        if not 0 <= pct_start <= 1:
            raise ValueError(f"OneCycleLR: pct_start must be in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', "
                             f"got {anneal_strategy!r}")
        self.total_steps, self.anneal_strategy = total_steps, anneal_strategy
        self.phases = [(float(pct_start * total_steps) - 1, "initial_lr", "max_lr"),
                       (total_steps - 1, "max_lr", "min_lr")]
        for group in optimizer.param_groups:
            group["initial_lr"] = max_lr / div_factor
            group["max_lr"] = max_lr
            group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = "betas" in optimizer.defaults
            if not self.use_beta1 and "momentum" not in optimizer.defaults:
                raise ValueError("OneCycleLR: cycle_momentum=True needs an optimizer with "
                                 "momentum or betas")
            for group in optimizer.param_groups:
                group["max_momentum"], group["base_momentum"] = max_momentum, base_momentum
        super().__init__(optimizer)

    def _anneal(self, start, end, pct):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def _set(self, epoch):
        if epoch > self.total_steps:
            raise ValueError(f"OneCycleLR: stepped {epoch} times, total_steps is "
                             f"{self.total_steps}")
        momenta = ("max_momentum", "base_momentum", "max_momentum")
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, (end_step, start, end) in enumerate(self.phases):
                if epoch <= end_step or i == len(self.phases) - 1:
                    pct = (epoch - start_step) / (end_step - start_step)
                    break
                start_step = end_step
            group["lr"] = self._anneal(group[start], group[end], pct)
            if self.cycle_momentum:
                momentum = self._anneal(group[momenta[i]], group[momenta[i + 1]], pct)
                if self.use_beta1:
                    group["betas"] = (momentum, *group["betas"][1:])
                else:
                    group["momentum"] = momentum


class SequentialLR(LRScheduler):
    """Run `schedulers[0]` until `milestones[0]`, then `schedulers[1]` from its own epoch 0, ...
    (e.g. LinearLR warm-up then CosineAnnealingLR)."""

    def __init__(self, optimizer, schedulers, milestones):
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: {len(schedulers)} schedulers need "
                             f"{len(schedulers) - 1} milestones, got {len(milestones)}")
        for s in schedulers:
            if getattr(s, "optimizer", None) is not optimizer:
                raise ValueError("SequentialLR: every scheduler must belong to the same optimizer")
        self.optimizer, self.schedulers, self.milestones = optimizer, list(schedulers), milestones
        self.last_epoch = 0
        self.schedulers[0].last_epoch = -1
        self.schedulers[0].step()

    @effect  # replayed as a call by deepgrad.compile
    def step(self):
        self.last_epoch += 1
        i = bisect.bisect_right(self.milestones, self.last_epoch)
        if i > 0 and self.milestones[i - 1] == self.last_epoch:
            self.schedulers[i].last_epoch = -1
        self.schedulers[i].step()

    def state_dict(self):
        return {"last_epoch": self.last_epoch,
                "schedulers": [s.state_dict() for s in self.schedulers]}

    def load_state_dict(self, state_dict):
        self.last_epoch = state_dict["last_epoch"]
        for s, saved in zip(self.schedulers, state_dict["schedulers"]):
            s.load_state_dict(saved)


class ReduceLROnPlateau:
    """Multiply lr by `factor` (not below min_lr) when the monitored metric has not improved for
    more than `patience` steps. `step(metric)` once per epoch, e.g. with the validation loss.
    Improvement: metric < best * (1 - threshold) in mode "min", rel (see `threshold_mode`).
    """

    step_every = "epoch"

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0.0, eps=1e-8):
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be < 1, got {factor}")
        if mode not in ("min", "max") or threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max' and threshold_mode "
                             f"'rel' or 'abs', got {mode!r} and {threshold_mode!r}")
        self.optimizer, self.mode, self.factor, self.patience = optimizer, mode, factor, patience
        self.threshold, self.threshold_mode, self.cooldown = threshold, threshold_mode, cooldown
        self.min_lr, self.eps = min_lr, eps
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = self.cooldown_counter = self.last_epoch = 0

    def _is_better(self, value):
        sign = 1.0 if self.mode == "min" else -1.0
        if self.threshold_mode == "rel":
            return sign * value < sign * self.best * (1 - sign * self.threshold)
        return sign * value < sign * self.best - self.threshold

    @effect  # replayed as a call by deepgrad.compile
    def step(self, metric):
        self.last_epoch += 1
        metric = float(metric)
        if self._is_better(metric):
            self.best, self.num_bad_epochs = metric, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group in self.optimizer.param_groups:
                new_lr = max(group["lr"] * self.factor, self.min_lr)
                if group["lr"] - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0

    def get_last_lr(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        return {k: v for k, v in vars(self).items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        vars(self).update(state_dict)
