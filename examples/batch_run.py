"""A batch run: synthetic Parquet in, one Parquet file per symbol and interval out.

Writes ``--symbols`` files of ``--days`` sessions of synthetic one-minute bars
with ``ringta.data.write_parquet_bars``, runs every indicator of
``examples/unified_config_example.json`` over them with ``ringta.batch.run``
(in chunks of ``--chunk`` bars, so memory stays bounded), prints the run
summary, the output files and the last rows of a few columns.

    python examples/batch_run.py
    python examples/batch_run.py --symbols 8 --days 250 --workers 4 --keep out/
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq

from ringta import batch
from ringta.coordinator import SessionConfig
from ringta.data import ParquetSource, generate_minute_bars, write_parquet_bars

CONFIG = Path(__file__).resolve().parent / "unified_config_example.json"
NEW_YORK = ZoneInfo("America/New_York")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--symbols", type=int, default=2, help="number of synthetic symbols (default 2)")
    ap.add_argument("--days", type=int, default=60, help="sessions per symbol (default 60)")
    ap.add_argument("--chunk", type=int, default=5_000, help="one-minute bars read per chunk (default 5000)")
    ap.add_argument("--workers", type=int, default=1, help="local worker processes (default 1)")
    ap.add_argument("--keep", help="write into this folder and keep it (default: a temporary folder)")
    args = ap.parse_args(argv)

    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ringta-batch-"))
    try:
        data, out = root / "data", root / "out"
        data.mkdir(parents=True, exist_ok=True)
        for i in range(args.symbols):
            write_parquet_bars(data / f"S{i:03d}.parquet",
                               generate_minute_bars(days=args.days, seed=100 + i, price=25.0 + 5.0 * i))
        print(f"wrote {args.symbols} symbol(s) x {args.days} sessions of one-minute bars")

        config = SessionConfig.from_file(CONFIG)
        summary = batch.run(config, ParquetSource(data), out, workers=args.workers, chunk=args.chunk, quiet=True)
        print(summary.describe())
        if not summary.ok:
            return 1

        first = summary.results[0]
        for iv, path in sorted(first.files.items()):
            meta = pq.read_metadata(path)
            print(f"{Path(path).relative_to(root)}: {meta.num_rows:,} rows, {meta.num_row_groups} row group(s)")

        table = pq.read_table(first.files["5m"])
        print(f"columns of {first.symbol}/5m.parquet: {', '.join(table.column_names)}")
        cols = ["timestamp", "close", "ema_20_5m", "rsi_14_5m", "macd_12_26_9_5m.hist", "bbands_20_2_5m.upper"]
        print("last rows (bar open, New York):")
        print(f"{'':<17}" + "".join(f"{c:>22}" for c in cols[1:]))
        rows = table.select(cols).slice(table.num_rows - 3).to_pylist()
        for r in rows:
            t = datetime.fromtimestamp(r["timestamp"] / 1e9, tz=NEW_YORK)
            print(f"{t:%Y-%m-%d %H:%M}" + "".join(f"{r[c]:>22.6f}" for c in cols[1:]))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
