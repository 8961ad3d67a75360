"""Intervals, trading sessions and the aggregation of one-minute bars.

Intervals are written ``1m, 5m, 15m, 30m, 1h, 4h, 1d``. Derived bars are
aligned to the trading session, not to the clock: for US equities
(09:30-16:00 America/New_York) the 5m bars start at 09:30, the 1h bars at
09:30, 10:30, ... (the last one, 15:30-16:00, is half an hour) and the daily
bar covers the regular session. A 24/7 market aligns to UTC midnight.
Every bar is labelled by its open time in UTC nanoseconds.

The aggregation runs in compiled code with one set of rules, written twice
for speed: bar by bar in the coordinator's core (``_core._apply``) and over
whole arrays in :func:`aggregate_into` (behind :func:`aggregate_bars` and
:class:`Aggregator`); tests check that both produce the same bars. A derived bar is emitted the moment its last base
minute arrives, or when a later base bar shows that its interval has ended
(gaps), or at the end of the session; missing minutes never produce bars.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
from pydantic import BaseModel, ConfigDict, field_validator

from numba.types import UniTuple

from ..kernels._jit import F1, I1, i8, jit, void
from .bar import Bars

NS_PER_MINUTE = 60_000_000_000
NS_PER_DAY = 86_400_000_000_000

VALID_INTERVALS = ("1m", "5m", "15m", "30m", "1h", "4h", "1d")
_INTERVAL_RE = re.compile(r"^(\d+)([mhd])$")
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 1440}


def parse_interval(interval: str) -> int:
    """Length of ``interval`` in minutes (``"1d"`` is one session, 1440).

    Examples
    --------
    >>> parse_interval("15m"), parse_interval("1h"), parse_interval("1d")
    (15, 60, 1440)
    """
    if not isinstance(interval, str) or interval not in VALID_INTERVALS:
        raise ValueError(
            f"unknown interval {interval!r}; valid intervals: {', '.join(VALID_INTERVALS)}"
        )
    m = _INTERVAL_RE.match(interval)
    return int(m.group(1)) * _UNIT_MINUTES[m.group(2)]


def interval_sort_key(interval: str) -> int:
    return parse_interval(interval)


class Session(BaseModel):
    """A trading session: where bars are aligned and which minutes count.

    Parameters
    ----------
    name : str
        A label (``"us_equity"``, ``"24x7"`` or your own).
    timezone : str
        IANA zone of the exchange, e.g. ``"America/New_York"``.
    open, close : datetime.time
        Regular session in exchange time; ``close`` is exclusive. For a
        24-hour market use ``00:00`` and ``00:00``.
    extended_hours : bool
        Include bars outside the regular session (they then form their own
        derived bars, aligned to the same grid).

    Examples
    --------
    >>> from datetime import time
    >>> Session(name="xetra", timezone="Europe/Berlin", open=time(9), close=time(17, 30)).close_minute
    1050
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "us_equity"
    timezone: str = "America/New_York"
    open: time = time(9, 30)
    close: time = time(16, 0)
    extended_hours: bool = False

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except Exception:
            raise ValueError(f"unknown time zone {v!r}") from None
        return v

    @property
    def open_minute(self) -> int:
        return self.open.hour * 60 + self.open.minute

    @property
    def close_minute(self) -> int:
        c = self.close.hour * 60 + self.close.minute
        return c if c > self.open_minute else c + 1440


SESSIONS = {
    "us_equity": Session(),
    "24x7": Session(name="24x7", timezone="UTC", open=time(0, 0), close=time(0, 0), extended_hours=False),
}


def get_session(session) -> Session:
    """A :class:`Session` from a model or one of the names in ``SESSIONS``."""
    if isinstance(session, Session):
        return session
    if isinstance(session, str) and session in SESSIONS:
        return SESSIONS[session]
    raise ValueError(f"unknown session {session!r}; use a Session model or one of {sorted(SESSIONS)}")


@lru_cache(maxsize=16)
def offset_table(zone: str) -> tuple[np.ndarray, np.ndarray]:
    """UTC instants (ns) where ``zone``'s UTC offset changes, and the offset (ns) from each.

    Covers 1900-2100 at minute resolution, which is enough for every zone
    whose transitions fall on whole minutes.
    """
    tz = ZoneInfo(zone)

    def off(t: datetime) -> int:
        return int(t.astimezone(tz).utcoffset().total_seconds())

    start = datetime(1900, 1, 1, tzinfo=timezone.utc)
    instants = [-(2**62)]
    offsets = [off(start)]
    day = start
    prev = offsets[0]
    end = datetime(2101, 1, 1, tzinfo=timezone.utc)
    while day < end:
        nxt = day + timedelta(days=1)
        o = off(nxt)
        if o != prev:
            lo, hi = day, nxt  # offset(lo) == prev, offset(hi) == o
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid <= lo:
                    mid = lo + timedelta(minutes=1)
                if off(mid) == prev:
                    lo = mid
                else:
                    hi = mid
            instants.append(int(hi.timestamp()) * 1_000_000_000)
            offsets.append(o)
            prev = o
        day = nxt
    return np.array(instants, dtype=np.int64), np.array(offsets, dtype=np.int64) * 1_000_000_000


# --------------------------------------------------------------------------
# Compiled bucket arithmetic and aggregation
# --------------------------------------------------------------------------

# One aggregation row per (symbol, derived interval):
A_START = 0  # bucket open (UTC ns, as float64: exact below 2**53 ns, i.e. until 2255)
A_END = 1  # bucket end (UTC ns)
A_OPEN = 2
A_HIGH = 3
A_LOW = 4
A_CLOSE = 5
A_VOLUME = 6
A_COUNT = 7  # base bars in the forming bucket; 0 = empty
A_WIDTH = 8


@jit(i8(I1, I1, i8))
def utc_offset(trans, offs, ts):
    """UTC offset (ns) in force at ``ts``."""
    return offs[np.searchsorted(trans, ts, side="right") - 1]


@jit(UniTuple(i8, 2)(i8, i8, i8, i8, i8, i8), inline=True)
def bucket_bounds(ts, off, minutes, open_min, close_min, extended):
    """Bucket ``(open, end)`` in UTC ns of a base bar at ``ts``; ``(-1, -1)`` outside the session.

    ``off`` is the exchange's UTC offset (ns) at ``ts``; ``minutes`` the
    interval length, 1440 meaning one session (the daily bar). Buckets are
    cut at the session close, so the 15:30 hourly bar of a US session ends
    at 16:00.
    """
    local = ts + off
    day0 = (local // NS_PER_DAY) * NS_PER_DAY
    mod = (local - day0) // NS_PER_MINUTE  # minute of the local day
    if close_min > 1440 and mod < close_min - 1440:
        # Sessions that cross midnight belong to the day they opened.
        day0 -= NS_PER_DAY
        mod += 1440
    regular = (open_min == 0 and close_min == 1440) or open_min <= mod < close_min
    if not regular and extended == 0:
        return -1, -1
    if minutes >= 1440:
        # The daily bar is labelled by the session open; with extended hours
        # it covers the whole local day.
        start_min = open_min
        end_min = close_min if extended == 0 else max(close_min, 1440)
    elif mod >= close_min:
        # After the close (extended hours only): a grid anchored at the close.
        start_min = close_min + ((mod - close_min) // minutes) * minutes
        end_min = start_min + minutes
    else:
        start_min = open_min + ((mod - open_min) // minutes) * minutes
        end_min = start_min + minutes
        if start_min < close_min < end_min:
            end_min = close_min
    base = day0 - off
    return base + start_min * NS_PER_MINUTE, base + end_min * NS_PER_MINUTE


@jit(i8(F1, I1, F1, F1, F1, F1, F1, i8, I1, I1, i8, i8, i8, I1, F1, F1, F1, F1, F1, i8))
def aggregate_into(row, ts, o, h, l, c, v, minutes, trans, offs, open_min, close_min, extended,
                   out_ts, out_o, out_h, out_l, out_c, out_v, flush):
    """Run base bars through an aggregation row; write completed bars to ``out``; return their count.

    The same bars as the live path (``_core._apply``), but with the forming
    bar held in locals: ``row`` is read at the start and
    written back at the end, so a long history can be aggregated in chunks
    with the same result as in one piece. With ``flush`` the forming bar is
    emitted at the end (end of data). The ``out_*`` columns need
    ``len(ts) + 1`` rows.
    """
    rs = row[A_START]
    re_ = row[A_END]
    ro = row[A_OPEN]
    rh = row[A_HIGH]
    rl = row[A_LOW]
    rc = row[A_CLOSE]
    rv = row[A_VOLUME]
    rn = row[A_COUNT]
    n = 0
    m = ts.shape[0]
    k = np.searchsorted(trans, ts[0], side="right") - 1 if m else 0
    nxt = trans[k + 1] if (m and k + 1 < trans.shape[0]) else (ts[m - 1] + 1 if m else 0)
    off = offs[k]
    # The bucket (and, for one-minute bars, the session window) of the last
    # bar is cached: consecutive bars mostly fall in it, and computing it
    # costs integer divisions.
    cur_s = 0
    cur_e = 0
    day_s = 0
    day_e = 0
    for i in range(m):
        t = ts[i]
        if t >= nxt:
            # Crossed a UTC-offset change (or went past the table): look up again.
            k = np.searchsorted(trans, t, side="right") - 1
            off = offs[k]
            nxt = trans[k + 1] if k + 1 < trans.shape[0] else t + NS_PER_DAY * 366 * 1000
            cur_e = 0
            day_e = 0
        if minutes == 1:
            if not (day_s <= t < day_e):
                day_s, day_e = bucket_bounds(t, off, 1440, open_min, close_min, extended)
                if day_s < 0:
                    day_e = 0
                    continue
                if day_s > t:  # extended-hours day labelled by its open: the window is the local day
                    day_s = t - (t + off) % NS_PER_DAY
            start = t - t % NS_PER_MINUTE
            end = start + NS_PER_MINUTE
        elif cur_s <= t < cur_e:
            start = cur_s
            end = cur_e
        else:
            start, end = bucket_bounds(t, off, minutes, open_min, close_min, extended)
            if start < 0:
                continue
            cur_s = start
            cur_e = end
        fs = float(start)
        if rn > 0.0 and fs != rs:
            # A later bucket began: the forming bar closed at a gap.
            out_ts[n] = int(rs)
            out_o[n] = ro
            out_h[n] = rh
            out_l[n] = rl
            out_c[n] = rc
            out_v[n] = rv
            n += 1
            rn = 0.0
        if rn == 0.0:
            rs = fs
            re_ = float(end)
            ro = o[i]
            rh = h[i]
            rl = l[i]
            rc = c[i]
            rv = v[i]
            rn = 1.0
        else:
            if h[i] > rh:
                rh = h[i]
            if l[i] < rl:
                rl = l[i]
            rc = c[i]
            rv += v[i]
            rn += 1.0
        if float(t + NS_PER_MINUTE) >= re_:
            out_ts[n] = int(rs)
            out_o[n] = ro
            out_h[n] = rh
            out_l[n] = rl
            out_c[n] = rc
            out_v[n] = rv
            n += 1
            rn = 0.0
    if flush != 0 and rn > 0.0:
        out_ts[n] = int(rs)
        out_o[n] = ro
        out_h[n] = rh
        out_l[n] = rl
        out_c[n] = rc
        out_v[n] = rv
        n += 1
        rn = 0.0
    row[A_START] = rs
    row[A_END] = re_
    row[A_OPEN] = ro
    row[A_HIGH] = rh
    row[A_LOW] = rl
    row[A_CLOSE] = rc
    row[A_VOLUME] = rv
    row[A_COUNT] = rn
    return n


class Aggregator:
    """Stateful aggregation of one-minute bars into one interval, chunk by chunk.

    Examples
    --------
    >>> import numpy as np
    >>> ts = np.arange(10, dtype=np.int64) * 60_000_000_000
    >>> px = np.arange(10.0)
    >>> agg = Aggregator("5m", "24x7")
    >>> [agg.push(ts[i:i + 3], px[i:i + 3], px[i:i + 3], px[i:i + 3], px[i:i + 3], px[i:i + 3]).close.tolist()
    ...  for i in (0, 3, 6, 9)]
    [[], [4.0], [], [9.0]]
    """

    def __init__(self, interval: str, session="us_equity"):
        self.interval = interval
        self.minutes = parse_interval(interval)
        self.session = get_session(session)
        self.trans, self.offs = offset_table(self.session.timezone)
        self.row = np.zeros(A_WIDTH)

    def _run(self, ts, cols, flush: bool) -> "AggregatedBars":
        s = self.session
        m = ts.shape[0] + 1
        out = [np.empty(m, dtype=np.int64)] + [np.empty(m) for _ in range(5)]
        n = aggregate_into(self.row, ts, *cols, self.minutes, self.trans, self.offs, s.open_minute,
                           s.close_minute, 1 if s.extended_hours else 0, *out, 1 if flush else 0)
        return Bars(*(a[:n] for a in out))

    def push(self, timestamps, open, high, low, close, volume) -> "AggregatedBars":
        """Add base bars; return the bars they completed."""
        ts = np.require(timestamps, dtype=np.int64, requirements=["C", "W"])
        cols = [np.require(a, dtype=np.float64, requirements=["C", "W"]) for a in (open, high, low, close, volume)]
        return self._run(ts, cols, False)

    def flush(self) -> "AggregatedBars":
        """End of data: return the forming bar, if any."""
        return self._run(np.zeros(0, dtype=np.int64), [np.zeros(0)] * 5, True)


def bucket_of_day(ts: int, session="us_equity") -> int:
    """Open time (UTC ns) of the session containing ``ts`` (its daily bar's label)."""
    s = get_session(session)
    trans, offs = offset_table(s.timezone)
    start, _ = bucket_bounds(int(ts), int(utc_offset(trans, offs, int(ts))), 1440, s.open_minute, s.close_minute, 1)
    return int(start)


@jit(void(I1, I1, I1, i8, i8, F1))
def _session_ids_into(ts, trans, offs, open_min, close_min, out):
    for i in range(ts.shape[0]):
        t = ts[i]
        out[i] = float(bucket_bounds(t, utc_offset(trans, offs, t), 1440, open_min, close_min, 1)[0])


def session_ids(timestamps, session="us_equity") -> np.ndarray:
    """The session of each bar: the open time (UTC ns, as float64) of the daily bar containing it.

    This is the ``session`` input of session-anchored kernels such as
    :func:`ringta.vwap`; the coordinator feeds the same numbers bar by bar.

    Examples
    --------
    >>> import numpy as np
    >>> ts = np.array(["2024-01-02T14:30", "2024-01-02T20:59", "2024-01-03T14:30"], dtype="datetime64[ns]")
    >>> ids = session_ids(ts.astype(np.int64))
    >>> bool(ids[0] == ids[1]), bool(ids[1] == ids[2])
    (True, False)
    """
    s = get_session(session)
    trans, offs = offset_table(s.timezone)
    ts = np.ascontiguousarray(timestamps, dtype=np.int64)
    out = np.empty(ts.shape[0])
    _session_ids_into(ts, trans, offs, s.open_minute, s.close_minute, out)
    return out


AggregatedBars = Bars  # aggregated bars are ordinary Bars, usable as history


def aggregate_bars(timestamps, open, high, low, close, volume, interval: str, session="us_equity") -> AggregatedBars:
    """Aggregate one-minute bars into ``interval`` bars aligned to ``session``.

    Parameters
    ----------
    timestamps : array_like of int64
        Bar open times, UTC nanoseconds, strictly increasing.
    open, high, low, close, volume : array_like
        The one-minute bars.
    interval : str
        One of ``1m, 5m, 15m, 30m, 1h, 4h, 1d``.
    session : str or Session
        ``"us_equity"`` (09:30-16:00 America/New_York, regular hours only),
        ``"24x7"`` (UTC-aligned) or a :class:`Session`.

    Returns
    -------
    AggregatedBars
        ``(timestamp, open, high, low, close, volume)``; each bar is labelled
        by its open time; buckets with no base bar produce no bar.

    Examples
    --------
    >>> import numpy as np
    >>> t0 = 1_700_000_000_000_000_000 - 1_700_000_000_000_000_000 % 300_000_000_000
    >>> ts = t0 + np.arange(10) * 60_000_000_000
    >>> px = np.arange(10.0)
    >>> bars = aggregate_bars(ts, px, px + 1, px - 1, px, np.ones(10), "5m", "24x7")
    >>> bars.open.tolist(), bars.high.tolist(), bars.close.tolist(), bars.volume.tolist()
    ([0.0, 5.0], [5.0, 10.0], [4.0, 9.0], [5.0, 5.0])
    """
    parse_interval(interval)  # a bad interval is named before any work
    s = get_session(session)
    ts = np.require(timestamps, dtype=np.int64, requirements=["C", "W"])
    cols = [np.require(a, dtype=np.float64, requirements=["C", "W"]) for a in (open, high, low, close, volume)]
    if any(a.shape != ts.shape for a in cols) or ts.ndim != 1:
        raise ValueError("aggregate_bars: timestamps and price/volume arrays must be 1-D and of equal length")
    if ts.size > 1 and not (np.diff(ts) > 0).all():
        i = int(np.argmin(np.diff(ts) > 0)) + 1
        raise ValueError(f"aggregate_bars: timestamps must increase; timestamps[{i}] <= timestamps[{i - 1}]")
    return Aggregator(interval, s)._run(ts, cols, True)
