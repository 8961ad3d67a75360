"""Window extremes: ns per bar as the window grows from 10 to 10,000 bars.

MAX and Donchian channels keep block prefix and suffix maxima (van Herk /
Gil-Werman) in their state, so an update
costs amortised O(1) whatever the period; the table shows the cost staying
flat from period 10 to 10,000, beside TA-Lib's MAX (which rescans its window
when the extreme leaves it) on the same random walk.
"""

from __future__ import annotations

import numpy as np
import pytest

import ringta

from .cases import PEERS, random_walk
from .settings import QUICK, record

N_BARS = 100_000 if QUICK else 1_000_000
PERIODS = (10, 100, 1_000, 10_000)


def _bars():
    o, h, l, c, v = random_walk(N_BARS, seed=23)
    return np.ascontiguousarray(h), np.ascontiguousarray(l)


IMPLS = {
    "ringta max": lambda h, l, p: (lambda: ringta.max(h, p)),
    "ringta donchian": lambda h, l, p: (lambda: ringta.donchian(h, l, p)),
    "talib MAX": lambda h, l, p: (lambda: PEERS["talib"].mod.MAX(h, timeperiod=p)),
}


@pytest.mark.parametrize("impl", list(IMPLS))
@pytest.mark.parametrize("period", PERIODS, ids=lambda p: f"period{p}")
def test_window_period(benchmark, period, impl):
    if impl.startswith("talib") and PEERS["talib"].unavailable():
        pytest.skip(PEERS["talib"].unavailable())
    high, low = _bars()
    run = IMPLS[impl](high, low, period)
    run()  # compile and warm up outside the timing
    record(benchmark, group="window", table="window", size=period, impl=impl, unit="bar",
           per=N_BARS, reference=impl == "ringta max",
           about="one batch call over the whole series")
    benchmark(run)
