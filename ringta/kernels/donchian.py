"""DONCHIAN: Donchian Channels.

Definition
    ``upper`` = highest high of the last ``period`` bars, ``lower`` = lowest
    low of the same bars, ``middle = (upper + lower) / 2.0`` (TA-Lib
    MIDPRICE's expression, so every output equals TA-Lib's bit for bit).
    The current bar is part of the window.
Seed and warm-up
    All three outputs start at index ``period - 1`` (TA-Lib's MAX/MIN/MIDPRICE
    lookback); NaN before. Tools that report an expanding window before that
    (Lean's reference file, pandas ``min_periods=1``) differ only there.
    Two van Herk / Gil-Werman window extremes in the block (see
    :mod:`ringta.kernels._deque`) give the window's highest high and lowest
    low in amortised O(1) per bar, branch-free, whatever the period and the
    data; the values are inputs, so they are exact.
Inputs
    high, low.
Outputs
    ``upper``, ``middle``, ``lower``, in price units.
Reference
    TA-Lib ``MAX(high, period)``, ``MIDPRICE(high, low, period)``,
    ``MIN(low, period)`` (equal bit for bit).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._deque import chunk_len, deque_push, deque_width, first_nonfinite, scratch_width, window_run2
from ._jit import F1, F2, I1, T3, f8, i8, entry, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call

DONCHIAN_PERIOD = H_SIZE
DONCHIAN_OUT = H_SIZE + 1  # upper, middle, lower
DONCHIAN_HIGHS = H_SIZE + 4  # window maximum of the highs (see _deque); the lows' minimum follows it

PARAMS = (Param("period", int, 20, 2, MAX_PERIOD, doc="window length"),)


class DonchianResult(NamedTuple):
    """Upper, middle and lower Donchian line (floats, or arrays from :func:`donchian`).

    Examples
    --------
    >>> DonchianResult(12.0, 10.0, 8.0).lower
    8.0
    """

    upper: float
    middle: float
    lower: float


@jit(T3(F1, f8, f8), inline=True)
def _donchian_step(blk, high, low):
    """The body of :func:`donchian_update`, inlined into its compiled callers (no call per row)."""
    n = blk[H_COUNT]
    cap = int(blk[DONCHIAN_PERIOD])
    hh = deque_push(blk, DONCHIAN_HIGHS, cap, n, high, True)
    ll = deque_push(blk, DONCHIAN_HIGHS + 2 + 2 * cap, cap, n, low, False)
    n += 1.0
    blk[H_COUNT] = n
    if n > blk[H_LOOKBACK]:
        blk[DONCHIAN_OUT] = hh
        blk[DONCHIAN_OUT + 1] = (hh + ll) / 2.0
        blk[DONCHIAN_OUT + 2] = ll
    return blk[DONCHIAN_OUT], blk[DONCHIAN_OUT + 1], blk[DONCHIAN_OUT + 2]


@jit(T3(F1, f8, f8))
def donchian_update(blk, high, low):
    """Advance one Donchian block by one bar; return ``(upper, middle, lower)`` (NaN while warming up)."""
    return _donchian_step(blk, high, low)


@jit(T3(F1, f8, f8))
def donchian_update_checked(blk, high, low):
    if not (math.isfinite(high) and math.isfinite(low)):
        raise ValueError("input is not finite")
    return _donchian_step(blk, high, low)


_donchian_update_fast = entry(donchian_update_checked)


@jit(T3(F1, f8, f8), nrt=True)
def donchian_peek(blk, high, low):
    return _donchian_step(blk.copy(), high, low)


@jit(void(F2, I1, F1, F1, F2))
def donchian_update_rows(state, rows, high, low, out):
    """Advance ``state[rows[i]]`` by ``(high[i], low[i])``; write upper, middle, lower to ``out[i, 0:3]``."""
    check_rows(state.shape[0], rows, min(high.shape[0], low.shape[0]), out.shape[0])
    for i in range(rows.shape[0]):
        u, m, lo = _donchian_step(state[rows[i]], high[i], low[i])
        out[i, 0] = u
        out[i, 1] = m
        out[i, 2] = lo


@jit(i8(F1, F1, F1, F1, F1, F1), nrt=True)  # allocates its scratch buffers
def donchian_batch(blk, high, low, out_upper, out_middle, out_lower):
    """Run whole series through ``blk``; return the first non-finite index or -1.

    :func:`~ringta.kernels._deque.window_run2` pushes the highs and the lows
    exactly as :func:`donchian_update` does (same final block), writing the
    extremes straight into ``out_upper`` and ``out_lower``.
    """
    cap = int(blk[DONCHIAN_PERIOD])
    lows = DONCHIAN_HIGHS + 2 + 2 * cap
    n = blk[H_COUNT]
    m = high.shape[0]
    end = m
    bad = -1
    q = int(n)
    step = chunk_len(cap)
    tmp = np.empty(scratch_width(cap))
    i = 0
    while i < end:
        stop = min(end, i + step - (q + i) % cap)  # chunks end on block boundaries
        for a in (high, low):  # checked chunk by chunk, while in cache
            b = first_nonfinite(a, i, stop)
            if b >= 0:
                stop = end = bad = b
        if stop == i:
            break
        window_run2(blk, DONCHIAN_HIGHS, lows, cap, n + i, high, low, i, stop, out_upper, out_lower, i, tmp)
        ub = out_upper[i:stop]  # zero-based slices: no wraparound code, the loop vectorises
        lb = out_lower[i:stop]
        mb = out_middle[i:stop]
        for k in range(stop - i):
            mb[k] = (ub[k] + lb[k]) / 2.0
        i = stop
    # Before the first valid value the outputs are the block's (NaN), as in streaming.
    warm = min(end, max(0, int(blk[H_LOOKBACK]) - q))
    for k in range(warm):
        out_upper[k] = blk[DONCHIAN_OUT]
        out_middle[k] = blk[DONCHIAN_OUT + 1]
        out_lower[k] = blk[DONCHIAN_OUT + 2]
    if warm < end:
        blk[DONCHIAN_OUT] = out_upper[end - 1]
        blk[DONCHIAN_OUT + 1] = out_middle[end - 1]
        blk[DONCHIAN_OUT + 2] = out_lower[end - 1]
    blk[H_COUNT] = n + end
    return bad


def donchian_lookback(period: int = 20) -> int:
    return period - 1


def make_block(period: int = 20) -> np.ndarray:
    blk = np.zeros(DONCHIAN_HIGHS + 2 * deque_width(period))
    blk[H_LOOKBACK] = donchian_lookback(period)
    blk[DONCHIAN_PERIOD] = period
    blk[DONCHIAN_OUT : DONCHIAN_OUT + 3] = np.nan
    return blk


def donchian(high, low, period: int = 20) -> DonchianResult:
    """Donchian Channels: highest high, mid-range and lowest low of the last ``period`` bars.

    Parameters
    ----------
    high, low : array_like
        Input series of equal length (finite numbers).
    period : int, default 20
        Window length in [2, 100000] (TA-Lib's ``timeperiod`` of MAX, MIN, MIDPRICE).

    Returns
    -------
    DonchianResult
        Named tuple ``(upper, middle, lower)`` of arrays as long as the
        inputs; NaN before index ``period - 1``.

    Examples
    --------
    >>> import ringta
    >>> r = ringta.donchian([11.0, 12.0, 11.5], [9.0, 10.0, 10.5], period=2)
    >>> r.upper.tolist(), r.middle.tolist(), r.lower.tolist()
    ([nan, 12.0, 12.0], [nan, 10.5, 11.0], [nan, 9.0, 10.0])
    """
    return DonchianResult(*batch_call(SPEC, "donchian", {"period": period}, {"high": high, "low": low}))


_new = tuple.__new__


class DonchianChannels(StreamingIndicator):
    """Streaming Donchian Channels (see :func:`ringta.donchian`); ``update`` returns a :class:`DonchianResult`.

    Examples
    --------
    >>> import ringta
    >>> d = ringta.DonchianChannels(period=2)
    >>> [d.update(h, l) for h, l in ((11.0, 9.0), (12.0, 10.0), (11.5, 10.5))][-1]
    DonchianResult(upper=12.0, middle=11.0, lower=10.0)
    """

    __slots__ = ()

    def __init__(self, period: int = 20):
        self._setup(SPEC.validate("DonchianChannels", period=period))

    def update(self, high: float, low: float) -> DonchianResult:
        """Consume one bar's high and low; return ``(upper, middle, lower)`` (NaN while not ready)."""
        try:
            if type(high) is float and type(low) is float:
                return _new(DonchianResult, _donchian_update_fast(self._blk, high, low))
            return _new(DonchianResult, donchian_update_checked(self._blk, high, low))
        except (ValueError, TypeError):
            raise ValueError(
                f"DonchianChannels.update: high={high!r}, low={low!r} must be finite; state unchanged"
            ) from None


SPEC = KernelSpec(
    name="donchian",
    title="Donchian Channels",
    kind_id=32,
    type="volatility",
    inputs=("high", "low"),
    outputs=("upper", "middle", "lower"),
    params=PARAMS,
    make_block=make_block,
    lookback=donchian_lookback,
    out_offset=DONCHIAN_OUT,
    batch=donchian,
    stream=DonchianChannels,
    update_rows=donchian_update_rows,
    batch_driver=donchian_batch,
    peek_fn=donchian_peek,
    result=DonchianResult,
    key_params=("period",),
)
DonchianChannels.spec = SPEC
