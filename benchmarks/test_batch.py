"""Batch: ns per bar of every array implementation in the registry, on the same bars."""

from __future__ import annotations

import pytest

from .cases import CASES, bars
from .settings import BATCH_SIZES, SMOKE_MAX_BARS, record

PAIRS = [(c, impl) for c in CASES.values() for impl in c.implementations("batch")]


@pytest.mark.parametrize("n_bars", BATCH_SIZES, ids=lambda n: f"{n}bars")
@pytest.mark.parametrize("case,impl", PAIRS, ids=[f"{c.name}-{i.label}" for c, i in PAIRS])
def test_batch(benchmark, enabled, case, impl, n_bars):
    if not enabled and n_bars > SMOKE_MAX_BARS:
        pytest.skip(f"plain run: {n_bars} bars are only run with --benchmark-enable")
    if impl.max_bars is not None and n_bars > impl.max_bars:
        pytest.skip(f"{impl.label} is not timed above {impl.max_bars} bars (seconds per call)")
    reason = impl.unavailable()
    if reason:
        pytest.skip(reason)

    run = impl.make(bars(n_bars), case.full_params, case.spec)
    if enabled:
        run()  # Numba peers compile on their first call; that is not per-bar cost
    record(benchmark, group="batch", table="batch", case=case.name, size=n_bars, impl=impl.label,
           unit="bar", per=n_bars, reference=impl.is_ringta, note=impl.note, about=impl.about)
    out = benchmark(run)
    assert all(len(a) == n_bars for a in out)
