"""A seeded generator of realistic one-minute US-equity bars.

Prices follow a geometric random walk with intraday volatility that is higher
at the open and close; volume follows the usual U shape. Bars cover the
regular session (09:30-16:00 America/New_York) on weekdays, timestamped by
their open in UTC nanoseconds. The same seed always gives the same bars.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from ..coordinator.bar import Bars

NEW_YORK = ZoneInfo("America/New_York")
SESSION_MINUTES = 390


def _session_opens(start: date, days: int) -> list[int]:
    opens = []
    d = start
    while len(opens) < days:
        if d.weekday() < 5:
            t = datetime.combine(d, time(9, 30), tzinfo=NEW_YORK)
            opens.append(int(t.timestamp()) * 1_000_000_000)
        d += timedelta(days=1)
    return opens


def generate_minute_bars(
    days: int = 5,
    seed: int = 0,
    start: date = date(2024, 1, 2),
    price: float = 100.0,
    daily_vol: float = 0.015,
) -> Bars:
    """Generate ``days`` regular sessions of one-minute bars.

    Parameters
    ----------
    days : int
        Number of trading days (weekdays; holidays are not skipped).
    seed : int
        Random seed; equal seeds give equal bars.
    start : datetime.date
        First calendar day considered.
    price : float
        Starting price.
    daily_vol : float
        Approximate daily volatility of log returns.

    Returns
    -------
    Bars
        Named tuple of equal-length arrays.

    Examples
    --------
    >>> from ringta.data import generate_minute_bars
    >>> bars = generate_minute_bars(days=2, seed=1)
    >>> bars.n, bool((bars.high >= bars.close).all())
    (780, True)
    """
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    rng = np.random.default_rng(seed)
    n = days * SESSION_MINUTES
    minute = np.tile(np.arange(SESSION_MINUTES), days)
    # U-shaped activity: busier near the open and the close.
    u = minute / (SESSION_MINUTES - 1)
    shape = 1.0 + 2.5 * ((u - 0.5) ** 2) * 4.0
    sigma = daily_vol / np.sqrt(SESSION_MINUTES) * np.sqrt(shape / shape.mean())
    rets = rng.normal(0.0, 1.0, n) * sigma
    gaps = np.zeros(n)
    gaps[minute == 0] = rng.normal(0.0, daily_vol / 3, days)
    close = price * np.exp(np.cumsum(rets + gaps))
    prev = np.concatenate(([price], close[:-1]))
    opn = prev * np.exp(np.where(minute == 0, 0.0, rng.normal(0.0, 0.1, n) * sigma))
    wick = np.abs(rng.normal(0.0, 1.0, (2, n))) * sigma * close * 0.6
    high = np.maximum(opn, close) + wick[0]
    low = np.minimum(opn, close) - wick[1]
    volume = np.round(rng.lognormal(np.log(20_000), 0.5, n) * shape)
    opens = np.array(_session_opens(start, days), dtype=np.int64)
    ts = np.repeat(opens, SESSION_MINUTES) + minute.astype(np.int64) * 60_000_000_000
    r = lambda a: np.round(a, 4)  # noqa: E731 - cents-and-a-bit, like real quotes
    o, h, l, c = r(opn), r(high), r(low), r(close)
    h = np.maximum(h, np.maximum(o, c))
    l = np.minimum(l, np.minimum(o, c))
    return Bars(ts, o, h, l, c, volume)
