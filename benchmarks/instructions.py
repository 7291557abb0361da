"""Instructions per training step, counted by cachegrind: a deterministic figure for speed work.

    .venv/bin/python -m benchmarks.instructions                      # W1, W2 eager and compiled
    .venv/bin/python -m benchmarks.instructions W1:compiled W4:hvp   # chosen cases

Wall time on a shared 2-core machine moves by 5-20% between runs, so a 1% change cannot be seen
in it; the number of instructions a step executes moves by under 0.1%. Each case runs twice under
``valgrind --tool=cachegrind`` (after the same warm-up, ``FEW`` and ``MANY`` steps) and the
difference of the two totals over ``MANY - FEW`` is the count per step: start-up, imports and
tracing cancel out. Instructions are not time (a cache miss or a page fault costs no
instruction), so a change is confirmed in wall time before it is kept. Needs valgrind.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

FEW, MANY = 20, 220
CASES = ("W1:eager", "W1:compiled", "W2:eager", "W2:compiled", "W4:grad", "W4:hvp")


def _step(case):
    """The call one step of ``case`` makes, after its warm-up."""
    from benchmarks import workloads as W
    from benchmarks.peers import deepgrad_peer

    name, kind = case.split(":")
    spec = W.W2 if name == "W4" else getattr(W, name)  # W4 is the HVP on W2's model
    init, (x, y) = W.init_params(spec), W.batch_data(spec)
    if name == "W4":
        grad, hvp = deepgrad_peer.make_hvp(spec, init, x, y)
        call = grad if kind == "grad" else hvp
    else:
        maker = deepgrad_peer.make_compiled_trainer if kind == "compiled" \
            else deepgrad_peer.make_trainer
        trainer = maker(spec, init)
        batch = trainer.prepare(x, y)
        call = lambda: trainer.step(*batch)  # noqa: E731
    for _ in range(5):
        call()
    return call


def _child(case, steps):
    call = _step(case)
    for _ in range(steps):
        call()


def _count(case, steps):
    """Total instructions of one child run of ``steps`` steps under cachegrind."""
    # one thread, and one hash seed: str hashes (dict and set layouts) vary run to run otherwise
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONHASHSEED="0")
    cmd = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
           sys.executable, "-m", "benchmarks.instructions", "--child", case, str(steps)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if found is None:
        raise RuntimeError(f"cachegrind printed no instruction count for {case}:\n{done.stderr}")
    return int(found.group(1).replace(",", ""))


def per_step(case):
    """Instructions one step of ``case`` executes (``W1:compiled``, ``W4:hvp``, ...)."""
    return (_count(case, MANY) - _count(case, FEW)) / (MANY - FEW)


def main(argv):
    if argv[:1] == ["--child"]:
        _child(argv[1], int(argv[2]))
        return
    unknown = [c for c in argv if c not in CASES]
    if unknown:
        sys.exit(f"unknown case(s) {unknown}; choose from {', '.join(CASES)}")
    if shutil.which("valgrind") is None:
        sys.exit("benchmarks.instructions needs valgrind (apt-get install valgrind)")
    print("| case | instructions per step |\n|---|---|")
    for case in argv or CASES:
        print(f"| {case} | {per_step(case):,.0f} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
