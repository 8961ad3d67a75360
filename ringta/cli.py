"""The ``ringta`` command line."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone


def _demo(args: argparse.Namespace) -> int:
    import numpy as np

    import ringta
    from ringta.data import generate_minute_bars

    bars = generate_minute_bars(days=1, seed=args.seed)
    n = min(args.bars, len(bars.close))
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
    # Streaming gives the same numbers, bar by bar.
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
        description="O(1) streaming technical indicators, TA-Lib exact.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="compute indicators on built-in synthetic minute bars and print them",
        description="Generate synthetic one-minute bars and print the last rows of six indicators.",
    )
    demo.add_argument("--bars", type=int, default=300, help="number of bars to generate (default 300)")
    demo.add_argument("--tail", type=int, default=10, help="rows to print (default 10)")
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
