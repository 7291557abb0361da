"""Print the fuzzer's counts (programs, comparisons, mismatches by side) after the run."""

from .runner import STATS, summary


def pytest_terminal_summary(terminalreporter):
    if STATS["programs"]:
        terminalreporter.write_line(summary())
