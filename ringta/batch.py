"""Whole-history runs: every configured indicator over years of one-minute bars.

:func:`run` reads each symbol's one-minute bars from a source in chunks,
aggregates the configured intervals with the same compiled code as the live
coordinator, runs every indicator through its batch driver (the same step as
streaming, so the values equal a live session's bit for bit) and appends
each chunk's rows to one Parquet file per symbol and interval. State carries
across chunks, so memory stays bounded however long the history is, and the
result equals a single in-memory run exactly.

Symbols are independent jobs: ``workers > 1`` runs them in local processes,
``scheduler`` on a Dask cluster. :func:`replay` instead feeds history bar by
bar through a :class:`~ringta.coordinator.SessionCoordinator` and calls a
strategy at every bar close, for backtests.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from .coordinator.bar import FIELDS, Bars, bar_error
from .coordinator.config import IndicatorConfig, SessionConfig
from .coordinator.inputs import kernel_inputs
from .coordinator.intervals import Aggregator
from .kernels._jit import B1, F1, I1, i8, jit
from .kernels._spec import run_batch

logger = logging.getLogger("ringta")

__all__ = ["run", "run_symbol", "replay", "iter_chunks", "output_columns", "RunSummary", "SymbolResult"]

# Bars per chunk. The run's memory beyond its fixed start-up cost is about
# proportional to it, while its speed barely depends on it above a few
# thousand bars: the per-chunk overhead is well under a millisecond.
DEFAULT_CHUNK = 16_384


def output_columns(config: IndicatorConfig) -> list[str]:
    """Column names of an indicator in a run's output: its key, or ``key.field`` per output.

    Examples
    --------
    >>> from ringta.coordinator import IndicatorConfig
    >>> output_columns(IndicatorConfig(name="macd", interval="5m"))
    ['macd_12_26_9_5m.macd', 'macd_12_26_9_5m.signal', 'macd_12_26_9_5m.hist']
    """
    outs = config.spec.outputs
    return [config.key] if len(outs) == 1 else [f"{config.key}.{o}" for o in outs]


def iter_chunks(source, symbol: str, interval: str, start=None, end=None, chunk: int = DEFAULT_CHUNK) -> Iterator[Bars]:
    """Bars of ``symbol`` in chunks of at most ``chunk`` rows (the source's own iterator if it has one).

    Examples
    --------
    >>> from ringta.data import MemorySource, generate_minute_bars
    >>> src = MemorySource({"X": generate_minute_bars(days=1)})
    >>> [b.n for b in iter_chunks(src, "X", "1m", chunk=150)]
    [150, 150, 90]
    """
    if hasattr(source, "iter_bars"):
        yield from source.iter_bars(symbol, interval, start=start, end=end, chunk=chunk)
        return
    bars = source.load_bars(symbol, interval, start=start, end=end)
    for i in range(0, max(bars.n, 1), chunk):
        part = Bars(*(c[i : i + chunk] for c in bars))
        if part.n:
            yield part


@dataclass
class SymbolResult:
    """One symbol's outcome: bars read, seconds, files written (or columns), error if it failed.

    Examples
    --------
    >>> SymbolResult("X", bars=10).ok
    True
    """

    symbol: str
    bars: int = 0
    seconds: float = 0.0
    files: dict = field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class RunSummary:
    """What a run did: per-symbol results and overall throughput.

    Examples
    --------
    >>> s = RunSummary([SymbolResult("A", bars=100), SymbolResult("B", error="ValueError: bad")], seconds=0.5)
    >>> s.ok, s.bars, [r.symbol for r in s.failed]
    (False, 100, ['B'])
    """

    results: list[SymbolResult]
    seconds: float

    @property
    def bars(self) -> int:
        return sum(r.bars for r in self.results)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def failed(self) -> list[SymbolResult]:
        return [r for r in self.results if not r.ok]

    def describe(self) -> str:
        rate = self.bars / self.seconds if self.seconds > 0 else float("nan")
        lines = [f"symbols: {len(self.results)} ({len(self.failed)} failed), bars: {self.bars:,}, "
                 f"seconds: {self.seconds:.2f}, bars/s: {rate:,.0f}"]
        for r in self.failed:
            lines.append(f"  FAILED {r.symbol}: {r.error}")
        return "\n".join(lines)


def _arrow_array(pa, values: np.ndarray):
    """A NumPy int64/float64 column as an Arrow array sharing its memory.

    Built from the buffer because ``pa.array``/``pa.table`` import pandas on
    first use (about 45 MB), which every batch worker would then carry.
    """
    if values.dtype == np.int64:
        kind = pa.int64()
    else:
        kind, values = pa.float64(), values.astype(np.float64, copy=False)
    values = np.ascontiguousarray(values)
    return pa.Array.from_buffers(kind, values.shape[0], [None, pa.py_buffer(values)])


class _Writer:
    """Appends row groups to one Parquet file per interval, created on first write."""

    def __init__(self, out_dir: Path | None, symbol: str, keep: bool = True):
        self.dir = None if out_dir is None else Path(out_dir) / symbol
        self.keep = keep
        self.writers: dict = {}
        self.collected: dict[str, list[dict]] = {}

    def write(self, interval: str, columns: dict) -> None:
        if self.dir is None:
            if self.keep:
                self.collected.setdefault(interval, []).append(columns)
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_arrays([_arrow_array(pa, v) for v in columns.values()], names=list(columns))
        w = self.writers.get(interval)
        if w is None:
            self.dir.mkdir(parents=True, exist_ok=True)
            path = self.dir / f"{interval}.parquet"
            # No dictionary encoding: indicator values are nearly all distinct, so
            # the encoder would build a dictionary per column only to fall back to
            # plain pages, keeping its tables (6 MB for the 1m file) alive and
            # making the file larger and three times slower to write.
            w = self.writers[interval] = (pq.ParquetWriter(str(path) + ".tmp", table.schema, use_dictionary=False),
                                          path)
        w[0].write_table(table)

    def close(self, ok: bool) -> dict:
        files = {}
        for iv, (w, path) in self.writers.items():
            w.close()
            tmp = Path(str(path) + ".tmp")
            if ok:
                os.replace(tmp, path)  # a crash never leaves a half-written file under the final name
                files[iv] = str(path)
            else:
                tmp.unlink(missing_ok=True)
        return files


@jit(i8(I1, F1, F1, F1, F1, F1, i8, B1))
def _accept(ts, o, h, l, c, v, last, accepted):
    """Accept each bar with valid values and a timestamp after the last accepted one; count the rest."""
    n_bad = 0
    for i in range(ts.shape[0]):
        ok = (math.isfinite(o[i]) and math.isfinite(h[i]) and math.isfinite(l[i]) and math.isfinite(c[i])
              and math.isfinite(v[i]) and v[i] >= 0.0 and h[i] >= o[i] and h[i] >= c[i]
              and l[i] <= o[i] and l[i] <= c[i] and ts[i] > last)
        accepted[i] = ok
        if ok:
            last = ts[i]
        else:
            n_bad += 1
    return n_bad


def _validate_chunk(symbol: str, bars: Bars, last_ts: int | None, skip: bool) -> tuple[Bars, int]:
    ts = bars.timestamp
    last = np.iinfo(np.int64).min if last_ts is None else last_ts
    accepted = np.empty(ts.shape[0], dtype=np.bool_)
    n_bad = _accept(ts, *bars[1:], last, accepted)
    if n_bad == 0:
        return bars, 0
    if not skip:
        i = int(np.argmin(accepted))
        from .coordinator._core import check_bar

        vals = tuple(float(col[i]) for col in bars[1:])
        code = check_bar(*vals)
        prev = last if i == 0 else int(ts[:i][accepted[:i]].max(initial=last))
        raise bar_error(code if code >= 0 else 8, symbol, int(ts[i]), vals, prev)
    idx = np.flatnonzero(accepted)
    return Bars(*(np.ascontiguousarray(c[idx]) for c in bars)), n_bad


def run_symbol(config: SessionConfig, source, symbol: str, out_dir: str | Path | None = None, start=None, end=None,
               chunk: int = DEFAULT_CHUNK, keep: bool = True) -> SymbolResult:
    """Compute every configured indicator for one symbol over its whole history.

    Returns a :class:`SymbolResult`; with ``out_dir=None`` the columns are
    kept in memory instead (``result.files`` then maps interval -> columns),
    or, with ``keep=False`` too, dropped chunk by chunk (a dry run: it checks
    the bars and measures the compute alone).

    Examples
    --------
    >>> from ringta.coordinator import SessionConfig
    >>> from ringta.data import MemorySource, generate_minute_bars
    >>> cfg = SessionConfig.from_dict({"session_data_config": {"indicators": {"session": [
    ...     {"name": "ema", "period": 3, "interval": "5m"}]}}})
    >>> r = run_symbol(cfg, MemorySource({"X": generate_minute_bars(days=1)}), "X", None)
    >>> r.ok, r.bars, len(r.files["5m"]["ema_3_5m"])
    (True, 390, 78)
    """
    t0 = time.perf_counter()
    result = SymbolResult(symbol)
    configs = config.indicator_configs()
    intervals = config.intervals()
    aggs = {iv: Aggregator(iv, config.session) for iv in intervals}
    blocks = {c.key: c.spec.make_block(**c.resolved_params) for c in configs}
    # Resolved once: a config's key and output names are computed properties,
    # which cost more per chunk than a small chunk's kernels.
    plan = {iv: [(c.spec, c.source, f"{symbol} {c.key}", blocks[c.key], output_columns(c))
                 for c in configs if c.interval == iv] for iv in intervals}
    writer = _Writer(out_dir, symbol, keep)
    skip = config.bad_bar_policy == "skip"
    last_ts = None
    ok = False
    try:
        chunks = iter_chunks(source, symbol, config.base_interval, start, end, chunk)
        done = False
        while not done:
            part = next(chunks, None)
            done = part is None
            if part is not None:
                part, _ = _validate_chunk(symbol, part, last_ts, skip)
                if part.n:
                    last_ts = int(part.timestamp[-1])
                result.bars += part.n
            for iv in intervals:
                agg = aggs[iv]
                bars = agg.flush() if done else agg.push(*part)
                if bars.timestamp.size:
                    cols = {"timestamp": bars.timestamp}
                    cols.update({f: getattr(bars, f) for f in FIELDS})
                    for spec, src, owner, blk, names in plan[iv]:
                        ins = kernel_inputs(spec, src, bars, config.session)
                        outs = run_batch(spec, owner, blk, ins)
                        for name, arr in zip(names, outs):
                            cols[name] = arr
                        del ins, outs
                    writer.write(iv, cols)
                    del cols
                # Held over, one interval's columns would sit beside the next
                # interval's, and the last chunk's beside the next chunk read.
                del bars
            del part
        ok = True
    except Exception as exc:  # one symbol's failure must not stop the others
        result.error = f"{type(exc).__name__}: {exc}"
        logger.debug("%s failed:\n%s", symbol, traceback.format_exc())
    finally:
        files = writer.close(ok)
    if out_dir is None and ok and keep:
        result.files = {iv: {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
                        for iv, parts in writer.collected.items()}
    else:
        result.files = files
    result.seconds = time.perf_counter() - t0
    return result


class _Progress:
    def __init__(self, total: int, quiet: bool):
        self.total = total
        self.done = 0
        self.bars = 0
        self.t0 = time.perf_counter()
        self.show = not quiet and sys.stderr.isatty()

    def update(self, r: SymbolResult) -> None:
        self.done += 1
        self.bars += r.bars
        if not self.show:
            return
        el = time.perf_counter() - self.t0
        rate = self.bars / el if el > 0 else 0.0
        left = el / self.done * (self.total - self.done)
        width = 30
        fill = int(width * self.done / max(self.total, 1))
        sys.stderr.write(f"\r[{'#' * fill}{'.' * (width - fill)}] {self.done}/{self.total} symbols "
                         f"{rate:,.0f} bars/s, {left:,.0f}s left ")
        sys.stderr.flush()
        if self.done == self.total:
            sys.stderr.write("\n")


def _warm_cache(config: SessionConfig) -> None:
    """Compile (or load from the on-disk cache) what ``config`` runs, once, before workers start.

    Functions compile on first use; without this, every worker would compile
    the same kernels at once on an empty cache.
    """
    from .data.sources import MemorySource
    from .data.synthetic import generate_minute_bars

    run_symbol(config, MemorySource({"_": generate_minute_bars(days=1)}), "_", None)


def run(config: SessionConfig | str, source, out: str | Path | None, symbols: Sequence[str] | None = None,
        start=None, end=None, workers: int = 1, scheduler: str | None = None, chunk: int = DEFAULT_CHUNK,
        quiet: bool = False) -> RunSummary:
    """Run every configured indicator over every symbol's history; write Parquet to ``out``.

    Parameters
    ----------
    config : SessionConfig or path
    source : bar source (``load_bars``; ``iter_bars`` for chunked reading)
    out : output directory (``<out>/<symbol>/<interval>.parquet``), or None to keep columns in memory
    symbols : symbols to run (default: ``config.symbols`` or all the source has)
    workers : local processes (1 = in this process)
    scheduler : Dask scheduler address, or ``"local"`` for a ``LocalCluster``
    chunk : one-minute bars read per chunk

    Examples
    --------
    >>> import tempfile
    >>> from ringta.coordinator import SessionConfig
    >>> from ringta.data import MemorySource, generate_minute_bars
    >>> cfg = SessionConfig.from_dict({"session_data_config": {"indicators": {"session": [
    ...     {"name": "rsi", "period": 14}]}}})
    >>> src = MemorySource({"A": generate_minute_bars(days=2, seed=1), "B": generate_minute_bars(days=2, seed=2)})
    >>> with tempfile.TemporaryDirectory() as out:
    ...     summary = run(cfg, src, out, quiet=True)
    ...     print(summary.ok, summary.bars, sorted(summary.results[0].files))
    True 1560 ['1m']
    """
    if not isinstance(config, SessionConfig):
        config = SessionConfig.from_file(config)
    if symbols is None:
        symbols = list(config.symbols) or list(getattr(source, "symbols", []))
    if not symbols:
        raise ValueError("no symbols to run: pass symbols, list them in the config, or use a source with symbols")
    t0 = time.perf_counter()
    progress = _Progress(len(symbols), quiet)
    results: list[SymbolResult] = []
    if scheduler is not None:
        results = _run_dask(config, source, out, symbols, start, end, chunk, scheduler, progress)
    elif workers > 1 and len(symbols) > 1:
        import concurrent.futures as cf
        import multiprocessing as mp

        _warm_cache(config)
        ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
        with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futs = {pool.submit(run_symbol, config, source, s, out, start, end, chunk): s for s in symbols}
            by_symbol = {}
            for f in cf.as_completed(futs):
                r = f.result()
                by_symbol[r.symbol] = r
                progress.update(r)
            results = [by_symbol[s] for s in symbols]
    else:
        for s in symbols:
            r = run_symbol(config, source, s, out, start, end, chunk)
            results.append(r)
            progress.update(r)
    return RunSummary(results, time.perf_counter() - t0)


def _run_dask(config, source, out, symbols, start, end, chunk, scheduler, progress) -> list[SymbolResult]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise RuntimeError("Dask runs need the dask extra: pip install 'ringta[dask]'") from None
    _warm_cache(config)
    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        futs = [client.submit(run_symbol, config, source, s, out, start, end, chunk, pure=False) for s in symbols]
        by_symbol = {}
        for f in as_completed(futs):
            r = f.result()
            by_symbol[r.symbol] = r
            progress.update(r)
        return [by_symbol[s] for s in symbols]
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def replay(config: SessionConfig | str, source, strategy, symbols: Sequence[str] | None = None, start=None, end=None):
    """Backtest: feed history bar by bar through a SessionCoordinator, calling the strategy at every bar close.

    ``strategy`` has ``on_bar(symbol, interval, bar, indicators)`` (the
    integration guide's AnalysisEngine); ``indicators`` maps the symbol's
    indicator keys on that interval to their values. Bars of all symbols are
    merged by timestamp. Returns the coordinator at the end.

    Examples
    --------
    >>> from ringta.coordinator import SessionConfig
    >>> from ringta.data import MemorySource, generate_minute_bars
    >>> cfg = SessionConfig.from_dict({"streams": ["1m", "5m"], "session_data_config": {"indicators": {
    ...     "session": [{"name": "sma", "period": 3, "interval": "5m"}]}}})
    >>> class Count:
    ...     n = 0
    ...     def on_bar(self, symbol, interval, bar, indicators):
    ...         self.n += interval == "5m"
    >>> strategy = Count()
    >>> sc = replay(cfg, MemorySource({"X": generate_minute_bars(days=1)}), strategy)
    >>> strategy.n, sc.session_data.is_indicator_ready("X", "sma_3_5m")
    (78, True)
    """
    from .coordinator import SessionCoordinator

    if not isinstance(config, SessionConfig):
        config = SessionConfig.from_file(config)
    if symbols is None:
        symbols = list(config.symbols) or list(getattr(source, "symbols", []))
    sc = SessionCoordinator(config, data_source=source)
    for s in symbols:
        sc.register_symbol(s)
    sc.subscribe(strategy.on_bar)
    data = {s: source.load_bars(s, config.base_interval, start=start, end=end) for s in symbols}
    ts_all = np.unique(np.concatenate([d.timestamp for d in data.values()])) if data else np.zeros(0, np.int64)
    pos = {s: 0 for s in symbols}
    for t in ts_all.tolist():
        for s in symbols:
            d = data[s]
            i = pos[s]
            if i < d.n and d.timestamp[i] == t:
                sc.on_bar(s, (t, d.open[i], d.high[i], d.low[i], d.close[i], d.volume[i]))
                pos[s] = i + 1
    sc.end_session()
    return sc
