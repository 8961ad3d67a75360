"""The ``ringta`` command line.

Every command has ``--help``; errors print one line on stderr and exit with
status 1 (2 for usage errors), without a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

SYNTHETIC_SYMBOLS = ("SYN_A", "SYN_B", "SYN_C")
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter


class CliError(Exception):
    """An error to report on one line."""


def _load_config(path: str):
    from .coordinator.config import ConfigError, SessionConfig

    try:
        return SessionConfig.from_file(path)
    except ConfigError as exc:
        raise CliError(str(exc).replace("\n", "; ")) from None


def _source(data: str | None, config, days: int | None = None):
    from .data import CsvSource, MemorySource, ParquetSource, generate_minute_bars

    if data is None:
        req_days = _requirements(config).trading_days
        n_days = days or max(60, req_days + 20)
        bars = {s: generate_minute_bars(days=n_days, seed=i + 1, price=50.0 * (i + 1))
                for i, s in enumerate(SYNTHETIC_SYMBOLS)}
        return MemorySource(bars), f"built-in synthetic data ({len(bars)} symbols x {n_days} days)"
    p = Path(data)
    if not p.is_dir():
        raise CliError(f"--data {data}: not a directory")
    if any(p.glob("*.parquet")):
        return ParquetSource(p), f"Parquet files in {p}"
    if any(p.glob("*.csv")):
        return CsvSource(p, session=config.session), f"CSV files in {p}"
    raise CliError(f"--data {data}: no bar files (*.parquet or *.csv) found")


def _requirements(config):
    from .coordinator.requirements import session_requirements

    return session_requirements(config)


def _lean_allocators() -> None:
    """Allocator settings that keep a long run's peak memory flat; this process and its workers only.

    Arrow's default allocator (mimalloc) keeps freed pages for reuse: 25-30 MB
    more at the peak of a one-symbol run than the C library's, which returns
    them. Arrow reads the choice once, when pyarrow is imported, and a user's
    own choice wins. glibc, left to itself, serves chunk-sized arrays from
    its heap after the first few are freed, and the heap then fragments and
    grows with the number of chunks (10 MB more for ten years than for one);
    from a fixed threshold on it maps them and unmaps them when freed.
    """
    if "pyarrow" not in sys.modules:
        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    try:
        libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (AttributeError, ValueError, OSError):  # not a glibc system
        libc = ""
    if libc.startswith("glibc"):
        import ctypes

        try:
            ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, 1 << 16)
        except (OSError, AttributeError):
            pass


def _cmd_run(args: argparse.Namespace) -> int:
    _lean_allocators()
    from . import batch

    config = _load_config(args.config)
    source, desc = _source(args.data, config)
    symbols = args.symbols.split(",") if args.symbols else None
    if symbols is None:
        symbols = list(config.symbols) or list(getattr(source, "symbols", []))
    if not symbols:
        raise CliError("no symbols: pass --symbols, list them in the config, or point --data at bar files")
    known = set(getattr(source, "symbols", symbols))
    unknown = [s for s in symbols if s not in known]
    if unknown:
        raise CliError(f"unknown symbol(s) {', '.join(unknown)}; the data has {', '.join(sorted(known)[:10])}")
    out = Path(args.out)
    if not args.quiet:
        print(f"ringta run: {len(symbols)} symbol(s) from {desc}; intervals {', '.join(config.intervals())}; "
              f"{len(config.indicator_configs())} indicators -> {out}")
    summary = batch.run(config, source, out, symbols=symbols, start=args.start, end=args.end,
                        workers=args.workers, scheduler=args.scheduler, chunk=args.chunk or batch.DEFAULT_CHUNK,
                        quiet=args.quiet)
    print(summary.describe())
    if summary.ok and not args.quiet:
        _print_last_rows(summary, config)
    return 0 if summary.ok else 1


def _print_last_rows(summary, config) -> None:
    import pyarrow.parquet as pq

    r = summary.results[0]
    iv = config.base_interval if config.base_interval in r.files else next(iter(r.files), None)
    if iv is None:
        return
    # Only the last row groups: the whole file of ten years of minutes would
    # double the run's peak memory just to print five rows.
    pf = pq.ParquetFile(r.files[iv])
    names = [n for n in pf.schema_arrow.names if n not in ("open", "high", "low", "volume")][:7]
    first, rows = pf.num_row_groups, 0
    while first > 0 and rows < 5:
        first -= 1
        rows += pf.metadata.row_group(first).num_rows
    table = pf.read_row_groups(list(range(first, pf.num_row_groups)), columns=names)
    print(f"\nlast rows of {r.symbol} {iv} ({r.files[iv]}):")
    print("".join(f"{n[:16]:>17}" for n in names))
    cols = [table.column(n).to_pylist()[-5:] for n in names]
    for row in zip(*cols):
        cells = []
        for n, v in zip(names, row):
            if n == "timestamp":
                cells.append(f"{datetime.fromtimestamp(v / 1e9, tz=timezone.utc):%Y-%m-%d %H:%M}".rjust(17))
            else:
                cells.append(f"{v:>17.4f}")
        print("".join(cells))


def _cmd_plot(args: argparse.Namespace) -> int:
    try:
        from .plot import plot_output
    except ImportError:
        raise CliError("plotting needs matplotlib: pip install 'ringta[plot]'") from None
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise CliError("plotting needs matplotlib: pip install 'ringta[plot]'") from None
    inds = args.indicators.split(",") if args.indicators else None
    path = plot_output(args.run_dir, args.symbol, args.interval, inds, args.out, args.start, args.end,
                       candles=args.candles, width=args.width, height=args.height)
    print(f"wrote {path}")
    return 0


def _cmd_requirements(args: argparse.Namespace) -> int:
    config = _load_config(args.config)
    req = _requirements(config)
    print(req.describe())
    print(f"calendar days (weekdays only, holidays not counted): {req.calendar_days()}")
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    from .data import generate_minute_bars, write_parquet_bars

    if args.symbols < 1 or args.days < 1:
        raise CliError("--symbols and --days must be at least 1")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for i in range(args.symbols):
        sym = f"SYN{i:04d}"
        write_parquet_bars(out / f"{sym}.parquet", generate_minute_bars(days=args.days, seed=args.seed + i,
                                                                          price=20.0 + 5.0 * (i % 40)))
    print(f"wrote {args.symbols} symbol(s) x {args.days} day(s) of one-minute bars to {out}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    import numpy as np

    import ringta
    from ringta.data import generate_minute_bars

    bars = generate_minute_bars(days=1, seed=args.seed)
    n = min(args.bars, bars.n)
    ts, close, volume = bars.timestamp[:n], bars.close[:n], bars.volume[:n]
    cols = {
        "close": close,
        "sma_20": ringta.sma(close, 20),
        "ema_20": ringta.ema(close, 20),
        "rsi_14": ringta.rsi(close, 14),
        "macd": ringta.macd(close).macd,
        "bb_up": ringta.bbands(close).upper,
        "bb_low": ringta.bbands(close).lower,
        "obv": ringta.obv(close, volume),
    }
    ema = ringta.EMA(20)
    streamed = np.array([ema.update(c) for c in close])
    same = np.array_equal(streamed, cols["ema_20"], equal_nan=True)
    print(f"ringta {ringta.__version__}: {n} synthetic one-minute bars, seed {args.seed}")
    print("time (UTC)        " + "".join(f"{k:>13}" for k in cols))
    for i in range(max(0, n - args.tail), n):
        t = datetime.fromtimestamp(ts[i] / 1e9, tz=timezone.utc).strftime("%Y-%m-%d %H:%M")
        print(f"{t:<18}" + "".join(f"{cols[k][i]:>13.4f}" for k in cols))
    print(f"streaming EMA equals batch EMA bit for bit: {same}")
    return 0 if same else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ringta",
        description="O(1) streaming technical indicators, TA-Lib exact: batch runs, requirements, synthetic data.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="compute every configured indicator over history; write Parquet",
                         description="Read one-minute bars, derive the configured intervals, compute every "
                                     "indicator and write <out>/<symbol>/<interval>.parquet. Without --data, "
                                     "runs on built-in synthetic bars.")
    run.add_argument("config", help="session config (JSON), e.g. examples/unified_config_example.json")
    run.add_argument("--data", help="folder of <symbol>.parquet or <symbol>.csv one-minute bars")
    run.add_argument("--symbols", help="comma-separated symbols (default: the config's, or all in --data)")
    run.add_argument("--start", help="first bar time (ISO 8601; UTC if no offset)")
    run.add_argument("--end", help="end time, exclusive (ISO 8601)")
    run.add_argument("--out", default="ringta-out", help="output folder (default ringta-out)")
    run.add_argument("--workers", type=int, default=1, help="local worker processes (default 1)")
    run.add_argument("--scheduler", help="Dask scheduler address, or 'local' for a LocalCluster")
    run.add_argument("--chunk", type=int, help="bars read per chunk (default 16384)")
    run.add_argument("--quiet", action="store_true", help="no progress bar or table")
    run.set_defaults(func=_cmd_run)

    req = sub.add_parser("requirements", help="print the intervals and history a config needs",
                         description="Requirement analysis: base and derived intervals, and how many bars "
                                     "and trading days of history each indicator needs to be ready at the open.")
    req.add_argument("config", help="session config (JSON)")
    req.set_defaults(func=_cmd_requirements)

    gen = sub.add_parser("generate", help="write synthetic one-minute bars as Parquet",
                         description="Write <out>/SYN0000.parquet, ... with seeded synthetic regular-session bars.")
    gen.add_argument("--symbols", type=int, default=10, help="number of symbols (default 10)")
    gen.add_argument("--days", type=int, default=252, help="trading days per symbol (default 252)")
    gen.add_argument("--out", default="ringta-data", help="output folder (default ringta-data)")
    gen.add_argument("--seed", type=int, default=1, help="random seed of the first symbol (default 1)")
    gen.set_defaults(func=_cmd_generate)

    plot = sub.add_parser("plot", help="draw a symbol's bars and indicators from a run's output to PNG",
                          description="Read <run_dir>/<symbol>/<interval>.parquet (written by ringta run) and draw "
                                      "the close (or candles) with the chosen indicators. Needs matplotlib "
                                      "(pip install 'ringta[plot]').")
    plot.add_argument("run_dir", help="output folder of ringta run")
    plot.add_argument("--symbol", required=True, help="symbol to draw")
    plot.add_argument("--interval", default="5m", help="interval (default 5m)")
    plot.add_argument("--indicators", help="comma-separated indicator keys (default: all)")
    plot.add_argument("--start", help="first bar time (ISO 8601)")
    plot.add_argument("--end", help="end time, exclusive (ISO 8601)")
    plot.add_argument("--candles", action="store_true", help="candles instead of a close line")
    plot.add_argument("--width", type=int, default=1200, help="image width in pixels (default 1200)")
    plot.add_argument("--height", type=int, default=800, help="image height in pixels (default 800)")
    plot.add_argument("--out", default="chart.png", help="PNG to write (default chart.png)")
    plot.set_defaults(func=_cmd_plot)

    demo = sub.add_parser("demo", help="print six indicators over a few hundred synthetic bars",
                          description="Generate synthetic one-minute bars and print the last rows of six indicators.")
    demo.add_argument("--bars", type=int, default=300, help="number of bars (default 300)")
    demo.add_argument("--tail", type=int, default=10, help="rows to print (default 10)")
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except CliError as exc:
        print(f"ringta {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except (ValueError, LookupError, OSError) as exc:
        msg = str(exc).replace("\n", "; ")
        print(f"ringta {args.command}: error: {msg}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"ringta {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into e.g. `head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
