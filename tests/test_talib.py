"""Every kernel against TA-Lib on synthetic walks and real minute and daily bars.

Values must agree to ``rtol=1e-12`` on every valid index and the NaN pattern
(first valid index) must be identical. ``TALIB_EQUIVALENT`` is the one table of
TA-Lib counterparts; ``test_registry.py`` checks that every registry entry is
either in it or in ``NO_TALIB_EQUIVALENT`` with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
import talib
from numpy.lib.stride_tricks import sliding_window_view

import ringta
from conftest import make_bars
from reference import as_outputs
from ringta.kernels import REGISTRY

RTOL = 1e-12


def _bbands_talib_error(bars: dict, params: dict, talib_out: tuple) -> tuple:
    """How far TA-Lib's own bands are from an exact two-pass computation.

    TA-Lib's BBANDS keeps running sums of x and x**2 over the whole series
    and takes var = E[x**2] - E[x]**2, which cancels and drifts: on ORCL daily
    with period 200 its bands are 2e-11 (relative) away from the exact value.
    The kernel is allowed to differ from TA-Lib by TA-Lib's own error on top
    of ``RTOL``, never more.
    """
    p, k = params["period"], params["num_std"]
    windows = sliding_window_view(bars["close"], p)
    mid = windows.mean(axis=1)
    sd = np.sqrt(((windows - mid[:, None]) ** 2).mean(axis=1))
    exact = (mid + k * sd, mid, mid - k * sd)
    pad = np.full(p - 1, np.nan)
    return tuple(np.abs(t - np.concatenate([pad, e])) for t, e in zip(talib_out, exact))


def _exact_var(x: np.ndarray, p: int) -> np.ndarray:
    windows = sliding_window_view(x, p)
    var = ((windows - windows.mean(axis=1)[:, None]) ** 2).mean(axis=1)
    return np.concatenate([np.full(p - 1, np.nan), var])


def _var_talib_error(bars: dict, params: dict, talib_out: tuple) -> tuple:
    """How far TA-Lib's VAR is from an exact two-pass variance.

    TA-Lib's VAR is E[x**2] - E[x]**2 from running sums, which cancels: on
    synthetic walks at a price of 60,000 with period 2 it is 7e-9 (relative)
    from the exact value. As for BBANDS, the kernel may differ from TA-Lib by
    TA-Lib's own error on top of ``RTOL``, never more.
    """
    return (np.abs(talib_out[0] - _exact_var(bars["close"], params["period"])),)


def _stddev_talib_error(bars: dict, params: dict, talib_out: tuple) -> tuple:
    """TA-Lib's STDDEV is sqrt of its VAR (see :func:`_var_talib_error`), times nbdev."""
    exact = np.sqrt(_exact_var(bars["close"], params["period"])) * params["nbdev"]
    return (np.abs(talib_out[0] - exact),)


def _trima_talib_error(bars: dict, params: dict, talib_out: tuple) -> tuple:
    """How far TA-Lib's TRIMA is from an exact triangular-weighted mean.

    TA-Lib keeps one running weighted sum over the whole series and never
    recomputes it: with period 3 on the altcoin minute bars it is 3e-11
    (relative) from the exact value. The kernel may differ from TA-Lib by
    TA-Lib's own error on top of ``RTOL``.
    """
    p = params["period"]
    n1, n2 = ((p + 1) // 2, (p + 1) // 2) if p % 2 else (p // 2, p // 2 + 1)
    weights = np.convolve(np.ones(n1), np.ones(n2)) / (n1 * n2)
    exact = np.concatenate([np.full(p - 1, np.nan), sliding_window_view(bars["close"], p) @ weights])
    return (np.abs(talib_out[0] - exact),)


@dataclass(frozen=True)
class TalibEquivalent:
    """The TA-Lib counterpart of one registry entry."""

    function: str
    call: Callable[..., tuple]  # (bars, **ringta params) -> TA-Lib outputs in ringta output order
    params: tuple  # ringta parameter sets to compare
    abs_scale: Callable[[dict], float] | None = None  # atol = RTOL * abs_scale(bars)
    talib_error: Callable | None = None  # known error of TA-Lib itself, added to the tolerance


def _exact_mfi(bars: dict, period: int) -> np.ndarray:
    """MFI from window sums recomputed for every window (TA-Lib's flow rules, including its dead zone).

    The flows on each side are non-negative, so numpy's pairwise window sums
    are within a few ulp of the exact sums: a reference for TA-Lib's own error.
    """
    h, l, c, v = bars["high"], bars["low"], bars["close"], bars["volume"]
    tp = (h + l + c) / 3.0
    d = np.diff(tp)
    moved = np.abs(d) > 1e-14 * (np.abs(tp[1:]) + np.abs(tp[:-1]))
    flow = tp[1:] * v[1:]
    pos = np.where(moved & (d > 0), flow, 0.0)
    neg = np.where(moved & (d < 0), flow, 0.0)
    out = np.full(c.shape[0], np.nan)
    if c.shape[0] > period:
        p_sum = sliding_window_view(pos, period).sum(axis=1)
        n_sum = sliding_window_view(neg, period).sum(axis=1)
        total = p_sum + n_sum
        safe = np.where(total > 0.0, total, 1.0)
        out[period:] = np.where(total > 0.0, 100.0 * (p_sum / safe), 0.0)
    return out


def _mfi_talib_error(bars: dict, params: dict, talib_out: tuple) -> tuple:
    """How far TA-Lib's MFI is from MFI on exact window sums.

    TA-Lib keeps two running sums (subtract the outgoing flow, add the new
    one) that it never recomputes, so each keeps the rounding residue of the
    large flows that passed through it: 2.5e-9 points from the exact value on
    SPY hour bars and the altcoin minute bars (periods 2, 3), where a few huge
    volumes pass. ringta re-anchors its sums (within 3e-12 points of exact on
    the same data). The kernel may differ from TA-Lib by TA-Lib's own error on
    top of the tolerance, as for ``bbands``.
    """
    return (np.abs(talib_out[0] - _exact_mfi(bars, params["period"])),)


TALIB_EQUIVALENT: dict[str, TalibEquivalent] = {
    "sma": TalibEquivalent(
        "SMA",
        lambda b, period: (talib.SMA(b["close"], timeperiod=period),),
        tuple({"period": p} for p in (1, 2, 14, 30, 200)),
    ),
    "ema": TalibEquivalent(
        "EMA",
        lambda b, period, seed: (talib.EMA(b["close"], timeperiod=period),),
        tuple({"period": p, "seed": "sma"} for p in (1, 2, 9, 26, 200)),
    ),
    "rsi": TalibEquivalent(
        "RSI",
        lambda b, period: (talib.RSI(b["close"], timeperiod=period),),
        tuple({"period": p} for p in (2, 6, 14, 50)),
    ),
    "macd": TalibEquivalent(
        "MACD",
        lambda b, fast_period, slow_period, signal_period, seed: talib.MACD(
            b["close"], fastperiod=fast_period, slowperiod=slow_period, signalperiod=signal_period
        ),
        tuple(
            {"fast_period": f, "slow_period": s, "signal_period": g, "seed": "sma"}
            for f, s, g in ((12, 26, 9), (2, 3, 1), (5, 35, 5), (3, 10, 16))
        ),
        # MACD, signal and histogram are differences of prices, so their
        # relative error is unbounded near zero crossings; their rounding
        # error is proportional to the price level instead, so the tolerance
        # is 1e-12 times the price scale, max |close|.
        abs_scale=lambda b: float(np.max(np.abs(b["close"]))),
    ),
    "bbands": TalibEquivalent(
        "BBANDS",
        lambda b, period, num_std: talib.BBANDS(
            b["close"], timeperiod=period, nbdevup=num_std, nbdevdn=num_std, matype=0
        ),
        tuple({"period": p, "num_std": k} for p, k in ((20, 2.0), (2, 2.0), (5, 1.5), (50, 3.0), (200, 2.0))),
        talib_error=_bbands_talib_error,
    ),
    "obv": TalibEquivalent(
        "OBV",
        lambda b: (talib.OBV(b["close"], b["volume"]),),
        ({},),
    ),
    "trange": TalibEquivalent(
        "TRANGE",
        lambda b: (talib.TRANGE(b["high"], b["low"], b["close"]),),
        ({},),
    ),
    "atr": TalibEquivalent(
        "ATR",
        lambda b, period: (talib.ATR(b["high"], b["low"], b["close"], timeperiod=period),),
        tuple({"period": p} for p in (1, 2, 14, 50, 200)),
    ),
    "natr": TalibEquivalent(
        "NATR",
        # Period 1 is left out: TA-Lib's NATR returns the plain true range there.
        lambda b, period: (talib.NATR(b["high"], b["low"], b["close"], timeperiod=period),),
        tuple({"period": p} for p in (2, 5, 14, 50, 200)),
    ),
    "mom": TalibEquivalent(
        "MOM",
        lambda b, period: (talib.MOM(b["close"], timeperiod=period),),
        tuple({"period": p} for p in (1, 2, 10, 50, 200)),
    ),
    "roc": TalibEquivalent(
        "ROC",
        lambda b, period: (talib.ROC(b["close"], timeperiod=period),),
        tuple({"period": p} for p in (1, 2, 10, 50, 200)),
    ),
    "wma": TalibEquivalent(
        "WMA",
        lambda b, period: (talib.WMA(b["close"], timeperiod=period),),
        tuple({"period": p} for p in (1, 2, 3, 14, 30, 200)),
    ),
    "willr": TalibEquivalent(
        "WILLR",
        lambda b, period: (talib.WILLR(b["high"], b["low"], b["close"], timeperiod=period),),
        tuple({"period": p} for p in (2, 5, 14, 50, 200)),
    ),
    "max": TalibEquivalent(
        "MAX",
        lambda b, period: (talib.MAX(b["close"], timeperiod=period),),
        tuple({"period": p} for p in (2, 3, 14, 30, 200)),
    ),
    "min": TalibEquivalent(
        "MIN",
        lambda b, period: (talib.MIN(b["close"], timeperiod=period),),
        tuple({"period": p} for p in (2, 3, 14, 30, 200)),
    ),
    "var": TalibEquivalent(
        "VAR",
        lambda b, period: (talib.VAR(b["close"], timeperiod=period, nbdev=1.0),),
        tuple({"period": p} for p in (1, 2, 5, 20, 200)),
        talib_error=_var_talib_error,
    ),
    "stddev": TalibEquivalent(
        "STDDEV",
        lambda b, period, nbdev: (talib.STDDEV(b["close"], timeperiod=period, nbdev=nbdev),),
        tuple({"period": p, "nbdev": k} for p, k in ((5, 1.0), (2, 1.0), (20, 2.0), (200, 0.5))),
        talib_error=_stddev_talib_error,
    ),
    "ad": TalibEquivalent(
        "AD",
        lambda b: (talib.AD(b["high"], b["low"], b["close"], b["volume"]),),
        ({},),
        # A running sum that crosses zero: its rounding error scales with the
        # volume that went into it, not with the value.
        abs_scale=lambda b: float(np.sum(b["volume"])),
    ),
    "adosc": TalibEquivalent(
        "ADOSC",
        lambda b, fast_period, slow_period: (
            talib.ADOSC(b["high"], b["low"], b["close"], b["volume"], fastperiod=fast_period, slowperiod=slow_period),
        ),
        tuple({"fast_period": f, "slow_period": s} for f, s in ((3, 10), (2, 2), (10, 3), (5, 30), (2, 200))),
        # A difference of two EMAs of the A/D line: scaled like AD itself.
        abs_scale=lambda b: float(np.sum(b["volume"])),
    ),
    "cmo": TalibEquivalent(
        "CMO",
        lambda b, period: (talib.CMO(b["close"], timeperiod=period),),
        tuple({"period": p} for p in (2, 5, 14, 50, 200)),
        # 100 * (gain - loss) / (gain + loss) cancels when gain ~ loss: a last-place
        # difference in the averages (ringta fuses its Wilder step, TA-Lib divides)
        # is ~1e-14 points there, so the tolerance is on the -100..100 scale.
        abs_scale=lambda b: 100.0,
    ),
    "aroon": TalibEquivalent(
        "AROON",
        lambda b, period: talib.AROON(b["high"], b["low"], timeperiod=period),
        tuple({"period": p} for p in (2, 5, 14, 50, 200)),
    ),
    "aroonosc": TalibEquivalent(
        "AROONOSC",
        lambda b, period: (talib.AROONOSC(b["high"], b["low"], timeperiod=period),),
        tuple({"period": p} for p in (2, 5, 14, 50, 200)),
    ),
    "dema": TalibEquivalent(
        "DEMA",
        lambda b, period: (talib.DEMA(b["close"], timeperiod=period),),
        tuple({"period": p} for p in (2, 5, 14, 30, 200)),
    ),
    "tema": TalibEquivalent(
        "TEMA",
        lambda b, period: (talib.TEMA(b["close"], timeperiod=period),),
        tuple({"period": p} for p in (2, 5, 14, 30, 200)),
    ),
    "trima": TalibEquivalent(
        "TRIMA",
        lambda b, period: (talib.TRIMA(b["close"], timeperiod=period),),
        tuple({"period": p} for p in (1, 2, 3, 4, 5, 14, 30, 200)),
        talib_error=_trima_talib_error,
    ),
    "apo": TalibEquivalent(
        "APO",
        lambda b, fast_period, slow_period: (
            talib.APO(b["close"], fastperiod=fast_period, slowperiod=slow_period, matype=0),
        ),
        tuple({"fast_period": f, "slow_period": s} for f, s in ((12, 26), (2, 3), (5, 35), (3, 200))),
        # A difference of two means of prices: scaled by the price level, as MACD.
        abs_scale=lambda b: float(np.max(np.abs(b["close"]))),
    ),
    "ppo": TalibEquivalent(
        "PPO",
        lambda b, fast_period, slow_period: (
            talib.PPO(b["close"], fastperiod=fast_period, slowperiod=slow_period, matype=0),
        ),
        tuple({"fast_period": f, "slow_period": s} for f, s in ((12, 26), (2, 3), (5, 35), (3, 200))),
        # A percentage that crosses 0: an absolute tolerance of 1e-12 of 100 points.
        abs_scale=lambda b: 100.0,
    ),
    "stochf": TalibEquivalent(
        "STOCHF",
        lambda b, fastk_period, fastd_period: talib.STOCHF(
            b["high"], b["low"], b["close"], fastk_period=fastk_period, fastd_period=fastd_period, fastd_matype=0
        ),
        tuple({"fastk_period": k, "fastd_period": d} for k, d in ((5, 3), (1, 1), (14, 3), (2, 5), (50, 20))),
        # 0..100 values that reach 0: an absolute tolerance of 1e-12 of 100 points
        # (fastd is TA-Lib's running SMA, about 1e-12 points from ringta's re-anchored one).
        abs_scale=lambda b: 100.0,
    ),
    "donchian": TalibEquivalent(
        "MAX/MIDPRICE/MIN",
        lambda b, period: (
            talib.MAX(b["high"], timeperiod=period),
            talib.MIDPRICE(b["high"], b["low"], timeperiod=period),
            talib.MIN(b["low"], timeperiod=period),
        ),
        # Period 2 is TA-Lib's minimum for all three; the outputs are inputs
        # (or (highest + lowest) / 2.0, MIDPRICE's expression): equal bit for bit.
        tuple({"period": p} for p in (2, 3, 20, 55, 200)),
    ),
    "stoch": TalibEquivalent(
        "STOCH",
        lambda b, fastk_period, slowk_period, slowd_period: talib.STOCH(
            b["high"], b["low"], b["close"], fastk_period=fastk_period, slowk_period=slowk_period,
            slowk_matype=0, slowd_period=slowd_period, slowd_matype=0,
        ),
        tuple(
            {"fastk_period": k, "slowk_period": s, "slowd_period": d}
            for k, s, d in ((5, 3, 3), (1, 1, 1), (12, 3, 5), (14, 1, 3), (2, 5, 2), (50, 20, 10))
        ),
        # 0..100 values that reach 0: an absolute tolerance of 1e-12 of 100 points
        # (slowk and slowd are TA-Lib's running SMAs, about 1e-12 points from ringta's re-anchored ones).
        abs_scale=lambda b: 100.0,
    ),
    "stochrsi": TalibEquivalent(
        "STOCHRSI",
        lambda b, period, fastk_period, fastd_period: talib.STOCHRSI(
            b["close"], timeperiod=period, fastk_period=fastk_period, fastd_period=fastd_period, fastd_matype=0
        ),
        tuple(
            {"period": p, "fastk_period": k, "fastd_period": d}
            for p, k, d in ((14, 5, 3), (2, 1, 1), (14, 14, 3), (5, 3, 3), (50, 20, 5), (3, 2, 9))
        ),
        # 0..100 values that reach 0: an absolute tolerance of 1e-12 of 100 points. fastk equals
        # TA-Lib bit for bit (the RSI is advanced in TA-Lib's order, see stochrsi.py); fastd is
        # TA-Lib's running SMA, about 1e-12 points from ringta's re-anchored one.
        abs_scale=lambda b: 100.0,
    ),
    "kama": TalibEquivalent(
        "KAMA",
        lambda b, period: (talib.KAMA(b["close"], timeperiod=period),),
        # period 1: TA-Lib returns the input (lookback 0); 2 and 3: the shortest
        # windows, where flat windows (repeated closes) purge the volatility sum.
        # Largest relative difference seen on the test data: about 1e-15 (TA-Lib's
        # running sum is never recomputed; ringta's is re-anchored).
        tuple({"period": p} for p in (1, 2, 3, 10, 30, 200)),
    ),
    "cci": TalibEquivalent(
        "CCI",
        lambda b, period: (talib.CCI(b["high"], b["low"], b["close"], timeperiod=period),),
        # Period 1 is refused by TA-Lib (and by ringta). Same operations in the same
        # order as TA-Lib, so the values are equal bit for bit: no absolute tolerance.
        tuple({"period": p} for p in (2, 3, 14, 50, 200)),
    ),
    "ultosc": TalibEquivalent(
        "ULTOSC",
        lambda b, period1, period2, period3: (
            talib.ULTOSC(b["high"], b["low"], b["close"], timeperiod1=period1, timeperiod2=period2,
                         timeperiod3=period3),
        ),
        # Period 1, equal periods, and periods given longest first (both sort them).
        tuple({"period1": a, "period2": m, "period3": z}
              for a, m, z in ((7, 14, 28), (1, 2, 3), (28, 14, 7), (2, 2, 2), (5, 50, 200))),
    ),
    "plus_di": TalibEquivalent(
        "PLUS_DI",
        # TA-Lib's period 1 returns +DM1 / TR1 as a fraction (no factor 100, unlike every
        # other period); ringta returns 100 * +DM1 / TR1, the same quotient times 100.
        lambda b, period: (
            talib.PLUS_DI(b["high"], b["low"], b["close"], timeperiod=period) * (100.0 if period == 1 else 1.0),
        ),
        tuple({"period": p} for p in (1, 2, 3, 14, 50, 200)),
    ),
    "minus_di": TalibEquivalent(
        "MINUS_DI",
        # As for plus_di: TA-Lib's period 1 is -DM1 / TR1 without the factor 100.
        lambda b, period: (
            talib.MINUS_DI(b["high"], b["low"], b["close"], timeperiod=period) * (100.0 if period == 1 else 1.0),
        ),
        tuple({"period": p} for p in (1, 2, 3, 14, 50, 200)),
    ),
    "adx": TalibEquivalent(
        "ADX",
        lambda b, period: (talib.ADX(b["high"], b["low"], b["close"], timeperiod=period),),
        # TA-Lib refuses period 1 for ADX (as ringta does); equal bit for bit on the test data.
        tuple({"period": p} for p in (2, 3, 14, 50, 200)),
    ),
    "mfi": TalibEquivalent(
        "MFI",
        lambda b, period: (talib.MFI(b["high"], b["low"], b["close"], b["volume"], timeperiod=period),),
        tuple({"period": p} for p in (2, 3, 14, 20, 50, 200)),
        # 0..100 values that reach 0 and 100: an absolute tolerance of 1e-12 of 100 points.
        abs_scale=lambda b: 100.0,
        talib_error=_mfi_talib_error,
    ),
}

# Registry entries with no TA-Lib counterpart, name -> reason. Each must be
# covered by its twin in reference.py instead.
NO_TALIB_EQUIVALENT: dict[str, str] = {
    "rma": "TA-Lib has no RMA function (Wilder's smoothing exists only inside its ATR, RSI, ADX...); "
           "rma(TRANGE[1:]) is checked against TA-Lib ATR and the RMAs of gains and losses against "
           "TA-Lib RSI in test_rma_of_true_range_is_atr / test_rma_of_gains_and_losses_is_talib_rsi",
    "rolling_vwap": (
        "TA-Lib has no VWAP or VWMA function. The composition SUM(P*V, period) / SUM(V, period) of its "
        "running SUMs drifts (up to 1.3e-10 relative on the SPY hourly bars with period 2), while ringta's "
        "compensated window sums stay within 6e-16 of exact fsum windows; covered by its naive twin (exact "
        "fsum windows), talipp's VWMA (price='close', Lean spy_with_vwma.csv) and Lean's moving VWAP "
        "(price='ohlc4', spy_with_vwap.txt)"
    ),
    "vwap": (
        "TA-Lib has no VWAP: no function accumulates price x volume over a session and restarts at "
        "session boundaries (its SUM is a fixed window). Covered by its naive twin, by a per-day "
        "cumsum(tp*v)/cumsum(v) on the SPY minute bars (test_vwap_session.py) and, for one session, "
        "by talipp's VWAP (benchmarks)"
    ),
    "keltner": (
        "TA-Lib has no Keltner Channels; its parts are: with seed='sma' the middle line is TA-Lib EMA(close, "
        "period) and the bands are EMA +/- multiplier * TA-Lib ATR(atr_period), checked at rtol 1e-12 by "
        "test_keltner_is_talib_ema_plus_atr_*"
    ),
}

CASES = [
    pytest.param(name, params, id=f"{name}-" + "-".join(f"{k}={v}" for k, v in params.items()))
    for name, eq in TALIB_EQUIVALENT.items()
    for params in eq.params
]


def talib_outputs(name: str, bars: dict, params: dict) -> tuple[np.ndarray, ...]:
    """TA-Lib's outputs for registry entry ``name``, as a tuple in ringta's output order."""
    return tuple(np.asarray(a, dtype=np.float64) for a in TALIB_EQUIVALENT[name].call(bars, **params))


def assert_matches_talib(name: str, bars: dict, params: dict) -> None:
    """Batch output of ``name`` equals TA-Lib: same NaN pattern, rtol 1e-12 on valid indices."""
    spec = REGISTRY[name]
    eq = TALIB_EQUIVALENT[name]
    got = as_outputs(spec.batch(*(bars[i] for i in spec.inputs), **params))
    want = talib_outputs(name, bars, params)
    assert len(got) == len(want) == len(spec.outputs)
    atol = RTOL * eq.abs_scale(bars) if eq.abs_scale else 0.0
    slack = eq.talib_error(bars, params, want) if eq.talib_error else (0.0,) * len(want)
    for out_name, g, w, s in zip(spec.outputs, got, want, slack):
        np.testing.assert_array_equal(np.isnan(g), np.isnan(w), err_msg=f"{name}.{out_name}: NaN pattern")
        valid = ~np.isnan(w)
        assert valid.any(), f"{name}.{out_name}: no valid TA-Lib value to compare"
        g, w, s = g[valid], w[valid], np.broadcast_to(s, valid.shape)[valid]
        err = np.abs(g - w)
        limit = atol + RTOL * np.abs(w) + s
        if not np.all(err <= limit):
            worst = int(np.argmax(err - limit))
            at = int(np.flatnonzero(valid)[worst])
            pytest.fail(
                f"{name}.{out_name} {params}: |ringta - talib| = {err[worst]:.3g} > {limit[worst]:.3g} "
                f"at index {at} (ringta {g[worst]!r}, talib {w[worst]!r}); "
                f"{int(np.sum(err > limit))} indices out of tolerance"
            )


@pytest.mark.parametrize("name, params", CASES)
def test_synthetic_levels(name, params, synthetic):
    """Random walks at price levels 1, 100 and 60,000."""
    assert_matches_talib(name, synthetic, params)


@pytest.mark.parametrize("name, params", CASES)
def test_real_bars(name, params, real_bars):
    """Real minute and daily bars (SPY, BTC, an altcoin in BTC, ORCL, a EURO STOXX future)."""
    assert_matches_talib(name, real_bars, params)


@pytest.mark.parametrize("level", [1e-13, 1e9], ids=["level1e-13", "level1e9"])
@pytest.mark.parametrize("name, params", CASES)
def test_extreme_price_scales(name, params, level):
    """Prices far from 1: no absolute thresholds (e.g. an RSI zero rule of 1e-14) may creep in."""
    assert_matches_talib(name, make_bars(level, n=600, seed=3), params)


def _plain_ema_from_first(x: np.ndarray, period: int) -> np.ndarray:
    """pandas ``ewm(span=period, adjust=False)``: e[0] = x[0], e[t] = a*x[t] + (1-a)*e[t-1]."""
    a = 2.0 / (period + 1.0)
    out = np.empty_like(x)
    out[0] = x[0]
    for t in range(1, len(x)):
        out[t] = a * x[t] + (1.0 - a) * out[t - 1]
    out[: period - 1] = np.nan  # reported from index period-1, like the TA-Lib seed
    return out


@pytest.mark.parametrize("period", [1, 2, 10, 50])
def test_ema_seed_first_synthetic(period, synthetic):
    """seed="first" has no TA-Lib equivalent: compare to the plain recursion from x[0]."""
    x = synthetic["close"]
    got = ringta.ema(x, period, seed="first")
    want = _plain_ema_from_first(x, period)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got[period - 1 :], want[period - 1 :], rtol=RTOL)


@pytest.mark.parametrize("period", [2, 20])
def test_ema_seed_first_real(period, real_bars):
    """seed="first" on real bars against the plain recursion from x[0]."""
    x = real_bars["close"]
    got = ringta.ema(x, period, seed="first")
    want = _plain_ema_from_first(x, period)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got[period - 1 :], want[period - 1 :], rtol=RTOL)


# --- for tests/test_talib.py (after the EMA seed="first" tests) ---
# TA-Lib has no Keltner Channels (see NO_TALIB_EQUIVALENT), but its parts are
# TA-Lib functions: the middle line is EMA(close, period) and the bands are
# EMA +/- multiplier * ATR(atr_period), all from index max(period - 1, atr_period).

KELTNER_PARAMS = [
    pytest.param(p, id="-".join(f"{k}={v}" for k, v in p.items()))
    for p in (
        {"period": 20, "multiplier": 2.0, "atr_period": 10},
        {"period": 1, "multiplier": 1.5, "atr_period": 1},
        {"period": 2, "multiplier": 0.0, "atr_period": 14},
        {"period": 50, "multiplier": 3.0, "atr_period": 5},
        {"period": 200, "multiplier": 2.5, "atr_period": 200},
    )
]


def _keltner_from_talib(b: dict, period: int, multiplier: float, atr_period: int) -> tuple:
    mid = talib.EMA(b["close"], timeperiod=period)
    atr = talib.ATR(b["high"], b["low"], b["close"], timeperiod=atr_period)
    first = max(period - 1, atr_period)
    mid[:first] = np.nan
    width = multiplier * atr
    width[:first] = np.nan
    return mid + width, mid, mid - width


def assert_keltner_is_talib_ema_plus_atr(bars: dict, params: dict) -> None:
    got = ringta.keltner(bars["high"], bars["low"], bars["close"], **params, seed="sma")
    want = _keltner_from_talib(bars, **params)
    for name, g, w in zip(("upper", "middle", "lower"), got, want):
        np.testing.assert_array_equal(np.isnan(g), np.isnan(w), err_msg=f"keltner.{name}: NaN pattern")
        valid = ~np.isnan(w)
        assert valid.any(), f"keltner.{name}: no valid value to compare"
        np.testing.assert_allclose(g[valid], w[valid], rtol=RTOL, atol=0.0, err_msg=f"keltner.{name} {params}")


@pytest.mark.parametrize("params", KELTNER_PARAMS)
def test_keltner_is_talib_ema_plus_atr_synthetic(params, synthetic):
    """Random walks at price levels 1, 100 and 60,000."""
    assert_keltner_is_talib_ema_plus_atr(synthetic, params)


@pytest.mark.parametrize("params", KELTNER_PARAMS)
def test_keltner_is_talib_ema_plus_atr_real(params, real_bars):
    """Real minute and daily bars."""
    assert_keltner_is_talib_ema_plus_atr(real_bars, params)


@pytest.mark.parametrize("level", [1e-13, 1e9], ids=["level1e-13", "level1e9"])
@pytest.mark.parametrize("params", KELTNER_PARAMS)
def test_keltner_is_talib_ema_plus_atr_extreme_scales(params, level):
    assert_keltner_is_talib_ema_plus_atr(make_bars(level, n=600, seed=3), params)


@pytest.mark.parametrize("period", [1, 2, 20])
def test_keltner_seed_first_middle_is_plain_recursion(period, synthetic):
    """seed="first": the middle line is the plain EMA recursion from close[0] (pandas adjust=False)."""
    b = synthetic
    res = ringta.keltner(b["high"], b["low"], b["close"], period=period, multiplier=2.0, atr_period=10, seed="first")
    first = max(period - 1, 10)
    want = _plain_ema_from_first(b["close"], period)
    assert np.all(np.isnan(res.middle[:first]))
    np.testing.assert_allclose(res.middle[first:], want[first:], rtol=RTOL)
    atr = talib.ATR(b["high"], b["low"], b["close"], timeperiod=10)
    np.testing.assert_allclose(res.upper[first:], want[first:] + 2.0 * atr[first:], rtol=RTOL)
