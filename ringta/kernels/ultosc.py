"""ULTOSC: Williams' ultimate oscillator.

Definition
    For each bar after the first, the buying pressure
    ``bp = close - min(low, prev_close)`` and the true range ``tr`` (see
    :mod:`ringta.kernels.trange`). With ``A_k``/``B_k`` the sums of ``bp``
    and ``tr`` over the last ``p_k`` bars and the three periods sorted so
    that ``p_1 <= p_2 <= p_3``,
    ``ultosc = 100 * ((4*A_1/B_1 + 2*A_2/B_2 + A_3/B_3) / 7)``, in TA-Lib's
    order of operations. The shortest window always gets weight 4 and the
    longest weight 1, whatever order the periods are given in (TA-Lib sorts
    them too). A window whose true ranges are all 0 contributes 0 (TA-Lib
    0.8's rule: such a window is recognized by counting the bars with
    ``tr == 0`` and ``bp == 0``, and its sums are reset to exactly 0).
Seed and warm-up
    First value at index ``max(period1, period2, period3)`` (TA-Lib's
    lookback: the longest window plus one bar for the first previous close);
    NaN before. Every window is full from the first value on.
Sums
    The last ``p_3`` values of ``bp`` and ``tr`` are kept in two rings in
    the block; the six window sums slide in O(1) per bar as
    ``(sum - outgoing) + incoming``, TA-Lib's sequence. A sliding sum is
    recomputed exactly from the rings (O(p_k), amortised O(1)):
    about every 512 bars (see :func:`ringta.kernels._ring.anchor_cycles`),
    so rounding error cannot accumulate over a long session; and at once
    when a window's true-range sum falls below a thousandth of its largest
    value since its last recomputation (a wide bar left a quiet window),
    when the sliding update has cancelled most of its digits, as in
    :mod:`ringta.kernels.bollinger`. TA-Lib never recomputes, so where its
    running sums have drifted the values differ by TA-Lib's own error;
    elsewhere they equal TA-Lib's to the last bit or few.
Inputs
    high, low, close.
Outputs
    ``value``, on a 0..100 scale for valid bars.
Reference
    TA-Lib ``ULTOSC``.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ._deque import first_nonfinite
from ._jit import F1, F2, I1, f8, i8, jit, void
from ._jit import b1 as boolean
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, anchor_cycles, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call
from .trange import _trange_step

UO_P1 = H_SIZE  # shortest period (weight 4)
UO_P2 = H_SIZE + 1  # middle period (weight 2)
UO_P3 = H_SIZE + 2  # longest period (weight 1), the rings' capacity
UO_ACYC = H_SIZE + 3  # ring cycles between exact recomputations of the sums
UO_CYC = H_SIZE + 4  # ring cycles since the last recomputation
UO_POS = H_SIZE + 5  # ring slot of the next bar's terms
UO_PREV = H_SIZE + 6  # previous close
UO_NULL = H_SIZE + 7  # consecutive bars with tr == 0 and bp == 0
UO_A = H_SIZE + 8  # sums of bp over the three windows (3 slots)
UO_B = H_SIZE + 11  # sums of tr over the three windows (3 slots)
UO_PEAK = H_SIZE + 14  # largest tr sum of each window since its last recomputation (3 slots)
UO_OUT = H_SIZE + 17
UO_RING = H_SIZE + 18  # ring of bp (P3 slots), then ring of tr (P3 slots)

# A window's sums are recomputed once its tr sum has fallen below this
# fraction of its largest value since the last recomputation: the sliding
# updates have then cancelled most of its digits (as in bollinger.COLLAPSE).
COLLAPSE = 1e-3

PARAMS = (
    Param("period1", int, 7, 1, MAX_PERIOD, doc="first window (TA-Lib's timeperiod1)"),
    Param("period2", int, 14, 1, MAX_PERIOD, doc="second window (TA-Lib's timeperiod2)"),
    Param("period3", int, 28, 1, MAX_PERIOD, doc="third window (TA-Lib's timeperiod3)"),
)


@jit(void(F1, i8, i8, boolean, boolean, boolean))
def _resum(blk, cap, pos, w1, w2, w3):
    """Recompute exactly the flagged windows' sums (and reset their peaks), from the rings.

    One pass, oldest first, over the slots ending at ``pos`` that the longest
    flagged window spans (O(that period)); each window adds the slots that
    lie within it. Streaming and batch call this at the same bars on the
    same rings, so they get the same bits.
    """
    rb = UO_RING
    rt = UO_RING + cap
    p1 = int(blk[UO_P1])
    p2 = int(blk[UO_P2])
    a1 = 0.0
    bsum1 = 0.0
    a2 = 0.0
    b2 = 0.0
    a3 = 0.0
    b3 = 0.0
    span = cap if w3 else (p2 if w2 else p1)
    j = pos - span + 1
    if j < 0:
        j += cap
    for age in range(span - 1, -1, -1):  # age 0 is the newest bar
        x = blk[rb + j]
        y = blk[rt + j]
        a3 += x
        b3 += y
        if age < p2:
            a2 += x
            b2 += y
            if age < p1:
                a1 += x
                bsum1 += y
        j += 1
        if j == cap:
            j = 0
    if w1:
        blk[UO_A] = a1
        blk[UO_B] = bsum1
        blk[UO_PEAK] = bsum1
    if w2:
        blk[UO_A + 1] = a2
        blk[UO_B + 1] = b2
        blk[UO_PEAK + 1] = b2
    if w3:
        blk[UO_A + 2] = a3
        blk[UO_B + 2] = b3
        blk[UO_PEAK + 2] = b3


T6 = nb.types.UniTuple(f8, 6)


@jit(T6(F1, F1, i8, i8, i8, i8))
def _resum_run(bp, tr, e, span, p1, p2):
    """:func:`_resum`'s pass over the window of ``span`` terms ending at ``bp[e]``, ``tr[e]`` (contiguous).

    Returns ``(A1, B1, A2, B2, A3, B3)``, each summed in the order
    :func:`_resum` uses, so the same values give the same bits.
    """
    a1 = 0.0
    b1 = 0.0
    a2 = 0.0
    b2 = 0.0
    a3 = 0.0
    b3 = 0.0
    for age in range(span - 1, -1, -1):
        x = bp[e - age]
        y = tr[e - age]
        a3 += x
        b3 += y
        if age < p2:
            a2 += x
            b2 += y
            if age < p1:
                a1 += x
                b1 += y
    return a1, b1, a2, b2, a3, b3


@jit(void(F1, f8, f8, f8, f8, f8, f8, f8, f8, f8))
def _store_sums(blk, a1, b1, a2, b2, a3, b3, k1, k2, k3):
    blk[UO_A] = a1
    blk[UO_A + 1] = a2
    blk[UO_A + 2] = a3
    blk[UO_B] = b1
    blk[UO_B + 1] = b2
    blk[UO_B + 2] = b3
    blk[UO_PEAK] = k1
    blk[UO_PEAK + 1] = k2
    blk[UO_PEAK + 2] = k3


@jit(f8(f8, f8, f8, f8, f8, f8))
def _ultosc_value(a1, b1, a2, b2, a3, b3):
    """``100 * ((4*A1/B1 + 2*A2/B2 + A3/B3) / 7)`` in TA-Lib's order; a window without range adds 0."""
    out = 0.0
    if b1 > 0.0:
        out += 4.0 * (a1 / b1)
    if b2 > 0.0:
        out += 2.0 * (a2 / b2)
    if b3 > 0.0:
        out += a3 / b3
    return 100.0 * (out / 7.0)


@jit(f8(f8, f8, f8))
def _buying_pressure(low, close, prev):
    """``close - min(low, prev)``, TA-Lib's ``min`` macro."""
    true_low = low if low < prev else prev
    return close - true_low


@jit(i8(i8, i8, i8))
def _slot_back(pos, k, cap):
    """The ring slot ``k`` bars before slot ``pos``."""
    j = pos - k
    return j + cap if j < 0 else j


@jit(f8(F1, f8, f8, f8))
def ultosc_update(blk, high, low, close):
    """Advance one ULTOSC block by one bar; return the new value (NaN while warming up).

    :func:`ultosc_batch` repeats the steady state on locals; the two must
    perform the same operations in the same order.
    """
    n = blk[H_COUNT]
    out = np.nan
    if n > 0.0:
        prev = blk[UO_PREV]
        bp = _buying_pressure(low, close, prev)
        tr = _trange_step(high, low, prev)
        cap = int(blk[UO_P3])
        p1 = int(blk[UO_P1])
        p2 = int(blk[UO_P2])
        pos = int(blk[UO_POS])
        lb = blk[H_LOOKBACK]
        rb = UO_RING
        rt = UO_RING + cap
        a1 = blk[UO_A]
        a2 = blk[UO_A + 1]
        a3 = blk[UO_A + 2]
        b1 = blk[UO_B]
        b2 = blk[UO_B + 1]
        b3 = blk[UO_B + 2]
        if n > lb:
            # Every window full: drop the bar that leaves it (read before its slot is
            # reused), then add the new one -- TA-Lib's sequence of operations.
            o1 = _slot_back(pos, p1, cap)
            o2 = _slot_back(pos, p2, cap)
            a1 = (a1 - blk[rb + o1]) + bp
            b1 = (b1 - blk[rt + o1]) + tr
            a2 = (a2 - blk[rb + o2]) + bp
            b2 = (b2 - blk[rt + o2]) + tr
            a3 = (a3 - blk[rb + pos]) + bp
            b3 = (b3 - blk[rt + pos]) + tr
        else:
            # Warm-up: a bar enters a window's sum once it lies within that window
            # at the first valid index, so each sum adds exactly its own bars.
            if n >= lb - p1 + 1.0:
                a1 = a1 + bp
                b1 = b1 + tr
            if n >= lb - p2 + 1.0:
                a2 = a2 + bp
                b2 = b2 + tr
            a3 = a3 + bp
            b3 = b3 + tr
        blk[rb + pos] = bp
        blk[rt + pos] = tr
        null = blk[UO_NULL] + 1.0 if (tr == 0.0 and bp == 0.0) else 0.0
        k1 = blk[UO_PEAK]
        k2 = blk[UO_PEAK + 1]
        k3 = blk[UO_PEAK + 2]
        if n >= lb:
            # A whole window of bars without range: its sums are exactly 0.
            if null >= p1:
                a1 = 0.0
                b1 = 0.0
                k1 = 0.0
                if null >= p2:
                    a2 = 0.0
                    b2 = 0.0
                    k2 = 0.0
                    if null >= cap:
                        null = float(cap)
                        a3 = 0.0
                        b3 = 0.0
                        k3 = 0.0
            # A sum that collapsed below COLLAPSE of its peak is recomputed; so is
            # every sum about every 512 bars, when the rings are in order.
            w1 = b1 < COLLAPSE * k1
            w2 = b2 < COLLAPSE * k2
            w3 = b3 < COLLAPSE * k3
            if pos == cap - 1:
                cyc = blk[UO_CYC] + 1.0
                if cyc >= blk[UO_ACYC]:
                    w1 = True
                    w2 = True
                    w3 = True
                    cyc = 0.0
                blk[UO_CYC] = cyc
            k1 = b1 if b1 > k1 else k1
            k2 = b2 if b2 > k2 else k2
            k3 = b3 if b3 > k3 else k3
            _store_sums(blk, a1, b1, a2, b2, a3, b3, k1, k2, k3)
            if w1 or w2 or w3:
                _resum(blk, cap, pos, w1, w2, w3)
            out = _ultosc_value(blk[UO_A], blk[UO_B], blk[UO_A + 1], blk[UO_B + 1], blk[UO_A + 2], blk[UO_B + 2])
        else:
            _store_sums(blk, a1, b1, a2, b2, a3, b3, b1, b2, b3)
        blk[UO_NULL] = null
        pos += 1
        blk[UO_POS] = pos if pos < cap else 0
    blk[UO_PREV] = close
    blk[H_COUNT] = n + 1.0
    blk[UO_OUT] = out
    return out


@jit(f8(F1, f8, f8, f8))
def ultosc_update_checked(blk, high, low, close):
    if not (math.isfinite(high) and math.isfinite(low) and math.isfinite(close)):
        raise ValueError("input is not finite")
    return ultosc_update(blk, high, low, close)


@jit(f8(F1, f8, f8, f8), nrt=True)
def ultosc_peek(blk, high, low, close):
    return ultosc_update(blk.copy(), high, low, close)


@jit(void(F2, I1, F1, F1, F1, F2))
def ultosc_update_rows(state, rows, high, low, close, out):
    """Advance ``state[rows[i]]`` by ``(high[i], low[i], close[i])``; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, min(high.shape[0], low.shape[0], close.shape[0]), out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = ultosc_update(state[rows[i]], high[i], low[i], close[i])


# Bars per chunk of the batch driver (at least the longest period): its
# scratch arrays stay in the core's cache between the passes over a chunk.
CHUNK = 4096

# State of the batch driver's steady state, in a scratch array st:
# st[0:6] the sums A1, B1, A2, B2, A3, B3; st[6:9] the peaks; st[9] the count of bars without range.
_S_NULL = 9
_S_WIDTH = 10


@jit(f8(f8, f8, f8), inline=True)
def _true_range(high, low, prev):
    """:func:`ringta.kernels.trange._trange_step` with selects instead of branches (the same bits): vectorises."""
    greatest = high - low
    v = abs(prev - high)
    greatest = v if v > greatest else greatest
    v = abs(prev - low)
    return v if v > greatest else greatest


@jit(f8(f8, f8, f8, f8, f8, f8), inline=True)
def _value_select(a1, b1, a2, b2, a3, b3):
    """:func:`_ultosc_value` with selects instead of branches (the same bits): vectorises."""
    out = 0.0
    t = out + 4.0 * (a1 / b1)
    out = t if b1 > 0.0 else out
    t = out + 2.0 * (a2 / b2)
    out = t if b2 > 0.0 else out
    t = out + a3 / b3
    out = t if b3 > 0.0 else out
    return 100.0 * (out / 7.0)


@jit(void(F1, F1, F1, i8, i8, i8, i8, i8, boolean, F1, F1, F1, F1, F1, F1))
def _steps_exact(st, bpb, trb, cap, p1, p2, lo, hi, anchor_last, sa1, sb1, sa2, sb2, sa3, sb3):
    """Bars ``lo .. hi-1`` of a chunk, every step of :func:`ultosc_update` (steady state) in its order.

    The terms of chunk bar ``q`` are ``bpb[cap + q]``, ``trb[cap + q]``,
    preceded by the last ``cap`` terms; the sums after each bar go to
    ``sa*[q]``, ``sb*[q]``. ``anchor_last``: the last bar is a scheduled
    re-anchoring (every sum recomputed).
    """
    a1 = st[0]
    b1 = st[1]
    a2 = st[2]
    b2 = st[3]
    a3 = st[4]
    b3 = st[5]
    k1 = st[6]
    k2 = st[7]
    k3 = st[8]
    null = st[_S_NULL]
    for q in range(lo, hi):
        e = cap + q
        x = bpb[e]
        y = trb[e]
        a1 = (a1 - bpb[e - p1]) + x
        b1 = (b1 - trb[e - p1]) + y
        a2 = (a2 - bpb[e - p2]) + x
        b2 = (b2 - trb[e - p2]) + y
        a3 = (a3 - bpb[e - cap]) + x
        b3 = (b3 - trb[e - cap]) + y
        null = null + 1.0 if (y == 0.0 and x == 0.0) else 0.0
        if null >= p1:
            a1 = 0.0
            b1 = 0.0
            k1 = 0.0
            if null >= p2:
                a2 = 0.0
                b2 = 0.0
                k2 = 0.0
                if null >= cap:
                    null = float(cap)
                    a3 = 0.0
                    b3 = 0.0
                    k3 = 0.0
        w1 = b1 < COLLAPSE * k1
        w2 = b2 < COLLAPSE * k2
        w3 = b3 < COLLAPSE * k3
        if anchor_last and q == hi - 1:
            w1 = True
            w2 = True
            w3 = True
        k1 = b1 if b1 > k1 else k1
        k2 = b2 if b2 > k2 else k2
        k3 = b3 if b3 > k3 else k3
        if w1 or w2 or w3:
            span = cap if w3 else (p2 if w2 else p1)
            r1, s1, r2, s2, r3, s3 = _resum_run(bpb, trb, e, span, p1, p2)
            if w1:
                a1 = r1
                b1 = s1
                k1 = s1
            if w2:
                a2 = r2
                b2 = s2
                k2 = s2
            if w3:
                a3 = r3
                b3 = s3
                k3 = s3
        sa1[q] = a1
        sb1[q] = b1
        sa2[q] = a2
        sb2[q] = b2
        sa3[q] = a3
        sb3[q] = b3
    st[0] = a1
    st[1] = b1
    st[2] = a2
    st[3] = b2
    st[4] = a3
    st[5] = b3
    st[6] = k1
    st[7] = k2
    st[8] = k3
    st[_S_NULL] = null


@jit(f8(I1, i8, i8, f8, F1))
def _peak_if_no_collapse(bits, lo, hi, peak, conv):
    """The peak after bars ``lo .. hi-1`` of one window's tr sums, or -1 if one of them may collapse.

    ``bits`` is the sums' float64 array viewed as int64: for floats >= +0 the
    integers are in the same order, so the least and largest sums come from
    vectorised integer reductions. If the least is at least ``COLLAPSE``
    times the largest peak the window can reach (its peak before the bars or
    the largest sum), no bar's ``b < COLLAPSE * k`` can hold, and the peak
    after them is the larger of the two. Negative, infinite or NaN sums
    answer -1 (the caller then takes every step).
    """
    bb = bits[lo:hi]  # zero-based: indexes the compiler knows are not negative (the loop vectorises)
    mn = bb[0]
    mx = bb[0]
    for q in range(bb.shape[0]):
        v = bb[q]
        mn = v if v < mn else mn
        mx = v if v > mx else mx
    if mn < 0 or mx >= 0x7FF0000000000000:
        return -1.0
    ci = conv.view(np.int64)
    ci[0] = mn
    ci[1] = mx
    least = conv[0]
    largest = conv[1]
    top = largest if largest > peak else peak
    if least >= COLLAPSE * top:
        return top
    return -1.0


@jit(i8(F1, F1, F1, F1, F1), nrt=True)  # allocates its scratch arrays
def ultosc_batch(blk, high, low, close, out):
    """Run whole series through ``blk``; return the first non-finite index or -1.

    Warm-up goes through :func:`ultosc_update` itself. The steady state
    performs the same operations in the same order in passes over chunks of
    bars: the buying pressures and true ranges (independent per bar:
    vectorised), then the six window sums on locals (the only loop-carried
    work; the outgoing terms come from a copy of the rings followed by the
    chunk's own terms), then the values (vectorised, three divisions per
    bar). The rings are refilled at the end, so the values and the final
    block are those of streaming, bit for bit.

    Between two scheduled re-anchorings, the bars first run the sliding sums
    alone; the collapse tests of those bars (``b < COLLAPSE * peak``) are
    then settled at once from the least and largest sums
    (:func:`_peak_if_no_collapse`), and the count of bars without range from
    the last bars (when the chunk has too few such bars to zero a window).
    Otherwise the bars run (again) with every step (:func:`_steps_exact`).
    """
    m = close.shape[0]
    lb = blk[H_LOOKBACK]
    i = 0
    while i < m and blk[H_COUNT] <= lb:
        if not (math.isfinite(high[i]) and math.isfinite(low[i]) and math.isfinite(close[i])):
            return i
        out[i] = ultosc_update(blk, high[i], low[i], close[i])
        i += 1
    if i == m:
        return -1
    cap = int(blk[UO_P3])
    p1 = int(blk[UO_P1])
    p2 = int(blk[UO_P2])
    pos0 = int(blk[UO_POS])
    # Phase within the re-anchoring cycle: ring cycles * cap + slot; every
    # sum is recomputed at the bar at phase cycle_len - 1.
    cycle_len = int(blk[UO_ACYC]) * cap
    ph = int(blk[UO_CYC]) * cap + pos0
    prev = blk[UO_PREV]
    st = np.empty(_S_WIDTH)
    st[0] = blk[UO_A]
    st[1] = blk[UO_B]
    st[2] = blk[UO_A + 1]
    st[3] = blk[UO_B + 1]
    st[4] = blk[UO_A + 2]
    st[5] = blk[UO_B + 2]
    st[6] = blk[UO_PEAK]
    st[7] = blk[UO_PEAK + 1]
    st[8] = blk[UO_PEAK + 2]
    st[_S_NULL] = blk[UO_NULL]
    conv = np.empty(2)
    rb = UO_RING
    rt = UO_RING + cap
    L = min(max(CHUNK, cap), m - i)
    bpb = np.empty(cap + L)  # the last cap terms before the chunk, oldest first, then the chunk's
    trb = np.empty(cap + L)
    sa1 = np.empty(L)
    sb1 = np.empty(L)
    sa2 = np.empty(L)
    sb2 = np.empty(L)
    sa3 = np.empty(L)
    sb3 = np.empty(L)
    ib1 = sb1.view(np.int64)
    ib2 = sb2.view(np.int64)
    ib3 = sb3.view(np.int64)
    for t in range(cap):
        j = pos0 + t
        j = j - cap if j >= cap else j
        bpb[t] = blk[rb + j]
        trb[t] = blk[rt + j]
    start = i
    bad = -1
    end = m
    while i < end:
        stop = min(end, i + L)
        kn = stop - i
        # Zero-based slices: indexes the compiler knows are not negative.
        hb = high[i:stop]
        lob = low[i:stop]
        cb = close[i:stop]
        bpn = bpb[cap : cap + kn]
        trn = trb[cap : cap + kn]
        bpn[0] = _buying_pressure(lob[0], cb[0], prev)
        trn[0] = _true_range(hb[0], lob[0], prev)
        cp = cb[: kn - 1]
        bq = bpn[1:]
        tq = trn[1:]
        hq = hb[1:]
        lq = lob[1:]
        cq = cb[1:]
        for k in range(kn - 1):
            tl = lq[k] if lq[k] < cp[k] else cp[k]
            bq[k] = cq[k] - tl
            tq[k] = _true_range(hq[k], lq[k], cp[k])
        # Finite terms mean finite inputs (a non-finite high, low or close makes its bar's
        # terms non-finite): two arrays in cache are checked instead of three inputs; the
        # inputs themselves only when a term is not finite (it may also have overflowed).
        if first_nonfinite(bpb, cap, cap + kn) >= 0 or first_nonfinite(trb, cap, cap + kn) >= 0:
            for arr in (high, low, close):
                b = first_nonfinite(arr, i, stop)
                if b >= 0:
                    stop = end = bad = b
            kn = stop - i
        if kn == 0:
            break
        bp1 = bpb[cap - p1 : cap - p1 + kn]  # the terms leaving each window
        tr1 = trb[cap - p1 : cap - p1 + kn]
        bp2 = bpb[cap - p2 : cap - p2 + kn]
        tr2 = trb[cap - p2 : cap - p2 + kn]
        bp3 = bpb[:kn]
        tr3 = trb[:kn]
        # Bars without range (tr == 0 and bp == 0) in the chunk: unless they could make a run
        # of the shortest period (a window zeroed), the count of them is settled after the sums.
        nulls = 0
        for q in range(kn):
            nulls += 1 if (trn[q] == 0.0) & (bpn[q] == 0.0) else 0
        fast = nulls + st[_S_NULL] < p1
        k = 0
        while k < kn:
            kend = min(kn, k + (cycle_len - 1 - ph))  # plain bars up to the next re-anchoring
            anchor = kend < kn
            done = kend == k
            if fast and not done:
                # The sliding sums alone.
                a1 = st[0]
                b1 = st[1]
                a2 = st[2]
                b2 = st[3]
                a3 = st[4]
                b3 = st[5]
                # zero-based views: indexes the compiler knows are not negative
                xs = bpn[k:kend]
                ys = trn[k:kend]
                xo1 = bp1[k:kend]
                yo1 = tr1[k:kend]
                xo2 = bp2[k:kend]
                yo2 = tr2[k:kend]
                xo3 = bp3[k:kend]
                yo3 = tr3[k:kend]
                oa1 = sa1[k:kend]
                ob1 = sb1[k:kend]
                oa2 = sa2[k:kend]
                ob2 = sb2[k:kend]
                oa3 = sa3[k:kend]
                ob3 = sb3[k:kend]
                for q in range(kend - k):
                    x = xs[q]
                    y = ys[q]
                    a1 = (a1 - xo1[q]) + x
                    b1 = (b1 - yo1[q]) + y
                    a2 = (a2 - xo2[q]) + x
                    b2 = (b2 - yo2[q]) + y
                    a3 = (a3 - xo3[q]) + x
                    b3 = (b3 - yo3[q]) + y
                    oa1[q] = a1
                    ob1[q] = b1
                    oa2[q] = a2
                    ob2[q] = b2
                    oa3[q] = a3
                    ob3[q] = b3
                n1 = _peak_if_no_collapse(ib1, k, kend, st[6], conv)
                n2 = _peak_if_no_collapse(ib2, k, kend, st[7], conv)
                n3 = _peak_if_no_collapse(ib3, k, kend, st[8], conv)
                if n1 >= 0.0 and n2 >= 0.0 and n3 >= 0.0:
                    # the count of bars without range: the run ending at the last bar
                    t = kend - 1
                    while t >= k and trn[t] == 0.0 and bpn[t] == 0.0:
                        t -= 1
                    null = float(kend - 1 - t)
                    st[0] = a1
                    st[1] = b1
                    st[2] = a2
                    st[3] = b2
                    st[4] = a3
                    st[5] = b3
                    st[6] = n1
                    st[7] = n2
                    st[8] = n3
                    st[_S_NULL] = null + st[_S_NULL] if t < k else null
                    done = True
            if not done:  # st still holds the state before bar k
                _steps_exact(st, bpb, trb, cap, p1, p2, k, kend, False, sa1, sb1, sa2, sb2, sa3, sb3)
            if anchor:
                _steps_exact(st, bpb, trb, cap, p1, p2, kend, kend + 1, True, sa1, sb1, sa2, sb2, sa3, sb3)
                ph = 0
                k = kend + 1
            else:
                ph += kend - k
                k = kend
        ob = out[i:stop]
        for q in range(kn):
            ob[q] = _value_select(sa1[q], sb1[q], sa2[q], sb2[q], sa3[q], sb3[q])
        for t in range(cap):  # the last cap terms move to the front for the next chunk
            bpb[t] = bpb[kn + t]
            trb[t] = trb[kn + t]
        prev = cb[kn - 1]
        i = stop
    if i > start:
        pos = ph % cap
        for t in range(cap):  # bpb[0:cap] holds the last cap terms, oldest first: the oldest goes to slot pos
            j = pos + t
            j = j - cap if j >= cap else j
            blk[rb + j] = bpb[t]
            blk[rt + j] = trb[t]
        blk[H_COUNT] += i - start
        blk[UO_CYC] = ph // cap
        blk[UO_POS] = pos
        blk[UO_PREV] = prev
        blk[UO_NULL] = st[_S_NULL]
        _store_sums(blk, st[0], st[1], st[2], st[3], st[4], st[5], st[6], st[7], st[8])
        blk[UO_OUT] = out[i - 1]
    return bad


def _sorted_periods(period1: int, period2: int, period3: int) -> list[int]:
    return sorted((period1, period2, period3))


def ultosc_lookback(period1: int = 7, period2: int = 14, period3: int = 28) -> int:
    return max(period1, period2, period3)


def make_block(period1: int = 7, period2: int = 14, period3: int = 28) -> np.ndarray:
    p1, p2, p3 = _sorted_periods(period1, period2, period3)
    blk = np.zeros(UO_RING + 2 * p3)
    blk[H_LOOKBACK] = ultosc_lookback(period1, period2, period3)
    blk[UO_P1] = p1
    blk[UO_P2] = p2
    blk[UO_P3] = p3
    blk[UO_ACYC] = anchor_cycles(p3)
    blk[UO_OUT] = np.nan
    return blk


def ultosc(high, low, close, period1: int = 7, period2: int = 14, period3: int = 28) -> np.ndarray:
    """Ultimate oscillator: buying pressure over true range in three windows, weighted 4:2:1, 0-100.

    Parameters
    ----------
    high, low, close : array_like
        Input series of equal length (finite numbers).
    period1, period2, period3 : int, default 7, 14, 28
        The three windows, each in [1, 100000], in any order: the shortest
        gets weight 4, the middle one 2 and the longest 1 (as in TA-Lib).

    Returns
    -------
    numpy.ndarray
        Same length as the inputs; NaN before index ``max(period1, period2, period3)``.

    Examples
    --------
    >>> import ringta
    >>> high, low, close = [10.0, 11.0, 12.0, 12.0], [9.0, 9.5, 10.0, 10.5], [9.5, 10.5, 11.5, 11.0]
    >>> ringta.ultosc(high, low, close, 1, 2, 3).round(6).tolist()
    [nan, nan, nan, 43.945578]
    """
    return batch_call(SPEC, "ultosc", {"period1": period1, "period2": period2, "period3": period3},
                      {"high": high, "low": low, "close": close})[0]


class ULTOSC(StreamingIndicator):
    """Streaming ultimate oscillator (see :func:`ringta.ultosc`).

    Examples
    --------
    >>> import ringta
    >>> u = ringta.ULTOSC(period1=1, period2=2, period3=3)
    >>> bars = ((10.0, 9.0, 9.5), (11.0, 9.5, 10.5), (12.0, 10.0, 11.5), (12.0, 10.5, 11.0))
    >>> round([u.update(h, l, c) for h, l, c in bars][-1], 6)
    43.945578
    """

    __slots__ = ()

    def __init__(self, period1: int = 7, period2: int = 14, period3: int = 28):
        self._setup(SPEC.validate("ULTOSC", period1=period1, period2=period2, period3=period3))

    def update(self, high: float, low: float, close: float) -> float:
        """Consume one bar's high, low and close; return the new value (NaN while not ready)."""
        try:
            return ultosc_update_checked(self._blk, high, low, close)
        except (ValueError, TypeError):
            raise ValueError(
                f"ULTOSC.update: high={high!r}, low={low!r}, close={close!r} must be finite; state unchanged"
            ) from None


SPEC = KernelSpec(
    name="ultosc",
    title="Ultimate Oscillator",
    kind_id=36,
    type="momentum",
    inputs=("high", "low", "close"),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=ultosc_lookback,
    out_offset=UO_OUT,
    batch=ultosc,
    stream=ULTOSC,
    update_rows=ultosc_update_rows,
    batch_driver=ultosc_batch,
    peek_fn=ultosc_peek,
    key_params=("period1", "period2", "period3"),
)
ULTOSC.spec = SPEC
