"""Keep freed memory for reuse: a training step frees and re-allocates the same large arrays.

Every step allocates its activations and gradients afresh and frees them at the end. glibc's
malloc hands blocks over 128 KiB back to the kernel (``munmap``, or by trimming the heap), so the
next step's arrays arrive as untouched pages and every 4 KiB page faults on first write. On the
784-1024-1024-10 MLP at batch 512 that is about 3,700 page faults (14 MiB) per step and 8% of
the step's time. Raising glibc's mmap and trim thresholds keeps those blocks in the heap, where
the next step reuses them: the same effect as PyTorch's caching allocators, with no code of ours
in the allocation path.

An opt-in call, ``deepgrad.keep_freed_memory()``, made once by a program that trains: nothing
happens at import and no environment variable changes it. glibc only (elsewhere it returns
False). The cost: memory freed by the process stays mapped (RSS does not shrink after a large
temporary), and the setting is process-wide.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 32 * 2**20    # glibc's largest: arrays up to 32 MiB come from the heap
_TRIM_THRESHOLD = 512 * 2**20   # free heap at the top is returned to the kernel above this


def keep_freed_memory() -> bool:
    """Ask glibc to recycle freed arrays instead of returning them; True when it was applied."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt): nothing to tune
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
                and mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
