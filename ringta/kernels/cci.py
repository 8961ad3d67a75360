"""CCI: commodity channel index (Lambert).

Definition
    ``tp = (high + low + close) / 3`` (the typical price);
    ``cci = (tp - mean) / (0.015 * meandev)`` with ``mean`` the mean of the
    last ``period`` typical prices and ``meandev`` their mean absolute
    deviation from ``mean``. 0 when the window is flat: when
    ``|tp - mean|`` or ``meandev`` is at most ``1e-14 * |mean|`` (TA-Lib's
    scaled zero test, which absorbs the rounding residue a window of equal
    prices leaves in its mean, at any price level).
Seed and warm-up
    First value at index ``period - 1`` (TA-Lib's lookback); NaN before.
    The last ``period`` typical prices are kept in the block's ring.
Cost
    O(period) per update, as in TA-Lib: the mean absolute deviation about a
    moving mean changes in every term when the mean moves, so it has no
    O(1) sliding update. Each update runs two tight loops over the ring, one
    for the mean and one for the deviation, both in ring-slot order, which
    is TA-Lib's order of operations: the values equal TA-Lib's bit for bit.
    Nothing is carried from one update to the next but the ring, so there
    is no running sum to drift.
Inputs
    high, low, close.
Outputs
    ``value``, at most ``period / 0.03`` in magnitude (466.7 for period 14:
    the newest price alone away from ``period - 1`` equal ones).
Reference
    TA-Lib ``CCI``.
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call

CCI_PERIOD = H_SIZE
CCI_POS = H_SIZE + 1  # ring slot of the next typical price
CCI_OUT = H_SIZE + 2
CCI_RING = H_SIZE + 3  # the last ``period`` typical prices; bar ``i`` goes to slot ``i % period``

# TA-Lib's TA_EPSILON: a deviation at most this fraction of the mean counts as 0.
CCI_FLAT = 1e-14

PARAMS = (Param("period", int, 14, 2, MAX_PERIOD, doc="window length"),)


@jit(f8(f8, f8, f8))
def _typical_price(high, low, close):
    """TA-Lib's ``(high + low + close) / 3``, added left to right."""
    return (high + low + close) / 3.0


@jit(f8(f8, f8, f8))
def _cci_finish(tp, mean, meandev):
    """``(tp - mean) / (0.015 * meandev)``, or 0 for a flat window (TA-Lib's scaled zero test)."""
    diff = tp - mean
    flat = CCI_FLAT * abs(mean)
    if abs(diff) <= flat or abs(meandev) <= flat:
        return 0.0
    return diff / (0.015 * meandev)


@jit(f8(F1, i8, i8, f8))
def _cci_value(a, ring, period, tp):
    """CCI of the window ``a[ring : ring + period]`` whose newest typical price is ``tp``.

    Two passes in slot order (TA-Lib's): the mean, then the mean absolute
    deviation about it. O(period).
    """
    total = 0.0
    for j in range(ring, ring + period):
        total += a[j]
    mean = total / period
    dev = 0.0
    for j in range(ring, ring + period):
        dev += abs(a[j] - mean)
    return _cci_finish(tp, mean, dev / period)


@jit(f8(F1, f8, f8, f8))
def cci_update(blk, high, low, close):
    """Advance one CCI block by one bar; return the new value (NaN while warming up)."""
    p = int(blk[CCI_PERIOD])
    pos = int(blk[CCI_POS])
    tp = _typical_price(high, low, close)
    blk[CCI_RING + pos] = tp
    pos += 1
    if pos == p:
        pos = 0
    n = blk[H_COUNT] + 1.0
    out = _cci_value(blk, CCI_RING, p, tp) if n > blk[H_LOOKBACK] else np.nan
    blk[CCI_POS] = pos
    blk[H_COUNT] = n
    blk[CCI_OUT] = out
    return out


@jit(f8(F1, f8, f8, f8))
def cci_update_checked(blk, high, low, close):
    if not (math.isfinite(high) and math.isfinite(low) and math.isfinite(close)):
        raise ValueError("input is not finite")
    return cci_update(blk, high, low, close)


@jit(f8(F1, f8, f8, f8), nrt=True)
def cci_peek(blk, high, low, close):
    return cci_update(blk.copy(), high, low, close)


@jit(void(F2, I1, F1, F1, F1, F2))
def cci_update_rows(state, rows, high, low, close, out):
    """Advance ``state[rows[i]]`` by ``(high[i], low[i], close[i])``; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, min(high.shape[0], low.shape[0], close.shape[0]), out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = cci_update(state[rows[i]], high[i], low[i], close[i])


@jit(void(F1, i8, i8, i8, f8, f8, F1, i8))
def _cci_pair(blk, ring, period, slot, tp_a, tp_b, out, i):
    """Values of two consecutive bars, ``out[i]`` and ``out[i + 1]``, in one pass over the ring.

    The ring already holds bar ``i`` (``tp_a``); bar ``i + 1`` (``tp_b``)
    goes to ``slot``. The two windows differ only in that slot. Each of the
    four sums is accumulated in slot order exactly as :func:`_cci_value`
    does, so the values are the same bits; running two independent sums in
    one loop roughly halves the time of these latency-bound loops.
    """
    s_a = 0.0
    s_b = 0.0
    for j in range(ring, ring + slot):
        x = blk[j]
        s_a += x
        s_b += x
    s_a += blk[ring + slot]
    s_b += tp_b
    for j in range(ring + slot + 1, ring + period):
        x = blk[j]
        s_a += x
        s_b += x
    mean_a = s_a / period
    mean_b = s_b / period
    d_a = 0.0
    d_b = 0.0
    for j in range(ring, ring + slot):
        x = blk[j]
        d_a += abs(x - mean_a)
        d_b += abs(x - mean_b)
    d_a += abs(blk[ring + slot] - mean_a)
    d_b += abs(tp_b - mean_b)
    for j in range(ring + slot + 1, ring + period):
        x = blk[j]
        d_a += abs(x - mean_a)
        d_b += abs(x - mean_b)
    blk[ring + slot] = tp_b
    out[i] = _cci_finish(tp_a, mean_a, d_a / period)
    out[i + 1] = _cci_finish(tp_b, mean_b, d_b / period)


@jit(i8(F1, F1, F1, F1, F1))
def cci_batch(blk, high, low, close, out):
    """Run whole series through ``blk``; return the first non-finite index or -1.

    Counters live in locals and the ring stays in the block. Once the window
    is full, bars are taken two at a time (:func:`_cci_pair`); every value
    is accumulated in the same order as in streaming, so the bits agree.
    """
    p = int(blk[CCI_PERIOD])
    lb = blk[H_LOOKBACK]
    n = blk[H_COUNT]
    pos = int(blk[CCI_POS])
    v = blk[CCI_OUT]
    m = close.shape[0]
    bad = -1
    i = 0
    while i < m:
        h = high[i]
        lo = low[i]
        c = close[i]
        if not (math.isfinite(h) and math.isfinite(lo) and math.isfinite(c)):
            bad = i
            break
        tp = _typical_price(h, lo, c)
        blk[CCI_RING + pos] = tp
        pos += 1
        if pos == p:
            pos = 0
        n += 1.0
        if n > lb and i + 1 < m:
            h = high[i + 1]
            lo = low[i + 1]
            c = close[i + 1]
            if math.isfinite(h) and math.isfinite(lo) and math.isfinite(c):
                _cci_pair(blk, CCI_RING, p, pos, tp, _typical_price(h, lo, c), out, i)
                pos += 1
                if pos == p:
                    pos = 0
                n += 1.0
                i += 2
                continue
        v = _cci_value(blk, CCI_RING, p, tp) if n > lb else np.nan
        out[i] = v
        i += 1
    if i > 0:
        v = out[i - 1]
    blk[H_COUNT] = n
    blk[CCI_POS] = pos
    blk[CCI_OUT] = v
    return bad


def cci_lookback(period: int = 14) -> int:
    return period - 1


def make_block(period: int = 14) -> np.ndarray:
    blk = np.zeros(CCI_RING + period)
    blk[H_LOOKBACK] = cci_lookback(period)
    blk[CCI_PERIOD] = period
    blk[CCI_OUT] = np.nan
    return blk


def cci(high, low, close, period: int = 14) -> np.ndarray:
    """Commodity channel index: the typical price's distance from its mean, in units of 0.015 mean deviations.

    Parameters
    ----------
    high, low, close : array_like
        Input series of equal length (finite numbers).
    period : int, default 14
        Window length in [2, 100000] (TA-Lib's ``timeperiod``). Each value
        costs O(period), as in TA-Lib.

    Returns
    -------
    numpy.ndarray
        Same length as the inputs; NaN before index ``period - 1``.

    Examples
    --------
    >>> import ringta
    >>> ringta.cci([3.0, 4.0, 6.0], [1.0, 2.0, 4.0], [2.0, 3.0, 5.0], period=2).tolist()
    [nan, 66.66666666666667, 66.66666666666667]
    """
    return batch_call(SPEC, "cci", {"period": period}, {"high": high, "low": low, "close": close})[0]


class CCI(StreamingIndicator):
    """Streaming commodity channel index (see :func:`ringta.cci`); O(period) per update.

    Examples
    --------
    >>> import ringta
    >>> c = ringta.CCI(period=2)
    >>> [c.update(h, l, cl) for h, l, cl in ((3.0, 1.0, 2.0), (4.0, 2.0, 3.0), (6.0, 4.0, 5.0))]
    [nan, 66.66666666666667, 66.66666666666667]
    """

    __slots__ = ()

    def __init__(self, period: int = 14):
        self._setup(SPEC.validate("CCI", period=period))

    def update(self, high: float, low: float, close: float) -> float:
        """Consume one bar's high, low and close; return the new value (NaN while not ready)."""
        try:
            return cci_update_checked(self._blk, high, low, close)
        except (ValueError, TypeError):
            raise ValueError(
                f"CCI.update: high={high!r}, low={low!r}, close={close!r} must be finite; state unchanged"
            ) from None


SPEC = KernelSpec(
    name="cci",
    title="Commodity Channel Index",
    kind_id=35,
    type="momentum",
    inputs=("high", "low", "close"),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=cci_lookback,
    out_offset=CCI_OUT,
    batch=cci,
    stream=CCI,
    update_rows=cci_update_rows,
    batch_driver=cci_batch,
    peek_fn=cci_peek,
    key_params=("period",),
)
CCI.spec = SPEC
