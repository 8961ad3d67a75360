"""TRANGE: true range.

Definition
    ``trange[t] = max(high[t] - low[t], |close[t-1] - high[t]|, |close[t-1] - low[t]|)``,
    that is the bar's range extended to the previous close when the bar
    gaps away from it.
Seed and warm-up
    Needs the previous close, so the first value is at index 1 (TA-Lib's
    lookback); NaN at index 0.
Inputs
    high, low, close.
Outputs
    ``value``, in price units (>= 0 for valid bars).
Reference
    TA-Lib ``TRANGE`` (same comparisons in the same order, so equal bit for bit).
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import F1, F2, I1, b1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, check_rows
from ._spec import KernelSpec, StreamingIndicator, batch_call

TRANGE_PREV = H_SIZE  # previous close
TRANGE_OUT = H_SIZE + 1
TRANGE_WIDTH = H_SIZE + 2

PARAMS = ()

# Bars per chunk of a batch run: a chunk with a non-finite input is cut
# there, so the chunk bounds how far a run goes past it before stopping.
CHUNK = 16384


@jit(f8(f8, f8, f8))
def _trange_step(high, low, prev_close):
    """True range of one bar given the previous close (TA-Lib's order of comparisons)."""
    greatest = high - low
    v = abs(prev_close - high)
    if v > greatest:
        greatest = v
    v = abs(prev_close - low)
    if v > greatest:
        greatest = v
    return greatest


@jit(f8(F1, f8, f8, f8))
def trange_update(blk, high, low, close):
    """Advance one TRANGE block by one bar; return the new value (NaN at the first bar)."""
    out = np.nan
    if blk[H_COUNT] > 0.0:
        out = _trange_step(high, low, blk[TRANGE_PREV])
    blk[TRANGE_PREV] = close
    blk[H_COUNT] += 1.0
    blk[TRANGE_OUT] = out
    return out


@jit(f8(F1, f8, f8, f8))
def trange_update_checked(blk, high, low, close):
    if not (math.isfinite(high) and math.isfinite(low) and math.isfinite(close)):
        raise ValueError("input is not finite")
    return trange_update(blk, high, low, close)


@jit(f8(F1, f8, f8, f8), nrt=True)
def trange_peek(blk, high, low, close):
    return trange_update(blk.copy(), high, low, close)


@jit(void(F2, I1, F1, F1, F1, F2))
def trange_update_rows(state, rows, high, low, close, out):
    """Advance ``state[rows[i]]`` by ``(high[i], low[i], close[i])``; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, min(high.shape[0], low.shape[0], close.shape[0]), out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = trange_update(state[rows[i]], high[i], low[i], close[i])


@jit(b1(F1, F1, F1, f8, F1))
def _true_ranges(high, low, close, prev0, out):
    """``out[k]`` = the true range of bar ``k`` (bar 0 against ``prev0``); False if an input is not finite.

    A true range is finite only if its high and low are (for a finite
    previous close), so the test looks at the range and at the previous
    close (``x - x`` is 0 for a finite x, NaN otherwise), with the last close
    on its own: no value is carried from one bar to the next and there is no
    branch, so the loop vectorises.
    """
    n = high.shape[0]
    if n == 0:
        return True
    t = _trange_step(high[0], low[0], prev0)
    out[0] = t
    ok = math.isfinite(t) and math.isfinite(close[n - 1])
    hs = high[1:]
    ls = low[1:]
    ps = close[: n - 1]
    os = out[1:n]
    for k in range(hs.shape[0]):
        p = ps[k]
        t = _trange_step(hs[k], ls[k], p)
        ok &= ((t - t) + (p - p)) == 0.0
        os[k] = t
    return ok


@jit(i8(F1, F1, F1, F1, F1))
def trange_batch(blk, high, low, close, out):
    """Run whole series through ``blk``; return the first non-finite index or -1.

    Chunk by chunk, :func:`_true_ranges` (the streaming step on every bar,
    vectorised); a chunk with a non-finite input is cut at the first one.
    """
    m = close.shape[0]
    n0 = blk[H_COUNT]
    prev = blk[TRANGE_PREV]
    i = 0
    bad = -1
    while i < m:
        hi = min(i + CHUNK, m)
        if not _true_ranges(high[i:hi], low[i:hi], close[i:hi], prev, out[i:hi]):
            for j in range(i, hi):  # or a true range too large for a float, from finite inputs
                if not (math.isfinite(high[j]) and math.isfinite(low[j]) and math.isfinite(close[j])):
                    bad = j
                    hi = j
                    break
        if n0 + i == 0.0 and hi > 0:  # the very first bar has no previous close
            out[0] = np.nan
        if hi > i:
            prev = close[hi - 1]
        i = hi
        if bad >= 0:
            break
    if i > 0:
        blk[H_COUNT] = n0 + i
        blk[TRANGE_PREV] = prev
        blk[TRANGE_OUT] = out[i - 1]
    return bad


def trange_lookback() -> int:
    return 1


def make_block() -> np.ndarray:
    blk = np.zeros(TRANGE_WIDTH)
    blk[H_LOOKBACK] = trange_lookback()
    blk[TRANGE_OUT] = np.nan
    return blk


def trange(high, low, close) -> np.ndarray:
    """True range of each bar.

    Parameters
    ----------
    high, low, close : array_like
        Input series of equal length (finite numbers).

    Returns
    -------
    numpy.ndarray
        Same length as the inputs; NaN at index 0.

    Examples
    --------
    >>> import ringta
    >>> ringta.trange([11.0, 12.0, 10.5], [9.0, 11.0, 9.5], [10.0, 11.5, 10.0]).tolist()
    [nan, 2.0, 2.0]
    """
    return batch_call(SPEC, "trange", {}, {"high": high, "low": low, "close": close})[0]


class TRANGE(StreamingIndicator):
    """Streaming true range (see :func:`ringta.trange`).

    Examples
    --------
    >>> import ringta
    >>> t = ringta.TRANGE()
    >>> [t.update(h, l, c) for h, l, c in ((11.0, 9.0, 10.0), (12.0, 11.0, 11.5), (10.5, 9.5, 10.0))]
    [nan, 2.0, 2.0]
    """

    __slots__ = ()

    def __init__(self):
        self._setup(SPEC.validate("TRANGE"))

    def update(self, high: float, low: float, close: float) -> float:
        """Consume one bar's high, low and close; return the new value (NaN at the first bar)."""
        try:
            return trange_update_checked(self._blk, high, low, close)
        except (ValueError, TypeError):
            raise ValueError(
                f"TRANGE.update: high={high!r}, low={low!r}, close={close!r} must be finite; state unchanged"
            ) from None


SPEC = KernelSpec(
    name="trange",
    title="True Range",
    kind_id=7,
    type="volatility",
    inputs=("high", "low", "close"),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=trange_lookback,
    out_offset=TRANGE_OUT,
    batch=trange,
    stream=TRANGE,
    update_rows=trange_update_rows,
    batch_driver=trange_batch,
    peek_fn=trange_peek,
)
TRANGE.spec = SPEC
