"""Batch runs (:mod:`ringta.batch`): Parquet output equals a live session bit for bit.

The reference for every output column is a :class:`SessionCoordinator` fed
the same one-minute bars one by one, with the indicator values recorded at
every bar close (per interval) through ``subscribe``. Chunked, multi-process
and Dask runs must equal a single in-memory run exactly; a symbol with bad
data fails alone and leaves no file behind.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from conftest import BARS_DIR, REPO_ROOT, load_bar_file
from ringta import Bar
from ringta.batch import RunSummary, SymbolResult, output_columns, replay, run, run_symbol
from ringta.coordinator import Bars, SessionConfig, SessionCoordinator, aggregate_bars
from ringta.data import CsvSource, MemorySource, generate_minute_bars

EXAMPLE = REPO_ROOT / "examples" / "unified_config_example.json"
SPY_MINUTE = "lean_spy_minute_trade_2013-10-04_2013-10-11.csv"
BTC_MINUTE = "lean_coinbase_btcusd_minute_trade_2016-10-07_2016-10-09.csv"
BAR_COLUMNS = ("timestamp", "open", "high", "low", "close", "volume")

BTC_CONFIG = {
    "session_name": "btc_24x7",
    "streams": ["1m", "5m"],
    "session": "24x7",
    "session_data_config": {"indicators": {
        "session": [
            {"name": "ema", "period": 9, "interval": "1m"},
            {"name": "sma", "period": 20, "interval": "5m"},
            {"name": "rsi", "period": 14, "interval": "5m"},
            {"name": "macd", "interval": "1h", "params": {"fast_period": 3, "slow_period": 6, "signal_period": 2}},
            {"name": "bbands", "period": 5, "interval": "1h", "params": {"num_std": 2.0}},
            {"name": "obv", "interval": "1m"},
        ],
        "historical": [
            {"name": "sma", "period": 2, "interval": "1d"},
            {"name": "ema", "period": 2, "interval": "1d", "params": {"source": "volume"}},
        ],
    }},
}


def example_config(**overrides) -> SessionConfig:
    d = json.loads(EXAMPLE.read_text())
    d.update(overrides)
    return SessionConfig.from_dict(d)


def read_parquet(path) -> dict:
    import pyarrow.parquet as pq

    t = pq.read_table(str(path))
    return {n: t.column(n).to_numpy() for n in t.column_names}


def output_of(summary_or_result, symbol=None) -> dict:
    """interval -> columns, from a result with files on disk or in memory."""
    r = summary_or_result
    if isinstance(r, RunSummary):
        r = next(x for x in r.results if x.symbol == symbol)
    assert r.ok, r.error
    return {iv: (read_parquet(f) if isinstance(f, str) else f) for iv, f in r.files.items()}


def assert_outputs_equal(a: dict, b: dict, what: str = "") -> None:
    assert sorted(a) == sorted(b), f"{what}: intervals {sorted(a)} != {sorted(b)}"
    for iv in a:
        assert list(a[iv]) == list(b[iv]), f"{what} {iv}: columns {list(a[iv])} != {list(b[iv])}"
        for col in a[iv]:
            x, y = np.asarray(a[iv][col]), np.asarray(b[iv][col])
            assert x.dtype == y.dtype, f"{what} {iv} {col}: dtype {x.dtype} != {y.dtype}"
            assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), f"{what} {iv} {col} differs"


def stream_columns(cfg: SessionConfig, symbol: str, bars: Bars) -> dict:
    """interval -> columns recorded from a SessionCoordinator fed ``bars`` one by one."""
    sc = SessionCoordinator(cfg)
    sc.register_symbol(symbol)
    configs = cfg.indicator_configs()
    rows: dict[str, list] = {iv: [] for iv in cfg.intervals()}

    def on_bar(sym, interval, bar, view):
        assert sym == symbol
        rows[interval].append((bar, dict(view)))
        # the view holds what get_indicator_value returns right now
        for k, v in view.items():
            got = sc.session_data.get_indicator_value(symbol, k)
            assert np.array_equal(np.asarray(got, float), np.asarray(v, float), equal_nan=True)

    sc.subscribe(on_bar)
    for i in range(bars.n):
        sc.on_bar(symbol, Bar(int(bars.timestamp[i]), bars.open[i], bars.high[i], bars.low[i],
                              bars.close[i], bars.volume[i]))
    sc.end_session()
    out = {}
    for iv, recs in rows.items():
        cols = {"timestamp": np.array([b.timestamp for b, _ in recs], dtype=np.int64)}
        for j, f in enumerate(BAR_COLUMNS[1:]):
            cols[f] = np.array([b[j + 1] for b, _ in recs], dtype=np.float64)
        for c in configs:
            if c.interval != iv:
                continue
            names = output_columns(c)
            vals = np.array([list(v[c.key]) if len(names) > 1 else [v[c.key]] for _, v in recs],
                            dtype=np.float64).reshape(len(recs), len(names))
            for j, name in enumerate(names):
                cols[name] = vals[:, j].copy()
        out[iv] = cols
    return out


def assert_batch_equals_stream(batch_out: dict, stream_out: dict, cfg: SessionConfig) -> None:
    assert sorted(batch_out) == sorted(cfg.intervals())
    for iv in cfg.intervals():
        b, s = batch_out[iv], stream_out[iv]
        expected_cols = ["timestamp", *BAR_COLUMNS[1:]]
        for c in cfg.indicator_configs():
            if c.interval == iv:
                expected_cols += output_columns(c)
        assert list(b) == expected_cols, f"{iv}: columns {list(b)}"
        assert b["timestamp"].size == s["timestamp"].size > 0, f"{iv}: {b['timestamp'].size} rows vs {s['timestamp'].size}"
        for col in expected_cols:
            assert np.array_equal(b[col], s[col], equal_nan=True), f"{iv} {col}: batch differs from streaming"


def synthetic_source(n_symbols=2, days=20) -> MemorySource:
    return MemorySource({f"S{i}": generate_minute_bars(days=days, seed=100 + i, price=30.0 * (i + 1))
                         for i in range(n_symbols)})


# ---------------------------------------------------------------------------
# Real minute files: batch Parquet == live session, bit for bit
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name,symbol,config", [
    (SPY_MINUTE, "SPY", "example"),
    (BTC_MINUTE, "BTCUSD", "btc"),
], ids=["spy_us_equity", "btc_24x7"])
def test_run_real_minute_files_equals_streaming(tmp_path, name, symbol, config):
    raw = load_bar_file(name)  # skips when ../shared/data is absent
    cfg = example_config() if config == "example" else SessionConfig.from_dict(BTC_CONFIG)
    source = CsvSource(files={symbol: BARS_DIR / name}, session=cfg.session)
    bars = source.load_bars(symbol, "1m")
    assert bars.n == raw["close"].size
    summary = run(cfg, source, tmp_path, symbols=[symbol], quiet=True)
    assert summary.ok, summary.describe()
    r = summary.results[0]
    assert r.symbol == symbol and r.bars == bars.n
    for iv in cfg.intervals():
        assert r.files[iv] == str(tmp_path / symbol / f"{iv}.parquet")
        assert (tmp_path / symbol / f"{iv}.parquet").is_file()
    assert not list(tmp_path.rglob("*.tmp"))
    batch_out = output_of(summary, symbol)
    assert_batch_equals_stream(batch_out, stream_columns(cfg, symbol, bars), cfg)
    # some value of every indicator is finite by the end of the file
    for c in cfg.indicator_configs():
        if c.interval == "1d" and config == "example":
            continue  # a week of SPY is too short for 20-50 day indicators
        for col in output_columns(c):
            assert np.isfinite(batch_out[c.interval][col]).any(), col


def test_run_synthetic_equals_streaming_memory_light():
    """out=None returns the columns in result.files; they equal a live session."""
    cfg = example_config()
    src = synthetic_source(1, days=55)
    summary = run(cfg, src, None, quiet=True)
    assert summary.ok and [r.symbol for r in summary.results] == ["S0"]
    files = summary.results[0].files
    assert sorted(files) == sorted(cfg.intervals())
    assert all(isinstance(cols, dict) and isinstance(cols["close"], np.ndarray) for cols in files.values())
    assert_batch_equals_stream(files, stream_columns(cfg, "S0", src.load_bars("S0")), cfg)
    # 55 days are enough for every indicator, including the 50-day SMA
    for c in cfg.indicator_configs():
        for col in output_columns(c):
            assert np.isfinite(files[c.interval][col][-1]), col


# ---------------------------------------------------------------------------
# Chunking, workers, Dask: all equal a single in-memory run exactly
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def spy_source():
    load_bar_file(SPY_MINUTE)
    return CsvSource(files={"SPY": BARS_DIR / SPY_MINUTE})


@pytest.mark.parametrize("chunk", [7, 1])
def test_chunked_run_equals_single_chunk(tmp_path, spy_source, chunk):
    cfg = example_config()
    one = run(cfg, spy_source, tmp_path / "one", symbols=["SPY"], quiet=True)
    many = run(cfg, spy_source, tmp_path / f"chunk{chunk}", symbols=["SPY"], chunk=chunk, quiet=True)
    assert one.ok and many.ok
    assert one.bars == many.bars > 0
    assert_outputs_equal(output_of(one, "SPY"), output_of(many, "SPY"), f"chunk={chunk}")
    # the in-memory result equals the files too
    mem = run(cfg, spy_source, None, symbols=["SPY"], chunk=chunk, quiet=True)
    assert_outputs_equal(output_of(one, "SPY"), output_of(mem, "SPY"), f"chunk={chunk} in memory")


def test_chunked_run_synthetic_many_days(tmp_path):
    cfg = example_config()
    src = synthetic_source(1, days=55)
    one = run(cfg, src, tmp_path / "one", quiet=True)
    many = run(cfg, src, tmp_path / "many", chunk=7, quiet=True)
    assert_outputs_equal(output_of(one, "S0"), output_of(many, "S0"), "chunk=7")


def test_memory_light_equals_parquet(tmp_path):
    cfg = example_config()
    src = synthetic_source(2, days=8)
    disk = run(cfg, src, tmp_path, quiet=True)
    mem = run(cfg, src, None, quiet=True)
    assert disk.ok and mem.ok
    assert not any(tmp_path.rglob("*.tmp"))
    for s in ("S0", "S1"):
        assert_outputs_equal(output_of(disk, s), output_of(mem, s), s)
    # nothing is written with out=None
    assert all(isinstance(v, dict) for r in mem.results for v in r.files.values())


def test_workers_equal_single_process(tmp_path):
    cfg = example_config()
    src = synthetic_source(3, days=8)
    one = run(cfg, src, tmp_path / "w1", workers=1, quiet=True)
    two = run(cfg, src, tmp_path / "w2", workers=2, quiet=True)
    assert one.ok and two.ok
    assert [r.symbol for r in two.results] == ["S0", "S1", "S2"]
    for s in ("S0", "S1", "S2"):
        assert_outputs_equal(output_of(one, s), output_of(two, s), f"workers=2 {s}")


def test_dask_local_cluster_equals_local_run(tmp_path):
    pytest.importorskip("distributed")
    cfg = example_config()
    src = synthetic_source(2, days=8)
    local = run(cfg, src, tmp_path / "local", quiet=True)
    dask = run(cfg, src, tmp_path / "dask", scheduler="local", quiet=True)
    assert local.ok and dask.ok, dask.describe()
    assert [r.symbol for r in dask.results] == ["S0", "S1"]
    for s in ("S0", "S1"):
        assert_outputs_equal(output_of(local, s), output_of(dask, s), f"dask {s}")


# ---------------------------------------------------------------------------
# Bad data: one symbol fails alone, nothing partial is left
# ---------------------------------------------------------------------------

def write_csv(path, bars: Bars, bad_row: int | None = None) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(BAR_COLUMNS)
        for i in range(bars.n):
            row = [int(bars.timestamp[i])] + [repr(float(c[i])) for c in list(bars)[1:]]
            if i == bad_row:
                row[4] = "not-a-number"
            w.writerow(row)


def assert_nothing_for(out, symbol):
    left = [p for p in (out / symbol).rglob("*") if p.is_file()] if (out / symbol).exists() else []
    assert left == [], f"files left for failed {symbol}: {left}"


def test_unparsable_csv_row_fails_that_symbol_only(tmp_path):
    cfg = example_config()
    data = tmp_path / "data"
    data.mkdir()
    write_csv(data / "GOOD.csv", generate_minute_bars(days=2, seed=1))
    write_csv(data / "BAD.csv", generate_minute_bars(days=2, seed=2), bad_row=500)
    out = tmp_path / "out"
    summary = run(cfg, CsvSource(data), out, quiet=True)
    assert [r.symbol for r in summary.results] == ["BAD", "GOOD"]
    assert not summary.ok
    bad, good = summary.results
    assert [r.symbol for r in summary.failed] == ["BAD"]
    assert good.ok and good.bars == 780
    assert bad.error is not None
    assert "BAD.csv" in bad.error and "line 502" in bad.error and "not-a-number" in bad.error, bad.error
    assert bad.files == {}
    for iv in cfg.intervals():
        assert (out / "GOOD" / f"{iv}.parquet").is_file()
    assert_nothing_for(out, "BAD")
    assert not list(out.rglob("*.tmp"))
    assert "FAILED BAD" in summary.describe()


@pytest.mark.parametrize("workers", [1, 2])
def test_high_below_low_fails_alone_after_partial_writes(tmp_path, workers):
    """The bad bar comes after several chunks were written: the .tmp files are removed."""
    cfg = example_config()  # bad_bar_policy "raise"
    good = generate_minute_bars(days=3, seed=3)
    b = generate_minute_bars(days=3, seed=4)
    k = 1000
    high, low = b.high.copy(), b.low.copy()
    high[k], low[k] = low[k] - 1.0, high[k] + 1.0
    bad = Bars(b.timestamp, b.open, high, low, b.close, b.volume)
    src = MemorySource({"AAA": good, "BAD": bad, "ZZZ": good})
    out = tmp_path / "out"
    summary = run(cfg, src, out, chunk=200, workers=workers, quiet=True)
    assert not summary.ok
    assert [r.symbol for r in summary.failed] == ["BAD"]
    err = summary.failed[0].error
    assert err.startswith("BarError:") and "BAD" in err and "high=" in err, err
    for s in ("AAA", "ZZZ"):
        for iv in cfg.intervals():
            assert (out / s / f"{iv}.parquet").is_file()
    assert_nothing_for(out, "BAD")
    assert not list(out.rglob("*.tmp"))
    # the good symbols' output is unaffected by the failure
    ref = run(cfg, MemorySource({"AAA": good}), None, quiet=True)
    assert_outputs_equal(output_of(summary, "AAA"), output_of(ref, "AAA"), "AAA")


def test_run_symbol_failure_in_memory():
    cfg = example_config()
    b = generate_minute_bars(days=1, seed=5)
    vol = b.volume.copy()
    vol[10] = -1.0
    r = run_symbol(cfg, MemorySource({"X": Bars(b.timestamp, b.open, b.high, b.low, b.close, vol)}), "X", None)
    assert isinstance(r, SymbolResult) and not r.ok
    assert "volume" in r.error and "negative" in r.error, r.error
    assert r.files == {}


def test_unknown_symbol_fails_alone(tmp_path):
    cfg = example_config()
    src = synthetic_source(1, days=2)
    summary = run(cfg, src, tmp_path, symbols=["S0", "NOPE"], quiet=True)
    assert [r.symbol for r in summary.failed] == ["NOPE"]
    assert "NOPE" in summary.failed[0].error
    assert (tmp_path / "S0" / "1m.parquet").is_file()
    assert_nothing_for(tmp_path, "NOPE")


def skip_config() -> SessionConfig:
    return example_config(bad_bar_policy="skip")


def drop(bars: Bars, idx) -> Bars:
    keep = np.ones(bars.n, bool)
    keep[list(idx)] = False
    return Bars(*(np.ascontiguousarray(c[keep]) for c in bars))


@pytest.mark.parametrize("chunk", [1_000_000, 250])
def test_skip_policy_drops_bad_bar(tmp_path, chunk):
    cfg = skip_config()
    b = generate_minute_bars(days=3, seed=6)
    k = 777
    high = b.high.copy()
    high[k] = min(b.open[k], b.close[k]) - 0.5  # high below max(open, close)
    close = b.close.copy()
    close[k + 100] = np.nan
    bad = Bars(b.timestamp, b.open, high, b.low, close, b.volume)
    s_bad = run(cfg, MemorySource({"X": bad}), tmp_path / "bad", chunk=chunk, quiet=True)
    s_clean = run(cfg, MemorySource({"X": drop(b, [k, k + 100])}), tmp_path / "clean", chunk=chunk, quiet=True)
    assert s_bad.ok, s_bad.describe()
    assert s_bad.bars == s_clean.bars == b.n - 2
    assert_outputs_equal(output_of(s_bad, "X"), output_of(s_clean, "X"), "skip")


def test_skip_policy_out_of_order_timestamps_equal_streaming():
    """A bar stamped in the future makes the following older bars out of order.

    Under ``skip`` the batch run must drop exactly the bars the live
    coordinator drops (every bar not after the last *accepted* one), so its
    output equals a session fed the same bars under the same policy.
    """
    cfg = skip_config()
    b = generate_minute_bars(days=2, seed=8)
    k = 200
    ts = b.timestamp.copy()
    ts[k] = ts[k + 3]  # bars k+1 .. k+3 are now not after bar k
    bad = Bars(ts, *list(b)[1:])
    expected_kept = drop(bad, [k + 1, k + 2, k + 3])
    assert np.all(np.diff(expected_kept.timestamp) > 0)

    streamed = stream_columns(cfg, "X", bad)
    clean = run(cfg, MemorySource({"X": expected_kept}), None, quiet=True)
    assert_batch_equals_stream(output_of(clean, "X"), streamed, cfg)  # reference is consistent

    r = run_symbol(cfg, MemorySource({"X": bad}), "X", None)
    assert r.ok, r.error
    assert r.bars == expected_kept.n, f"batch kept {r.bars} bars, the live session keeps {expected_kept.n}"
    assert_batch_equals_stream(r.files, streamed, cfg)


# ---------------------------------------------------------------------------
# replay: the integration guide's test_full_backtest_with_indicators
# ---------------------------------------------------------------------------

class RecordingStrategy:
    """The guide's AnalysisEngine: sees every bar close with the indicators of its interval."""

    def __init__(self):
        self.keys: dict[tuple[str, str], set] = {}
        self.last: dict[tuple[str, str], tuple] = {}
        self.calls = 0

    def on_bar(self, symbol, interval, bar, indicators):
        self.calls += 1
        self.keys.setdefault((symbol, interval), set()).update(indicators)
        self.last[(symbol, interval)] = (bar, dict(indicators))


def test_full_backtest_with_indicators():
    cfg = SessionConfig.from_file(EXAMPLE)
    bars = {"AAA": generate_minute_bars(days=60, seed=21, price=40.0),
            "BBB": generate_minute_bars(days=60, seed=22, price=250.0)}
    source = MemorySource(bars)
    strategy = RecordingStrategy()
    sc = replay(EXAMPLE, source, strategy)
    assert isinstance(sc, SessionCoordinator)
    assert sorted(sc.symbols) == ["AAA", "BBB"]
    configs = cfg.indicator_configs()
    assert len(configs) == 11

    for s, b in bars.items():
        # every configured indicator is computed and ready by the end
        for c in configs:
            assert sc.session_data.is_indicator_ready(s, c.key), f"{s} {c.key} not ready"
        for iv in cfg.intervals():
            wanted = {c.key for c in configs if c.interval == iv}
            assert strategy.keys[(s, iv)] == wanted, f"{s} {iv}: strategy saw {strategy.keys[(s, iv)]}"
            agg = aggregate_bars(*b, iv, cfg.session)
            bar, view = strategy.last[(s, iv)]
            assert bar.timestamp == int(agg.timestamp[-1])
            assert (bar.open, bar.high, bar.low, bar.close, bar.volume) == (
                agg.open[-1], agg.high[-1], agg.low[-1], agg.close[-1], agg.volume[-1])
            for c in configs:
                if c.interval != iv:
                    continue
                spec = c.spec
                ins = [getattr(agg, c.source)] if len(spec.inputs) == 1 else [getattr(agg, n) for n in spec.inputs]
                res = spec.batch(*ins, **c.resolved_params)
                expected = [r[-1] for r in res] if isinstance(res, tuple) else [res[-1]]
                got = list(view[c.key]) if isinstance(view[c.key], tuple) else [view[c.key]]
                assert np.isfinite(got).all(), f"{s} {c.key}: {got}"
                assert np.array_equal(got, expected), f"{s} {c.key}: saw {got}, batch {expected}"
                assert np.array_equal(
                    np.atleast_1d(np.asarray(sc.session_data.get_indicator_value(s, c.key), float)), np.asarray(expected))
    # one call per closed bar of every interval and symbol
    n_calls = sum(aggregate_bars(*b, iv, cfg.session).timestamp.size for b in bars.values() for iv in cfg.intervals())
    assert strategy.calls == n_calls


def test_replay_matches_batch_run():
    """The values a backtest sees at each close are the batch run's rows."""
    cfg = example_config()
    src = synthetic_source(2, days=3)
    seen: dict[tuple[str, str], list] = {}

    class S:
        def on_bar(self, symbol, interval, bar, indicators):
            seen.setdefault((symbol, interval), []).append((bar.timestamp, dict(indicators)))

    replay(cfg, src, S())
    summary = run(cfg, src, None, quiet=True)
    for s in ("S0", "S1"):
        out = output_of(summary, s)
        for iv in cfg.intervals():
            recs = seen[(s, iv)]
            assert np.array_equal(out[iv]["timestamp"], [t for t, _ in recs])
            for c in cfg.indicator_configs():
                if c.interval != iv:
                    continue
                for j, name in enumerate(output_columns(c)):
                    col = np.array([(v[c.key][j] if len(c.outputs) > 1 else v[c.key]) for _, v in recs])
                    assert np.array_equal(out[iv][name], col, equal_nan=True), f"{s} {iv} {name}"


def test_run_needs_symbols():
    cfg = example_config()

    class NoSymbols:
        intervals = ("1m",)

        def load_bars(self, symbol, interval, start=None, end=None):
            raise AssertionError("not called")

    with pytest.raises(ValueError, match="no symbols"):
        run(cfg, NoSymbols(), None)


def test_run_accepts_config_path_and_start_end(tmp_path):
    src = synthetic_source(1, days=3)
    b = src.load_bars("S0")
    start, end = int(b.timestamp[390]), int(b.timestamp[780])
    summary = run(str(EXAMPLE), src, None, start=start, end=end, quiet=True)
    assert summary.ok and summary.bars == 390
    ref = run(example_config(), MemorySource({"S0": Bars(*(c[390:780] for c in b))}), None, quiet=True)
    assert_outputs_equal(output_of(summary, "S0"), output_of(ref, "S0"), "start/end")
