"""The streaming contract, checked for every registry entry.

Parametrized over ``REGISTRY`` so that a new kernel is covered as soon as it
is registered: batch equals streaming bit for bit, history + streaming equals
one batch run, ``copy``/``reset``/``peek``/``ready`` behave, parameters are
range-checked, bad inputs leave the state untouched, and ``update_rows`` over
a state table equals separate instances.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import make_bars
from reference import as_outputs
from ringta.kernels import REGISTRY, allocate
from ringta.kernels._ring import H_COUNT
from test_talib import TALIB_EQUIVALENT, talib_outputs

# Long enough for two scheduled re-anchorings of the windowed sums (about
# every 512 inputs), so streaming and the segmented batch paths meet there.
N_BARS = 1_200


def param_sets(spec) -> list[dict]:
    """Defaults, smallest allowed values (period 1 where allowed), small values, every choice.

    Built from the declared ``Param`` rows; combinations the spec refuses
    (e.g. MACD fast >= slow) are dropped.
    """
    defaults = {p.name: p.default for p in spec.params}

    def with_ints(f) -> dict:
        return {p.name: (f(p) if p.kind is int else defaults[p.name]) for p in spec.params}

    candidates = [
        defaults,
        with_ints(lambda p: p.lo),  # period 1 (MACD: 1, 2, 1)
        with_ints(lambda p: p.lo + 2),
        with_ints(lambda p: p.lo + 6),
        with_ints(lambda p: p.lo + 96),  # does not divide the re-anchoring interval
    ]
    # A second shape where the int parameters differ from one another.
    ints = [p for p in spec.params if p.kind is int]
    candidates.append({**defaults, **{p.name: p.lo + 3 + 4 * i for i, p in enumerate(ints)}})
    for p in spec.params:
        if p.kind is float:
            candidates.append({**defaults, p.name: p.lo})
            candidates.append({**defaults, p.name: (p.default + p.lo) / 2 + 0.25})
        for choice in p.choices:
            candidates.append({**with_ints(lambda q: q.lo), p.name: choice})
            candidates.append({**with_ints(lambda q: q.lo + 2), p.name: choice})
            candidates.append({**defaults, p.name: choice})
    out: list[dict] = []
    for c in candidates:
        try:
            v = spec.validate(**c)
        except ValueError:
            continue
        if v not in out:
            out.append(v)
    return out


CASES = [
    pytest.param(name, params, id=f"{name}-" + "-".join(f"{v}" for v in params.values()))
    for name, spec in REGISTRY.items()
    for params in param_sets(spec)
]
SPECS = [pytest.param(name, id=name) for name in REGISTRY]


@pytest.fixture(scope="module")
def bars() -> dict:
    return make_bars(100.0, n=N_BARS, seed=11, vol=0.01)


def inputs_of(spec, bars: dict, sl: slice = slice(None)) -> list[np.ndarray]:
    return [bars[name][sl] for name in spec.inputs]


def batch_outputs(spec, inputs, params) -> tuple[np.ndarray, ...]:
    return as_outputs(spec.batch(*inputs, **params))


def as_row(result) -> tuple[float, ...]:
    """An ``update``/``peek``/``value`` result as a tuple of floats."""
    return (float(result),) if isinstance(result, float) else tuple(float(v) for v in result)


def stream_outputs(obj, inputs) -> tuple[np.ndarray, ...]:
    """Feed ``inputs`` one bar at a time; return one array per output."""
    rows = [as_row(obj.update(*bar)) for bar in zip(*(a.tolist() for a in inputs))]
    k = len(obj.spec.outputs)
    return tuple(np.array([r[j] for r in rows], dtype=np.float64).reshape(-1) for j in range(k))


def assert_outputs_equal(got, want, what: str = "") -> None:
    """Exact equality, NaN in the same places."""
    assert len(got) == len(want)
    for j, (g, w) in enumerate(zip(got, want)):
        np.testing.assert_array_equal(g, w, err_msg=f"{what} output {j}")


def assert_rows_equal(a, b) -> None:
    """Two result rows equal bit for bit (NaN equals NaN)."""
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert (math.isnan(x) and math.isnan(y)) or x == y, f"{a} != {b}"


@pytest.mark.parametrize("name, params", CASES)
def test_batch_equals_streaming(name, params, bars):
    """Streaming every bar gives the batch output bit for bit, at two price levels."""
    spec = REGISTRY[name]
    for data in (bars, make_bars(60_000.0, n=N_BARS, seed=12)):
        inputs = inputs_of(spec, data)
        assert_outputs_equal(stream_outputs(spec.stream(**params), inputs), batch_outputs(spec, inputs, params))


@pytest.mark.parametrize("name, params", CASES)
def test_history_then_streaming(name, params, bars):
    """Batch over the first k bars (from_history / extend) then streaming == one batch run."""
    spec = REGISTRY[name]
    inputs = inputs_of(spec, bars)
    want = batch_outputs(spec, inputs, params)
    lb = spec.lookback(**params)
    for k in sorted({0, 1, lb, lb + 1, 2 * lb + 3, N_BARS // 2 + 1, N_BARS - 1} & set(range(N_BARS))):
        head = inputs_of(spec, bars, slice(None, k))
        tail = inputs_of(spec, bars, slice(k, None))
        obj = spec.stream.from_history(*head, **params)
        assert obj.count == k
        assert obj.ready == (k > lb)
        if k > 0:
            assert_rows_equal(as_row(obj.value), tuple(w[k - 1] for w in want))
        got = stream_outputs(obj, tail)
        assert_outputs_equal(got, tuple(w[k:] for w in want), f"from_history k={k}")

        # extend() on an instance that already streamed some bars, then streaming again.
        obj = spec.stream(**params)
        j = k // 3
        stream_outputs(obj, inputs_of(spec, bars, slice(None, j)))
        ext = as_outputs(obj.extend(*inputs_of(spec, bars, slice(j, k))))
        assert_outputs_equal(ext, tuple(w[j:k] for w in want), f"extend k={k}")
        assert_outputs_equal(stream_outputs(obj, tail), tuple(w[k:] for w in want), f"extend+update k={k}")


@pytest.mark.parametrize("name, params", CASES)
def test_extend_in_chunks(name, params, bars):
    """Chunks of every size (including empty and single-bar chunks) give the one-shot batch output."""
    spec = REGISTRY[name]
    inputs = inputs_of(spec, bars)
    want = batch_outputs(spec, inputs, params)
    rng = np.random.default_rng(3)
    cuts = np.unique(np.concatenate([[0, 0, 1, 2], rng.integers(0, N_BARS, 12), [N_BARS]]))
    cuts = np.concatenate([[0], cuts])  # a repeated 0 makes one empty chunk
    obj = spec.stream(**params)
    pieces = [as_outputs(obj.extend(*inputs_of(spec, bars, slice(a, b)))) for a, b in zip(cuts[:-1], cuts[1:])]
    got = tuple(np.concatenate([p[j] for p in pieces]) for j in range(len(spec.outputs)))
    assert_outputs_equal(got, want, "chunked extend")
    assert obj.count == N_BARS
    assert_rows_equal(as_row(obj.value), tuple(w[-1] for w in want))


@pytest.mark.parametrize("name, params", CASES)
def test_copy_is_independent(name, params, bars):
    """Divergent updates of a copy never touch the original."""
    spec = REGISTRY[name]
    inputs = inputs_of(spec, bars)
    want = batch_outputs(spec, inputs, params)
    k = N_BARS // 2
    obj = spec.stream(**params)
    stream_outputs(obj, inputs_of(spec, bars, slice(None, k)))
    twin = obj.copy()
    assert type(twin) is type(obj) and twin.params == obj.params
    other = make_bars(5.0, n=N_BARS, seed=99)
    stream_outputs(twin, inputs_of(spec, other))
    twin.reset()
    assert obj.count == k
    assert_outputs_equal(stream_outputs(obj, inputs_of(spec, bars, slice(k, None))), tuple(w[k:] for w in want))


@pytest.mark.parametrize("name, params", CASES)
def test_reset_equals_fresh(name, params, bars):
    """After reset() an instance behaves exactly like a newly built one."""
    spec = REGISTRY[name]
    inputs = inputs_of(spec, bars)
    obj = spec.stream(**params)
    stream_outputs(obj, inputs_of(spec, make_bars(7.0, n=N_BARS, seed=5)))
    obj.reset()
    fresh = spec.stream(**params)
    assert (obj.count, obj.ready, obj.lookback, obj.params) == (fresh.count, fresh.ready, fresh.lookback, fresh.params)
    assert obj.count == 0 and not obj.ready
    assert_rows_equal(as_row(obj.value), as_row(fresh.value))
    assert_outputs_equal(stream_outputs(obj, inputs), batch_outputs(spec, inputs, params))
    assert obj.count == fresh.count + N_BARS


@pytest.mark.parametrize("name, params", CASES)
def test_peek_is_pure_and_equals_update(name, params, bars):
    """peek() returns what the next update returns and changes nothing."""
    spec = REGISTRY[name]
    obj = spec.stream(**params)
    for i, bar in enumerate(zip(*(a.tolist() for a in inputs_of(spec, bars)))):
        before = (obj.count, obj.ready, as_row(obj.value))
        # Peeking at a different bar first must not leak into the real update.
        as_row(obj.peek(*(2.0 * v + 1.0 for v in bar)))
        peeked = as_row(obj.peek(*bar))
        after = (obj.count, obj.ready, as_row(obj.value))
        assert before[:2] == after[:2]
        assert_rows_equal(before[2], after[2])
        assert_rows_equal(peeked, as_row(obj.update(*bar)))
        assert obj.count == i + 1


@pytest.mark.parametrize("name, params", CASES)
def test_ready_flips_at_lookback(name, params, bars):
    """Outputs are NaN exactly before index ``lookback``, and ``ready`` turns True there."""
    spec = REGISTRY[name]
    obj = spec.stream(**params)
    lb = spec.lookback(**params)
    assert obj.lookback == lb
    assert not obj.ready
    for i, bar in enumerate(zip(*(a.tolist() for a in inputs_of(spec, bars)))):
        row = as_row(obj.update(*bar))
        assert obj.ready == (i >= lb), f"ready at index {i} with lookback {lb}"
        assert obj.count == i + 1
        if i < lb:
            assert all(math.isnan(v) for v in row), f"value before lookback at index {i}: {row}"
        else:
            assert not any(math.isnan(v) for v in row), f"NaN after lookback at index {i}: {row}"
    batch = batch_outputs(spec, inputs_of(spec, bars), params)
    for out in batch:
        assert np.isnan(out[:lb]).all() and not np.isnan(out[lb:]).any()


@pytest.mark.parametrize(
    "name, params",
    [
        pytest.param(name, params, id=f"{name}-" + "-".join(f"{v}" for v in params.values()))
        for name, eq in TALIB_EQUIVALENT.items()
        for params in eq.params
    ],
)
def test_lookback_equals_talib(name, params):
    """``lookback`` equals the number of leading NaNs TA-Lib emits for the same parameters."""
    spec = REGISTRY[name]
    data = make_bars(100.0, n=600, seed=2)
    want = talib_outputs(name, data, params)
    talib_lb = {int(np.argmax(~np.isnan(w))) for w in want}
    assert len(talib_lb) == 1
    assert spec.lookback(**params) == talib_lb.pop()
    assert spec.stream(**params).lookback == spec.lookback(**params)


def _int_params(spec):
    return [p for p in spec.params if p.kind is int]


@pytest.mark.parametrize("name", [n for n, s in REGISTRY.items() if _int_params(s)])
def test_out_of_range_periods_are_refused(name, bars):
    """A period above the maximum or below the minimum is refused, naming the parameter and range."""
    spec = REGISTRY[name]
    inputs = inputs_of(spec, bars)
    for p in _int_params(spec):
        assert p.hi == 100_000
        for bad in (p.hi + 1, p.lo - 1, 10**9):
            for make in (lambda **kw: spec.batch(*inputs, **kw), spec.stream):
                with pytest.raises(ValueError, match=rf"{p.name}.*\[{p.lo}, 100000\].*{bad}"):
                    make(**{p.name: bad})


@pytest.mark.parametrize("name, params", CASES)
def test_bad_update_raises_and_keeps_state(name, params, bars):
    """NaN/inf in update raises ValueError and leaves the instance exactly as it was."""
    spec = REGISTRY[name]
    inputs = inputs_of(spec, bars)
    want = batch_outputs(spec, inputs, params)
    k = spec.lookback(**params) + 2
    obj = spec.stream(**params)
    stream_outputs(obj, inputs_of(spec, bars, slice(None, k)))
    good = [float(a[k]) for a in inputs]
    for pos, name_in in enumerate(spec.inputs):
        bad_values = [math.nan, math.inf, -math.inf] + ([-1.0] if name_in == "volume" else [])
        for bad in bad_values:
            bar = list(good)
            bar[pos] = bad
            before = (obj.count, as_row(obj.value))
            with pytest.raises(ValueError):
                obj.update(*bar)
            assert obj.count == before[0]
            assert_rows_equal(as_row(obj.value), before[1])
    assert_outputs_equal(stream_outputs(obj, inputs_of(spec, bars, slice(k, None))), tuple(w[k:] for w in want))


@pytest.mark.parametrize("name", SPECS)
def test_bad_peek_changes_nothing(name, bars):
    """peek() with a non-finite input (or negative volume) never touches the state.

    peek does not validate its inputs (docs/conventions.md): its result for
    such a bar is meaningless, but the instance must continue exactly as if
    the peek had not happened.
    """
    spec = REGISTRY[name]
    inputs = inputs_of(spec, bars)
    want = batch_outputs(spec, inputs, {})
    k = spec.lookback(**spec.validate()) + 3
    obj = spec.stream.from_history(*(a[:k] for a in inputs))
    good = [float(a[k]) for a in inputs]
    for pos, name_in in enumerate(spec.inputs):
        for bad in [math.nan, math.inf, -math.inf] + ([-1.0] if name_in == "volume" else []):
            bar = list(good)
            bar[pos] = bad
            before = (obj.count, as_row(obj.value))
            try:
                obj.peek(*bar)
            except ValueError:
                pass  # refusing is fine too
            assert obj.count == before[0]
            assert_rows_equal(as_row(obj.value), before[1])
    assert_outputs_equal(stream_outputs(obj, inputs_of(spec, bars, slice(k, None))), tuple(w[k:] for w in want))


@pytest.mark.parametrize("name", SPECS)
def test_update_rows_refuses_bad_rows(name):
    """Row indices outside the table, or too few inputs/outputs, raise and leave the table untouched."""
    spec = REGISTRY[name]
    state = allocate(name, 3)
    for t in range(5):  # warm the rows a little so that a change would show
        out = np.empty((3, len(spec.outputs)))
        spec.update_rows(state, np.arange(3, dtype=np.int64), *(np.full(3, 10.0 + t) for _ in spec.inputs), out)
    before = state.copy()
    k = len(spec.outputs)
    cases = [
        (np.array([0, 3], dtype=np.int64), 2, 2),  # row 3 of a 3-row table
        (np.array([1, -1], dtype=np.int64), 2, 2),  # negative row
        (np.array([0, 1], dtype=np.int64), 1, 2),  # one input value for two rows
        (np.array([0, 1], dtype=np.int64), 2, 1),  # one output row for two rows
    ]
    for rows, n_in, n_out in cases:
        with pytest.raises((ValueError, IndexError)):
            spec.update_rows(state, rows, *(np.full(n_in, 11.0) for _ in spec.inputs), np.empty((n_out, k)))
        np.testing.assert_array_equal(state, before)


@pytest.mark.parametrize("name, params", CASES)
def test_update_rows_equals_separate_instances(name, params):
    """``update_rows`` over a state table equals one streaming instance per row."""
    spec = REGISTRY[name]
    n_rows, n_steps = 4, 120
    series = [make_bars(level, n=n_steps, seed=20 + r) for r, level in enumerate((1.0, 100.0, 60_000.0, 3.0))]
    state = allocate(name, n_rows, **params)
    assert state.shape[0] == n_rows
    objs = [spec.stream(**params) for _ in range(n_rows)]
    rng = np.random.default_rng(0)
    k = len(spec.outputs)
    for t in range(n_steps):
        # A different subset of rows in a different order at each step.
        rows = rng.permutation(n_rows)[: rng.integers(1, n_rows + 1)].astype(np.int64)
        cols = [np.array([series[r][f][t] for r in rows]) for f in spec.inputs]
        out = np.full((len(rows), k), -1.0)
        spec.update_rows(state, rows, *cols, out)
        for i, r in enumerate(rows):
            want = as_row(objs[r].update(*(c[i] for c in cols)))
            assert_rows_equal(tuple(out[i]), want)
    # Rows that skipped steps kept their own counts (the block header is shared by all kernels).
    for r in range(n_rows):
        assert state[r, H_COUNT] == objs[r].count


def test_param_sets_cover_period_one():
    """The generated parameter sets include the smallest period each registry entry allows."""
    for name, spec in REGISTRY.items():
        for p in _int_params(spec):
            assert any(ps[p.name] == p.lo for ps in param_sets(spec)), (name, p.name)
