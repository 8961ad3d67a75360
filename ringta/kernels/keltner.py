"""KELTNER: Keltner Channels (EMA middle line, Wilder ATR bands).

Definition
    The modern (Linda Raschke / StockCharts) form:
    ``middle = EMA(close, period)`` with ``alpha = 2 / (period + 1)``;
    ``upper = middle + multiplier * ATR(atr_period)`` and
    ``lower = middle - multiplier * ATR(atr_period)``, with Wilder's
    average true range as TA-Lib computes it. Defaults 20, 2.0 and 10 are
    StockCharts' and ta-numba's. Chester Keltner's original
    (a 10-day SMA of the typical price, bands at the 10-day SMA of the
    high-low range) and
    Lean's variant (SMA of the typical price, bands at 1.5 x an SMA of the
    true range) are different indicators.
Seed and warm-up
    The middle line is ringta's EMA kernel kept as a sub-block:
    ``seed="sma"`` (default, TA-Lib) seeds it with the mean of the first
    ``period`` closes, ``seed="first"`` starts the recursion at the first
    close. The ATR is ringta's ATR kernel kept as a sub-block (TA-Lib's
    seed: the mean of the true ranges of bars ``1 .. atr_period``). All
    three outputs start at index ``max(period - 1, atr_period)``, when both
    parts exist; NaN before. From two bars after the first output on, the
    middle line takes the EMA step from its value two bars back, as the ATR
    does (:mod:`ringta.kernels._wilder`):
    ``middle[t] = fma(middle[t-2], beta * beta, fma(b[t-1], beta, b[t]))``
    with ``beta = 1 - 2 / (period + 1)`` (the EMA kernel's) and
    ``b[t] = close[t] * (1 - beta * beta) / (1 + beta)`` (rounded once, as for
    Wilder's steps), so the even and the odd bars form two independent
    recursions in a batch run; until then it is the EMA kernel's own update.
Inputs
    high, low, close.
Outputs
    ``upper``, ``middle``, ``lower``, in price units.
Reference
    No TA-Lib function; with ``seed="sma"``, ``middle`` equals TA-Lib
    ``EMA(close, period)`` and ``upper``/``lower`` equal
    ``EMA +/- multiplier * ATR(atr_period)`` from the first valid index on,
    to rounding (rtol 1e-12; ringta's EMA step is TA-Lib's, rearranged; the
    middle line agrees with ringta's ``ema`` to a few units in the last place).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._jit import F1, F2, I1, T3, f8, i8, entry, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call
from ._fma import fma
from ._wilder import two_step_alpha, wilder_two
from .atr import (ATR_ALPHA, ATR_APREV, ATR_BETA, ATR_BETA2, ATR_OUT, ATR_PREV, ATR_VALUE, ATR_VALUE2,
                  ATR_WIDTH, atr_run, atr_update, first_bad_bar)
from .atr import make_block as _atr_block
from .ema import EMA_BETA, EMA_OUT, EMA_VALUE, EMA_WIDTH, SEEDS, ema_update
from .ema import make_block as _ema_block
from .trange import _trange_step

KELTNER_MULT = H_SIZE  # band multiplier
KELTNER_OUT = H_SIZE + 1  # upper, middle, lower
KELTNER_EMA = H_SIZE + 4  # EMA sub-block of the close (EMA_WIDTH floats)
KELTNER_ATR = KELTNER_EMA + EMA_WIDTH  # ATR sub-block (ATR_WIDTH floats)
KELTNER_END = KELTNER_ATR + ATR_WIDTH
KELTNER_M2 = KELTNER_END  # the middle line before the EMA sub-block's value
KELTNER_BPREV = KELTNER_END + 1  # the last close times alpha
KELTNER_EB2 = KELTNER_END + 2  # the EMA's beta squared
KELTNER_EA = KELTNER_END + 3  # the middle line's alpha for the two-bars-back step
KELTNER_WIDTH = KELTNER_END + 4

# Bars per steady-state chunk of a batch run: the ATR recursion over a chunk,
# then the middle line's recursion and the bands while the chunk is still in
# L1; short enough that the two passes of neighbouring chunks overlap.
_CHUNK = 512

PARAMS = (
    Param("period", int, 20, 1, MAX_PERIOD, doc="EMA period of the middle line; alpha = 2 / (period + 1)"),
    Param("multiplier", float, 2.0, 0.0, 1000.0, doc="band width in ATRs"),
    Param("atr_period", int, 10, 1, MAX_PERIOD, doc="Wilder ATR period of the band width"),
    Param("seed", str, "sma", choices=SEEDS, doc="EMA seed: 'sma' (TA-Lib) or 'first' (TradingView)"),
)


class KeltnerResult(NamedTuple):
    """Upper, middle and lower Keltner line (floats, or arrays from :func:`keltner`).

    Examples
    --------
    >>> KeltnerResult(12.0, 10.0, 8.0).middle
    10.0
    """

    upper: float
    middle: float
    lower: float


@jit(f8(f8, f8, f8, f8, f8))
def _keltner_ema_step(beta, beta2, prev2, b_prev, b):
    """The middle line's steady-state step from the value two bars back, as Wilder's (see _wilder).

    ``fma(prev2, beta * beta, fma(b_prev, beta, b))`` with ``b`` the close times
    the alpha of :func:`ringta.kernels._wilder.two_step_alpha`:
    ringta's EMA kernel takes one multiply and one add per bar on its
    recursion; here the even and odd bars are two chains of one fused
    multiply-add, as for the ATR, so neither line limits a batch run.
    """
    return fma(prev2, beta2, fma(b_prev, beta, b))


@jit(void(F1, f8, f8))
def _keltner_write(blk, middle, atr):
    """Store the three outputs for a middle line and an ATR."""
    w = blk[KELTNER_MULT] * atr
    blk[KELTNER_OUT] = middle + w
    blk[KELTNER_OUT + 1] = middle
    blk[KELTNER_OUT + 2] = middle - w


@jit(void(F1, f8, f8, f8))
def _keltner_advance_full(blk, high, low, close):
    """The whole update through the EMA and ATR sub-blocks' own updates (warm-up included)."""
    e = KELTNER_EMA
    blk[KELTNER_M2] = blk[e + EMA_VALUE]
    blk[KELTNER_BPREV] = blk[KELTNER_EA] * close
    m = ema_update(blk[KELTNER_EMA:KELTNER_ATR], close)
    a = atr_update(blk[KELTNER_ATR:KELTNER_END], high, low, close)
    n = blk[H_COUNT] + 1.0
    blk[H_COUNT] = n
    if n > blk[H_LOOKBACK]:
        _keltner_write(blk, m, a)


@jit(void(F1, f8, f8, f8))
def _keltner_steady(blk, high, low, close):
    """The update from two bars after the first output on: the two-bars-back steps on the fields.

    By then the EMA has a value two bars back and the ATR is past its first
    step; the ATR fields written are the ones :func:`ringta.kernels.atr.atr_update`
    writes, the EMA's its value, output and count.
    """
    e = KELTNER_EMA
    a = KELTNER_ATR
    b = blk[KELTNER_EA] * close
    m = _keltner_ema_step(blk[e + EMA_BETA], blk[KELTNER_EB2], blk[KELTNER_M2], blk[KELTNER_BPREV], b)
    blk[KELTNER_M2] = blk[e + EMA_VALUE]
    blk[KELTNER_BPREV] = b
    blk[e + H_COUNT] += 1.0
    blk[e + EMA_VALUE] = m
    blk[e + EMA_OUT] = m
    t = _trange_step(high, low, blk[a + ATR_PREV]) * blk[a + ATR_ALPHA]
    r = wilder_two(blk[a + ATR_BETA], blk[a + ATR_BETA2], blk[a + ATR_VALUE2], blk[a + ATR_APREV], t)
    blk[a + ATR_VALUE2] = blk[a + ATR_VALUE]
    blk[a + ATR_APREV] = t
    blk[a + H_COUNT] += 1.0
    blk[a + ATR_PREV] = close
    blk[a + ATR_VALUE] = r
    blk[a + ATR_OUT] = r
    blk[H_COUNT] += 1.0
    _keltner_write(blk, m, r)


@jit(T3(F1, f8, f8, f8))
def keltner_update(blk, high, low, close):
    """Advance one Keltner block by one bar; return ``(upper, middle, lower)`` (NaN while warming up)."""
    if blk[H_COUNT] > blk[H_LOOKBACK] + 1.0:
        _keltner_steady(blk, high, low, close)
    else:
        _keltner_advance_full(blk, high, low, close)
    return blk[KELTNER_OUT], blk[KELTNER_OUT + 1], blk[KELTNER_OUT + 2]


@jit(T3(F1, f8, f8, f8))
def keltner_update_checked(blk, high, low, close):
    if not (math.isfinite(high) and math.isfinite(low) and math.isfinite(close)):
        raise ValueError("input is not finite")
    return keltner_update(blk, high, low, close)


_keltner_update_fast = entry(keltner_update_checked)


@jit(T3(F1, f8, f8, f8), nrt=True)
def keltner_peek(blk, high, low, close):
    return keltner_update(blk.copy(), high, low, close)


@jit(void(F2, I1, F1, F1, F1, F2))
def keltner_update_rows(state, rows, high, low, close, out):
    """Advance ``state[rows[i]]`` by bar ``i``; write upper, middle, lower to ``out[i, 0:3]``."""
    check_rows(state.shape[0], rows, min(high.shape[0], low.shape[0], close.shape[0]), out.shape[0])
    for i in range(rows.shape[0]):
        u, m, lo = keltner_update(state[rows[i]], high[i], low[i], close[i])
        out[i, 0] = u
        out[i, 1] = m
        out[i, 2] = lo


@jit(i8(F1, F1, F1, F1, F1, F1, F1))
def keltner_batch(blk, high, low, close, out_upper, out_middle, out_lower):
    """Run whole series through ``blk``; return the first non-finite index or -1.

    Warm-up goes through :func:`keltner_update` itself; the steady state runs
    the same EMA, true-range and ATR steps on locals and writes the
    sub-blocks' fields back at the end, so values and final block are those
    of streaming, bit for bit.
    """
    m_len = close.shape[0]
    lb = blk[H_LOOKBACK]
    i = 0
    while i < m_len and blk[H_COUNT] <= lb + 1.0:
        h = high[i]
        lo = low[i]
        c = close[i]
        if not (math.isfinite(h) and math.isfinite(lo) and math.isfinite(c)):
            return i
        u, m, d = keltner_update(blk, h, lo, c)
        out_upper[i] = u
        out_middle[i] = m
        out_lower[i] = d
        i += 1
    if i == m_len:
        return -1
    e = KELTNER_EMA
    a = KELTNER_ATR
    k = blk[KELTNER_MULT]
    alpha = blk[KELTNER_EA]
    beta = blk[e + EMA_BETA]
    eb2 = blk[KELTNER_EB2]
    m1 = blk[e + EMA_VALUE]
    m2 = blk[KELTNER_M2]
    bp = blk[KELTNER_BPREV]
    ra = blk[a + ATR_ALPHA]
    rb = blk[a + ATR_BETA]
    rb2 = blk[a + ATR_BETA2]
    r1 = blk[a + ATR_VALUE]
    r2 = blk[a + ATR_VALUE2]
    tp = blk[a + ATR_APREV]
    prev = blk[a + ATR_PREV]
    start = i
    bad = -1
    while i < m_len:
        hi = min(i + _CHUNK, m_len)
        # The ATRs go to out_upper first; the second pass turns them into bands.
        w1, w2, wt, wp, chk = atr_run(high, low, close, i, hi, ra, rb, rb2, r1, r2, tp, prev, out_upper)
        if not (math.isfinite(w1) and math.isfinite(w2) and math.isfinite(chk)):
            bad = first_bad_bar(high, low, close, i, hi)
            if bad >= 0:
                w1, w2, wt, wp, chk = atr_run(high, low, close, i, bad, ra, rb, rb2, r1, r2, tp, prev, out_upper)
                hi = bad
        r1, r2, tp, prev = w1, w2, wt, wp
        cs = close[i:hi]
        us = out_upper[i:hi]
        ms = out_middle[i:hi]
        ds = out_lower[i:hi]
        for j in range(cs.shape[0]):
            b = alpha * cs[j]
            mid = _keltner_ema_step(beta, eb2, m2, bp, b)
            m2 = m1
            m1 = mid
            bp = b
            w = k * us[j]
            us[j] = mid + w
            ms[j] = mid
            ds[j] = mid - w
        i = hi
        if bad >= 0:
            break
    done = i - start
    if done > 0:
        blk[H_COUNT] += done
        blk[e + H_COUNT] += done
        blk[e + EMA_VALUE] = m1
        blk[e + EMA_OUT] = m1
        blk[KELTNER_M2] = m2
        blk[KELTNER_BPREV] = bp
        blk[a + H_COUNT] += done
        blk[a + ATR_PREV] = prev
        blk[a + ATR_VALUE] = r1
        blk[a + ATR_VALUE2] = r2
        blk[a + ATR_APREV] = tp
        blk[a + ATR_OUT] = r1
        _keltner_write(blk, m1, r1)
    return bad


def keltner_lookback(period: int = 20, multiplier: float = 2.0, atr_period: int = 10, seed: str = "sma") -> int:
    return max(period - 1, atr_period)


def make_block(period: int = 20, multiplier: float = 2.0, atr_period: int = 10, seed: str = "sma") -> np.ndarray:
    blk = np.zeros(KELTNER_WIDTH)
    blk[H_LOOKBACK] = keltner_lookback(period, multiplier, atr_period, seed)
    blk[KELTNER_MULT] = multiplier
    blk[KELTNER_OUT : KELTNER_OUT + 3] = np.nan
    blk[KELTNER_EMA:KELTNER_ATR] = _ema_block(period, seed)
    blk[KELTNER_ATR:KELTNER_END] = _atr_block(atr_period)
    beta = blk[KELTNER_EMA + EMA_BETA]
    blk[KELTNER_EB2] = beta * beta
    blk[KELTNER_EA] = two_step_alpha(beta, beta * beta)
    return blk


def keltner(high, low, close, period: int = 20, multiplier: float = 2.0, atr_period: int = 10,
            seed: str = "sma") -> KeltnerResult:
    """Keltner Channels: an EMA of the close with bands ``multiplier`` Wilder ATRs above and below.

    Parameters
    ----------
    high, low, close : array_like
        Input series of equal length (finite numbers).
    period : int, default 20
        EMA period of the middle line, in [1, 100000].
    multiplier : float, default 2.0
        Band width in ATRs, in [0, 1000].
    atr_period : int, default 10
        Wilder ATR period, in [1, 100000].
    seed : {"sma", "first"}, default "sma"
        EMA seeding, as in :func:`ringta.ema`.

    Returns
    -------
    KeltnerResult
        Named tuple ``(upper, middle, lower)`` of arrays as long as the
        inputs; NaN before index ``max(period - 1, atr_period)``.

    Examples
    --------
    >>> import ringta
    >>> h, l, c = [11.0, 12.0, 13.0, 15.0], [9.0, 10.0, 11.0, 12.0], [10.0, 11.0, 12.0, 14.0]
    >>> r = ringta.keltner(h, l, c, period=3, multiplier=2.0, atr_period=2)
    >>> r.upper.tolist(), r.middle.tolist(), r.lower.tolist()
    ([nan, nan, 15.0, 17.5], [nan, nan, 11.0, 12.5], [nan, nan, 7.0, 7.5])
    """
    prm = {"period": period, "multiplier": multiplier, "atr_period": atr_period, "seed": seed}
    return KeltnerResult(*batch_call(SPEC, "keltner", prm, {"high": high, "low": low, "close": close}))


_new = tuple.__new__


class KeltnerChannels(StreamingIndicator):
    """Streaming Keltner Channels (see :func:`ringta.keltner`); ``update`` returns a :class:`KeltnerResult`.

    Examples
    --------
    >>> import ringta
    >>> k = ringta.KeltnerChannels(period=3, multiplier=2.0, atr_period=2)
    >>> bars = ((11.0, 9.0, 10.0), (12.0, 10.0, 11.0), (13.0, 11.0, 12.0), (15.0, 12.0, 14.0))
    >>> [k.update(h, l, c) for h, l, c in bars][-1]
    KeltnerResult(upper=17.5, middle=12.5, lower=7.5)
    """

    __slots__ = ()

    def __init__(self, period: int = 20, multiplier: float = 2.0, atr_period: int = 10, seed: str = "sma"):
        self._setup(SPEC.validate("KeltnerChannels", period=period, multiplier=multiplier,
                                  atr_period=atr_period, seed=seed))

    def update(self, high: float, low: float, close: float) -> KeltnerResult:
        """Consume one bar's high, low and close; return ``(upper, middle, lower)`` (NaN while not ready)."""
        try:
            if type(high) is float and type(low) is float and type(close) is float:
                return _new(KeltnerResult, _keltner_update_fast(self._blk, high, low, close))
            return _new(KeltnerResult, keltner_update_checked(self._blk, high, low, close))
        except (ValueError, TypeError):
            raise ValueError(
                f"KeltnerChannels.update: high={high!r}, low={low!r}, close={close!r} must be finite; "
                "state unchanged"
            ) from None


SPEC = KernelSpec(
    name="keltner",
    title="Keltner Channels (EMA, Wilder ATR)",
    kind_id=31,
    type="volatility",
    inputs=("high", "low", "close"),
    outputs=("upper", "middle", "lower"),
    params=PARAMS,
    make_block=make_block,
    lookback=keltner_lookback,
    out_offset=KELTNER_OUT,
    batch=keltner,
    stream=KeltnerChannels,
    update_rows=keltner_update_rows,
    batch_driver=keltner_batch,
    peek_fn=keltner_peek,
    result=KeltnerResult,
    key_params=("period", "multiplier", "atr_period"),
)
KeltnerChannels.spec = SPEC
