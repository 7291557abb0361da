"""The guide pages' examples run as written: every ```python block of docs/sklearn-and-sweeps.md,
in order, in one namespace, in a temporary folder (the files they write land there)."""

import re
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "sklearn-and-sweeps.md"


def test_sklearn_and_sweeps_examples_run(tmp_path, monkeypatch, capsys):
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.S)
    assert len(blocks) == 2
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for block in blocks:
        exec(compile(block, str(PAGE), "exec"), namespace)  # noqa: S102 -- our own docs
    assert namespace["search"].score(namespace["X_test"], namespace["y_test"]) > 0.9
    assert (tmp_path / "lr.db").exists() and (tmp_path / "lr.png").read_bytes()[:4] == b"\x89PNG"
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 4 and printed[1].startswith("0.001 ")  # best params, then 3 rates
