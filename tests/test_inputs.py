"""Input handling of the public batch functions and streaming constructors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ringta
from conftest import make_bars
from reference import REFERENCES, as_outputs
from ringta.kernels import REGISTRY
from test_twins import assert_close_to_twin

NAMES = [pytest.param(name, id=name) for name in REGISTRY]


def small_params(spec) -> dict:
    """Valid parameters with small periods, so that short inputs reach the valid region."""
    params = {p.name: p.default for p in spec.params}
    ints = [p for p in spec.params if p.kind is int]
    params.update({p.name: p.lo + 1 + i for i, p in enumerate(ints)})
    return spec.validate(**params)


def bars_for(spec, n: int = 40) -> list[np.ndarray]:
    bars = make_bars(100.0, n=n, seed=13)
    bars["volume"] = np.floor(bars["volume"])
    return [bars[name] for name in spec.inputs]


def assert_same(got, want) -> None:
    for g, w in zip(as_outputs(got), as_outputs(want)):
        assert g.dtype == np.float64
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("name", NAMES)
def test_lists_ints_float32_and_strided_arrays_accepted(name):
    """Any 1-D numeric sequence is converted to float64 once; results equal the float64 call."""
    spec = REGISTRY[name]
    params = small_params(spec)
    ints = [np.round(a).astype(np.int64) for a in bars_for(spec)]
    want = spec.batch(*(a.astype(np.float64) for a in ints), **params)
    # The twin pins the float64 result to an independent computation.
    floats = dict(zip(spec.inputs, (a.astype(np.float64) for a in ints)))
    assert_close_to_twin(name, as_outputs(want), REFERENCES[name](*floats.values(), **params), floats)
    assert_same(spec.batch(*ints, **params), want)
    assert_same(spec.batch(*(a.tolist() for a in ints), **params), want)
    assert_same(spec.batch(*(tuple(a.tolist()) for a in ints), **params), want)

    f32 = [a.astype(np.float32) for a in bars_for(spec)]
    assert_same(spec.batch(*f32, **params), spec.batch(*(a.astype(np.float64) for a in f32), **params))

    wide = [np.repeat(a, 2) for a in bars_for(spec)]
    strided = [w[::2] for w in wide]
    assert not strided[0].flags.c_contiguous
    assert_same(spec.batch(*strided, **params), spec.batch(*(np.ascontiguousarray(s) for s in strided), **params))


@pytest.mark.parametrize("name", NAMES)
def test_inputs_are_not_modified(name):
    spec = REGISTRY[name]
    arrays = bars_for(spec)
    copies = [a.copy() for a in arrays]
    spec.batch(*arrays, **small_params(spec))
    for a, c in zip(arrays, copies):
        np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("name", NAMES)
def test_empty_input_gives_empty_output(name):
    spec = REGISTRY[name]
    res = as_outputs(spec.batch(*([] for _ in spec.inputs)))
    assert len(res) == len(spec.outputs)
    for out in res:
        assert out.shape == (0,) and out.dtype == np.float64
    obj = spec.stream.from_history(*([] for _ in spec.inputs))
    assert obj.count == 0 and not obj.ready


@pytest.mark.parametrize("name", NAMES)
def test_2d_input_refused(name):
    spec = REGISTRY[name]
    arrays = bars_for(spec)
    with pytest.raises(ValueError, match=rf"^{name}: {spec.inputs[0]} must be 1-D, got an array of shape \(2, 20\)"):
        spec.batch(*(a.reshape(2, -1) for a in arrays))
    # Only the last input is 2-D: the message names that one.
    if len(spec.inputs) > 1:
        with pytest.raises(ValueError, match=rf"{spec.inputs[-1]} must be 1-D"):
            spec.batch(*arrays[:-1], arrays[-1].reshape(2, -1))
    with pytest.raises(ValueError, match="1-D"):
        spec.stream().extend(*(a.reshape(2, -1) for a in arrays))


@pytest.mark.parametrize("name", NAMES)
def test_scalar_input_refused(name):
    """A 0-d input is not a series: it must be refused, not read as a series of length 1."""
    spec = REGISTRY[name]
    with pytest.raises(ValueError, match=rf"{spec.inputs[0]} must be 1-D"):
        spec.batch(*(5.0 for _ in spec.inputs))
    with pytest.raises(ValueError, match=rf"{spec.inputs[0]} must be 1-D"):
        spec.batch(*(np.float64(5.0) for _ in spec.inputs))


@pytest.mark.parametrize("name", [n for n, s in REGISTRY.items() if len(s.inputs) > 1])
def test_mismatched_lengths_refused(name):
    spec = REGISTRY[name]
    arrays = bars_for(spec)
    shorter = [arrays[0]] + [a[:-1] for a in arrays[1:]]
    with pytest.raises(ValueError, match="same length") as info:
        spec.batch(*shorter)
    for input_name in spec.inputs:
        assert input_name in str(info.value)
    obj = spec.stream()
    with pytest.raises(ValueError, match="same length"):
        obj.extend(*shorter)
    assert obj.count == 0


@pytest.mark.parametrize("name", NAMES)
def test_non_numeric_input_refused(name):
    spec = REGISTRY[name]
    arrays = [a.tolist() for a in bars_for(spec)]
    arrays[0][3] = "abc"
    with pytest.raises(ValueError, match=spec.inputs[0]):
        spec.batch(*arrays)
    arrays[0][3] = None
    with pytest.raises(ValueError, match=spec.inputs[0]):
        spec.batch(*arrays)


@pytest.mark.parametrize("name", NAMES)
def test_non_finite_input_names_array_and_index(name):
    """``<name>: <input>[<index>] is nan; inputs must be finite``; extend leaves the state unchanged."""
    spec = REGISTRY[name]
    for pos, input_name in enumerate(spec.inputs):
        for bad, text in ((math.nan, "nan"), (math.inf, "inf"), (-math.inf, "-inf")):
            arrays = [a.copy() for a in bars_for(spec)]
            arrays[pos][12] = bad
            with pytest.raises(ValueError, match=rf"^{name}: {input_name}\[12\] is {text}; inputs must be finite"):
                spec.batch(*arrays)
            obj = spec.stream.from_history(*(a[:5] for a in arrays))
            with pytest.raises(ValueError, match=rf"{input_name}\[7\]"):
                obj.extend(*(a[5:] for a in arrays))
            assert obj.count == 5  # the whole chunk was refused


def test_negative_volume_refused():
    close = np.array([1.0, 2.0, 1.5, 1.7, 1.6, 1.8])
    volume = np.array([10.0, 20.0, 30.0, 40.0, 50.0, -1.0])
    with pytest.raises(ValueError, match=r"^obv: volume\[5\] is -1\.0; volume must be >= 0"):
        ringta.obv(close, volume)
    o = ringta.OBV()
    o.update(1.0, 10.0)
    with pytest.raises(ValueError, match="volume"):
        o.update(2.0, -5.0)
    assert o.count == 1 and o.value == 10.0
    # Zero volume is valid and leaves OBV unchanged on a rise: 10, then +0, then -30.
    assert ringta.obv([1.0, 2.0, 1.5], [10.0, 0.0, 30.0]).tolist() == [10.0, 10.0, -20.0]


PERIOD_ARGS = [
    (name, p.name) for name, spec in REGISTRY.items() for p in spec.params if p.kind is int
]


@pytest.mark.parametrize("name, param", PERIOD_ARGS)
@pytest.mark.parametrize("bad", [True, False, 14.0, 14.5, "14", None, float("nan"), [14]])
def test_bad_period_types_refused(name, param, bad):
    """bool, float, str and other non-integers are refused with a message naming the parameter."""
    spec = REGISTRY[name]
    with pytest.raises(ValueError, match=rf"^{name}: {param} must be an integer in \["):
        spec.batch(*bars_for(spec), **{param: bad})
    with pytest.raises(ValueError, match=rf"{param} must be an integer"):
        spec.stream(**{param: bad})


@pytest.mark.parametrize("name, param", PERIOD_ARGS)
def test_numpy_integer_period_accepted(name, param):
    spec = REGISTRY[name]
    params = small_params(spec)
    want = spec.batch(*bars_for(spec), **params)
    params_np = {**params, param: np.int64(params[param])}
    assert_same(spec.batch(*bars_for(spec), **params_np), want)
    assert spec.stream(**params_np).params[param] == params[param]


@pytest.mark.parametrize("name, param", [(n, p.name) for n, s in REGISTRY.items() for p in s.params if p.kind is str])
@pytest.mark.parametrize("bad", ["SMA", "ema", "", None, 1])
def test_unknown_choice_refused(name, param, bad):
    spec = REGISTRY[name]
    with pytest.raises(ValueError, match=rf"^{name}: {param} must be one of \["):
        spec.batch(*bars_for(spec), **{param: bad})
    with pytest.raises(ValueError, match=param):
        spec.stream(**{param: bad})


@pytest.mark.parametrize("bad", [True, "2", float("nan"), float("inf"), -0.5, 1000.5, None])
def test_bad_num_std_refused(bad):
    close = make_bars(100.0, n=30)["close"]
    with pytest.raises(ValueError, match=r"^bbands: num_std must be a finite number in \[0\.0, 1000\.0\]"):
        ringta.bbands(close, num_std=bad)
    with pytest.raises(ValueError, match="num_std"):
        ringta.BollingerBands(num_std=bad)


def test_int_num_std_accepted():
    close = make_bars(100.0, n=30)["close"]
    assert_same(ringta.bbands(close, 5, 2), ringta.bbands(close, 5, 2.0))
    # num_std = 0 collapses the bands onto the middle.
    up, mid, lo = ringta.bbands(close, 5, 0)
    np.testing.assert_array_equal(up, mid)
    np.testing.assert_array_equal(lo, mid)


def test_macd_fast_must_be_below_slow():
    close = make_bars(100.0, n=60)["close"]
    for fast, slow in ((26, 26), (30, 26)):
        with pytest.raises(ValueError, match=r"fast_period must be smaller than slow_period.*fast_period=\d+, slow_period=\d+"):
            ringta.macd(close, fast_period=fast, slow_period=slow)
        with pytest.raises(ValueError, match="fast_period"):
            ringta.MACD(fast, slow)
    with pytest.raises(ValueError, match=r"slow_period must be an integer in \[2, 100000\]"):
        ringta.macd(close, fast_period=1, slow_period=1)


def test_hand_computed_values():
    """Small cases worked out by hand."""
    # SMA(2) of 1, 2, 3, 4: (1+2)/2, (2+3)/2, (3+4)/2.
    assert ringta.sma([1, 2, 3, 4], 2).tolist()[1:] == [1.5, 2.5, 3.5]
    # EMA(3), alpha 1/2, seeded with mean(1, 2, 3) = 2; then 2 + (4 - 2)/2 = 3; 3 + (10 - 3)/2 = 6.5.
    assert ringta.ema([1, 2, 3, 4, 10], 3).tolist()[2:] == [2.0, 3.0, 6.5]
    # EMA(3, first): 1; 1.5; 2.25; 3.125 -> reported from index 2.
    assert ringta.ema([1, 2, 3, 4], 3, seed="first").tolist()[2:] == [2.25, 3.125]
    # RSI(2) of 1, 2, 1, 2, 3: changes +1, -1, +1, +1; gains/losses seeded 0.5/0.5 -> 50;
    # then (0.5 + 1)/2 = 0.75 vs 0.25 -> 75; then 0.875 vs 0.125 -> 87.5.
    assert ringta.rsi([1, 2, 1, 2, 3], 2).tolist()[2:] == [50.0, 75.0, 87.5]
    # Bands of 1, 3 over 2: mean 2, population std 1; num_std 2 -> 4 and 0.
    up, mid, lo = ringta.bbands([1, 3], 2, 2.0)
    assert (up[1], mid[1], lo[1]) == (4.0, 2.0, 0.0)
    # OBV: 100, +50 (up), -30 (down), unchanged (flat).
    assert ringta.obv([10, 11, 10.5, 10.5], [100, 50, 30, 20]).tolist() == [100.0, 150.0, 120.0, 120.0]
    # MACD(1, 2, 1): fast EMA = x; slow EMA(2) alpha 2/3 seeded with mean(1, 2) = 1.5 at index 1,
    # then 1.5 + (4 - 1.5) * 2/3 = 3.1667. MACD = 2 - 1.5 = 0.5, then 4 - 3.1667 = 0.8333;
    # signal EMA(1) = MACD itself, so hist = 0.
    m = ringta.macd([1.0, 2.0, 4.0], 1, 2, 1)
    np.testing.assert_allclose(m.macd[1:], [0.5, 4.0 - (1.5 + 2.5 * 2.0 / 3.0)], rtol=1e-14)
    np.testing.assert_array_equal(m.signal[1:], m.macd[1:])
    np.testing.assert_array_equal(m.hist[1:], [0.0, 0.0])


def test_streaming_update_refuses_non_numbers():
    s = ringta.SMA(3)
    s.update(1.0)
    with pytest.raises((TypeError, ValueError)):
        s.update("2.0")
    assert s.count == 1
    # Python ints and numpy scalars are fine.
    s.update(2)
    s.update(np.float32(3.0))
    assert s.value == 2.0
