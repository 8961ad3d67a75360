"""The integration guide's unit tests, run as written, plus a real calculation test."""

from __future__ import annotations

import numpy as np
import pytest

import ringta
from ringta import Bar
from ringta.coordinator import IndicatorConfig, IndicatorManager, IndicatorType, SessionData, SymbolSessionData
from ringta.data import generate_minute_bars


def test_indicator_manager_initialization():
    """Test IndicatorManager initializes correctly."""
    session_data = SessionData()
    manager = IndicatorManager(session_data)
    assert manager is not None


def test_register_symbol_indicators():
    """Test registering indicators for a symbol."""
    session_data = SessionData()
    manager = IndicatorManager(session_data)

    # Register symbol
    symbol_data = SymbolSessionData(symbol="AAPL", base_interval="1m")
    session_data.register_symbol(symbol_data)

    # Register indicators
    indicators = [
        IndicatorConfig("sma", IndicatorType.TREND, 20, "5m"),
        IndicatorConfig("rsi", IndicatorType.MOMENTUM, 14, "5m"),
    ]

    manager.register_symbol_indicators("AAPL", indicators)

    assert manager.get_indicator_count("AAPL") == 2
    assert sorted(symbol_data.indicators) == ["rsi_14_5m", "sma_20_5m"]
    assert [c.key for c in manager.get_indicator_configs("AAPL", "5m")] == ["sma_20_5m", "rsi_14_5m"]
    assert manager.get_indicator_configs("AAPL", "1m") == []


def _five_minute_bars(n=120, seed=4):
    m = generate_minute_bars(days=2, seed=seed)
    agg = ringta.coordinator.aggregate_bars(m.timestamp, m.open, m.high, m.low, m.close, m.volume, "5m")
    return agg


def test_indicator_calculation():
    """Feed 5m bars through update_indicators; compare with ringta.sma / ringta.rsi on the same bars."""
    session_data = SessionData()
    manager = IndicatorManager(session_data)
    session_data.register_symbol(SymbolSessionData(symbol="AAPL", base_interval="1m"))
    manager.register_symbol_indicators("AAPL", [
        IndicatorConfig("sma", IndicatorType.TREND, 20, "5m"),
        IndicatorConfig("rsi", IndicatorType.MOMENTUM, 14, "5m"),
    ])
    bars = _five_minute_bars()
    close = bars.close
    want_sma = ringta.sma(close, period=20)
    want_rsi = ringta.rsi(close, period=14)
    got_sma, got_rsi, ready_sma, ready_rsi = [], [], [], []
    for i in range(close.size):
        manager.update_indicators("AAPL", "5m", Bar(int(bars.timestamp[i]), bars.open[i], bars.high[i],
                                                   bars.low[i], bars.close[i], bars.volume[i]))
        got_sma.append(session_data.get_indicator_value("AAPL", "sma_20_5m"))
        got_rsi.append(session_data.get_indicator_value("AAPL", "rsi_14_5m"))
        ready_sma.append(session_data.is_indicator_ready("AAPL", "sma_20_5m"))
        ready_rsi.append(session_data.is_indicator_ready("AAPL", "rsi_14_5m"))
    np.testing.assert_array_equal(np.array(got_sma), want_sma)
    np.testing.assert_array_equal(np.array(got_rsi), want_rsi)
    # readiness flips exactly where the batch output becomes finite
    np.testing.assert_array_equal(np.array(ready_sma), np.isfinite(want_sma))
    np.testing.assert_array_equal(np.array(ready_rsi), np.isfinite(want_rsi))
    assert not ready_sma[18] and ready_sma[19]
    assert not ready_rsi[13] and ready_rsi[14]
    # independent check of the SMA: plain mean of the last 20 closes
    assert got_sma[-1] == pytest.approx(float(np.mean(close[-20:])), rel=1e-12)
    # the 5m bars were stored
    stored = session_data.get_bars("AAPL", "5m", n=5)
    np.testing.assert_array_equal(stored.close, close[-5:])
    np.testing.assert_array_equal(stored.timestamp, bars.timestamp[-5:])
    allv = session_data.get_all_indicators("AAPL")
    assert allv["sma_20_5m"] == {"value": got_sma[-1], "ready": True}


def test_update_indicators_other_interval_untouched():
    session_data = SessionData()
    manager = IndicatorManager(session_data)
    session_data.register_symbol(SymbolSessionData(symbol="AAPL", base_interval="1m"))
    manager.register_symbol_indicators("AAPL", [
        IndicatorConfig("sma", IndicatorType.TREND, 2, "5m"),
        IndicatorConfig("sma", IndicatorType.TREND, 2, "1m"),
    ])
    manager.update_indicators("AAPL", "1m", Bar(0, 1.0, 1.0, 1.0, 1.0, 1.0))
    manager.update_indicators("AAPL", "1m", Bar(60_000_000_000, 3.0, 3.0, 3.0, 3.0, 1.0))
    assert session_data.get_indicator_value("AAPL", "sma_2_1m") == 2.0
    assert np.isnan(session_data.get_indicator_value("AAPL", "sma_2_5m"))
    with pytest.raises(KeyError):
        manager.update_indicators("AAPL", "15m", Bar(0, 1.0, 1.0, 1.0, 1.0, 1.0))
