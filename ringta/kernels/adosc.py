"""ADOSC: Chaikin A/D oscillator.

Definition
    ``adosc = EMA(ad, fast_period) - EMA(ad, slow_period)`` with ``ad`` the
    accumulation/distribution line (:mod:`ringta.kernels.ad`) and
    ``alpha = 2 / (period + 1)``, ``beta = 1 - alpha``. TA-Lib's step is
    ``ema[t] = alpha*ad[t] + beta*ema[t-1]``; from the third bar on, ringta
    takes the same recursion two bars at a time,
    ``ema[t] = fma(beta**2, ema[t-2], fma(beta, alpha*ad[t-1], alpha*ad[t]))``
    (``beta**2`` rounded once, each fma rounded once), which is the same
    average in exact arithmetic (the second bar takes the one-bar step
    ``fma(beta, ema, alpha*ad)``). Each value then depends on the one two
    bars back, so a batch run advances two independent chains of one fused
    operation each instead of one chain; the values differ from TA-Lib's by
    a few units in the last place of the EMAs.
Seed and warm-up
    Both EMAs start from the first AD value (TA-Lib's ADOSC seed, unlike its
    EMA, which starts from a simple mean); the first value is reported at
    index ``max(fast_period, slow_period) - 1`` (TA-Lib's lookback).
Inputs
    high, low, close, volume.
Outputs
    ``value``, in volume units.
Reference
    TA-Lib ``ADOSC``.
"""

from __future__ import annotations

import math

import numpy as np

from ._fma import fma
from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call
from .ad import AD_CHUNK, _ad_step, ad_terms, first_bad_bar

ADOSC_FK = H_SIZE  # alpha of the fast EMA
ADOSC_FB = H_SIZE + 1  # 1 - alpha
ADOSC_SK = H_SIZE + 2
ADOSC_SB = H_SIZE + 3
ADOSC_AD = H_SIZE + 4
ADOSC_FAST = H_SIZE + 5
ADOSC_SLOW = H_SIZE + 6
ADOSC_OUT = H_SIZE + 7
ADOSC_FB2 = H_SIZE + 8  # beta ** 2 of the fast EMA
ADOSC_SB2 = H_SIZE + 9
ADOSC_FAST2 = H_SIZE + 10  # the fast EMA one bar before ADOSC_FAST
ADOSC_SLOW2 = H_SIZE + 11
ADOSC_WIDTH = H_SIZE + 12

PARAMS = (
    Param("fast_period", int, 3, 2, MAX_PERIOD, doc="period of the fast EMA of the A/D line"),
    Param("slow_period", int, 10, 2, MAX_PERIOD, doc="period of the slow EMA of the A/D line"),
)


@jit(f8(f8, f8, f8, f8))
def _adosc_ema(k, b, prev, x):
    """TA-Lib's ADOSC EMA step ``k*x + (1-k)*prev``, rounded once (the second bar only)."""
    return fma(b, prev, k * x)


@jit(f8(f8, f8, f8, f8, f8))
def _adosc_ema2(b, b2, prev2, kx_prev, kx):
    """The EMA from its value two bars back: ``b2*prev2 + (b*kx_prev + kx)``, ``kx = alpha * ad``."""
    return fma(b2, prev2, fma(b, kx_prev, kx))


@jit(f8(F1, f8, f8, f8, f8))
def adosc_update(blk, high, low, close, volume):
    """Advance one ADOSC block by one bar; return the new value (NaN while warming up)."""
    n = blk[H_COUNT]
    ad_prev = blk[ADOSC_AD]
    ad = _ad_step(ad_prev, high, low, close, volume)
    fk = blk[ADOSC_FK]
    sk = blk[ADOSC_SK]
    if n == 0.0:
        fast = ad
        slow = ad
    elif n == 1.0:
        fast = _adosc_ema(fk, blk[ADOSC_FB], blk[ADOSC_FAST], ad)
        slow = _adosc_ema(sk, blk[ADOSC_SB], blk[ADOSC_SLOW], ad)
    else:
        fast = _adosc_ema2(blk[ADOSC_FB], blk[ADOSC_FB2], blk[ADOSC_FAST2], fk * ad_prev, fk * ad)
        slow = _adosc_ema2(blk[ADOSC_SB], blk[ADOSC_SB2], blk[ADOSC_SLOW2], sk * ad_prev, sk * ad)
    n += 1.0
    out = fast - slow if n > blk[H_LOOKBACK] else np.nan
    blk[ADOSC_AD] = ad
    blk[ADOSC_FAST2] = blk[ADOSC_FAST]
    blk[ADOSC_SLOW2] = blk[ADOSC_SLOW]
    blk[ADOSC_FAST] = fast
    blk[ADOSC_SLOW] = slow
    blk[H_COUNT] = n
    blk[ADOSC_OUT] = out
    return out


@jit(f8(F1, f8, f8, f8, f8))
def adosc_update_checked(blk, high, low, close, volume):
    if not (math.isfinite(high) and math.isfinite(low) and math.isfinite(close)
            and math.isfinite(volume) and volume >= 0.0):
        raise ValueError("input is not finite")
    return adosc_update(blk, high, low, close, volume)


@jit(f8(F1, f8, f8, f8, f8), nrt=True)
def adosc_peek(blk, high, low, close, volume):
    return adosc_update(blk.copy(), high, low, close, volume)


@jit(void(F2, I1, F1, F1, F1, F1, F2))
def adosc_update_rows(state, rows, high, low, close, volume, out):
    """Advance ``state[rows[i]]`` by bar ``i`` of the inputs; write values to ``out[i, 0]``."""
    n_in = min(min(high.shape[0], low.shape[0]), min(close.shape[0], volume.shape[0]))
    check_rows(state.shape[0], rows, n_in, out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = adosc_update(state[rows[i]], high[i], low[i], close[i], volume[i])


@jit(i8(F1, F1, F1, F1, F1, F1))
def adosc_batch(blk, high, low, close, volume, out):
    """Run whole series through ``blk``; return the first bad index (non-finite, negative volume) or -1.

    Warm-up goes through :func:`adosc_update`. After it, chunk by chunk, the
    per-bar A/D terms go to ``out`` in one vectorised pass (AD's
    :func:`~ringta.kernels.ad.ad_terms`) and then the running sum and both
    EMAs replace them, with the same operations in the same order as
    streaming.
    """
    m = close.shape[0]
    lb = blk[H_LOOKBACK]
    i = 0
    while i < m and blk[H_COUNT] <= lb:
        if first_bad_bar(high, low, close, volume, i, i + 1) == i:
            return i
        out[i] = adosc_update(blk, high[i], low[i], close[i], volume[i])
        i += 1
    if i == m:
        return -1
    fk = blk[ADOSC_FK]
    fb = blk[ADOSC_FB]
    sk = blk[ADOSC_SK]
    sb = blk[ADOSC_SB]
    fb2 = blk[ADOSC_FB2]
    sb2 = blk[ADOSC_SB2]
    ad = blk[ADOSC_AD]
    fast = blk[ADOSC_FAST]
    slow = blk[ADOSC_SLOW]
    fast2 = blk[ADOSC_FAST2]
    slow2 = blk[ADOSC_SLOW2]
    v = blk[ADOSC_OUT]
    # alpha * ad of the previous bar, carried rather than recomputed.
    fkx_prev = fk * ad
    skx_prev = sk * ad
    start = i
    bad = -1
    end = m
    for lo in range(start, m, AD_CHUNK):
        hi = min(m, lo + AD_CHUNK)
        if not ad_terms(high, low, close, volume, out, lo, hi):
            bad = first_bad_bar(high, low, close, volume, lo, hi)
            if bad >= 0:
                hi = bad
                end = bad
        for k in range(np.uint64(lo), np.uint64(hi)):
            ad = ad + out[k]
            fkx = fk * ad
            skx = sk * ad
            f_new = _adosc_ema2(fb, fb2, fast2, fkx_prev, fkx)
            s_new = _adosc_ema2(sb, sb2, slow2, skx_prev, skx)
            fkx_prev = fkx
            skx_prev = skx
            fast2 = fast
            slow2 = slow
            fast = f_new
            slow = s_new
            v = fast - slow
            out[k] = v
        if bad >= 0:
            break
    if end > start:
        blk[H_COUNT] += end - start
        blk[ADOSC_AD] = ad
        blk[ADOSC_FAST] = fast
        blk[ADOSC_SLOW] = slow
        blk[ADOSC_FAST2] = fast2
        blk[ADOSC_SLOW2] = slow2
        blk[ADOSC_OUT] = v
    return bad


def adosc_lookback(fast_period: int = 3, slow_period: int = 10) -> int:
    return max(fast_period, slow_period) - 1


def make_block(fast_period: int = 3, slow_period: int = 10) -> np.ndarray:
    blk = np.zeros(ADOSC_WIDTH)
    blk[H_LOOKBACK] = adosc_lookback(fast_period, slow_period)
    fk = 2.0 / (fast_period + 1.0)
    sk = 2.0 / (slow_period + 1.0)
    blk[ADOSC_FK] = fk
    blk[ADOSC_FB] = 1.0 - fk
    blk[ADOSC_SK] = sk
    blk[ADOSC_SB] = 1.0 - sk
    blk[ADOSC_FB2] = blk[ADOSC_FB] * blk[ADOSC_FB]
    blk[ADOSC_SB2] = blk[ADOSC_SB] * blk[ADOSC_SB]
    blk[ADOSC_OUT] = np.nan
    return blk


def adosc(high, low, close, volume, fast_period: int = 3, slow_period: int = 10) -> np.ndarray:
    """Chaikin A/D oscillator: fast EMA minus slow EMA of the accumulation/distribution line.

    Parameters
    ----------
    high, low, close, volume : array_like
        Input series of equal length (finite numbers, volume >= 0).
    fast_period, slow_period : int, default 3 and 10
        EMA periods in [2, 100000] (TA-Lib's ``fastperiod``, ``slowperiod``).

    Returns
    -------
    numpy.ndarray
        Same length as the inputs; NaN before index ``max(fast_period, slow_period) - 1``.

    Examples
    --------
    >>> import ringta
    >>> h, l, c, v = [12.0, 12.0, 11.0], [10.0, 11.0, 10.0], [11.5, 11.0, 11.0], [100.0, 40.0, 70.0]
    >>> ringta.adosc(h, l, c, v, fast_period=2, slow_period=3).tolist()
    [nan, nan, 6.111111111111107]
    """
    return batch_call(SPEC, "adosc", {"fast_period": fast_period, "slow_period": slow_period},
                      {"high": high, "low": low, "close": close, "volume": volume})[0]


class ADOSC(StreamingIndicator):
    """Streaming Chaikin A/D oscillator (see :func:`ringta.adosc`).

    Examples
    --------
    >>> import ringta
    >>> a = ringta.ADOSC(fast_period=2, slow_period=3)
    >>> bars = ((12.0, 10.0, 11.5, 100.0), (12.0, 11.0, 11.0, 40.0), (11.0, 10.0, 11.0, 70.0))
    >>> [a.update(*bar) for bar in bars]
    [nan, nan, 6.111111111111107]
    """

    __slots__ = ()

    def __init__(self, fast_period: int = 3, slow_period: int = 10):
        self._setup(SPEC.validate("ADOSC", fast_period=fast_period, slow_period=slow_period))

    def update(self, high: float, low: float, close: float, volume: float) -> float:
        """Consume one bar's high, low, close and volume; return the new value (NaN while not ready)."""
        try:
            return adosc_update_checked(self._blk, high, low, close, volume)
        except (ValueError, TypeError):
            raise ValueError(
                f"ADOSC.update: high={high!r}, low={low!r}, close={close!r}, volume={volume!r} must be finite "
                "and volume >= 0; state unchanged"
            ) from None


SPEC = KernelSpec(
    name="adosc",
    title="Chaikin A/D Oscillator",
    kind_id=19,
    type="volume",
    inputs=("high", "low", "close", "volume"),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=adosc_lookback,
    out_offset=ADOSC_OUT,
    batch=adosc,
    stream=ADOSC,
    update_rows=adosc_update_rows,
    batch_driver=adosc_batch,
    peek_fn=adosc_peek,
    key_params=("fast_period", "slow_period"),
)
ADOSC.spec = SPEC
