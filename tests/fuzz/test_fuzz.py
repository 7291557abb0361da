"""The quick profile of the differential fuzzer (1,000 programs in four shards), and its coverage:
every registered primitive has a fuzz entry, and every entry names a registered primitive (or a
function composed from them)."""

import warnings

import pytest

from deepgrad.engine.primitives import registry

from .runner import fuzz
from .table import COMPOSED, FUZZ

QUICK_PROGRAMS = 1000
SHARDS = 4


def test_every_registered_primitive_has_a_fuzz_entry():
    missing = sorted(set(registry()) - set(FUZZ))
    assert not missing, (f"primitives without fuzz support: {missing}; add an entry to "
                         "tests/fuzz/table.py (see the tests/fuzz package docstring)")


def test_every_fuzz_entry_is_a_registered_primitive():
    stale = sorted(set(FUZZ) - set(registry()) - COMPOSED)
    assert not stale, f"fuzz entries for primitives that are not registered: {stale}"


@pytest.mark.parametrize("shard", range(SHARDS))
def test_programs_agree_with_pytorch_and_jax(shard):
    with warnings.catch_warnings():  # overflow and 0/0 on the way to inf and NaN are expected
        warnings.simplefilter("ignore", RuntimeWarning)
        fuzz(QUICK_PROGRAMS // SHARDS, seed=shard)
