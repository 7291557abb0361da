"""engine/allocator.py: freed arrays are recycled, so a repeated step stops page-faulting."""

import os
import subprocess
import sys

import pytest

STEP = """
import resource, numpy as np, deepgrad as dg
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
    env = dict(os.environ, DEEPGRAD_KEEP_FREED_MEMORY=keep, OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", STEP], env=env, capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_a_repeated_step_reuses_its_memory_instead_of_faulting_fresh_pages():
    # The step allocates about 14 MiB (activations, cotangents, the weight gradient) and frees
    # it; without recycling each step touches those pages afresh (about 3,500 faults).
    assert faults_per_step("0") > 1000
    assert faults_per_step("1") < 100


def test_opting_out_leaves_malloc_alone(monkeypatch):
    from deepgrad.engine.allocator import keep_freed_memory

    monkeypatch.setenv("DEEPGRAD_KEEP_FREED_MEMORY", "0")
    assert keep_freed_memory() is False
