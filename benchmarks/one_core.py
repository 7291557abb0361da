"""Pin a benchmark's process to one CPU core, so that "one thread for every peer" holds for JAX.

One BLAS thread and ``--xla_cpu_multi_thread_eigen=false`` do not keep XLA on one core: its
runtime still runs work on a second thread. Measured on this 2-core machine (2026-12-02, idle):
a jitted (128, 512) @ (512, 512) loop used 1.71 s of CPU per second of wall time, and JAX's
tutorial loop (benchmarks/jit_bench.py) took 0.69 s for 29 epochs unpinned against 0.83 s pinned,
while deepgrad's took 1.10 and 1.02 s. Pinned, every peer gets the same single core; pass
``--all-cores`` to a benchmark to measure without the pin.
"""

import os


def pin(argv):
    """Restrict this process to its lowest allowed core, unless ``--all-cores`` is in ``argv``."""
    if "--all-cores" not in argv and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def cores():
    """The cores this process may run on, for a report's heading: "pinned to core 0", "2 cores"."""
    allowed = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    if allowed is None:
        return f"{os.cpu_count()} cores"
    return f"pinned to core {allowed[0]}" if len(allowed) == 1 else f"{len(allowed)} cores"
