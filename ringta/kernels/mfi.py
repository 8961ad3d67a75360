"""MFI: money flow index.

Definition
    Typical price ``tp = (high + low + close) / 3``; a bar's money flow
    ``tp * volume`` is *positive* when ``tp`` rose from the previous bar's,
    *negative* when it fell, and counts on neither side when it did not move
    (TA-Lib's test: ``|tp - prev_tp| <= 1e-14 * (|tp| + |prev_tp|)``, a
    relative dead zone of about 90 ulp, so a change in the last bits of the
    price is no move). With ``P``/``N`` the sums of the positive/negative
    flows of the last ``period`` bars, ``mfi = 100 * (P / (P + N))``; 0 when
    the window holds no money flow at all (``P + N`` is 0), as in TA-Lib.
Seed and warm-up
    The first flow is at bar 1 (it needs the previous typical price), so
    the first value is at index ``period`` (TA-Lib's lookback); NaN before.
    The window sums are kept in O(1) per bar and re-anchored (recomputed
    from the two flow rings in the block, in a fixed order) about every 512
    bars, so rounding error cannot accumulate over a long session, and at
    once when ``P + N`` falls below 1/64 of its largest value since the
    last recomputation (large flows left the window: the sliding sums would
    keep their rounding residue, relative to the small sums left, as
    TA-Lib's running sums do). The number of non-zero flows on each side is
    counted, so a side without any flow in the window sums to exactly 0.
Inputs
    high, low, close, volume.
Outputs
    ``value``, on a 0..100 scale.
Reference
    TA-Lib ``MFI``.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ._jit import F1, F2, I1, b1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, anchor_cycles, check_rows, seq_sum
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call

T2 = nb.types.UniTuple(nb.float64, 2)
SLIDE = nb.types.Tuple((f8, f8, f8, f8, f8, i8, i8, b1))  # pos, neg, npos, nneg, peak, slot, cyc, anchor

MFI_PERIOD = H_SIZE
MFI_ACYC = H_SIZE + 1  # ring cycles between exact recomputations of the sums
MFI_PREV = H_SIZE + 2  # previous typical price
MFI_POS = H_SIZE + 3  # sum of the positive flows in the window
MFI_NEG = H_SIZE + 4  # sum of the negative flows in the window
MFI_SLOT = H_SIZE + 5  # ring slot of the next flow
MFI_CYC = H_SIZE + 6  # ring cycles since the last recomputation
MFI_NPOS = H_SIZE + 7  # number of non-zero positive flows in the window
MFI_NNEG = H_SIZE + 8  # number of non-zero negative flows in the window
MFI_PEAK = H_SIZE + 9  # largest P + N since the last recomputation
MFI_OUT = H_SIZE + 10
MFI_RING = H_SIZE + 11  # positive flows (period slots), then negative flows (period slots)

EPSILON = 1e-14  # TA-Lib's TA_EPSILON, the relative dead zone of a typical-price move
SHRINK = 1.0 / 64.0  # P + N falling below this fraction of its peak since the last recomputation: recompute

PARAMS = (Param("period", int, 14, 2, MAX_PERIOD, doc="window length"),)


@jit(f8(f8, f8, f8))
def _typical(high, low, close):
    return (high + low + close) / 3.0


@jit(T2(f8, f8, f8))
def _flows(prev_tp, tp, volume):
    """``(positive, negative)`` money flow of one bar, in TA-Lib's order of operations."""
    diff = tp - prev_tp
    # Selects rather than branches: the direction of a move is a coin flip.
    flow = 0.0 if abs(diff) <= EPSILON * (abs(tp) + abs(prev_tp)) else tp * volume
    down = diff < 0.0
    return (0.0 if down else flow), (flow if down else 0.0)


@jit(f8(f8, f8))
def _mfi_value(pos, neg):
    """``100 * (P / (P + N))``, 0 for an empty window; ``P`` clamped into ``[0, P + N]`` as TA-Lib does."""
    total = pos + neg
    if total <= 0.0:
        return 0.0
    if pos < 0.0:
        pos = 0.0
    elif pos > total:
        pos = total
    return 100.0 * (pos / total)


@jit(T2(F1, i8))
def _mfi_anchor(blk, ip):
    """Both window sums recomputed from the rings, in :func:`~ringta.kernels._ring.seq_sum`'s fixed order."""
    return seq_sum(blk, MFI_RING, ip), seq_sum(blk, MFI_RING + ip, ip)


@jit(SLIDE(F1, i8, i8, f8, f8, f8, f8, f8, i8, i8, f8, f8), inline=True)
def _mfi_slide(blk, ip, acyc, pos, neg, npos, nneg, peak, slot, cyc, pf, nf):
    """Put one bar's flows into the rings and slide the window sums: the one step of update and batch.

    Returns the new ``(pos, neg, npos, nneg, peak, slot, cyc, anchor)``; when
    ``anchor`` is True the caller recomputes the sums (:func:`_mfi_anchor`)
    before :func:`_mfi_settle`. The recomputation is left to the caller so
    that the batch loop keeps it out of its hot inner loop.
    """
    r = MFI_RING + slot
    old_p = blk[r]
    old_n = blk[r + ip]
    blk[r] = pf
    blk[r + ip] = nf
    pos = (pos - old_p) + pf
    neg = (neg - old_n) + nf
    npos += (1.0 if pf != 0.0 else 0.0) - (1.0 if old_p != 0.0 else 0.0)
    nneg += (1.0 if nf != 0.0 else 0.0) - (1.0 if old_n != 0.0 else 0.0)
    total = pos + neg
    anchor = total < peak * SHRINK
    peak = total if total > peak else peak
    slot += 1
    if slot == ip:
        slot = 0
        cyc += 1
        if cyc >= acyc:
            anchor = True
            cyc = 0
    return pos, neg, npos, nneg, peak, slot, cyc, anchor


@jit(T2(f8, f8, f8, f8), inline=True)
def _mfi_settle(pos, neg, npos, nneg):
    """A side without any flow in the window sums to exactly 0, whatever residue the sliding update left.

    (TA-Lib zeroes both sums of a window without any flow too.)
    """
    return (0.0 if npos == 0.0 else pos), (0.0 if nneg == 0.0 else neg)


@jit(f8(F1, f8, f8, f8, f8))
def mfi_update(blk, high, low, close, volume):
    """Advance one MFI block by one bar; return the new value (NaN while warming up)."""
    n = blk[H_COUNT]
    tp = _typical(high, low, close)
    out = np.nan
    if n > 0.0:
        pf, nf = _flows(blk[MFI_PREV], tp, volume)
        ip = int(blk[MFI_PERIOD])
        pos, neg, npos, nneg, peak, slot, cyc, anchor = _mfi_slide(
            blk, ip, int(blk[MFI_ACYC]), blk[MFI_POS], blk[MFI_NEG], blk[MFI_NPOS],
            blk[MFI_NNEG], blk[MFI_PEAK], int(blk[MFI_SLOT]), int(blk[MFI_CYC]), pf, nf)
        if anchor:
            pos, neg = _mfi_anchor(blk, ip)
            peak = pos + neg
        pos, neg = _mfi_settle(pos, neg, npos, nneg)
        blk[MFI_POS] = pos
        blk[MFI_NEG] = neg
        blk[MFI_NPOS] = npos
        blk[MFI_NNEG] = nneg
        blk[MFI_PEAK] = peak
        blk[MFI_SLOT] = slot
        blk[MFI_CYC] = cyc
        if n >= blk[MFI_PERIOD]:
            out = _mfi_value(pos, neg)
    blk[MFI_PREV] = tp
    blk[H_COUNT] = n + 1.0
    blk[MFI_OUT] = out
    return out


@jit(f8(F1, f8, f8, f8, f8))
def mfi_update_checked(blk, high, low, close, volume):
    if not (math.isfinite(high) and math.isfinite(low) and math.isfinite(close)
            and math.isfinite(volume) and volume >= 0.0):
        raise ValueError("input is not finite")
    return mfi_update(blk, high, low, close, volume)


@jit(f8(F1, f8, f8, f8, f8), nrt=True)
def mfi_peek(blk, high, low, close, volume):
    return mfi_update(blk.copy(), high, low, close, volume)


@jit(void(F2, I1, F1, F1, F1, F1, F2))
def mfi_update_rows(state, rows, high, low, close, volume, out):
    """Advance ``state[rows[i]]`` by bar ``i`` of the inputs; write values to ``out[i, 0]``."""
    n_in = min(min(high.shape[0], low.shape[0]), min(close.shape[0], volume.shape[0]))
    check_rows(state.shape[0], rows, n_in, out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = mfi_update(state[rows[i]], high[i], low[i], close[i], volume[i])


@jit(i8(F1, F1, F1, F1, F1, F1))
def mfi_batch(blk, high, low, close, volume, out):
    """Run whole series through ``blk``; return the first bad index (non-finite, negative volume) or -1.

    Warm-up goes through :func:`mfi_update` itself; the steady state keeps the
    sums and counters in locals and runs the same steps (:func:`_flows`,
    :func:`_mfi_slide` on the rings in the block, :func:`_mfi_value`).
    """
    m = close.shape[0]
    lb = blk[H_LOOKBACK]
    i = 0
    while i < m and blk[H_COUNT] <= lb:
        h = high[i]
        lo = low[i]
        c = close[i]
        vol = volume[i]
        if not (math.isfinite(h) and math.isfinite(lo) and math.isfinite(c) and math.isfinite(vol) and vol >= 0.0):
            return i
        out[i] = mfi_update(blk, h, lo, c, vol)
        i += 1
    if i == m:
        return -1
    ip = int(blk[MFI_PERIOD])
    acyc = int(blk[MFI_ACYC])
    prev = blk[MFI_PREV]
    pos = blk[MFI_POS]
    neg = blk[MFI_NEG]
    npos = blk[MFI_NPOS]
    nneg = blk[MFI_NNEG]
    peak = blk[MFI_PEAK]
    slot = int(blk[MFI_SLOT])
    cyc = int(blk[MFI_CYC])
    v = blk[MFI_OUT]
    start = i
    bad = -1
    while i < m:
        # Plain bars in a tight loop; a bar that needs its sums recomputed leaves
        # it and is finished below, so the recomputation stays out of the loop.
        anchor = False
        while i < m:
            h = high[i]
            lo = low[i]
            c = close[i]
            vol = volume[i]
            if not (math.isfinite(h) and math.isfinite(lo) and math.isfinite(c)
                    and math.isfinite(vol) and vol >= 0.0):
                bad = i
                break
            tp = _typical(h, lo, c)
            pf, nf = _flows(prev, tp, vol)
            prev = tp
            pos, neg, npos, nneg, peak, slot, cyc, anchor = _mfi_slide(
                blk, ip, acyc, pos, neg, npos, nneg, peak, slot, cyc, pf, nf)
            if anchor:
                break
            pos, neg = _mfi_settle(pos, neg, npos, nneg)
            v = _mfi_value(pos, neg)
            out[i] = v
            i += 1
        if bad >= 0:
            break
        if anchor:
            pos, neg = _mfi_anchor(blk, ip)
            peak = pos + neg
            pos, neg = _mfi_settle(pos, neg, npos, nneg)
            v = _mfi_value(pos, neg)
            out[i] = v
            i += 1
    if i > start:
        blk[H_COUNT] += i - start
        blk[MFI_PREV] = prev
        blk[MFI_POS] = pos
        blk[MFI_NEG] = neg
        blk[MFI_NPOS] = npos
        blk[MFI_NNEG] = nneg
        blk[MFI_PEAK] = peak
        blk[MFI_SLOT] = slot
        blk[MFI_CYC] = cyc
        blk[MFI_OUT] = v
    return bad


def mfi_lookback(period: int = 14) -> int:
    return period


def make_block(period: int = 14) -> np.ndarray:
    blk = np.zeros(MFI_RING + 2 * period)
    blk[H_LOOKBACK] = mfi_lookback(period)
    blk[MFI_PERIOD] = period
    blk[MFI_ACYC] = anchor_cycles(period)
    blk[MFI_OUT] = np.nan
    return blk


def mfi(high, low, close, volume, period: int = 14) -> np.ndarray:
    """Money flow index: the share of the window's money flow that came on rising typical prices, 0-100.

    Parameters
    ----------
    high, low, close, volume : array_like
        Input series of equal length (finite numbers, volume >= 0).
    period : int, default 14
        Window length in [2, 100000] (TA-Lib's ``timeperiod``).

    Returns
    -------
    numpy.ndarray
        Same length as the inputs; NaN before index ``period``.

    Examples
    --------
    >>> import ringta
    >>> h, l, c = [10.0, 11.0, 10.5, 12.0], [9.0, 10.0, 9.5, 11.0], [9.5, 10.5, 10.0, 11.5]
    >>> ringta.mfi(h, l, c, [100.0, 200.0, 300.0, 100.0], period=2).round(2).tolist()
    [nan, nan, 41.18, 27.71]
    """
    return batch_call(SPEC, "mfi", {"period": period},
                      {"high": high, "low": low, "close": close, "volume": volume})[0]


class MFI(StreamingIndicator):
    """Streaming money flow index (see :func:`ringta.mfi`).

    Examples
    --------
    >>> import ringta
    >>> m = ringta.MFI(period=2)
    >>> bars = ((10.0, 9.0, 9.5, 100.0), (11.0, 10.0, 10.5, 200.0),
    ...         (10.5, 9.5, 10.0, 300.0), (12.0, 11.0, 11.5, 100.0))
    >>> [round(m.update(*bar), 2) for bar in bars]
    [nan, nan, 41.18, 27.71]
    """

    __slots__ = ()

    def __init__(self, period: int = 14):
        self._setup(SPEC.validate("MFI", period=period))

    def update(self, high: float, low: float, close: float, volume: float) -> float:
        """Consume one bar's high, low, close and volume; return the new value (NaN while not ready)."""
        try:
            return mfi_update_checked(self._blk, high, low, close, volume)
        except (ValueError, TypeError):
            raise ValueError(
                f"MFI.update: high={high!r}, low={low!r}, close={close!r}, volume={volume!r} must be finite "
                "and volume >= 0; state unchanged"
            ) from None


SPEC = KernelSpec(
    name="mfi",
    title="Money Flow Index",
    kind_id=37,
    type="volume",
    inputs=("high", "low", "close", "volume"),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=mfi_lookback,
    out_offset=MFI_OUT,
    batch=mfi,
    stream=MFI,
    update_rows=mfi_update_rows,
    batch_driver=mfi_batch,
    peek_fn=mfi_peek,
    key_params=("period",),
)
MFI.spec = SPEC
