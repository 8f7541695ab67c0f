"""Benchmarks of the core against a realistic data set; run them with `python -m benchmarks`.

Every `benchmarks/bench_*.py` module exposes `main()` (async or not) returning a JSON-able dict;
the runner finds them by name, so a new module needs no registration. Shared pieces (the cached
demo database, timing, percentiles, result files) live in `benchmarks.common`.
"""
