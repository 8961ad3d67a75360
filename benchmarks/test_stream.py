"""Streaming: ns per update called from Python.

Three tables:

* ``single``: one indicator object updated bar by bar, for every streaming
  implementation in the registry, plus the cost of the bare Python loop;
* ``fused``: the six :data:`~benchmarks.cases.FUSED` indicators of one symbol
  advanced per bar, by one ``step_bar`` call or by six objects;
* ``cross``: the same six indicators for N symbols per timestamp, reported per
  symbol: per-kind ``update_rows``, one ``step_bars`` call, or six TA-Lib
  stream handles per symbol in a Python loop.

Every object is opened on history first, so the steady state is measured.
"""

from __future__ import annotations

import numpy as np
import pytest

from ringta.kernels import (REGISTRY, UPDATE_COLUMNS, ColumnSet, IndicatorSet, allocate, allocate_columns, step_bar,
                            step_bars, step_columns)
from ringta.kernels._program import P_OFFSET, P_ROW

from .cases import CASES, FUSED, Bars, Handle, bars, fused_indicators, random_walk, stream_loop
from .settings import (CROSS_SECTION_WORK, HISTORY_BARS, SMOKE_MAX_SYMBOLS, STREAM_UPDATES, SYMBOL_COUNTS,
                       record)

PAIRS = [(c, impl) for c in CASES.values() for impl in c.implementations("stream")]


def _stream_bars() -> tuple[Bars, Bars]:
    b = bars(HISTORY_BARS + STREAM_UPDATES)
    return b[:HISTORY_BARS], b[HISTORY_BARS:]


# -- one indicator -------------------------------------------------------------


@pytest.mark.parametrize("case,impl", PAIRS, ids=[f"{c.name}-{i.label}" for c, i in PAIRS])
def test_single(benchmark, case, impl):
    reason = impl.unavailable() or impl.untimed
    if reason:
        pytest.skip(reason)
    history, feed = _stream_bars()
    run = stream_loop(impl.make(history, case.full_params, case.spec), feed)
    record(benchmark, group="stream", table="single", case=case.name, impl=impl.label, unit="update",
           per=len(feed), reference=impl.label == "ringta", note=impl.note, about=impl.about)
    benchmark(run)


def _noop(x):
    pass


def test_loop_overhead(benchmark):
    """What the Python ``for`` loop and one call cost by themselves: part of every row above."""
    _, feed = _stream_bars()
    run = stream_loop(Handle(_noop, ("close",), lambda _: ()), feed)
    record(benchmark, group="stream", table="single", impl="Python loop + no-op call", unit="update",
           per=len(feed), about="the loop and call overhead included in every figure of this table")
    benchmark(run)


# -- six indicators, one symbol -----------------------------------------------------


def _six_objects_loop(handles: list[Handle], feed: Bars):
    """Six objects per bar, updated as a user would write it (no per-call argument packing)."""
    u0, u1, u2, u3, u4, u5 = (h.update for h in handles)
    closes, volumes = feed.as_list("close"), feed.as_list("volume")

    def run():
        for c, v in zip(closes, volumes):
            u0(c)
            u1(c)
            u2(c)
            u3(c)
            u4(c)
            u5(c, v)

    return run


SIX_OBJECTS = ("ringta", "talib.stream", "ta-numba")  # libraries whose objects take (close) x5, (close, volume)


FUSED_VARIANTS = {
    "ringta step_bar": "`step_bar(arena, program, o, h, l, c, v)`: one compiled call for all six",
    "ringta IndicatorSet.update": "checked: rejects a non-finite bar before touching any state",
    **{f"{label} x6": f"six {label} objects updated one after the other" for label in SIX_OBJECTS},
}


@pytest.mark.parametrize("variant", list(FUSED_VARIANTS))
def test_fused(benchmark, variant):
    history, feed = _stream_bars()
    s = IndicatorSet(fused_indicators())
    stream_loop(Handle(s.update, Bars.FIELDS, lambda _: ()), history)()
    if variant == "ringta step_bar":
        run = stream_loop(Handle(step_bar, Bars.FIELDS, lambda _: (), prefix=(s.arena, s.program)), feed)
    elif variant == "ringta IndicatorSet.update":
        run = stream_loop(Handle(s.update, Bars.FIELDS, lambda _: ()), feed)
    else:
        label = variant.removesuffix(" x6")
        impls = [next(i for i in CASES[name].implementations("stream") if i.label == label) for name in FUSED]
        reason = next((r for r in (i.unavailable() for i in impls) if r), None)
        if reason:
            pytest.skip(reason)
        handles = [i.make(history, CASES[name].full_params, CASES[name].spec) for i, name in zip(impls, FUSED)]
        run = _six_objects_loop(handles, feed)
    record(benchmark, group="stream", table="fused", case="+".join(FUSED), impl=variant, unit="bar",
           per=len(feed), reference=variant == "ringta step_bar", about=FUSED_VARIANTS[variant])
    benchmark(run)


# -- six indicators, many symbols -------------------------------------------------

CROSS_HISTORY = 60  # > MACD's 34-bar warm-up, and enough for TA-Lib to open every handle


class Panel:
    """``n_steps`` timestamps of bars for ``n_symbols`` independent symbols.

    Per-timestamp slices are built once so that the timed loops only index lists.
    """

    def __init__(self, n_steps: int, n_symbols: int):
        fields = random_walk(n_steps, n_symbols, seed=11)
        self.n_symbols = n_symbols
        self.fields = dict(zip(Bars.FIELDS, fields))  # each (n_steps, n_symbols), C order
        self.bars = np.ascontiguousarray(np.stack(fields, axis=-1))  # (n_steps, n_symbols, 5)


def _per_kind_runner(panel: Panel, steps: range, allocate_fn, update_of):
    """One compiled call per indicator kind per timestamp: ``update_of(spec)(state, rows, *inputs, out)``."""
    rows = np.arange(panel.n_symbols, dtype=np.int64)
    kinds = []
    for name, (_, params) in fused_indicators().items():
        spec = REGISTRY[name]
        state = allocate_fn(name, panel.n_symbols, **params)
        out = np.empty((panel.n_symbols, len(spec.outputs)))
        kinds.append((update_of(spec), state, out, spec.inputs))

    def make(t_range):
        calls = [(fn, state, [panel.fields[n][t] for n in inputs], out) for t in t_range
                 for fn, state, out, inputs in kinds]

        def run():
            for fn, state, cols, out in calls:
                fn(state, rows, *cols, out)

        return run

    make(range(CROSS_HISTORY))()
    return make(steps)


def _update_rows_runner(panel: Panel, steps: range):
    return _per_kind_runner(panel, steps, allocate, lambda spec: spec.update_rows)


def _update_columns_runner(panel: Panel, steps: range):
    return _per_kind_runner(panel, steps, allocate_columns, lambda spec: UPDATE_COLUMNS[spec.name])


def _step_bars_runner(panel: Panel, steps: range):
    one = IndicatorSet(fused_indicators())
    width, n = one.arena.shape[0], panel.n_symbols
    arena = np.tile(one.arena, n)
    program = np.tile(one.program, (n, 1))
    sym = np.repeat(np.arange(n, dtype=np.int64), one.program.shape[0])
    program[:, P_OFFSET] += sym * width
    program[:, P_ROW] = sym
    program = np.ascontiguousarray(program)

    def make(t_range):
        frames = [panel.bars[t] for t in t_range]

        def run():
            for frame in frames:
                step_bars(arena, program, frame)

        return run

    make(range(CROSS_HISTORY))()
    return make(steps)


def _step_columns_runner(panel: Panel, steps: range):
    sets = ColumnSet(fused_indicators(), panel.n_symbols)
    arena, program, n, rows = sets.arena, sets.program, panel.n_symbols, np.arange(panel.n_symbols, dtype=np.int64)

    def make(t_range):
        # Field-major bars, one (5, n_symbols) array per timestamp, built untimed.
        frames = [np.ascontiguousarray(panel.bars[t].T) for t in t_range]

        def run():
            for frame in frames:
                step_columns(arena, program, n, rows, frame)

        return run

    make(range(CROSS_HISTORY))()
    return make(steps)


def _talib_runner(panel: Panel, steps: range):
    impls = [next(i for i in CASES[name].implementations("stream") if i.label == "talib.stream") for name in FUSED]
    reason = next((r for r in (i.unavailable() for i in impls) if r), None)
    if reason:
        pytest.skip(reason)
    hist = slice(0, CROSS_HISTORY)
    symbols = []
    for j in range(panel.n_symbols):
        b = Bars(*(panel.fields[f][hist, j] for f in Bars.FIELDS))
        symbols.append(tuple(i.make(b, CASES[n].full_params, CASES[n].spec).update for i, n in zip(impls, FUSED)))
    frames = [(panel.fields["close"][t].tolist(), panel.fields["volume"][t].tolist()) for t in steps]

    def run():
        for closes, volumes in frames:
            for (u0, u1, u2, u3, u4, u5), c, v in zip(symbols, closes, volumes):
                u0(c)
                u1(c)
                u2(c)
                u3(c)
                u4(c)
                u5(c, v)

    return run


CROSS_VARIANTS = {
    "ringta step_bars": (_step_bars_runner, "one compiled call per timestamp for all symbols and indicators"),
    "ringta update_rows x6": (_update_rows_runner, "one compiled call per indicator kind per timestamp"),
    "ringta step_columns": (_step_columns_runner, "column tables (`ColumnSet`): one compiled call per timestamp for all "
                                                  "symbols and indicators, SIMD across symbols"),
    "ringta update_columns x6": (_update_columns_runner, "column tables: one compiled call per indicator kind per "
                                                         "timestamp, SIMD across symbols"),
    "talib.stream x6 per symbol": (_talib_runner, "six TA-Lib stream handles per symbol, Python loop"),
}


@pytest.mark.parametrize("variant", list(CROSS_VARIANTS))
@pytest.mark.parametrize("n_symbols", SYMBOL_COUNTS, ids=lambda n: f"{n}symbols")
def test_cross_section(benchmark, enabled, n_symbols, variant):
    if not enabled and n_symbols > SMOKE_MAX_SYMBOLS:
        pytest.skip(f"plain run: {n_symbols} symbols are only run with --benchmark-enable")
    n_steps = max(1, CROSS_SECTION_WORK // n_symbols)
    panel = Panel(CROSS_HISTORY + n_steps, n_symbols)
    make, note = CROSS_VARIANTS[variant]
    run = make(panel, range(CROSS_HISTORY, CROSS_HISTORY + n_steps))
    record(benchmark, group="stream", table="cross", size=n_symbols, impl=variant, unit="symbol",
           per=n_steps * n_symbols, reference=variant == "ringta step_columns", about=note)
    benchmark(run)
