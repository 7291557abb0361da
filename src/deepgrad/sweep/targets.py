"""What a sweep cell runs: a lab experiment ("lab:NAME") or a `deepgrad train` run ("train").

`parameters(target)` lists the names a grid may set; `run_cell` runs one cell in the worker and
returns {"status": "ok" | "failed", "metrics", "seconds", "error" (a traceback)}: a cell that
raises is reported, never lost.
"""

import argparse
import json
import tempfile
import time
import traceback
from pathlib import Path


def _train_parser():
    """A parser holding `deepgrad train`'s flags exactly as the CLI has them (train/command.py),
    built here so the sweep layer does not import the CLI above it."""
    from deepgrad.train.command import add_commands

    parser = argparse.ArgumentParser(prog="deepgrad")
    add_commands(parser.add_subparsers(dest="command", required=True))
    return parser


def parameters(target):
    """{name: default} that a grid over `target` may set."""
    if target == "train":
        train = _train_parser()._subparsers._group_actions[0].choices["train"]
        return {a.dest: a.default for a in train._actions
                if a.dest not in ("help", "seed", "out", "no_progress", "no_plot")}
    if target.startswith("lab:"):
        from deepgrad.lab.registry import get

        return {"quick": False, **get(target[4:]).params()}
    raise ValueError(f"target must be 'train' or 'lab:NAME', got {target!r}")


def check_grid(target, grid):
    """Raise ValueError naming an unknown grid parameter and listing the target's parameters."""
    known = parameters(target)
    unknown = sorted(set(grid) - set(known))
    if unknown:
        raise ValueError(f"{target} has no parameter {', '.join(map(repr, unknown))}; its "
                         f"parameters are: {', '.join(sorted(known))}")


def run_cell(target, params, seed):
    """Run one cell; metrics are the result's scalar numbers (lab) or the test metrics (train)."""
    start = time.perf_counter()
    try:
        metrics = _run_train(params, seed) if target == "train" else _run_lab(target[4:], params,
                                                                             seed)
        return {"status": "ok", "metrics": metrics, "seconds": time.perf_counter() - start}
    except Exception:  # noqa: BLE001 -- the cell is stored as failed with its traceback
        return {"status": "failed", "metrics": {}, "seconds": time.perf_counter() - start,
                "error": traceback.format_exc()}


def _run_lab(name, params, seed):
    from deepgrad.lab.registry import get, key_numbers

    params = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
    result = get(name).run(seed=seed, **params)
    return {k: v for k, v in key_numbers(result).items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _run_train(params, seed):
    import contextlib
    import io

    with tempfile.TemporaryDirectory() as out:
        argv = ["train", "--seed", str(seed), "--out", out, "--no-progress", "--no-plot"]
        for name, value in params.items():
            flag = "--" + name.replace("_", "-")
            argv += [flag, *map(str, value)] if isinstance(value, (list, tuple)) else \
                [flag, str(value)]
        args = _train_parser().parse_args(argv)
        with contextlib.redirect_stdout(io.StringIO()):
            args.func(args)
        record = json.loads((Path(out) / "metrics.json").read_text())
    return {f"test_{k}": v for k, v in record["test"].items()} | \
        {"train_seconds": record["train_seconds"]}
