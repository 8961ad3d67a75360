"""RSI: relative strength index (Wilder).

Definition
    ``gain``/``loss`` are Wilder averages of the up and down moves:
    ``avg = avg * (period - 1) / period + move / period`` (TA-Lib writes
    ``(avg * (period - 1) + move) / period``; the form used here keeps the
    division off the loop-carried chain and differs in the last place only);
    ``rsi = 100 * gain / (gain + loss)``, and 0 when ``gain + loss`` is 0
    (a flat window), as TA-Lib 0.6 and later do.
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

from ._jit import F1, F2, I1, b1, f8, i8, entry, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows, put_column
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call

RSI_PERIOD = H_SIZE
RSI_DECAY = H_SIZE + 1  # (period - 1) / period
RSI_INV = H_SIZE + 2  # 1 / period
RSI_PREV = H_SIZE + 3
RSI_GAIN = H_SIZE + 4
RSI_LOSS = H_SIZE + 5
RSI_OUT = H_SIZE + 6
RSI_WIDTH = H_SIZE + 7

PARAMS = (Param("period", int, 14, 1, MAX_PERIOD, doc="Wilder smoothing period"),)


@jit(f8(f8, f8))
def _rsi_value(gain, loss):
    t = gain + loss
    return 0.0 if t == 0.0 else 100.0 * (gain / t)


@jit(f8(f8, f8, f8, f8))
def _wilder_step(decay, inv, avg, move):
    return avg * decay + move * inv


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
        up = d if d > 0.0 else 0.0
        down = -d if d < 0.0 else 0.0
        gain = blk[RSI_GAIN]
        loss = blk[RSI_LOSS]
        if n <= p:
            gain += up
            loss += down
            if n == p:
                gain /= p
                loss /= p
                out = _rsi_value(gain, loss)
        else:
            gain = _wilder_step(blk[RSI_DECAY], blk[RSI_INV], gain, up)
            loss = _wilder_step(blk[RSI_DECAY], blk[RSI_INV], loss, down)
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


_rsi_update_fast = entry(rsi_update_checked)


@jit(f8(F1, f8), nrt=True)
def rsi_peek(blk, x):
    return rsi_update(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def rsi_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]`` for every i; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, x.shape[0], out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = rsi_update(state[rows[i]], x[i])


@jit(b1(F2, i8, i8, F1, i8))
def rsi_columns_ready(st, a, b, x, i0):
    """Whether columns ``a .. b-1`` of a column table are all past the averages' seed."""
    n = st[H_COUNT, a:b]
    p = st[RSI_PERIOD, a:b]
    ok = True
    for k in range(b - a):
        ok &= n[k] > p[k]
    return ok


@jit(void(F2, i8, i8, F1, F1, i8, F2))
def rsi_columns_step(st, a, b, x, v, i0, out):
    """:func:`rsi_update` past the seed, for columns ``a .. b-1`` fed ``x[i0:]``: one loop across columns."""
    n = st[H_COUNT, a:b]
    decay = st[RSI_DECAY, a:b]
    inv = st[RSI_INV, a:b]
    prev = st[RSI_PREV, a:b]
    gain = st[RSI_GAIN, a:b]
    loss = st[RSI_LOSS, a:b]
    res = st[RSI_OUT, a:b]
    xs = x[i0 : i0 + b - a]
    # Two loops of a few fields each: see bollinger.bbands_columns_step.
    for k in range(b - a):
        d = xs[k] - prev[k]
        prev[k] = xs[k]
        up = d if d > 0.0 else 0.0
        down = -d if d < 0.0 else 0.0
        gain[k] = _wilder_step(decay[k], inv[k], gain[k], up)
        loss[k] = _wilder_step(decay[k], inv[k], loss[k], down)
    for k in range(b - a):
        n[k] = n[k] + 1.0
        res[k] = _rsi_value(gain[k], loss[k])
    put_column(out, i0, res)


@jit(i8(F1, F1, F1))
def rsi_batch(blk, x, out):
    """Run a whole series through ``blk``; return the first non-finite index or -1.

    Warm-up goes through :func:`rsi_update` itself; the steady state runs the
    same steps on locals.
    """
    m = x.shape[0]
    lb = blk[H_LOOKBACK]
    i = 0
    while i < m and blk[H_COUNT] <= lb:
        xi = x[i]
        if not math.isfinite(xi):
            return i
        out[i] = rsi_update(blk, xi)
        i += 1
    if i == m:
        return -1
    decay = blk[RSI_DECAY]
    inv = blk[RSI_INV]
    prev = blk[RSI_PREV]
    gain = blk[RSI_GAIN]
    loss = blk[RSI_LOSS]
    v = blk[RSI_OUT]
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
        gain = _wilder_step(decay, inv, gain, up)
        loss = _wilder_step(decay, inv, loss, down)
        v = _rsi_value(gain, loss)
        out[i] = v
    else:
        i = m
    blk[H_COUNT] += i - start
    blk[RSI_PREV] = prev
    blk[RSI_GAIN] = gain
    blk[RSI_LOSS] = loss
    blk[RSI_OUT] = v
    return bad


def rsi_lookback(period: int = 14) -> int:
    return period


def make_block(period: int = 14) -> np.ndarray:
    blk = np.zeros(RSI_WIDTH)
    blk[H_LOOKBACK] = rsi_lookback(period)
    blk[RSI_PERIOD] = period
    blk[RSI_DECAY] = (period - 1.0) / period
    blk[RSI_INV] = 1.0 / period
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
    return batch_call(SPEC, "rsi", {"period": period}, {"close": close})[0]


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
            if type(close) is float:
                return _rsi_update_fast(self._blk, close)
            return rsi_update_checked(self._blk, close)  # converts numbers, refuses the rest
        except (ValueError, TypeError):
            raise ValueError(f"RSI.update: close={close!r} is not a finite number; state unchanged") from None


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
