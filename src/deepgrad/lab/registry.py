"""Find the lab's experiments, describe their parameters, and turn their results into JSON.

The lab has three parts, one folder each, in the lectures' order (``PARTS``): ``represent`` (what
MLPs represent), ``learn`` (how they learn and generalise) and ``autodiff`` (autodiff and
curvature). An experiment is any module of a part that defines both ``run`` and ``plot`` at top
level; its name is the module's name, unique across the parts, so ``deepgrad lab NAME`` needs no
part. The other modules of a part are its libraries, named for what they compute (``geometry``,
``curvature``, ...), never like an experiment. Discovery reads the modules' source (``ast``) instead of importing
them, so listing is instant and a module that fails to import still shows up, and fails where it
runs (the report then shows the error instead of losing the experiment).
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import math
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import numpy as np

_PACKAGE = "deepgrad.lab"
PARTS = {
    "represent": "I. What MLPs can represent",
    "learn": "II. How MLPs learn and generalise",
    "autodiff": "III. Autodiff and curvature",
}
_RESERVED = ("quick", "seed")  # every run() takes these; they are not experiment parameters
_PARAM_TYPES = (bool, int, float, str)


def _package_dir() -> Path:
    return Path(__file__).resolve().parent


def _defines_run_and_plot(path: Path) -> bool:
    """True when the module at ``path`` binds both ``run`` and ``plot`` at top level."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return True  # let it fail loudly where it is run, rather than vanish from the list
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ImportFrom):
            names.update(alias.asname or alias.name for alias in node.names)
    return {"run", "plot"} <= names


def experiment_parts() -> dict[str, str]:
    """{experiment name: its part}, read from the part folders' sources."""
    found: dict[str, str] = {}
    for part in PARTS:
        folder = _package_dir() / part
        for info in pkgutil.iter_modules([str(folder)]):
            if info.ispkg or info.name.startswith("_"):
                continue
            if _defines_run_and_plot(folder / f"{info.name}.py"):
                if info.name in found:
                    raise RuntimeError(f"experiment {info.name!r} is in both {found[info.name]}/ "
                                       f"and {part}/; experiment names must be unique")
                found[info.name] = part
    return found


def list_experiments(part: str | None = None) -> list[str]:
    """Names of all experiments (or of one part's, ``part`` a key of ``PARTS``), sorted."""
    if part is not None and part not in PARTS:
        raise KeyError(f"no lab part {part!r}; parts: {', '.join(PARTS)}")
    return sorted(n for n, p in experiment_parts().items() if part in (None, p))


def part_of(name: str) -> str:
    """The part (a key of ``PARTS``) that holds the experiment ``name``."""
    return experiment_parts()[name]


@dataclass(frozen=True)
class Experiment:
    """One experiment module: its name, docstring, ``run`` and ``plot``, and its parameters."""

    name: str
    module: ModuleType

    @classmethod
    def from_module(cls, module: ModuleType, name: str | None = None) -> "Experiment":
        for attr in ("run", "plot"):
            if not callable(getattr(module, attr, None)):
                raise TypeError(f"{module.__name__} is not an experiment: it has no {attr}()")
        return cls(name or module.__name__.rsplit(".", 1)[-1], module)

    @property
    def run(self) -> Callable[..., Any]:
        return self.module.run

    @property
    def plot(self) -> Callable[[Any], Any]:
        return self.module.plot

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.module.__doc__ or "")

    @property
    def title(self) -> str:
        """The docstring's first line (the experiment's name when there is no docstring)."""
        return self.doc.splitlines()[0].rstrip(".") if self.doc else self.name

    def params(self) -> dict[str, Any]:
        """run()'s keyword parameters and their defaults, without ``quick`` and ``seed``.

        Raises TypeError when a parameter breaks the contract: it must be keyword-only with a
        default that is a bool, int, float, str, or a tuple of those.
        """
        out = {}
        for p in inspect.signature(self.run).parameters.values():
            if p.kind is p.VAR_KEYWORD or p.name in _RESERVED:
                continue
            default = p.default
            ok_type = isinstance(default, _PARAM_TYPES) or (
                isinstance(default, tuple) and all(isinstance(v, _PARAM_TYPES) for v in default)
            )
            if p.kind is not p.KEYWORD_ONLY or p.default is p.empty or not ok_type:
                raise TypeError(
                    f"{self.name}.run(): parameter {p.name!r} must be keyword-only with a default "
                    f"of type bool/int/float/str or a tuple of them (got {default!r})"
                )
            out[p.name] = default
        return out


def get(name: str) -> Experiment:
    """Import the experiment ``deepgrad.lab.<part>.<name>``; KeyError (listing the names) if unknown."""
    parts = experiment_parts()
    if name not in parts:
        raise KeyError(f"no experiment {name!r}; known: {', '.join(sorted(parts))}")
    return Experiment.from_module(importlib.import_module(f"{_PACKAGE}.{parts[name]}.{name}"), name)


def to_jsonable(obj: Any) -> Any:
    """Convert a result (dataclass of arrays, numbers, lists, dicts) into plain JSON values.

    Dataclasses become dicts of their fields, arrays and tuples become lists, NumPy scalars become
    Python numbers, dict keys become strings. float16/float32 values are written with their own
    shortest decimal form (0.1, not 0.10000000149011612). JSON has no NaN or infinity, so
    non-finite floats become the strings "nan", "inf" and "-inf" (the output is strict JSON).
    """
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        if obj.dtype in (np.float16, np.float32):
            obj = np.array([str(v) for v in obj.ravel()], dtype=np.float64).reshape(obj.shape)
        return to_jsonable(obj.tolist())
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (np.float16, np.float32)):
        return to_jsonable(float(str(obj)))
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"cannot convert {type(obj).__name__} to JSON")


def key_numbers(result: Any, max_len: int = 16) -> dict[str, Any]:
    """The result's headline numbers: its scalar fields, and short lists and flat dicts of scalars.

    These are what the report prints next to each figure; the JSON file keeps everything.
    """
    out = {}
    for f in dataclasses.fields(result):
        value = to_jsonable(getattr(result, f.name))
        if isinstance(value, (bool, int, float, str)):
            out[f.name] = value
        elif (
            isinstance(value, (list, dict))
            and 0 < len(value) <= max_len
            and all(isinstance(v, (bool, int, float, str))
                    for v in (value.values() if isinstance(value, dict) else value))
        ):
            out[f.name] = value
    return out
