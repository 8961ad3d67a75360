"""Requirement analysis: intervals and history a session needs, and that the
analysed history is exactly enough.

Expected numbers are derived by hand in the comments. A regular US session
(09:30-16:00 New York) has 390 one-minute bars; it produces
390/5 = 78 five-minute bars, 390/15 = 26 fifteen-minute bars,
390/30 = 13 thirty-minute bars, ceil(390/60) = 7 hourly bars
(09:30-10:30, ..., 14:30-15:30, 15:30-16:00: the last one half an hour),
ceil(390/240) = 2 four-hour bars (09:30-13:30, 13:30-16:00) and one daily bar.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import REPO_ROOT
from ringta.coordinator import Bars, IndicatorConfig, SessionConfig, SessionCoordinator, aggregate_bars
from ringta.coordinator.intervals import get_session
from ringta.coordinator.requirements import (
    RequirementError,
    analyze_session_requirements,
    bars_per_session,
    session_requirements,
)
from ringta.data import generate_minute_bars

EXAMPLE = REPO_ROOT / "examples" / "unified_config_example.json"

MACD = {"fast_period": 12, "slow_period": 26, "signal_period": 9}


def one(name, interval, period=None, params=None) -> IndicatorConfig:
    kw = {"name": name, "interval": interval}
    if period is not None:
        kw["period"] = period
    if params:
        kw["params"] = params
    return IndicatorConfig(**kw)


# (config, bars of its interval, trading days, one-minute bars)
HAND_DERIVED = [
    # RSI(14): lookback 14 (14 changes need 15 closes) -> 15 hourly bars;
    # 7 hourly bars per session -> ceil(15/7) = 3 sessions = 3 * 390 = 1170 minutes.
    (one("rsi", "1h", 14), 15, 3, 1170),
    # EMA(20): lookback 19 -> 20 five-minute bars; 78 per session -> 1 session = 390.
    (one("ema", "5m", 20), 20, 1, 390),
    # SMA(50) daily: 50 daily bars -> 50 sessions = 19500 minutes.
    (one("sma", "1d", 50), 50, 50, 19500),
    # MACD(12,26,9): lookback (26-1) + (9-1) = 33 -> 34 bars; 26 per session -> 2 sessions.
    (one("macd", "15m", params=MACD), 34, 2, 780),
    # BBANDS(20): lookback 19 -> 20 bars; 13 thirty-minute bars per session -> 2 sessions.
    (one("bbands", "30m", 20), 20, 2, 780),
    # SMA(3) on 4h: 3 bars; 2 four-hour bars per session -> 2 sessions.
    (one("sma", "4h", 3), 3, 2, 780),
    # SMA(2) on 4h: 2 bars = exactly one session.
    (one("sma", "4h", 2), 2, 1, 390),
    # RSI(14) on 1m: 15 bars -> 1 session.
    (one("rsi", "1m", 14), 15, 1, 390),
    # SMA(391) on 1m: one more than a session -> 2 sessions.
    (one("sma", "1m", 391), 391, 2, 780),
    # SMA(7) on 1h: exactly the 7 hourly bars of one session.
    (one("sma", "1h", 7), 7, 1, 390),
    # SMA(8) on 1h: one more -> 2 sessions.
    (one("sma", "1h", 8), 8, 2, 780),
]


@pytest.mark.parametrize("cfg,bars,days,base", HAND_DERIVED, ids=[c[0].key for c in HAND_DERIVED])
def test_hand_derived_single_indicator(cfg, bars, days, base):
    req = analyze_session_requirements(["1m"], [cfg])
    (r,) = req.indicators
    assert (r.key, r.interval, r.bars, r.trading_days, r.base_bars) == (cfg.key, cfg.interval, bars, days, base)
    assert req.trading_days == days
    assert req.base_bars == base
    assert req.session_minutes == 390
    assert req.required_base_interval == "1m"
    assert req.intervals == tuple(dict.fromkeys(["1m", cfg.interval]))
    assert req.derivable_intervals == (() if cfg.interval == "1m" else (cfg.interval,))


def test_bars_per_session_us_equity_and_24x7():
    us = get_session("us_equity")
    # 390 minutes: 390, 78, 26, 13, ceil(6.5) = 7, ceil(1.625) = 2, 1
    assert [bars_per_session(iv, us) for iv in ("1m", "5m", "15m", "30m", "1h", "4h", "1d")] == [390, 78, 26, 13, 7, 2, 1]
    s24 = get_session("24x7")
    # 1440 minutes: 1440, 288, 96, 48, 24, 6, 1
    assert [bars_per_session(iv, s24) for iv in ("1m", "5m", "15m", "30m", "1h", "4h", "1d")] == [1440, 288, 96, 48, 24, 6, 1]


def test_24x7_session():
    # RSI(14) on 1h: 15 bars, 24 hourly bars per day -> 1 day = 1440 minutes.
    req = analyze_session_requirements(["1m"], [one("rsi", "1h", 14)], "24x7")
    (r,) = req.indicators
    assert (r.bars, r.trading_days, r.base_bars) == (15, 1, 1440)
    assert req.session_minutes == 1440 and req.base_bars == 1440
    # SMA(25) on 1h: 25 bars -> ceil(25/24) = 2 days = 2880 minutes.
    req = analyze_session_requirements(["1m"], [one("sma", "1h", 25)], "24x7")
    assert (req.indicators[0].trading_days, req.base_bars) == (2, 2880)
    # SMA(7) on 4h: 6 four-hour bars a day -> 2 days.
    assert analyze_session_requirements(["1m"], [one("sma", "4h", 7)], "24x7").trading_days == 2


def test_example_config():
    cfg = SessionConfig.from_dict(json.loads(EXAMPLE.read_text()))
    req = session_requirements(cfg)
    assert req.intervals == ("1m", "5m", "1d")
    assert req.derivable_intervals == ("5m", "1d")
    by_key = {r.key: (r.bars, r.trading_days) for r in req.indicators}
    assert by_key == {
        "ema_9_1m": (9, 1),
        "ema_20_5m": (20, 1),
        "sma_20_1m": (20, 1),
        "rsi_14_1m": (15, 1),
        "rsi_14_5m": (15, 1),
        "macd_12_26_9_5m": (34, 1),  # 34 <= 78 five-minute bars of one session
        "bbands_20_2_5m": (20, 1),
        "obv_1m": (1, 1),  # lookback 0: the first bar
        "sma_20_volume_1d": (20, 20),
        "sma_50_1d": (50, 50),
        "rsi_14_1d": (15, 15),
    }
    # the longest requirement wins: SMA(50) daily
    assert req.trading_days == 50 and req.base_bars == 50 * 390
    # 50 trading days = 10 weeks of 5 -> 10 weekends: 50 + 20 = 70 calendar days
    assert req.calendar_days() == 70
    assert req.calendar_days(weekdays_only=False) == 50
    text = req.describe()
    assert "50 trading day(s) = 19500 one-minute bars" in text and "sma_50_1d" in text


@pytest.mark.parametrize("days,calendar", [
    (0, 0),  # nothing needed
    (1, 3),  # one session may be last Friday, seen from a Monday: Fri, Sat, Sun
    (5, 7),  # one full week
    (6, 10),  # a week and a day: two weekends
    (10, 14),  # two weeks
    (11, 17),  # three weekends
])
def test_calendar_days_adds_weekends(days, calendar):
    cfgs = [one("sma", "1d", days)] if days else []
    req = analyze_session_requirements(["1m"], cfgs)
    assert req.trading_days == days
    assert req.calendar_days() == calendar
    assert req.calendar_days(weekdays_only=False) == days


def test_plain_interval_names_and_streams():
    # the integration-guide form: interval names only, no history
    req = analyze_session_requirements(["1m", "5m"], ["15m", "1h", "5m"])
    assert req.intervals == ("1m", "5m", "15m", "1h")
    assert req.derivable_intervals == ("5m", "15m", "1h")
    assert req.indicators == () and req.trading_days == 0 and req.base_bars == 0
    # a stream with no indicator still counts
    req = analyze_session_requirements(["1m", "4h", "1d"], [one("ema", "30m", 5)])
    assert req.intervals == ("1m", "30m", "4h", "1d")
    # several indicators: the maximum over them
    req = analyze_session_requirements(["1m"], [one("rsi", "1h", 14), one("ema", "5m", 20), one("bbands", "30m", 20)])
    assert req.trading_days == 3 and req.base_bars == 1170


@pytest.mark.parametrize("bad", ["2h", "1s", "3m", "1w", "60m"])
def test_invalid_interval_is_named(bad):
    with pytest.raises(RequirementError) as ei:
        analyze_session_requirements(["1m"], [bad])
    assert repr(bad) in str(ei.value)
    assert isinstance(ei.value, ValueError)
    with pytest.raises(ValueError) as ei:
        analyze_session_requirements(["1m", bad], [])
    assert repr(bad) in str(ei.value)


def test_invalid_base_interval():
    with pytest.raises(RequirementError, match="'5m'"):
        analyze_session_requirements(["5m"], ["5m"], base_interval="5m")
    with pytest.raises(ValueError, match="'2m'"):
        analyze_session_requirements(["1m"], ["5m"], base_interval="2m")


def test_invalid_interval_in_indicator_config():
    with pytest.raises(ValueError, match="2h"):
        IndicatorConfig(name="sma", period=5, interval="2h")


# -- readiness: the analysed history is exactly enough ------------------------------------------

def session_config(indicators, session="us_equity") -> SessionConfig:
    return SessionConfig.from_dict({"session": session, "streams": ["1m"],
                                    "session_data_config": {"indicators": {"session": list(indicators)}}})


def batch_last(cfg: IndicatorConfig, agg) -> np.ndarray:
    spec = cfg.spec
    inputs = [getattr(agg, cfg.source)] if len(spec.inputs) == 1 else [getattr(agg, n) for n in spec.inputs]
    res = spec.batch(*inputs, **cfg.resolved_params)
    cols = list(res) if isinstance(res, tuple) else [res]
    return np.array([c[-1] for c in cols])


def as_row(v) -> np.ndarray:
    return np.array(list(v) if isinstance(v, tuple) else [v], dtype=float)


READINESS = [
    {"name": "rsi", "period": 14, "interval": "1h"},
    {"name": "ema", "period": 20, "interval": "5m"},
    {"name": "sma", "period": 50, "interval": "1d"},
    {"name": "macd", "interval": "15m", "params": MACD},
    {"name": "bbands", "period": 20, "interval": "30m"},
    {"name": "sma", "period": 3, "interval": "4h"},
    {"name": "rsi", "period": 14, "interval": "1m"},
    {"name": "sma", "period": 7, "interval": "1h"},
]

_MINUTES_60 = None


def minutes_60() -> Bars:
    global _MINUTES_60
    if _MINUTES_60 is None:
        _MINUTES_60 = generate_minute_bars(days=60, seed=3)
    return _MINUTES_60


@pytest.mark.parametrize("ind", READINESS, ids=lambda d: f"{d['name']}_{d['interval']}")
def test_per_interval_history_exactly_enough(ind):
    cfg = session_config([ind])
    c = cfg.indicator_configs()[0]
    req = session_requirements(cfg)
    need = req.indicators[0].bars
    agg = aggregate_bars(*minutes_60(), c.interval)
    assert agg.timestamp.size > need
    for n, ready in ((need, True), (need - 1, False)):
        hist = Bars(*(np.ascontiguousarray(x[agg.timestamp.size - n:]) for x in agg))
        sc = SessionCoordinator(cfg)
        sc.register_symbol("X", historical_bars={c.interval: hist})
        assert sc.session_data.is_indicator_ready("X", c.key) is ready, (c.key, n)
        assert sc.session_data.get_bars("X", c.interval).n == min(n, 390)
        if ready:
            # the warmed-up value is the batch function's last value over the same bars
            np.testing.assert_array_equal(as_row(sc.session_data.get_indicator_value("X", c.key)),
                                          batch_last(c, hist), err_msg=c.key)


@pytest.mark.parametrize("ind", READINESS, ids=lambda d: f"{d['name']}_{d['interval']}")
def test_minute_history_of_trading_days_is_enough(ind):
    cfg = session_config([ind])
    c = cfg.indicator_configs()[0]
    days = session_requirements(cfg).trading_days
    bars = minutes_60()
    for d, ready in ((days, True), (days - 1, False)):
        hist = Bars(*(np.ascontiguousarray(x[bars.n - d * 390:]) for x in bars))
        sc = SessionCoordinator(cfg)
        sc.register_symbol("X", historical_bars={"1m": hist} if d else None)
        assert sc.session_data.is_indicator_ready("X", c.key) is ready, (c.key, d)


def test_rsi_hourly_three_sessions_of_minutes():
    # RSI(14) on 1h needs 3 sessions (1170 minutes): 21 hourly bars >= 15; 2 sessions give 14 < 15.
    cfg = session_config([{"name": "rsi", "period": 14, "interval": "1h"}])
    req = session_requirements(cfg)
    assert (req.trading_days, req.base_bars) == (3, 1170)
    bars = generate_minute_bars(days=3, seed=21)
    assert bars.n == req.base_bars
    sc = SessionCoordinator(cfg)
    sc.register_symbol("X", historical_bars={"1m": bars})
    assert sc.session_data.is_indicator_ready("X", "rsi_14_1h")
    assert sc.session_data.get_bars("X", "1h").n == 21
    np.testing.assert_array_equal(as_row(sc.session_data.get_indicator_value("X", "rsi_14_1h")),
                                  batch_last(cfg.indicator_configs()[0], aggregate_bars(*bars, "1h")))
    two = Bars(*(np.ascontiguousarray(x[390:]) for x in bars))
    sc = SessionCoordinator(cfg)
    sc.register_symbol("X", historical_bars={"1m": two})
    assert not sc.session_data.is_indicator_ready("X", "rsi_14_1h")
    assert sc.session_data.get_bars("X", "1h").n == 14


def test_example_config_exact_history_all_ready():
    cfg = SessionConfig.from_dict(json.loads(EXAMPLE.read_text()))
    req = session_requirements(cfg)
    bars = generate_minute_bars(days=req.trading_days, seed=4)
    assert bars.n == req.base_bars == 19500
    sc = SessionCoordinator(cfg)
    sc.register_symbol("X", historical_bars={"1m": bars})
    ready = {k: v["ready"] for k, v in sc.session_data.get_all_indicators("X").items()}
    assert all(ready.values()), ready
    # one session less: only SMA(50) daily is short (49 < 50 daily bars)
    short = Bars(*(np.ascontiguousarray(x[390:]) for x in bars))
    sc = SessionCoordinator(cfg)
    sc.register_symbol("X", historical_bars={"1m": short})
    not_ready = [k for k, v in sc.session_data.get_all_indicators("X").items() if not v["ready"]]
    assert not_ready == ["sma_50_1d"]
