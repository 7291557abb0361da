"""engine/fast/allocator.py: once opted in, freed arrays are recycled and a repeated step stops
page-faulting; without the call (the default) malloc is left alone."""

import os
import subprocess
import sys

import pytest

STEP = """
import resource, sys, numpy as np, deepgrad as dg
if sys.argv[1] == "1":
    assert dg.keep_freed_memory()
w = dg.from_numpy(np.ones((1024, 1024), np.float32)).requires_grad_()
x = dg.from_numpy(np.ones((512, 1024), np.float32))  # no copy: freeing one would raise glibc's mmap threshold
def step():
    w.grad = None
    dg.sum(dg.relu(dg.linear(x, w))).backward()
for _ in range(3):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    step()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 5)
"""


def faults_per_step(keep):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", STEP, keep], env=env, capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_a_repeated_step_reuses_its_memory_instead_of_faulting_fresh_pages():
    # The step allocates about 14 MiB (activations, cotangents, the weight gradient) and frees
    # it; without recycling each step touches those pages afresh (about 3,500 faults). Without
    # the opt-in call (importing deepgrad changes nothing) the pages fault.
    assert faults_per_step("0") > 1000
    assert faults_per_step("1") < 100

