"""The progress bar of `fit`: one tqdm bar over epochs, in a terminal or a Jupyter notebook.

In a notebook the bar is tqdm's widget when ipywidgets is installed, else tqdm's text bar (no
IProgress warning); elsewhere it shows only when stderr is a terminal, so logs stay clean.
"""

import sys


def _in_notebook():
    """True inside a Jupyter kernel (IPython's ZMQ shell), without importing IPython otherwise."""
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    return type(shell).__name__ == "ZMQInteractiveShell"


def _bar_class():
    """tqdm's notebook widget when it can be drawn, else the plain text bar."""
    if _in_notebook():
        try:
            import ipywidgets  # noqa: F401 -- tqdm.notebook needs it to draw the widget
            from tqdm.notebook import tqdm
            return tqdm
        except ImportError:
            pass
    from tqdm.std import tqdm
    return tqdm


def progress_bar(epochs, enabled):
    """A tqdm bar over `epochs`; off when `enabled` is False or output is neither notebook nor tty."""
    visible = enabled and (_in_notebook() or sys.stderr.isatty())
    bar = _bar_class()
    return bar(total=epochs, unit="epoch", dynamic_ncols=True, disable=not visible)


def format_logs(logs):
    """"loss=0.1234 accuracy=0.9712 ..." for the bar's postfix and printed summaries."""
    return " ".join(f"{key}={value:.4g}" for key, value in logs.items()
                    if key not in ("epoch", "time"))
