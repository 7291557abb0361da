"""The progress bar of `fit`: one tqdm bar over epochs, quiet when not on a terminal."""

import sys

from tqdm.auto import tqdm


def progress_bar(epochs, enabled):
    """A tqdm bar over `epochs`, disabled when `enabled` is False or stderr is not a terminal."""
    return tqdm(total=epochs, unit="epoch", dynamic_ncols=True,
                disable=not (enabled and sys.stderr.isatty()))


def format_logs(logs):
    """"loss=0.1234 accuracy=0.9712 ..." for the bar's postfix and printed summaries."""
    return " ".join(f"{key}={value:.4g}" for key, value in logs.items()
                    if key not in ("epoch", "time"))
