"""STOCHF: fast stochastic oscillator.

Definition
    ``fastk = ((close - LL) / (HH - LL)) * 100`` with ``HH``/``LL`` the
    highest high and lowest low of the last ``fastk_period`` bars, in
    TA-Lib's order of operations (equal to TA-Lib bit for bit), 0 when
    ``HH == LL``;
    ``fastd = SMA(fastk, fastd_period)`` (TA-Lib's default ``matype=0``).
Seed and warm-up
    Both outputs start at index ``fastk_period + fastd_period - 2`` (TA-Lib's
    lookback); NaN before. ``HH`` and ``LL`` come from two van Herk /
    Gil-Werman window extremes in the block (see
    :mod:`ringta.kernels._deque`: amortised O(1) per bar, branch-free); the
    SMA is ringta's SMA kernel kept as a sub-block (re-anchored sums).
Inputs
    high, low, close.
Outputs
    ``fastk``, ``fastd``, on a 0-100 scale.
Reference
    TA-Lib ``STOCHF(fastk_period, fastd_period, fastd_matype=0)``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from ._deque import chunk_len, deque_push, deque_width, first_nonfinite, scratch_width, window_run2
from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call
from .sma import make_block as _sma_block
from .sma import sma_batch, sma_update

T2 = nb.types.UniTuple(nb.float64, 2)

STOCHF_KP = H_SIZE  # fastk_period
STOCHF_OUT = H_SIZE + 1  # fastk, fastd
STOCHF_SMA = H_SIZE + 3  # offset of the SMA sub-block
STOCHF_END = H_SIZE + 4  # end of the SMA sub-block
STOCHF_HIGHS = H_SIZE + 5  # window maximum of the highs; the lows' minimum follows it, then the SMA sub-block

PARAMS = (
    Param("fastk_period", int, 5, 1, MAX_PERIOD, doc="window of the highest high and lowest low"),
    Param("fastd_period", int, 3, 1, MAX_PERIOD, doc="SMA period of fastd"),
)


class StochfResult(NamedTuple):
    """Fast %K and %D, 0-100 (floats, or arrays from :func:`stochf`).

    Examples
    --------
    >>> StochfResult(80.0, 75.0).fastd
    75.0
    """

    fastk: float
    fastd: float


@jit(f8(f8, f8, f8), inline=True)
def _fastk(highest, lowest, close):
    diff = highest - lowest
    v = ((close - lowest) / diff) * 100.0  # inf or NaN for a flat window (no exception: error_model="numpy")
    return 0.0 if diff == 0.0 else v  # a select, not a branch: the batch loop vectorises


@jit(T2(F1, f8, f8, f8), inline=True)
def _stochf_step(blk, high, low, close):
    """The body of :func:`stochf_update`, inlined into its compiled callers (no call per row)."""
    n = blk[H_COUNT]
    cap = int(blk[STOCHF_KP])
    hh = deque_push(blk, STOCHF_HIGHS, cap, n, high, True)
    ll = deque_push(blk, STOCHF_HIGHS + 2 + 2 * cap, cap, n, low, False)
    if n >= cap - 1.0:
        k = _fastk(hh, ll, close)
        d = sma_update(blk[int(blk[STOCHF_SMA]) : int(blk[STOCHF_END])], k)
        if n + 1.0 > blk[H_LOOKBACK]:
            blk[STOCHF_OUT] = k
            blk[STOCHF_OUT + 1] = d
    blk[H_COUNT] = n + 1.0
    return blk[STOCHF_OUT], blk[STOCHF_OUT + 1]


@jit(T2(F1, f8, f8, f8))
def stochf_update(blk, high, low, close):
    """Advance one STOCHF block by one bar; return ``(fastk, fastd)`` (NaN while warming up)."""
    return _stochf_step(blk, high, low, close)


@jit(T2(F1, f8, f8, f8))
def stochf_update_checked(blk, high, low, close):
    if not (math.isfinite(high) and math.isfinite(low) and math.isfinite(close)):
        raise ValueError("input is not finite")
    return _stochf_step(blk, high, low, close)


@jit(T2(F1, f8, f8, f8), nrt=True)
def stochf_peek(blk, high, low, close):
    return _stochf_step(blk.copy(), high, low, close)


@jit(void(F2, I1, F1, F1, F1, F2))
def stochf_update_rows(state, rows, high, low, close, out):
    """Advance ``state[rows[i]]`` by bar ``i``; write fastk, fastd to ``out[i, 0:2]``."""
    check_rows(state.shape[0], rows, min(high.shape[0], low.shape[0], close.shape[0]), out.shape[0])
    for i in range(rows.shape[0]):
        k, d = _stochf_step(state[rows[i]], high[i], low[i], close[i])
        out[i, 0] = k
        out[i, 1] = d


@jit(i8(F1, i8, i8, F1, F1, F1, F1, f8), nrt=True)  # allocates its scratch buffers
def fastk_run(blk, highs, cap, high, low, close, out, flat_rtol):
    """Fast %K of whole series into ``out``; return the first non-finite index or -1.

    Shared by STOCHF and STOCH. Chunk by chunk (ending on block boundaries,
    inputs checked while in cache), :func:`~ringta.kernels._deque.window_run2`
    pushes the highs and lows through the two window extremes at
    ``blk[highs:]`` exactly as the streaming update does, and %K follows in a
    vectorised loop from the first bar with a full window:
    ``((close - LL) / (HH - LL)) * 100``, 0 for a flat window: with
    ``flat_rtol == 0`` (STOCHF) when ``HH == LL``, otherwise (STOCH, TA-Lib
    0.8's relative rule) when ``HH - LL <= flat_rtol * max(|HH|, |LL|)``, as
    each kernel's streaming step decides. ``blk``'s count is the caller's to
    advance.
    """
    lows = highs + 2 + 2 * cap
    n = blk[H_COUNT]
    q = int(n)
    m = close.shape[0]
    end = m
    bad = -1
    first = min(m, max(0, cap - 1 - q))
    step = chunk_len(cap)
    hh = np.empty(min(step, m))
    ll = np.empty(min(step, m))
    tmp = np.empty(scratch_width(cap))
    i = 0
    while i < end:
        stop = min(end, i + step - (q + i) % cap)
        for a in (high, low, close):
            b = first_nonfinite(a, i, stop)
            if b >= 0:
                stop = end = bad = b
        if stop == i:
            break
        window_run2(blk, highs, lows, cap, n + i, high, low, i, stop, hh, ll, 0, tmp)
        # Zero-based slices: indexes the compiler knows are not negative (no wraparound code).
        s = min(max(first, i), stop)
        hb = hh[s - i : stop - i]
        lb_ = ll[s - i : stop - i]
        cb = close[s:stop]
        kb = out[s:stop]
        for k in range(stop - s):
            diff = hb[k] - lb_[k]
            v = ((cb[k] - lb_[k]) / diff) * 100.0  # inf or NaN for a flat window (error_model="numpy")
            if flat_rtol == 0.0:  # loop-invariant: the compiler hoists it out of the loop
                flat = diff == 0.0
            else:
                flat = diff <= flat_rtol * max(abs(hb[k]), abs(lb_[k]))
            kb[k] = 0.0 if flat else v  # a select, not a branch: the loop vectorises
        i = stop
    return bad


@jit(i8(F1, F1, F1, F1, F1, F1), nrt=True)  # allocates its scratch buffers
def stochf_batch(blk, high, low, close, out_k, out_d):
    """Run whole series through ``blk``; return the first non-finite index or -1.

    :func:`fastk_run` pushes the highs and the lows exactly as
    :func:`stochf_update` does (same final block) and writes fast %K to
    ``out_k``; then the SMA sub-block's own batch driver (equal to its streaming
    update, bit for bit) turns it into fast %D.
    """
    cap = int(blk[STOCHF_KP])
    n = blk[H_COUNT]
    m = close.shape[0]
    end = m
    q = int(n)
    first = min(m, max(0, cap - 1 - q))  # the first bar with a full window feeds the SMA
    bad = fastk_run(blk, STOCHF_HIGHS, cap, high, low, close, out_k, 0.0)
    if bad >= 0:
        end = bad
    sub = blk[int(blk[STOCHF_SMA]) : int(blk[STOCHF_END])]
    if end == 0:
        return bad
    first = min(first, end)
    if first < end:
        if first_nonfinite(out_k, first, end) < 0:
            sma_batch(sub, out_k[first:end], out_d[first:end])
        else:  # an overflowing %K: the SMA's batch driver would refuse it, its update does not
            for i in range(first, end):
                out_d[i] = sma_update(sub, out_k[i])
    # Before the first valid value the outputs are the block's (NaN), as in streaming.
    warm = min(end, max(0, int(blk[H_LOOKBACK]) - q))
    for i in range(warm):
        out_k[i] = blk[STOCHF_OUT]
        out_d[i] = blk[STOCHF_OUT + 1]
    if warm < end:
        blk[STOCHF_OUT] = out_k[end - 1]
        blk[STOCHF_OUT + 1] = out_d[end - 1]
    blk[H_COUNT] = n + end
    return bad


def stochf_lookback(fastk_period: int = 5, fastd_period: int = 3) -> int:
    return fastk_period + fastd_period - 2


def make_block(fastk_period: int = 5, fastd_period: int = 3) -> np.ndarray:
    sma = _sma_block(fastd_period)
    head = STOCHF_HIGHS + 2 * deque_width(fastk_period)
    blk = np.concatenate([np.zeros(head), sma])
    blk[H_LOOKBACK] = stochf_lookback(fastk_period, fastd_period)
    blk[STOCHF_KP] = fastk_period
    blk[STOCHF_OUT : STOCHF_OUT + 2] = np.nan
    blk[STOCHF_SMA] = head
    blk[STOCHF_END] = blk.shape[0]
    return blk


def stochf(high, low, close, fastk_period: int = 5, fastd_period: int = 3) -> StochfResult:
    """Fast stochastic: %K of the close in the window's range, and its SMA %D.

    Parameters
    ----------
    high, low, close : array_like
        Input series of equal length (finite numbers).
    fastk_period : int, default 5
        Window of the highest high and lowest low, in [1, 100000].
    fastd_period : int, default 3
        SMA period of ``fastd``, in [1, 100000].

    Returns
    -------
    StochfResult
        ``(fastk, fastd)`` arrays; NaN before index ``fastk_period + fastd_period - 2``.

    Examples
    --------
    >>> import ringta
    >>> r = ringta.stochf([3.0, 4.0, 5.0], [1.0, 2.0, 3.0], [2.0, 3.5, 4.0], fastk_period=2, fastd_period=2)
    >>> r.fastk.tolist(), r.fastd.tolist()
    ([nan, nan, 66.66666666666666], [nan, nan, 75.0])
    """
    return StochfResult(*batch_call(SPEC, "stochf", {"fastk_period": fastk_period, "fastd_period": fastd_period},
                                    {"high": high, "low": low, "close": close}))


class STOCHF(StreamingIndicator):
    """Streaming fast stochastic (see :func:`ringta.stochf`); ``update`` returns a :class:`StochfResult`.

    Examples
    --------
    >>> import ringta
    >>> s = ringta.STOCHF(fastk_period=2, fastd_period=2)
    >>> [s.update(h, l, c) for h, l, c in ((3.0, 1.0, 2.0), (4.0, 2.0, 3.5), (5.0, 3.0, 4.0))][-1]
    StochfResult(fastk=66.66666666666666, fastd=75.0)
    """

    __slots__ = ()

    def __init__(self, fastk_period: int = 5, fastd_period: int = 3):
        self._setup(SPEC.validate("STOCHF", fastk_period=fastk_period, fastd_period=fastd_period))

    def update(self, high: float, low: float, close: float) -> StochfResult:
        """Consume one bar's high, low and close; return ``(fastk, fastd)`` (NaN while not ready)."""
        try:
            return StochfResult(*stochf_update_checked(self._blk, high, low, close))
        except (ValueError, TypeError):
            raise ValueError(
                f"STOCHF.update: high={high!r}, low={low!r}, close={close!r} must be finite; state unchanged"
            ) from None


SPEC = KernelSpec(
    name="stochf",
    title="Fast Stochastic Oscillator",
    kind_id=28,
    type="momentum",
    inputs=("high", "low", "close"),
    outputs=("fastk", "fastd"),
    params=PARAMS,
    make_block=make_block,
    lookback=stochf_lookback,
    out_offset=STOCHF_OUT,
    batch=stochf,
    stream=STOCHF,
    update_rows=stochf_update_rows,
    batch_driver=stochf_batch,
    peek_fn=stochf_peek,
    result=StochfResult,
    key_params=("fastk_period", "fastd_period"),
)
STOCHF.spec = SPEC
