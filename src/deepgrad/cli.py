"""The ``deepgrad`` command: ``train``, ``predict`` (deepgrad.train) and ``lab``, ``report`` (deepgrad.lab)."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    from deepgrad.lab.command import add_commands as add_lab_commands
    from deepgrad.playground.command import add_commands as add_playground_commands
    from deepgrad.train.command import add_commands as add_train_commands

    parser = argparse.ArgumentParser(
        prog="deepgrad", description="Train MLPs and run the lab's experiments.")
    sub = parser.add_subparsers(dest="command", required=True)
    add_train_commands(sub)
    add_lab_commands(sub)
    __import__("deepgrad.onnx.command", fromlist=["add_commands"]).add_commands(sub)
    add_playground_commands(sub)
    __import__("deepgrad.sweep.command").sweep.command.add_commands(sub)
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
