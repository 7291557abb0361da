"""What every lab figure must have, checked on a matplotlib Figure by introspection.

A label on every axis that shows tick labels, a title (the figure's or each panel's), a legend on
any Axes that draws several series, and tick labels that do not overlap (their bounding boxes
from a draw without rasterising). ``problems(fig)`` lists what is wrong, one sentence each.
"""

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.lines import Line2D


def _tick_labels(axis, renderer):
    """Visible, non-empty tick labels (major and minor together) and their window extents."""
    ticks = axis.get_major_ticks() + axis.get_minor_ticks()
    out = []
    for tick in ticks:
        for label in (tick.label1, tick.label2):
            if label.get_visible() and label.get_text().strip() and tick.get_visible():
                out.append((label.get_text(), label.get_window_extent(renderer)))
    return out


def _overlaps(labels, pad=0.5):
    """Pairs of tick labels whose boxes intersect (by more than ``pad`` pixels each way)."""
    bad = []
    for i, (a_text, a) in enumerate(labels):
        for b_text, b in labels[i + 1:]:
            if (min(a.x1, b.x1) - max(a.x0, b.x0) > pad and min(a.y1, b.y1) - max(a.y0, b.y0) > pad
                    and (a_text, a.bounds) != (b_text, b.bounds)):
                bad.append((a_text, b_text))
    return bad


def _series(ax):
    """How many data series the Axes draws: lines of 3+ points, scatters, bar groups, named fills."""
    lines = [l for l in ax.get_lines() if isinstance(l, Line2D) and len(l.get_xdata()) > 2]
    scatters = [c for c in ax.collections if isinstance(c, PathCollection) and len(c.get_offsets())]
    fills = [c for c in ax.collections if isinstance(c, PolyCollection)  # fill_between, labelled
             and not c.get_label().startswith("_")]
    return len(lines) + len(scatters) + len(ax.containers) + len(fills)


def _has_legend(ax, fig):
    legend = ax.get_legend()
    return (legend is not None and legend.get_visible() and legend.get_texts()) or bool(fig.legends)


def _is_colorbar(ax):
    return getattr(ax, "_colorbar", None) is not None or ax.get_label() == "<colorbar>"


def problems(fig):
    """Every breach of the figure rules in ``fig``, as sentences naming the panel."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw_without_rendering()  # lays out ticks and text (constrained layout too), no pixels
    found = []
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.axison]
    suptitle = fig._suptitle is not None and fig._suptitle.get_text().strip()
    for k, ax in enumerate(panels):
        name = f"panel {k} ({ax.get_title() or 'untitled'!r})"
        colorbar = _is_colorbar(ax)
        for axis, which in ((ax.xaxis, "x"), (ax.yaxis, "y")):
            labels = _tick_labels(axis, renderer)
            if labels and not axis.get_label_text().strip():
                found.append(f"{name}: the {which} axis has tick labels but no axis label")
            for a, b in _overlaps(labels):
                found.append(f"{name}: {which} tick labels {a!r} and {b!r} overlap")
        if colorbar:
            continue
        if not suptitle and not ax.get_title().strip():
            found.append(f"{name}: no title (neither the panel's nor the figure's suptitle)")
        if _series(ax) > 1 and not _has_legend(ax, fig):
            found.append(f"{name}: {_series(ax)} series but no legend")
    return found
