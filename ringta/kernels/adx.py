"""ADX: Wilder's average directional movement index.

Definition
    ``DX = 100 * (|-DI - +DI| / (-DI + +DI))`` from Wilder's smoothed
    ``+DM``, ``-DM`` and ``TR`` (see :mod:`ringta.kernels._dmi`, shared with
    ``plus_di`` and ``minus_di``), and
    ``adx = (adx[t-1] * (period - 1) + DX) / period``, in TA-Lib's order of
    operations. Where DX is undefined (``TR`` is 0, or ``-DI + +DI`` is
    within 1e-14 of 0, e.g. a run of bars without any directional
    movement), TA-Lib leaves the ADX unchanged, and so does ringta.
Seed and warm-up
    ``+DM``, ``-DM`` and ``TR`` start as the plain sums of bars
    ``1 .. period - 1``; the DX of bars ``period .. 2*period - 1`` are
    averaged (an undefined DX counts as 0) into the first ADX, at index
    ``2*period - 1`` (TA-Lib's lookback); NaN before.
Inputs
    high, low, close.
Outputs
    ``value``, on a 0..100 scale.
Reference
    TA-Lib ``ADX`` (default compatibility, no unstable period).
"""

from __future__ import annotations

import math

import numpy as np

from ._dmi import (DMI_CLOSE, DMI_END, DMI_HIGH, DMI_LOW, DMI_MDM, DMI_PDM, DMI_PERIOD, DMI_TR,
                   _dx, dmi_advance, dmi_step, init_dmi)
from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call

ADX_PM1 = DMI_END  # period - 1
ADX_VALUE = DMI_END + 1  # sum of the DX during warm-up, then the ADX
ADX_OUT = DMI_END + 2
ADX_WIDTH = DMI_END + 3

PARAMS = (Param("period", int, 14, 2, MAX_PERIOD, doc="Wilder smoothing period"),)


@jit(f8(f8, f8, f8, f8))
def _adx_step(period, pm1, prev, dx):
    """Wilder's average as TA-Lib writes it, ``(prev * (period - 1) + dx) / period``; unchanged without a DX."""
    if dx < 0.0:  # DX_UNDEFINED
        return prev
    return (prev * pm1 + dx) / period


@jit(f8(F1, f8, f8, f8))
def adx_update(blk, high, low, close):
    """Advance one ADX block by one bar; return the new value (NaN while warming up)."""
    n = blk[H_COUNT]
    out = np.nan
    if dmi_advance(blk, high, low, close):
        p = blk[DMI_PERIOD]
        dx = _dx(blk[DMI_PDM], blk[DMI_MDM], blk[DMI_TR])
        if n < blk[H_LOOKBACK]:
            if dx >= 0.0:
                blk[ADX_VALUE] += dx
        elif n == blk[H_LOOKBACK]:
            s = blk[ADX_VALUE]
            if dx >= 0.0:
                s += dx
            out = s / p
            blk[ADX_VALUE] = out
        else:
            out = _adx_step(p, blk[ADX_PM1], blk[ADX_VALUE], dx)
            blk[ADX_VALUE] = out
    blk[H_COUNT] = n + 1.0
    blk[ADX_OUT] = out
    return out


@jit(f8(F1, f8, f8, f8))
def adx_update_checked(blk, high, low, close):
    if not (math.isfinite(high) and math.isfinite(low) and math.isfinite(close)):
        raise ValueError("input is not finite")
    return adx_update(blk, high, low, close)


@jit(f8(F1, f8, f8, f8), nrt=True)
def adx_peek(blk, high, low, close):
    return adx_update(blk.copy(), high, low, close)


@jit(void(F2, I1, F1, F1, F1, F2))
def adx_update_rows(state, rows, high, low, close, out):
    """Advance ``state[rows[i]]`` by ``(high[i], low[i], close[i])``; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, min(high.shape[0], low.shape[0], close.shape[0]), out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = adx_update(state[rows[i]], high[i], low[i], close[i])


@jit(i8(F1, F1, F1, F1, F1))
def adx_batch(blk, high, low, close, out):
    """Run whole series through ``blk``; return the first non-finite index or -1.

    Warm-up goes through :func:`adx_update` itself; the steady state runs
    the same steps (:func:`ringta.kernels._dmi.dmi_step`, the DX and
    :func:`_adx_step`) on locals.
    """
    m = close.shape[0]
    lb = blk[H_LOOKBACK]
    i = 0
    while i < m and blk[H_COUNT] <= lb:
        if not (math.isfinite(high[i]) and math.isfinite(low[i]) and math.isfinite(close[i])):
            return i
        out[i] = adx_update(blk, high[i], low[i], close[i])
        i += 1
    if i == m:
        return -1
    p = blk[DMI_PERIOD]
    pm1 = blk[ADX_PM1]
    ph = blk[DMI_HIGH]
    pl = blk[DMI_LOW]
    pc = blk[DMI_CLOSE]
    pdm = blk[DMI_PDM]
    mdm = blk[DMI_MDM]
    tr = blk[DMI_TR]
    v = blk[ADX_VALUE]
    start = i
    bad = -1
    for i in range(start, m):
        h = high[i]
        lo = low[i]
        c = close[i]
        if not (math.isfinite(h) and math.isfinite(lo) and math.isfinite(c)):
            bad = i
            break
        pdm, mdm, tr = dmi_step(p, ph, pl, pc, pdm, mdm, tr, h, lo)
        ph = h
        pl = lo
        pc = c
        v = _adx_step(p, pm1, v, _dx(pdm, mdm, tr))
        out[i] = v
    else:
        i = m
    if i > start:
        blk[H_COUNT] += i - start
        blk[DMI_HIGH] = ph
        blk[DMI_LOW] = pl
        blk[DMI_CLOSE] = pc
        blk[DMI_PDM] = pdm
        blk[DMI_MDM] = mdm
        blk[DMI_TR] = tr
        blk[ADX_VALUE] = v
        blk[ADX_OUT] = v
    return bad


def adx_lookback(period: int = 14) -> int:
    return 2 * period - 1


def make_block(period: int = 14) -> np.ndarray:
    blk = np.zeros(ADX_WIDTH)
    blk[H_LOOKBACK] = adx_lookback(period)
    init_dmi(blk, period)
    blk[ADX_PM1] = period - 1.0
    blk[ADX_OUT] = np.nan
    return blk


def adx(high, low, close, period: int = 14) -> np.ndarray:
    """Wilder's average directional movement index: trend strength, 0-100, whatever the direction.

    Parameters
    ----------
    high, low, close : array_like
        Input series of equal length (finite numbers).
    period : int, default 14
        Smoothing period in [2, 100000] (TA-Lib's ``timeperiod``).

    Returns
    -------
    numpy.ndarray
        Same length as the inputs; NaN before index ``2 * period - 1``.

    Examples
    --------
    >>> import ringta
    >>> h, l, c = [10.0, 11.0, 11.5, 11.0], [9.0, 10.0, 10.5, 9.5], [9.5, 10.5, 11.0, 10.0]
    >>> ringta.adx(h, l, c, period=2).round(2).tolist()
    [nan, nan, nan, 66.67]
    """
    return batch_call(SPEC, "adx", {"period": period}, {"high": high, "low": low, "close": close})[0]


class ADX(StreamingIndicator):
    """Streaming Wilder ADX (see :func:`ringta.adx`).

    Examples
    --------
    >>> import ringta
    >>> a = ringta.ADX(period=2)
    >>> bars = ((10.0, 9.0, 9.5), (11.0, 10.0, 10.5), (11.5, 10.5, 11.0), (11.0, 9.5, 10.0))
    >>> [round(a.update(h, l, c), 2) for h, l, c in bars]
    [nan, nan, nan, 66.67]
    """

    __slots__ = ()

    def __init__(self, period: int = 14):
        self._setup(SPEC.validate("ADX", period=period))

    def update(self, high: float, low: float, close: float) -> float:
        """Consume one bar's high, low and close; return the new value (NaN while not ready)."""
        try:
            return adx_update_checked(self._blk, high, low, close)
        except (ValueError, TypeError):
            raise ValueError(
                f"ADX.update: high={high!r}, low={low!r}, close={close!r} must be finite; state unchanged"
            ) from None


SPEC = KernelSpec(
    name="adx",
    title="Average Directional Movement Index (Wilder)",
    kind_id=38,
    type="trend",
    inputs=("high", "low", "close"),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=adx_lookback,
    out_offset=ADX_OUT,
    batch=adx,
    stream=ADX,
    update_rows=adx_update_rows,
    batch_driver=adx_batch,
    peek_fn=adx_peek,
    key_params=("period",),
)
ADX.spec = SPEC
