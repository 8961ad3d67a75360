"""Run modes of the benchmark suite: full, quick and smoke.

*Full* (``pytest benchmarks --benchmark-enable``) is what ``docs/benchmarks.md``
is generated from. *Quick* (``RINGTA_BENCH_QUICK=1``) keeps every comparison but
uses smaller inputs and fewer rounds so that CI can afford it. *Smoke* is a
plain ``pytest`` run, where ``--benchmark-disable`` (from pyproject's addopts)
makes every benchmark body run once as a test: the largest inputs are skipped
there because a single run of them would still cost seconds.

Sizes are module constants because pytest parametrizes at collection time.
"""

from __future__ import annotations

import os

QUICK = os.environ.get("RINGTA_BENCH_QUICK", "").strip() not in ("", "0")

BATCH_SIZES = (1_000, 100_000) if QUICK else (1_000, 100_000, 1_000_000)
SMOKE_MAX_BARS = 100_000

# Updates per benchmarked call: enough that one call lasts well over the
# timer's resolution even for a ~100 ns update.
STREAM_UPDATES = 2_000 if QUICK else 10_000

SYMBOL_COUNTS = (1, 100, 1_000, 10_000)
SMOKE_MAX_SYMBOLS = 1_000
# Symbol-updates per benchmarked cross-section call (timestamps x symbols).
CROSS_SECTION_WORK = 5_000 if QUICK else 20_000
# Timestamps fed before timing, so that every indicator is past its warm-up
# and the steady-state path is what gets measured (MACD needs 34 bars).
HISTORY_BARS = 200

COLD_COMPILE_ROUNDS = 1 if QUICK else 3
WARM_IMPORT_ROUNDS = 3 if QUICK else 7

# pytest-benchmark's own calibration picks iterations and rounds; quick mode
# only caps the time it spends on each benchmark.
QUICK_MARKER = {"max_time": 0.05, "min_rounds": 3}

ENV_COMMAND = "RINGTA_BENCH_COMMAND"


def portable_arg(arg: str) -> str:
    """``arg`` with an absolute path reduced to its file name: the docs must not carry local paths."""
    key, eq, value = arg.partition("=")
    if eq and os.path.isabs(value):
        return f"{key}={os.path.basename(value)}"
    return os.path.basename(arg) if os.path.isabs(arg) else arg


def benchmarks_enabled(config) -> bool:
    """True unless this is a plain (``--benchmark-disable``) run.

    pyproject's addopts always carry ``--benchmark-disable``; an explicit
    ``--benchmark-enable`` wins, as in pytest-benchmark itself.
    """
    return bool(config.getoption("benchmark_enable")) or not config.getoption("benchmark_disable")


def record(benchmark, *, group: str, table: str, impl: str, unit: str, per: int,
           case: str | None = None, size: int | None = None, reference: bool = False, note: str = "",
           about: str = "") -> None:
    """Label a benchmark for ``report.py``.

    One timed call processes ``per`` units (bars, updates, symbols or runs);
    ``reference`` marks the ringta row that the other rows of the same
    ``(table, case, size)`` are divided by for the "x ringta" column.
    ``about`` describes the implementation, ``note`` how it differs from
    TA-Lib on this case; the report lists both under the table.
    """
    benchmark.group = group
    benchmark.extra_info.update(
        table=table, case=case, size=size, impl=impl, unit=unit, per=per, reference=reference, note=note,
        about=about,
    )
