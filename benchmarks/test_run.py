"""Batch runs (``ringta.batch``): throughput for one symbol, and many symbols on local workers.

* ``run``: one symbol's one-minute history through the example config
  (aggregation into 5m and daily bars and all eleven indicators), time per
  one-minute bar. *Compute* reads the bars from memory and drops the output
  columns chunk by chunk (``run_symbol(..., out_dir=None, keep=False)``);
  *memory* keeps them (``out_dir=None``); *Parquet* is
  ``batch.run`` from a ``ParquetSource`` to Parquet files, reading and
  writing included. Ten years (about 1,000,000 bars) in a full run, one year
  in quick mode, five days in a plain ``pytest`` run.
* ``scale``: 200 symbols x one year of Parquet bars, ``batch.run`` with one
  and with two local worker processes (full run only: about 20 million bars;
  a plain or quick run uses 4 symbols x 5 days). The "x ringta" column of the
  one-worker row is the speed-up of two workers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ringta import batch
from ringta.coordinator import SessionConfig
from ringta.data import MemorySource, ParquetSource, generate_minute_bars, write_parquet_bars

from .settings import QUICK, benchmarks_enabled, record

CONFIG = Path(__file__).resolve().parent.parent / "examples" / "unified_config_example.json"


def _days(enabled: bool) -> int:
    if not enabled:
        return 5
    return 252 if QUICK else 2520


@pytest.fixture(scope="module")
def config() -> SessionConfig:
    return SessionConfig.from_file(CONFIG)


JOBS = {
    "compute": ("ringta run_symbol, dry", "aggregation and all indicators, outputs dropped chunk by chunk "
                                          "(`run_symbol(..., out_dir=None, keep=False)`)"),
    "memory": ("ringta run_symbol", "the same, every output column kept in memory (`run_symbol(..., out_dir=None)`)"),
    "parquet": ("ringta batch.run", "`batch.run`: Parquet read in chunks, aggregation, indicators, Parquet written"),
}


@pytest.mark.parametrize("job", list(JOBS))
def test_run_one_symbol(benchmark, enabled, config, tmp_path, job):
    days = _days(enabled)
    bars = generate_minute_bars(days=days, seed=3)
    if job != "parquet":
        source = MemorySource({"SYM": bars})
        keep = job == "memory"

        def run():
            r = batch.run_symbol(config, source, "SYM", None, keep=keep)
            assert r.ok, r.error
    else:
        data = tmp_path / "data"
        data.mkdir()
        write_parquet_bars(data / "SYM.parquet", bars)
        source = ParquetSource(data)

        def run():
            s = batch.run(config, source, tmp_path / "out", symbols=["SYM"], quiet=True)
            assert s.ok

    run()  # compile or load every kernel before timing
    impl, about = JOBS[job]
    record(benchmark, group="run", table="run", case=job, size=bars.n, impl=impl, unit="bar", per=bars.n,
           reference=True, about=about)
    if enabled:
        benchmark.pedantic(run, rounds=3, iterations=1)
    else:
        benchmark(run)


@pytest.fixture(scope="module")
def universe(tmp_path_factory, request):
    """200 symbols x 252 days of Parquet bars (4 x 5 unless a full benchmark run)."""
    big = benchmarks_enabled(request.config) and not QUICK
    n_symbols, days = (200, 252) if big else (4, 5)
    data = tmp_path_factory.mktemp("universe")
    for i in range(n_symbols):
        write_parquet_bars(data / f"S{i:03d}.parquet", generate_minute_bars(days=days, seed=100 + i))
    return data, n_symbols, days


@pytest.mark.parametrize("workers", [1, 2])
def test_run_universe(benchmark, enabled, config, universe, tmp_path, workers):
    data, n_symbols, days = universe
    source = ParquetSource(data)
    batch.run(config, source, tmp_path / "warm", symbols=["S000"], quiet=True)  # fill the numba cache

    def run():
        s = batch.run(config, source, tmp_path / "out", workers=workers, quiet=True)
        assert s.ok and len(s.results) == n_symbols

    record(benchmark, group="run", table="scale", case=f"{n_symbols} symbols x {days} days", impl=(
        f"{workers} worker" + ("s" if workers > 1 else "")), unit="run", per=1, reference=workers == 2,
        about="`batch.run(..., workers=N)`: one process per worker, symbols handed out as they finish")
    benchmark.pedantic(run, rounds=2 if enabled else 1, iterations=1)
