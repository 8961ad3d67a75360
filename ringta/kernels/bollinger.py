"""Bollinger Bands.

Definition
    ``middle = sma(close, period)``; ``sd`` is the population standard
    deviation (ddof=0) of the same window; ``upper = middle + num_std * sd``,
    ``lower = middle - num_std * sd``.
Seed and warm-up
    First value at index ``period - 1`` (TA-Lib's lookback).
    The window sum and sum of squared deviations are updated in O(1) with a
    sliding Welford step and re-anchored by an exact two-pass recomputation
    from the ring every ``period`` inputs, so the deviation cannot drift over
    millions of updates. A window of identical inputs gives exactly 0.
    ``middle`` is bit-for-bit :func:`ringta.sma` of the same series.
Inputs
    one series (close by default).
Outputs
    ``upper``, ``middle``, ``lower``, in price units.
Reference
    TA-Lib ``BBANDS(period, num_std, num_std, SMA)``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._jit import F1, F2, I1, T3, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, seq_sqdev, seq_sum
from ._spec import KernelSpec, Param, StreamingIndicator, run_batch
from .sma import _sma_step

BB_PERIOD = H_SIZE
BB_NSTD = H_SIZE + 1
BB_SUM = H_SIZE + 2
BB_M2 = H_SIZE + 3
BB_POS = H_SIZE + 4
BB_RUN = H_SIZE + 5  # how many consecutive inputs equalled their predecessor
BB_PREV = H_SIZE + 6
BB_OUT = H_SIZE + 7  # upper, middle, lower
BB_RING = H_SIZE + 10

PARAMS = (
    Param("period", int, 20, 1, MAX_PERIOD, doc="window length"),
    Param("num_std", float, 2.0, 0.0, 1000.0, doc="band width in standard deviations"),
)


class BBandsResult(NamedTuple):
    upper: float
    middle: float
    lower: float


@jit(f8(f8, f8, f8, f8, f8, f8))
def _m2_step(m2, total_old, total_new, x_new, x_old, p):
    """Sliding Welford update of the sum of squared deviations."""
    return m2 + (x_new - x_old) * ((x_new - total_new / p) + (x_old - total_old / p))


@jit(T3(f8, f8, f8, f8, f8))
def _bands(total, m2, run, p, nstd):
    mid = total / p
    if run >= p - 1.0 or not (m2 > 0.0):
        sd = 0.0
    else:
        sd = math.sqrt(m2 / p)
    t = nstd * sd
    return mid + t, mid, mid - t


@jit(T3(F1, f8))
def bbands_update(blk, x):
    """Advance one block by one input; return ``(upper, middle, lower)`` (NaN while warming up)."""
    p = blk[BB_PERIOD]
    pos = int(blk[BB_POS])
    n = blk[H_COUNT]
    slot = BB_RING + pos
    old = blk[slot]
    blk[slot] = x
    run = blk[BB_RUN] + 1.0 if (n > 0.0 and x == blk[BB_PREV]) else 0.0
    if pos == p - 1.0:
        total = seq_sum(blk, BB_RING, pos + 1)
        m2 = seq_sqdev(blk, BB_RING, pos + 1, total / p)
        pos = 0
    else:
        total_old = blk[BB_SUM]
        total = _sma_step(total_old, x, old)
        m2 = _m2_step(blk[BB_M2], total_old, total, x, old, p)
        pos += 1
    n += 1.0
    blk[H_COUNT] = n
    blk[BB_SUM] = total
    blk[BB_M2] = m2
    blk[BB_POS] = pos
    blk[BB_RUN] = run
    blk[BB_PREV] = x
    if n > blk[H_LOOKBACK]:
        up, mid, lo = _bands(total, m2, run, p, blk[BB_NSTD])
        blk[BB_OUT] = up
        blk[BB_OUT + 1] = mid
        blk[BB_OUT + 2] = lo
    return blk[BB_OUT], blk[BB_OUT + 1], blk[BB_OUT + 2]


@jit(T3(F1, f8))
def bbands_update_checked(blk, x):
    if not math.isfinite(x):
        raise ValueError("input is not finite")
    return bbands_update(blk, x)


@jit(T3(F1, f8))
def bbands_peek(blk, x):
    return bbands_update(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def bbands_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]``; write upper, middle, lower to ``out[i, 0:3]``."""
    for i in range(rows.shape[0]):
        up, mid, lo = bbands_update(state[rows[i]], x[i])
        out[i, 0] = up
        out[i, 1] = mid
        out[i, 2] = lo


@jit(i8(F1, F1, F1, F1, F1))
def bbands_batch(blk, x, out_upper, out_middle, out_lower):
    """Run a whole series through ``blk``; return the first non-finite index or -1.

    The first ``period`` inputs go through :func:`bbands_update` (and the
    ring); after that the outgoing value is read from ``x`` and the ring is
    refilled with the last inputs at the end.
    """
    p = blk[BB_PERIOD]
    ip = int(p)
    m = x.shape[0]
    head = min(m, ip)
    for i in range(head):
        xi = x[i]
        if not math.isfinite(xi):
            return i
        up, mid, lo = bbands_update(blk, xi)
        out_upper[i] = up
        out_middle[i] = mid
        out_lower[i] = lo
    if head == m:
        return -1
    pos0 = int(blk[BB_POS])
    pos = pos0
    n = blk[H_COUNT]
    lb = blk[H_LOOKBACK]
    nstd = blk[BB_NSTD]
    total = blk[BB_SUM]
    m2 = blk[BB_M2]
    run = blk[BB_RUN]
    prev = blk[BB_PREV]
    bad = -1
    done = ip
    for i in range(ip, m):
        xi = x[i]
        if not math.isfinite(xi):
            bad = i
            break
        run = run + 1.0 if xi == prev else 0.0
        prev = xi
        if pos == ip - 1:
            total = seq_sum(x, i - ip + 1, ip)
            m2 = seq_sqdev(x, i - ip + 1, ip, total / p)
            pos = 0
        else:
            old = x[i - ip]
            total_old = total
            total = _sma_step(total_old, xi, old)
            m2 = _m2_step(m2, total_old, total, xi, old, p)
            pos += 1
        n += 1.0
        if n > lb:
            up, mid, lo = _bands(total, m2, run, p, nstd)
        else:
            up = mid = lo = np.nan
        out_upper[i] = up
        out_middle[i] = mid
        out_lower[i] = lo
        done = i + 1
    for i in range(max(ip, done - ip), done):
        blk[BB_RING + (pos0 + i - ip) % ip] = x[i]
    blk[H_COUNT] = n
    blk[BB_SUM] = total
    blk[BB_M2] = m2
    blk[BB_POS] = pos
    blk[BB_RUN] = run
    blk[BB_PREV] = prev
    if n > lb and done > ip:
        blk[BB_OUT] = out_upper[done - 1]
        blk[BB_OUT + 1] = out_middle[done - 1]
        blk[BB_OUT + 2] = out_lower[done - 1]
    return bad


def bbands_lookback(period: int = 20, num_std: float = 2.0) -> int:
    return period - 1


def make_block(period: int = 20, num_std: float = 2.0) -> np.ndarray:
    blk = np.zeros(BB_RING + period)
    blk[H_LOOKBACK] = bbands_lookback(period)
    blk[BB_PERIOD] = period
    blk[BB_NSTD] = num_std
    blk[BB_OUT : BB_OUT + 3] = np.nan
    return blk


def bbands(close, period: int = 20, num_std: float = 2.0) -> BBandsResult:
    """Bollinger Bands of ``close``: SMA middle, population-std bands.

    Parameters
    ----------
    close : array_like
        Input series (any 1-D sequence of finite numbers).
    period : int, default 20
        Window length in [1, 100000].
    num_std : float, default 2.0
        Band half-width in standard deviations, in [0, 1000].

    Returns
    -------
    BBandsResult
        Named tuple ``(upper, middle, lower)`` of arrays as long as ``close``;
        NaN before index ``period - 1``.

    Examples
    --------
    >>> import ringta
    >>> up, mid, lo = ringta.bbands([1.0, 3.0, 1.0, 3.0], period=2, num_std=2.0)
    >>> up.tolist(), mid.tolist(), lo.tolist()
    ([nan, 4.0, 4.0, 4.0], [nan, 2.0, 2.0, 2.0], [nan, 0.0, 0.0, 0.0])
    """
    prm = SPEC.validate("bbands", period=period, num_std=num_std)
    return BBandsResult(*run_batch(SPEC, "bbands", make_block(**prm), {"close": close}))


_new = tuple.__new__


class BollingerBands(StreamingIndicator):
    """Streaming Bollinger Bands (see :func:`ringta.bbands`); ``update`` returns a :class:`BBandsResult`.

    Examples
    --------
    >>> import ringta
    >>> b = ringta.BollingerBands(period=2, num_std=1.0)
    >>> b.update(1.0)
    BBandsResult(upper=nan, middle=nan, lower=nan)
    >>> b.update(3.0)
    BBandsResult(upper=3.0, middle=2.0, lower=1.0)
    """

    __slots__ = ()

    def __init__(self, period: int = 20, num_std: float = 2.0):
        self._setup(SPEC.validate("BollingerBands", period=period, num_std=num_std))

    def update(self, close: float) -> BBandsResult:
        """Consume one input; return ``(upper, middle, lower)`` (NaN while not ready)."""
        try:
            return _new(BBandsResult, bbands_update_checked(self._blk, close))
        except ValueError:
            raise ValueError(f"BollingerBands.update: close={close!r} is not finite; state unchanged") from None


SPEC = KernelSpec(
    name="bbands",
    title="Bollinger Bands",
    kind_id=5,
    type="volatility",
    inputs=("close",),
    outputs=("upper", "middle", "lower"),
    params=PARAMS,
    make_block=make_block,
    lookback=bbands_lookback,
    out_offset=BB_OUT,
    batch=bbands,
    stream=BollingerBands,
    update_rows=bbands_update_rows,
    batch_driver=bbands_batch,
    peek_fn=bbands_peek,
    result=BBandsResult,
    key_params=("period", "num_std"),
)
BollingerBands.spec = SPEC
