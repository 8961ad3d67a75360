"""Long-run numerical behaviour of the windowed kernels: no drift, exact zeros, outliers.

The reference for a window is always recomputed from the window itself with
compensated sums (``math.fsum``), never from a running total.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import ringta
from reference import bbands_ref, population_std, window_mean
from ringta.kernels._ring import ANCHOR_INPUTS

N_LONG = 5_000_000
PERIOD = 20
NUM_STD = 2.0
LEVEL = 60_000.0


@pytest.fixture(scope="module")
def long_walk() -> np.ndarray:
    """5,000,000 inputs of a random walk around 60,000 with steps of normal(0, 0.5)."""
    rng = np.random.default_rng(2024)
    return LEVEL + np.cumsum(rng.normal(0.0, 0.5, N_LONG))


@pytest.fixture(scope="module")
def long_bands(long_walk):
    """BollingerBands(20, 2) fed through ``extend`` in uneven chunks."""
    bb = ringta.BollingerBands(PERIOD, NUM_STD)
    cuts = [0, 1, 19, 20, 4_999, 1_000_003, 2_500_000, 4_999_999, N_LONG]
    parts = [bb.extend(long_walk[a:b]) for a, b in zip(cuts[:-1], cuts[1:])]
    return bb, ringta.BBandsResult(*(np.concatenate([getattr(p, f) for p in parts]) for f in ringta.BBandsResult._fields))


def checkpoints(n: int, k: int = 1_500, seed: int = 0) -> np.ndarray:
    """Indices spread over the whole run, always including the last one."""
    rng = np.random.default_rng(seed)
    return np.unique(np.concatenate([rng.integers(PERIOD - 1, n, k), [n - 1]]))


def test_extend_equals_update_on_prefix(long_walk, long_bands):
    """The batch path used for the long run equals real ``update`` calls bit for bit (first 5,000)."""
    _, bands = long_bands
    bb = ringta.BollingerBands(PERIOD, NUM_STD)
    rows = np.array([bb.update(v) for v in long_walk[:5_000].tolist()])
    for j, name in enumerate(ringta.BBandsResult._fields):
        np.testing.assert_array_equal(rows[:, j], getattr(bands, name)[:5_000])


def test_bollinger_std_does_not_drift(long_walk, long_bands):
    """After 5M updates at 60,000 the deviation is within 1e-11 of a two-pass recomputation.

    The deviation is recovered as (upper - middle) / num_std. Rounding
    ``upper`` to a double near 60,000 alone costs up to half an ulp
    (3.6e-12), so that much is allowed on top of the 1e-11 relative bound.
    A running sum of squares would be off by ~1e-3 relative here.
    """
    bb, bands = long_bands
    assert bb.count == N_LONG
    up, mid, lo = bands
    valid = slice(PERIOD - 1, None)
    assert not np.isnan(up[valid]).any() and not np.isnan(lo[valid]).any()
    assert np.all(up[valid] >= mid[valid]) and np.all(mid[valid] >= lo[valid])

    idx = checkpoints(N_LONG)
    got = (up[idx] - mid[idx]) / NUM_STD
    want = np.array([population_std(long_walk[i - PERIOD + 1 : i + 1].tolist()) for i in idx])
    band_rounding = np.spacing(up[idx]) / 2 / NUM_STD
    np.testing.assert_array_less(np.abs(got - want), 1e-11 * want + band_rounding)

    # The streaming state at the very end agrees too.
    last = bb.value
    assert last == (up[-1], mid[-1], lo[-1])
    assert abs((last.upper - last.middle) / NUM_STD - want[-1]) <= 1e-11 * want[-1] + band_rounding[-1]


def test_sma_does_not_drift(long_walk):
    """SMA(20) after 5M updates: within 1e-11 of the exact mean of each checked window."""
    sma = ringta.SMA(PERIOD)
    out = np.concatenate([sma.extend(part) for part in np.array_split(long_walk, 9)])
    idx = checkpoints(N_LONG, seed=1)
    want = np.array([window_mean(long_walk[i - PERIOD + 1 : i + 1].tolist()) for i in idx])
    np.testing.assert_allclose(out[idx], want, rtol=1e-11)
    assert sma.value == out[-1]


@pytest.mark.parametrize("offset", range(PERIOD))
def test_identical_window_has_exactly_zero_width(offset):
    """A window of identical prices gives upper == middle == lower, after a long noisy prefix too.

    ``offset`` shifts where the run starts relative to the ring position.
    """
    rng = np.random.default_rng(offset)
    noisy = LEVEL + np.cumsum(rng.normal(0.0, 25.0, 20_000 + offset))
    flat = np.full(3 * PERIOD, 60_123.37)
    x = np.concatenate([noisy, flat])
    up, mid, lo = ringta.bbands(x, PERIOD, NUM_STD)
    start = len(noisy) + PERIOD - 1  # first window made only of the flat run
    np.testing.assert_array_equal(up[start:], mid[start:])
    np.testing.assert_array_equal(lo[start:], mid[start:])
    np.testing.assert_allclose(mid[start:], 60_123.37, rtol=1e-15)
    assert np.all(up[start - 1] > mid[start - 1])  # the window before still holds a noisy value

    # The same through streaming updates, continuing from a batch-warmed instance.
    bb = ringta.BollingerBands.from_history(noisy, period=PERIOD, num_std=NUM_STD)
    for i, v in enumerate(flat.tolist()):
        u, m, l = bb.update(v)
        if i >= PERIOD - 1:
            assert u == m == l


def test_width_is_never_negative_or_nan():
    """Nearly flat windows (one-ulp wiggles, tiny moves at a huge level) never give NaN or a negative width."""
    base = 60_000.0
    ulp = np.spacing(base)
    rng = np.random.default_rng(5)
    x = base + ulp * rng.integers(-2, 3, 50_000)
    x[::97] += rng.normal(0.0, 1e-3, x[::97].size)
    for period in (2, 3, 20, 200):
        up, mid, lo = ringta.bbands(x, period, NUM_STD)
        v = slice(period - 1, None)
        assert not np.isnan(up[v]).any()
        assert np.all(up[v] >= mid[v]) and np.all(lo[v] <= mid[v])


def _spike_series(level: float, spike: float, n: int, period: int, seed: int = 3) -> tuple[np.ndarray, int]:
    rng = np.random.default_rng(seed)
    x = level + np.cumsum(rng.normal(0.0, level * 1e-3, n))
    at = 2 * period + 1
    x[at] = spike
    return x, at


@pytest.mark.parametrize("spike", [1e4, 1e6, 1e9])
def test_bollinger_std_after_outlier_left_window(spike):
    """Once a bad tick has left the window, the deviation is that of the remaining window.

    A sliding update subtracts the outlier's huge contribution and cancels
    catastrophically; the result must still be within 1e-9 relative of an
    exact two-pass deviation (TA-Lib stays within ~1.3e-12 on this series).
    """
    period = 5
    x, at = _spike_series(100.0, spike, 4 * ANCHOR_INPUTS, period)
    up, mid, _ = ringta.bbands(x, period, NUM_STD)
    after = range(at + period, len(x))
    got = np.array([(up[i] - mid[i]) / NUM_STD for i in after])
    want = np.array([population_std(x[i - period + 1 : i + 1].tolist()) for i in after])
    err = np.abs(got - want) / want
    bad = np.flatnonzero(err > 1e-9)
    if bad.size:
        pytest.fail(
            f"spike {spike:g} at index {at}: std wrong at {bad.size} indices after it left the window, "
            f"first at index {after[bad[0]]}: got {got[bad[0]]!r}, want {want[bad[0]]!r} "
            f"(worst relative error {err.max():.3g})"
        )


def test_sma_recovers_exactly_after_outlier():
    """A 1e9 spike leaves rounding error in a running sum; re-anchoring removes it.

    Right after the spike leaves the window the mean is allowed 1e-9
    relative (the sum held 1e9 for ``period`` steps); once the sum has been
    recomputed from the ring (about every ``ANCHOR_INPUTS`` inputs) it must
    be back to a few ulps, which a plain running sum never gets back to.
    """
    period = 20
    x, at = _spike_series(100.0, 1e9, 6 * ANCHOR_INPUTS, period)
    got = ringta.sma(x, period)
    want = np.array([window_mean(x[i - period + 1 : i + 1].tolist()) for i in range(period - 1, len(x))])
    want = np.concatenate([np.full(period - 1, np.nan), want])
    after = slice(at + period, None)
    np.testing.assert_allclose(got[after], want[after], rtol=1e-9)
    settled = slice(at + period + ANCHOR_INPUTS + 2 * period, None)
    np.testing.assert_allclose(got[settled], want[settled], rtol=1e-14)


def _assert_bands_exact(x: np.ndarray, period: int, rtol: float = 1e-12) -> None:
    """Bands within ``rtol`` (relative, per index) of the exact two-pass bands of each window."""
    got = ringta.bbands(x, period, NUM_STD)
    want = bbands_ref(x, period, NUM_STD)
    for name, g, w in zip(ringta.BBandsResult._fields, got, want):
        np.testing.assert_array_equal(np.isnan(g), np.isnan(w))
        ok = ~np.isnan(w)
        err = np.abs(g[ok] - w[ok]) / np.abs(w[ok])
        if np.any(err > rtol):
            i = int(np.flatnonzero(ok)[np.argmax(err)])
            pytest.fail(
                f"bbands(period={period}).{name}: relative error {err.max():.3g} > {rtol:g} at index {i} "
                f"(x={x[i]!r}, got {g[i]!r}, want {w[i]!r}); {int(np.sum(err > rtol))} indices out of tolerance"
            )


@pytest.mark.parametrize("period", [3, 5, 20])
@pytest.mark.parametrize(
    "shape",
    [
        pytest.param(lambda t: 100.0 + 50.0 * 0.9**t, id="geometric-0.9"),
        pytest.param(lambda t: 100.0 + 50.0 * 0.7**t, id="geometric-0.7"),
        pytest.param(lambda t: 100.0 + 50.0 * 0.9**t * np.cos(t), id="damped-oscillation"),
    ],
)
def test_bollinger_when_volatility_fades(shape, period):
    """Volatility that shrinks a little at every bar (never 1000x at once) keeps the bands exact.

    Each sliding update cancels a little; over a few dozen bars the window's
    squared deviations shrink by many orders of magnitude and the cancelled
    digits add up unless the sums are recomputed. TA-Lib stays within 7e-13
    of the exact bands on these series.
    """
    _assert_bands_exact(shape(np.arange(200.0)), period)


@pytest.mark.parametrize("period", [5, 20])
def test_bollinger_after_price_level_collapse(period):
    """A price that falls 80 -> 1e-4 (a LUNA-like crash) keeps the bands accurate.

    Sums kept relative to a shift taken at the old price level carry an
    absolute error of about eps * 80, which is huge next to prices of 1e-4.
    TA-Lib's running sums drift here too (5e-10 relative at period 20), so
    the bound is 1e-9 rather than 1e-12.
    """
    _assert_bands_exact(80.0 * 0.98 ** np.arange(700.0), period, rtol=1e-9)
