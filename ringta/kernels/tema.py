"""TEMA: triple exponential moving average.

Definition
    ``tema = e3 + (3 * e1 - 3 * e2)`` (TA-Lib's order of operations) with
    ``e1 = EMA(x, period)``, ``e2 = EMA(e1, period)``, ``e3 = EMA(e2, period)``;
    every EMA step is DEMA's ``ema = fma(b, ema, k * x)`` (one rounding for
    ``b * ema + k * x``, ``b = 1 - 2 / (period + 1)``, ``k = 1 - b``; see
    :mod:`ringta.kernels.dema`): a single fused operation on each
    loop-carried chain instead of TA-Lib's ``(x - ema) * k + ema``, which
    differs from TA-Lib by a few units in the last place.
Seed and warm-up
    Each EMA is seeded with the simple mean of its first ``period`` inputs
    (TA-Lib's seed), so ``e3`` starts at index ``3 * (period - 1)``, the
    first valid index (TA-Lib's lookback).
Inputs
    one series (close by default).
Outputs
    ``value``, in price units.
Reference
    TA-Lib ``TEMA`` (same seed and combination; EMA step as above).
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call
from .dema import ema_stage, ema_step

TEMA_PERIOD = H_SIZE
TEMA_K = H_SIZE + 1  # 1 - TEMA_B, about 2 / (period + 1)
TEMA_B = H_SIZE + 2  # 1 - 2 / (period + 1)
TEMA_E1 = H_SIZE + 3  # sum of the inputs while seeding, then the EMA
TEMA_E2 = H_SIZE + 4
TEMA_E3 = H_SIZE + 5
TEMA_OUT = H_SIZE + 6
TEMA_WIDTH = H_SIZE + 7

PARAMS = (Param("period", int, 30, 2, MAX_PERIOD, doc="period of each EMA"),)


@jit(f8(F1, f8))
def tema_update(blk, x):
    """Advance one TEMA block by one input; return the new value (NaN while warming up)."""
    n = blk[H_COUNT]
    p = blk[TEMA_PERIOD]
    k = blk[TEMA_K]
    b = blk[TEMA_B]
    out = np.nan
    e1 = ema_stage(blk, TEMA_E1, n, p, k, b, x)
    if n >= p - 1.0:
        e2 = ema_stage(blk, TEMA_E2, n - (p - 1.0), p, k, b, e1)
        if n >= 2.0 * (p - 1.0):
            e3 = ema_stage(blk, TEMA_E3, n - 2.0 * (p - 1.0), p, k, b, e2)
            if n >= blk[H_LOOKBACK]:
                out = e3 + ((3.0 * e1) - (3.0 * e2))
    blk[H_COUNT] = n + 1.0
    blk[TEMA_OUT] = out
    return out


@jit(f8(F1, f8))
def tema_update_checked(blk, x):
    if not math.isfinite(x):
        raise ValueError("input is not finite")
    return tema_update(blk, x)


@jit(f8(F1, f8), nrt=True)
def tema_peek(blk, x):
    return tema_update(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def tema_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]`` for every i; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, x.shape[0], out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = tema_update(state[rows[i]], x[i])


@jit(i8(F1, F1, F1))
def tema_batch(blk, x, out):
    """Run a whole series through ``blk``; return the first non-finite index or -1.

    Warm-up goes through :func:`tema_update`; the steady state runs the same
    steps on locals.
    """
    m = x.shape[0]
    lb = blk[H_LOOKBACK]
    i = 0
    while i < m and blk[H_COUNT] <= lb:
        xi = x[i]
        if not math.isfinite(xi):
            return i
        out[i] = tema_update(blk, xi)
        i += 1
    if i == m:
        return -1
    k = blk[TEMA_K]
    b = blk[TEMA_B]
    e1 = blk[TEMA_E1]
    e2 = blk[TEMA_E2]
    e3 = blk[TEMA_E3]
    v = blk[TEMA_OUT]
    start = i
    bad = -1
    for i in range(start, m):
        xi = x[i]
        if not math.isfinite(xi):
            bad = i
            break
        e1 = ema_step(k, b, e1, xi)
        e2 = ema_step(k, b, e2, e1)
        e3 = ema_step(k, b, e3, e2)
        v = e3 + ((3.0 * e1) - (3.0 * e2))
        out[i] = v
    else:
        i = m
    if i > start:
        blk[H_COUNT] += i - start
        blk[TEMA_E1] = e1
        blk[TEMA_E2] = e2
        blk[TEMA_E3] = e3
        blk[TEMA_OUT] = v
    return bad


def tema_lookback(period: int = 30) -> int:
    return 3 * (period - 1)


def make_block(period: int = 30) -> np.ndarray:
    blk = np.zeros(TEMA_WIDTH)
    blk[H_LOOKBACK] = tema_lookback(period)
    blk[TEMA_PERIOD] = period
    blk[TEMA_B] = 1.0 - 2.0 / (period + 1.0)
    blk[TEMA_K] = 1.0 - blk[TEMA_B]
    blk[TEMA_OUT] = np.nan
    return blk


def tema(close, period: int = 30) -> np.ndarray:
    """Triple exponential moving average of ``close``: ``3*e1 - 3*e2 + e3`` of the chained EMAs.

    Parameters
    ----------
    close : array_like
        Input series (any 1-D sequence of finite numbers).
    period : int, default 30
        Period of each EMA, in [2, 100000] (TA-Lib's ``timeperiod``).

    Returns
    -------
    numpy.ndarray
        Same length as ``close``; NaN before index ``3 * (period - 1)``.

    Examples
    --------
    >>> import ringta
    >>> ringta.tema([1.0, 2.0, 3.0, 4.0, 5.0], period=2).tolist()
    [nan, nan, nan, 4.0, 5.0]
    """
    return batch_call(SPEC, "tema", {"period": period}, {"close": close})[0]


class TEMA(StreamingIndicator):
    """Streaming triple exponential moving average (see :func:`ringta.tema`).

    Examples
    --------
    >>> import ringta
    >>> d = ringta.TEMA(period=2)
    >>> [d.update(v) for v in (1.0, 2.0, 3.0, 4.0)]
    [nan, nan, nan, 4.0]
    """

    __slots__ = ()

    def __init__(self, period: int = 30):
        self._setup(SPEC.validate("TEMA", period=period))

    def update(self, close: float) -> float:
        """Consume one input and return the new value (NaN while not ready)."""
        try:
            return tema_update_checked(self._blk, close)
        except (ValueError, TypeError):
            raise ValueError(f"TEMA.update: close={close!r} is not a finite number; state unchanged") from None


SPEC = KernelSpec(
    name="tema",
    title="Triple Exponential Moving Average",
    kind_id=24,
    type="trend",
    inputs=("close",),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=tema_lookback,
    out_offset=TEMA_OUT,
    batch=tema,
    stream=TEMA,
    update_rows=tema_update_rows,
    batch_driver=tema_batch,
    peek_fn=tema_peek,
    key_params=("period",),
)
TEMA.spec = SPEC
