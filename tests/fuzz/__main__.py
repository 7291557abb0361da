"""``make fuzz``: the standing run, N programs over J processes, the seed printed first.

    cd tests && python -m fuzz --programs 20000 --jobs 2 [--seed S]

Worker k runs N/J programs with hypothesis seed S + k; a failure is shrunk and printed as a
runnable program (and the run exits non-zero); the summary gives the counts by side.
"""

import argparse
import random
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from fuzz.runner import summary, worker


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--programs", type=int, default=20000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    seed = random.randrange(2**32) if args.seed is None else args.seed
    print(f"fuzz: {args.programs} programs, {args.jobs} processes, seed {seed} "
          f"(rerun with --seed {seed})", flush=True)
    start = time.perf_counter()
    share = [args.programs // args.jobs + (k < args.programs % args.jobs) for k in range(args.jobs)]
    with ProcessPoolExecutor(args.jobs, mp_context=get_context("spawn")) as pool:
        results = list(pool.map(worker, share, [seed + k for k in range(args.jobs)]))
    total = {"programs": 0, "comparisons": 0, "deepgrad_wrong": 0, "unsettled": Counter(),
             "torch_wrong": Counter()}
    for stats, _ in results:
        for key in total:
            total[key] += stats[key]
    print(summary(total))
    print(f"fuzz: {time.perf_counter() - start:.0f} s")
    failures = [f for _, f in results if f]
    for f in failures:
        print(f"FAILED: {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
