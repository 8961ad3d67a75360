"""Requirement analysis: which intervals a session needs and how much history.

For every indicator, the number of bars of its own interval that must exist
before it is ready is its lookback + 1; those bars are turned into trading
days of one-minute bars using the session's length (a regular US session has
390 minutes: 78 five-minute bars, 7 hourly bars of which the last is half an
hour, one daily bar).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from .config import IndicatorConfig, SessionConfig
from .intervals import VALID_INTERVALS, Session, get_session, interval_sort_key, parse_interval


class RequirementError(ValueError):
    """The configured streams and indicators cannot be served by the base interval or source."""


@dataclass(frozen=True)
class IndicatorRequirement:
    """History needed by one indicator."""

    key: str
    interval: str
    bars: int  # bars of ``interval`` before the indicator is ready (lookback + 1)
    trading_days: int  # whole sessions of base bars that provide them
    base_bars: int  # one-minute bars in those sessions


@dataclass(frozen=True)
class SessionRequirements:
    """The result of :func:`analyze_session_requirements`."""

    required_base_interval: str
    derivable_intervals: tuple[str, ...]
    intervals: tuple[str, ...]
    indicators: tuple[IndicatorRequirement, ...] = field(default=())
    session_minutes: int = 390

    @property
    def trading_days(self) -> int:
        """Whole sessions of history so that every indicator is ready at the open."""
        return max((r.trading_days for r in self.indicators), default=0)

    @property
    def base_bars(self) -> int:
        """One-minute bars in :attr:`trading_days` full sessions."""
        return self.trading_days * self.session_minutes

    def calendar_days(self, weekdays_only: bool = True) -> int:
        """Calendar days spanning :attr:`trading_days` (weekends added; not holidays)."""
        d = self.trading_days
        if not weekdays_only or d == 0:
            return d
        return d + 2 * ((d - 1) // 5 + 1)

    def describe(self) -> str:
        lines = [
            f"base interval: {self.required_base_interval}",
            f"intervals: {', '.join(self.intervals)} (derived: {', '.join(self.derivable_intervals) or 'none'})",
            f"history: {self.trading_days} trading day(s) = {self.base_bars} one-minute bars",
        ]
        for r in self.indicators:
            lines.append(f"  {r.key:<24} {r.bars:>6} {r.interval} bars -> {r.trading_days} day(s)")
        return "\n".join(lines)


def bars_per_session(interval: str, session: Session) -> int:
    """How many bars of ``interval`` one session produces (a cut last bar counts)."""
    minutes = parse_interval(interval)
    length = session.close_minute - session.open_minute
    if session.open_minute == 0 and session.close_minute == 1440:
        length = 1440
    if minutes >= 1440:
        return 1
    return math.ceil(length / minutes)


def analyze_session_requirements(
    streams: Iterable[str],
    indicator_requirements: Sequence[IndicatorConfig | str],
    session: Session | str = "us_equity",
    base_interval: str = "1m",
) -> SessionRequirements:
    """Intervals and history a session needs.

    ``indicator_requirements`` may be indicator configs (history is then
    computed per indicator) or plain interval names (as in the integration
    guide; only intervals are then checked).

    Examples
    --------
    >>> from ringta.coordinator import IndicatorConfig
    >>> req = analyze_session_requirements(["1m"], [IndicatorConfig(name="rsi", period=14, interval="1h")])
    >>> req.indicators[0].bars, req.indicators[0].trading_days, req.base_bars
    (15, 3, 1170)
    """
    s = get_session(session)
    parse_interval(base_interval)
    if base_interval != "1m":
        raise RequirementError(f"base interval must be '1m' (every derived interval is built from it), got {base_interval!r}")
    configs = [r for r in indicator_requirements if isinstance(r, IndicatorConfig)]
    ivs = set(streams) | {r.interval if isinstance(r, IndicatorConfig) else r for r in indicator_requirements}
    for iv in ivs:
        if iv not in VALID_INTERVALS:
            raise RequirementError(f"interval {iv!r} cannot be derived from {base_interval}; valid: {', '.join(VALID_INTERVALS)}")
        if parse_interval(iv) < parse_interval(base_interval):
            raise RequirementError(f"interval {iv!r} is shorter than the base interval {base_interval!r}")
    intervals = tuple(sorted(ivs | {base_interval}, key=interval_sort_key))
    minutes = 1440 if s.open_minute == 0 and s.close_minute == 1440 else s.close_minute - s.open_minute
    reqs = []
    for c in configs:
        need = c.spec.lookback(**c.resolved_params) + 1
        per_day = bars_per_session(c.interval, s)
        days = math.ceil(need / per_day)
        reqs.append(IndicatorRequirement(c.key, c.interval, need, days, days * minutes))
    return SessionRequirements(base_interval, tuple(i for i in intervals if i != base_interval), intervals,
                               tuple(reqs), minutes)


def session_requirements(config: SessionConfig) -> SessionRequirements:
    """:func:`analyze_session_requirements` for a :class:`SessionConfig`."""
    return analyze_session_requirements(config.streams, config.indicator_configs(), config.session,
                                        config.base_interval)
