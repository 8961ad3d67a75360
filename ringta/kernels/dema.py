"""DEMA: double exponential moving average.

Definition
    ``dema = 2 * e1 - e2`` with ``e1 = EMA(x, period)`` and
    ``e2 = EMA(e1, period)``; every EMA step is
    ``ema = fma(b, ema, k * x)`` (one rounding for ``b * ema + k * x``) with
    ``b = 1 - 2 / (period + 1)`` and ``k = 1 - b``. TA-Lib writes
    ``(x - ema) * k + ema``; the form used here keeps a single fused
    operation on the loop-carried chain (a batch run takes about a third
    less time) and differs from TA-Lib by a few units in the last place.
    ``k`` is taken as ``1 - b`` (exact) rather than ``2 / (period + 1)`` so
    that ``k + b`` is exactly 1: a constant input stays constant and long
    periods do not drift.
Seed and warm-up
    Each EMA is seeded with the simple mean of its first ``period`` inputs
    (TA-Lib's seed), so ``e1`` starts at index ``period - 1`` and ``e2`` at
    ``2 * (period - 1)``, the first valid index (TA-Lib's lookback).
Inputs
    one series (close by default).
Outputs
    ``value``, in price units.
Reference
    TA-Lib ``DEMA`` (same seed and combination; EMA step as above).
"""

from __future__ import annotations

import math

import numpy as np

from ._fma import fma
from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call

DEMA_PERIOD = H_SIZE
DEMA_K = H_SIZE + 1  # 1 - DEMA_B, about 2 / (period + 1)
DEMA_B = H_SIZE + 2  # 1 - 2 / (period + 1)
DEMA_E1 = H_SIZE + 3  # sum of the inputs while seeding, then the EMA
DEMA_E2 = H_SIZE + 4
DEMA_OUT = H_SIZE + 5
DEMA_WIDTH = H_SIZE + 6

PARAMS = (Param("period", int, 30, 2, MAX_PERIOD, doc="period of each EMA"),)


@jit(f8(f8, f8, f8, f8))
def ema_step(k, b, prev, x):
    """One EMA step: ``b * prev + k * x`` rounded once; only the fma is on the loop-carried chain."""
    return fma(b, prev, k * x)


@jit(f8(F1, i8, f8, f8, f8, f8, f8))
def ema_stage(blk, slot, j, p, k, b, x):
    """Feed input number ``j`` (0-based) of one EMA stage kept in ``blk[slot]``; NaN while seeding.

    The first ``period`` inputs are summed in order and divided by the
    period (TA-Lib's seed); then :func:`ema_step`.
    """
    if j < p - 1.0:
        blk[slot] += x
        return np.nan
    if j == p - 1.0:
        v = (blk[slot] + x) / p
    else:
        prev = blk[slot]
        v = ema_step(k, b, prev, x)
    blk[slot] = v
    return v


@jit(f8(F1, f8))
def dema_update(blk, x):
    """Advance one DEMA block by one input; return the new value (NaN while warming up)."""
    n = blk[H_COUNT]
    p = blk[DEMA_PERIOD]
    k = blk[DEMA_K]
    b = blk[DEMA_B]
    out = np.nan
    e1 = ema_stage(blk, DEMA_E1, n, p, k, b, x)
    if n >= p - 1.0:
        e2 = ema_stage(blk, DEMA_E2, n - (p - 1.0), p, k, b, e1)
        if n >= blk[H_LOOKBACK]:
            out = (2.0 * e1) - e2
    blk[H_COUNT] = n + 1.0
    blk[DEMA_OUT] = out
    return out


@jit(f8(F1, f8))
def dema_update_checked(blk, x):
    if not math.isfinite(x):
        raise ValueError("input is not finite")
    return dema_update(blk, x)


@jit(f8(F1, f8), nrt=True)
def dema_peek(blk, x):
    return dema_update(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def dema_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]`` for every i; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, x.shape[0], out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = dema_update(state[rows[i]], x[i])


@jit(i8(F1, F1, F1))
def dema_batch(blk, x, out):
    """Run a whole series through ``blk``; return the first non-finite index or -1.

    Warm-up goes through :func:`dema_update`; the steady state runs the same
    steps on locals.
    """
    m = x.shape[0]
    lb = blk[H_LOOKBACK]
    i = 0
    while i < m and blk[H_COUNT] <= lb:
        xi = x[i]
        if not math.isfinite(xi):
            return i
        out[i] = dema_update(blk, xi)
        i += 1
    if i == m:
        return -1
    k = blk[DEMA_K]
    b = blk[DEMA_B]
    e1 = blk[DEMA_E1]
    e2 = blk[DEMA_E2]
    v = blk[DEMA_OUT]
    start = i
    bad = -1
    for i in range(start, m):
        xi = x[i]
        if not math.isfinite(xi):
            bad = i
            break
        e1 = ema_step(k, b, e1, xi)
        e2 = ema_step(k, b, e2, e1)
        v = (2.0 * e1) - e2
        out[i] = v
    else:
        i = m
    if i > start:
        blk[H_COUNT] += i - start
        blk[DEMA_E1] = e1
        blk[DEMA_E2] = e2
        blk[DEMA_OUT] = v
    return bad


def dema_lookback(period: int = 30) -> int:
    return 2 * (period - 1)


def make_block(period: int = 30) -> np.ndarray:
    blk = np.zeros(DEMA_WIDTH)
    blk[H_LOOKBACK] = dema_lookback(period)
    blk[DEMA_PERIOD] = period
    blk[DEMA_B] = 1.0 - 2.0 / (period + 1.0)
    blk[DEMA_K] = 1.0 - blk[DEMA_B]
    blk[DEMA_OUT] = np.nan
    return blk


def dema(close, period: int = 30) -> np.ndarray:
    """Double exponential moving average of ``close``: ``2*EMA - EMA(EMA)``.

    Parameters
    ----------
    close : array_like
        Input series (any 1-D sequence of finite numbers).
    period : int, default 30
        Period of each EMA, in [2, 100000] (TA-Lib's ``timeperiod``).

    Returns
    -------
    numpy.ndarray
        Same length as ``close``; NaN before index ``2 * (period - 1)``.

    Examples
    --------
    >>> import ringta
    >>> ringta.dema([1.0, 2.0, 3.0, 4.0, 5.0], period=2).tolist()
    [nan, nan, 3.0, 4.0, 5.0]
    """
    return batch_call(SPEC, "dema", {"period": period}, {"close": close})[0]


class DEMA(StreamingIndicator):
    """Streaming double exponential moving average (see :func:`ringta.dema`).

    Examples
    --------
    >>> import ringta
    >>> d = ringta.DEMA(period=2)
    >>> [d.update(v) for v in (1.0, 2.0, 3.0, 4.0)]
    [nan, nan, 3.0, 4.0]
    """

    __slots__ = ()

    def __init__(self, period: int = 30):
        self._setup(SPEC.validate("DEMA", period=period))

    def update(self, close: float) -> float:
        """Consume one input and return the new value (NaN while not ready)."""
        try:
            return dema_update_checked(self._blk, close)
        except (ValueError, TypeError):
            raise ValueError(f"DEMA.update: close={close!r} is not a finite number; state unchanged") from None


SPEC = KernelSpec(
    name="dema",
    title="Double Exponential Moving Average",
    kind_id=23,
    type="trend",
    inputs=("close",),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=dema_lookback,
    out_offset=DEMA_OUT,
    batch=dema,
    stream=DEMA,
    update_rows=dema_update_rows,
    batch_driver=dema_batch,
    peek_fn=dema_peek,
    key_params=("period",),
)
DEMA.spec = SPEC
