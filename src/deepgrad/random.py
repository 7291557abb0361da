"""The global random generator behind init, shuffling and dropout; `manual_seed` reseeds it.

Everything random in deepgrad draws from an explicit `numpy.random.Generator`. Functions take a
`generator=` (a Generator or an int seed); when none is given they use the global one here, which
`manual_seed(seed)` replaces. There is no other hidden state.
"""

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed):
    """Reseed the global generator (as `torch.manual_seed`) and return it."""
    global _generator
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed: seed must be a non-negative integer, got {seed!r}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def default_generator():
    """The global generator (the one `manual_seed` last set)."""
    return _generator


def get_generator(generator=None):
    """`generator` as a Generator: None -> the global one, an int -> a fresh seeded one."""
    if generator is None:
        return _generator
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise TypeError(f"generator must be None, an int seed or a numpy.random.Generator, "
                    f"got {type(generator).__name__}")
