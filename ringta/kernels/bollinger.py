"""Bollinger Bands.

Definition
    ``middle = sma(close, period)``; ``sd`` is the population standard
    deviation (ddof=0) of the same window; ``upper = middle + num_std * sd``,
    ``lower = middle - num_std * sd``.
Seed and warm-up
    First value at index ``period - 1`` (TA-Lib's lookback).
    The window sum and sum of squared deviations are kept relative to a
    shift ``K`` (a recent window mean), updated in O(1) with a sliding Welford
    step, and re-anchored by an exact two-pass recomputation from the ring
    about every 512 inputs (and at the first full window). Because the sums
    hold small deviations rather than prices, the deviation stays within
    about 1e-12 relative of an exact recomputation after millions of updates
    at any price level. A window of identical inputs gives exactly 0.
Inputs
    one series (close by default).
Outputs
    ``upper``, ``middle``, ``lower``, in price units.
Reference
    TA-Lib ``BBANDS(period, num_std, num_std, SMA)``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._jit import F1, F2, I1, T3, b1, f8, i8, entry, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, anchor_cycles, check_rows, refill_ring, window_sqdev, window_sum, put_columns3
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call
from .sma import _sma_step

BB_PERIOD = H_SIZE
BB_INV = H_SIZE + 1  # 1 / period, as in SMA
BB_NSTD = H_SIZE + 2
BB_ACYC = H_SIZE + 3  # ring cycles between exact recomputations
BB_SUM = H_SIZE + 4  # sum of (x - BB_SHIFT) over the window
BB_M2 = H_SIZE + 5
BB_POS = H_SIZE + 6  # ring slot of the next input
BB_CYC = H_SIZE + 7  # ring cycles since the last recomputation
BB_RUN = H_SIZE + 8  # how many consecutive inputs equalled their predecessor
BB_PREV = H_SIZE + 9
BB_OUT = H_SIZE + 10  # upper, middle, lower
BB_SHIFT = H_SIZE + 13
BB_M2MAX = H_SIZE + 14  # largest m2 since the last exact recomputation
BB_RING = H_SIZE + 15

PARAMS = (
    Param("period", int, 20, 1, MAX_PERIOD, doc="window length"),
    Param("num_std", float, 2.0, 0.0, 1000.0, doc="band width in standard deviations"),
)


class BBandsResult(NamedTuple):
    """Upper, middle and lower band (floats, or arrays from :func:`bbands`).

    Examples
    --------
    >>> BBandsResult(11.0, 10.0, 9.0).middle
    10.0
    """

    upper: float
    middle: float
    lower: float


@jit(f8(f8, f8, f8, f8, f8, f8))
def _m2_step(m2, total_old, total_new, x_new, x_old, inv):
    """Sliding Welford update of the sum of squared deviations (shifted inputs)."""
    return m2 + (x_new - x_old) * ((x_new - total_new * inv) + (x_old - total_old * inv))


@jit(T3(F1, i8, i8, i8, f8))
def _reanchor(a, start, cap, head, inv):
    """Exact recomputation from a window (oldest at slot ``head``): (shift, shifted sum, m2)."""
    shift = window_sum(a, start, cap, head, 0.0) * inv
    total = window_sum(a, start, cap, head, shift)
    m2 = window_sqdev(a, start, cap, head, shift + total * inv)
    return shift, total, m2


# Once the sum of squared deviations has shrunk below this fraction of its
# largest value since the last exact recomputation, the sliding updates have
# cancelled most of its digits (an outlier left the window, or volatility
# faded): recompute it exactly.
COLLAPSE = 1e-3


@jit(f8(f8, f8, f8))
def _band_mid(shift, total, inv):
    return shift + total * inv


@jit(f8(f8, f8, f8, f8, f8))
def _band_half(m2, run, p, inv, nstd):
    """``num_std`` deviations; 0 for a window of identical inputs (``run``) or a non-positive ``m2``."""
    flat = (run >= p - 1.0) | (not (m2 > 0.0))
    return nstd * (0.0 if flat else math.sqrt(m2 * inv))


@jit(T3(f8, f8, f8, f8, f8, f8, f8))
def _bands(shift, total, m2, run, p, inv, nstd):
    mid = _band_mid(shift, total, inv)
    t = _band_half(m2, run, p, inv, nstd)
    return mid + t, mid, mid - t


@jit(T3(F1, f8))
def _bbands_update_full(blk, x):
    """The whole update, re-anchoring included."""
    p = blk[BB_PERIOD]
    pos = int(blk[BB_POS])
    n = blk[H_COUNT]
    slot = BB_RING + pos
    old = blk[slot]
    blk[slot] = x
    run = blk[BB_RUN] + 1.0 if (n > 0.0 and x == blk[BB_PREV]) else 0.0
    total_old = blk[BB_SUM]
    shift = blk[BB_SHIFT]
    inv = blk[BB_INV]
    xs = x - shift
    olds = old - shift
    ip = int(p)
    m2_old = blk[BB_M2]
    cyc = blk[BB_CYC]
    anchor = False
    if pos == ip - 1:
        cyc += 1.0
        anchor = cyc >= blk[BB_ACYC]
    m2max = blk[BB_M2MAX]
    if not anchor:
        total = _sma_step(total_old, xs, olds)
        m2 = _m2_step(m2_old, total_old, total, xs, olds, inv)
        if m2_old > m2max:
            m2max = m2_old
        anchor = n >= p and m2 < m2max * COLLAPSE
    pos = pos + 1 if pos + 1 < ip else 0
    if anchor:
        shift, total, m2 = _reanchor(blk, BB_RING, ip, pos, inv)
        cyc = 0.0
        m2max = m2
    blk[BB_CYC] = cyc
    blk[BB_M2MAX] = m2max
    n += 1.0
    blk[H_COUNT] = n
    blk[BB_SUM] = total
    blk[BB_M2] = m2
    blk[BB_POS] = pos
    blk[BB_SHIFT] = shift
    blk[BB_RUN] = run
    blk[BB_PREV] = x
    if n > blk[H_LOOKBACK]:
        up, mid, lo = _bands(shift, total, m2, run, p, inv, blk[BB_NSTD])
        blk[BB_OUT] = up
        blk[BB_OUT + 1] = mid
        blk[BB_OUT + 2] = lo
    return blk[BB_OUT], blk[BB_OUT + 1], blk[BB_OUT + 2]


@jit(f8(F1, f8))
def _bbands_update_plain(blk, x):
    """The update when no re-anchoring happens; returns 0.0 without changing anything when one is due.

    The same arithmetic as :func:`_bbands_update_full` without its loops and
    calls, which the CPU runs several times faster.
    """
    p = blk[BB_PERIOD]
    pos = int(blk[BB_POS])
    ip = int(p)
    n = blk[H_COUNT]
    if pos == ip - 1 and blk[BB_CYC] + 1.0 >= blk[BB_ACYC]:
        return 0.0
    slot = BB_RING + pos
    old = blk[slot]
    total_old = blk[BB_SUM]
    shift = blk[BB_SHIFT]
    inv = blk[BB_INV]
    xs = x - shift
    olds = old - shift
    m2_old = blk[BB_M2]
    total = _sma_step(total_old, xs, olds)
    m2 = _m2_step(m2_old, total_old, total, xs, olds, inv)
    m2max = blk[BB_M2MAX]
    if m2_old > m2max:
        m2max = m2_old
    if n >= p and m2 < m2max * COLLAPSE:
        return 0.0
    run = blk[BB_RUN] + 1.0 if (n > 0.0 and x == blk[BB_PREV]) else 0.0
    blk[slot] = x
    if pos == ip - 1:
        blk[BB_CYC] = blk[BB_CYC] + 1.0
    blk[BB_M2MAX] = m2max
    n += 1.0
    blk[H_COUNT] = n
    blk[BB_SUM] = total
    blk[BB_M2] = m2
    blk[BB_POS] = pos + 1 if pos + 1 < ip else 0
    blk[BB_RUN] = run
    blk[BB_PREV] = x
    up, mid, lo = _bands(shift, total, m2, run, p, inv, blk[BB_NSTD])
    valid = n > blk[H_LOOKBACK]
    blk[BB_OUT] = up if valid else np.nan
    blk[BB_OUT + 1] = mid if valid else np.nan
    blk[BB_OUT + 2] = lo if valid else np.nan
    return 1.0


@jit(T3(F1, f8), inline=True)
def bbands_update(blk, x):
    """Advance one block by one input; return ``(upper, middle, lower)`` (NaN while warming up)."""
    if _bbands_update_plain(blk, x) == 0.0:
        return _bbands_update_full(blk, x)
    return blk[BB_OUT], blk[BB_OUT + 1], blk[BB_OUT + 2]


@jit(T3(F1, f8))
def bbands_update_checked(blk, x):
    if not math.isfinite(x):
        raise ValueError("input is not finite")
    return bbands_update(blk, x)


_bbands_update_fast = entry(bbands_update_checked)


@jit(T3(F1, f8), nrt=True)
def bbands_peek(blk, x):
    return bbands_update(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def bbands_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]``; write upper, middle, lower to ``out[i, 0:3]``."""
    check_rows(state.shape[0], rows, x.shape[0], out.shape[0])
    for i in range(rows.shape[0]):
        blk = state[rows[i]]
        if _bbands_update_plain(blk, x[i]) == 0.0:
            up, mid, lo = _bbands_update_full(blk, x[i])
        else:
            up, mid, lo = blk[BB_OUT], blk[BB_OUT + 1], blk[BB_OUT + 2]
        out[i, 0] = up
        out[i, 1] = mid
        out[i, 2] = lo


@jit(b1(F2, i8, i8, F1, i8))
def bbands_columns_ready(st, a, b, x, i0):
    """Whether columns ``a .. b-1`` of a column table, fed ``x[i0:]``, all take the plain update.

    As in SMA, the columns must share one ring slot; none may re-anchor,
    either on schedule or because its sum of squares collapses, which takes
    the same arithmetic as the update itself to know.
    """
    n = st[H_COUNT, a:b]
    p = st[BB_PERIOD, a:b]
    inv = st[BB_INV, a:b]
    acyc = st[BB_ACYC, a:b]
    total = st[BB_SUM, a:b]
    m2 = st[BB_M2, a:b]
    pos = st[BB_POS, a:b]
    cyc = st[BB_CYC, a:b]
    shift = st[BB_SHIFT, a:b]
    m2max = st[BB_M2MAX, a:b]
    q = pos[0]
    ring = st[BB_RING + int(q), a:b]
    xs = x[i0 : i0 + b - a]
    ok = True
    for k in range(b - a):
        xd = xs[k] - shift[k]
        od = ring[k] - shift[k]
        t = _sma_step(total[k], xd, od)
        w = _m2_step(m2[k], total[k], t, xd, od, inv[k])
        top = m2[k] if m2[k] > m2max[k] else m2max[k]
        ok &= (pos[k] == q) & ((pos[k] != p[k] - 1.0) | (cyc[k] + 1.0 < acyc[k]))
        ok &= (n[k] < p[k]) | (w >= top * COLLAPSE)
    return ok


@jit(void(F2, i8, i8, F1, F1, i8, F2))
def bbands_columns_step(st, a, b, x, v, i0, out):
    """:func:`_bbands_update_plain` for columns ``a .. b-1`` fed ``x[i0:]``, across columns.

    Split into loops that each touch a few fields: LLVM vectorises a loop
    over many arrays of unknown overlap only with run-time overlap checks
    between every pair, and gives up beyond a handful.
    """
    m = b - a
    n = st[H_COUNT, a:b]
    lb = st[H_LOOKBACK, a:b]
    p = st[BB_PERIOD, a:b]
    inv = st[BB_INV, a:b]
    nstd = st[BB_NSTD, a:b]
    total = st[BB_SUM, a:b]
    m2 = st[BB_M2, a:b]
    pos = st[BB_POS, a:b]
    cyc = st[BB_CYC, a:b]
    run = st[BB_RUN, a:b]
    prev = st[BB_PREV, a:b]
    up = st[BB_OUT, a:b]
    mid = st[BB_OUT + 1, a:b]
    lo = st[BB_OUT + 2, a:b]
    shift = st[BB_SHIFT, a:b]
    m2max = st[BB_M2MAX, a:b]
    ring = st[BB_RING + int(pos[0]), a:b]
    xs = x[i0 : i0 + m]
    for k in range(m):
        m2max[k] = m2[k] if m2[k] > m2max[k] else m2max[k]
    for k in range(m):
        xd = xs[k] - shift[k]
        od = ring[k] - shift[k]
        t = _sma_step(total[k], xd, od)
        m2[k] = _m2_step(m2[k], total[k], t, xd, od, inv[k])
        total[k] = t
    for k in range(m):
        run[k] = run[k] + 1.0 if ((n[k] > 0.0) & (xs[k] == prev[k])) else 0.0
        prev[k] = xs[k]
        ring[k] = xs[k]
    for k in range(m):
        wrap = pos[k] == p[k] - 1.0
        cyc[k] = cyc[k] + 1.0 if wrap else cyc[k]
        pos[k] = 0.0 if wrap else pos[k] + 1.0
        n[k] = n[k] + 1.0
    for k in range(m):
        mid[k] = _band_mid(shift[k], total[k], inv[k])
        lo[k] = _band_half(m2[k], run[k], p[k], inv[k], nstd[k])
    for k in range(m):
        valid = n[k] > lb[k]
        c = mid[k]
        t = lo[k]
        up[k] = c + t if valid else np.nan
        mid[k] = c if valid else np.nan
        lo[k] = c - t if valid else np.nan
    put_columns3(out, i0, up, mid, lo)


@jit(i8(F1, F1, F1, F1, F1))
def bbands_batch(blk, x, out_upper, out_middle, out_lower):
    """Run a whole series through ``blk``; return the first non-finite index or -1.

    The first ``period`` inputs go through :func:`bbands_update` (and the
    ring); after that the outgoing value is read from ``x`` and the ring is
    refilled with the last inputs at the end.
    """
    p = blk[BB_PERIOD]
    ip = int(p)
    m = x.shape[0]
    head = min(m, ip)
    for i in range(head):
        xi = x[i]
        if not math.isfinite(xi):
            return i
        up, mid, lo = bbands_update(blk, xi)
        out_upper[i] = up
        out_middle[i] = mid
        out_lower[i] = lo
    if head == m:
        return -1
    # Phase within the re-anchoring cycle (ring cycles * period + slot), as
    # in bbands_update: a scheduled re-anchor at the end of each cycle, an
    # emergency one when the deviation collapses.
    cycle_len = int(blk[BB_ACYC]) * ip
    ph0 = int(blk[BB_CYC]) * ip + int(blk[BB_POS])
    ph = ph0
    inv = blk[BB_INV]
    nstd = blk[BB_NSTD]
    total = blk[BB_SUM]
    m2 = blk[BB_M2]
    shift = blk[BB_SHIFT]
    m2max = blk[BB_M2MAX]
    run = blk[BB_RUN]
    prev = blk[BB_PREV]
    acc = 0.0  # x - x is 0 for finite x and NaN otherwise
    for k in range(ip, m):
        xk = x[k]
        acc += xk - xk
        run = run + 1.0 if xk == prev else 0.0
        prev = xk
        if ph == cycle_len - 1:
            shift, total, m2 = _reanchor(x, k - ip + 1, ip, 0, inv)
            m2max = m2
            ph = 0
        else:
            xs = xk - shift
            olds = x[k - ip] - shift
            total_old = total
            m2_old = m2
            total = _sma_step(total_old, xs, olds)
            m2 = _m2_step(m2_old, total_old, total, xs, olds, inv)
            if m2_old > m2max:
                m2max = m2_old
            ph += 1
            if m2 < m2max * COLLAPSE:
                shift, total, m2 = _reanchor(x, k - ip + 1, ip, 0, inv)
                m2max = m2
                ph = ph % ip
        up, mid, lo = _bands(shift, total, m2, run, p, inv, nstd)
        out_upper[k] = up
        out_middle[k] = mid
        out_lower[k] = lo
    if acc != 0.0:
        for k in range(ip, m):
            if not math.isfinite(x[k]):
                return k
    refill_ring(blk, BB_RING, ip, ph0, x, ip, m)
    blk[H_COUNT] += m - ip
    blk[BB_SUM] = total
    blk[BB_M2] = m2
    blk[BB_SHIFT] = shift
    blk[BB_M2MAX] = m2max
    blk[BB_POS] = ph % ip
    blk[BB_CYC] = ph // ip
    blk[BB_RUN] = run
    blk[BB_PREV] = prev
    blk[BB_OUT] = out_upper[m - 1]
    blk[BB_OUT + 1] = out_middle[m - 1]
    blk[BB_OUT + 2] = out_lower[m - 1]
    return -1


def bbands_lookback(period: int = 20, num_std: float = 2.0) -> int:
    return period - 1


def make_block(period: int = 20, num_std: float = 2.0) -> np.ndarray:
    blk = np.zeros(BB_RING + period)
    blk[H_LOOKBACK] = bbands_lookback(period)
    blk[BB_PERIOD] = period
    blk[BB_INV] = 1.0 / period
    blk[BB_ACYC] = anchor_cycles(period)
    blk[BB_CYC] = blk[BB_ACYC] - 1.0  # so that the first full window is computed exactly
    blk[BB_NSTD] = num_std
    blk[BB_OUT : BB_OUT + 3] = np.nan
    return blk


def bbands(close, period: int = 20, num_std: float = 2.0) -> BBandsResult:
    """Bollinger Bands of ``close``: SMA middle, population-std bands.

    Parameters
    ----------
    close : array_like
        Input series (any 1-D sequence of finite numbers).
    period : int, default 20
        Window length in [1, 100000].
    num_std : float, default 2.0
        Band half-width in standard deviations, in [0, 1000].

    Returns
    -------
    BBandsResult
        Named tuple ``(upper, middle, lower)`` of arrays as long as ``close``;
        NaN before index ``period - 1``.

    Examples
    --------
    >>> import ringta
    >>> up, mid, lo = ringta.bbands([1.0, 3.0, 1.0, 3.0], period=2, num_std=2.0)
    >>> up.tolist(), mid.tolist(), lo.tolist()
    ([nan, 4.0, 4.0, 4.0], [nan, 2.0, 2.0, 2.0], [nan, 0.0, 0.0, 0.0])
    """
    return BBandsResult(*batch_call(SPEC, "bbands", {"period": period, "num_std": num_std}, {"close": close}))


_new = tuple.__new__


class BollingerBands(StreamingIndicator):
    """Streaming Bollinger Bands (see :func:`ringta.bbands`); ``update`` returns a :class:`BBandsResult`.

    Examples
    --------
    >>> import ringta
    >>> b = ringta.BollingerBands(period=2, num_std=1.0)
    >>> b.update(1.0)
    BBandsResult(upper=nan, middle=nan, lower=nan)
    >>> b.update(3.0)
    BBandsResult(upper=3.0, middle=2.0, lower=1.0)
    """

    __slots__ = ()

    def __init__(self, period: int = 20, num_std: float = 2.0):
        self._setup(SPEC.validate("BollingerBands", period=period, num_std=num_std))

    def update(self, close: float) -> BBandsResult:
        """Consume one input; return ``(upper, middle, lower)`` (NaN while not ready)."""
        try:
            if type(close) is float:
                return _new(BBandsResult, _bbands_update_fast(self._blk, close))
            return _new(BBandsResult, bbands_update_checked(self._blk, close))  # converts numbers, refuses the rest
        except (ValueError, TypeError):
            raise ValueError(f"BollingerBands.update: close={close!r} is not a finite number; state unchanged") from None


SPEC = KernelSpec(
    name="bbands",
    title="Bollinger Bands",
    kind_id=5,
    type="volatility",
    inputs=("close",),
    outputs=("upper", "middle", "lower"),
    params=PARAMS,
    make_block=make_block,
    lookback=bbands_lookback,
    out_offset=BB_OUT,
    batch=bbands,
    stream=BollingerBands,
    update_rows=bbands_update_rows,
    batch_driver=bbands_batch,
    peek_fn=bbands_peek,
    result=BBandsResult,
    key_params=("period", "num_std"),
)
BollingerBands.spec = SPEC
