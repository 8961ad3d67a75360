"""Bar sources: CSV files of ../shared/data, memory and Parquet.

Expected values come from the file text, parsed independently here with the
csv module and ``datetime.fromisoformat``, or are written out by hand.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timezone

import numpy as np
import pytest

from conftest import BARS_DIR, load_bar_file
from ringta.coordinator import Bars
from ringta.data import (
    BarSource,
    CsvSource,
    MemorySource,
    ParquetSource,
    SourceError,
    generate_minute_bars,
    read_csv_bars,
    write_parquet_bars,
)

SPY_MINUTE = "lean_spy_minute_trade_2013-10-04_2013-10-11.csv"
BTC_MINUTE = "lean_coinbase_btcusd_minute_trade_2016-10-07_2016-10-09.csv"
SPY_DAILY = "lean_spy_daily_trade_1998-2021.csv"

NS = 1_000_000_000


def utc_ns(y, mo, d, h=0, mi=0) -> int:
    return int(datetime(y, mo, d, h, mi, tzinfo=timezone.utc).timestamp()) * NS


def parse_file(name: str):
    """(header, timestamps ns or None, values (n, 5) of the text) parsed with the csv module."""
    load_bar_file(name)  # skips when the shared folder or the file is absent
    with (BARS_DIR / name).open(newline="") as fh:
        rows = list(csv.reader(fh))
    header, rows = rows[0], [r for r in rows[1:] if r]
    vals = np.array([[float(x) for x in r[1:6]] for r in rows])
    if header[0] == "timestamp":
        ts = np.array([int(datetime.fromisoformat(r[0]).timestamp()) * NS for r in rows], dtype=np.int64)
    else:
        ts = None
    return header, [r[0] for r in rows], ts, vals


def assert_bars_equal(got: Bars, ts, vals):
    np.testing.assert_array_equal(got.timestamp, ts)
    assert got.timestamp.dtype == np.int64
    for k, f in enumerate(Bars._fields[1:]):
        np.testing.assert_array_equal(getattr(got, f), vals[:, k], err_msg=f)


def test_csv_spy_minute_new_york_offsets():
    header, text, ts, vals = parse_file(SPY_MINUTE)
    src = CsvSource(files={"SPY": BARS_DIR / SPY_MINUTE})
    assert isinstance(src, BarSource)
    assert src.symbols == ["SPY"] and src.intervals == ("1m",)
    bars = src.load_bars("SPY", "1m")
    assert bars.n == 4839 == len(text)
    assert_bars_equal(bars, ts, vals)
    # first row "2013-10-04 04:06:00-04:00,167.6500,...,20000": 08:06 UTC
    assert text[0] == "2013-10-04 04:06:00-04:00"
    assert int(bars.timestamp[0]) == utc_ns(2013, 10, 4, 8, 6)
    assert (bars.open[0], bars.close[0], bars.volume[0]) == (167.65, 167.65, 20000.0)
    # last row "2013-10-11 19:59:00-04:00,170.4100,...,525": 23:59 UTC
    assert int(bars.timestamp[-1]) == utc_ns(2013, 10, 11, 23, 59)
    assert (bars.close[-1], bars.volume[-1]) == (170.41, 525.0)
    # the regular session is complete: 390 bars on each of the 6 days
    day = utc_ns(2013, 10, 7, 13, 30)  # 2013-10-07 09:30 EDT
    i = int(np.searchsorted(bars.timestamp, day))
    assert text[i] == "2013-10-07 09:30:00-04:00"
    assert bars.timestamp[i + 389] - bars.timestamp[i] == 389 * 60 * NS


def test_csv_btc_minute_utc():
    header, text, ts, vals = parse_file(BTC_MINUTE)
    src = CsvSource(files={"BTC": BARS_DIR / BTC_MINUTE}, session="24x7")
    bars = src.load_bars("BTC")
    assert bars.n == 4216
    assert_bars_equal(bars, ts, vals)
    # "2016-10-07 00:00:00+00:00,611.78,611.91,611.78,611.9,1.13872"
    assert int(bars.timestamp[0]) == utc_ns(2016, 10, 7)
    assert bars.values[0].tolist() == [611.78, 611.91, 611.78, 611.9, 1.13872]
    # "2016-10-09 23:59:00+00:00,617.43,617.43,617.42,617.42,0.92846"
    assert int(bars.timestamp[-1]) == utc_ns(2016, 10, 9, 23, 59)
    assert bars.values[-1].tolist() == [617.43, 617.43, 617.42, 617.42, 0.92846]
    # 4320 minutes in 3 days, 104 without a bar
    assert 3 * 1440 - bars.n == 104


def test_csv_spy_daily_labelled_by_new_york_open():
    header, text, _, vals = parse_file(SPY_DAILY)
    assert header[0] == "date"
    src = CsvSource(files={"SPY": BARS_DIR / SPY_DAILY}, interval="1d")
    assert src.intervals == ("1d",)
    bars = src.load_bars("SPY", "1d")
    assert bars.n == 5849 == len(text)
    for k, f in enumerate(Bars._fields[1:]):
        np.testing.assert_array_equal(getattr(bars, f), vals[:, k], err_msg=f)
    # 1998-01-02 (EST, -05:00): 09:30 New York = 14:30 UTC
    assert int(bars.timestamp[0]) == utc_ns(1998, 1, 2, 14, 30)
    assert bars.values[0].tolist() == [97.31, 97.53, 96.53, 97.36, 2150000.0]
    # 2021-03-31 (EDT since 2021-03-14, -04:00): 13:30 UTC
    assert int(bars.timestamp[-1]) == utc_ns(2021, 3, 31, 13, 30)
    assert bars.values[-1].tolist() == [395.35, 398.0, 395.33, 396.33, 90673494.0]
    # 2013-10-04 (EDT) and 2013-12-02 (EST)
    i = text.index("2013-10-04")
    assert int(bars.timestamp[i]) == utc_ns(2013, 10, 4, 13, 30)
    i = text.index("2013-12-02")
    assert int(bars.timestamp[i]) == utc_ns(2013, 12, 2, 14, 30)
    assert (np.diff(bars.timestamp) > 0).all()


def test_csv_directory_layout(tmp_path):
    header, text, ts, vals = parse_file(SPY_MINUTE)
    (tmp_path / "SPY.csv").write_bytes((BARS_DIR / SPY_MINUTE).read_bytes())
    src = CsvSource(tmp_path)
    assert src.symbols == ["SPY"]
    assert_bars_equal(src.load_bars("SPY"), ts, vals)
    assert_bars_equal(read_csv_bars(tmp_path / "SPY.csv"), ts, vals)


def test_csv_start_end_slicing():
    _, text, ts, vals = parse_file(SPY_MINUTE)
    src = CsvSource(files={"SPY": BARS_DIR / SPY_MINUTE})
    # 2013-10-07 regular session: start inclusive, end exclusive -> exactly 390 bars
    got = src.load_bars("SPY", "1m", start="2013-10-07T09:30:00-04:00", end="2013-10-07T16:00:00-04:00")
    assert got.n == 390
    lo, hi = utc_ns(2013, 10, 7, 13, 30), utc_ns(2013, 10, 7, 20, 0)
    keep = (ts >= lo) & (ts < hi)
    assert_bars_equal(got, ts[keep], vals[keep])
    assert int(got.timestamp[0]) == lo and int(got.timestamp[-1]) == hi - 60 * NS
    # a bar exactly at `end` is excluded, one exactly at `start` included (int ns bounds)
    t0, t1 = int(ts[100]), int(ts[200])
    got = src.load_bars("SPY", start=t0, end=t1)
    assert got.n == 100 and int(got.timestamp[0]) == t0 and int(got.timestamp[-1]) == int(ts[199])
    # aware datetimes, open-ended bounds
    got = src.load_bars("SPY", start=datetime(2013, 10, 11, 23, 0, tzinfo=timezone.utc))
    assert_bars_equal(got, ts[ts >= utc_ns(2013, 10, 11, 23)], vals[ts >= utc_ns(2013, 10, 11, 23)])
    got = src.load_bars("SPY", end=datetime(2013, 10, 4, 13, 30, tzinfo=timezone.utc))
    assert got.n == int((ts < utc_ns(2013, 10, 4, 13, 30)).sum()) > 0
    # a date is midnight UTC; a naive string is UTC
    got = src.load_bars("SPY", start=date(2013, 10, 8), end="2013-10-09T00:00:00")
    keep = (ts >= utc_ns(2013, 10, 8)) & (ts < utc_ns(2013, 10, 9))
    assert_bars_equal(got, ts[keep], vals[keep])
    # empty range
    assert src.load_bars("SPY", start=t1, end=t0).n == 0
    assert src.load_bars("SPY", start="2030-01-01T00:00:00+00:00").n == 0


def test_memory_source():
    bars = generate_minute_bars(days=2, seed=1)
    src = MemorySource({"B": bars, "A": {"timestamp": bars.timestamp, "open": bars.open, "high": bars.high,
                                          "low": bars.low, "close": bars.close, "volume": bars.volume}})
    assert isinstance(src, BarSource)
    assert src.symbols == ["A", "B"] and src.intervals == ("1m",)
    for s in ("A", "B"):
        got = src.load_bars(s, "1m")
        assert got.n == 780
        for f in Bars._fields:
            np.testing.assert_array_equal(getattr(got, f), getattr(bars, f), err_msg=f)
    t = bars.timestamp
    got = src.load_bars("A", start=int(t[10]), end=int(t[400]))
    assert got.n == 390
    np.testing.assert_array_equal(got.timestamp, t[10:400])
    np.testing.assert_array_equal(got.close, bars.close[10:400])
    # the slice is a copy: changing it leaves the source alone
    got.close[0] = -1.0
    assert src.load_bars("A").close[10] == bars.close[10]
    # a source of daily bars
    daily = MemorySource({"D": bars}, interval="1d")
    assert daily.load_bars("D", "1d").n == 780
    with pytest.raises(SourceError, match="'1m'"):
        daily.load_bars("D", "1m")


def test_memory_source_errors():
    bars = generate_minute_bars(days=1, seed=1)
    src = MemorySource({"AAA": bars, "BBB": bars})
    with pytest.raises(SourceError) as ei:
        src.load_bars("ZZZ")
    msg = str(ei.value)
    assert "'ZZZ'" in msg and "AAA" in msg and "BBB" in msg
    assert isinstance(ei.value, LookupError)
    with pytest.raises(SourceError, match="'5m'"):
        src.load_bars("AAA", "5m")
    with pytest.raises(ValueError, match="'2m'"):
        src.load_bars("AAA", "2m")


def test_csv_source_errors(tmp_path):
    src = CsvSource(files={"SPY": BARS_DIR / SPY_MINUTE, "QQQ": tmp_path / "QQQ.csv"})
    with pytest.raises(SourceError) as ei:
        src.load_bars("ZZZ")
    assert "'ZZZ'" in str(ei.value) and "SPY" in str(ei.value) and "QQQ" in str(ei.value)
    with pytest.raises(SourceError, match="'5m'"):
        src.load_bars("SPY", "5m")
    # a listed file that does not exist
    with pytest.raises(SourceError, match="QQQ.csv"):
        src.load_bars("QQQ")
    # no CSV for the symbol in the directory
    with pytest.raises(SourceError, match="'NOPE'"):
        CsvSource(tmp_path).load_bars("NOPE")


def test_csv_bad_header(tmp_path):
    p = tmp_path / "BAD.csv"
    p.write_text("time,open,high,low,close\n2024-01-02T09:30:00-05:00,1,1,1,1\n")
    with pytest.raises(SourceError) as ei:
        CsvSource(files={"BAD": p}).load_bars("BAD")
    assert "BAD.csv" in str(ei.value) and "header" in str(ei.value)
    e = tmp_path / "EMPTY.csv"
    e.write_text("")
    with pytest.raises(SourceError, match="EMPTY.csv"):
        read_csv_bars(e)


@pytest.mark.parametrize("row,line_no", [
    ("2024-01-02T09:32:00-05:00,1.0,abc,1.0,1.0,10", 4),  # bad number
    ("2024-01-02T09:32:00-05:00,1.0,1.0,1.0", 4),  # short row
    ("2024-01-02T09:32:00,1.0,1.0,1.0,1.0,10", 4),  # no UTC offset
    ("not-a-time,1.0,1.0,1.0,1.0,10", 4),
])
def test_csv_bad_row_names_file_and_line(tmp_path, row, line_no):
    p = tmp_path / "ROW.csv"
    p.write_text("timestamp,open,high,low,close,volume\n"
                 "2024-01-02T09:30:00-05:00,1.0,1.0,1.0,1.0,10\n"
                 "2024-01-02T09:31:00-05:00,1.0,1.0,1.0,1.0,10\n"
                 + row + "\n")
    with pytest.raises(SourceError) as ei:
        CsvSource(files={"ROW": p}).load_bars("ROW")
    msg = str(ei.value)
    assert "ROW.csv" in msg and f"line {line_no}" in msg, msg


def test_csv_integer_ns_timestamps_and_extra_columns(tmp_path):
    p = tmp_path / "X.csv"
    t0 = utc_ns(2024, 1, 2, 14, 30)
    p.write_text("timestamp,open,high,low,close,volume,open_interest\n"
                 f"{t0},1.5,2.0,1.0,1.75,100,7\n{t0 + 60 * NS},1.75,1.8,1.7,1.8,0,7\n")
    got = read_csv_bars(p)
    assert got.timestamp.tolist() == [t0, t0 + 60 * NS]
    assert got.values.tolist() == [[1.5, 2.0, 1.0, 1.75, 100.0], [1.75, 1.8, 1.7, 1.8, 0.0]]


# -- Parquet -----------------------------------------------------------------------------------

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def spy_or_synthetic():
    try:
        _, _, ts, vals = parse_file(SPY_MINUTE)
        return Bars(ts, *(np.ascontiguousarray(vals[:, k]) for k in range(5)))
    except pytest.skip.Exception:
        return generate_minute_bars(days=3, seed=2)


def test_parquet_round_trip(tmp_path):
    bars = generate_minute_bars(days=3, seed=2)
    write_parquet_bars(tmp_path / "SYN.parquet", bars)
    src = ParquetSource(tmp_path)
    assert isinstance(src, BarSource)
    assert src.symbols == ["SYN"]
    got = src.load_bars("SYN", "1m")
    for f in Bars._fields:
        np.testing.assert_array_equal(getattr(got, f), getattr(bars, f), err_msg=f)
        assert getattr(got, f).dtype == getattr(bars, f).dtype
    t = bars.timestamp
    got = src.load_bars("SYN", start=int(t[5]), end=int(t[395]))
    np.testing.assert_array_equal(got.timestamp, t[5:395])
    np.testing.assert_array_equal(got.values, bars.values[5:395])
    got = src.load_bars("SYN", start=int(t[5]) + 1)
    np.testing.assert_array_equal(got.timestamp, t[6:])
    got = src.load_bars("SYN", end=int(t[0]))
    assert got.n == 0


def test_parquet_round_trip_real_csv_and_same_slices(tmp_path):
    bars = spy_or_synthetic()
    write_parquet_bars(tmp_path / "SPY.parquet", bars)
    pqs = ParquetSource(tmp_path)
    mem = MemorySource({"SPY": bars})
    got = pqs.load_bars("SPY")
    for f in Bars._fields:
        np.testing.assert_array_equal(getattr(got, f), getattr(bars, f), err_msg=f)
    t = bars.timestamp
    for lo, hi in ((t[0], t[-1]), (t[17], t[1234]), (None, t[50]), (t[-50], None), (t[10] + 1, t[20] - 1)):
        a = pqs.load_bars("SPY", start=None if lo is None else int(lo), end=None if hi is None else int(hi))
        b = mem.load_bars("SPY", start=None if lo is None else int(lo), end=None if hi is None else int(hi))
        keep = np.ones(t.size, bool)
        if lo is not None:
            keep &= t >= lo
        if hi is not None:
            keep &= t < hi
        np.testing.assert_array_equal(a.timestamp, t[keep])
        np.testing.assert_array_equal(a.values, bars.values[keep])
        np.testing.assert_array_equal(b.values, bars.values[keep])


def test_parquet_unsorted_rows_are_sorted(tmp_path):
    bars = generate_minute_bars(days=1, seed=2)
    perm = np.random.default_rng(0).permutation(bars.n)
    shuffled = Bars(*(np.ascontiguousarray(c[perm]) for c in bars))
    pq.write_table(pa.table({f: getattr(shuffled, f) for f in Bars._fields}), tmp_path / "S.parquet")
    got = ParquetSource(tmp_path).load_bars("S")
    np.testing.assert_array_equal(got.timestamp, bars.timestamp)
    np.testing.assert_array_equal(got.values, bars.values)


def _write_ts_typed(path, bars: Bars, unit: str, tz):
    ts = pa.array(bars.timestamp, pa.int64()).cast(pa.timestamp("ns", tz=tz)).cast(pa.timestamp(unit, tz=tz))
    pq.write_table(pa.table({"timestamp": ts, **{f: getattr(bars, f) for f in Bars._fields[1:]}}), path)


@pytest.mark.parametrize("tz", ["UTC", None])
def test_parquet_timestamp_type_ns(tmp_path, tz):
    bars = generate_minute_bars(days=2, seed=2)
    _write_ts_typed(tmp_path / "T.parquet", bars, "ns", tz)
    src = ParquetSource(tmp_path)
    got = src.load_bars("T")
    np.testing.assert_array_equal(got.timestamp, bars.timestamp)
    np.testing.assert_array_equal(got.values, bars.values)
    t = bars.timestamp
    got = src.load_bars("T", start=int(t[10]), end=int(t[20]))
    np.testing.assert_array_equal(got.timestamp, t[10:20])


@pytest.mark.parametrize("unit", ["us", "ms", "s"])
def test_parquet_timestamp_type_coarser_units(tmp_path, unit):
    # Minute bars are exact in any unit down to seconds. Reading the whole
    # file works; the start/end filters must compare in the column's unit.
    bars = generate_minute_bars(days=2, seed=2)
    _write_ts_typed(tmp_path / "T.parquet", bars, unit, "UTC")
    src = ParquetSource(tmp_path)
    got = src.load_bars("T")
    np.testing.assert_array_equal(got.timestamp, bars.timestamp)
    t = bars.timestamp
    got = src.load_bars("T", start=int(t[10]), end=int(t[20]))
    np.testing.assert_array_equal(got.timestamp, t[10:20])


def test_parquet_errors(tmp_path):
    write_parquet_bars(tmp_path / "AAA.parquet", generate_minute_bars(days=1))
    src = ParquetSource(tmp_path)
    with pytest.raises(SourceError) as ei:
        src.load_bars("ZZZ")
    assert "'ZZZ'" in str(ei.value) and "AAA" in str(ei.value)
    with pytest.raises(SourceError, match="'1h'"):
        src.load_bars("AAA", "1h")
    # a file without the timestamp column
    pq.write_table(pa.table({"open": [1.0]}), tmp_path / "NOTS.parquet")
    with pytest.raises(SourceError, match="NOTS.parquet"):
        src.load_bars("NOTS")
    assert ParquetSource(tmp_path / "missing").symbols == []
