"""The session coordinator: ns per base bar, one symbol and a cross-section.

Both run the example config (``examples/unified_config_example.json``: eight
session indicators on 1m and 5m bars, three daily ones) on synthetic regular
sessions. A first day warms every indicator up (the 5-minute MACD needs 34
bars); the timed calls feed the following day in slices of minutes, so each
slice includes its share of 5-minute closes.

* ``on_bar``: one symbol, ``SessionCoordinator.on_bar`` per minute (bar
  validation, 5m aggregation, bar buffers and all indicators), against eight
  TA-Lib 0.8 stream handles fed from a Python loop, the 1m ones every minute and
  the 5m ones on precomputed 5-minute closes (TA-Lib does no validation,
  aggregation or storage here, so the comparison favours it).
* ``on_bars``: N symbols per timestamp through one ``on_bars`` call, against
  the same bars fed symbol by symbol through ``on_bar``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ringta.coordinator import SessionCoordinator
from ringta.data import generate_minute_bars

from .cases import PEERS
from .settings import QUICK, record

CONFIG = Path(__file__).resolve().parent.parent / "examples" / "unified_config_example.json"
DAY = 390
SLICE = 39  # minutes per timed call: ten calls make the timed day
ROUNDS = 5 if QUICK else 10
XS_SYMBOLS = (100, 1_000)


def _panel(n_symbols: int, days: int) -> tuple[np.ndarray, np.ndarray]:
    """Timestamps ``(days*390,)`` and bars ``(days*390, n_symbols, 5)`` of independent walks."""
    first = generate_minute_bars(days=days, seed=7)
    ts = np.asarray(first.timestamp, dtype=np.int64)
    rng = np.random.default_rng(17)
    n = ts.size
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 7e-4, (n, n_symbols)), axis=0))
    open_ = np.vstack([close[:1], close[:-1]])
    wick = np.abs(rng.normal(0.0, 4e-4, (2, n, n_symbols))) * close
    high = np.maximum(open_, close) + wick[0]
    low = np.minimum(open_, close) - wick[1]
    volume = rng.integers(100, 10_000, (n, n_symbols)).astype(np.float64)
    return ts, np.ascontiguousarray(np.stack([open_, high, low, close, volume], axis=-1))


def _pedantic(benchmark, enabled: bool, run, rounds: int) -> None:
    # Every call consumes new minutes (time only moves forward), so the rounds
    # are fixed rather than calibrated.
    if enabled:
        benchmark.pedantic(run, rounds=rounds, iterations=1)
    else:
        benchmark(run)


def _feeder(ts: np.ndarray, frames: list, step, start: int = DAY):
    """A zero-argument callable feeding the next ``SLICE`` minutes to ``step(t, frame)``, from minute ``start``."""
    pos = [start]

    def run():
        start = pos[0]
        for t in range(start, start + SLICE):
            step(ts[t], frames[t])
        pos[0] = start + SLICE

    return run


# -- one symbol --------------------------------------------------------------------


def _on_bar_runner(ts, panel):
    coord = SessionCoordinator(str(CONFIG))
    coord.register_symbol("SYM")
    bars = [(int(t), *map(float, row)) for t, row in zip(ts, panel[:, 0, :])]
    on_bar = coord.on_bar
    for b in bars[:DAY]:
        on_bar("SYM", b)
    return _feeder(ts, bars, lambda t, b: on_bar("SYM", b))


def _talib_runner(ts, panel):
    import talib.stream as ts_

    close = np.ascontiguousarray(panel[:, 0, 3])
    volume = np.ascontiguousarray(panel[:, 0, 4])
    close5 = close[4::5]  # the last close of every 5-minute bar (sessions are whole multiples of 5)
    hist, hist5 = slice(0, DAY), slice(0, DAY // 5)
    one = (ts_.EMA(close[hist], timeperiod=9).update, ts_.SMA(close[hist], timeperiod=20).update,
           ts_.RSI(close[hist], timeperiod=14).update)
    obv = ts_.OBV(close[hist], volume[hist]).update
    five = (ts_.EMA(close5[hist5], timeperiod=20).update, ts_.RSI(close5[hist5], timeperiod=14).update,
            ts_.MACD(close5[hist5], fastperiod=12, slowperiod=26, signalperiod=9).update,
            ts_.BBANDS(close5[hist5], timeperiod=20, nbdevup=2.0, nbdevdn=2.0).update)
    frames = [(float(c), float(v), t % 5 == 4) for t, (c, v) in enumerate(zip(close, volume))]

    def step(_, frame):
        c, v, closes5 = frame
        for u in one:
            u(c)
        obv(c, v)
        if closes5:
            for u in five:
                u(c)

    return _feeder(ts, frames, step)


ON_BAR = {
    "ringta on_bar": (_on_bar_runner, "`SessionCoordinator.on_bar`: validation, 5m aggregation, bar buffers, "
                                      "eight indicators"),
    "talib.stream x8": (_talib_runner, "eight TA-Lib 0.8 stream handles, the 5m ones on precomputed 5m closes"),
}


@pytest.mark.parametrize("variant", list(ON_BAR))
def test_on_bar(benchmark, enabled, variant):
    if variant.startswith("talib") and PEERS["talib"].unavailable():
        pytest.skip(PEERS["talib"].unavailable())
    ts, panel = _panel(1, 2 + ROUNDS // 10)
    make, about = ON_BAR[variant]
    run = make(ts, panel)
    record(benchmark, group="coordinator", table="on_bar", case="example config", impl=variant, unit="bar",
           per=SLICE, reference=variant == "ringta on_bar", about=about)
    _pedantic(benchmark, enabled, run, ROUNDS)


# -- a cross-section ---------------------------------------------------------------


def _coordinator(n_symbols: int) -> tuple[SessionCoordinator, list[str]]:
    coord = SessionCoordinator(str(CONFIG))
    symbols = [f"S{i:05d}" for i in range(n_symbols)]
    for s in symbols:
        coord.register_symbol(s)
    return coord, symbols


def _on_bars_runner(ts, panel):
    coord, symbols = _coordinator(panel.shape[1])
    for t in range(DAY):
        coord.on_bars(int(ts[t]), symbols, panel[t])
    return _feeder(ts, panel, lambda t, frame: coord.on_bars(int(t), symbols, frame))


def _late_joiner_runner(ts, panel):
    """As ``_on_bars_runner``, but the last symbol joins seven minutes into the second day, warmed
    from history that starts three minutes after the others' first bar: its bar count, so its ring
    slots, differ from everyone else's for the rest of the run."""
    from ringta.coordinator import Bars

    coord = SessionCoordinator(str(CONFIG))
    symbols = [f"S{i:05d}" for i in range(panel.shape[1])]
    for s in symbols[:-1]:
        coord.register_symbol(s)
    join = DAY + 7
    for t in range(join):
        coord.on_bars(int(ts[t]), symbols[:-1], panel[t, :-1])
    v = np.ascontiguousarray(panel[3:join, -1, :])
    history = Bars(ts[3:join].astype(np.int64), *(np.ascontiguousarray(v[:, f]) for f in range(5)))
    coord.register_symbol(symbols[-1], historical_bars={"1m": history})
    return _feeder(ts, panel, lambda t, frame: coord.on_bars(int(t), symbols, frame), start=join)


def _per_symbol_runner(ts, panel):
    coord, symbols = _coordinator(panel.shape[1])
    frames = [[(int(t), *map(float, row)) for row in panel[k]] for k, t in enumerate(ts)]
    on_bar = coord.on_bar
    for t in range(DAY):
        for s, b in zip(symbols, frames[t]):
            on_bar(s, b)

    def step(_, bars):
        for s, b in zip(symbols, bars):
            on_bar(s, b)

    return _feeder(ts, frames, step)


ON_BARS = {
    "ringta on_bars": (_on_bars_runner, "one `on_bars` call per timestamp for every symbol"),
    "ringta on_bars, one late joiner": (_late_joiner_runner, "the same, with the last symbol added "
                                        "mid-session from history, so that its ring slots differ"),
    "ringta on_bar per symbol": (_per_symbol_runner, "one `on_bar` call per symbol and timestamp"),
}


@pytest.mark.parametrize("variant", list(ON_BARS))
@pytest.mark.parametrize("n_symbols", XS_SYMBOLS, ids=lambda n: f"{n}symbols")
def test_on_bars(benchmark, enabled, n_symbols, variant):
    ts, panel = _panel(n_symbols, 2 + ROUNDS // 10)
    make, about = ON_BARS[variant]
    run = make(ts, panel)
    record(benchmark, group="coordinator", table="on_bars", size=n_symbols, impl=variant, unit="symbol",
           per=SLICE * n_symbols, reference=variant == "ringta on_bars", about=about)
    _pedantic(benchmark, enabled, run, ROUNDS)
