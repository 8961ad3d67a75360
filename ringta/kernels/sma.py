"""SMA: simple moving average.

Definition
    ``sma[t] = (x[t-period+1] + ... + x[t]) / period``.
Seed and warm-up
    First value at index ``period - 1`` (TA-Lib's lookback); NaN before.
    The window sum is updated in O(1) per input and re-anchored (recomputed
    exactly from the ring) about every 512 inputs, so rounding error cannot
    accumulate over a long session.
Inputs
    one series (close by default).
Outputs
    ``value``, in price units.
Reference
    TA-Lib ``SMA``.
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import F1, F2, I1, b1, f8, i8, entry, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, anchor_cycles, check_rows, refill_ring, seq_sum, put_column
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call

SMA_PERIOD = H_SIZE
SMA_INV = H_SIZE + 1  # 1 / period: a multiplication instead of a division per input
SMA_ACYC = H_SIZE + 2  # ring cycles between exact recomputations of the sum
SMA_SUM = H_SIZE + 3
SMA_POS = H_SIZE + 4  # ring slot of the next input
SMA_CYC = H_SIZE + 5  # ring cycles since the last recomputation
SMA_OUT = H_SIZE + 6
SMA_RING = H_SIZE + 7

PARAMS = (Param("period", int, 30, 1, MAX_PERIOD, doc="window length"),)


@jit(f8(f8, f8, f8))
def _sma_step(total, x_new, x_old):
    return total + (x_new - x_old)


@jit(f8(F1, f8))
def _sma_update_full(blk, x):
    """The whole update, including the exact re-anchoring of the sum."""
    p = blk[SMA_PERIOD]
    pos = int(blk[SMA_POS])
    slot = SMA_RING + pos
    old = blk[slot]  # zero until the ring has been filled once
    blk[slot] = x
    if pos == p - 1.0:
        cyc = blk[SMA_CYC] + 1.0
        if cyc >= blk[SMA_ACYC]:
            total = seq_sum(blk, SMA_RING, pos + 1)
            cyc = 0.0
        else:
            total = _sma_step(blk[SMA_SUM], x, old)
        blk[SMA_CYC] = cyc
        pos = 0
    else:
        total = _sma_step(blk[SMA_SUM], x, old)
        pos += 1
    n = blk[H_COUNT] + 1.0
    blk[H_COUNT] = n
    blk[SMA_SUM] = total
    blk[SMA_POS] = pos
    out = total * blk[SMA_INV] if n > blk[H_LOOKBACK] else np.nan
    blk[SMA_OUT] = out
    return out


@jit(f8(F1, f8))
def _sma_update_plain(blk, x):
    """The update when no re-anchoring is due: straight-line code with no loop or call.

    Kept apart because the CPU runs a leaf function like this several times
    faster than the same arithmetic in a function that also holds the
    re-anchoring loop.
    """
    p = blk[SMA_PERIOD]
    pos = int(blk[SMA_POS])
    slot = SMA_RING + pos
    old = blk[slot]
    blk[slot] = x
    total = _sma_step(blk[SMA_SUM], x, old)
    if pos == p - 1.0:
        blk[SMA_CYC] = blk[SMA_CYC] + 1.0
        pos = 0
    else:
        pos += 1
    n = blk[H_COUNT] + 1.0
    blk[H_COUNT] = n
    blk[SMA_SUM] = total
    blk[SMA_POS] = pos
    out = total * blk[SMA_INV] if n > blk[H_LOOKBACK] else np.nan
    blk[SMA_OUT] = out
    return out


@jit(f8(F1, f8), inline=True)
def sma_update(blk, x):
    """Advance one SMA block by one input; return the new value (NaN while warming up)."""
    if blk[SMA_POS] == blk[SMA_PERIOD] - 1.0 and blk[SMA_CYC] + 1.0 >= blk[SMA_ACYC]:
        return _sma_update_full(blk, x)
    return _sma_update_plain(blk, x)


@jit(f8(F1, f8))
def sma_update_checked(blk, x):
    if not math.isfinite(x):
        raise ValueError("input is not finite")
    return sma_update(blk, x)


_sma_update_fast = entry(sma_update_checked)


@jit(f8(F1, f8), nrt=True)
def sma_peek(blk, x):
    return sma_update(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def sma_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]`` for every i; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, x.shape[0], out.shape[0])
    for i in range(rows.shape[0]):
        blk = state[rows[i]]
        if blk[SMA_POS] == blk[SMA_PERIOD] - 1.0 and blk[SMA_CYC] + 1.0 >= blk[SMA_ACYC]:
            out[i, 0] = _sma_update_full(blk, x[i])
        else:
            out[i, 0] = _sma_update_plain(blk, x[i])


@jit(b1(F2, i8, i8, F1, i8))
def sma_columns_ready(st, a, b, x, i0):
    """Whether columns ``a .. b-1`` of a column table share one ring slot and none re-anchors next.

    A shared slot makes the ring accesses of the step one contiguous row of
    the table, which is what lets it run across columns in SIMD registers.
    """
    pos = st[SMA_POS, a:b]
    p = st[SMA_PERIOD, a:b]
    cyc = st[SMA_CYC, a:b]
    acyc = st[SMA_ACYC, a:b]
    q = pos[0]
    ok = True
    for k in range(b - a):
        ok &= (pos[k] == q) & ((pos[k] != p[k] - 1.0) | (cyc[k] + 1.0 < acyc[k]))
    return ok


@jit(void(F2, i8, i8, F1, F1, i8, F2))
def sma_columns_step(st, a, b, x, v, i0, out):
    """:func:`_sma_update_plain` for columns ``a .. b-1`` fed ``x[i0:]``: one loop across columns."""
    n = st[H_COUNT, a:b]
    lb = st[H_LOOKBACK, a:b]
    p = st[SMA_PERIOD, a:b]
    inv = st[SMA_INV, a:b]
    total = st[SMA_SUM, a:b]
    pos = st[SMA_POS, a:b]
    cyc = st[SMA_CYC, a:b]
    res = st[SMA_OUT, a:b]
    ring = st[SMA_RING + int(pos[0]), a:b]
    xs = x[i0 : i0 + b - a]
    # Loops of a few fields each: see bollinger.bbands_columns_step.
    for k in range(b - a):
        old = ring[k]
        ring[k] = xs[k]
        total[k] = _sma_step(total[k], xs[k], old)
    for k in range(b - a):
        wrap = pos[k] == p[k] - 1.0
        cyc[k] = cyc[k] + 1.0 if wrap else cyc[k]
        pos[k] = 0.0 if wrap else pos[k] + 1.0
    for k in range(b - a):
        c = n[k] + 1.0
        n[k] = c
        res[k] = total[k] * inv[k] if c > lb[k] else np.nan
    put_column(out, i0, res)


@jit(i8(F1, F1, F1))
def sma_batch(blk, x, out):
    """Run a whole series through ``blk``; return the first non-finite index or -1.

    The first ``period`` inputs go through :func:`sma_update` (and the ring);
    after that the outgoing value is read from ``x`` itself and the ring is
    refilled with the last inputs at the end.
    """
    ip = int(blk[SMA_PERIOD])
    m = x.shape[0]
    head = min(m, ip)
    for i in range(head):
        xi = x[i]
        if not math.isfinite(xi):
            return i
        out[i] = sma_update(blk, xi)
    if head == m:
        return -1
    # Phase within the re-anchoring cycle: ring cycles * period + slot.
    cycle_len = int(blk[SMA_ACYC]) * ip
    ph0 = int(blk[SMA_CYC]) * ip + int(blk[SMA_POS])
    ph = ph0
    total = blk[SMA_SUM]
    inv = blk[SMA_INV]
    i = ip
    while i < m:
        # Plain steps up to the next re-anchor, without a branch per input;
        # x - x is 0 for finite x and NaN otherwise, so one test per stretch
        # finds bad inputs.
        end = min(m, i + (cycle_len - 1 - ph))
        acc = 0.0
        for k in range(i, end):
            xk = x[k]
            acc += xk - xk
            total = _sma_step(total, xk, x[k - ip])
            out[k] = total * inv
        if acc != 0.0:
            for k in range(i, end):
                if not math.isfinite(x[k]):
                    return k
        ph += end - i
        i = end
        if i < m:
            if not math.isfinite(x[i]):
                return i
            total = seq_sum(x, i - ip + 1, ip)
            out[i] = total * inv
            ph = 0
            i += 1
    refill_ring(blk, SMA_RING, ip, ph0, x, ip, m)
    blk[H_COUNT] += m - ip
    blk[SMA_SUM] = total
    blk[SMA_POS] = ph % ip
    blk[SMA_CYC] = ph // ip
    blk[SMA_OUT] = out[m - 1]
    return -1


def sma_lookback(period: int = 30) -> int:
    return period - 1


def make_block(period: int = 30) -> np.ndarray:
    blk = np.zeros(SMA_RING + period)
    blk[H_LOOKBACK] = sma_lookback(period)
    blk[SMA_PERIOD] = period
    blk[SMA_INV] = 1.0 / period
    blk[SMA_ACYC] = anchor_cycles(period)
    blk[SMA_CYC] = blk[SMA_ACYC] - 1.0  # so that the first full window is summed exactly
    blk[SMA_OUT] = np.nan
    return blk


def sma(close, period: int = 30) -> np.ndarray:
    """Simple moving average of ``close`` over ``period`` inputs.

    Parameters
    ----------
    close : array_like
        Input series (any 1-D sequence of finite numbers).
    period : int, default 30
        Window length in [1, 100000].

    Returns
    -------
    numpy.ndarray
        Same length as ``close``; NaN before index ``period - 1``.

    Examples
    --------
    >>> import ringta
    >>> ringta.sma([1.0, 2.0, 3.0, 4.0], period=2).tolist()
    [nan, 1.5, 2.5, 3.5]
    """
    return batch_call(SPEC, "sma", {"period": period}, {"close": close})[0]


class SMA(StreamingIndicator):
    """Streaming simple moving average (see :func:`ringta.sma`).

    Examples
    --------
    >>> import ringta
    >>> s = ringta.SMA(period=2)
    >>> [s.update(v) for v in (1.0, 2.0, 3.0)]
    [nan, 1.5, 2.5]
    >>> s.peek(5.0), s.value
    (4.0, 2.5)
    """

    __slots__ = ()

    def __init__(self, period: int = 30):
        self._setup(SPEC.validate("SMA", period=period))

    def update(self, close: float) -> float:
        """Consume one input and return the new value (NaN while not ready)."""
        try:
            if type(close) is float:
                return _sma_update_fast(self._blk, close)
            return sma_update_checked(self._blk, close)  # converts numbers, refuses the rest
        except (ValueError, TypeError):
            raise ValueError(f"SMA.update: close={close!r} is not a finite number; state unchanged") from None


SPEC = KernelSpec(
    name="sma",
    title="Simple Moving Average",
    kind_id=2,
    type="trend",
    inputs=("close",),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=sma_lookback,
    out_offset=SMA_OUT,
    batch=sma,
    stream=SMA,
    update_rows=sma_update_rows,
    batch_driver=sma_batch,
    peek_fn=sma_peek,
    key_params=("period",),
)
SMA.spec = SPEC
