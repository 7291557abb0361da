"""The lab: the theory of deep architectures as runnable experiments with figures.

The lab's top level is its framework (``registry``, ``command``, ``report``, ``prose``, the
vendored KaTeX in ``static/``); the experiments live in three folders, the lectures' three parts:

    represent/   I.   what MLPs can represent
    learn/       II.  how MLPs learn and generalise
    autodiff/    III. autodiff and curvature

Every experiment is one module ``deepgrad.lab.<part>.<name>`` with two functions:

``run(*, quick=False, seed=0, **params) -> <Name>Result``
    computes (a dataclass of arrays, numbers, lists and dicts; seeded; never draws);
``plot(result) -> matplotlib.figure.Figure``
    draws that result (Figure API, no pyplot; never trains).

``quick=True`` caps the sizes (epochs, samples, depths) so the run takes a few seconds; smaller
values passed explicitly are kept. The module docstring's first line is the experiment's title,
and the docstring names the lecture topic and the paper(s). ``deepgrad.lab.registry`` finds the
experiments, ``deepgrad lab NAME`` runs one and ``deepgrad report`` runs them all into one HTML
page (``deepgrad.lab.report``). Modules of a part that define neither ``run`` nor ``plot`` are its
libraries (``represent.geometry``, ``autodiff.curvature``, ...), named for what they compute and
never like an experiment.

Importing this package imports nothing heavy: no matplotlib, no experiment is run.
"""
