"""VAR: variance over a window (population, ddof=0).

Definition
    ``var[t] = mean((x - m)**2)`` over the last ``period`` inputs, ``m``
    their mean; 0 for a window of identical inputs.
Seed and warm-up
    First value at index ``period - 1`` (TA-Lib's lookback); NaN before.
    The same numerics as Bollinger Bands: the window sum and sum of squared
    deviations are kept relative to a shift (a recent window mean), updated
    in O(1) with a sliding Welford step, and recomputed exactly (two passes
    over the ring) at the end of every ring cycle (every ``period`` inputs:
    amortised O(1), about three operations per input) and at once when the
    sum of squared deviations collapses below a thousandth of its recent
    maximum. Bollinger Bands recompute only about every 512 inputs, but the
    variance alone is reported here, whose relative error grows with
    ``price / deviation`` and with the number of sliding steps. TA-Lib computes ``E[x**2] - E[x]**2`` from running
    sums instead, which cancels badly at high price levels; ringta is the
    closer of the two to an exact computation.
Inputs
    one series (close by default).
Outputs
    ``value``, in squared price units.
Reference
    TA-Lib ``VAR`` (its ``nbdev`` argument is ignored by TA-Lib and not offered).
"""

from __future__ import annotations

import math

import numpy as np

from ._deque import first_nonfinite
from ._jit import F1, F2, I1, T3, b1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows, refill_ring
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call
from .bollinger import COLLAPSE, _m2_step, _reanchor
from .sma import _sma_step

# The layout is shared with STDDEV (stddev.py), which runs the same core.
VAR_PERIOD = H_SIZE
VAR_INV = H_SIZE + 1  # 1 / period
VAR_SCALE = H_SIZE + 2  # STDDEV's nbdev; unused by VAR
VAR_ACYC = H_SIZE + 3  # ring cycles between exact recomputations
VAR_SUM = H_SIZE + 4  # sum of (x - VAR_SHIFT) over the window
VAR_M2 = H_SIZE + 5  # sum of squared deviations from the window mean
VAR_POS = H_SIZE + 6  # ring slot of the next input
VAR_CYC = H_SIZE + 7  # ring cycles since the last recomputation
VAR_RUN = H_SIZE + 8  # how many consecutive inputs equalled their predecessor
VAR_PREV = H_SIZE + 9
VAR_SHIFT = H_SIZE + 10
VAR_M2MAX = H_SIZE + 11  # largest m2 since the last exact recomputation
VAR_OUT = H_SIZE + 12
VAR_RING = H_SIZE + 13

PARAMS = (Param("period", int, 5, 1, MAX_PERIOD, doc="window length"),)


@jit(f8(f8, f8), inline=True)
def _var_value(m2, inv):
    """The variance from the sum of squared deviations (0 when it is not positive), as :func:`_var_core` returns it."""
    return m2 * inv if m2 > 0.0 else 0.0


@jit(f8(F1, f8))
def _var_core(blk, x):
    """Advance the window state by ``x`` (count included); return the population variance of the window.

    During warm-up the return value is that of the partial window and is not reported.
    """
    p = blk[VAR_PERIOD]
    pos = int(blk[VAR_POS])
    n = blk[H_COUNT]
    slot = VAR_RING + pos
    old = blk[slot]
    blk[slot] = x
    run = blk[VAR_RUN] + 1.0 if (n > 0.0 and x == blk[VAR_PREV]) else 0.0
    total_old = blk[VAR_SUM]
    shift = blk[VAR_SHIFT]
    inv = blk[VAR_INV]
    xs = x - shift
    olds = old - shift
    ip = int(p)
    m2_old = blk[VAR_M2]
    cyc = blk[VAR_CYC]
    anchor = False
    if pos == ip - 1:
        cyc += 1.0
        anchor = cyc >= blk[VAR_ACYC]
    m2max = blk[VAR_M2MAX]
    total = total_old
    m2 = m2_old
    if not anchor:
        total = _sma_step(total_old, xs, olds)
        m2 = _m2_step(m2_old, total_old, total, xs, olds, inv)
        if m2_old > m2max:
            m2max = m2_old
        anchor = n >= p and m2 < m2max * COLLAPSE
    pos = pos + 1 if pos + 1 < ip else 0
    if anchor:
        shift, total, m2 = _reanchor(blk, VAR_RING, ip, pos, inv)
        cyc = 0.0
        m2max = m2
    blk[VAR_CYC] = cyc
    blk[VAR_M2MAX] = m2max
    blk[H_COUNT] = n + 1.0
    blk[VAR_SUM] = total
    blk[VAR_M2] = m2
    blk[VAR_POS] = pos
    blk[VAR_SHIFT] = shift
    blk[VAR_RUN] = run
    blk[VAR_PREV] = x
    if run >= p - 1.0:
        return 0.0
    return _var_value(m2, inv)


@jit(f8(F1, f8))
def var_update(blk, x):
    """Advance one VAR block by one input; return the new value (NaN while warming up)."""
    v = _var_core(blk, x)
    out = v if blk[H_COUNT] > blk[H_LOOKBACK] else np.nan
    blk[VAR_OUT] = out
    return out


@jit(f8(F1, f8))
def var_update_checked(blk, x):
    if not math.isfinite(x):
        raise ValueError("input is not finite")
    return var_update(blk, x)


@jit(f8(F1, f8), nrt=True)
def var_peek(blk, x):
    return var_update(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def var_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]`` for every i; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, x.shape[0], out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = var_update(state[rows[i]], x[i])


@jit(f8(f8, f8))
def _stddev_value(variance, nbdev):
    """STDDEV's value from VAR's (kept here so that the batch run below serves both)."""
    if not (variance > 0.0):
        return 0.0
    return math.sqrt(variance) * nbdev


@jit(f8(F1, f8, i8), inline=True)
def _win_sum(w, shift, n):
    """:func:`window_sum` of ``w[0:n] - shift`` for a window lying in order (head 0): same operations, same bits."""
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    n4 = n - n % 4
    for k in range(0, n4, 4):
        s0 += w[k] - shift
        s1 += w[k + 1] - shift
        s2 += w[k + 2] - shift
        s3 += w[k + 3] - shift
    total = (s0 + s1) + (s2 + s3)
    for k in range(n4, n):
        total += w[k] - shift
    return total


@jit(f8(F1, f8, i8), inline=True)
def _win_sqdev(w, mean, n):
    """:func:`window_sqdev` of ``w[0:n]`` for a window lying in order (head 0): same operations, same bits."""
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    n4 = n - n % 4
    for k in range(0, n4, 4):
        d = w[k] - mean
        s0 += d * d
        d = w[k + 1] - mean
        s1 += d * d
        d = w[k + 2] - mean
        s2 += d * d
        d = w[k + 3] - mean
        s3 += d * d
    total = (s0 + s1) + (s2 + s3)
    for k in range(n4, n):
        d = w[k] - mean
        total += d * d
    return total


@jit(T3(F1, i8, i8, f8), inline=True)
def _reanchor_seq(x, start, n, inv):
    """:func:`_reanchor` of the window ``x[start : start+n]`` read in place.

    The same operations in the same order as on the ring (whose oldest
    input is at slot ``pos``), so the same bits; inlined and indexed from 0
    (no calls or wraparound selects in a batch run).
    """
    w = x[start : start + n]
    shift = _win_sum(w, 0.0, n) * inv
    total = _win_sum(w, shift, n)
    m2 = _win_sqdev(w, shift + total * inv, n)
    return shift, total, m2


# Inputs per chunk of a batch run: the finiteness check, the recursion and
# (STDDEV) the square roots each make one pass over a chunk while it is in cache.
_CHUNK = 2048


@jit(i8(F1, F1, F1, b1))
def var_run(blk, x, out, sd):
    """Run a whole series through ``blk``; VAR's values (``sd`` False) or STDDEV's to ``out``.

    Returns the first non-finite index or -1. The first ``period`` inputs go
    through :func:`_var_core` (and the ring); after that the outgoing value
    and the windows of the exact recomputations are read from ``x`` itself
    (the same values in the same order as the ring holds them), the window
    state lives in locals, and the ring is refilled with the last inputs at
    the end. Each scheduled recomputation depends on the inputs alone, so it
    is issued before the sliding steps that precede it and the CPU overlaps
    the two. Square roots (STDDEV) are taken in one vectorised pass per chunk.
    """
    p = blk[VAR_PERIOD]
    ip = int(p)
    m = x.shape[0]
    lb = blk[H_LOOKBACK]
    nbdev = blk[VAR_SCALE]
    head = min(m, ip)
    for i in range(head):
        xi = x[i]
        if not math.isfinite(xi):
            return i
        v = _var_core(blk, xi)
        if sd:
            v = _stddev_value(v, nbdev)
        out[i] = v if blk[H_COUNT] > lb else np.nan
    if head == m:
        blk[VAR_OUT] = out[m - 1]
        return -1
    # From here the count exceeds the lookback: every value is valid.
    inv = blk[VAR_INV]
    # Phase within the recomputation cycle (ring cycles * period + slot), as
    # in _var_core: a scheduled recomputation at phase cycle_len - 1, an
    # emergency one when the deviation collapses.
    cycle_len = int(blk[VAR_ACYC]) * ip
    ph0 = int(blk[VAR_CYC]) * ip + int(blk[VAR_POS])
    ph = ph0
    total = blk[VAR_SUM]
    m2 = blk[VAR_M2]
    shift = blk[VAR_SHIFT]
    m2max = blk[VAR_M2MAX]
    run = int(blk[VAR_RUN])  # an integer on the loop's chain instead of a float addition
    prev = blk[VAR_PREV]
    flat = ip - 1  # the value is 0 once run >= period - 1
    sa = 0.0
    ta = 0.0
    qa = 0.0
    lo = ip
    while lo < m:
        hi = min(m, lo + _CHUNK)
        bad = first_nonfinite(x, lo, hi)
        if bad >= 0:
            return bad
        k = lo
        while k < hi:
            ka = k + (cycle_len - 1 - ph)  # the next scheduled recomputation
            end = min(hi, ka)
            if ka < hi:
                sa, ta, qa = _reanchor_seq(x, ka - ip + 1, ip, inv)
            # Views indexed from 0: no wraparound selects in the loop.
            xn = x[k:end]
            xo = x[k - ip : end - ip]
            on = out[k:end]
            nj = end - k
            # First without a branch per input; the rare segment in which the
            # deviation collapses is run again, from the same state, by the
            # loop below, which re-anchors at the collapse.
            r_f = run
            p_f = prev
            t_f = total
            q_f = m2
            mx_f = m2max
            low = False
            for j in range(nj):
                xj = xn[j]
                r_f = r_f + 1 if xj == p_f else 0
                p_f = xj
                xs = xj - shift
                olds = xo[j] - shift
                t_old = t_f
                q_old = q_f
                t_f = _sma_step(t_old, xs, olds)
                q_f = _m2_step(q_old, t_old, t_f, xs, olds, inv)
                mx_f = max(mx_f, q_old)
                low |= q_f < mx_f * COLLAPSE
                on[j] = 0.0 if r_f >= flat else q_f
            j = 0
            collapsed = False
            if not low:
                run = r_f
                prev = p_f
                total = t_f
                m2 = q_f
                m2max = mx_f
                j = nj
            while j < nj:
                xj = xn[j]
                run = run + 1 if xj == prev else 0
                prev = xj
                xs = xj - shift
                olds = xo[j] - shift
                total_old = total
                m2_old = m2
                total = _sma_step(total_old, xs, olds)
                m2 = _m2_step(m2_old, total_old, total, xs, olds, inv)
                if m2_old > m2max:
                    m2max = m2_old
                on[j] = 0.0 if run >= flat else m2
                j += 1
                if m2 < m2max * COLLAPSE:
                    shift, total, m2 = _reanchor_seq(x, k + j - ip, ip, inv)
                    m2max = m2
                    on[j - 1] = 0.0 if run >= flat else m2
                    collapsed = True
                    break
            ph += j
            k += j
            if collapsed:
                ph = ph % ip  # the ring-cycle count restarts; the scheduled recomputation moves
                continue
            if ka < hi:
                xk = x[k]
                run = run + 1 if xk == prev else 0
                prev = xk
                shift = sa
                total = ta
                m2 = qa
                m2max = m2
                out[k] = 0.0 if run >= flat else m2
                ph = 0
                k += 1
        # The loops above store m2 (0 for a flat window); the values, as
        # _var_core and _stddev_value give them, in one vectorised pass.
        oc = out[lo:hi]
        if sd:
            for j in range(hi - lo):
                oc[j] = _stddev_value(_var_value(oc[j], inv), nbdev)
        else:
            for j in range(hi - lo):
                oc[j] = _var_value(oc[j], inv)
        lo = hi
    refill_ring(blk, VAR_RING, ip, ph0, x, ip, m)
    blk[H_COUNT] += m - ip
    blk[VAR_SUM] = total
    blk[VAR_M2] = m2
    blk[VAR_SHIFT] = shift
    blk[VAR_M2MAX] = m2max
    blk[VAR_POS] = ph % ip
    blk[VAR_CYC] = ph // ip
    blk[VAR_RUN] = run
    blk[VAR_PREV] = prev
    blk[VAR_OUT] = out[m - 1]
    return -1


@jit(i8(F1, F1, F1))
def var_batch(blk, x, out):
    """Run a whole series through ``blk``; return the first non-finite index or -1 (see :func:`var_run`)."""
    return var_run(blk, x, out, False)


def var_lookback(period: int = 5) -> int:
    return period - 1


def make_block(period: int = 5, scale: float = 1.0) -> np.ndarray:
    blk = np.zeros(VAR_RING + period)
    blk[H_LOOKBACK] = var_lookback(period)
    blk[VAR_PERIOD] = period
    blk[VAR_INV] = 1.0 / period
    blk[VAR_SCALE] = scale
    blk[VAR_ACYC] = 1.0  # an exact recomputation at the end of every ring cycle
    blk[VAR_CYC] = blk[VAR_ACYC] - 1.0  # so that the first full window is computed exactly
    blk[VAR_OUT] = np.nan
    return blk


def _make_var_block(period: int = 5) -> np.ndarray:
    return make_block(period)


def var(close, period: int = 5) -> np.ndarray:
    """Population variance (ddof=0) of ``close`` over ``period`` inputs.

    Parameters
    ----------
    close : array_like
        Input series (any 1-D sequence of finite numbers).
    period : int, default 5
        Window length in [1, 100000] (TA-Lib's ``timeperiod``).

    Returns
    -------
    numpy.ndarray
        Same length as ``close``; NaN before index ``period - 1``.

    Examples
    --------
    >>> import ringta
    >>> ringta.var([1.0, 3.0, 5.0, 5.0], period=2).tolist()
    [nan, 1.0, 1.0, 0.0]
    """
    return batch_call(SPEC, "var", {"period": period}, {"close": close})[0]


class VAR(StreamingIndicator):
    """Streaming population variance over a window (see :func:`ringta.var`).

    Examples
    --------
    >>> import ringta
    >>> v = ringta.VAR(period=2)
    >>> [v.update(x) for x in (1.0, 3.0, 5.0, 5.0)]
    [nan, 1.0, 1.0, 0.0]
    """

    __slots__ = ()

    def __init__(self, period: int = 5):
        self._setup(SPEC.validate("VAR", period=period))

    def update(self, close: float) -> float:
        """Consume one input and return the new value (NaN while not ready)."""
        try:
            return var_update_checked(self._blk, close)
        except (ValueError, TypeError):
            raise ValueError(f"VAR.update: close={close!r} is not a finite number; state unchanged") from None


SPEC = KernelSpec(
    name="var",
    title="Variance (population)",
    kind_id=16,
    type="volatility",
    inputs=("close",),
    outputs=("value",),
    params=PARAMS,
    make_block=_make_var_block,
    lookback=var_lookback,
    out_offset=VAR_OUT,
    batch=var,
    stream=VAR,
    update_rows=var_update_rows,
    batch_driver=var_batch,
    peek_fn=var_peek,
    key_params=("period",),
)
VAR.spec = SPEC
