"""AROONOSC: Aroon oscillator.

Definition
    ``aroonosc = 100/period * (bar of the highest high - bar of the lowest
    low)`` over the last ``period + 1`` bars, i.e. ``aroonup - aroondown``,
    in TA-Lib's order of operations (equal highs or lows: the most recent
    counts).
Seed and warm-up
    First value at index ``period`` (TA-Lib's lookback); NaN before. Two
    van Herk / Gil-Werman window extremes in the block, as in AROON:
    amortised O(1) per bar, branch-free, whatever the data.
Inputs
    high, low.
Outputs
    ``value``, on a -100..100 scale.
Reference
    TA-Lib ``AROONOSC`` (equal bit for bit).
"""

from __future__ import annotations

import math

import numpy as np

from ._deque import chunk_len, deque_arg_width, deque_push_arg, first_nonfinite, scratch_width, window_run_arg
from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call

AROONOSC_PERIOD = H_SIZE
AROONOSC_FACTOR = H_SIZE + 1  # 100 / period
AROONOSC_OUT = H_SIZE + 2
AROONOSC_HIGHS = H_SIZE + 3  # window maximum of the highs over period + 1 bars; the lows' minimum follows it

PARAMS = (Param("period", int, 14, 2, MAX_PERIOD, doc="window length (the window holds period + 1 bars)"),)


@jit(f8(F1, f8, f8), inline=True)
def _aroonosc_step(blk, high, low):
    """The body of :func:`aroonosc_update`, inlined into its compiled callers (no call per row)."""
    n = blk[H_COUNT]
    cap = int(blk[AROONOSC_PERIOD]) + 1
    lows = AROONOSC_HIGHS + 3 + 2 * cap  # AROONOSC_HIGHS + deque_arg_width(cap)
    hi = deque_push_arg(blk, AROONOSC_HIGHS, cap, n, high, True)
    lo = deque_push_arg(blk, lows, cap, n, low, False)
    out = np.nan
    if n + 1.0 > blk[H_LOOKBACK]:
        out = blk[AROONOSC_FACTOR] * (hi - lo)
    blk[H_COUNT] = n + 1.0
    blk[AROONOSC_OUT] = out
    return out


@jit(f8(F1, f8, f8))
def aroonosc_update(blk, high, low):
    """Advance one AROONOSC block by one bar; return the new value (NaN while warming up)."""
    return _aroonosc_step(blk, high, low)


@jit(f8(F1, f8, f8))
def aroonosc_update_checked(blk, high, low):
    if not (math.isfinite(high) and math.isfinite(low)):
        raise ValueError("input is not finite")
    return _aroonosc_step(blk, high, low)


@jit(f8(F1, f8, f8), nrt=True)
def aroonosc_peek(blk, high, low):
    return _aroonosc_step(blk.copy(), high, low)


@jit(void(F2, I1, F1, F1, F2))
def aroonosc_update_rows(state, rows, high, low, out):
    """Advance ``state[rows[i]]`` by ``(high[i], low[i])``; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, min(high.shape[0], low.shape[0]), out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = _aroonosc_step(state[rows[i]], high[i], low[i])


@jit(i8(F1, F1, F1, F1), nrt=True)  # allocates its scratch buffers
def aroonosc_batch(blk, high, low, out):
    """Run whole series through ``blk``; return the first non-finite index or -1.

    Chunk by chunk, :func:`~ringta.kernels._deque.window_run_arg` pushes the
    highs and the lows exactly as :func:`aroonosc_update` does (same final
    block) and stages the bar numbers of the extremes in buffers.
    """
    cap = int(blk[AROONOSC_PERIOD]) + 1
    lows = AROONOSC_HIGHS + 3 + 2 * cap  # AROONOSC_HIGHS + deque_arg_width(cap)
    lb = blk[H_LOOKBACK]
    f = blk[AROONOSC_FACTOR]
    n = blk[H_COUNT]
    v = blk[AROONOSC_OUT]
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
        window_run_arg(blk, AROONOSC_HIGHS, cap, n + i, high, i, stop, True, hi, 0, tmp)
        window_run_arg(blk, lows, cap, n + i, low, i, stop, False, lo, 0, tmp)
        for k in range(i, min(stop, warm)):
            out[k] = np.nan
        s = min(max(warm, i), stop)
        hb = hi[s - i : stop - i]  # zero-based slices: no wraparound code
        lb_ = lo[s - i : stop - i]
        ob = out[s:stop]
        for k in range(stop - s):
            ob[k] = f * (hb[k] - lb_[k])
        i = stop
    if end > 0:
        v = out[end - 1]
    blk[H_COUNT] = n + end
    blk[AROONOSC_OUT] = v
    return end if end < m else -1


def aroonosc_lookback(period: int = 14) -> int:
    return period


def make_block(period: int = 14) -> np.ndarray:
    blk = np.zeros(AROONOSC_HIGHS + 2 * deque_arg_width(period + 1))
    blk[H_LOOKBACK] = aroonosc_lookback(period)
    blk[AROONOSC_PERIOD] = period
    blk[AROONOSC_FACTOR] = 100.0 / period
    blk[AROONOSC_OUT] = np.nan
    return blk


def aroonosc(high, low, period: int = 14) -> np.ndarray:
    """Aroon oscillator: Aroon up minus Aroon down, -100..100.

    Parameters
    ----------
    high, low : array_like
        Input series of equal length (finite numbers).
    period : int, default 14
        Window length in [2, 100000] (TA-Lib's ``timeperiod``); the window
        holds ``period + 1`` bars.

    Returns
    -------
    numpy.ndarray
        Same length as the inputs; NaN before index ``period``.

    Examples
    --------
    >>> import ringta
    >>> ringta.aroonosc([3.0, 5.0, 4.0, 4.5], [1.0, 2.0, 0.5, 1.5], period=2).tolist()
    [nan, nan, -50.0, -50.0]
    """
    return batch_call(SPEC, "aroonosc", {"period": period}, {"high": high, "low": low})[0]


class AROONOSC(StreamingIndicator):
    """Streaming Aroon oscillator (see :func:`ringta.aroonosc`).

    Examples
    --------
    >>> import ringta
    >>> a = ringta.AROONOSC(period=2)
    >>> [a.update(h, l) for h, l in ((3.0, 1.0), (5.0, 2.0), (4.0, 0.5))]
    [nan, nan, -50.0]
    """

    __slots__ = ()

    def __init__(self, period: int = 14):
        self._setup(SPEC.validate("AROONOSC", period=period))

    def update(self, high: float, low: float) -> float:
        """Consume one bar's high and low; return the new value (NaN while not ready)."""
        try:
            return aroonosc_update_checked(self._blk, high, low)
        except (ValueError, TypeError):
            raise ValueError(f"AROONOSC.update: high={high!r}, low={low!r} must be finite; state unchanged") from None


SPEC = KernelSpec(
    name="aroonosc",
    title="Aroon Oscillator",
    kind_id=22,
    type="trend",
    inputs=("high", "low"),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=aroonosc_lookback,
    out_offset=AROONOSC_OUT,
    batch=aroonosc,
    stream=AROONOSC,
    update_rows=aroonosc_update_rows,
    batch_driver=aroonosc_batch,
    peek_fn=aroonosc_peek,
    key_params=("period",),
)
AROONOSC.spec = SPEC
