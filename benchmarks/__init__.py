"""The peer benchmark suite: `python -m benchmarks.run` (or `make bench`). Not part of the tests."""
