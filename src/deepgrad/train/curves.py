"""Learning curves: loss (and accuracy) per epoch, train and validation, as a matplotlib Figure."""

from deepgrad.figure import InlineFigure as Figure


def plot_history(history):
    """A Figure with the loss per epoch and, for classifiers, the accuracy (Agg; nothing shown)."""
    panels = [key for key in ("loss", "accuracy") if key in history]
    fig = Figure(figsize=(5 * len(panels), 3.6), layout="constrained")
    for ax, key in zip(fig.subplots(1, len(panels), squeeze=False)[0], panels):
        ax.plot(history["epoch"], history[key], label="train")
        if f"val_{key}" in history:
            ax.plot(history["epoch"], history[f"val_{key}"], label="validation")
        if history.best_epoch is not None:
            ax.axvline(history.best_epoch, color="grey", linestyle=":", label="best epoch")
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.set_yscale("log" if key == "loss" else "linear")
        ax.set_title(f"{key} per epoch")
        ax.legend()
    fig.suptitle("learning curve")
    return fig
