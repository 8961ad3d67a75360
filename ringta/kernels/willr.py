"""WILLR: Williams' %R.

Definition
    ``willr = (highest - close) / ((highest - lowest) / -100)``, with
    ``highest``/``lowest`` the highest high and lowest low of the last
    ``period`` bars, in TA-Lib's order of operations; 0 when
    ``highest == lowest`` (a flat window), as in TA-Lib.
Seed and warm-up
    First value at index ``period - 1`` (TA-Lib's lookback); NaN before.
    Two van Herk / Gil-Werman window extremes in the block (see
    :mod:`ringta.kernels._deque`) give the window's highest high and lowest
    low in amortised O(1) per bar, branch-free, whatever the data.
Inputs
    high, low, close.
Outputs
    ``value``, on a -100..0 scale.
Reference
    TA-Lib ``WILLR``.
"""

from __future__ import annotations

import math

import numpy as np

from ._deque import chunk_len, deque_push, deque_width, first_nonfinite, scratch_width, window_run2
from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call

WILLR_PERIOD = H_SIZE
WILLR_OUT = H_SIZE + 1
WILLR_HIGHS = H_SIZE + 2  # window maximum of the highs (see _deque); the lows' minimum follows it

PARAMS = (Param("period", int, 14, 2, MAX_PERIOD, doc="window length"),)


@jit(f8(f8, f8, f8), inline=True)
def _willr_value(highest, lowest, close):
    diff = (highest - lowest) / -100.0
    v = (highest - close) / diff  # inf or NaN for a flat window (no exception: error_model="numpy")
    return 0.0 if diff == 0.0 else v  # a select, not a branch: the batch loop vectorises


@jit(f8(F1, f8, f8, f8), inline=True)
def _willr_step(blk, high, low, close):
    """The body of :func:`willr_update`, inlined into its compiled callers (no call per row)."""
    n = blk[H_COUNT]
    cap = int(blk[WILLR_PERIOD])
    hh = deque_push(blk, WILLR_HIGHS, cap, n, high, True)
    ll = deque_push(blk, WILLR_HIGHS + 2 + 2 * cap, cap, n, low, False)
    n += 1.0
    out = _willr_value(hh, ll, close) if n > blk[H_LOOKBACK] else np.nan
    blk[H_COUNT] = n
    blk[WILLR_OUT] = out
    return out


@jit(f8(F1, f8, f8, f8))
def willr_update(blk, high, low, close):
    """Advance one WILLR block by one bar; return the new value (NaN while warming up)."""
    return _willr_step(blk, high, low, close)


@jit(f8(F1, f8, f8, f8))
def willr_update_checked(blk, high, low, close):
    if not (math.isfinite(high) and math.isfinite(low) and math.isfinite(close)):
        raise ValueError("input is not finite")
    return _willr_step(blk, high, low, close)


@jit(f8(F1, f8, f8, f8), nrt=True)
def willr_peek(blk, high, low, close):
    return _willr_step(blk.copy(), high, low, close)


@jit(void(F2, I1, F1, F1, F1, F2))
def willr_update_rows(state, rows, high, low, close, out):
    """Advance ``state[rows[i]]`` by ``(high[i], low[i], close[i])``; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, min(high.shape[0], low.shape[0], close.shape[0]), out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = _willr_step(state[rows[i]], high[i], low[i], close[i])


@jit(i8(F1, F1, F1, F1, F1), nrt=True)  # allocates its scratch buffers
def willr_batch(blk, high, low, close, out):
    """Run whole series through ``blk``; return the first non-finite index or -1.

    Chunk by chunk, :func:`~ringta.kernels._deque.window_run2` pushes the
    highs and the lows exactly as :func:`willr_update` does (same final
    block) and stages the extremes in buffers; the values follow from them.
    """
    cap = int(blk[WILLR_PERIOD])
    lows = WILLR_HIGHS + 2 + 2 * cap
    lb = blk[H_LOOKBACK]
    n = blk[H_COUNT]
    v = blk[WILLR_OUT]
    m = close.shape[0]
    end = m
    bad = -1
    step = chunk_len(cap)
    hh = np.empty(min(step, m))
    ll = np.empty(min(step, m))
    tmp = np.empty(scratch_width(cap))
    q = int(n)
    warm = min(m, max(0, int(lb) - q))  # bars before the first valid value
    i = 0
    while i < end:
        stop = min(end, i + step - (q + i) % cap)  # chunks end on block boundaries
        for a in (high, low, close):  # checked chunk by chunk, while in cache
            b = first_nonfinite(a, i, stop)
            if b >= 0:
                stop = end = bad = b
        if stop == i:
            break
        window_run2(blk, WILLR_HIGHS, lows, cap, n + i, high, low, i, stop, hh, ll, 0, tmp)
        # Zero-based slices: indexes the compiler knows are not negative (no wraparound code).
        s = min(max(warm, i), stop)
        for k in range(i, s):
            out[k] = np.nan
        hb = hh[s - i : stop - i]
        lb_ = ll[s - i : stop - i]
        cb = close[s:stop]
        ob = out[s:stop]
        for k in range(stop - s):
            ob[k] = _willr_value(hb[k], lb_[k], cb[k])
        i = stop
    if end > 0:
        v = out[end - 1]
    blk[H_COUNT] = n + end
    blk[WILLR_OUT] = v
    return bad


def willr_lookback(period: int = 14) -> int:
    return period - 1


def make_block(period: int = 14) -> np.ndarray:
    blk = np.zeros(WILLR_HIGHS + 2 * deque_width(period))
    blk[H_LOOKBACK] = willr_lookback(period)
    blk[WILLR_PERIOD] = period
    blk[WILLR_OUT] = np.nan
    return blk


def willr(high, low, close, period: int = 14) -> np.ndarray:
    """Williams' %R: where the close sits in the window's high-low range, -100 (low) .. 0 (high).

    Parameters
    ----------
    high, low, close : array_like
        Input series of equal length (finite numbers).
    period : int, default 14
        Window length in [2, 100000] (TA-Lib's ``timeperiod``).

    Returns
    -------
    numpy.ndarray
        Same length as the inputs; NaN before index ``period - 1``.

    Examples
    --------
    >>> import ringta
    >>> ringta.willr([11.0, 12.0, 13.0], [9.0, 10.0, 11.0], [10.0, 11.0, 11.5], period=2).tolist()
    [nan, -33.333333333333336, -50.0]
    """
    return batch_call(SPEC, "willr", {"period": period}, {"high": high, "low": low, "close": close})[0]


class WILLR(StreamingIndicator):
    """Streaming Williams' %R (see :func:`ringta.willr`).

    Examples
    --------
    >>> import ringta
    >>> w = ringta.WILLR(period=2)
    >>> [w.update(h, l, c) for h, l, c in ((11.0, 9.0, 10.0), (12.0, 10.0, 11.0), (13.0, 11.0, 11.5))]
    [nan, -33.333333333333336, -50.0]
    """

    __slots__ = ()

    def __init__(self, period: int = 14):
        self._setup(SPEC.validate("WILLR", period=period))

    def update(self, high: float, low: float, close: float) -> float:
        """Consume one bar's high, low and close; return the new value (NaN while not ready)."""
        try:
            return willr_update_checked(self._blk, high, low, close)
        except (ValueError, TypeError):
            raise ValueError(
                f"WILLR.update: high={high!r}, low={low!r}, close={close!r} must be finite; state unchanged"
            ) from None


SPEC = KernelSpec(
    name="willr",
    title="Williams' %R",
    kind_id=13,
    type="momentum",
    inputs=("high", "low", "close"),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=willr_lookback,
    out_offset=WILLR_OUT,
    batch=willr,
    stream=WILLR,
    update_rows=willr_update_rows,
    batch_driver=willr_batch,
    peek_fn=willr_peek,
    key_params=("period",),
)
WILLR.spec = SPEC
