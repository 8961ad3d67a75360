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
* ``memory``: peak resident memory of ``ringta run CONFIG --data DIR --out OUT
  --workers 1`` for one symbol, in a fresh process with a warm numba cache
  (its own ``VmHWM``, read at exit), for one year and ten years of Parquet bars
  (five and ten days in a plain ``pytest`` run), beside a baseline process
  that imports the same modules, with the same allocator settings, and loads
  the same compiled functions, but reads and writes no Parquet. The run's
  wall time, start-up included, is the timed figure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
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


# A process that stops where `ringta run` starts on the data: the same
# imports and allocator settings, every compiled function of the config loaded
# (by a dry run over one day of bars in memory), and no Parquet read or written.
BASELINE = """
import sys
from ringta import cli
cli._lean_allocators()
import pyarrow.parquet
from ringta import batch
from ringta.coordinator import SessionConfig
from ringta.data import MemorySource, generate_minute_bars
config = SessionConfig.from_file(sys.argv[1])
result = batch.run_symbol(config, MemorySource({"X": generate_minute_bars(days=1)}), "X", None, keep=False)
sys.exit(0 if result.ok else 1)
"""

MEMORY_RUNS = ("baseline", "short", "long")


def _memory_days(run: str, enabled: bool) -> int:
    """Trading days of bars read by a memory run: one and ten years (five and ten days when smoke-testing)."""
    if run == "baseline":
        return 0
    if not enabled:
        return 5 if run == "short" else 10
    return 252 if run == "short" else 2520


# Runs `python -m MODULE ARGS` (mode -m) or CODE with ARGS (mode -c) and, at
# exit, writes the process's own peak resident memory in KiB to OUT. Read in
# the process itself: the ru_maxrss that wait4 reports for a child starts from
# the parent's peak (Linux carries the forking process's high-water mark over
# exec), and the parent here holds ten years of generated bars.
MEASURED = """
import atexit, runpy, sys
out, mode, target = sys.argv[1:4]
def peak():
    with open("/proc/self/status") as f:
        kib = next(line.split()[1] for line in f if line.startswith("VmHWM:"))
    with open(out, "w") as f:
        f.write(kib)
atexit.register(peak)
sys.argv = [target, *sys.argv[4:]]
if mode == "-m":
    runpy.run_module(target, run_name="__main__", alter_sys=True)
else:
    exec(compile(target, "<measured>", "exec"), {"__name__": "__main__"})
"""


def peak_rss(mode: str, target: str, args: list[str]) -> float:
    """Peak resident memory (VmHWM), in MiB, of a fresh ``python -m target args`` (or ``-c``), which must succeed."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "peak"
        proc = subprocess.run([sys.executable, "-c", MEASURED, str(out), mode, target, *args],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if proc.returncode:
            raise RuntimeError(f"{mode} {target[:40]!r} exited with {proc.returncode}: {proc.stderr[-2000:]}")
        return int(out.read_text()) / 1024


@pytest.fixture(scope="module")
def memory_data(tmp_path_factory):
    """Parquet folders of one symbol, by trading days, written once per module."""
    folders = {}

    def folder(days: int) -> Path:
        if days not in folders:
            d = folders[days] = tmp_path_factory.mktemp(f"bars{days}")
            write_parquet_bars(d / "SYM.parquet", generate_minute_bars(days=days, seed=3))
        return folders[days]

    return folder


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads VmHWM from /proc (Linux)")
@pytest.mark.parametrize("run", MEMORY_RUNS)
def test_run_peak_memory(benchmark, enabled, memory_data, tmp_path, run):
    days = _memory_days(run, enabled)

    def cli(days_: int, out: Path) -> list[str]:
        return ["run", str(CONFIG), "--data", str(memory_data(days_)), "--out", str(out), "--workers", "1"]

    # Load (or compile) every kernel into the numba cache, which the child
    # processes share through the environment, so that no measured run compiles.
    peak_rss("-m", "ringta", cli(1, tmp_path / "warm"))
    if days:
        target = ("-m", "ringta", cli(days, tmp_path / "out"))
        case, bars, about = (f"{days:,} days", days * 390, "`ringta run CONFIG --data DIR --out OUT --workers 1`, "
                             "one symbol: Parquet read in chunks, aggregation, indicators, Parquet written")
    else:
        target = ("-c", BASELINE, [str(CONFIG)])
        case, bars, about = ("baseline", None, "the same imports and allocator settings, every compiled function "
                             "of the config loaded, no Parquet read or written")
    peaks = []

    def measure():
        peaks.append(peak_rss(*target))

    record(benchmark, group="run", table="memory", case=case, size=bars, impl="ringta run" if days else "baseline",
           unit="run", per=1, about=about)
    if enabled:
        benchmark.pedantic(measure, rounds=1, iterations=1)
    else:
        benchmark(measure)
    benchmark.extra_info["peak_rss_mib"] = round(max(peaks), 1)
