"""Naive twins of every ringta kernel, written from the textbook definitions.

Each twin recomputes every window from scratch (O(window) work per bar) or runs
the plain recursion, in pure Python, with no ring buffers, no running sums and
no re-anchoring, so it shares no code and no numerical shortcut with the
kernels. A twin has the same signature as the batch function it mirrors and
returns a tuple of float64 arrays, one per output, in registry output order,
NaN before the first valid index.

Adding an indicator to the registry means adding its twin to ``REFERENCES``;
``test_registry.py`` fails until that is done.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

NAN = math.nan


def _as_float(values) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=np.float64)]


def _nan_array(n: int) -> np.ndarray:
    return np.full(n, NAN)


def window_mean(window) -> float:
    """Correctly rounded sum divided by the length: the exact mean up to one rounding."""
    return math.fsum(window) / len(window)


def population_std(window) -> float:
    """Two-pass population standard deviation (ddof=0) with compensated sums."""
    mean = window_mean(window)
    return math.sqrt(math.fsum((v - mean) ** 2 for v in window) / len(window))


def sma_ref(close, period: int = 30) -> tuple[np.ndarray]:
    """Mean of the last ``period`` inputs, first value at index ``period - 1``."""
    x = _as_float(close)
    out = _nan_array(len(x))
    for t in range(period - 1, len(x)):
        out[t] = window_mean(x[t - period + 1 : t + 1])
    return (out,)


def _ema_path(x: list[float], period: int, seed: str) -> list[float]:
    """EMA value at every index where the recursion has one (NaN before the seed)."""
    alpha = 2.0 / (period + 1.0)
    path = [NAN] * len(x)
    if seed == "first":
        # The recursion starts from the first input.
        prev = NAN
        for t, v in enumerate(x):
            prev = v if t == 0 else prev + alpha * (v - prev)
            path[t] = prev
        return path
    # TA-Lib: seeded with the simple mean of the first ``period`` inputs.
    if len(x) < period:
        return path
    prev = sum(x[:period]) / period
    path[period - 1] = prev
    for t in range(period, len(x)):
        prev = prev + alpha * (x[t] - prev)
        path[t] = prev
    return path


def ema_ref(close, period: int = 30, seed: str = "sma") -> tuple[np.ndarray]:
    """EMA with ``alpha = 2 / (period + 1)``, reported from index ``period - 1`` for both seeds."""
    x = _as_float(close)
    out = _nan_array(len(x))
    path = _ema_path(x, period, seed)
    for t in range(period - 1, len(x)):
        out[t] = path[t]
    return (out,)


def rsi_ref(close, period: int = 14) -> tuple[np.ndarray]:
    """Wilder RSI: averages seeded with the simple means of the first ``period`` changes."""
    x = _as_float(close)
    out = _nan_array(len(x))
    if len(x) <= period:
        return (out,)
    ups = [max(x[t] - x[t - 1], 0.0) for t in range(1, len(x))]
    downs = [max(x[t - 1] - x[t], 0.0) for t in range(1, len(x))]
    gain = sum(ups[:period]) / period
    loss = sum(downs[:period]) / period

    def value(g: float, l: float) -> float:
        # A flat stretch (no gains, no losses) is reported as 0, as TA-Lib 0.6+ does;
        # tiny but non-zero moves still give a ratio.
        return 0.0 if g + l == 0.0 else 100.0 * g / (g + l)

    out[period] = value(gain, loss)
    for t in range(period + 1, len(x)):
        gain = (gain * (period - 1) + ups[t - 1]) / period
        loss = (loss * (period - 1) + downs[t - 1]) / period
        out[t] = value(gain, loss)
    return (out,)


def macd_ref(
    close, fast_period: int = 12, slow_period: int = 26, signal_period: int = 9, seed: str = "sma"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MACD = fast EMA - slow EMA, signal = EMA of MACD, hist = MACD - signal.

    With ``seed="sma"`` the fast EMA is seeded with the mean of the
    ``fast_period`` inputs ending at index ``slow_period - 1``, so both EMAs
    start together (TA-Lib's alignment). All outputs are reported from index
    ``slow_period + signal_period - 2``.
    """
    x = _as_float(close)
    n = len(x)
    start = slow_period + signal_period - 2
    outs = (_nan_array(n), _nan_array(n), _nan_array(n))
    if seed == "first":
        fast = _ema_path(x, fast_period, "first")
        slow = _ema_path(x, slow_period, "first")
        line = [f - s for f, s in zip(fast, slow)]
        signal = _ema_path(line, signal_period, "first")
    else:
        first = slow_period - 1
        if n <= first:
            return outs
        slow = _ema_path(x, slow_period, "sma")
        # The fast EMA run on the inputs from index slow-fast, so that its
        # simple-mean seed lands on index slow-1.
        fast_tail = _ema_path(x[slow_period - fast_period :], fast_period, "sma")
        fast = [NAN] * (slow_period - fast_period) + fast_tail
        line = [fast[t] - slow[t] for t in range(first, n)]
        signal = [NAN] * first + _ema_path(line, signal_period, "sma")
        line = [NAN] * first + line
    for t in range(start, n):
        outs[0][t] = line[t]
        outs[1][t] = signal[t]
        outs[2][t] = line[t] - signal[t]
    return outs


def bbands_ref(close, period: int = 20, num_std: float = 2.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean of the window +/- ``num_std`` population standard deviations of the same window."""
    x = _as_float(close)
    n = len(x)
    upper, middle, lower = _nan_array(n), _nan_array(n), _nan_array(n)
    for t in range(period - 1, n):
        window = x[t - period + 1 : t + 1]
        mid = window_mean(window)
        sd = population_std(window)
        upper[t], middle[t], lower[t] = mid + num_std * sd, mid, mid - num_std * sd
    return upper, middle, lower


def obv_ref(close, volume) -> tuple[np.ndarray]:
    """Running total of volume, added on up closes, subtracted on down closes, from volume[0]."""
    c = _as_float(close)
    v = _as_float(volume)
    out = _nan_array(len(c))
    total = NAN
    for t in range(len(c)):
        if t == 0:
            total = v[0]
        elif c[t] > c[t - 1]:
            total += v[t]
        elif c[t] < c[t - 1]:
            total -= v[t]
        out[t] = total
    return (out,)


def _true_ranges(h: list[float], l: list[float], c: list[float]) -> list[float]:
    """True range of every bar from index 1 (NaN at 0): the bar's range widened to the previous close."""
    return [NAN] + [max(h[t] - l[t], abs(c[t - 1] - h[t]), abs(c[t - 1] - l[t])) for t in range(1, len(c))]


def trange_ref(high, low, close) -> tuple[np.ndarray]:
    """max(high - low, |prev close - high|, |prev close - low|), from index 1."""
    h, l, c = _as_float(high), _as_float(low), _as_float(close)
    return (np.array(_true_ranges(h, l, c), dtype=np.float64),)


def _wilder_atr(h: list[float], l: list[float], c: list[float], period: int) -> list[float]:
    """Wilder ATR path: mean of the true ranges of bars 1..period, then (prev*(p-1) + tr)/p."""
    tr = _true_ranges(h, l, c)
    path = [NAN] * len(c)
    if len(c) <= period:
        return path
    prev = sum(tr[1 : period + 1]) / period
    path[period] = prev
    for t in range(period + 1, len(c)):
        prev = (prev * (period - 1) + tr[t]) / period
        path[t] = prev
    return path


def atr_ref(high, low, close, period: int = 14) -> tuple[np.ndarray]:
    """Wilder average true range, first value at index ``period``."""
    return (np.array(_wilder_atr(_as_float(high), _as_float(low), _as_float(close), period), dtype=np.float64),)


def natr_ref(high, low, close, period: int = 14) -> tuple[np.ndarray]:
    """ATR / close * 100 (0 where the close is 0), first value at index ``period``."""
    c = _as_float(close)
    path = _wilder_atr(_as_float(high), _as_float(low), c, period)
    out = _nan_array(len(c))
    for t in range(period, len(c)):
        out[t] = 0.0 if c[t] == 0.0 else path[t] / c[t] * 100.0
    return (out,)


def mom_ref(close, period: int = 10) -> tuple[np.ndarray]:
    """x[t] - x[t - period], from index ``period``."""
    x = _as_float(close)
    out = _nan_array(len(x))
    for t in range(period, len(x)):
        out[t] = x[t] - x[t - period]
    return (out,)


def roc_ref(close, period: int = 10) -> tuple[np.ndarray]:
    """(x[t] / x[t - period] - 1) * 100 (0 where x[t - period] is 0), from index ``period``."""
    x = _as_float(close)
    out = _nan_array(len(x))
    for t in range(period, len(x)):
        out[t] = 0.0 if x[t - period] == 0.0 else (x[t] / x[t - period] - 1.0) * 100.0
    return (out,)


def wma_ref(close, period: int = 30) -> tuple[np.ndarray]:
    """Weights 1..period (newest heaviest), correctly rounded weighted sum / (period*(period+1)/2)."""
    x = _as_float(close)
    out = _nan_array(len(x))
    div = period * (period + 1) // 2
    for t in range(period - 1, len(x)):
        out[t] = math.fsum((j + 1) * x[t - period + 1 + j] for j in range(period)) / div
    return (out,)


def willr_ref(high, low, close, period: int = 14) -> tuple[np.ndarray]:
    """(highest high - close) / ((highest high - lowest low) / -100) over the window; 0 for a flat window."""
    h, l, c = _as_float(high), _as_float(low), _as_float(close)
    out = _nan_array(len(c))
    for t in range(period - 1, len(c)):
        hh = max(h[t - period + 1 : t + 1])
        ll = min(l[t - period + 1 : t + 1])
        diff = (hh - ll) / -100.0
        out[t] = 0.0 if diff == 0.0 else (hh - c[t]) / diff
    return (out,)


def max_ref(close, period: int = 30) -> tuple[np.ndarray]:
    """Largest of the last ``period`` inputs, from index ``period - 1``."""
    x = _as_float(close)
    out = _nan_array(len(x))
    for t in range(period - 1, len(x)):
        out[t] = max(x[t - period + 1 : t + 1])
    return (out,)


def min_ref(close, period: int = 30) -> tuple[np.ndarray]:
    """Smallest of the last ``period`` inputs, from index ``period - 1``."""
    x = _as_float(close)
    out = _nan_array(len(x))
    for t in range(period - 1, len(x)):
        out[t] = min(x[t - period + 1 : t + 1])
    return (out,)


def var_ref(close, period: int = 5) -> tuple[np.ndarray]:
    """Two-pass population variance (ddof=0) of each window, with compensated sums."""
    x = _as_float(close)
    out = _nan_array(len(x))
    for t in range(period - 1, len(x)):
        window = x[t - period + 1 : t + 1]
        mean = window_mean(window)
        out[t] = math.fsum((v - mean) ** 2 for v in window) / period
    return (out,)


def stddev_ref(close, period: int = 5, nbdev: float = 1.0) -> tuple[np.ndarray]:
    """Two-pass population standard deviation (ddof=0) of each window, times ``nbdev``."""
    x = _as_float(close)
    out = _nan_array(len(x))
    for t in range(period - 1, len(x)):
        out[t] = population_std(x[t - period + 1 : t + 1]) * nbdev
    return (out,)


def _ad_path(h: list[float], l: list[float], c: list[float], v: list[float]) -> list[float]:
    """Running sum of ((c - l) - (h - c)) / (h - l) * v from 0, skipping bars with h == l."""
    path, total = [], 0.0
    for t in range(len(c)):
        if h[t] - l[t] > 0.0:
            total += ((c[t] - l[t]) - (h[t] - c[t])) / (h[t] - l[t]) * v[t]
        path.append(total)
    return path


def ad_ref(high, low, close, volume) -> tuple[np.ndarray]:
    """Chaikin A/D line, valid from index 0."""
    return (np.array(_ad_path(*(_as_float(a) for a in (high, low, close, volume))), dtype=np.float64),)


def adosc_ref(high, low, close, volume, fast_period: int = 3, slow_period: int = 10) -> tuple[np.ndarray]:
    """EMA(ad, fast) - EMA(ad, slow), both EMAs starting at ad[0], from index max(fast, slow) - 1."""
    ad = _ad_path(*(_as_float(a) for a in (high, low, close, volume)))
    fast = _ema_path(ad, fast_period, "first")
    slow = _ema_path(ad, slow_period, "first")
    out = _nan_array(len(ad))
    for t in range(max(fast_period, slow_period) - 1, len(ad)):
        out[t] = fast[t] - slow[t]
    return (out,)


def cmo_ref(close, period: int = 14) -> tuple[np.ndarray]:
    """100 * (G - L) / (G + L) with TA-Lib's Wilder averages (seeded with simple means); 0 when G + L is 0."""
    x = _as_float(close)
    out = _nan_array(len(x))
    if len(x) <= period:
        return (out,)
    ups = [max(x[t] - x[t - 1], 0.0) for t in range(1, len(x))]
    downs = [max(x[t - 1] - x[t], 0.0) for t in range(1, len(x))]
    gain = sum(ups[:period]) / period
    loss = sum(downs[:period]) / period

    def value(g: float, l: float) -> float:
        return 0.0 if g + l == 0.0 else 100.0 * ((g - l) / (g + l))

    out[period] = value(gain, loss)
    for t in range(period + 1, len(x)):
        gain = (gain * (period - 1) + ups[t - 1]) / period
        loss = (loss * (period - 1) + downs[t - 1]) / period
        out[t] = value(gain, loss)
    return (out,)


def _newest_extreme_index(values: list[float], start: int, end: int, highest: bool) -> int:
    """Index of the largest (smallest) of values[start:end]; of equal values the latest."""
    best = start
    for i in range(start, end):
        if (values[i] >= values[best]) if highest else (values[i] <= values[best]):
            best = i
    return best


def aroon_ref(high, low, period: int = 14) -> tuple[np.ndarray, np.ndarray]:
    """Over the last period + 1 bars: 100/period * (period - bars since the lowest low / highest high)."""
    h, l = _as_float(high), _as_float(low)
    down, up = _nan_array(len(h)), _nan_array(len(h))
    f = 100.0 / period
    for t in range(period, len(h)):
        up[t] = f * (period - (t - _newest_extreme_index(h, t - period, t + 1, True)))
        down[t] = f * (period - (t - _newest_extreme_index(l, t - period, t + 1, False)))
    return down, up


def aroonosc_ref(high, low, period: int = 14) -> tuple[np.ndarray]:
    """100/period * (index of the highest high - index of the lowest low) over the last period + 1 bars."""
    h, l = _as_float(high), _as_float(low)
    out = _nan_array(len(h))
    f = 100.0 / period
    for t in range(period, len(h)):
        out[t] = f * (_newest_extreme_index(h, t - period, t + 1, True) - _newest_extreme_index(l, t - period, t + 1, False))
    return (out,)


def _talib_ema_chain(x: list[float], period: int) -> list[float]:
    """EMA values of ``x`` from index period - 1 on: seeded with the mean, then (v - e) * k + e."""
    if len(x) < period:
        return []
    k = 2.0 / (period + 1)
    e = sum(x[:period]) / period
    out = [e]
    for v in x[period:]:
        e = (v - e) * k + e
        out.append(e)
    return out


def dema_ref(close, period: int = 30) -> tuple[np.ndarray]:
    """2*e1 - e2 with e2 the EMA of e1, each EMA seeded with the mean of its first period inputs."""
    x = _as_float(close)
    out = _nan_array(len(x))
    e1 = _talib_ema_chain(x, period)
    e2 = _talib_ema_chain(e1, period)
    for j, v in enumerate(e2):
        out[2 * (period - 1) + j] = 2.0 * e1[j + period - 1] - v
    return (out,)


def tema_ref(close, period: int = 30) -> tuple[np.ndarray]:
    """e3 + (3*e1 - 3*e2) for the chained EMAs e1, e2, e3, each seeded with a mean."""
    x = _as_float(close)
    out = _nan_array(len(x))
    e1 = _talib_ema_chain(x, period)
    e2 = _talib_ema_chain(e1, period)
    e3 = _talib_ema_chain(e2, period)
    for j, v in enumerate(e3):
        out[3 * (period - 1) + j] = v + (3.0 * e1[j + 2 * (period - 1)] - 3.0 * e2[j + period - 1])
    return (out,)


def trima_ref(close, period: int = 30) -> tuple[np.ndarray]:
    """Mean of the last n2 means of n1 inputs (n1 = n2 = (p+1)/2 for odd p; p/2 and p/2 + 1 for even p)."""
    x = _as_float(close)
    n1, n2 = ((period + 1) // 2, (period + 1) // 2) if period % 2 else (period // 2, period // 2 + 1)
    inner = [window_mean(x[t - n1 + 1 : t + 1]) if t >= n1 - 1 else NAN for t in range(len(x))]
    out = _nan_array(len(x))
    for t in range(period - 1, len(x)):
        out[t] = window_mean(inner[t - n2 + 1 : t + 1])
    return (out,)


def _sma_path(x: list[float], period: int) -> list[float]:
    return [window_mean(x[t - period + 1 : t + 1]) if t >= period - 1 else NAN for t in range(len(x))]


def apo_ref(close, fast_period: int = 12, slow_period: int = 26) -> tuple[np.ndarray]:
    """SMA(fast) - SMA(slow), from index slow_period - 1."""
    x = _as_float(close)
    fast, slow = _sma_path(x, fast_period), _sma_path(x, slow_period)
    out = _nan_array(len(x))
    for t in range(slow_period - 1, len(x)):
        out[t] = fast[t] - slow[t]
    return (out,)


def ppo_ref(close, fast_period: int = 12, slow_period: int = 26) -> tuple[np.ndarray]:
    """(SMA(fast) - SMA(slow)) / SMA(slow) * 100 (0 where SMA(slow) is 0), from index slow_period - 1."""
    x = _as_float(close)
    fast, slow = _sma_path(x, fast_period), _sma_path(x, slow_period)
    out = _nan_array(len(x))
    for t in range(slow_period - 1, len(x)):
        out[t] = 0.0 if slow[t] == 0.0 else (fast[t] - slow[t]) / slow[t] * 100.0
    return (out,)


def stochf_ref(high, low, close, fastk_period: int = 5, fastd_period: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """fastk = (close - LL) / (HH - LL) * 100 over fastk_period bars (0 if HH == LL); fastd = its SMA."""
    h, l, c = _as_float(high), _as_float(low), _as_float(close)
    n = len(c)
    k = [NAN] * n
    for t in range(fastk_period - 1, n):
        hh = max(h[t - fastk_period + 1 : t + 1])
        ll = min(l[t - fastk_period + 1 : t + 1])
        k[t] = 0.0 if hh == ll else (c[t] - ll) / (hh - ll) * 100.0
    fastk, fastd = _nan_array(n), _nan_array(n)
    for t in range(fastk_period + fastd_period - 2, n):
        fastk[t] = k[t]
        fastd[t] = window_mean(k[t - fastd_period + 1 : t + 1])
    return fastk, fastd

# --- for tests/reference.py (after stochf_ref) ---


def keltner_ref(
    high, low, close, period: int = 20, multiplier: float = 2.0, atr_period: int = 10, seed: str = "sma"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """EMA(close, period) +/- multiplier * Wilder ATR(atr_period), from index max(period - 1, atr_period).

    The EMA is seeded with the mean of the first ``period`` closes (``seed="sma"``,
    TA-Lib) or starts at the first close (``seed="first"``); the ATR is seeded
    with the mean of the true ranges of bars 1..atr_period.
    """
    h, l, c = _as_float(high), _as_float(low), _as_float(close)
    n = len(c)
    mid = _ema_path(c, period, seed)
    atr = _wilder_atr(h, l, c, atr_period)
    upper, middle, lower = _nan_array(n), _nan_array(n), _nan_array(n)
    for t in range(max(period - 1, atr_period), n):
        width = multiplier * atr[t]
        upper[t], middle[t], lower[t] = mid[t] + width, mid[t], mid[t] - width
    return upper, middle, lower



# --- for tests/reference.py (after stochf_ref) ---


def donchian_ref(high, low, period: int = 20) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Highest high, (highest + lowest) / 2 and lowest low of the last ``period`` bars, from index period - 1."""
    h, l = _as_float(high), _as_float(low)
    n = len(h)
    upper, middle, lower = _nan_array(n), _nan_array(n), _nan_array(n)
    for t in range(period - 1, n):
        hh = max(h[t - period + 1 : t + 1])
        ll = min(l[t - period + 1 : t + 1])
        upper[t], middle[t], lower[t] = hh, (hh + ll) / 2.0, ll
    return upper, middle, lower




def vwap_ref(high, low, close, volume, session=None) -> tuple[np.ndarray]:
    """Session VWAP from scratch at every bar: fsum(tp * v) / fsum(v) over the session so far.

    ``tp = (high + low + close) / 3``. A session starts at the first bar and
    at every bar whose ``session`` differs from the previous bar's (``None``:
    one session). While the session's volume is 0 the value is the bar's
    typical price.
    """
    h, l, c, v = _as_float(high), _as_float(low), _as_float(close), _as_float(volume)
    n = len(c)
    s = [0.0] * n if session is None else _as_float(session)
    tp = [(h[t] + l[t] + c[t]) / 3.0 for t in range(n)]
    out = _nan_array(n)
    start = 0
    for t in range(n):
        if t > 0 and s[t] != s[t - 1]:
            start = t
        vol = math.fsum(v[start : t + 1])
        if vol == 0.0:
            out[t] = tp[t]
        else:
            out[t] = math.fsum(tp[k] * v[k] for k in range(start, t + 1)) / vol
    return (out,)


def rolling_vwap_ref(open, high, low, close, volume, period: int = 20, price: str = "typical") -> tuple[np.ndarray]:  # noqa: A002
    """fsum(price * v) / fsum(v) over each window of ``period`` bars, first value at ``period - 1``.

    ``price`` is (h+l+c)/3 ("typical"), (o+h+l+c)/4 ("ohlc4") or the close
    ("close"). A window whose volumes are all 0 gives the bar's own price.
    """
    o, h, l, c, v = (_as_float(a) for a in (open, high, low, close, volume))
    n = len(c)
    if price == "typical":
        p = [(h[t] + l[t] + c[t]) / 3.0 for t in range(n)]
    elif price == "ohlc4":
        p = [(o[t] + h[t] + l[t] + c[t]) / 4.0 for t in range(n)]
    else:
        p = list(c)
    out = _nan_array(n)
    for t in range(period - 1, n):
        lo = t - period + 1
        vol = math.fsum(v[lo : t + 1])
        if vol == 0.0:
            out[t] = p[t]
        else:
            out[t] = math.fsum(p[k] * v[k] for k in range(lo, t + 1)) / vol
    return (out,)


def stoch_ref(
    high, low, close, fastk_period: int = 5, slowk_period: int = 3, slowd_period: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """Slow stochastic: slowk = SMA(fastk, slowk_period), slowd = SMA(slowk, slowd_period).

    fastk = (close - LL) / (HH - LL) * 100 over fastk_period bars; 0 for a flat window, which
    TA-Lib 0.8 takes to be HH - LL <= 2e-14 * max(|HH|, |LL|) (only HH == LL matters for prices).
    Both outputs from index (fastk_period - 1) + (slowk_period - 1) + (slowd_period - 1),
    as TA-Lib STOCH emits them.
    """
    h, l, c = _as_float(high), _as_float(low), _as_float(close)
    n = len(c)
    fk = [NAN] * n
    for t in range(fastk_period - 1, n):
        hh = max(h[t - fastk_period + 1 : t + 1])
        ll = min(l[t - fastk_period + 1 : t + 1])
        fk[t] = 0.0 if hh - ll <= 2e-14 * max(abs(hh), abs(ll)) else (c[t] - ll) / (hh - ll) * 100.0
    sk = [NAN] * n
    for t in range(fastk_period + slowk_period - 2, n):
        sk[t] = window_mean(fk[t - slowk_period + 1 : t + 1])
    first = fastk_period + slowk_period + slowd_period - 3
    slowk, slowd = _nan_array(n), _nan_array(n)
    for t in range(first, n):
        slowk[t] = sk[t]
        slowd[t] = window_mean(sk[t - slowd_period + 1 : t + 1])
    return slowk, slowd


def _talib_rsi_path(x: list[float], period: int) -> list[float]:
    """Wilder RSI in TA-Lib 0.8's exact order of operations (NaN before index ``period``).

    avg = (avg * (period - 1) + move) * (1 / period), seeded with sum * (1 / period).
    The stochastic RSI needs the RSI's last bits: see stochrsi_ref.
    """
    out = [NAN] * len(x)
    if len(x) <= period:
        return out
    inv = 1.0 / period
    gain = loss = 0.0
    for t in range(1, period + 1):
        d = x[t] - x[t - 1]
        if d < 0.0:
            loss -= d
        else:
            gain += d
    gain *= inv
    loss *= inv
    for t in range(period, len(x)):
        if t > period:
            d = x[t] - x[t - 1]
            gain *= period - 1.0
            loss *= period - 1.0
            if d < 0.0:
                loss -= d
            else:
                gain += d
            gain *= inv
            loss *= inv
        out[t] = 0.0 if gain + loss == 0.0 else 100.0 * (gain / (gain + loss))
    return out


def stochrsi_ref(close, period: int = 14, fastk_period: int = 5, fastd_period: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """TA-Lib STOCHRSI: fastk = (r - LL) / (HH - LL) * 100 over fastk_period RSI values; fastd = its SMA.

    The stochastic of the RSI is ill-conditioned (a nearly flat RSI window
    has HH - LL of a few units in the last place), so this twin follows
    TA-Lib 0.8's rounding where it decides the result: the RSI in TA-Lib's
    order of operations, and a window counted as flat (fastk 0) when
    HH - LL <= 2e-14 * max(|HH|, |LL|). Windows are plain max/min, fastd an fsum mean.
    """
    r = _talib_rsi_path(_as_float(close), period)
    n = len(r)
    k = [NAN] * n
    for t in range(period + fastk_period - 1, n):
        window = r[t - fastk_period + 1 : t + 1]
        hh, ll = max(window), min(window)
        k[t] = 0.0 if hh - ll <= 2e-14 * max(abs(hh), abs(ll)) else (r[t] - ll) / (hh - ll) * 100.0
    fastk, fastd = _nan_array(n), _nan_array(n)
    for t in range(period + fastk_period + fastd_period - 2, n):
        fastk[t] = k[t]
        fastd[t] = window_mean(k[t - fastd_period + 1 : t + 1])
    return fastk, fastd


def kama_ref(close, period: int = 30) -> tuple[np.ndarray]:
    """Kaufman's KAMA: an EMA whose factor follows the efficiency ratio, from the previous close.

    er = |x[t] - x[t-period]| / sum of |x[k] - x[k-1]| over the last ``period``
    changes (1 when that sum is 0), sc = (er * (2/3 - 2/31) + 2/31)**2 (EMA(2)
    and EMA(30) constants), kama = prev + sc * (x - prev) with prev = x[period-1]
    at the first value (index ``period``). ``period=1`` is the input itself
    (TA-Lib's convention).
    """
    x = _as_float(close)
    n = len(x)
    if period == 1:
        return (np.array(x, dtype=np.float64),)
    out = _nan_array(n)
    fast, slow = 2.0 / 3.0, 2.0 / 31.0
    prev = x[period - 1] if n > period else NAN
    for t in range(period, n):
        vol = math.fsum(abs(x[k] - x[k - 1]) for k in range(t - period + 1, t + 1))
        er = 1.0 if vol == 0.0 else abs(x[t] - x[t - period]) / vol
        sc = (er * (fast - slow) + slow) ** 2
        prev = prev + sc * (x[t] - prev)
        out[t] = prev
    return (out,)


def rma_ref(close, period: int = 14, seed: str = "sma") -> tuple[np.ndarray]:
    """Wilder's average: prev + (x - prev) / period, from the mean of the first ``period``
    inputs (seed "sma") or from the first input (seed "first"); reported from index ``period - 1``.
    """
    x = _as_float(close)
    n = len(x)
    out = _nan_array(n)
    if n < period:
        return (out,)
    if seed == "first":
        prev = x[0]
        for t in range(1, period):
            prev = prev + (x[t] - prev) / period
    else:
        prev = window_mean(x[:period])
    out[period - 1] = prev
    for t in range(period, n):
        prev = prev + (x[t] - prev) / period
        out[t] = prev
    return (out,)


def cci_ref(high, low, close, period: int = 14) -> tuple[np.ndarray]:
    """(tp - mean) / (0.015 * mean absolute deviation) over the last ``period`` typical prices.

    ``tp = (high + low + close) / 3``; the mean and the deviation are
    recomputed for every window with compensated sums. A flat window gives 0:
    TA-Lib's rule, ``|tp - mean|`` or the mean deviation at most 1e-14 times
    ``|mean|``. First value at index ``period - 1``.
    """
    h, l, c = _as_float(high), _as_float(low), _as_float(close)
    tp = [(h[t] + l[t] + c[t]) / 3.0 for t in range(len(c))]
    out = _nan_array(len(c))
    for t in range(period - 1, len(c)):
        window = tp[t - period + 1 : t + 1]
        mean = window_mean(window)
        meandev = math.fsum(abs(v - mean) for v in window) / period
        diff = tp[t] - mean
        flat = 1e-14 * abs(mean)
        out[t] = 0.0 if abs(diff) <= flat or meandev <= flat else diff / (0.015 * meandev)
    return (out,)


def ultosc_ref(high, low, close, period1: int = 7, period2: int = 14, period3: int = 28) -> tuple[np.ndarray]:
    """100 * (4*A1/B1 + 2*A2/B2 + A3/B3) / 7 over the sorted periods (shortest weighted 4).

    ``A_k``/``B_k`` are compensated sums of the buying pressure
    ``close - min(low, prev close)`` and of the true range over the last
    ``p_k`` bars, recomputed for every bar; a window whose true ranges are
    all 0 contributes 0. First value at index ``max(period1, period2, period3)``.
    """
    h, l, c = _as_float(high), _as_float(low), _as_float(close)
    n = len(c)
    tr = _true_ranges(h, l, c)
    bp = [NAN] + [c[t] - min(l[t], c[t - 1]) for t in range(1, n)]
    short, mid, longest = sorted((period1, period2, period3))
    out = _nan_array(n)
    for t in range(longest, n):
        total = 0.0
        for weight, p in ((4.0, short), (2.0, mid), (1.0, longest)):
            ranges = math.fsum(tr[t - p + 1 : t + 1])
            if ranges > 0.0:
                total += weight * math.fsum(bp[t - p + 1 : t + 1]) / ranges
        out[t] = 100.0 * total / 7.0
    return (out,)


def _directional_paths(h: list[float], l: list[float], c: list[float], period: int):
    """Wilder's smoothed +DM, -DM and TR at every index from ``period`` on (None before).

    +DM1 = high - prev high when that is > 0 and > prev low - low; -DM1 = prev low - low
    when that is > 0 and > high - prev high; TR1 the true range. Each is summed over
    bars 1 .. period-1, then s = s - s/period + x (Wilder's running sum).
    """
    n = len(c)
    tr = _true_ranges(h, l, c)
    plus1, minus1 = [0.0] * n, [0.0] * n
    for t in range(1, n):
        up, down = h[t] - h[t - 1], l[t - 1] - l[t]
        if up > 0.0 and up > down:
            plus1[t] = up
        elif down > 0.0 and down > up:
            minus1[t] = down
    paths = [None] * n
    if n <= period:
        return paths
    sp, sm, st = sum(plus1[1:period]), sum(minus1[1:period]), sum(tr[1:period])
    for t in range(period, n):
        sp = sp - sp / period + plus1[t]
        sm = sm - sm / period + minus1[t]
        st = st - st / period + tr[t]
        paths[t] = (sp, sm, st)
    return paths


def plus_di_ref(high, low, close, period: int = 14) -> tuple[np.ndarray]:
    """100 * +DM / TR with Wilder's smoothed sums (0 when TR is 0), from index ``period``."""
    h, l, c = _as_float(high), _as_float(low), _as_float(close)
    out = _nan_array(len(c))
    for t, s in enumerate(_directional_paths(h, l, c, period)):
        if s is not None:
            out[t] = 100.0 * s[0] / s[2] if s[2] > 0.0 else 0.0
    return (out,)


def minus_di_ref(high, low, close, period: int = 14) -> tuple[np.ndarray]:
    """100 * -DM / TR with Wilder's smoothed sums (0 when TR is 0), from index ``period``.

    Uses ``_directional_paths`` from the ``plus_di`` twin (paste that one first).
    """
    h, l, c = _as_float(high), _as_float(low), _as_float(close)
    out = _nan_array(len(c))
    for t, s in enumerate(_directional_paths(h, l, c, period)):
        if s is not None:
            out[t] = 100.0 * s[1] / s[2] if s[2] > 0.0 else 0.0
    return (out,)


def adx_ref(high, low, close, period: int = 14) -> tuple[np.ndarray]:
    """Wilder ADX: mean of the first ``period`` DX values, then (adx*(period-1) + dx)/period, from 2*period - 1.

    DX = 100 * |+DI - -DI| / (+DI + -DI) from ``_directional_paths`` (the ``plus_di``
    twin; paste that one first). DX is undefined when TR is 0 or +DI + -DI < 1e-14
    (TA-Lib's rule): it then counts as 0 in the first mean and leaves the ADX unchanged later.
    """
    h, l, c = _as_float(high), _as_float(low), _as_float(close)
    n = len(c)
    out = _nan_array(n)
    dx = [None] * n
    for t, s in enumerate(_directional_paths(h, l, c, period)):
        if s is not None and s[2] > 0.0:
            pdi, mdi = 100.0 * s[0] / s[2], 100.0 * s[1] / s[2]
            if pdi + mdi >= 1e-14:
                dx[t] = 100.0 * abs(pdi - mdi) / (pdi + mdi)
    first = 2 * period - 1
    if n <= first:
        return (out,)
    adx = math.fsum(d for d in dx[period : first + 1] if d is not None) / period
    out[first] = adx
    for t in range(first + 1, n):
        if dx[t] is not None:
            adx = (adx * (period - 1) + dx[t]) / period
        out[t] = adx
    return (out,)


def mfi_ref(high, low, close, volume, period: int = 14) -> tuple[np.ndarray]:
    """100 * P / (P + N) over the last ``period`` money flows (0 if P + N is 0), from index ``period``.

    Money flow = typical price (h + l + c) / 3 times volume, positive when the
    typical price rose, negative when it fell, nothing when it did not move
    (a change within 1e-14 of |tp| + |prev tp|, TA-Lib's dead zone).
    """
    h, l, c, v = (_as_float(a) for a in (high, low, close, volume))
    n = len(c)
    tp = [(h[t] + l[t] + c[t]) / 3.0 for t in range(n)]
    pos, neg = [0.0] * n, [0.0] * n
    for t in range(1, n):
        d = tp[t] - tp[t - 1]
        if abs(d) <= 1e-14 * (abs(tp[t]) + abs(tp[t - 1])):
            continue
        if d > 0.0:
            pos[t] = tp[t] * v[t]
        else:
            neg[t] = tp[t] * v[t]
    out = _nan_array(n)
    for t in range(period, n):
        p = math.fsum(pos[t - period + 1 : t + 1])
        m = math.fsum(neg[t - period + 1 : t + 1])
        out[t] = 0.0 if p + m == 0.0 else 100.0 * p / (p + m)
    return (out,)


REFERENCES: dict[str, Callable[..., tuple[np.ndarray, ...]]] = {
    "sma": sma_ref,
    "ema": ema_ref,
    "rsi": rsi_ref,
    "macd": macd_ref,
    "bbands": bbands_ref,
    "obv": obv_ref,
    "trange": trange_ref,
    "atr": atr_ref,
    "natr": natr_ref,
    "mom": mom_ref,
    "roc": roc_ref,
    "wma": wma_ref,
    "willr": willr_ref,
    "max": max_ref,
    "min": min_ref,
    "var": var_ref,
    "stddev": stddev_ref,
    "ad": ad_ref,
    "adosc": adosc_ref,
    "cmo": cmo_ref,
    "aroon": aroon_ref,
    "aroonosc": aroonosc_ref,
    "dema": dema_ref,
    "tema": tema_ref,
    "trima": trima_ref,
    "apo": apo_ref,
    "ppo": ppo_ref,
    "stochf": stochf_ref,
    "keltner": keltner_ref,
    "donchian": donchian_ref,
    "vwap": vwap_ref,
    "rolling_vwap": rolling_vwap_ref,
    "stoch": stoch_ref,
    "stochrsi": stochrsi_ref,
    "kama": kama_ref,
    "rma": rma_ref,
    "cci": cci_ref,
    "ultosc": ultosc_ref,
    "plus_di": plus_di_ref,
    "minus_di": minus_di_ref,
    "adx": adx_ref,
    "mfi": mfi_ref,
}


def as_outputs(result) -> tuple[np.ndarray, ...]:
    """A batch result (one array or a named tuple of arrays) as a tuple of arrays."""
    if isinstance(result, np.ndarray):
        return (result,)
    return tuple(np.asarray(a) for a in result)
