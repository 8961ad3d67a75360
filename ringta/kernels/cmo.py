"""CMO: Chande momentum oscillator (TA-Lib's form, Wilder-smoothed).

Definition
    ``cmo = 100 * (gain - loss) / (gain + loss)``, with ``gain``/``loss``
    Wilder averages of the up and down moves,
    ``avg = fma(avg, (period - 1) / period, move / period)`` (one fused
    multiply-add; TA-Lib writes ``(avg * (period - 1) + move) / period``,
    which puts a division on the loop-carried chain and runs at a third of
    the speed; the two differ in the last places only); 0 when
    ``gain + loss`` is 0 (a flat window), as in TA-Lib. (Chande's original sums the moves of
    the last ``period`` bars instead; TA-Lib smooths them as in its RSI.)
Seed and warm-up
    The first averages are the simple means of the first ``period`` changes,
    so the first value is at index ``period`` (TA-Lib's lookback).
Inputs
    one series (close by default).
Outputs
    ``value``, on a -100..100 scale.
Reference
    TA-Lib ``CMO`` (within a few units in the last place).
"""

from __future__ import annotations

import math

import numpy as np

from ._fma import fma
from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call

CMO_PERIOD = H_SIZE
CMO_DECAY = H_SIZE + 1  # (period - 1) / period
CMO_PREV = H_SIZE + 2
CMO_GAIN = H_SIZE + 3
CMO_LOSS = H_SIZE + 4
CMO_OUT = H_SIZE + 5
CMO_INV = H_SIZE + 6  # 1 / period
CMO_WIDTH = H_SIZE + 7

PARAMS = (Param("period", int, 14, 2, MAX_PERIOD, doc="Wilder smoothing period"),)


@jit(f8(f8, f8))
def _cmo_value(gain, loss):
    t = gain + loss
    if t == 0.0:
        return 0.0
    return 100.0 * ((gain - loss) / t)


@jit(f8(f8, f8, f8, f8))
def _cmo_step(decay, inv, avg, move):
    """Wilder's step with one fused multiply-add on the loop-carried chain."""
    return fma(avg, decay, move * inv)


@jit(f8(F1, f8))
def cmo_update(blk, x):
    """Advance one CMO block by one input; return the new value (NaN while warming up)."""
    n = blk[H_COUNT]
    p = blk[CMO_PERIOD]
    out = np.nan
    if n > 0.0:
        d = x - blk[CMO_PREV]
        up = d if d > 0.0 else 0.0
        down = -d if d < 0.0 else 0.0
        gain = blk[CMO_GAIN]
        loss = blk[CMO_LOSS]
        if n <= p:
            gain += up
            loss += down
            if n == p:
                gain /= p
                loss /= p
                out = _cmo_value(gain, loss)
        else:
            gain = _cmo_step(blk[CMO_DECAY], blk[CMO_INV], gain, up)
            loss = _cmo_step(blk[CMO_DECAY], blk[CMO_INV], loss, down)
            out = _cmo_value(gain, loss)
        blk[CMO_GAIN] = gain
        blk[CMO_LOSS] = loss
    blk[CMO_PREV] = x
    blk[H_COUNT] = n + 1.0
    blk[CMO_OUT] = out
    return out


@jit(f8(F1, f8))
def cmo_update_checked(blk, x):
    if not math.isfinite(x):
        raise ValueError("input is not finite")
    return cmo_update(blk, x)


@jit(f8(F1, f8), nrt=True)
def cmo_peek(blk, x):
    return cmo_update(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def cmo_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]`` for every i; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, x.shape[0], out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = cmo_update(state[rows[i]], x[i])


@jit(i8(F1, F1, F1))
def cmo_batch(blk, x, out):
    """Run a whole series through ``blk``; return the first non-finite index or -1.

    Warm-up goes through :func:`cmo_update` itself; the steady state runs the
    same steps on locals.
    """
    m = x.shape[0]
    lb = blk[H_LOOKBACK]
    i = 0
    while i < m and blk[H_COUNT] <= lb:
        xi = x[i]
        if not math.isfinite(xi):
            return i
        out[i] = cmo_update(blk, xi)
        i += 1
    if i == m:
        return -1
    decay = blk[CMO_DECAY]
    inv = blk[CMO_INV]
    prev = blk[CMO_PREV]
    gain = blk[CMO_GAIN]
    loss = blk[CMO_LOSS]
    v = blk[CMO_OUT]
    start = i
    bad = -1
    for i in range(start, m):
        xi = x[i]
        if not math.isfinite(xi):
            bad = i
            break
        d = xi - prev
        prev = xi
        up = d if d > 0.0 else 0.0
        down = -d if d < 0.0 else 0.0
        gain = _cmo_step(decay, inv, gain, up)
        loss = _cmo_step(decay, inv, loss, down)
        v = _cmo_value(gain, loss)
        out[i] = v
    else:
        i = m
    if i > start:
        blk[H_COUNT] += i - start
        blk[CMO_PREV] = prev
        blk[CMO_GAIN] = gain
        blk[CMO_LOSS] = loss
        blk[CMO_OUT] = v
    return bad


def cmo_lookback(period: int = 14) -> int:
    return period


def make_block(period: int = 14) -> np.ndarray:
    blk = np.zeros(CMO_WIDTH)
    blk[H_LOOKBACK] = cmo_lookback(period)
    blk[CMO_PERIOD] = period
    blk[CMO_DECAY] = (period - 1.0) / period
    blk[CMO_INV] = 1.0 / period
    blk[CMO_OUT] = np.nan
    return blk


def cmo(close, period: int = 14) -> np.ndarray:
    """Chande momentum oscillator of ``close`` (TA-Lib's Wilder-smoothed form), -100..100.

    Parameters
    ----------
    close : array_like
        Input series (any 1-D sequence of finite numbers).
    period : int, default 14
        Smoothing period in [2, 100000] (TA-Lib's ``timeperiod``).

    Returns
    -------
    numpy.ndarray
        Same length as ``close``; NaN before index ``period``.

    Examples
    --------
    >>> import ringta
    >>> ringta.cmo([1.0, 2.0, 1.0, 2.0, 3.0], period=2).tolist()
    [nan, nan, 0.0, 50.0, 75.0]
    """
    return batch_call(SPEC, "cmo", {"period": period}, {"close": close})[0]


class CMO(StreamingIndicator):
    """Streaming Chande momentum oscillator (see :func:`ringta.cmo`).

    Examples
    --------
    >>> import ringta
    >>> c = ringta.CMO(period=2)
    >>> [c.update(v) for v in (1.0, 2.0, 1.0, 2.0)]
    [nan, nan, 0.0, 50.0]
    """

    __slots__ = ()

    def __init__(self, period: int = 14):
        self._setup(SPEC.validate("CMO", period=period))

    def update(self, close: float) -> float:
        """Consume one input and return the new value (NaN while not ready)."""
        try:
            return cmo_update_checked(self._blk, close)
        except (ValueError, TypeError):
            raise ValueError(f"CMO.update: close={close!r} is not a finite number; state unchanged") from None


SPEC = KernelSpec(
    name="cmo",
    title="Chande Momentum Oscillator",
    kind_id=20,
    type="momentum",
    inputs=("close",),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=cmo_lookback,
    out_offset=CMO_OUT,
    batch=cmo,
    stream=CMO,
    update_rows=cmo_update_rows,
    batch_driver=cmo_batch,
    peek_fn=cmo_peek,
    key_params=("period",),
)
CMO.spec = SPEC
