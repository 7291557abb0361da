"""Time this tree against another checkout of deepgrad in interleaved pairs: ``make bench``'s
workloads, one case at a time, each side in a process of its own.

    python -m benchmarks.paired /path/to/other/checkout        # W1, W2, W4; 15 pairs each
    python -m benchmarks.paired ../before --cases W1:eager,W4:hvp --pairs 31

This shared VM's speed drifts by 20% within minutes, which is larger than the 5% a refactor
must stay within. Here the two trees alternate in short bursts, each going first in every other
pair, and each pair gives one ratio this / other: a slow spell slows both sides of a pair. The
median ratio and its quartiles are printed, and the ratio of each side's fastest burst (noise
only adds time); a tree against itself reads 1.00 +- 0.02 at 61 pairs. The peers do not change
between the trees, so the ratio is the change of each deepgrad / peer ratio of ``make bench``.
One thread, one hash seed (as ``benchmarks.instructions``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _worker():
    """Answer ``case n`` lines on stdin with the seconds per call of n calls of that case."""
    import deepgrad
    from instructions import _step  # this folder's, building the tree's workloads and peer

    print(json.dumps({"deepgrad": deepgrad.__file__}), flush=True)
    calls = {}
    for line in sys.stdin:
        case, n = line.split()
        call = calls.get(case) or calls.setdefault(case, _step(case))
        t0 = time.perf_counter()
        for _ in range(int(n)):
            call()
        print(json.dumps((time.perf_counter() - t0) / int(n)), flush=True)


def _start(tree):
    env = dict(os.environ, PYTHONPATH=f"{tree / 'src'}{os.pathsep}{tree}",
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONHASHSEED="0")
    proc = subprocess.Popen([sys.executable, __file__, "--worker"], cwd=tree, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    found = Path(json.loads(proc.stdout.readline())["deepgrad"]).resolve()
    if tree.resolve() not in found.parents:
        proc.kill()
        raise SystemExit(f"paired: {tree} imported deepgrad from {found}, not from its own src/")
    return proc


def _ask(proc, case, n):
    proc.stdin.write(f"{case} {n}\n")
    proc.stdin.flush()
    return json.loads(proc.stdout.readline())


def main(argv=None):
    from benchmarks.instructions import CASES  # (not at the top: a worker imports the other tree)

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("other", type=Path, help="the other checkout (a git worktree, say)")
    p.add_argument("--cases", default=",".join(CASES), help=f"of {', '.join(CASES)}")
    p.add_argument("--pairs", type=int, default=15)
    p.add_argument("--burst", type=float, default=0.2, help="seconds per side per pair")
    args = p.parse_args(argv)
    this = Path(__file__).resolve().parent.parent
    sides = _start(args.other), _start(this)
    print(f"this / other ({args.other}), {args.pairs} pairs of {args.burst} s bursts, 1 thread")
    for case in args.cases.split(","):
        once = _ask(sides[0], case, 1)
        n = max(1, int(args.burst / once))
        ratios, times = [], []
        for k in range(args.pairs):  # each side goes first in every other pair
            if k % 2:
                mine, other = _ask(sides[1], case, n), _ask(sides[0], case, n)
            else:
                other, mine = _ask(sides[0], case, n), _ask(sides[1], case, n)
            ratios.append(mine / other)
            times.append((other, mine))
        q1, med, q3 = statistics.quantiles(ratios, n=4)
        other, mine = (min(t[i] for t in times) * 1e6 for i in (0, 1))
        print(f"{case:12s} fastest {other:8.1f} us -> {mine:8.1f} us ({mine / other:.3f})   "
              f"this/other per pair {med:.3f} [quartiles {q1:.3f}-{q3:.3f}]", flush=True)
    for proc in sides:
        proc.stdin.close()
        proc.wait()


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        _worker()  # run as a file: its folder is sys.path[0], the tree comes from PYTHONPATH
    else:
        main()
