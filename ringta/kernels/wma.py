"""WMA: weighted moving average.

Definition
    ``wma[t] = (1*x[t-period+1] + 2*x[t-period+2] + ... + period*x[t]) / (period*(period+1)/2)``.
Seed and warm-up
    First value at index ``period - 1`` (TA-Lib's lookback); NaN before.
    The weighted sum ``W`` and the plain sum ``S`` of the window are updated
    in O(1) per input (``W' = W + fma(period, x, -S)``, that is
    ``period*x - S`` rounded once and then added, and ``S' = S + (x - x_old)``)
    and recomputed exactly from the ring (four interleaved partial sums, the
    weighted ones of fused products) at the first full window and then every
    ``ceil(64 / period)`` ring cycles (every ``period`` inputs from a period
    of 64), so rounding error cannot accumulate. The interval is shorter than
    SMA's 512 inputs because an error in ``S`` enters ``W`` at every step, so
    ``W``'s error grows like ``k**1.5`` over ``k`` inputs; with 64 it stays
    below about ``1e-13 / period`` relative. (TA-Lib keeps both sums running
    over the whole series without recomputing them.)
Inputs
    one series (close by default).
Outputs
    ``value``, in price units.
Reference
    TA-Lib ``WMA``.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ._deque import first_nonfinite
from ._fma import fma
from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows, refill_ring
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call

WMA_PERIOD = H_SIZE
WMA_DIV = H_SIZE + 1  # period * (period + 1) / 2
WMA_ACYC = H_SIZE + 2  # ring cycles between exact recomputations of the sums
WMA_CYC = H_SIZE + 3  # ring cycles since the last recomputation
WMA_POS = H_SIZE + 4  # ring slot of the next input
WMA_SUM = H_SIZE + 5  # plain window sum S
WMA_WSUM = H_SIZE + 6  # weighted window sum W
WMA_OUT = H_SIZE + 7
WMA_RING = H_SIZE + 8

T2 = nb.types.UniTuple(f8, 2)

PARAMS = (Param("period", int, 30, 1, MAX_PERIOD, doc="window length"),)
WMA_ANCHOR_INPUTS = 64


def wma_anchor_cycles(period: int) -> int:
    """Ring cycles between exact recomputations of the sums."""
    return max(1, -(-WMA_ANCHOR_INPUTS // period))


@jit(f8(f8, f8, f8, f8))
def _wma_wstep(period, wsum, total, x):
    """Weighted sum after ``x`` enters: every weight drops by one (the oldest to 0), ``x`` gets ``period``.

    ``period * x - total`` is formed first, with one rounding (fma), and
    only then added to ``wsum``: the recursion from one ``wsum`` to the next
    is then a single addition, which is what bounds the speed of a batch run.
    """
    return wsum + fma(period, x, -total)


@jit(f8(f8, f8, f8))
def _wma_sstep(total, x, old):
    return total + (x - old)


@jit(T2(F1, i8, i8), inline=True)
def _wma_sums(a, start, n):
    """Exact ``(S, W)`` of ``a[start : start+n]`` (oldest first, weights 1 .. n), in a fixed order.

    ``S`` is summed as :func:`seq_sum` sums it: four interleaved partial sums
    by position, then the tail; ``W`` the same way with fused products. A
    quarter of the dependency chain of one running sum, and the same bits
    whether ``a`` is the ring or the input array. Inlined (Numba IR), so a
    batch run's recomputation is not a call.
    """
    w = a[start : start + n]  # indexed from 0: no wraparound selects
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    q0 = 0.0
    q1 = 0.0
    q2 = 0.0
    q3 = 0.0
    c = 1.0
    n4 = n - n % 4
    for j in range(0, n4, 4):
        y0 = w[j]
        y1 = w[j + 1]
        y2 = w[j + 2]
        y3 = w[j + 3]
        s0 += y0
        s1 += y1
        s2 += y2
        s3 += y3
        q0 = fma(c, y0, q0)
        q1 = fma(c + 1.0, y1, q1)
        q2 = fma(c + 2.0, y2, q2)
        q3 = fma(c + 3.0, y3, q3)
        c += 4.0
    total = (s0 + s1) + (s2 + s3)
    wsum = (q0 + q1) + (q2 + q3)
    for j in range(n4, n):
        total += w[j]
        wsum = fma(c, w[j], wsum)
        c += 1.0
    return total, wsum


@jit(f8(F1, f8))
def wma_update(blk, x):
    """Advance one WMA block by one input; return the new value (NaN while warming up)."""
    p = blk[WMA_PERIOD]
    pos = int(blk[WMA_POS])
    slot = WMA_RING + pos
    old = blk[slot]  # zero until the ring has been filled once
    blk[slot] = x
    total = blk[WMA_SUM]
    wsum = _wma_wstep(p, blk[WMA_WSUM], total, x)
    total = _wma_sstep(total, x, old)
    if pos == p - 1.0:
        cyc = blk[WMA_CYC] + 1.0
        if cyc >= blk[WMA_ACYC]:
            total, wsum = _wma_sums(blk, WMA_RING, pos + 1)
            cyc = 0.0
        blk[WMA_CYC] = cyc
        pos = 0
    else:
        pos += 1
    n = blk[H_COUNT] + 1.0
    blk[H_COUNT] = n
    blk[WMA_SUM] = total
    blk[WMA_WSUM] = wsum
    blk[WMA_POS] = pos
    out = wsum / blk[WMA_DIV] if n > blk[H_LOOKBACK] else np.nan
    blk[WMA_OUT] = out
    return out


@jit(f8(F1, f8))
def wma_update_checked(blk, x):
    if not math.isfinite(x):
        raise ValueError("input is not finite")
    return wma_update(blk, x)


@jit(f8(F1, f8), nrt=True)
def wma_peek(blk, x):
    return wma_update(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def wma_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]`` for every i; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, x.shape[0], out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = wma_update(state[rows[i]], x[i])


# Inputs per chunk of a batch run: the finiteness check, the recursion and
# the division each make one pass over a chunk while it is in cache.
_CHUNK = 2048


@jit(i8(F1, F1, F1))
def wma_batch(blk, x, out):
    """Run a whole series through ``blk``; return the first non-finite index or -1.

    The first ``period`` inputs go through :func:`wma_update` (and the
    ring); after that the outgoing value and the windows of the exact
    recomputations are read from ``x`` itself (the same values in the same
    order as the ring holds them), the sums live in locals, and the ring is
    refilled with the last inputs at the end. Per chunk: one vectorised
    finiteness check, the recursion (storing the weighted sums), then one
    vectorised pass of divisions, off the recursion's chain.
    """
    m = x.shape[0]
    p = blk[WMA_PERIOD]
    ip = int(p)
    head = min(m, ip)
    for i in range(head):
        xi = x[i]
        if not math.isfinite(xi):
            return i
        out[i] = wma_update(blk, xi)
    if head == m:
        return -1
    # From here the count exceeds the lookback: every value is valid.
    div = blk[WMA_DIV]
    # Phase within the recomputation cycle (ring cycles * period + slot), as
    # in wma_update: the sums are recomputed at the input of phase cycle_len - 1.
    cycle_len = int(blk[WMA_ACYC]) * ip
    ph0 = int(blk[WMA_CYC]) * ip + int(blk[WMA_POS])
    ph = ph0
    total = blk[WMA_SUM]
    wsum = blk[WMA_WSUM]
    lo = ip
    while lo < m:
        hi = min(m, lo + _CHUNK)
        bad = first_nonfinite(x, lo, hi)
        if bad >= 0:
            return bad
        k = lo
        while k < hi:
            ka = k + (cycle_len - 1 - ph)  # the next recomputation
            end = min(hi, ka)
            if ka < hi:
                # Depends on x alone: issued before the recursion that
                # precedes it, the CPU computes it meanwhile.
                total_a, wsum_a = _wma_sums(x, ka - ip + 1, ip)
            # Views indexed from 0: no wraparound selects in the loop.
            xn = x[k:end]
            xo = x[k - ip : end - ip]
            on = out[k:end]
            for j in range(end - k):
                xj = xn[j]
                wsum = _wma_wstep(p, wsum, total, xj)
                total = _wma_sstep(total, xj, xo[j])
                on[j] = wsum
            ph += end - k
            k = end
            if ka < hi:
                total = total_a
                wsum = wsum_a
                out[k] = wsum
                ph = 0
                k += 1
        oc = out[lo:hi]
        for j in range(hi - lo):
            oc[j] = oc[j] / div
        lo = hi
    refill_ring(blk, WMA_RING, ip, ph0, x, ip, m)
    blk[H_COUNT] += m - ip
    blk[WMA_POS] = ph % ip
    blk[WMA_CYC] = ph // ip
    blk[WMA_SUM] = total
    blk[WMA_WSUM] = wsum
    blk[WMA_OUT] = out[m - 1]
    return -1


def wma_lookback(period: int = 30) -> int:
    return period - 1


def make_block(period: int = 30) -> np.ndarray:
    blk = np.zeros(WMA_RING + period)
    blk[H_LOOKBACK] = wma_lookback(period)
    blk[WMA_PERIOD] = period
    blk[WMA_DIV] = (period * (period + 1)) // 2
    blk[WMA_ACYC] = wma_anchor_cycles(period)
    blk[WMA_CYC] = blk[WMA_ACYC] - 1.0  # so that the first full window is summed exactly
    blk[WMA_OUT] = np.nan
    return blk


def wma(close, period: int = 30) -> np.ndarray:
    """Weighted moving average of ``close`` over ``period`` inputs (weights 1 .. period, newest heaviest).

    Parameters
    ----------
    close : array_like
        Input series (any 1-D sequence of finite numbers).
    period : int, default 30
        Window length in [1, 100000] (TA-Lib's ``timeperiod``).

    Returns
    -------
    numpy.ndarray
        Same length as ``close``; NaN before index ``period - 1``.

    Examples
    --------
    >>> import ringta
    >>> ringta.wma([1.0, 2.0, 4.0, 7.0], period=3).tolist()
    [nan, nan, 2.8333333333333335, 5.166666666666667]
    """
    return batch_call(SPEC, "wma", {"period": period}, {"close": close})[0]


class WMA(StreamingIndicator):
    """Streaming weighted moving average (see :func:`ringta.wma`).

    Examples
    --------
    >>> import ringta
    >>> w = ringta.WMA(period=2)
    >>> [w.update(v) for v in (1.0, 4.0, 7.0)]
    [nan, 3.0, 6.0]
    """

    __slots__ = ()

    def __init__(self, period: int = 30):
        self._setup(SPEC.validate("WMA", period=period))

    def update(self, close: float) -> float:
        """Consume one input and return the new value (NaN while not ready)."""
        try:
            return wma_update_checked(self._blk, close)
        except (ValueError, TypeError):
            raise ValueError(f"WMA.update: close={close!r} is not a finite number; state unchanged") from None


SPEC = KernelSpec(
    name="wma",
    title="Weighted Moving Average",
    kind_id=12,
    type="trend",
    inputs=("close",),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=wma_lookback,
    out_offset=WMA_OUT,
    batch=wma,
    stream=WMA,
    update_rows=wma_update_rows,
    batch_driver=wma_batch,
    peek_fn=wma_peek,
    key_params=("period",),
)
WMA.spec = SPEC
