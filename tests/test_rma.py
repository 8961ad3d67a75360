from __future__ import annotations

"""RMA cross-checks against TA-Lib, which has no RMA function but uses Wilder's smoothing inside ATR and RSI."""

import numpy as np
import pytest
import talib

import ringta


@pytest.mark.parametrize("period", [1, 2, 14, 50, 200])
def test_rma_of_true_range_is_atr(period, real_bars, synthetic):
    """ATR = RMA(seed="sma") of the true range from bar 1.

    TA-Lib's ATR seeds with the mean of the true ranges of bars 1..period and
    then smooths with Wilder's step, so RMA over ``TRANGE[1:]`` gives TA-Lib's
    ATR shifted by the bar that has no true range: the NaN pattern is the
    same and the values agree to 1e-12 (TA-Lib divides by ``period`` on every
    step, ringta takes fused multiply-adds from the value two bars back; they
    differ by a few units in the last place). ringta's own ATR takes the
    same steps as RMA, so the two are equal bit for bit.
    """
    for bars in (real_bars, synthetic):
        h, l, c = bars["high"], bars["low"], bars["close"]
        tr = talib.TRANGE(h, l, c)
        got = np.concatenate([[np.nan], ringta.rma(tr[1:], period=period, seed="sma")])
        want = talib.ATR(h, l, c, timeperiod=period)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0.0)
        np.testing.assert_array_equal(got, ringta.atr(h, l, c, period=period))


@pytest.mark.parametrize("period", [2, 14, 50])
def test_rma_of_gains_and_losses_is_talib_rsi(period, real_bars):
    """TA-Lib's RSI = 100 g / (g + l) with g, l the RMA (seed="sma") of the up and down moves."""
    d = np.diff(real_bars["close"])
    g = ringta.rma(np.where(d > 0.0, d, 0.0), period=period)
    l = ringta.rma(np.where(d < 0.0, -d, 0.0), period=period)
    with np.errstate(invalid="ignore", divide="ignore"):
        rsi = np.where(g + l == 0.0, 0.0, 100.0 * (g / (g + l)))
    got = np.concatenate([[np.nan], np.where(np.isnan(g), np.nan, rsi)])
    want = talib.RSI(real_bars["close"], timeperiod=period)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * 100.0)


@pytest.mark.parametrize("period", [1, 2, 14, 50])
def test_rma_seed_first_is_pandas_ewm(period, real_bars):
    """seed="first" = pandas ewm(alpha=1/period, adjust=False), reported from index period - 1."""
    pd = pytest.importorskip("pandas")
    x = real_bars["close"]
    want = pd.Series(x).ewm(alpha=1.0 / period, adjust=False).mean().to_numpy()
    want[: period - 1] = np.nan
    got = ringta.rma(x, period=period, seed="first")
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=1e-12)
