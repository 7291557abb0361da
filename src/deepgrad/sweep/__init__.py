"""Sweeps: a grid of parameters times seeds over a lab experiment or a `deepgrad train` setup.

Cells run on joblib (loky), Dask distributed or Ray; each result is stored in one SQLite file as
it finishes, so an interrupted sweep resumes where it stopped.
"""

from deepgrad.sweep.runner import cells, run
from deepgrad.sweep.store import ResultStore, summarize

__all__ = ["ResultStore", "cells", "run", "summarize"]
