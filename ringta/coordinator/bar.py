"""The bar type, timestamp conversion and bar errors."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import NamedTuple

import numpy as np

FIELDS = ("open", "high", "low", "close", "volume")


class Bar(NamedTuple):
    """One OHLCV bar labelled by its open time.

    ``timestamp`` is int64 nanoseconds since the epoch (UTC); a timezone-aware
    :class:`datetime.datetime` is accepted by :func:`make_bar` and the
    coordinator, and converted.

    Examples
    --------
    >>> Bar(1_704_205_800_000_000_000, 100.0, 101.0, 99.5, 100.5, 1200.0).close
    100.5
    """

    timestamp: int
    open: float
    high: float
    low: float
    close: float
    volume: float


class Bars(NamedTuple):
    """Column arrays of bars: ``timestamp`` int64 UTC ns (bar open), the rest float64.

    Examples
    --------
    >>> import numpy as np
    >>> b = Bars(np.array([0, 60_000_000_000]), *(np.array([1.0, 2.0]) for _ in range(5)))
    >>> b.n, b.values.shape
    (2, (2, 5))
    """

    timestamp: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray

    @property
    def n(self) -> int:
        """Number of bars."""
        return int(self.timestamp.shape[0])

    @property
    def values(self) -> np.ndarray:
        """``(n, 5)`` float64 array of open, high, low, close, volume."""
        return np.ascontiguousarray(np.column_stack([self.open, self.high, self.low, self.close, self.volume]))


def as_bars(data) -> Bars:
    """Accept :class:`Bars`, a mapping of columns, or a sequence of :class:`Bar`; return :class:`Bars`."""
    if isinstance(data, Bars):
        cols = list(data)
    elif isinstance(data, dict):
        try:
            cols = [data["timestamp"], *(data[f] for f in FIELDS)]
        except KeyError as exc:
            raise BarError(f"bars mapping is missing column {exc.args[0]!r}") from None
    else:
        rows = [b if isinstance(b, Bar) else Bar(*b) for b in data]
        cols = [[to_ns(b.timestamp) for b in rows], *([getattr(b, f) for b in rows] for f in FIELDS)]
    ts = np.asarray(cols[0])
    if ts.dtype.kind == "M":
        ts = ts.astype("datetime64[ns]").astype(np.int64)
    ts = np.require(ts, dtype=np.int64, requirements=["C", "W"])
    vals = [np.require(c, dtype=np.float64, requirements=["C", "W"]) for c in cols[1:]]
    if any(v.shape != ts.shape for v in vals) or ts.ndim != 1:
        raise BarError("bars: every column must be 1-D and of the same length")
    return Bars(ts, *vals)


class BarError(ValueError):
    """A bar that failed validation: the message names symbol, timestamp and field.

    Examples
    --------
    >>> err = bar_error(3, "AAPL", 1_704_205_800_000_000_000, (1.0, 2.0, 0.5, float("nan"), 10.0))
    >>> err.field, str(err)
    ('close', 'AAPL @ 2024-01-02T14:30:00Z: close=nan is not finite; state unchanged')
    """

    def __init__(self, message: str, symbol: str | None = None, timestamp: int | None = None, field: str | None = None):
        super().__init__(message)
        self.symbol = symbol
        self.timestamp = timestamp
        self.field = field


def to_ns(ts) -> int:
    """Convert a bar timestamp to int64 UTC nanoseconds.

    Integers are taken as nanoseconds; ``datetime`` objects must be
    timezone-aware; ``numpy.datetime64`` is taken as UTC.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> to_ns(datetime(2024, 1, 2, 14, 30, tzinfo=timezone.utc))
    1704205800000000000
    """
    if isinstance(ts, (int, np.integer)) and not isinstance(ts, bool):
        return int(ts)
    if isinstance(ts, datetime):
        if ts.tzinfo is None:
            raise BarError(f"timestamp {ts.isoformat()} has no time zone; use an aware datetime or UTC nanoseconds")
        delta = ts - datetime(1970, 1, 1, tzinfo=timezone.utc)
        return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000
    if isinstance(ts, np.datetime64):
        return int(ts.astype("datetime64[ns]").astype(np.int64))
    raise BarError(f"timestamp {ts!r} is not an int (UTC ns), aware datetime or numpy.datetime64")


def make_bar(timestamp, open, high, low, close, volume) -> Bar:
    """A :class:`Bar` with the timestamp converted to UTC nanoseconds.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> make_bar(datetime(2024, 1, 2, 14, 30, tzinfo=timezone.utc), 1, 2, 0.5, 1.5, 10).timestamp
    1704205800000000000
    """
    return Bar(to_ns(timestamp), float(open), float(high), float(low), float(close), float(volume))


def format_ts(ts: int) -> str:
    return datetime.fromtimestamp(ts / 1e9, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# Codes returned by the compiled validator (see _core.check_bar).
BAD_NONE = -1
BAD_MESSAGES = {
    0: ("open", "is not finite"),
    1: ("high", "is not finite"),
    2: ("low", "is not finite"),
    3: ("close", "is not finite"),
    4: ("volume", "is not finite"),
    5: ("volume", "is negative"),
    6: ("high", "is below max(open, close)"),
    7: ("low", "is above min(open, close)"),
    8: ("timestamp", "is not after the symbol's last bar"),
}


def bar_error(code: int, symbol: str, ts: int, values, last_ts: int | None = None) -> BarError:
    field, what = BAD_MESSAGES[code]
    if field == "timestamp":
        last = format_ts(last_ts) if last_ts is not None else "?"
        msg = f"{symbol} @ {format_ts(ts)}: timestamp {ts} {what} ({last}); state unchanged"
    else:
        idx = FIELDS.index(field)
        msg = f"{symbol} @ {format_ts(ts)}: {field}={values[idx]!r} {what}; state unchanged"
        if code == 6:
            msg = f"{symbol} @ {format_ts(ts)}: high={values[1]!r} {what} ({max(values[0], values[3])!r}); state unchanged"
        elif code == 7:
            msg = f"{symbol} @ {format_ts(ts)}: low={values[2]!r} {what} ({min(values[0], values[3])!r}); state unchanged"
    return BarError(msg, symbol=symbol, timestamp=ts, field=field)
