"""The ``deepgrad lab`` and ``deepgrad report`` commands.

    deepgrad lab list
    deepgrad lab NAME [--param value ...] [--out DIR] [--quick] [--seed N]
    deepgrad report [--out DIR] [--quick] [--seed N] [--only NAME ...]

``deepgrad lab NAME`` writes DIR/NAME.png and DIR/NAME.json. Its ``--param`` options are read from
the keyword defaults of the experiment's run(): ``max_depth=12`` becomes ``--max-depth INT``, a bool
becomes ``--flag/--no-flag``, a tuple takes one or more values. ``deepgrad lab NAME --help`` lists
them. ``deepgrad report`` runs every experiment (or those after ``--only``) into DIR/report.html.

The ``deepgrad`` entry point calls ``add_commands(subparsers)``; each sub-command sets ``func``,
which takes the parsed namespace and returns the exit status.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from deepgrad.lab.registry import Experiment, get, list_experiments

DEFAULT_OUT = "lab_out"


def add_commands(subparsers) -> None:
    """Register ``lab`` and ``report`` on an ``ArgumentParser.add_subparsers()`` object."""
    lab = subparsers.add_parser(
        "lab",
        help="list the lab's experiments, or run one (figure + JSON)",
        description="deepgrad lab list | deepgrad lab NAME [--param value ...] "
        "[--out DIR] [--quick] [--seed N]  (deepgrad lab NAME --help lists NAME's parameters)",
    )
    lab.add_argument("name", nargs="?", default="list", help="an experiment, or 'list'")
    lab.add_argument("options", nargs=argparse.REMAINDER, help="the experiment's options")
    lab.set_defaults(func=lab_command)

    report = subparsers.add_parser(
        "report", help="run the lab's experiments into one self-contained HTML page"
    )
    report.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    report.add_argument("--quick", action="store_true", help="small settings: seconds per experiment")
    report.add_argument("--seed", type=int, default=0)
    report.add_argument("--only", nargs="+", metavar="NAME", help="run only these experiments")
    report.set_defaults(func=report_command)


def experiment_parser(experiment: Experiment) -> argparse.ArgumentParser:
    """The options of one experiment: --out, --quick, --seed and one per run() parameter."""
    parser = argparse.ArgumentParser(
        prog=f"deepgrad lab {experiment.name}",
        description=experiment.doc,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    parser.add_argument("--quick", action="store_true", help="small settings: a few seconds")
    parser.add_argument("--seed", type=int, default=0)
    for name, default in experiment.params().items():
        flag = "--" + name.replace("_", "-")
        if isinstance(default, bool):
            parser.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction,
                                default=default)
        elif isinstance(default, tuple):
            kind = type(default[0]) if default else str
            parser.add_argument(flag, dest=name, nargs="+", type=kind, default=default,
                                metavar=kind.__name__.upper(), help=f"default {default}")
        else:
            parser.add_argument(flag, dest=name, type=type(default), default=default,
                                metavar=type(default).__name__.upper(), help=f"default {default}")
    return parser


def parse_params(experiment: Experiment, argv: list[str]) -> tuple[argparse.Namespace, dict]:
    """Parse an experiment's command line; returns the namespace and run()'s keyword params."""
    args = experiment_parser(experiment).parse_args(argv)
    params: dict[str, Any] = {}
    for name, default in experiment.params().items():
        value = getattr(args, name)
        params[name] = tuple(value) if isinstance(default, tuple) else value
    return args, params


def lab_command(args: argparse.Namespace) -> int:
    from deepgrad.lab.report import execute

    if args.name == "list":
        for name in list_experiments():
            try:
                title = get(name).title
            except Exception as exc:  # noqa: BLE001 -- a broken module is listed, not fatal
                title = f"(cannot import: {exc})"
            print(f"{name:26s} {title}")
        return 0
    try:
        experiment = get(args.name)
    except KeyError as exc:
        print(f"deepgrad lab: {exc.args[0]}", file=sys.stderr)
        return 2
    opts, params = parse_params(experiment, list(args.options))
    outcome = execute(experiment, quick=opts.quick, seed=opts.seed, params=params)
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / f"{experiment.name}.json"
    json_path.write_text(json.dumps(outcome.to_json(), allow_nan=False) + "\n")
    if outcome.error:
        print(outcome.error, file=sys.stderr)
        print(f"{experiment.name} failed; wrote {json_path}", file=sys.stderr)
        return 1
    png_path = out / f"{experiment.name}.png"
    png_path.write_bytes(outcome.png)
    for key, value in outcome.numbers.items():
        print(f"  {key}: {value}")
    print(f"wrote {png_path} and {json_path} ({outcome.seconds:.1f} s)")
    return 0


def report_command(args: argparse.Namespace) -> int:
    from deepgrad.lab.report import write_report

    names = args.only if args.only else list_experiments()
    unknown = sorted(set(names) - set(list_experiments()))
    if unknown:
        print(f"deepgrad report: unknown experiments: {', '.join(unknown)}", file=sys.stderr)
        return 2
    path, outcomes = write_report(
        args.out, names, quick=args.quick, seed=args.seed,
        log=lambda line: print(line, flush=True),
    )
    n_bad = sum(o.error is not None for o in outcomes)
    print(f"wrote {path} ({len(outcomes)} experiments, {n_bad} failed)")
    return 1 if n_bad else 0
