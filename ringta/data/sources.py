"""Bar sources: where the coordinator and batch runs get history from.

A source is any object with ``load_bars(symbol, interval, start=None, end=None)``
returning :class:`~ringta.coordinator.bar.Bars` (bar open times in UTC
nanoseconds, oldest first), with ``start`` inclusive and ``end`` exclusive.
Three are provided: in memory, CSV files and Parquet files.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Mapping, Protocol, runtime_checkable

import numpy as np

from ..coordinator.bar import Bars, as_bars, to_ns
from ..coordinator.intervals import get_session, parse_interval

COLUMNS = ("timestamp", "open", "high", "low", "close", "volume")
# Bytes read from a Parquet file at a time when streaming it.
READ_BUFFER = 1 << 16


class SourceError(LookupError):
    """A symbol or interval the source cannot provide, or a file it cannot read.

    Examples
    --------
    >>> try:
    ...     MemorySource({}).load_bars("NOPE", "1m")
    ... except SourceError as exc:
    ...     print(exc)
    no bars for symbol 'NOPE'; available: []
    """


@runtime_checkable
class BarSource(Protocol):
    """What the coordinator and batch runs need from a source of bars.

    Examples
    --------
    >>> from ringta.data import generate_minute_bars
    >>> isinstance(MemorySource({"X": generate_minute_bars(days=1)}), BarSource)
    True
    """

    intervals: tuple[str, ...]

    def load_bars(self, symbol: str, interval: str, start=None, end=None) -> Bars: ...


def _bound(t) -> int | None:
    if t is None:
        return None
    if isinstance(t, str):
        t = datetime.fromisoformat(t)
        if t.tzinfo is None:
            t = t.replace(tzinfo=timezone.utc)
    elif isinstance(t, date) and not isinstance(t, datetime):
        t = datetime.combine(t, time(0), tzinfo=timezone.utc)
    return to_ns(t)


def _slice(bars: Bars, start, end) -> Bars:
    lo, hi = _bound(start), _bound(end)
    ts = bars.timestamp
    i = 0 if lo is None else int(np.searchsorted(ts, lo, side="left"))
    j = ts.size if hi is None else int(np.searchsorted(ts, hi, side="left"))
    return Bars(*(np.ascontiguousarray(c[i:j]) for c in bars))


def _check_interval(source, interval: str) -> None:
    parse_interval(interval)
    if interval not in source.intervals:
        raise SourceError(f"{type(source).__name__} provides {list(source.intervals)} bars, not {interval!r}")


class MemorySource:
    """Bars held in memory: ``{symbol: Bars}`` (or columns / lists of Bar) of one interval.

    Examples
    --------
    >>> from ringta.data import generate_minute_bars
    >>> src = MemorySource({"SYN": generate_minute_bars(days=2)})
    >>> src.load_bars("SYN", "1m").n
    780
    """

    def __init__(self, bars: Mapping[str, object], interval: str = "1m"):
        parse_interval(interval)
        self.intervals = (interval,)
        self._bars = {s: as_bars(b) for s, b in bars.items()}

    @property
    def symbols(self) -> list[str]:
        return sorted(self._bars)

    def load_bars(self, symbol: str, interval: str = "1m", start=None, end=None) -> Bars:
        _check_interval(self, interval)
        try:
            bars = self._bars[symbol]
        except KeyError:
            raise SourceError(f"no bars for symbol {symbol!r}; available: {self.symbols[:10]}") from None
        return _slice(bars, start, end)


def read_csv_bars(path: str | Path, session="us_equity") -> Bars:
    """Read a bar CSV with header ``timestamp|date,open,high,low,close,volume[,...]``.

    ``timestamp`` is ISO 8601 with a UTC offset (or integer UTC nanoseconds);
    a ``date`` column (daily bars) is labelled by the session open of that
    day in the session's time zone. Extra columns are ignored.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "D.csv"
    >>> _ = path.write_text(chr(10).join(["date,open,high,low,close,volume", "2024-01-02,10,11,9,10.5,1000"]))
    >>> bars = read_csv_bars(path)
    >>> bars.timestamp.tolist(), bars.close.tolist()
    ([1704205800000000000], [10.5])
    """
    p = Path(path)
    try:
        fh = p.open(newline="")
    except OSError as exc:
        raise SourceError(f"cannot read {str(p)!r}: {exc.strerror}") from None
    with fh:
        reader = csv.reader(fh)
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            raise SourceError(f"{p}: empty file") from None
        time_col = "timestamp" if "timestamp" in header else "date" if "date" in header else None
        missing = [c for c in ("open", "high", "low", "close", "volume") if c not in header]
        if time_col is None or missing:
            raise SourceError(f"{p}: header must have timestamp or date, open, high, low, close, volume; got {header}")
        idx = [header.index(c) for c in (time_col, "open", "high", "low", "close", "volume")]
        rows = [r for r in reader if r]
    s = get_session(session)
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(s.timezone)
    ts = np.empty(len(rows), dtype=np.int64)
    vals = np.empty((len(rows), 5))
    for n, r in enumerate(rows):
        try:
            t = r[idx[0]].strip()
            if time_col == "date":
                d = date.fromisoformat(t)
                ts[n] = to_ns(datetime.combine(d, s.open, tzinfo=tz))
            elif t.lstrip("-").isdigit():
                ts[n] = int(t)
            else:
                dt = datetime.fromisoformat(t)
                if dt.tzinfo is None:
                    raise ValueError(f"timestamp {t!r} has no UTC offset")
                ts[n] = to_ns(dt)
            vals[n] = [float(r[i]) for i in idx[1:]]
        except (ValueError, IndexError) as exc:
            raise SourceError(f"{p}, line {n + 2}: {exc}") from None
    return Bars(ts, *(np.ascontiguousarray(vals[:, k]) for k in range(5)))


class CsvSource:
    """One CSV file per symbol: ``<directory>/<symbol>.csv``, or an explicit ``files`` map.

    Each file holds one interval of bars (``interval``, one-minute by default)
    in the layout read by :func:`read_csv_bars`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> rows = ["timestamp,open,high,low,close,volume",
    ...         "2024-01-02T09:30:00-05:00,10,11,9.5,10.5,100",
    ...         "2024-01-02T09:31:00-05:00,10.5,10.8,10.1,10.2,80"]
    >>> _ = (d / "XYZ.csv").write_text(chr(10).join(rows))
    >>> CsvSource(d).load_bars("XYZ", "1m").close.tolist()
    [10.5, 10.2]
    """

    def __init__(self, directory: str | Path | None = None, files: Mapping[str, str | Path] | None = None,
                 interval: str = "1m", session="us_equity"):
        parse_interval(interval)
        self.intervals = (interval,)
        self.directory = Path(directory) if directory is not None else None
        self.files = {k: Path(v) for k, v in (files or {}).items()}
        self.session = session
        self._cache: dict[str, Bars] = {}

    @property
    def symbols(self) -> list[str]:
        found = set(self.files)
        if self.directory is not None and self.directory.is_dir():
            found |= {p.stem for p in self.directory.glob("*.csv")}
        return sorted(found)

    def path(self, symbol: str) -> Path:
        if symbol in self.files:
            return self.files[symbol]
        if self.directory is not None:
            p = self.directory / f"{symbol}.csv"
            if p.exists():
                return p
        raise SourceError(f"no CSV file for symbol {symbol!r}; available: {self.symbols[:10]}")

    def load_bars(self, symbol: str, interval: str = "1m", start=None, end=None) -> Bars:
        _check_interval(self, interval)
        if symbol not in self._cache:
            self._cache[symbol] = read_csv_bars(self.path(symbol), self.session)
        return _slice(self._cache[symbol], start, end)


class ParquetSource:
    """One Parquet file (or dataset directory) per symbol: ``<directory>/<symbol>.parquet``.

    Columns ``timestamp`` (int64 UTC ns or a timestamp type), ``open``,
    ``high``, ``low``, ``close``, ``volume``. ``start``/``end`` are pushed
    down to the reader as row filters.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from ringta.data import generate_minute_bars
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> write_parquet_bars(d / "SYN.parquet", generate_minute_bars(days=1))
    >>> src = ParquetSource(d)
    >>> src.symbols, src.load_bars("SYN").n, [b.n for b in src.iter_bars("SYN", chunk=200)]
    (['SYN'], 390, [200, 190])
    """

    def __init__(self, directory: str | Path, interval: str = "1m"):
        parse_interval(interval)
        self.intervals = (interval,)
        self.directory = Path(directory)

    @property
    def symbols(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(p.name.removesuffix(".parquet") for p in self.directory.iterdir() if p.name.endswith(".parquet"))

    def path(self, symbol: str) -> Path:
        p = self.directory / f"{symbol}.parquet"
        if not p.exists():
            raise SourceError(f"no Parquet data for symbol {symbol!r} in {self.directory}; "
                              f"available: {self.symbols[:10]}")
        return p

    def _scan(self, symbol: str, interval: str, start, end, chunk: int | None):
        import pyarrow as pa
        import pyarrow.compute  # noqa: F401 - pa.compute.cast
        import pyarrow.dataset as ds

        _check_interval(self, interval)
        p = self.path(symbol)
        try:
            dataset = ds.dataset(str(p), format="parquet")
            ts_field = dataset.schema.field("timestamp")
        except (OSError, KeyError, ValueError) as exc:
            raise SourceError(f"{p}: cannot read bars ({exc})") from None

        def scalar(v):
            if pa.types.is_timestamp(ts_field.type):
                # Bounds are ns; cast them to the column's unit (us, ms, s).
                ns = pa.scalar(v, type=pa.timestamp("ns", tz=ts_field.type.tz))
                return pa.compute.cast(ns, ts_field.type, safe=False)
            return pa.scalar(v, type=ts_field.type)

        flt = None
        lo, hi = _bound(start), _bound(end)
        if lo is not None:
            flt = ds.field("timestamp") >= scalar(lo)
        if hi is not None:
            cond = ds.field("timestamp") < scalar(hi)
            flt = cond if flt is None else flt & cond
        try:
            if chunk is None:
                yield dataset.to_table(columns=list(COLUMNS), filter=flt)
            else:
                # Little readahead: memory must stay bounded however long the file is.
                for batch in dataset.to_batches(columns=list(COLUMNS), filter=flt, batch_size=chunk,
                                                batch_readahead=1, fragment_readahead=1, use_threads=False):
                    if batch.num_rows:
                        yield batch
        except (OSError, KeyError, ValueError) as exc:
            raise SourceError(f"{p}: cannot read bars ({exc})") from None

    @staticmethod
    def _to_bars(table) -> Bars:
        import pyarrow as pa

        tcol = table.column("timestamp")
        if pa.types.is_timestamp(tcol.type):
            tcol = tcol.cast(pa.timestamp("ns", tz=tcol.type.tz)).cast(pa.int64())
        ts = _arrow_to_numpy(tcol, "timestamp", pa.int64(), np.int64)
        cols = [_arrow_to_numpy(table.column(c), c, pa.float64(), np.float64) for c in COLUMNS[1:]]
        return Bars(ts, *cols)

    def load_bars(self, symbol: str, interval: str = "1m", start=None, end=None) -> Bars:
        table = next(self._scan(symbol, interval, start, end, None))
        bars = self._to_bars(table)
        order = np.argsort(bars.timestamp, kind="stable")
        if bars.n and not (order == np.arange(bars.n)).all():
            bars = Bars(*(c[order] for c in bars))
        return bars

    def iter_bars(self, symbol: str, interval: str = "1m", start=None, end=None, chunk: int = 16_384):
        """The bars in chunks of at most ``chunk`` rows, read row group by row group (bounded memory).

        The file must be sorted by timestamp (as :func:`write_parquet_bars` writes it).
        Memory is bounded by the file's largest row group, whatever its length.
        """
        import pyarrow.parquet as pq

        _check_interval(self, interval)
        p = self.path(symbol)
        lo, hi = _bound(start), _bound(end)
        try:
            # No pre-buffering, and a small read buffer: each column is read
            # page by page instead of a whole row group being held (2.7 MB per
            # group of 65,536 bars, kept until the group is done).
            pf = pq.ParquetFile(str(p), pre_buffer=False, buffer_size=READ_BUFFER)
            # One row group at a time: over the whole file, iter_batches keeps
            # read-ahead buffers that grow with the number of row groups (36 MB
            # of Arrow memory at the peak for ten years, 11 MB for one).
            for group in range(pf.num_row_groups):
                for batch in pf.iter_batches(batch_size=chunk, row_groups=[group], columns=list(COLUMNS),
                                             use_threads=False):
                    bars = self._to_bars(batch)
                    del batch  # the Arrow copy is not needed while the caller works on the chunk
                    if lo is not None or hi is not None:
                        bars = _slice(bars, lo, hi)
                    if bars.n:
                        yield bars
                    del bars  # nor this one while the next is read
        except (OSError, KeyError, ValueError) as exc:
            raise SourceError(f"{p}: cannot read bars ({exc})") from None


def _arrow_to_numpy(col, name: str, arrow_type, dtype) -> np.ndarray:
    """One Arrow column as a new writable NumPy array of ``dtype``; nulls are NaN (timestamps: refused).

    Read from the Arrow buffer directly: pyarrow's ``to_numpy`` imports pandas
    on first use (about 43 MB), which a batch worker would carry for nothing.
    The copy is wanted anyway: Arrow buffers are read-only, and the compiled
    code's signatures take writable arrays.
    """
    import pyarrow as pa

    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    if col.type != arrow_type:
        col = col.cast(arrow_type)
    if col.null_count:
        if dtype is np.int64:
            raise ValueError(f"{name}: {col.null_count} missing value(s)")
        col = col.fill_null(float("nan"))
    width = np.dtype(dtype).itemsize
    return np.frombuffer(col.buffers()[1], dtype=dtype, count=len(col), offset=col.offset * width).copy()


def write_parquet_bars(path: str | Path, bars: Bars) -> None:
    """Write bars to a Parquet file with the columns :class:`ParquetSource` reads (sorted by time).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from ringta.data import generate_minute_bars
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "A.parquet"
    >>> write_parquet_bars(path, generate_minute_bars(days=1))
    >>> ParquetSource(path.parent).load_bars("A").n
    390
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    b = as_bars(bars)
    order = np.argsort(b.timestamp, kind="stable")
    table = pa.table({name: col[order] for name, col in zip(COLUMNS, b)})
    # No dictionary encoding: prices and volumes are mostly distinct, so a
    # dictionary only makes the file larger (by a quarter) and makes a reader
    # hold each column's dictionary beside its pages (5 MB more per row group).
    pq.write_table(table, str(path), row_group_size=65_536, use_dictionary=False)
