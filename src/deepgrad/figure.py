"""A matplotlib Figure that a notebook shows inline with no ``%matplotlib`` magic.

Jupyter draws a plain ``Figure`` only once pyplot's inline backend is active; this subclass
carries its own ``_repr_png_`` (drawn with Agg), so ``plot_history(history)`` just shows.
"""

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


class InlineFigure(Figure):
    """``matplotlib.figure.Figure`` plus ``_repr_png_`` for Jupyter's rich display."""

    def _repr_png_(self) -> bytes:
        FigureCanvasAgg(self)
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=100, bbox_inches="tight")
        return buf.getvalue()
