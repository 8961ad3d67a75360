"""A strategy subscribed to a live session: RSI and MACD decisions on 5-minute bars.

The session is built from ``examples/unified_config_example.json``. Every
symbol is registered with the history the requirement analysis asks for
(replayed through the live path, so all indicators are ready at the open),
then one-minute bars of the following session(s) are streamed one timestamp
at a time with ``on_bars``. The strategy is called whenever a bar of any
interval closes, and acts on the 5-minute ones.

    python examples/streaming_strategy.py
    python examples/streaming_strategy.py --symbols 5 --days 3 --show 20
"""

from __future__ import annotations

import argparse
import math
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from ringta.coordinator import Bars, SessionCoordinator
from ringta.data import generate_minute_bars

CONFIG = Path(__file__).resolve().parent / "unified_config_example.json"
SESSION_MINUTES = 390
NEW_YORK = ZoneInfo("America/New_York")


class MacdRsiStrategy:
    """Long when the MACD histogram turns positive with RSI below 70; flat when it turns negative."""

    def __init__(self, show: int = 10):
        self.show = show
        self.position: dict[str, int] = {}
        self.last_hist: dict[str, float] = {}
        self.decisions: list[tuple] = []
        self.bars_seen = 0

    def on_bar(self, symbol, interval, bar, indicators):
        self.bars_seen += 1
        if interval != "5m":
            return
        macd = indicators["macd_12_26_9_5m"]  # MacdResult(macd, signal, hist)
        rsi = indicators["rsi_14_5m"]
        if math.isnan(macd.hist) or math.isnan(rsi):
            return  # not ready yet
        prev = self.last_hist.get(symbol)
        self.last_hist[symbol] = macd.hist
        if prev is None:
            return
        pos = self.position.get(symbol, 0)
        action = None
        if pos == 0 and prev <= 0.0 < macd.hist and rsi < 70.0:
            action, self.position[symbol] = "BUY ", 1
        elif pos == 1 and prev >= 0.0 > macd.hist:
            action, self.position[symbol] = "SELL", 0
        if action is not None:
            self.decisions.append((bar.timestamp, symbol, action, bar.close, rsi, macd.hist))
            if len(self.decisions) <= self.show:
                t = datetime.fromtimestamp(bar.timestamp / 1e9, tz=NEW_YORK)  # bar open time
                print(f"{t:%Y-%m-%d %H:%M} NY {symbol:<6} {action} close={bar.close:9.4f} "
                      f"rsi_14_5m={rsi:6.2f} macd.hist={macd.hist:+.5f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--symbols", type=int, default=2, help="number of synthetic symbols (default 2)")
    ap.add_argument("--days", type=int, default=1, help="sessions streamed after the history (default 1)")
    ap.add_argument("--show", type=int, default=8, help="decisions printed (default 8)")
    ap.add_argument("--seed", type=int, default=11, help="random seed (default 11)")
    args = ap.parse_args(argv)

    sc = SessionCoordinator(CONFIG)
    history_days = sc.requirements.trading_days
    print(f"config {CONFIG.name}: intervals {', '.join(sc.config.intervals())}; "
          f"{len(sc.config.indicator_configs())} indicators; history needed: {history_days} trading days")

    symbols = [f"SYM{i}" for i in range(args.symbols)]
    live = {}
    for i, s in enumerate(symbols):
        bars = generate_minute_bars(days=history_days + args.days, seed=args.seed + i, price=40.0 + 20.0 * i)
        cut = history_days * SESSION_MINUTES
        sc.register_symbol(s, {"1m": Bars(*(c[:cut] for c in bars))})
        live[s] = Bars(*(c[cut:] for c in bars))
    ready = [sum(v["ready"] for v in sc.session_data.get_all_indicators(s).values()) for s in symbols]
    print(f"registered {len(symbols)} symbols; indicators ready at the open: {ready[0]}/11")

    strategy = MacdRsiStrategy(show=args.show)
    sc.subscribe(strategy.on_bar)

    # All symbols share the synthetic calendar: one cross-section per minute.
    t0 = time.perf_counter()
    ts = live[symbols[0]].timestamp
    values = np.stack([live[s].values for s in symbols], axis=1)  # (minutes, symbols, 5)
    for k in range(ts.size):
        sc.on_bars(int(ts[k]), symbols, values[k])
    sc.end_session()
    dt = time.perf_counter() - t0

    buys = sum(d[2] == "BUY " for d in strategy.decisions)
    print(f"streamed {ts.size * len(symbols):,} one-minute bars in {dt:.3f}s; "
          f"strategy called {strategy.bars_seen:,} times; decisions: {len(strategy.decisions)} "
          f"({buys} buys, {len(strategy.decisions) - buys} sells)")
    s0 = symbols[0]
    data = sc.session_data
    print(f"{s0} at the close: rsi_14_5m={data.get_indicator_value(s0, 'rsi_14_5m'):.2f} "
          f"macd={data.get_indicator_value(s0, 'macd_12_26_9_5m', 'macd'):+.5f} "
          f"sma_50_1d={data.get_indicator_value(s0, 'sma_50_1d'):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
