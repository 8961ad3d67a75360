"""Column tables (``allocate_columns`` / ``<name>_update_columns``) against row tables and streaming objects.

The vector pass across columns and the row-by-row fallback must both give
the bits ``update_rows`` gives: on every bar of long runs (past SMA's and
Bollinger's scheduled re-anchoring), with subsets of rows, rows in any
order, repeated rows, symbols that join later (their rings at another
slot), and windows whose variance collapses (Bollinger's early re-anchor).
"""

from __future__ import annotations

import numpy as np
import pytest

from ringta.kernels import REGISTRY, UPDATE_COLUMNS, allocate, allocate_columns
from ringta.kernels._columns import CHUNK
from ringta.kernels._ring import H_COUNT

PARAMS = {
    "sma": [{"period": 1}, {"period": 20}],
    "ema": [{"period": 9}, {"period": 5, "seed": "first"}],
    "rsi": [{"period": 14}, {"period": 1}],
    "macd": [{}, {"fast_period": 3, "slow_period": 5, "signal_period": 2, "seed": "first"}],
    "bbands": [{"period": 20, "num_std": 2.0}, {"period": 3, "num_std": 1.5}],
    "obv": [{}],
}
CASES = [(name, p) for name, ps in PARAMS.items() for p in ps]


def _panel(n_steps: int, n_rows: int, seed: int) -> dict:
    """Close and volume ``(n_steps, n_rows)``: random walks at several price levels, with flat stretches and spikes."""
    rng = np.random.default_rng(seed)
    level = np.array([1.0, 100.0, 60_000.0, 3.0])[np.arange(n_rows) % 4]
    close = level * (1.0 + np.cumsum(rng.normal(0.0, 1e-3, (n_steps, n_rows)), axis=0))
    flat = n_rows // 3
    close[n_steps // 3 : n_steps // 3 + 60, flat] = close[n_steps // 3, flat]  # a flat window
    close[n_steps // 2, flat] *= 1.5  # a spike whose exit collapses the variance
    close[n_steps // 2 + 1 : n_steps // 2 + 80, flat] = close[n_steps // 2 + 1, flat]
    volume = rng.uniform(0.0, 1000.0, (n_steps, n_rows)).round()
    return {"close": close, "volume": volume}


def _inputs(spec, panel, t, rows):
    return [np.ascontiguousarray(panel[f][t, rows]) for f in spec.inputs]


def test_column_kinds_are_registered():
    """Every column update belongs to a registered kind, and the kinds of the cross-sectional benchmark have one."""
    assert set(UPDATE_COLUMNS) <= set(REGISTRY)
    assert {"sma", "ema", "rsi", "macd", "bbands", "obv"} <= set(UPDATE_COLUMNS)


@pytest.mark.parametrize("name, params", CASES)
def test_columns_equal_rows_every_bar(name, params):
    """All rows every bar, past 1,200 bars: each output and the whole state equal a row table's."""
    spec = REGISTRY[name]
    n_rows, n_steps = CHUNK + 37, 1_200
    panel = _panel(n_steps, n_rows, seed=3)
    rows_state = allocate(name, n_rows, **params)
    cols_state = allocate_columns(name, n_rows, **params)
    np.testing.assert_array_equal(cols_state, rows_state.T)
    k = len(spec.outputs)
    rows = np.arange(n_rows, dtype=np.int64)
    for t in range(n_steps):
        cols = _inputs(spec, panel, t, rows)
        want = np.full((n_rows, k), -1.0)
        got = np.full((n_rows, k), -2.0)
        spec.update_rows(rows_state, rows, *cols, want)
        UPDATE_COLUMNS[name](cols_state, rows, *cols, got)
        np.testing.assert_array_equal(got, want, err_msg=f"{name} bar {t}")
    np.testing.assert_array_equal(cols_state, rows_state.T)


@pytest.mark.parametrize("name, params", CASES)
def test_columns_subsets_late_joiners_and_repeats(name, params):
    """Random subsets, shuffled and repeated rows, and rows that start later equal separate streaming objects."""
    spec = REGISTRY[name]
    n_rows, n_steps = 150, 400
    panel = _panel(n_steps, n_rows, seed=5)
    state = allocate_columns(name, n_rows, **params)
    objs = [spec.stream(**params) for _ in range(n_rows)]
    start = np.zeros(n_rows, dtype=int)
    start[100:] = np.arange(n_rows - 100) * 7  # late joiners: their rings sit at other slots
    start[70] = 3  # one late joiner among rows that share a ring slot
    rng = np.random.default_rng(1)
    k = len(spec.outputs)
    for t in range(n_steps):
        live = np.flatnonzero(start <= t)
        kind = t % 4
        if kind == 0:
            rows = live  # consecutive runs
        elif kind == 1:
            rows = np.sort(rng.choice(live, size=max(1, live.size * 2 // 3), replace=False))  # gaps
        elif kind == 2:
            rows = rng.permutation(live)  # any order
        else:
            rows = np.concatenate([live, live[:3]])  # a row twice: advanced twice, in order
        rows = rows.astype(np.int64)
        values = {f: rng.permutation(panel[f][t]) if kind == 3 else panel[f][t] for f in spec.inputs}
        cols = [np.ascontiguousarray(values[f][rows % n_rows]) for f in spec.inputs]
        out = np.full((rows.size, k), -1.0)
        UPDATE_COLUMNS[name](state, rows, *cols, out)
        for i, r in enumerate(rows):
            res = objs[r].update(*(c[i] for c in cols))
            want = np.array(res if k > 1 else (res,), dtype=float)
            np.testing.assert_array_equal(out[i], want, err_msg=f"{name} bar {t} row {r}")
    for r in range(n_rows):
        assert state[H_COUNT, r] == objs[r].count


@pytest.mark.parametrize("name", sorted(UPDATE_COLUMNS))
def test_columns_refuse_bad_rows(name):
    """Rows outside the table, or too few inputs or outputs, raise and leave the table untouched."""
    spec = REGISTRY[name]
    state = allocate_columns(name, 3)
    k = len(spec.outputs)
    for t in range(5):
        UPDATE_COLUMNS[name](state, np.arange(3, dtype=np.int64), *(np.full(3, 10.0 + t) for _ in spec.inputs),
                             np.empty((3, k)))
    before = state.copy()
    cases = [
        (np.array([0, 3], dtype=np.int64), 2, 2, "outside"),
        (np.array([1, -1], dtype=np.int64), 2, 2, "outside"),
        (np.array([0, 1], dtype=np.int64), 1, 2, "at least one"),
        (np.array([0, 1], dtype=np.int64), 2, 1, "at least one"),
    ]
    for rows, n_in, n_out, message in cases:
        with pytest.raises(ValueError, match=message):
            UPDATE_COLUMNS[name](state, rows, *(np.full(n_in, 11.0) for _ in spec.inputs), np.empty((n_out, k)))
        np.testing.assert_array_equal(state, before)


def test_allocate_columns_refuses_kinds_without_column_update():
    with pytest.raises(ValueError, match="no column update for 'atr'"):
        allocate_columns("atr", 3)


SIX = {
    "sma20": ("sma", {"period": 20}),
    "ema9": ("ema", {"period": 9}),
    "rsi14": ("rsi", {"period": 14}),
    "macd": ("macd", {}),
    "bb": ("bbands", {"period": 20, "num_std": 2.0}),
    "obv": ("obv", {}),
    "sma_vol": ("sma", {"period": 5, "source": "volume"}),
    "ema_high": ("ema", {"period": 4, "source": "high"}),
}


def test_column_set_equals_indicator_sets():
    """``ColumnSet.update`` for all symbols (and for subsets) equals one ``IndicatorSet`` per symbol, every bar."""
    from ringta.kernels import ColumnSet, IndicatorSet

    n_syms, n_steps = 11, 650
    panel = _panel(n_steps, n_syms, seed=9)
    close, volume = panel["close"], panel["volume"]
    high, low = close * 1.001, close * 0.999
    cs = ColumnSet(SIX, n_syms)
    sets = [IndicatorSet(SIX) for _ in range(n_syms)]
    rng = np.random.default_rng(4)
    for t in range(n_steps):
        rows = np.arange(n_syms) if t % 3 else np.sort(rng.choice(n_syms, size=7, replace=False))
        fields = np.stack([close[t, rows], high[t, rows], low[t, rows], close[t, rows], volume[t, rows]])
        cs.update(fields, None if t % 3 else rows)
        for r in rows:
            sets[r].update(close[t, r], high[t, r], low[t, r], close[t, r], volume[t, r])
        if t % 50 == 0 or t == n_steps - 1:
            for key in SIX:
                got = cs.values(key)
                for r in range(n_syms):
                    want = sets[r].values()[key]
                    row = np.array([g[r] for g in got]) if isinstance(want, tuple) else np.array([got[r]])
                    np.testing.assert_array_equal(row, np.array(want if isinstance(want, tuple) else [want]),
                                                  err_msg=f"{key} bar {t} symbol {r}")


def test_column_set_refuses_bad_definitions_and_shapes():
    from ringta.kernels import ColumnSet

    with pytest.raises(ValueError, match="'atr' cannot be used here"):
        ColumnSet({"a": ("atr", {})}, 3)
    with pytest.raises(ValueError, match="source must be one of"):
        ColumnSet({"a": ("sma", {"period": 3, "source": "vwap"})}, 3)
    with pytest.raises(ValueError, match="period"):
        ColumnSet({"a": ("sma", {"period": 0})}, 3)
    with pytest.raises(ValueError, match="n_symbols must be a positive integer, got 0"):
        ColumnSet({"a": ("sma", {"period": 3})}, 0)
    cs = ColumnSet({"a": ("sma", {"period": 3})}, 3)
    before = cs.arena.copy()
    with pytest.raises(ValueError, match=r"fields must have shape \(5, 3\), got \(3, 5\)"):
        cs.update(np.ones((3, 5)))
    with pytest.raises(ValueError, match="outside the state table"):
        cs.update(np.ones((5, 2)), rows=[0, 3])
    bars = np.ones((5, 3))
    bars[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"close=nan of row 1 \(entry 1\) is invalid \(1 bad field"):
        cs.update(bars)
    bars = np.ones((5, 2))
    bars[4, 0] = -5.0
    bars[1, 1] = np.inf
    with pytest.raises(ValueError, match=r"high=inf of row 2 \(entry 1\) is invalid \(2 bad field"):
        cs.update(bars, rows=[0, 2])
    np.testing.assert_array_equal(cs.arena, before)
