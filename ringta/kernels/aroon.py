"""AROON: Aroon down and up.

Definition
    Over the last ``period + 1`` bars: ``aroonup = 100/period * (period -
    bars since the highest high)`` and ``aroondown`` the same for the lowest
    low, in TA-Lib's order of operations. Of equal highs (lows) the most
    recent counts, as in TA-Lib.
Seed and warm-up
    First value at index ``period`` (TA-Lib's lookback); NaN before. Two
    van Herk / Gil-Werman window extremes in the block (see
    :mod:`ringta.kernels._deque`) give the bar numbers of the highest high
    and the lowest low: amortised O(1) per bar, branch-free, whatever the
    data.
Inputs
    high, low.
Outputs
    ``aroondown``, ``aroonup`` (TA-Lib's order), on a 0-100 scale.
Reference
    TA-Lib ``AROON`` (equal bit for bit).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from ._deque import chunk_len, deque_arg_width, deque_push_arg, first_nonfinite, scratch_width, window_run_arg
from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call

T2 = nb.types.UniTuple(nb.float64, 2)

AROON_PERIOD = H_SIZE
AROON_FACTOR = H_SIZE + 1  # 100 / period
AROON_OUT = H_SIZE + 2  # aroondown, aroonup
AROON_HIGHS = H_SIZE + 4  # window maximum of the highs over period + 1 bars; the lows' minimum follows it

PARAMS = (Param("period", int, 14, 2, MAX_PERIOD, doc="window length (the window holds period + 1 bars)"),)


class AroonResult(NamedTuple):
    """Aroon down and up, 0-100 (floats, or arrays from :func:`aroon`).

    Examples
    --------
    >>> AroonResult(20.0, 100.0).aroonup
    100.0
    """

    aroondown: float
    aroonup: float


@jit(T2(F1, f8, f8), inline=True)
def _aroon_step(blk, high, low):
    """The body of :func:`aroon_update`, inlined into its compiled callers (no call per row)."""
    n = blk[H_COUNT]
    cap = int(blk[AROON_PERIOD]) + 1
    lows = AROON_HIGHS + 3 + 2 * cap  # AROON_HIGHS + deque_arg_width(cap)
    hi = deque_push_arg(blk, AROON_HIGHS, cap, n, high, True)
    lo = deque_push_arg(blk, lows, cap, n, low, False)
    if n + 1.0 > blk[H_LOOKBACK]:
        p = blk[AROON_PERIOD]
        f = blk[AROON_FACTOR]
        blk[AROON_OUT] = f * (p - (n - lo))
        blk[AROON_OUT + 1] = f * (p - (n - hi))
    blk[H_COUNT] = n + 1.0
    return blk[AROON_OUT], blk[AROON_OUT + 1]


@jit(T2(F1, f8, f8))
def aroon_update(blk, high, low):
    """Advance one AROON block by one bar; return ``(aroondown, aroonup)`` (NaN while warming up)."""
    return _aroon_step(blk, high, low)


@jit(T2(F1, f8, f8))
def aroon_update_checked(blk, high, low):
    if not (math.isfinite(high) and math.isfinite(low)):
        raise ValueError("input is not finite")
    return _aroon_step(blk, high, low)


@jit(T2(F1, f8, f8), nrt=True)
def aroon_peek(blk, high, low):
    return _aroon_step(blk.copy(), high, low)


@jit(void(F2, I1, F1, F1, F2))
def aroon_update_rows(state, rows, high, low, out):
    """Advance ``state[rows[i]]`` by ``(high[i], low[i])``; write aroondown, aroonup to ``out[i, 0:2]``."""
    check_rows(state.shape[0], rows, min(high.shape[0], low.shape[0]), out.shape[0])
    for i in range(rows.shape[0]):
        d, u = _aroon_step(state[rows[i]], high[i], low[i])
        out[i, 0] = d
        out[i, 1] = u


@jit(i8(F1, F1, F1, F1, F1), nrt=True)  # allocates its scratch buffers
def aroon_batch(blk, high, low, out_down, out_up):
    """Run whole series through ``blk``; return the first non-finite index or -1.

    Chunk by chunk, :func:`~ringta.kernels._deque.window_run_arg` pushes the
    highs and the lows exactly as :func:`aroon_update` does (same final
    block) and stages the bar numbers of the extremes in buffers.
    """
    cap = int(blk[AROON_PERIOD]) + 1
    lows = AROON_HIGHS + 3 + 2 * cap  # AROON_HIGHS + deque_arg_width(cap)
    lb = blk[H_LOOKBACK]
    p = blk[AROON_PERIOD]
    f = blk[AROON_FACTOR]
    n = blk[H_COUNT]
    d = blk[AROON_OUT]
    u = blk[AROON_OUT + 1]
    m = high.shape[0]
    end = m
    for a in (high, low):
        b = first_nonfinite(a, 0, end)
        if b >= 0:
            end = b
    step = chunk_len(cap)
    hi = np.empty(min(step, end))
    lo = np.empty(min(step, end))
    tmp = np.empty(scratch_width(cap))
    q = int(n)
    warm = min(end, max(0, int(lb) - q))  # bars before the first valid value
    i = 0
    while i < end:
        stop = min(end, i + step - (q + i) % cap)  # chunks end on block boundaries
        window_run_arg(blk, AROON_HIGHS, cap, n + i, high, i, stop, True, hi, 0, tmp)
        window_run_arg(blk, lows, cap, n + i, low, i, stop, False, lo, 0, tmp)
        for k in range(i, min(stop, warm)):  # the block's values (NaN) until the first valid one
            out_down[k] = d
            out_up[k] = u
        s = min(max(warm, i), stop)
        hb = hi[s - i : stop - i]  # zero-based slices: no wraparound code
        lb_ = lo[s - i : stop - i]
        db = out_down[s:stop]
        ub = out_up[s:stop]
        n0 = n + float(s)  # input number of bar s
        for k in range(stop - s):
            nn = n0 + float(k)
            db[k] = f * (p - (nn - lb_[k]))
            ub[k] = f * (p - (nn - hb[k]))
        i = stop
    if warm < end:
        d = out_down[end - 1]
        u = out_up[end - 1]
    blk[H_COUNT] = n + end
    blk[AROON_OUT] = d
    blk[AROON_OUT + 1] = u
    return end if end < m else -1


def aroon_lookback(period: int = 14) -> int:
    return period


def make_block(period: int = 14) -> np.ndarray:
    blk = np.zeros(AROON_HIGHS + 2 * deque_arg_width(period + 1))
    blk[H_LOOKBACK] = aroon_lookback(period)
    blk[AROON_PERIOD] = period
    blk[AROON_FACTOR] = 100.0 / period
    blk[AROON_OUT : AROON_OUT + 2] = np.nan
    return blk


def aroon(high, low, period: int = 14) -> AroonResult:
    """Aroon down and up: how recent the window's lowest low and highest high are, 0-100.

    Parameters
    ----------
    high, low : array_like
        Input series of equal length (finite numbers).
    period : int, default 14
        Window length in [2, 100000] (TA-Lib's ``timeperiod``); the window
        holds ``period + 1`` bars.

    Returns
    -------
    AroonResult
        ``(aroondown, aroonup)`` arrays, same length as the inputs; NaN before index ``period``.

    Examples
    --------
    >>> import ringta
    >>> r = ringta.aroon([3.0, 5.0, 4.0, 4.5], [1.0, 2.0, 0.5, 1.5], period=2)
    >>> r.aroondown.tolist(), r.aroonup.tolist()
    ([nan, nan, 100.0, 50.0], [nan, nan, 50.0, 0.0])
    """
    return AroonResult(*batch_call(SPEC, "aroon", {"period": period}, {"high": high, "low": low}))


class AROON(StreamingIndicator):
    """Streaming Aroon (see :func:`ringta.aroon`); ``update`` returns an :class:`AroonResult`.

    Examples
    --------
    >>> import ringta
    >>> a = ringta.AROON(period=2)
    >>> [a.update(h, l) for h, l in ((3.0, 1.0), (5.0, 2.0), (4.0, 0.5))][-1]
    AroonResult(aroondown=100.0, aroonup=50.0)
    """

    __slots__ = ()

    def __init__(self, period: int = 14):
        self._setup(SPEC.validate("AROON", period=period))

    def update(self, high: float, low: float) -> AroonResult:
        """Consume one bar's high and low; return ``(aroondown, aroonup)`` (NaN while not ready)."""
        try:
            return AroonResult(*aroon_update_checked(self._blk, high, low))
        except (ValueError, TypeError):
            raise ValueError(f"AROON.update: high={high!r}, low={low!r} must be finite; state unchanged") from None


SPEC = KernelSpec(
    name="aroon",
    title="Aroon",
    kind_id=21,
    type="trend",
    inputs=("high", "low"),
    outputs=("aroondown", "aroonup"),
    params=PARAMS,
    make_block=make_block,
    lookback=aroon_lookback,
    out_offset=AROON_OUT,
    batch=aroon,
    stream=AROON,
    update_rows=aroon_update_rows,
    batch_driver=aroon_batch,
    peek_fn=aroon_peek,
    result=AroonResult,
    key_params=("period",),
)
AROON.spec = SPEC
