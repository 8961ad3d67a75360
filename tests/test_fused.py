"""Fused updates (``IndicatorSet``, ``step_bars``) give exactly the per-indicator values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import FIELDS, make_bars
from reference import as_outputs
from ringta.kernels import REGISTRY, IndicatorSet, step_bars
from ringta.kernels._program import PROGRAM_COLUMNS

N_STEPS = 300


def _instances() -> dict:
    """Every registry entry at its defaults and at small periods, plus non-close sources."""
    out = {}
    for name, spec in REGISTRY.items():
        out[f"{name}_default"] = (name, {})
        small = {p.name: p.lo + 2 for p in spec.params if p.kind is int}
        try:
            spec.validate(**small)
        except ValueError:
            continue
        if small:
            out[f"{name}_small"] = (name, small)
    out["sma3_high"] = ("sma", {"period": 3, "source": "high"})
    out["ema5_low"] = ("ema", {"period": 5, "source": "low", "seed": "first"})
    out["rsi4_open"] = ("rsi", {"period": 4, "source": "open"})
    out["bb6_volume"] = ("bbands", {"period": 6, "num_std": 1.5, "source": "volume"})
    out["macd_first"] = ("macd", {"fast_period": 3, "slow_period": 7, "signal_period": 2, "seed": "first"})
    out["sma1"] = ("sma", {"period": 1})
    return out


INSTANCES = _instances()


def input_fields(spec, params: dict) -> list[str]:
    """Bar fields an instance reads: its ``source`` for one-input kernels, else its input names."""
    if len(spec.inputs) == 1:
        return [params.get("source", "close")]
    return list(spec.inputs)


def stream_params(params: dict) -> dict:
    return {k: v for k, v in params.items() if k != "source"}


def as_row(result) -> tuple[float, ...]:
    return (float(result),) if isinstance(result, float) else tuple(float(v) for v in result)


def rows_equal(a, b) -> bool:
    return len(a) == len(b) and all((math.isnan(x) and math.isnan(y)) or x == y for x, y in zip(a, b))


def bar_matrix(bars: dict) -> np.ndarray:
    return np.ascontiguousarray(np.column_stack([bars[f] for f in FIELDS]))


def test_indicator_set_equals_streaming_and_batch():
    """IndicatorSet.values() after every bar == the streaming classes, and over the run == batch."""
    bars = make_bars(100.0, n=N_STEPS, seed=41, vol=0.01)
    bars["session"] = np.zeros(N_STEPS)  # the fused program runs one session (VWAP never restarts)
    iset = IndicatorSet(INSTANCES)
    objs = {k: REGISTRY[n].stream(**stream_params(p)) for k, (n, p) in INSTANCES.items()}
    history = {k: [] for k in INSTANCES}
    for t in range(N_STEPS):
        bar = {f: float(bars[f][t]) for f in (*FIELDS, "session")}
        iset.update(*(bar[f] for f in FIELDS))
        values = iset.values()
        assert list(values) == list(INSTANCES)
        for key, (name, params) in INSTANCES.items():
            spec = REGISTRY[name]
            want = as_row(objs[key].update(*(bar[f] for f in input_fields(spec, params))))
            got = as_row(values[key])
            assert rows_equal(got, want), f"{key} at bar {t}: fused {got} != streaming {want}"
            if spec.result is not None:
                assert isinstance(values[key], spec.result)
            history[key].append(got)
    for key, (name, params) in INSTANCES.items():
        spec = REGISTRY[name]
        batch = as_outputs(spec.batch(*(bars[f] for f in input_fields(spec, params)), **stream_params(params)))
        got = np.array(history[key])
        for j, out in enumerate(batch):
            np.testing.assert_array_equal(got[:, j], out, err_msg=f"{key} output {j}")


def test_step_bars_many_symbols():
    """One ``step_bars`` call per timestamp advances every symbol's instances like separate objects."""
    n_symbols = 5
    levels = (1.0, 100.0, 60_000.0, 0.002, 17.0)
    series = [dict(make_bars(levels[s], n=N_STEPS, seed=50 + s, vol=0.01), session=np.zeros(N_STEPS))
              for s in range(n_symbols)]
    rng = np.random.default_rng(8)
    bar_row = rng.permutation(n_symbols)  # symbol s reads row bar_row[s] of the bar matrix

    rows, blocks, layout = [], [], []
    offset = 0
    # Interleave symbols so that neighbouring program rows belong to different symbols.
    order = [(s, key) for key in INSTANCES for s in rng.permutation(n_symbols)]
    for s, key in order:
        name, params = INSTANCES[key]
        spec = REGISTRY[name]
        source = params.get("source", "close")
        blk = spec.make_block(**spec.validate(**stream_params(params)))
        rows.append((spec.kind_id, offset, blk.shape[0], FIELDS.index(source), bar_row[s]))
        blocks.append(blk)
        layout.append((s, key, offset))
        offset += blk.shape[0]
    program = np.array(rows, dtype=np.int64).reshape(-1, PROGRAM_COLUMNS)
    arena = np.concatenate(blocks)
    objs = {(s, key): REGISTRY[INSTANCES[key][0]].stream(**stream_params(INSTANCES[key][1])) for s, key in order}
    history = {(s, key): [] for s, key in order}

    for t in range(N_STEPS):
        mat = np.empty((n_symbols, len(FIELDS)))
        for s in range(n_symbols):
            mat[bar_row[s]] = [series[s][f][t] for f in FIELDS]
        step_bars(arena, program, mat)
        for s, key, off in layout:
            name, params = INSTANCES[key]
            spec = REGISTRY[name]
            k = len(spec.outputs)
            got = tuple(float(v) for v in arena[off + spec.out_offset : off + spec.out_offset + k])
            want = as_row(objs[(s, key)].update(*(float(series[s][f][t]) for f in input_fields(spec, params))))
            assert rows_equal(got, want), f"symbol {s} {key} at bar {t}: {got} != {want}"
            history[(s, key)].append(got)

    for s, key, _ in layout:
        name, params = INSTANCES[key]
        spec = REGISTRY[name]
        batch = as_outputs(spec.batch(*(series[s][f] for f in input_fields(spec, params)), **stream_params(params)))
        got = np.array(history[(s, key)])
        for j, out in enumerate(batch):
            np.testing.assert_array_equal(got[:, j], out, err_msg=f"symbol {s} {key} output {j}")


@pytest.mark.parametrize(
    "field, bad",
    [("close", math.nan), ("volume", -1.0), ("open", math.inf), ("high", math.nan), ("low", -math.inf), ("volume", math.nan)],
)
def test_bad_bar_leaves_arena_unchanged(field, bad):
    """A bad field raises ValueError naming it, and no instance is advanced."""
    bars = make_bars(100.0, n=80, seed=42)
    iset = IndicatorSet(INSTANCES)
    for t in range(60):
        iset.update(*(float(bars[f][t]) for f in FIELDS))
    before = iset.arena.copy()
    values_before = iset.values()
    bar = {f: float(bars[f][60]) for f in FIELDS}
    bar[field] = bad
    with pytest.raises(ValueError, match=field):
        iset.update(*(bar[f] for f in FIELDS))
    np.testing.assert_array_equal(iset.arena, before)
    assert all(rows_equal(as_row(values_before[k]), as_row(v)) for k, v in iset.values().items())

    # The set continues as if the bad bar never arrived.
    fresh = IndicatorSet(INSTANCES)
    for t in range(80):
        fresh.update(*(float(bars[f][t]) for f in FIELDS))
    for t in range(60, 80):
        iset.update(*(float(bars[f][t]) for f in FIELDS))
    np.testing.assert_array_equal(iset.arena, fresh.arena)


def test_indicator_set_rejects_bad_config():
    with pytest.raises(ValueError, match="source"):
        IndicatorSet({"x": ("sma", {"period": 3, "source": "vwap"})})
    with pytest.raises(ValueError, match="period"):
        IndicatorSet({"x": ("sma", {"period": 0})})
    with pytest.raises(KeyError, match="unknown indicator"):
        IndicatorSet({"x": ("no_such_indicator", {})})
