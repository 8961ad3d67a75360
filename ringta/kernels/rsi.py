"""RSI: relative strength index (Wilder).

Definition
    ``gain``/``loss`` are Wilder averages of the up and down moves:
    ``avg = (avg * (period - 1) + move) / period``;
    ``rsi = 100 * gain / (gain + loss)``, and 0 when ``gain + loss`` is
    within 1e-14 of zero (TA-Lib's ``TA_IS_ZERO``).
Seed and warm-up
    The first averages are the simple means of the first ``period`` changes,
    so the first value is at index ``period`` (TA-Lib's lookback).
Inputs
    one series (close by default).
Outputs
    ``value``, on a 0-100 scale.
Reference
    TA-Lib ``RSI`` (default compatibility, no unstable period).
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD
from ._spec import KernelSpec, Param, StreamingIndicator, run_batch

RSI_PERIOD = H_SIZE
RSI_PREV = H_SIZE + 1
RSI_GAIN = H_SIZE + 2
RSI_LOSS = H_SIZE + 3
RSI_OUT = H_SIZE + 4
RSI_WIDTH = H_SIZE + 5

PARAMS = (Param("period", int, 14, 1, MAX_PERIOD, doc="Wilder smoothing period"),)


@jit(f8(f8, f8))
def _rsi_value(gain, loss):
    t = gain + loss
    if -1e-14 < t < 1e-14:
        return 0.0
    return 100.0 * (gain / t)


@jit(f8(F1, f8))
def rsi_update(blk, x):
    """Advance one RSI block by one input; return the new value (NaN while warming up)."""
    n = blk[H_COUNT]
    p = blk[RSI_PERIOD]
    out = np.nan
    if n == 0.0:
        blk[RSI_PREV] = x
    else:
        d = x - blk[RSI_PREV]
        blk[RSI_PREV] = x
        gain = blk[RSI_GAIN]
        loss = blk[RSI_LOSS]
        if n <= p:
            if d < 0.0:
                loss -= d
            else:
                gain += d
            if n == p:
                loss /= p
                gain /= p
                out = _rsi_value(gain, loss)
        else:
            loss *= p - 1.0
            gain *= p - 1.0
            if d < 0.0:
                loss -= d
            else:
                gain += d
            loss /= p
            gain /= p
            out = _rsi_value(gain, loss)
        blk[RSI_GAIN] = gain
        blk[RSI_LOSS] = loss
    blk[H_COUNT] = n + 1.0
    blk[RSI_OUT] = out
    return out


@jit(f8(F1, f8))
def rsi_update_checked(blk, x):
    if not math.isfinite(x):
        raise ValueError("input is not finite")
    return rsi_update(blk, x)


@jit(f8(F1, f8))
def rsi_peek(blk, x):
    return rsi_update(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def rsi_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]`` for every i; write values to ``out[i, 0]``."""
    for i in range(rows.shape[0]):
        out[i, 0] = rsi_update(state[rows[i]], x[i])


@jit(i8(F1, F1, F1))
def rsi_batch(blk, x, out):
    """Run a whole series through ``blk``; return the first non-finite index or -1."""
    n = blk[H_COUNT]
    p = blk[RSI_PERIOD]
    pm1 = p - 1.0
    prev = blk[RSI_PREV]
    gain = blk[RSI_GAIN]
    loss = blk[RSI_LOSS]
    bad = -1
    v = np.nan
    for i in range(x.shape[0]):
        xi = x[i]
        if not math.isfinite(xi):
            bad = i
            break
        v = np.nan
        if n == 0.0:
            prev = xi
        else:
            d = xi - prev
            prev = xi
            if n <= p:
                if d < 0.0:
                    loss -= d
                else:
                    gain += d
                if n == p:
                    loss /= p
                    gain /= p
                    v = _rsi_value(gain, loss)
            else:
                loss *= pm1
                gain *= pm1
                if d < 0.0:
                    loss -= d
                else:
                    gain += d
                loss /= p
                gain /= p
                v = _rsi_value(gain, loss)
        n += 1.0
        out[i] = v
    blk[H_COUNT] = n
    blk[RSI_PREV] = prev
    blk[RSI_GAIN] = gain
    blk[RSI_LOSS] = loss
    if x.shape[0] > 0:
        blk[RSI_OUT] = v
    return bad


def rsi_lookback(period: int = 14) -> int:
    return period


def make_block(period: int = 14) -> np.ndarray:
    blk = np.zeros(RSI_WIDTH)
    blk[H_LOOKBACK] = rsi_lookback(period)
    blk[RSI_PERIOD] = period
    blk[RSI_OUT] = np.nan
    return blk


def rsi(close, period: int = 14) -> np.ndarray:
    """Wilder's relative strength index of ``close``, 0-100.

    Parameters
    ----------
    close : array_like
        Input series (any 1-D sequence of finite numbers).
    period : int, default 14
        Smoothing period in [1, 100000].

    Returns
    -------
    numpy.ndarray
        Same length as ``close``; NaN before index ``period``.

    Examples
    --------
    >>> import ringta
    >>> ringta.rsi([1.0, 2.0, 1.0, 2.0, 3.0], period=2).round(4).tolist()
    [nan, nan, 50.0, 75.0, 87.5]
    """
    prm = SPEC.validate("rsi", period=period)
    return run_batch(SPEC, "rsi", make_block(**prm), {"close": close})[0]


class RSI(StreamingIndicator):
    """Streaming Wilder RSI (see :func:`ringta.rsi`).

    Examples
    --------
    >>> import ringta
    >>> r = ringta.RSI(period=2)
    >>> [round(r.update(v), 4) for v in (1.0, 2.0, 1.0, 2.0)][2:]
    [50.0, 75.0]
    """

    __slots__ = ()

    def __init__(self, period: int = 14):
        self._setup(SPEC.validate("RSI", period=period))

    def update(self, close: float) -> float:
        """Consume one input and return the new value (NaN while not ready)."""
        try:
            return rsi_update_checked(self._blk, close)
        except ValueError:
            raise ValueError(f"RSI.update: close={close!r} is not finite; state unchanged") from None


SPEC = KernelSpec(
    name="rsi",
    title="Relative Strength Index (Wilder)",
    kind_id=3,
    type="momentum",
    inputs=("close",),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=rsi_lookback,
    out_offset=RSI_OUT,
    batch=rsi,
    stream=RSI,
    update_rows=rsi_update_rows,
    batch_driver=rsi_batch,
    peek_fn=rsi_peek,
    key_params=("period",),
)
RSI.spec = SPEC
