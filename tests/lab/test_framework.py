"""The lab framework: discovery, parameters, JSON, the HTML report and the two commands."""

import argparse
import base64
import json
import re
import subprocess
import sys
import types
from dataclasses import dataclass, field

import numpy as np
import pytest

from deepgrad.lab import command, registry, report


@dataclass
class ToyResult:
    xs: np.ndarray
    slope: float
    counts: list = field(default_factory=list)


def _toy_module(fail=False):
    """A stand-in experiment module: y = slope * x on a few points."""
    mod = types.ModuleType("deepgrad.lab.toy")
    mod.__doc__ = "Toy line.\n\nLecture: none. Paper: none."

    def run(*, quick=False, seed=0, slope=2.0, n=5, label="a", flag=True, widths=(1, 2)):
        if fail:
            raise RuntimeError("toy failure")
        rng = np.random.default_rng(seed)
        return ToyResult(xs=rng.normal(size=3 if quick else n), slope=slope, counts=list(widths))

    def plot(result):
        from matplotlib.figure import Figure

        fig = Figure(figsize=(2, 2))
        fig.add_subplot().plot(result.xs, result.slope * result.xs)
        return fig

    mod.run, mod.plot = run, plot
    return mod


def _parser():
    parser = argparse.ArgumentParser(prog="deepgrad")
    command.add_commands(parser.add_subparsers(dest="command"))
    return parser


def test_import_is_light():
    code = "import sys, deepgrad.lab; assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_discovery_finds_run_and_plot_modules_only():
    names = registry.list_experiments()
    assert "geometry" not in names and "registry" not in names and "report" not in names
    assert names == sorted(names)
    for name in ("sawtooth", "kinks", "regions"):
        assert name in names
        assert registry.get(name).title
    with pytest.raises(KeyError, match="known"):
        registry.get("no_such_experiment")


def test_every_experiment_follows_the_parameter_contract():
    for name in registry.list_experiments():
        registry.get(name).params()  # raises TypeError on a parameter that breaks the contract


def test_params_and_title_from_module():
    exp = registry.Experiment.from_module(_toy_module())
    assert exp.name == "toy" and exp.title == "Toy line"
    assert exp.params() == {"slope": 2.0, "n": 5, "label": "a", "flag": True, "widths": (1, 2)}
    with pytest.raises(TypeError, match="not an experiment"):
        registry.Experiment.from_module(types.ModuleType("deepgrad.lab.lib"))


def test_bad_parameter_is_rejected():
    mod = _toy_module()
    mod.run = lambda *, quick=False, seed=0, arr=None: None
    with pytest.raises(TypeError, match="arr"):
        registry.Experiment.from_module(mod).params()


def test_to_jsonable_is_strict_json():
    result = ToyResult(xs=np.array([0.1, np.nan, np.inf], dtype=np.float32), slope=np.float64(2),
                       counts=[np.int64(3), (1, 2), {1: np.bool_(True)}, np.float32(0.1)])
    out = registry.to_jsonable(result)
    assert out == {"xs": [0.1, "nan", "inf"], "slope": 2.0,
                   "counts": [3, [1, 2], {"1": True}, 0.1]}
    json.dumps(out, allow_nan=False)
    assert registry.key_numbers(result) == {"xs": [0.1, "nan", "inf"], "slope": 2.0}  # no nesting


def test_experiment_options_from_run_defaults():
    exp = registry.Experiment.from_module(_toy_module())
    args, params = command.parse_params(
        exp, ["--slope", "0.5", "--n", "7", "--no-flag", "--widths", "3", "4", "5", "--quick"]
    )
    assert params == {"slope": 0.5, "n": 7, "label": "a", "flag": False, "widths": (3, 4, 5)}
    assert args.quick and args.seed == 0 and args.out == command.DEFAULT_OUT


def test_lab_command_writes_png_and_json(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(command, "get", lambda name: registry.Experiment.from_module(_toy_module()))
    args = _parser().parse_args(["lab", "toy", "--slope", "3", "--out", str(tmp_path), "--seed", "4"])
    assert args.func(args) == 0
    assert (tmp_path / "toy.png").read_bytes().startswith(b"\x89PNG")
    doc = json.loads((tmp_path / "toy.json").read_text())
    assert doc["seed"] == 4 and doc["params"]["slope"] == 3.0 and doc["result"]["slope"] == 3.0
    assert len(doc["result"]["xs"]) == 5 and doc["deepgrad_version"]


def test_lab_list_prints_experiments(capsys):
    args = _parser().parse_args(["lab", "list"])
    assert args.func(args) == 0
    assert "sawtooth" in capsys.readouterr().out


def test_report_embeds_figures_and_shows_errors(tmp_path):
    good = report.execute(registry.Experiment.from_module(_toy_module()), quick=True, seed=1)
    bad = report.execute(registry.Experiment.from_module(_toy_module(fail=True)), seed=1)
    assert good.error is None and bad.error and "toy failure" in bad.error
    page = report.render_html([good, bad], quick=True, seed=1)
    src = page.split('src="data:image/png;base64,')[1].split('"')[0]
    assert base64.b64decode(src).startswith(b"\x89PNG")
    assert 'class="error"' in page and "toy failure" in page and "Lecture: none" in page
    assert "seed 1" in page and report.deepgrad_version() in page
    # nothing fetched from the network (KaTeX's script and the SVG namespace mention URLs as text)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|@import""", page)
    assert 'name="viewport"' in page and 'href="#top"' in page and "katex" in page


def test_report_command_rejects_unknown(tmp_path, capsys):
    args = _parser().parse_args(["report", "--out", str(tmp_path), "--only", "nope"])
    assert args.func(args) == 2


LAB_I = ["sawtooth", "kinks", "regions", "decision_boundaries", "universal_approximation",
         "linear_classifiers", "activations"]


def test_report_quick_smoke(tmp_path):
    """deepgrad report --quick --only <Lab I>: one page, every figure rendered, nothing failed."""
    args = _parser().parse_args(["report", "--quick", "--out", str(tmp_path), "--only", *LAB_I])
    assert args.func(args) == 0
    page = (tmp_path / "report.html").read_text()
    assert page.count("data:image/png;base64,") == len(LAB_I)
    assert 'class="error"' not in page


def test_lab_command_on_a_real_experiment(tmp_path):
    args = _parser().parse_args(["lab", "sawtooth", "--quick", "--max-depth", "5",
                                 "--out", str(tmp_path)])
    assert args.func(args) == 0
    doc = json.loads((tmp_path / "sawtooth.json").read_text())
    assert doc["result"]["pieces_deep"] == [2, 4, 8, 16, 32]


def test_experiments_live_in_the_three_parts_with_unique_names():
    from deepgrad.lab.registry import PARTS, experiment_parts, part_of

    by_part = {part: registry.list_experiments(part) for part in PARTS}
    assert all(by_part.values()) and sorted(sum(by_part.values(), [])) == registry.list_experiments()
    assert part_of("sawtooth") == "represent" and part_of("double_descent") == "learn"
    assert part_of("ad_kinks") == "autodiff" and set(experiment_parts().values()) == set(PARTS)
    with pytest.raises(KeyError, match="parts"):
        registry.list_experiments("nowhere")
    assert registry.get("hessian_spectrum").module.__name__ == "deepgrad.lab.autodiff.hessian_spectrum"


def test_report_groups_the_experiments_under_their_parts():
    outcomes = [report.Outcome(name=n, title=n, doc="", params={}, seed=0, quick=True,
                               error="not run")
                for n in ("ad_kinks", "sawtooth", "double_descent")]
    page = report.render_html(outcomes, quick=True, seed=0)
    heads = [page.index(f'<h2 class="part">{h}') for h in registry.PARTS.values()]
    assert heads == sorted(heads)
    assert heads[0] < page.index('id="sawtooth"') < heads[1] < page.index('id="double_descent"')
