"""The coordinator's column tables: per-symbol indicator sets, growth, and the symbol-by-symbol state view."""

from __future__ import annotations

import numpy as np

import ringta
from ringta.coordinator import Bar, IndicatorConfig, IndicatorManager, IndicatorType, SessionCoordinator
from ringta.coordinator.session_data import SessionData, SymbolSessionData
from ringta.data import generate_minute_bars


def _walk(n: int, seed: int) -> np.ndarray:
    b = generate_minute_bars(days=1, seed=seed)
    return np.column_stack([b.open, b.high, b.low, b.close, b.volume])[:n]


def test_symbols_with_different_indicators_share_only_their_common_tables():
    data = SessionData(session="24x7")
    manager = IndicatorManager(data)
    for s in ("A", "B"):
        data.register_symbol(SymbolSessionData(symbol=s, base_interval="1m"))
    manager.register_symbol_indicators("A", [IndicatorConfig("sma", IndicatorType.TREND, 5, "5m"),
                                             IndicatorConfig("atr", IndicatorType.VOLATILITY, 3, "5m")])
    manager.register_symbol_indicators("B", [IndicatorConfig("sma", IndicatorType.TREND, 5, "5m"),
                                             IndicatorConfig("ema", IndicatorType.TREND, 4, "5m")])
    assert data.tables.shape[0] == 3  # sma_5_5m shared, atr only A's, ema only B's
    a, b = _walk(60, 1), _walk(60, 2) * 3.0
    for i in range(60):
        manager.update_indicators("A", "5m", Bar(i * 300_000_000_000, *a[i]))
        # B's bar also advances its (unused) column of A's ATR table; A's values must not notice.
        manager.update_indicators("B", "5m", Bar(i * 300_000_000_000, *b[i]))
    assert data.get_indicator_value("A", "sma_5_5m") == ringta.sma(a[:, 3], 5)[-1]
    assert data.get_indicator_value("B", "sma_5_5m") == ringta.sma(b[:, 3], 5)[-1]
    assert data.get_indicator_value("A", "atr_3_5m") == ringta.atr(a[:, 1], a[:, 2], a[:, 3], 3)[-1]
    assert data.get_indicator_value("B", "ema_4_5m") == ringta.ema(b[:, 3], 4)[-1]
    assert set(data.get_all_indicators("A")) == {"sma_5_5m", "atr_3_5m"}


def _coordinator() -> SessionCoordinator:
    return SessionCoordinator({"session": "24x7", "session_data_config": {"indicators": {"session": [
        {"name": "sma", "period": 4, "interval": "1m"},
        {"name": "macd", "interval": "5m", "params": {"fast_period": 3, "slow_period": 6, "signal_period": 2}},
        {"name": "stoch", "interval": "1m"},
        {"name": "vwap", "interval": "5m"}]}}})


def test_tables_grow_without_changing_any_symbols_state():
    sc = _coordinator()
    first = [f"S{i}" for i in range(10)]
    for s in first:
        sc.register_symbol(s)
    vals = np.stack([_walk(120, 10 + i) for i in range(10)], axis=1)
    for t in range(60):
        sc.on_bars(t * 60_000_000_000, first, vals[t])
    before = sc.session_data.state()
    cap = sc.session_data.cap
    more = [f"T{i}" for i in range(3 * cap)]
    for s in more:
        sc.register_symbol(s)
    assert sc.session_data.cap > cap
    np.testing.assert_array_equal(sc.session_data.state()[: before.size], before)
    # and the first symbols go on as if alone
    for t in range(60, 120):
        sc.on_bars(t * 60_000_000_000, first, vals[t])
    alone = _coordinator()
    alone.register_symbol("S3")
    for t in range(120):
        alone.on_bar("S3", (t * 60_000_000_000, *vals[t, 3]))
    assert sc.session_data.symbol_state("S3").tobytes() == alone.session_data.symbol_state("S3").tobytes()
    for key, h in alone.session_data.get_symbol_data("S3").indicators.items():
        assert np.array_equal(sc.session_data.get_symbol_data("S3").indicators[key].block, h.block, equal_nan=True)


def test_on_bars_in_any_symbol_order_equals_on_bar():
    syms = [f"S{i}" for i in range(24)]
    vals = np.stack([_walk(90, 40 + i) for i in range(24)], axis=1)
    xs, one = _coordinator(), _coordinator()
    for s in syms:
        xs.register_symbol(s)
        one.register_symbol(s)
    rng = np.random.default_rng(3)
    for t in range(90):
        order = rng.permutation(24)[: rng.integers(12, 25)]  # shuffled, and some symbols miss a minute
        xs.on_bars(t * 60_000_000_000, [syms[k] for k in order], vals[t, order])
        for k in order:
            one.on_bar(syms[k], (t * 60_000_000_000, *vals[t, k]))
    assert xs.session_data.state().tobytes() == one.session_data.state().tobytes()


def test_block_is_a_view_and_symbol_state_round_trips():
    sc = _coordinator()
    sc.register_symbol("A")
    sc.register_symbol("B")
    for t in range(30):
        sc.on_bars(t * 60_000_000_000, ["A", "B"], np.stack([_walk(30, 5)[t], _walk(30, 6)[t]]))
    d = sc.session_data
    a_state, b_state = d.symbol_state("A"), d.symbol_state("B")
    h = d.get_symbol_data("A").indicators["sma_4_1m"]
    h.block[h.spec.out_offset] = 123.0
    assert d.get_indicator_value("A", "sma_4_1m") == 123.0
    assert d.symbol_state("B").tobytes() == b_state.tobytes()
    d.set_symbol_state("A", a_state)
    assert d.symbol_state("A").tobytes() == a_state.tobytes()
    np.testing.assert_array_equal(d.state(), np.concatenate([a_state, b_state]))


def test_cross_sections_with_gaps_subsets_and_a_late_joiner_equal_per_symbol_bars():
    """Minutes missing for every symbol (gaps close forming bars early), for some symbols (runs
    broken), and a symbol added mid-session: on_bars leaves the state per-symbol on_bar leaves,
    on intervals that do not divide the session (the last hourly bar is cut at the close)."""
    config = {"session": "us_equity", "streams": ["1m", "15m"], "session_data_config": {"indicators": {"session": [
        {"name": "sma", "period": 5, "interval": "1m"},
        {"name": "stoch", "interval": "5m"},
        {"name": "macd", "interval": "15m", "params": {"fast_period": 3, "slow_period": 6, "signal_period": 2}},
        {"name": "vwap", "interval": "1h"},
        {"name": "rsi", "period": 2, "interval": "1d"}]}}}
    bars = generate_minute_bars(days=2, seed=9)
    n_sym = 8
    syms = [f"S{i}" for i in range(n_sym)]
    scale = np.linspace(1.0, 3.0, n_sym)
    xs, one = SessionCoordinator(config), SessionCoordinator(config)
    for s in syms[:-1]:
        xs.register_symbol(s)
        one.register_symbol(s)
    rng = np.random.default_rng(11)
    join = 200
    for t in range(bars.timestamp.size):
        if t == join:
            for sc in (xs, one):
                sc.register_symbol(syms[-1])
        live = syms if t >= join else syms[:-1]
        u = rng.random()
        if u < 0.05:
            continue  # a minute nobody trades
        keep = [s for s in live if rng.random() > 0.1] if u < 0.3 else live
        if not keep:
            continue
        idx = [syms.index(s) for s in keep]
        row = np.array([bars.open[t], bars.high[t], bars.low[t], bars.close[t], bars.volume[t]])
        vals = np.stack([row * [scale[i], scale[i], scale[i], scale[i], 1.0] for i in idx])
        ts = int(bars.timestamp[t])
        xs.on_bars(ts, keep, vals)
        for s, v in zip(keep, vals):
            one.on_bar(s, (ts, *v.tolist()))
    xs.end_session()
    one.end_session()
    d1, d2 = xs.session_data, one.session_data
    assert d1.state().tobytes() == d2.state().tobytes()
    assert d1.siv_rows().tobytes() == d2.siv_rows().tobytes()
    assert d1.bar_rows().tobytes() == d2.bar_rows().tobytes()
    assert d1.get_bars("S7", "1h").n > 0 and d1.is_indicator_ready("S0", "macd_3_6_2_15m")


def test_revision_after_the_tables_grew_restores_the_right_columns_and_lanes():
    """A bar revised after other symbols made every table and lane grow: the undo record holds values
    and slot numbers, not positions, so the revision lands where the symbol's state now is."""
    # Four-bar rings: the slots the revised bar overwrites hold older bars, which the undo must put back.
    config = {"session": "24x7", "allow_revisions": True, "streams": ["1m", "5m"],
              "session_data_config": {"bar_buffer_size": 4, "indicators": {"session": [
                  {"name": "ema", "period": 3, "interval": "1m"},
                  {"name": "bbands", "period": 4, "interval": "5m"}]}}}
    a = _walk(50, 21)
    revised = a[-1] * [1.0, 1.02, 1.0, 1.01, 2.0]
    live, ref = SessionCoordinator(config), SessionCoordinator(config)
    live.register_symbol("A")
    ref.register_symbol("A")
    for t in range(50):
        live.on_bar("A", (t * 60_000_000_000, *a[t]))
        ref.on_bar("A", (t * 60_000_000_000, *(a[t] if t < 49 else revised)))
    cap = live.session_data.cap
    for i in range(2 * cap):
        live.register_symbol(f"B{i}")
    assert live.session_data.cap > cap
    live.on_bar("A", (49 * 60_000_000_000, *revised), revise=True)
    d, r = live.session_data, ref.session_data
    assert d.symbol_state("A").tobytes() == r.symbol_state("A").tobytes()
    assert d.siv_rows(0, 2).tobytes() == r.siv_rows(0, 2).tobytes()
    for iv in ("1m", "5m"):
        assert d.get_bars("A", iv).close.tobytes() == r.get_bars("A", iv).close.tobytes()
    assert d.get_indicator_value("A", "ema_3_1m") == ringta.ema(np.r_[a[:49, 3], revised[3]], 3)[-1]
    others = np.ones(d.bars.shape[1], dtype=bool)
    others[d.lane_of(0, 2)] = False
    assert not d.bars[:, others].any()  # no other symbol's ring buffer was written
