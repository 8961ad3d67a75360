"""NaN policy and gap resets (session config options)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ringta
from ringta.coordinator import Bar, BarError, ConfigError, SessionConfig, SessionCoordinator
from ringta.data import generate_minute_bars

BARS = generate_minute_bars(days=3, seed=11)
BASE = {"session_data_config": {"indicators": {"session": [
    {"name": "ema", "period": 5}, {"name": "sma", "period": 5}, {"name": "rsi", "period": 3, "interval": "5m"}]}}}


def _bars():
    return [Bar(int(BARS.timestamp[i]), *BARS.values[i].tolist()) for i in range(BARS.n)]


def _coordinator(**opts):
    sc = SessionCoordinator(SessionConfig.from_dict(dict(BASE, **opts)))
    sc.register_symbol("A")
    return sc


def _state(sc):
    d = sc.session_data
    return [getattr(d, t).copy() for t in ("arena", "siv", "agg", "bars", "symtab")]


def _same(a, b):
    return all(np.array_equal(x, y, equal_nan=True) for x, y in zip(a, b))


@pytest.mark.parametrize("field", range(5))
def test_nan_policy_skip_drops_nan_bars_but_raises_on_other_faults(field):
    bars = _bars()
    sc = _coordinator(nan_policy="skip")
    ref = _coordinator()
    for i, bar in enumerate(bars[:100]):
        if i == 50:
            bad = list(bar)
            bad[1 + field] = math.nan
            before = _state(sc)
            sc.on_bar("A", Bar(*bad))
            assert _same(before, _state(sc))
            continue
        sc.on_bar("A", bar)
        ref.on_bar("A", bar)
    assert sc.skipped_bars == 1
    assert _same(_state(sc), _state(ref))
    b = bars[100]
    with pytest.raises(BarError, match="high"):  # not a NaN: bad_bar_policy (raise) decides
        sc.on_bar("A", Bar(b.timestamp, b.open, b.low - 1.0, b.low, b.close, b.volume))


def test_nan_policy_raise_overrides_skip_policy():
    sc = _coordinator(nan_policy="raise", bad_bar_policy="skip")
    bar = _bars()[0]
    with pytest.raises(BarError, match="close=nan"):
        sc.on_bar("A", Bar(bar.timestamp, bar.open, bar.high, bar.low, math.nan, bar.volume))
    sc.on_bar("A", Bar(bar.timestamp, bar.open, bar.low - 1.0, bar.low, bar.close, bar.volume))
    assert sc.skipped_bars == 1  # the high < low bar follows bad_bar_policy


def test_nan_policy_in_cross_section():
    bar = _bars()[0]
    sc = SessionCoordinator(SessionConfig.from_dict(dict(BASE, nan_policy="skip")))
    ref = SessionCoordinator(SessionConfig.from_dict(BASE))
    for c in (sc, ref):
        c.register_symbol("A")
        c.register_symbol("B")
    vals = np.vstack([bar[1:], bar[1:]])
    vals[1, 3] = math.inf
    sc.on_bars(bar.timestamp, ["A", "B"], vals)
    ref.on_bars(bar.timestamp, ["A"], vals[:1])
    assert sc.skipped_bars == 1 and sc.session_data.get_symbol_data("B").skipped_bars == 1
    assert _same(_state(sc), _state(ref))


def test_gap_reset_restarts_named_indicators_only():
    sc = _coordinator(gap_reset={"minutes": 60, "indicators": ["ema_5_1m"]})
    for bar in _bars():
        sc.on_bar("A", bar)
    assert sc.gap_resets == 2  # two overnight gaps in three sessions
    last_day = BARS.close[-390:]
    # Reset each night, the EMA equals an EMA over the last session alone...
    assert sc.session_data.get_indicator_value("A", "ema_5_1m") == ringta.ema(last_day, 5)[-1]
    # ...while the SMA, not named, kept its state across the gaps.
    assert sc.session_data.get_indicator_value("A", "sma_5_1m") == ringta.sma(BARS.close, 5)[-1]


def test_gap_reset_in_cross_section_equals_per_symbol():
    opts = {"gap_reset": {"minutes": 30, "indicators": ["ema_5_1m", "rsi_3_5m"]}}
    a = _coordinator(**opts)
    b = SessionCoordinator(SessionConfig.from_dict(dict(BASE, **opts)))
    b.register_symbol("A")
    for bar in _bars():
        a.on_bar("A", bar)
        b.on_bars(bar.timestamp, ["A"], np.array([bar[1:]]))
    assert a.gap_resets == b.gap_resets == 2
    assert _same(_state(a), _state(b))


def test_gap_reset_unknown_key_is_a_config_error():
    with pytest.raises(ConfigError, match="gap_reset.indicators: unknown key"):
        SessionConfig.from_dict(dict(BASE, gap_reset={"minutes": 5, "indicators": ["ema_9_1m"]}))
