"""ATR: average true range (Wilder).

Definition
    Wilder's smoothing of the true range (see :mod:`ringta.kernels.trange`),
    with the steps of :func:`ringta.rma` (``rma(trange[1:])`` equals ``atr``
    bit for bit): ``beta = (period - 1) / period`` and ``beta2 = beta * beta``
    rounded once each, ``alpha = (1 - beta2) / (1 + beta)`` rounded once,
    ``a[t] = trange[t] * alpha`` and
    ``atr[t] = fma(atr[t-2], beta2, fma(a[t-1], beta, a[t]))``, the
    first value after the seed ``fma(atr[t-1], beta, a[t])``. TA-Lib writes
    ``(atr[t-1] * (period - 1) + trange[t]) / period``; the values agree to
    rounding (rtol 1e-12), and the batch recursion runs as two independent
    chains of one fused multiply-add (see :mod:`ringta.kernels._wilder`).
Seed and warm-up
    The first value is the simple mean of the true ranges of bars
    ``1 .. period`` (bar 0 has none), at index ``period`` (TA-Lib's
    lookback); NaN before. ``period=1`` gives the true range.
Inputs
    high, low, close.
Outputs
    ``value``, in price units.
Reference
    TA-Lib ``ATR`` (default compatibility, no unstable period).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ._jit import F1, F2, I1, b1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call
from ._wilder import wilder_coefficients, wilder_one, wilder_two
from .trange import _trange_step

ATR_PERIOD = H_SIZE
ATR_BETA = H_SIZE + 1  # (period - 1) / period
ATR_PREV = H_SIZE + 2  # previous close
ATR_VALUE = H_SIZE + 3  # sum of true ranges during warm-up, then the average
ATR_OUT = H_SIZE + 4
ATR_ALPHA = H_SIZE + 5  # (1 - beta2) / (1 + beta)
ATR_BETA2 = H_SIZE + 6  # beta * beta
ATR_VALUE2 = H_SIZE + 7  # the average before ATR_VALUE
ATR_APREV = H_SIZE + 8  # the last true range times alpha
ATR_WIDTH = H_SIZE + 9

# Bars per steady-state chunk of a batch run: the loop has no per-bar test;
# one look at the chunk's last values tells whether every input was finite
# (see atr_run).
ATR_CHUNK = 2048

_T5 = nb.types.UniTuple(f8, 5)

PARAMS = (Param("period", int, 14, 1, MAX_PERIOD, doc="Wilder smoothing period"),)


@jit(f8(F1, f8, f8, f8))
def atr_update(blk, high, low, close):
    """Advance one ATR block by one bar; return the new value (NaN while warming up)."""
    n = blk[H_COUNT]
    out = np.nan
    if n > 0.0:
        p = blk[ATR_PERIOD]
        tr = _trange_step(high, low, blk[ATR_PREV])
        if n <= p:
            s = blk[ATR_VALUE] + tr
            if n == p:
                s = s / p
                out = s
        else:
            a = tr * blk[ATR_ALPHA]
            if n == p + 1.0:
                s = wilder_one(blk[ATR_BETA], blk[ATR_VALUE], a)
            else:
                s = wilder_two(blk[ATR_BETA], blk[ATR_BETA2], blk[ATR_VALUE2], blk[ATR_APREV], a)
            blk[ATR_VALUE2] = blk[ATR_VALUE]
            blk[ATR_APREV] = a
            out = s
        blk[ATR_VALUE] = s
    blk[ATR_PREV] = close
    blk[H_COUNT] = n + 1.0
    blk[ATR_OUT] = out
    return out


@jit(f8(F1, f8, f8, f8))
def atr_update_checked(blk, high, low, close):
    if not (math.isfinite(high) and math.isfinite(low) and math.isfinite(close)):
        raise ValueError("input is not finite")
    return atr_update(blk, high, low, close)


@jit(f8(F1, f8, f8, f8), nrt=True)
def atr_peek(blk, high, low, close):
    return atr_update(blk.copy(), high, low, close)


@jit(void(F2, I1, F1, F1, F1, F2))
def atr_update_rows(state, rows, high, low, close, out):
    """Advance ``state[rows[i]]`` by ``(high[i], low[i], close[i])``; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, min(high.shape[0], low.shape[0], close.shape[0]), out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = atr_update(state[rows[i]], high[i], low[i], close[i])


@jit(_T5(F1, F1, F1, i8, i8, f8, f8, f8, f8, f8, f8, f8, F1))
def atr_run(high, low, close, lo, hi, alpha, beta, beta2, v1, v2, ap, prev, out):
    """The steady-state steps of :func:`atr_update` over bars ``lo:hi``, ATRs to ``out[lo:hi]``.

    ``v1``, ``v2``: the last two averages; ``ap``: the last true range times
    alpha; ``prev``: the last close. Returns them after the run, and the sum
    of the closes. A non-finite high or low makes its true range, and so its
    chain, non-finite; a NaN close would not (as the previous close it loses
    every comparison of the next true range), hence the sum: when it and the
    last two averages are finite, so were the inputs, and the loop needs no
    per-bar test.
    """
    hs = high[lo:hi]
    ls = low[lo:hi]
    cs = close[lo:hi]
    os = out[lo:hi]
    check = 0.0
    for k in range(hs.shape[0]):
        c = cs[k]
        a = _trange_step(hs[k], ls[k], prev) * alpha
        w = wilder_two(beta, beta2, v2, ap, a)
        v2 = v1
        v1 = w
        ap = a
        prev = c
        check += c
        os[k] = w
    return v1, v2, ap, prev, check


@jit(i8(F1, F1, F1, i8, i8))
def first_bad_bar(high, low, close, lo, hi):
    """Index of the first bar in ``lo:hi`` with a non-finite input, or -1."""
    for i in range(lo, hi):
        if not (math.isfinite(high[i]) and math.isfinite(low[i]) and math.isfinite(close[i])):
            return i
    return -1


@jit(i8(F1, F1, F1, F1, F1))
def atr_batch(blk, high, low, close, out):
    """Run whole series through ``blk``; return the first non-finite index or -1.

    Warm-up (up to the first two-bars-back step) goes through
    :func:`atr_update` itself; the steady state runs the same steps on
    locals with :func:`atr_run`, chunk by chunk.
    """
    m = close.shape[0]
    lb = blk[H_LOOKBACK]
    i = 0
    while i < m and blk[H_COUNT] <= lb + 1.0:
        if not (math.isfinite(high[i]) and math.isfinite(low[i]) and math.isfinite(close[i])):
            return i
        out[i] = atr_update(blk, high[i], low[i], close[i])
        i += 1
    if i == m:
        return -1
    return atr_steady(blk, high, low, close, i, out, ATR_CHUNK, False)


@jit(f8(f8, f8), inline=True)
def atr_percent(atr, close):
    """NATR's value: the ATR as a percentage of the close, 0 when the close is 0."""
    if close == 0.0:
        return 0.0
    return (atr / close) * 100.0


@jit(i8(F1, F1, F1, F1, i8, F1, i8, b1))
def atr_steady(blk, high, low, close, i, out, chunk, percent):
    """The steady state of a batch run from bar ``i`` (ATR's and NATR's); return the first bad index or -1.

    :func:`atr_run` chunk by chunk on locals, the block's ATR fields written
    back at the end; a chunk whose values end non-finite is searched for the
    bad bar and run again up to it. With ``percent``, each chunk's values
    become :func:`atr_percent` in a pass of their own (it vectorises, and
    keeps the divisions off the recursion's loop).
    """
    m = close.shape[0]
    alpha = blk[ATR_ALPHA]
    beta = blk[ATR_BETA]
    beta2 = blk[ATR_BETA2]
    v1 = blk[ATR_VALUE]
    v2 = blk[ATR_VALUE2]
    ap = blk[ATR_APREV]
    prev = blk[ATR_PREV]
    start = i
    bad = -1
    while i < m:
        hi = min(i + chunk, m)
        w1, w2, wa, wp, chk = atr_run(high, low, close, i, hi, alpha, beta, beta2, v1, v2, ap, prev, out)
        if not (math.isfinite(w1) and math.isfinite(w2) and math.isfinite(chk)):
            bad = first_bad_bar(high, low, close, i, hi)
            if bad >= 0:
                w1, w2, wa, wp, chk = atr_run(high, low, close, i, bad, alpha, beta, beta2, v1, v2, ap, prev, out)
                hi = bad
        v1, v2, ap, prev = w1, w2, wa, wp
        if percent:
            os = out[i:hi]
            cs = close[i:hi]
            for k in range(os.shape[0]):
                os[k] = atr_percent(os[k], cs[k])
        i = hi
        if bad >= 0:
            break
    if i > start:
        blk[H_COUNT] += i - start
        blk[ATR_PREV] = prev
        blk[ATR_VALUE] = v1
        blk[ATR_VALUE2] = v2
        blk[ATR_APREV] = ap
        blk[ATR_OUT] = v1
    return bad


def atr_lookback(period: int = 14) -> int:
    return period


def make_block(period: int = 14) -> np.ndarray:
    blk = np.zeros(ATR_WIDTH)
    blk[H_LOOKBACK] = atr_lookback(period)
    blk[ATR_PERIOD] = period
    blk[ATR_ALPHA], blk[ATR_BETA], blk[ATR_BETA2] = wilder_coefficients(period)
    blk[ATR_OUT] = np.nan
    return blk


def atr(high, low, close, period: int = 14) -> np.ndarray:
    """Wilder's average true range.

    Parameters
    ----------
    high, low, close : array_like
        Input series of equal length (finite numbers).
    period : int, default 14
        Smoothing period in [1, 100000] (TA-Lib's ``timeperiod``).

    Returns
    -------
    numpy.ndarray
        Same length as the inputs; NaN before index ``period``.

    Examples
    --------
    >>> import ringta
    >>> high, low, close = [11.0, 12.0, 10.5, 12.0], [9.0, 11.0, 9.5, 10.0], [10.0, 11.5, 10.0, 11.0]
    >>> ringta.atr(high, low, close, period=2).tolist()
    [nan, nan, 2.0, 2.0]
    """
    return batch_call(SPEC, "atr", {"period": period}, {"high": high, "low": low, "close": close})[0]


class ATR(StreamingIndicator):
    """Streaming Wilder average true range (see :func:`ringta.atr`).

    Examples
    --------
    >>> import ringta
    >>> a = ringta.ATR(period=2)
    >>> bars = ((11.0, 9.0, 10.0), (12.0, 11.0, 11.5), (10.5, 9.5, 10.0), (13.0, 10.0, 12.0))
    >>> [a.update(h, l, c) for h, l, c in bars]
    [nan, nan, 2.0, 2.5]
    """

    __slots__ = ()

    def __init__(self, period: int = 14):
        self._setup(SPEC.validate("ATR", period=period))

    def update(self, high: float, low: float, close: float) -> float:
        """Consume one bar's high, low and close; return the new value (NaN while not ready)."""
        try:
            return atr_update_checked(self._blk, high, low, close)
        except (ValueError, TypeError):
            raise ValueError(
                f"ATR.update: high={high!r}, low={low!r}, close={close!r} must be finite; state unchanged"
            ) from None


SPEC = KernelSpec(
    name="atr",
    title="Average True Range (Wilder)",
    kind_id=8,
    type="volatility",
    inputs=("high", "low", "close"),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=atr_lookback,
    out_offset=ATR_OUT,
    batch=atr,
    stream=ATR,
    update_rows=atr_update_rows,
    batch_driver=atr_batch,
    peek_fn=atr_peek,
    key_params=("period",),
)
ATR.spec = SPEC
