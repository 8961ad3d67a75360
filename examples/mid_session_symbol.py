"""Add a symbol in the middle of a session and check it matches one streamed all day.

A session built from ``examples/unified_config_example.json`` starts at the
open with some symbols, plus ``BBB_REF``, which streams all day. At 11:07
New York time ``BBB`` (the same bars as ``BBB_REF``) is added with
``add_symbol_mid_session``: the coordinator analyses how much history the
indicators need, loads it from a ``MemorySource`` (whole sessions, then
today's bars up to the last minute seen) and replays it through the live
path. From then on both are streamed; their indicator states are compared bit
for bit, right after the addition and at the close.

    python examples/mid_session_symbol.py
    python examples/mid_session_symbol.py --symbols 20 --at 14:45
"""

from __future__ import annotations

import argparse
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from ringta.coordinator import Bars, SessionCoordinator
from ringta.coordinator.requirements import RequirementError
from ringta.data import MemorySource, generate_minute_bars

CONFIG = Path(__file__).resolve().parent / "unified_config_example.json"
NEW_YORK = ZoneInfo("America/New_York")
SESSION_MINUTES = 390


def ny(ts: int) -> str:
    return datetime.fromtimestamp(ts / 1e9, tz=NEW_YORK).strftime("%Y-%m-%d %H:%M")


def identical(sc: SessionCoordinator, a: str, b: str) -> tuple[bool, int]:
    """Whether every indicator state block and bar buffer of ``a`` equals ``b``'s bit for bit."""
    da, db = sc.session_data.get_symbol_data(a), sc.session_data.get_symbol_data(b)
    same = da.indicators.keys() == db.indicators.keys()
    for key, h in da.indicators.items():
        same &= np.array_equal(h.block, db.indicators[key].block, equal_nan=True)
    for iv in da.bars:
        ba, bb = da.bars[iv].get_bars(), db.bars[iv].get_bars()
        same &= all(np.array_equal(x, y) for x, y in zip(ba, bb))
    return bool(same), len(da.indicators)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--symbols", type=int, default=1, help="symbols streamed from the open besides BBB_REF (default 1)")
    ap.add_argument("--days", type=int, default=5, help="extra older sessions in the source (default 5)")
    ap.add_argument("--at", default="11:07", help="New York time at which BBB is added (default 11:07)")
    ap.add_argument("--seed", type=int, default=3, help="random seed (default 3)")
    args = ap.parse_args(argv)
    add_at = time.fromisoformat(args.at)

    probe = SessionCoordinator(CONFIG)
    history = probe.requirements.trading_days
    total = args.days + history + 1  # older sessions, the history the indicators need, today
    early = [f"A{i:02d}" for i in range(args.symbols)]
    bars = {s: generate_minute_bars(days=total, seed=args.seed + 1 + i, price=30.0 + 10.0 * i)
            for i, s in enumerate(early)}
    bars["BBB"] = bars["BBB_REF"] = generate_minute_bars(days=total, seed=args.seed, price=120.0)
    source = MemorySource(bars)

    sc = SessionCoordinator(CONFIG, data_source=source)
    today = (total - 1) * SESSION_MINUTES  # index of today's first bar
    for s in [*early, "BBB_REF"]:
        b = bars[s]
        sc.register_symbol(s, {"1m": Bars(*(c[today - history * SESSION_MINUTES:today] for c in b))})
    streaming = [*early, "BBB_REF"]
    print(f"open: streaming {', '.join(streaming)} ({history} sessions of history each)")

    ts = bars["BBB"].timestamp[today:]
    added = None
    for k in range(ts.size):
        t = int(ts[k])
        if added is None and datetime.fromtimestamp(t / 1e9, tz=NEW_YORK).time() >= add_at:
            print(f"{ny(t)}: adding BBB mid-session (last bar seen {ny(sc.current_time)})")
            added = sc.add_symbol_mid_session("BBB")
            print(f"  bars_loaded={added.bars_loaded:,} first={ny(added.first_timestamp)} "
                  f"last={ny(added.last_timestamp)} all_ready={added.all_ready} not_ready={added.not_ready}")
            same, n = identical(sc, "BBB", "BBB_REF")
            print(f"  right after adding: {n} indicators of BBB identical to BBB_REF: {same}")
            streaming.append("BBB")
            try:
                sc.add_symbol_mid_session("NOPE")
            except RequirementError as exc:
                print(f"  adding an unknown symbol fails and changes nothing: {exc}")
        values = np.stack([bars[s].values[today + k] for s in streaming])
        sc.on_bars(t, streaming, values)
    sc.end_session()
    if added is None:
        print(f"the session ended before {args.at}; nothing was added")
        return 1

    data = sc.session_data
    print(f"close ({ny(sc.current_time)}):")
    for key in ("ema_9_1m", "rsi_14_5m", "macd_12_26_9_5m", "sma_50_1d"):
        a, b = data.get_indicator_value("BBB", key), data.get_indicator_value("BBB_REF", key)
        a = a.macd if hasattr(a, "macd") else a
        b = b.macd if hasattr(b, "macd") else b
        print(f"  {key:<18} BBB={a!r:<22} BBB_REF={b!r}")
    same, n = identical(sc, "BBB", "BBB_REF")
    print(f"at the close: {n} indicators and all bars of BBB identical to BBB_REF: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
