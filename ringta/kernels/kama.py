"""KAMA: Kaufman adaptive moving average.

Definition
    ``vol[t] = |x[t] - x[t-1]| + ... + |x[t-period+1] - x[t-period]|`` (the
    path travelled over the last ``period`` one-bar changes),
    ``er[t] = |x[t] - x[t-period]| / vol[t]`` (efficiency ratio),
    ``sc[t] = (er[t] * (2/3 - 2/31) + 2/31) ** 2`` (fixed fast/slow constants
    of EMA(2) and EMA(30), as in TA-Lib),
    ``kama[t] = kama[t-1] + sc[t] * (x[t] - kama[t-1])``, computed as
    ``fma(kama[t-1], 1 - sc[t], sc[t] * x[t])`` (one fused multiply-add on
    the loop-carried chain; TA-Lib's fused ``(x - kama) * sc + kama`` differs
    by about 1e-15 relative).
    In TA-Lib's order of operations and with its guards: ``er = 1`` when
    ``vol <= 0`` or ``vol <= x[t] - x[t-period]`` (a straight rise, or a flat
    window: 0/0 is 1), and ``vol`` is set to exactly 0 once ``period``
    consecutive one-bar changes are exactly 0 (TA-Lib 0.8's flat-window
    purge). ``period=1`` returns the input unchanged (TA-Lib's convention).
Seed and warm-up
    The previous close seeds the recursion: the first value, at index
    ``period`` (TA-Lib's lookback; 0 for ``period=1``), is one step from
    ``x[period-1]``. ``vol`` is summed sequentially during warm-up, like
    TA-Lib, then slid in O(1) per input (subtract the outgoing change, then
    add the new one, TA-Lib's order) and recomputed exactly from the ring
    (re-anchored) every ``anchor_cycles(period) * period`` inputs (512 to
    1,022 inputs for short periods), and at once when the sliding sum falls
    below 1/64 of its largest value since the last recomputation (a large
    move leaving the window, where subtracting it cancels digits). Its
    rounding error therefore cannot accumulate over a long session: on 2
    million bars with volatility regimes TA-Lib's running sum drifts to a
    relative error of 1e-3 in KAMA, this one stays at 1e-16. Otherwise the
    values are TA-Lib's up to the rounding of the volatility sum.
Inputs
    one series (close by default).
Outputs
    ``value``, in price units.
Reference
    TA-Lib ``KAMA(timeperiod)`` (0.8: flat-window purge, ``vol <= 0`` guard,
    ``period=1`` identity); Kaufman, *Smarter Trading* (1995).
"""

from __future__ import annotations

import math

import numpy as np

from ._fma import fma
from ._var_stack import stack_f8
from ._jit import F1, F2, I1, f8, i8, entry, jit, void
from ._deque import first_nonfinite
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, anchor_cycles, check_rows, refill_ring
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call

KAMA_PERIOD = H_SIZE
KAMA_AINT = H_SIZE + 1  # sliding updates between exact recomputations of the volatility sum
KAMA_SUM = H_SIZE + 2  # volatility: sum of |one-bar change| over the window
KAMA_NULL = H_SIZE + 3  # consecutive one-bar changes that are exactly 0 (capped at period)
KAMA_SINCE = H_SIZE + 4  # sliding updates since the last recomputation
KAMA_HIGH = H_SIZE + 5  # largest volatility sum since the last recomputation
KAMA_POS = H_SIZE + 6  # ring slot of the next input (holds the input of period + 1 bars ago)
KAMA_VALUE = H_SIZE + 7
KAMA_OUT = H_SIZE + 8
KAMA_RING = H_SIZE + 9  # the last period + 1 inputs

# A sliding sum that has fallen below 1/KAMA_SHRINK of its largest value since
# the last recomputation has cancelled that many digits: recompute it at once.
KAMA_SHRINK = 64.0

# Steps per block of the batch loop's exit-free fast path.
KAMA_BLOCK = 64
KAMA_BLOCKU = np.uint64(KAMA_BLOCK)

# TA-Lib's constants, written as TA-Lib computes them.
KAMA_SLOW = 2.0 / (30.0 + 1.0)
KAMA_DIFF = 2.0 / (2.0 + 1.0) - KAMA_SLOW

PARAMS = (Param("period", int, 30, 1, MAX_PERIOD, doc="efficiency-ratio window"),)


@jit(f8(F1, i8, i8, i8, i8))
def absdiff_sum(a, start, cap, head, n):
    """Sum of ``|a[k+1] - a[k]|`` over ``n`` consecutive changes, oldest first, from slot ``head``.

    The values are ``a[start + j]`` for slots ``j`` of a ring of ``cap``
    slots, read chronologically from ``head`` with wrap-around; an input
    array is the same window with ``head=0`` and no wrap. Four interleaved
    partial sums in a fixed order, so ring and array give the same bits.
    """
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    j = head
    prev = a[start + j]
    n4 = n - n % 4
    for k in range(0, n4, 4):
        j = j + 1 if j + 1 < cap else 0
        cur = a[start + j]
        s0 += abs(cur - prev)
        prev = cur
        j = j + 1 if j + 1 < cap else 0
        cur = a[start + j]
        s1 += abs(cur - prev)
        prev = cur
        j = j + 1 if j + 1 < cap else 0
        cur = a[start + j]
        s2 += abs(cur - prev)
        prev = cur
        j = j + 1 if j + 1 < cap else 0
        cur = a[start + j]
        s3 += abs(cur - prev)
        prev = cur
    total = (s0 + s1) + (s2 + s3)
    for k in range(n4, n):
        j = j + 1 if j + 1 < cap else 0
        cur = a[start + j]
        total += abs(cur - prev)
        prev = cur
    return total


@jit(f8(f8, f8, f8, f8))
def _kama_step(prev, x, vol, roc):
    """Efficiency ratio, smoothing constant and one KAMA step, in TA-Lib's order."""
    if vol <= 0.0 or vol <= roc:
        er = 1.0
    else:
        er = abs(roc / vol)
    sc = er * KAMA_DIFF + KAMA_SLOW
    sc = sc * sc
    # prev + sc * (x - prev) as prev * (1 - sc) + sc * x: one fused
    # multiply-add on the loop-carried chain (TA-Lib's fused
    # (x - prev) * sc + prev has a subtraction before it), the rest computable
    # ahead of the chain.
    return fma(prev, 1.0 - sc, sc * x)


@jit(f8(F1, f8))
def kama_update(blk, x):
    """Advance one KAMA block by one input; return the new value (NaN while warming up)."""
    n = blk[H_COUNT]
    p = blk[KAMA_PERIOD]
    cap = int(p) + 1
    pos = int(blk[KAMA_POS])
    nxt = pos + 1 if pos + 1 < cap else 0
    last = pos - 1 if pos > 0 else cap - 1
    x_prev = blk[KAMA_RING + last]  # x[t-1]
    x_back = blk[KAMA_RING + nxt]  # x[t-period]
    x_trail = blk[KAMA_RING + pos]  # x[t-period-1]
    blk[KAMA_RING + pos] = x
    blk[KAMA_POS] = nxt
    out = np.nan
    if p == 1.0:
        out = x  # TA-Lib: no smoothing at period 1
        blk[KAMA_VALUE] = x
    elif n > p:
        since = blk[KAMA_SINCE] + 1.0
        vol = blk[KAMA_SUM] - abs(x_trail - x_back)
        vol += abs(x - x_prev)
        high = max(blk[KAMA_HIGH], vol)
        if since >= blk[KAMA_AINT] or vol * KAMA_SHRINK < high:
            vol = absdiff_sum(blk, KAMA_RING, cap, nxt, cap - 1)
            high = vol
            since = 0.0
        null = 0.0
        if x == x_prev:
            null = blk[KAMA_NULL] + 1.0
            if null >= p:
                null = p
                vol = 0.0
                high = 0.0
        blk[KAMA_SINCE] = since
        blk[KAMA_HIGH] = high
        blk[KAMA_NULL] = null
        blk[KAMA_SUM] = vol
        out = _kama_step(blk[KAMA_VALUE], x, vol, x - x_back)
        blk[KAMA_VALUE] = out
    elif n > 0.0:
        vol = blk[KAMA_SUM] + abs(x_prev - x)
        blk[KAMA_SUM] = vol
        blk[KAMA_HIGH] = vol  # a sum of non-negative terms only grows
        blk[KAMA_NULL] = blk[KAMA_NULL] + 1.0 if x == x_prev else 0.0
        if n == p:
            out = _kama_step(x_prev, x, vol, x - x_back)
            blk[KAMA_VALUE] = out
    blk[H_COUNT] = n + 1.0
    blk[KAMA_OUT] = out
    return out


@jit(f8(F1, f8))
def kama_update_checked(blk, x):
    if not math.isfinite(x):
        raise ValueError("input is not finite")
    return kama_update(blk, x)


_kama_update_fast = entry(kama_update_checked)


@jit(f8(F1, f8), nrt=True)
def kama_peek(blk, x):
    return kama_update(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def kama_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]`` for every i; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, x.shape[0], out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = kama_update(state[rows[i]], x[i])


@jit(i8(F1, F1, F1))
def kama_batch(blk, x, out):
    """Run a whole series through ``blk``; return the first non-finite index or -1.

    The first ``period + 1`` inputs go through :func:`kama_update` (and the
    ring); after that the outgoing values are read from ``x`` itself, the
    same steps run on locals, and the ring is refilled at the end. The exact
    recomputations happen at the same input counts and add the same values
    in the same order as in streaming. The inputs are checked for finiteness
    one stretch between due recomputations at a time, and the recomputation
    stays out of the inner loop, which keeps that loop branch-light.
    """
    ip = int(blk[KAMA_PERIOD])
    cap = ip + 1
    m = x.shape[0]
    head = min(m, cap)
    for i in range(head):
        xi = x[i]
        if not math.isfinite(xi):
            return i
        out[i] = kama_update(blk, xi)
    if head == m:
        return -1
    aint = int(blk[KAMA_AINT])
    vol = blk[KAMA_SUM]
    null = int(blk[KAMA_NULL])
    since = int(blk[KAMA_SINCE])
    high = blk[KAMA_HIGH]
    v = blk[KAMA_VALUE]
    bad = -1
    end = m
    if ip == 1:
        for t in range(head, m):
            xt = x[t]
            if not math.isfinite(xt):
                bad = t
                end = t
                break
            v = xt
            out[t] = v
    else:
        vb = stack_f8(KAMA_BLOCK)
        ab = stack_f8(KAMA_BLOCK)
        bb = stack_f8(KAMA_BLOCK)
        one = np.uint64(1)
        ipu = np.uint64(ip)
        ipu1 = np.uint64(ip + 1)
        t = head
        while t < m:
            # Plain steps until the next due recomputation (or a shrink,
            # which leaves the inner loop), on inputs checked in one pass.
            stop = min(m, t + (aint - since))
            nf = first_nonfinite(x, t, stop)
            if nf >= 0:
                stop = nf
            plain_stop = min(stop, t + (aint - 1 - since))
            # Unsigned indices: the compiler then knows they are not negative
            # and drops the wrap-around code of every load.
            k = np.uint64(t)
            ku_stop = np.uint64(plain_stop)
            purge = False
            while True:
                # Blocks of KAMA_BLOCK steps with no exit in the loop: the
                # smallest and largest sums and the longest run of repeated
                # closes are tracked instead, and a block where a shrink or
                # a purge might have happened is rerun by the checked loop
                # below from the saved state (same operations, same bits).
                # Software-pipelined: the volatility sums of a block are
                # computed in the same loop as the KAMA steps of the block
                # before it (two independent chains that overlap), and the
                # smoothing constants in between, in one vectorised pass
                # (its division was what limited a one-pass loop).
                pending = False
                while k + KAMA_BLOCKU <= ku_stop:
                    vol0 = vol
                    null0 = null
                    lo = vol
                    hi = high
                    run = null
                    kp = k - KAMA_BLOCKU
                    for q in range(KAMA_BLOCK):
                        j = k + np.uint64(q)
                        xk = x[j]
                        x_prev = x[j - one]
                        vol = vol - abs(x[j - ipu1] - x[j - ipu])
                        vol += abs(xk - x_prev)
                        vb[q] = vol
                        lo = min(lo, vol)
                        hi = max(hi, vol)
                        null = null + 1 if xk == x_prev else 0
                        run = max(run, null)
                        if pending:  # loop-invariant: the compiler makes two loops of this one
                            v = fma(v, ab[q], bb[q])
                            out[kp + np.uint64(q)] = v
                    pending = False
                    if lo * KAMA_SHRINK < hi or run >= ip:
                        vol = vol0
                        null = null0
                        break
                    high = hi
                    # _kama_step's operations, lane by lane (the division is
                    # computed for every bar and discarded where er is 1).
                    for q in range(KAMA_BLOCK):
                        j = k + np.uint64(q)
                        xk = x[j]
                        roc = xk - x[j - ipu]
                        vq = vb[q]
                        er = abs(roc / vq)
                        er = 1.0 if (vq <= 0.0 or vq <= roc) else er
                        sc = er * KAMA_DIFF + KAMA_SLOW
                        sc = sc * sc
                        ab[q] = 1.0 - sc
                        bb[q] = sc * xk
                    pending = True
                    k += KAMA_BLOCKU
                if pending:
                    kp = k - KAMA_BLOCKU
                    for q in range(KAMA_BLOCK):
                        v = fma(v, ab[q], bb[q])
                        out[kp + np.uint64(q)] = v
                k_end = min(k + KAMA_BLOCKU, ku_stop)
                event = False
                while k < k_end:
                    xk = x[k]
                    x_prev = x[k - one]
                    x_back = x[k - ipu]
                    vol = vol - abs(x[k - ipu1] - x_back)
                    vol += abs(xk - x_prev)
                    high = max(high, vol)
                    if vol * KAMA_SHRINK < high:
                        event = True
                        break
                    null = null + 1 if xk == x_prev else 0
                    if null >= ip:
                        purge = True
                        event = True
                        break
                    v = _kama_step(v, xk, vol, xk - x_back)
                    out[k] = v
                    k += one
                if event or k >= ku_stop:
                    break
            k = int(k)
            since += k - t
            t = k
            if purge:
                # A plain step (no recomputation) that purges the sum.
                null = ip
                vol = 0.0
                high = 0.0
                xk = x[t]
                v = _kama_step(v, xk, vol, xk - x[t - ip])
                out[t] = v
                since += 1
                t += 1
            elif t < stop:
                # Recomputation at t: due, or the sliding sum shrank (the
                # sliding value streaming computes first is discarded).
                xk = x[t]
                x_prev = x[t - 1]
                x_back = x[t - ip]
                vol = absdiff_sum(x, t - ip, cap, 0, ip)
                high = vol
                since = 0
                null = null + 1 if xk == x_prev else 0
                if null >= ip:
                    null = ip
                    vol = 0.0
                    high = 0.0
                v = _kama_step(v, xk, vol, xk - x_back)
                out[t] = v
                t += 1
            elif nf >= 0:
                bad = nf
                end = nf
                break
    if end > head:
        pos0 = int(blk[KAMA_POS])
        refill_ring(blk, KAMA_RING, cap, pos0, x, head, end)
        blk[KAMA_POS] = (pos0 + (end - head)) % cap
        blk[H_COUNT] += end - head
        blk[KAMA_SUM] = vol
        blk[KAMA_NULL] = null
        blk[KAMA_SINCE] = since
        blk[KAMA_HIGH] = high
        blk[KAMA_VALUE] = v
        blk[KAMA_OUT] = v
    return bad


def kama_lookback(period: int = 30) -> int:
    return 0 if period == 1 else period


def make_block(period: int = 30) -> np.ndarray:
    blk = np.zeros(KAMA_RING + period + 1)
    blk[H_LOOKBACK] = kama_lookback(period)
    blk[KAMA_PERIOD] = period
    blk[KAMA_AINT] = anchor_cycles(period) * period
    blk[KAMA_VALUE] = np.nan
    blk[KAMA_OUT] = np.nan
    return blk


def kama(close, period: int = 30) -> np.ndarray:
    """Kaufman adaptive moving average of ``close`` (TA-Lib's KAMA).

    Parameters
    ----------
    close : array_like
        Input series (any 1-D sequence of finite numbers).
    period : int, default 30
        Efficiency-ratio window in [1, 100000] (TA-Lib's ``timeperiod``);
        the fast and slow constants are TA-Lib's fixed EMA(2) and EMA(30).
        ``period=1`` returns ``close`` unchanged, as TA-Lib does.

    Returns
    -------
    numpy.ndarray
        Same length as ``close``; NaN before index ``period`` (none for ``period=1``).

    Examples
    --------
    >>> import ringta
    >>> ringta.kama([1.0, 2.0, 3.0, 2.0, 4.0], period=2).round(6).tolist()
    [nan, nan, 2.444444, 2.442595, 2.552156]
    """
    return batch_call(SPEC, "kama", {"period": period}, {"close": close})[0]


class KAMA(StreamingIndicator):
    """Streaming Kaufman adaptive moving average (see :func:`ringta.kama`).

    Examples
    --------
    >>> import ringta
    >>> k = ringta.KAMA(period=2)
    >>> [round(k.update(v), 6) for v in (1.0, 2.0, 3.0, 2.0)][2:]
    [2.444444, 2.442595]
    >>> k.ready, round(k.peek(4.0), 6)
    (True, 2.552156)
    """

    __slots__ = ()

    def __init__(self, period: int = 30):
        self._setup(SPEC.validate("KAMA", period=period))

    def update(self, close: float) -> float:
        """Consume one input and return the new value (NaN while not ready)."""
        try:
            if type(close) is float:
                return _kama_update_fast(self._blk, close)
            return kama_update_checked(self._blk, close)  # converts numbers, refuses the rest
        except (ValueError, TypeError):
            raise ValueError(f"KAMA.update: close={close!r} is not a finite number; state unchanged") from None


SPEC = KernelSpec(
    name="kama",
    title="Kaufman Adaptive Moving Average",
    kind_id=29,
    type="trend",
    inputs=("close",),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=kama_lookback,
    out_offset=KAMA_OUT,
    batch=kama,
    stream=KAMA,
    update_rows=kama_update_rows,
    batch_driver=kama_batch,
    peek_fn=kama_peek,
    key_params=("period",),
)
KAMA.spec = SPEC
