"""The ``deepgrad`` command: ``train``, ``predict`` (deepgrad.train), ``lab``, ``report``
(deepgrad.lab), ``export`` (deepgrad.onnx), ``playground`` and ``sweep``."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    from deepgrad.lab.command import add_commands as add_lab_commands
    from deepgrad.onnx.command import add_commands as add_export_commands
    from deepgrad.playground.command import add_commands as add_playground_commands
    from deepgrad.sweep.command import add_commands as add_sweep_commands
    from deepgrad.train.command import add_commands as add_train_commands

    parser = argparse.ArgumentParser(
        prog="deepgrad", description="Train MLPs and CNNs, run the lab's experiments, the playground and sweeps.")
    sub = parser.add_subparsers(dest="command", required=True)
    add_train_commands(sub)
    add_lab_commands(sub)
    add_export_commands(sub)
    add_playground_commands(sub)
    add_sweep_commands(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError, FileNotFoundError, KeyError) as e:
        print(f"deepgrad {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
