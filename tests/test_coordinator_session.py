"""SessionCoordinator end to end: streaming equals batch, bit for bit.

The reference for every indicator key is the batch function of the kernel
run over ``aggregate_bars`` of the same minute bars.
"""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from conftest import REPO_ROOT, load_bar_file
from ringta import Bar
from ringta.coordinator import Bars, SessionConfig, SessionCoordinator, aggregate_bars
from ringta.data import generate_minute_bars

EXAMPLE = REPO_ROOT / "examples" / "unified_config_example.json"
SPY_MINUTE = "lean_spy_minute_trade_2013-10-04_2013-10-11.csv"
NY = ZoneInfo("America/New_York")


def example_config(**overrides) -> SessionConfig:
    d = json.loads(EXAMPLE.read_text())
    sdc = overrides.pop("session_data_config", {})
    d.update(overrides)
    d["session_data_config"].update(sdc)
    return SessionConfig.from_dict(d)


def spy_bars() -> Bars:
    raw = load_bar_file(SPY_MINUTE)
    ts = np.array([int(datetime.fromisoformat(t).timestamp()) * 1_000_000_000 for t in raw["time"]], dtype=np.int64)
    return Bars(ts, raw["open"], raw["high"], raw["low"], raw["close"], raw["volume"])


def synthetic(days=60, seed=11, price=100.0) -> Bars:
    return generate_minute_bars(days=days, seed=seed, price=price)


def reference_series(config, bars: Bars, session="us_equity") -> dict:
    """key -> (n_bars, n_outputs) array of the batch function over the aggregated bars."""
    out = {}
    for c in config.indicator_configs():
        agg = aggregate_bars(*bars, c.interval, session)
        spec = c.spec
        inputs = [getattr(agg, c.source)] if len(spec.inputs) == 1 else [
            local_dates(agg.timestamp) if n == "session" else getattr(agg, n) for n in spec.inputs]
        res = spec.batch(*inputs, **c.resolved_params)
        cols = list(res) if isinstance(res, tuple) else [res]
        out[c.key] = np.column_stack(cols)
    return out


def local_dates(ts) -> np.ndarray:
    """New York calendar date of each bar (as a day ordinal): the US-equity session a bar belongs to."""
    return np.array([datetime.fromtimestamp(int(t) / 1e9, NY).date().toordinal() for t in ts], dtype=np.float64)


def as_row(v) -> list:
    return list(v) if isinstance(v, tuple) else [v]


def stream_recording(cfg, symbol, bars: Bars):
    """Stream ``bars`` one by one; record the indicator view after every closed bar, per interval."""
    sc = SessionCoordinator(cfg)
    sc.register_symbol(symbol)
    rec: dict[str, list] = {}

    def cb(sym, interval, bar, view):
        assert sym == symbol
        rec.setdefault(interval, []).append((bar, dict(view)))

    sc.subscribe(cb)
    for i in range(bars.n):
        sc.on_bar(symbol, Bar(int(bars.timestamp[i]), bars.open[i], bars.high[i], bars.low[i],
                              bars.close[i], bars.volume[i]))
    sc.end_session()
    return sc, rec


def check_stream_equals_batch(cfg, bars, symbol="SYM"):
    sc, rec = stream_recording(cfg, symbol, bars)
    ref = reference_series(cfg, bars)
    for c in cfg.indicator_configs():
        got = np.array([as_row(view[c.key]) for _, view in rec[c.interval]])
        want = ref[c.key]
        assert got.shape == want.shape, c.key
        np.testing.assert_array_equal(got, want, err_msg=c.key)
        assert np.isfinite(want[-1]).all() or c.interval == "1d", c.key
        # the final value read through the public API
        final = sc.session_data.get_indicator_value(symbol, c.key)
        np.testing.assert_array_equal(np.array(as_row(final)), want[-1], err_msg=c.key)
    # callbacks: once per closed bar per interval, with the right bar
    for iv in cfg.intervals():
        agg = aggregate_bars(*bars, iv)
        got_bars = np.array([list(b) for b, _ in rec[iv]])
        np.testing.assert_array_equal(got_bars[:, 0].astype(np.int64), agg.timestamp)
        np.testing.assert_array_equal(got_bars[:, 1:], np.column_stack(list(agg)[1:]), err_msg=iv)
    return sc


def test_stream_equals_batch_spy():
    cfg = example_config()
    bars = spy_bars()
    sc = check_stream_equals_batch(cfg, bars)
    sd = sc.session_data.get_symbol_data("SYM")
    n_regular = aggregate_bars(*bars, "1m").timestamp.size
    assert sd.outside_session_bars == bars.n - n_regular > 0


def test_stream_equals_batch_synthetic_60_days():
    cfg = example_config()
    bars = synthetic(days=60)
    sc = check_stream_equals_batch(cfg, bars)
    # 60 sessions: the daily indicators are ready
    for key in ("sma_20_volume_1d", "sma_50_1d", "rsi_14_1d"):
        assert sc.session_data.is_indicator_ready("SYM", key)


@pytest.mark.parametrize("days", [3])
def test_session_vwap_restarts_each_session(days):
    """Session VWAP on 1m and 5m equals the batch function run per New York date; rolling VWAP never restarts."""
    cfg = SessionConfig.from_dict({"streams": ["1m", "5m"], "session_data_config": {"indicators": {"session": [
        {"name": "vwap", "type": "volume", "interval": "1m"},
        {"name": "vwap", "type": "volume", "interval": "5m"},
        {"name": "rolling_vwap", "type": "volume", "period": 30, "interval": "5m", "params": {"price": "ohlc4"}},
    ]}}})
    bars = synthetic(days=days)
    sc = check_stream_equals_batch(cfg, bars)
    # the first 1m value of each session is that bar's typical price
    day_one = aggregate_bars(*bars, "1m")
    first = (day_one.high[390] + day_one.low[390] + day_one.close[390]) / 3.0
    view = stream_recording(cfg, "SYM", bars)[1]["1m"]
    assert view[390][1]["vwap_1m"] == first


def test_get_bars_last_n():
    cfg = example_config(session_data_config={"bar_buffer_size": 50})
    bars = synthetic(days=3, seed=5)
    sc = SessionCoordinator(cfg)
    sc.register_symbol("A")
    sc.replay("A", bars)
    for iv in ("1m", "5m", "1d"):
        agg = aggregate_bars(*bars, iv)
        for n in (None, 1, 7, 50, 500):
            got = sc.session_data.get_bars("A", iv, n)
            k = min(agg.timestamp.size, 50, n if n is not None else 10**9)
            for f in Bars._fields:
                np.testing.assert_array_equal(getattr(got, f), getattr(agg, f)[agg.timestamp.size - k:],
                                              err_msg=f"{iv} n={n} {f}")
    assert sc.session_data.get_bars("A", "1m", 0).n == 0


def _state(sc):
    d = sc.session_data
    return d.state(), d.bar_rows(), d.siv_rows()


def _assert_same_symbol_state(sc1, s1, sc2, s2, cfg):
    d1, d2 = sc1.session_data, sc2.session_data
    for c in cfg.indicator_configs():
        a = as_row(d1.get_indicator_value(s1, c.key))
        b = as_row(d2.get_indicator_value(s2, c.key))
        np.testing.assert_array_equal(np.array(a), np.array(b), err_msg=c.key)
        assert d1.is_indicator_ready(s1, c.key) == d2.is_indicator_ready(s2, c.key)
    for iv in cfg.intervals():
        x, y = d1.get_bars(s1, iv), d2.get_bars(s2, iv)
        for f in Bars._fields:
            np.testing.assert_array_equal(getattr(x, f), getattr(y, f), err_msg=f"{iv} {f}")
    h1 = d1.get_symbol_data(s1).indicators
    h2 = d2.get_symbol_data(s2).indicators
    for key in h1:
        np.testing.assert_array_equal(h1[key].block, h2[key].block, err_msg=key)


def test_on_bars_equals_on_bar():
    cfg = example_config()
    syms = ["A", "B", "C"]
    series = {s: synthetic(days=4, seed=20 + i, price=[5.0, 100.0, 3000.0][i]) for i, s in enumerate(syms)}
    ts = series["A"].timestamp
    a = SessionCoordinator(cfg)
    b = SessionCoordinator(cfg)
    for s in syms:
        a.register_symbol(s)
        b.register_symbol(s)
    ev_a, ev_b = [], []
    a.subscribe(lambda *x: ev_a.append((x[0], x[1], x[2])))
    b.subscribe(lambda *x: ev_b.append((x[0], x[1], x[2])))
    vals = np.stack([series[s].values for s in syms], axis=1)  # (n, 3, 5)
    for i in range(ts.size):
        a.on_bars(int(ts[i]), syms, vals[i])
        for k, s in enumerate(syms):
            b.on_bar(s, Bar(int(ts[i]), *vals[i, k].tolist()))
    a.end_session()
    b.end_session()
    for s in syms:
        _assert_same_symbol_state(a, s, b, s, cfg)
    assert sorted(ev_a) == sorted(ev_b)
    for x, y in zip(_state(a), _state(b)):
        assert np.array_equal(x, y, equal_nan=True)
    # and each symbol equals its batch reference
    ref = reference_series(cfg, series["C"])
    for c in cfg.indicator_configs():
        np.testing.assert_array_equal(np.array(as_row(a.session_data.get_indicator_value("C", c.key))),
                                      ref[c.key][-1], err_msg=c.key)


def test_manager_update_many_equals_on_bar():
    """``IndicatorManager.update_many`` (the manager-level cross-section) leaves the state ``on_bar`` leaves."""
    cfg = example_config()
    syms = ["A", "B"]
    series = {s: synthetic(days=2, seed=40 + i, price=[50.0, 700.0][i]) for i, s in enumerate(syms)}
    ts = series["A"].timestamp
    a = SessionCoordinator(cfg)
    b = SessionCoordinator(cfg)
    for s in syms:
        a.register_symbol(s)
        b.register_symbol(s)
    rows = np.array([a.session_data.get_symbol_data(s).index for s in syms], dtype=np.int64)
    vals = np.ascontiguousarray(np.stack([series[s].values for s in syms], axis=1))
    status = np.empty(len(syms), dtype=np.int64)
    completed = 0
    for i in range(ts.size):
        n = a.indicator_manager.update_many(int(ts[i]), rows, vals[i], status, False)
        assert n >= 0 and (status < 0).all()
        completed += n
        for k, s in enumerate(syms):
            b.on_bar(s, Bar(int(ts[i]), *vals[i, k].tolist()))
    assert completed == sum(b.session_data.get_symbol_data(s).bars[iv].total
                            for s in syms for iv in ("1m", "5m", "1d"))
    for s in syms:
        _assert_same_symbol_state(a, s, b, s, cfg)


def test_on_bars_symbols_out_of_step_and_late_subscriber():
    # B joins after A, so the two sit at different ring slots (small rings
    # wrap often); a coordinator without subscribers records no completed
    # bars until one subscribes, and its state never differs.
    cfg = example_config(session_data_config={"bar_buffer_size": 7})
    syms = ["A", "B"]
    series = {s: synthetic(days=2, seed=40 + i) for i, s in enumerate(syms)}
    ts = series["A"].timestamp
    vals = np.stack([series[s].values for s in syms], axis=1)
    quiet, loud = SessionCoordinator(cfg), SessionCoordinator(cfg)
    ev_quiet, ev_loud = [], []
    loud.subscribe(lambda *x: ev_loud.append((x[0], x[1], x[2])))
    join, listen = 123, 500
    for sc in (quiet, loud):
        sc.register_symbol("A")
    for i in range(ts.size):
        if i == join:
            for sc in (quiet, loud):
                sc.register_symbol("B")
        if i == listen:
            quiet.subscribe(lambda *x: ev_quiet.append((x[0], x[1], x[2])))
            mark = len(ev_loud)
        now = syms if i >= join else syms[:1]
        for sc in (quiet, loud):
            sc.on_bars(int(ts[i]), now, vals[i, : len(now)])
    for s in syms:
        _assert_same_symbol_state(quiet, s, loud, s, cfg)
    for x, y in zip(_state(quiet), _state(loud)):
        assert np.array_equal(x, y, equal_nan=True)
    assert ev_quiet and ev_quiet == ev_loud[mark:]


@pytest.mark.parametrize("split", [1, 389, 390, 1000])
def test_history_replay_then_stream_equals_streaming(split):
    cfg = example_config()
    bars = synthetic(days=4, seed=8)
    head = Bars(*(np.asarray(x)[:split] for x in bars))
    streamed = SessionCoordinator(cfg)
    streamed.register_symbol("S")
    for i in range(bars.n):
        streamed.on_bar("S", Bar(int(bars.timestamp[i]), *bars.values[i].tolist()))
    warm = SessionCoordinator(cfg)
    warm.register_symbol("S", historical_bars={"1m": head})
    for i in range(split, bars.n):
        warm.on_bar("S", Bar(int(bars.timestamp[i]), *bars.values[i].tolist()))
    _assert_same_symbol_state(streamed, "S", warm, "S", cfg)


def test_history_as_list_of_bars_and_dict():
    cfg = example_config()
    bars = synthetic(days=2, seed=9)
    lst = [Bar(int(bars.timestamp[i]), *bars.values[i].tolist()) for i in range(bars.n)]
    cols = {"timestamp": bars.timestamp, **{f: getattr(bars, f) for f in Bars._fields[1:]}}
    a = SessionCoordinator(cfg)
    a.register_symbol("L", historical_bars={"1m": lst})
    a.register_symbol("D", historical_bars={"1m": cols})
    a.register_symbol("R")
    a.replay("R", bars)
    _assert_same_symbol_state(a, "L", a, "R", cfg)
    _assert_same_symbol_state(a, "D", a, "R", cfg)


def test_late_symbol_with_history_equals_all_day_stream():
    cfg = example_config()
    bars = synthetic(days=3, seed=13)
    sc = SessionCoordinator(cfg)
    sc.register_symbol("EARLY")
    local = [datetime.fromtimestamp(int(t) / 1e9, tz=timezone.utc).astimezone(NY) for t in bars.timestamp]
    last_day = local[-1].date()
    cut = next(i for i, d in enumerate(local) if d.date() == last_day and (d.hour, d.minute) == (11, 7))
    for i in range(cut + 1):
        sc.on_bar("EARLY", Bar(int(bars.timestamp[i]), *bars.values[i].tolist()))
    head = Bars(*(np.asarray(x)[: cut + 1] for x in bars))
    sc.register_symbol("LATE", historical_bars={"1m": head})
    _assert_same_symbol_state(sc, "EARLY", sc, "LATE", cfg)
    for i in range(cut + 1, bars.n):
        sc.on_bars(int(bars.timestamp[i]), ["EARLY", "LATE"], np.vstack([bars.values[i], bars.values[i]]))
    sc.end_session()
    _assert_same_symbol_state(sc, "EARLY", sc, "LATE", cfg)
    ref = reference_series(cfg, bars)
    for c in cfg.indicator_configs():
        np.testing.assert_array_equal(np.array(as_row(sc.session_data.get_indicator_value("LATE", c.key))),
                                      ref[c.key][-1], err_msg=c.key)


def test_memory_budget_2000_symbols():
    cfg = example_config(session_data_config={"bar_buffer_size": 8})
    sc = SessionCoordinator(cfg)
    syms = [f"S{i:04d}" for i in range(2000)]
    for s in syms:
        sc.register_symbol(s)
    assert sc.indicator_manager.get_indicator_count("S1999") == 11
    mem = sc.session_data.memory_bytes()
    per_symbol = mem["indicator_state"] / 2000
    assert per_symbol < 4096, per_symbol
    assert mem["bar_buffers"] == 2000 * 3 * 8 * 6 * 8
    # stream a short (half-hour) day through on_bars
    day = synthetic(days=1, seed=1)
    n = 30
    rng = np.random.default_rng(0)
    scale = rng.uniform(1.0, 500.0, 2000)[:, None]
    for i in range(n):
        vals = np.repeat(day.values[i][None, :], 2000, axis=0)
        vals[:, :4] *= scale
        sc.on_bars(int(day.timestamp[i]), syms, vals)
    sc.end_session()
    assert sc.session_data.memory_bytes()["indicator_state"] == mem["indicator_state"]
    d = sc.session_data
    assert d.get_bars("S0000", "5m").n == 6
    assert d.get_bars("S1999", "1m").n == 8
    # spot-check one symbol against batch on its bars
    k = 1234
    sub = Bars(day.timestamp[:n], *(np.asarray(getattr(day, f))[:n] * (scale[k, 0] if f != "volume" else 1.0)
                                   for f in Bars._fields[1:]))
    ref = reference_series(cfg, sub)
    for c in cfg.indicator_configs():
        np.testing.assert_array_equal(np.array(as_row(d.get_indicator_value(syms[k], c.key))),
                                      ref[c.key][-1], err_msg=c.key)
