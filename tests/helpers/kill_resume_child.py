"""Child process of test_kill_resume.py.

``run CSV SNAPSHOT EVERY SLEEP [FINAL]``: a session (the example config, symbols SPY and a scaled
copy SPYX) fed the SPY minute bars one by one with automatic snapshots every EVERY timestamps,
printing ``P <timestamp index>`` after each timestamp; at the end writes FINAL (if given) and
prints ``DONE``.

``writer SNAPSHOT``: snapshots of a growing session written in a tight loop; after writing the
snapshot holding k symbols it prints ``S <k>``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from state import read_spy, spy_symbols  # noqa: E402

from ringta.coordinator import Bars, SessionConfig, SessionCoordinator  # noqa: E402
from ringta.data import generate_minute_bars  # noqa: E402

EXAMPLE = HERE.parents[1] / "examples" / "unified_config_example.json"


def config(**top) -> SessionConfig:
    d = json.loads(EXAMPLE.read_text())
    d["symbols"] = ["SPY", "SPYX"]
    d.update(top)
    return SessionConfig.from_dict(d)


def run(csv: str, snap: str, every: int, pause: float, final: str | None = None) -> None:
    ts, vals = read_spy(csv)
    items = spy_symbols(ts, vals)
    sc = SessionCoordinator(config(snapshot_every=every, snapshot_path=snap))
    i_ts = 0
    prev = None
    for t, sym, bar in items:
        if prev is not None and t != prev:
            print(f"P {i_ts}", flush=True)
            i_ts += 1
            if pause:
                time.sleep(pause)
        prev = t
        sc.on_bar(sym, bar)
    if final:
        sc.snapshot(final)
    print("DONE", flush=True)


def writer_session(k: int) -> SessionCoordinator:
    """The session the writer snapshots at step ``k``: symbols S0..S{k-1}, each fed one day."""
    bars = generate_minute_bars(days=1, seed=9)
    sc = SessionCoordinator(config(symbols=[]))
    for j in range(k):
        s = f"S{j}"
        sc.register_symbol(s)
        f = 1.0 + j / 8
        sc.replay(s, Bars(bars.timestamp, bars.open * f, bars.high * f, bars.low * f, bars.close * f, bars.volume))
    return sc


def writer(snap: str) -> None:
    bars = generate_minute_bars(days=1, seed=9)
    sc = SessionCoordinator(config(symbols=[]))
    k = 0
    while True:
        s = f"S{k}"
        sc.register_symbol(s)
        f = 1.0 + k / 8
        sc.replay(s, Bars(bars.timestamp, bars.open * f, bars.high * f, bars.low * f, bars.close * f, bars.volume))
        k += 1
        sc.snapshot(snap)
        print(f"S {k}", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6] if len(sys.argv) > 6 else None)
    elif sys.argv[1] == "writer":
        writer(sys.argv[2])
    else:
        raise SystemExit(f"unknown mode {sys.argv[1]!r}")
