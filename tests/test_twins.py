"""Property tests: every kernel equals its naive twin, and streaming equals batch, on random data.

Series are random walks at levels 1e-3 .. 1e5 (smooth, with runs of repeated
values, constant, or jumping between a few levels), lengths 1 .. 300, and
parameters drawn from each spec's declared ``Param`` ranges (periods kept
<= 60 so that short series still reach the valid region often).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reference import REFERENCES, as_outputs
from ringta.kernels import REGISTRY

RTOL = 1e-9
MAX_PERIOD_DRAWN = 60
MAX_FLOAT_DRAWN = 10.0

# Outputs that are differences of prices (MACD) or sums that can cancel to
# zero (OBV), and bands that can cross zero when num_std is large: their
# rounding error scales with the input level, not with the output, so they
# also get an absolute tolerance of RTOL times that scale. For the bands the
# scale is the local price level (the twin's middle band), so that an error
# made at 80 cannot hide once the price has fallen to 0.001.
def _cci_scale(b: dict, want: tuple) -> np.ndarray:
    """|tp| / (0.015 * meandev) per bar: how much the CCI moves per unit of relative error in the prices.

    The CCI divides the typical price's distance from the window mean by 0.015
    mean deviations, so a rounding of the price level by a relative ``e``
    moves it by about ``e * |tp| / (0.015 * meandev)``: without bound as the
    window turns flat (the FADING example ends with windows flat to 1e-14).
    The window length is read off the NaN pattern (first valid index =
    period - 1). Exactly flat windows get 0: both sides must give 0 there.
    """
    valid = ~np.isnan(want[0])
    if not valid.any():
        return np.zeros(len(want[0]))
    p = int(np.argmax(valid)) + 1
    tp = (b["high"] + b["low"] + b["close"]) / 3.0
    win = np.lib.stride_tricks.sliding_window_view(tp, p)
    meandev = np.abs(win - win.mean(axis=1)[:, None]).mean(axis=1)
    scale = np.zeros(len(tp))
    np.divide(np.abs(tp[p - 1 :]), 0.015 * meandev, out=scale[p - 1 :], where=meandev > 0.0)
    return scale


ABS_SCALE = {
    "macd": lambda b, want: float(np.max(np.abs(b["close"]))),
    "bbands": lambda b, want: np.abs(want[1]),
    "obv": lambda b, want: float(np.sum(b["volume"])),
    # Variance and deviation from sliding sums: the error scales with the local
    # price level (times the deviation, for the variance), as for the bands.
    "var": lambda b, want: np.abs(b["close"]) * np.sqrt(np.abs(want[0])),
    "stddev": lambda b, want: np.abs(b["close"]),
    # Running sums of signed volume (and EMAs of them): scaled by the volume.
    "ad": lambda b, want: float(np.sum(b["volume"])),
    "adosc": lambda b, want: float(np.sum(b["volume"])),
    # Differences of two means: scaled by the price level (APO) or by 100 points (PPO).
    "apo": lambda b, want: float(np.max(np.abs(b["close"]))),
    "ppo": lambda b, want: 100.0,
    "stochf": lambda b, want: 100.0,
    "mfi": lambda b, want: 100.0,
    "adx": lambda b, want: 100.0,
    "cci": _cci_scale,
    "stochrsi": lambda b, want: 100.0,
    "stoch": lambda b, want: 100.0,
    # Bands at multiplier * ATR around an EMA: they can cross zero for large multipliers, and
    # their rounding error scales with the local price level (the middle line), as for bbands.
    "keltner": lambda b, want: np.abs(want[1]),
}

PROFILE = settings(
    max_examples=200,
    deadline=None,
    database=None,  # keep the repository free of a .hypothesis folder
    derandomize=True,  # the same examples on every run: failures are reproducible
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)


@st.composite
def bar_series(draw) -> dict:
    """OHLCV arrays of one random shape; the shape kinds cover the edge cases of every kernel."""
    n = draw(st.integers(1, 300))
    level = 10.0 ** draw(st.floats(-3.0, 5.0))
    kind = draw(st.sampled_from(["walk", "repeats", "constant", "levels", "fading", "crash"]))
    vol = draw(st.sampled_from([1e-5, 1e-3, 0.02, 0.2]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    close = level * np.exp(np.cumsum(rng.normal(0.0, vol, n)))
    if kind == "fading":
        # Volatility shrinking by a few percent per bar: a calming market.
        close = level * np.exp(np.cumsum(rng.normal(0.0, vol, n) * 0.9 ** np.arange(n)))
    elif kind == "crash":
        # A steady fall of up to 4 orders of magnitude over the series.
        close = close * np.exp(-np.linspace(0.0, draw(st.floats(1.0, 9.0)), n))
    elif kind == "repeats":
        close = np.repeat(close, rng.integers(1, 8, n))[:n]
    elif kind == "constant":
        close = np.full(n, level)
    elif kind == "levels":
        close = level * rng.choice([1.0, 1.0 + vol, 1.0 - vol, 1.5], n)
    wick = np.abs(rng.normal(0.0, vol, (2, n))) * close
    volume = rng.choice([0.0, 1.0, 250.0, 1e6], n) * rng.integers(0, 3, n)
    open_ = np.concatenate([[close[0]], close[:-1]])
    # Valid bars: high >= max(open, close), low <= min(open, close).
    return {
        "open": open_,
        "high": np.maximum(open_, close) + wick[0],
        "low": np.minimum(open_, close) - wick[1],
        "close": close,
        "volume": volume.astype(np.float64),
        # Sessions of random lengths, for session-anchored kernels (VWAP).
        "session": np.cumsum(rng.random(n) < 0.05).astype(np.float64),
    }


def params_for(spec):
    """A strategy of valid parameter dicts for ``spec``, from its ``Param`` rows."""
    fields = {}
    for p in spec.params:
        if p.kind is int:
            fields[p.name] = st.integers(p.lo, min(p.hi, MAX_PERIOD_DRAWN))
        elif p.kind is float:
            fields[p.name] = st.floats(p.lo, min(p.hi, MAX_FLOAT_DRAWN), allow_nan=False)
        else:
            fields[p.name] = st.sampled_from(p.choices)

    def valid(params: dict) -> bool:
        try:
            spec.validate(**params)
        except ValueError:
            return False
        return True

    return st.fixed_dictionaries(fields).filter(valid)


def fixed_bars(close: np.ndarray) -> dict:
    """Bars around a given close series, for explicit examples."""
    n = len(close)
    open_ = np.concatenate([[close[0]], close[:-1]])
    return {
        "open": open_,
        "high": np.maximum(open_, close) * 1.001,
        "low": np.minimum(open_, close) * 0.999,
        "close": close,
        "volume": np.tile([100.0, 0.0, 2500.0], n)[:n],
        "session": (np.arange(n) // 100).astype(np.float64),
    }


# Hard shapes tried on every run whatever Hypothesis generates: volatility
# fading a little every bar, and a price falling 80 -> 1e-4 (see test_numerics.py).
FADING = fixed_bars(100.0 + 50.0 * 0.9 ** np.arange(300.0))
CRASH = fixed_bars(80.0 * 0.97 ** np.arange(300.0))


def small_params(spec) -> dict:
    """Each int parameter at its minimum + 4 (MACD 5, 6, 5), others at their defaults."""
    return spec.validate(**{p.name: p.lo + 4 for p in spec.params if p.kind is int})


def assert_close_to_twin(name: str, got, want, bars: dict, rtol: float = RTOL) -> None:
    """NaN patterns equal; |got - want| <= rtol * (|want| + ABS_SCALE) elementwise."""
    scale = ABS_SCALE[name](bars, want) if name in ABS_SCALE else 0.0
    assert len(got) == len(want)
    for j, (g, w) in enumerate(zip(got, want)):
        np.testing.assert_array_equal(np.isnan(g), np.isnan(w), err_msg=f"{name} output {j}: NaN pattern")
        ok = ~np.isnan(w)
        limit = rtol * (np.abs(w) + scale)
        err = np.abs(g - w)
        bad = ok & ~(err <= limit)
        if bad.any():
            i = int(np.argmax(np.where(bad, err - limit, -np.inf)))
            raise AssertionError(
                f"{name} output {j}: |kernel - twin| = {err[i]:.3g} > {limit[i]:.3g} at index {i} "
                f"(kernel {g[i]!r}, twin {w[i]!r}); {int(bad.sum())} indices out of tolerance"
            )


def stream_all(obj, inputs) -> tuple[np.ndarray, ...]:
    rows = []
    for bar in zip(*(a.tolist() for a in inputs)):
        r = obj.update(*bar)
        rows.append((r,) if isinstance(r, float) else tuple(r))
    k = len(obj.spec.outputs)
    return tuple(np.array([row[j] for row in rows], dtype=np.float64) for j in range(k))


@pytest.mark.parametrize("name", list(REGISTRY))
def test_kernel_equals_twin_and_stream_equals_batch(name):
    """kernel == twin (1e-9 relative) and streaming == batch (exact) on random data."""
    spec = REGISTRY[name]
    twin = REFERENCES[name]

    @PROFILE
    @given(bars=bar_series(), params=params_for(spec), split=st.floats(0.0, 1.0))
    @example(bars=FADING, params=small_params(spec), split=0.5)
    @example(bars=CRASH, params=small_params(spec), split=0.25)
    def check(bars, params, split):
        inputs = [bars[i] for i in spec.inputs]
        got = as_outputs(spec.batch(*inputs, **params))
        assert all(g.dtype == np.float64 and g.shape == inputs[0].shape for g in got)
        assert_close_to_twin(name, got, twin(*inputs, **params), bars)

        streamed = stream_all(spec.stream(**params), inputs)
        for g, s in zip(got, streamed):
            np.testing.assert_array_equal(s, g)

        # History through the batch path, then streaming, from a random split point.
        k = int(split * len(inputs[0]))
        obj = spec.stream.from_history(*(a[:k] for a in inputs), **params)
        for g, s in zip(got, stream_all(obj, [a[k:] for a in inputs])):
            np.testing.assert_array_equal(s, g[k:])

    check()


@PROFILE
@given(bars=bar_series())
def test_constant_series(bars):
    """A constant series: SMA/EMA/bands equal the constant's mean, RSI is 0, OBV stays volume[0]."""
    c = np.full_like(bars["close"], bars["close"][0])
    v = bars["volume"]
    for name in ("sma", "ema", "bbands"):
        spec = REGISTRY[name]
        for params in ({}, {"period": 1}, {"period": min(5, len(c))}):
            for out in as_outputs(spec.batch(c, **params)):
                valid = out[~np.isnan(out)]
                # The mean of identical values is that value up to the rounding of
                # a sum of at most 30 terms and of the division (or 1/period product).
                np.testing.assert_allclose(valid, c[0], rtol=1e-14)
    up, mid, lo = REGISTRY["bbands"].batch(c, period=min(5, len(c)))
    np.testing.assert_array_equal(up, mid)
    np.testing.assert_array_equal(lo, mid)
    rsi = REGISTRY["rsi"].batch(c, period=2)
    assert np.all(rsi[2:] == 0.0)  # no gains and no losses: TA-Lib reports 0
    obv = REGISTRY["obv"].batch(c, v)
    assert np.all(obv == v[0]) and not math.isnan(obv[0])
