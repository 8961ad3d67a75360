"""Adding a symbol mid-session: history from a data source, replayed through the
live path, gives the same indicator state as a symbol registered before the open.

References: a symbol "A" registered before the open with the analysed history
and streamed all day, and the batch functions over ``aggregate_bars`` of the
same loaded history plus the day.
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from conftest import BARS_DIR, REPO_ROOT, load_bar_file
from ringta import Bar
from ringta.coordinator import Bars, SessionConfig, SessionCoordinator, aggregate_bars
from ringta.coordinator.intervals import bucket_of_day
from ringta.coordinator.requirements import RequirementError
from ringta.data import CsvSource, MemorySource, generate_minute_bars

EXAMPLE = REPO_ROOT / "examples" / "unified_config_example.json"
SPY_MINUTE = "lean_spy_minute_trade_2013-10-04_2013-10-11.csv"
NY = ZoneInfo("America/New_York")
MIN = 60_000_000_000

# A small config for the 6-day SPY file: the longest need is 2 sessions.
SMALL = {
    "session": "us_equity",
    "streams": ["1m", "5m"],
    "session_data_config": {"indicators": {
        "session": [
            {"name": "ema", "period": 9, "interval": "1m"},
            {"name": "rsi", "period": 14, "interval": "5m"},
            {"name": "macd", "interval": "5m", "params": {"fast_period": 12, "slow_period": 26, "signal_period": 9}},
            {"name": "sma", "period": 10, "interval": "1h"},  # 10 hourly bars, 7 a session -> 2 days
            {"name": "bbands", "period": 20, "interval": "30m"},  # 20 bars, 13 a session -> 2 days
            {"name": "obv", "interval": "1m"},
        ],
        "historical": [{"name": "sma", "period": 2, "interval": "1d"}],  # 2 days
    }},
}


def example_config() -> SessionConfig:
    return SessionConfig.from_dict(json.loads(EXAMPLE.read_text()))


_SYN = {}


def syn61() -> Bars:
    if "b" not in _SYN:
        _SYN["b"] = generate_minute_bars(days=61, seed=17)
    return _SYN["b"]


def sub(bars: Bars, keep) -> Bars:
    return Bars(*(np.ascontiguousarray(c[keep]) for c in bars))


def cat(a: Bars, b: Bars) -> Bars:
    return Bars(*(np.concatenate([x, y]) for x, y in zip(a, b)))


def as_row(v) -> np.ndarray:
    return np.array(list(v) if isinstance(v, tuple) else [v], dtype=float)


def batch_last(c, bars: Bars) -> np.ndarray:
    """Last value of the batch function of ``c`` over ``aggregate_bars`` of ``bars``."""
    agg = aggregate_bars(*bars, c.interval)
    spec = c.spec
    inputs = [getattr(agg, c.source)] if len(spec.inputs) == 1 else [getattr(agg, n) for n in spec.inputs]
    res = spec.batch(*inputs, **c.resolved_params)
    cols = list(res) if isinstance(res, tuple) else [res]
    return np.array([x[-1] for x in cols])


def ny_ns(y, mo, d, h, mi) -> int:
    return int(datetime(y, mo, d, h, mi, tzinfo=NY).timestamp()) * 1_000_000_000


def assert_same(sc, s1, s2, cfg):
    d = sc.session_data
    h1, h2 = d.get_symbol_data(s1).indicators, d.get_symbol_data(s2).indicators
    assert sorted(h1) == sorted(h2) == sorted(c.key for c in cfg.indicator_configs())
    for k in h1:
        assert np.array_equal(as_row(h1[k].value), as_row(h2[k].value), equal_nan=True), k
        assert h1[k].valid == h2[k].valid, k
        assert np.array_equal(h1[k].block, h2[k].block, equal_nan=True), k
    for iv in cfg.intervals():
        x, y = d.get_bars(s1, iv), d.get_bars(s2, iv)
        for f in Bars._fields:
            np.testing.assert_array_equal(getattr(x, f), getattr(y, f), err_msg=f"{iv} {f}")


def state(sc):
    d = sc.session_data
    return (d.n_arena, d.n_siv, d.n_sym, d.n_program, tuple(d.symbols), d.state(),
            d.siv_rows(), d.symtab[: d.n_sym].copy(), d.bar_rows())


def assert_state_equal(a, b):
    assert a[:5] == b[:5]
    for x, y in zip(a[5:], b[5:]):
        assert x.shape == y.shape and np.array_equal(x, y, equal_nan=True)


def run_add(cfg, source, open_ns: int, day: Bars, add_ts: int):
    """A before the open with load_history, stream ``day`` to ``add_ts`` into A, add B, stream the rest.

    Returns (coordinator, A's history, B's AddSymbolResult).
    """
    sc = SessionCoordinator(cfg, data_source=source)
    hist = sc.load_history("A", now=open_ns - 1)
    sc.register_symbol("A", historical_bars={"1m": hist})
    # every indicator is ready before the first live bar
    assert all(v["ready"] for v in sc.session_data.get_all_indicators("A").values())
    k = int(np.searchsorted(day.timestamp, add_ts, side="right"))
    for i in range(k):
        sc.on_bar("A", Bar(int(day.timestamp[i]), *day.values[i].tolist()))
    assert sc.current_time == add_ts
    res = sc.add_symbol_mid_session("B")
    assert res.symbol == "B" and sc.symbols == ["A", "B"]
    assert_same(sc, "A", "B", cfg)
    for i in range(k, day.n):
        sc.on_bars(int(day.timestamp[i]), ["A", "B"], np.vstack([day.values[i], day.values[i]]))
    assert_same(sc, "A", "B", cfg)
    sc.end_session()
    assert_same(sc, "A", "B", cfg)
    # both equal the batch functions over the loaded history plus the day
    full = cat(hist, day)
    for c in cfg.indicator_configs():
        want = batch_last(c, full)
        got = as_row(sc.session_data.get_indicator_value("B", c.key))
        assert np.array_equal(got, want, equal_nan=True), (c.key, got, want)
        assert np.isfinite(got).all(), c.key
    return sc, hist, res


@pytest.mark.parametrize("minute", [0, 97, 389], ids=["09:30", "11:07", "15:59"])
def test_add_mid_session_synthetic_example_config(minute):
    cfg = example_config()
    bars = syn61()
    src = MemorySource({"A": bars, "B": bars})
    open61 = int(bars.timestamp[60 * 390])
    day = sub(bars, slice(60 * 390, None))
    add_ts = open61 + minute * MIN
    sc, hist, res = run_add(cfg, src, open61, day, add_ts)
    # A's history: the 50 sessions before day 61 (days 11..60)
    assert hist.n == 50 * 390
    assert int(hist.timestamp[0]) == int(bars.timestamp[10 * 390])
    assert int(hist.timestamp[-1]) == int(bars.timestamp[60 * 390 - 1])
    # B's history: the same 50 sessions plus day 61 up to and including the current minute
    assert res.bars_loaded == 50 * 390 + minute + 1
    assert res.first_timestamp == int(bars.timestamp[10 * 390])
    assert res.last_timestamp == add_ts
    assert res.all_ready and res.not_ready == []
    assert sorted(res.ready) == sorted(c.key for c in cfg.indicator_configs())


def test_add_at_1107_new_york_is_minute_97():
    # 11:07 - 09:30 = 97 minutes: the 98th bar of the day
    bars = syn61()
    open61 = int(bars.timestamp[60 * 390])
    t = datetime.fromtimestamp((open61 + 97 * MIN) / 1e9, tz=NY)
    assert (t.hour, t.minute) == (11, 7)
    assert bucket_of_day(open61 - 1) == open61
    assert bucket_of_day(open61 + 389 * MIN) == open61


def spy_bars() -> Bars:
    raw = load_bar_file(SPY_MINUTE)
    ts = np.array([int(datetime.fromisoformat(t).timestamp()) * 1_000_000_000 for t in raw["time"]], dtype=np.int64)
    return Bars(ts, raw["open"], raw["high"], raw["low"], raw["close"], raw["volume"])


def test_add_mid_session_real_spy():
    bars = spy_bars()  # skips without the shared data
    cfg = SessionConfig.from_dict(SMALL)
    src = CsvSource(files={"A": BARS_DIR / SPY_MINUTE, "B": BARS_DIR / SPY_MINUTE})
    sc0 = SessionCoordinator(cfg, data_source=src)
    assert sc0.requirements.trading_days == 2
    open_ = ny_ns(2013, 10, 11, 9, 30)
    add_ts = ny_ns(2013, 10, 11, 11, 7)
    day = sub(bars, bars.timestamp >= open_)
    sc, hist, res = run_add(cfg, src, open_, day, add_ts)
    # 2 sessions before 2013-10-11: 10-09 and 10-10, from the 10-09 open (after-hours and
    # 10-11 pre-market bars included, as the file holds them)
    start = ny_ns(2013, 10, 9, 9, 30)
    assert int(hist.timestamp[0]) == start
    np.testing.assert_array_equal(hist.timestamp, bars.timestamp[(bars.timestamp >= start) & (bars.timestamp < open_)])
    expected = int(((bars.timestamp >= start) & (bars.timestamp <= add_ts)).sum())
    # regular sessions: 390 + 390 + 98 bars, plus the extended-hours bars in between
    assert expected > 2 * 390 + 98
    assert res.bars_loaded == expected
    assert res.first_timestamp == start and res.last_timestamp == add_ts
    assert res.all_ready


# -- errors ------------------------------------------------------------------------------------

def test_too_little_history_leaves_session_untouched():
    cfg = example_config()
    bars = syn61()
    # C holds only days 32..61: 29 complete sessions before day 61, 50 needed
    src = MemorySource({"A": bars, "C": sub(bars, slice(31 * 390, None))})
    sc = SessionCoordinator(cfg, data_source=src)
    open61 = int(bars.timestamp[60 * 390])
    sc.register_symbol("A", historical_bars={"1m": sc.load_history("A", now=open61 - 1)})
    for i in range(10):
        sc.on_bar("A", Bar(int(bars.timestamp[60 * 390 + i]), *bars.values[60 * 390 + i].tolist()))
    before = state(sc)
    with pytest.raises(RequirementError) as ei:
        sc.add_symbol_mid_session("C")
    msg = str(ei.value)
    assert "C" in msg and "29" in msg and "50" in msg, msg
    assert "C" not in sc.session_data and sc.symbols == ["A"]
    assert_state_equal(before, state(sc))
    # the session still streams, and C can be added without history
    sc.on_bar("A", Bar(int(bars.timestamp[60 * 390 + 10]), *bars.values[60 * 390 + 10].tolist()))
    res = sc.add_symbol_mid_session("C", load_historical=False)
    assert res.bars_loaded == 0 and res.first_timestamp is None and not res.all_ready


def test_load_history_exact_boundary():
    # exactly 50 complete sessions before day 61 is enough; 49 is not
    cfg = example_config()
    bars = syn61()
    open61 = int(bars.timestamp[60 * 390])
    src = MemorySource({"E": sub(bars, slice(10 * 390, None)), "F": sub(bars, slice(11 * 390, None))})
    sc = SessionCoordinator(cfg, data_source=src)
    assert sc.load_history("E", now=open61 - 1).n == 50 * 390
    with pytest.raises(RequirementError, match=r"F.*49.*50"):
        sc.load_history("F", now=open61 - 1)


def test_unknown_symbol_in_source():
    cfg = example_config()
    bars = syn61()
    sc = SessionCoordinator(cfg, data_source=MemorySource({"A": bars}))
    sc.register_symbol("A")
    sc.on_bar("A", Bar(int(bars.timestamp[0]), *bars.values[0].tolist()))
    before = state(sc)
    with pytest.raises(RequirementError) as ei:
        sc.add_symbol_mid_session("ZZZ")
    assert "ZZZ" in str(ei.value)
    assert sc.symbols == ["A"]
    assert_state_equal(before, state(sc))


def test_no_data_source():
    cfg = example_config()
    bars = syn61()
    sc = SessionCoordinator(cfg)
    sc.register_symbol("A")
    sc.on_bar("A", Bar(int(bars.timestamp[0]), *bars.values[0].tolist()))
    before = state(sc)
    with pytest.raises(RequirementError, match="data_source"):
        sc.add_symbol_mid_session("B")
    assert sc.symbols == ["A"]
    assert_state_equal(before, state(sc))


def test_no_bar_seen_needs_now():
    sc = SessionCoordinator(example_config(), data_source=MemorySource({"A": syn61()}))
    assert sc.current_time is None
    with pytest.raises(RequirementError, match="now"):
        sc.load_history("A")


def test_already_registered():
    cfg = example_config()
    bars = syn61()
    sc = SessionCoordinator(cfg, data_source=MemorySource({"A": bars}))
    sc.register_symbol("A")
    sc.on_bar("A", Bar(int(bars.timestamp[0]), *bars.values[0].tolist()))
    before = state(sc)
    with pytest.raises(ValueError, match="A"):
        sc.add_symbol_mid_session("A")
    assert_state_equal(before, state(sc))


# -- peek ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("minutes", [[2], [4], [97], [2, 4, 97, 389]], ids=["09:32", "09:34", "11:07", "several"])
def test_peek_equals_forming_bar_closed_now(minutes):
    # After minute k of day 61, peek(key) equals the batch function over aggregate_bars of
    # history + day up to k: its last bar is the forming bucket, closed at k.
    cfg = example_config()
    bars = syn61()
    open61 = int(bars.timestamp[60 * 390])
    sc = SessionCoordinator(cfg, data_source=MemorySource({"A": bars}))
    hist = sc.load_history("A", now=open61 - 1)
    sc.register_symbol("A", historical_bars={"1m": hist})
    done = 0
    for k in minutes:
        for i in range(done, k + 1):
            j = 60 * 390 + i
            sc.on_bar("A", Bar(int(bars.timestamp[j]), *bars.values[j].tolist()))
        done = k + 1
        upto = cat(hist, sub(bars, slice(60 * 390, 60 * 390 + k + 1)))
        before = state(sc)
        values = {}
        for c in cfg.indicator_configs():
            got = as_row(sc.peek_indicator_value("A", c.key))
            want = batch_last(c, upto)
            assert np.array_equal(got, want, equal_nan=True), (k, c.key, got, want)
            values[c.key] = got
        assert_state_equal(before, state(sc))
        # peeking twice gives the same values
        for c in cfg.indicator_configs():
            assert np.array_equal(as_row(sc.peek_indicator_value("A", c.key)), values[c.key], equal_nan=True)
        # mid-bucket the 5m and 1d values differ from the committed (last closed bar) values
        if (k + 1) % 5:
            assert not np.array_equal(values["ema_20_5m"], as_row(sc.session_data.get_indicator_value("A", "ema_20_5m")))
        # 1m indicators: nothing forming, peek is the current value
        for key in ("ema_9_1m", "rsi_14_1m", "obv_1m"):
            assert np.array_equal(values[key], as_row(sc.session_data.get_indicator_value("A", key)))


def test_peek_ema_hand_reference():
    # ringta.ema over the completed 5m closes with the forming bar's close appended
    import ringta

    cfg = example_config()
    bars = syn61()
    open61 = int(bars.timestamp[60 * 390])
    sc = SessionCoordinator(cfg, data_source=MemorySource({"A": bars}))
    hist = sc.load_history("A", now=open61 - 1)
    sc.register_symbol("A", historical_bars={"1m": hist})
    for i in range(3):  # 09:30, 09:31, 09:32
        j = 60 * 390 + i
        sc.on_bar("A", Bar(int(bars.timestamp[j]), *bars.values[j].tolist()))
    closes = aggregate_bars(*hist, "5m").close
    forming_close = bars.close[60 * 390 + 2]
    want = ringta.ema(np.append(closes, forming_close), 20)[-1]
    assert sc.peek_indicator_value("A", "ema_20_5m") == want
    # the daily SMA(50): the last 49 daily closes and today's forming close
    daily = aggregate_bars(*hist, "1d").close
    want = ringta.sma(np.append(daily, forming_close), 50)[-1]
    assert sc.peek_indicator_value("A", "sma_50_1d") == want
