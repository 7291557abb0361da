"""The benchmarks' own helpers: the one-core pin, the instruction counter's step, the paired timer."""

import os
import subprocess
import sys

import numpy as np
import pytest

from benchmarks import instructions, one_core, paired

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity on this OS")
@pytest.mark.parametrize("argv, want", [([], "pinned to core"), (["--all-cores"], None)])
def test_pin_restricts_the_process_to_one_core_unless_asked_not_to(argv, want):
    code = ("import os, sys; from benchmarks.one_core import pin, cores; pin(sys.argv[1:]); "
            "print(len(os.sched_getaffinity(0)), cores())")
    out = subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.split(maxsplit=1)
    allowed = len(os.sched_getaffinity(0))
    if want:
        assert out[0] == "1" and out[1].startswith(want)
    else:
        assert int(out[0]) == allowed


@pytest.mark.parametrize("case", instructions.CASES)
def test_every_instruction_case_builds_and_steps(case):
    call = instructions._step(case)  # what the counter runs under cachegrind, here without it
    out = call()  # a step's loss, or W4's gradients / HVP: finite values of the workload
    leaves = out if isinstance(out, (tuple, list)) else [out]
    assert leaves and all(np.all(np.isfinite(t.data)) and t.data.size for t in leaves)


def test_an_unknown_case_is_refused_by_name():
    with pytest.raises(SystemExit) as stop:
        instructions.main(["W9:eager"])
    assert "W9:eager" in str(stop.value) and "W1:compiled" in str(stop.value)


def test_cores_names_the_allowed_cores():
    text = one_core.cores()
    assert text.startswith("pinned to core") or text.endswith("cores")


def test_paired_times_both_trees_and_prints_a_ratio_per_case(capsys):
    paired.main([ROOT, "--cases", "W1:eager,W4:grad", "--pairs", "3", "--burst", "0.01"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("this / other") and len(lines) == 3
    for case, line in zip(("W1:eager", "W4:grad"), lines[1:]):
        float(line.split("per pair")[1].split()[0])  # a number is printed (its value is noise)
        assert line.startswith(case) and "fastest" in line


def test_paired_refuses_a_tree_that_does_not_import_its_own_deepgrad(tmp_path):
    with pytest.raises(SystemExit, match="not from its own src/"):
        paired.main([str(tmp_path), "--cases", "W1:eager", "--pairs", "3"])
