"""PLUS_DI: Wilder's plus directional indicator (+DI).

Definition
    ``+DI = 100 * (+DM / TR)`` with ``+DM`` and ``TR`` Wilder's smoothed
    sums of the one-bar plus directional movement and true range (see
    :mod:`ringta.kernels._dmi`: ``+DM1 = high - prev_high`` when that up
    move is positive and larger than the down move ``prev_low - low``, else
    0), in TA-Lib's order of operations; 0 when ``TR`` is 0 (a run of bars
    with no range at all).
Seed and warm-up
    ``+DM`` and ``TR`` start as the plain sums of bars ``1 .. period - 1``
    (bar 0 has no previous bar); the first Wilder step, and the first value,
    is at index ``period`` (TA-Lib's lookback). ``period=1`` gives
    ``100 * +DM1 / TR1``; TA-Lib's period 1 returns that ratio without the
    factor 100 (a fraction, unlike every other period).
Inputs
    high, low, close.
Outputs
    ``value``, on a 0..100 scale.
Reference
    TA-Lib ``PLUS_DI`` (periods >= 2 equal bit for bit on the test data;
    period 1 equals 100 times TA-Lib's value).
"""

from __future__ import annotations

import math

import numpy as np

from ._dmi import (DMI_CLOSE, DMI_END, DMI_HIGH, DMI_LOW, DMI_MDM, DMI_PDM, DMI_PERIOD, DMI_TR,
                   _di, dmi_advance, dmi_step, init_dmi)
from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call

PLUS_DI_OUT = DMI_END
PLUS_DI_WIDTH = DMI_END + 1

PARAMS = (Param("period", int, 14, 1, MAX_PERIOD, doc="Wilder smoothing period"),)


@jit(f8(F1, f8, f8, f8))
def plus_di_update(blk, high, low, close):
    """Advance one PLUS_DI block by one bar; return the new value (NaN while warming up)."""
    out = np.nan
    if dmi_advance(blk, high, low, close):
        out = _di(blk[DMI_PDM], blk[DMI_TR])
    blk[H_COUNT] += 1.0
    blk[PLUS_DI_OUT] = out
    return out


@jit(f8(F1, f8, f8, f8))
def plus_di_update_checked(blk, high, low, close):
    if not (math.isfinite(high) and math.isfinite(low) and math.isfinite(close)):
        raise ValueError("input is not finite")
    return plus_di_update(blk, high, low, close)


@jit(f8(F1, f8, f8, f8), nrt=True)
def plus_di_peek(blk, high, low, close):
    return plus_di_update(blk.copy(), high, low, close)


@jit(void(F2, I1, F1, F1, F1, F2))
def plus_di_update_rows(state, rows, high, low, close, out):
    """Advance ``state[rows[i]]`` by ``(high[i], low[i], close[i])``; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, min(high.shape[0], low.shape[0], close.shape[0]), out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = plus_di_update(state[rows[i]], high[i], low[i], close[i])


@jit(i8(F1, F1, F1, F1, F1))
def plus_di_batch(blk, high, low, close, out):
    """Run whole series through ``blk``; return the first non-finite index or -1.

    Warm-up goes through :func:`plus_di_update` itself; the steady state runs
    the same steps (:func:`ringta.kernels._dmi.dmi_step`) on locals.
    """
    m = close.shape[0]
    lb = blk[H_LOOKBACK]
    i = 0
    while i < m and blk[H_COUNT] <= lb:
        if not (math.isfinite(high[i]) and math.isfinite(low[i]) and math.isfinite(close[i])):
            return i
        out[i] = plus_di_update(blk, high[i], low[i], close[i])
        i += 1
    if i == m:
        return -1
    p = blk[DMI_PERIOD]
    ph = blk[DMI_HIGH]
    pl = blk[DMI_LOW]
    pc = blk[DMI_CLOSE]
    pdm = blk[DMI_PDM]
    mdm = blk[DMI_MDM]
    tr = blk[DMI_TR]
    v = blk[PLUS_DI_OUT]
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
        v = _di(pdm, tr)
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
        blk[PLUS_DI_OUT] = v
    return bad


def plus_di_lookback(period: int = 14) -> int:
    return period


def make_block(period: int = 14) -> np.ndarray:
    blk = np.zeros(PLUS_DI_WIDTH)
    blk[H_LOOKBACK] = plus_di_lookback(period)
    init_dmi(blk, period)
    blk[PLUS_DI_OUT] = np.nan
    return blk


def plus_di(high, low, close, period: int = 14) -> np.ndarray:
    """Wilder's plus directional indicator, +DI, 0-100.

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
    >>> h, l, c = [10.0, 11.0, 11.5, 11.0], [9.0, 10.0, 10.5, 9.5], [9.5, 10.5, 11.0, 10.0]
    >>> ringta.plus_di(h, l, c, period=2).round(2).tolist()
    [nan, nan, 57.14, 21.05]
    """
    return batch_call(SPEC, "plus_di", {"period": period}, {"high": high, "low": low, "close": close})[0]


class PLUS_DI(StreamingIndicator):
    """Streaming Wilder +DI (see :func:`ringta.plus_di`).

    Examples
    --------
    >>> import ringta
    >>> d = ringta.PLUS_DI(period=2)
    >>> bars = ((10.0, 9.0, 9.5), (11.0, 10.0, 10.5), (11.5, 10.5, 11.0), (11.0, 9.5, 10.0))
    >>> [round(d.update(h, l, c), 2) for h, l, c in bars]
    [nan, nan, 57.14, 21.05]
    """

    __slots__ = ()

    def __init__(self, period: int = 14):
        self._setup(SPEC.validate("PLUS_DI", period=period))

    def update(self, high: float, low: float, close: float) -> float:
        """Consume one bar's high, low and close; return the new value (NaN while not ready)."""
        try:
            return plus_di_update_checked(self._blk, high, low, close)
        except (ValueError, TypeError):
            raise ValueError(
                f"PLUS_DI.update: high={high!r}, low={low!r}, close={close!r} must be finite; state unchanged"
            ) from None


SPEC = KernelSpec(
    name="plus_di",
    title="Plus Directional Indicator (Wilder)",
    kind_id=39,
    type="trend",
    inputs=("high", "low", "close"),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=plus_di_lookback,
    out_offset=PLUS_DI_OUT,
    batch=plus_di,
    stream=PLUS_DI,
    update_rows=plus_di_update_rows,
    batch_driver=plus_di_batch,
    peek_fn=plus_di_peek,
    key_params=("period",),
)
PLUS_DI.spec = SPEC
