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

import numba as nb
import numpy as np

from ._deque import first_nonfinite
from ._jit import F1, F2, I1, T3, b1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows, refill_ring
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call
from ._var_stack import LANES, lane_pass, stack_f8
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


@jit(f8(f8, f8, f8), inline=True)
def _sd_of_m2(m2, inv, nbdev):
    """:func:`_stddev_value` of :func:`_var_value` (same operations).

    Inlined, so that a batch run's square roots vectorise.
    """
    v = _var_value(m2, inv)
    if not (v > 0.0):
        return 0.0
    return math.sqrt(v) * nbdev


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

_SPAN = nb.types.Tuple((i8, f8, f8, f8, f8, i8, f8, i8))


@jit(_SPAN(F1, F1, i8, i8, b1, f8, f8, i8, i8, f8, f8, f8, f8, i8, f8, i8))
def _serial_span(x, out, lo, end, sd, inv, nbdev, ip, cycle_len, shift, total, m2, m2max, run, prev, ph):
    """Run ``x[lo:end]`` (past the warm-up) one input after another from the given state.

    Returns ``(bad, shift, total, m2, m2max, run, prev, ph)``: ``bad`` is the
    first non-finite index or -1, ``ph`` the phase within the recomputation
    cycle (ring cycles * period + slot), as in :func:`_var_core`. Each
    scheduled recomputation depends on the inputs alone, so it is issued
    before the sliding steps that precede it and the CPU overlaps the two.
    """
    flat = ip - 1  # the value is 0 once run >= period - 1
    sa = 0.0
    ta = 0.0
    qa = 0.0
    lo_c = lo
    while lo_c < end:
        hi = min(end, lo_c + _CHUNK)
        bad = first_nonfinite(x, lo_c, hi)
        if bad >= 0:
            return bad, shift, total, m2, m2max, run, prev, ph
        k = lo_c
        while k < hi:
            ka = k + (cycle_len - 1 - ph)  # the next scheduled recomputation
            stop = min(hi, ka)
            if ka < hi:
                sa, ta, qa = _reanchor_seq(x, ka - ip + 1, ip, inv)
            # Views indexed from 0: no wraparound selects in the loop.
            xn = x[k:stop]
            xo = x[k - ip : stop - ip]
            on = out[k:stop]
            nj = stop - k
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
        _finish(out, lo_c, hi, sd, inv, nbdev)
        lo_c = hi
    return -1, shift, total, m2, m2max, run, prev, ph


@jit(void(F1, i8, i8, b1, f8, f8), inline=True)
def _finish(out, lo, hi, sd, inv, nbdev):
    """Turn the m2 (0 for a flat window) the loops stored in ``out[lo:hi]`` into the values, in one vectorised pass.

    The values as :func:`_var_core` and :func:`_stddev_value` give them.
    """
    oc = out[lo:hi]
    if sd:
        for j in range(hi - lo):
            oc[j] = _sd_of_m2(oc[j], inv, nbdev)
    else:
        for j in range(hi - lo):
            oc[j] = _var_value(oc[j], inv)


# SIMD lanes: with one exact recomputation per ring cycle (every ``period``
# inputs), each recomputation resets the whole window state, so the segments
# between consecutive recomputations are independent of each other. A batch
# run takes _LANES consecutive segments at a time and steps them side by side,
# one segment per SIMD lane, each lane performing exactly the serial steps of
# its segment (same operations, same order, same bits); only the loop
# structure differs. The inputs are transposed into a stack buffer first, so
# that step j of every lane reads one contiguous row.
_LANES = LANES  # fixed by lane_pass
_W = _LANES + 1  # row width of the transposed inputs: the segment before the first lane, then the lanes
_LANE_MAX = 256  # longest period run in lanes (the buffers live on the stack)
_TBUF = _W * _LANE_MAX
_OBUF = _LANES * _LANE_MAX

_LANE_STATE = nb.types.Tuple((f8, f8, f8, f8))


@jit(f8(F1, i8, i8))
def _run_back(x, i, cap):
    """How many inputs before ``x[i]`` equal it consecutively, at most ``cap``.

    With ``cap = period - 1`` that decides the flat test ``run >= period - 1``.
    """
    c = 0
    while c < cap and x[i - c] == x[i - c - 1]:
        c += 1
    return float(c)


@jit(void(F1, F1, i8, i8, i8, f8, f8, f8, f8, f8, f8), inline=True)
def _careful(x, out, k, nj, ip, inv, shift, total, m2, m2max, run):
    """The serial steps of ``x[k:k+nj]``, with the collapse test after each; m2 (0 for a flat window) to ``out``.

    For a segment in which a lane's deviation collapsed.
    """
    flat = ip - 1.0
    prev = x[k - 1]
    for j in range(k, k + nj):
        xj = x[j]
        run = run + 1.0 if xj == prev else 0.0
        prev = xj
        xs = xj - shift
        olds = x[j - ip] - shift
        total_old = total
        m2_old = m2
        total = _sma_step(total_old, xs, olds)
        m2 = _m2_step(m2_old, total_old, total, xs, olds, inv)
        if m2_old > m2max:
            m2max = m2_old
        if m2 < m2max * COLLAPSE:
            shift, total, m2 = _reanchor_seq(x, j + 1 - ip, ip, inv)
            m2max = m2
        out[j] = 0.0 if run >= flat else m2


@jit(_LANE_STATE(F1, F1, i8, i8, f8, b1, f8, f8, f8, f8, f8, f8))
def _lanes(x, out, base, ip, inv, sd, nbdev, shift, total, m2, m2max, run):
    """Run the _LANES segments of ``x[base : base + _LANES * ip]`` in SIMD lanes; return the state after them.

    ``x[base - 1]`` was a scheduled recomputation; so is the last input of
    every segment. ``run`` needs to be exact only up to ``period - 1`` (all
    that the flat test looks at). Returns ``(shift, total, m2, run)``, the
    state after the last segment's recomputation (its ``m2max`` is ``m2``),
    or ``(bad, 0, 0, -1)`` for a non-finite input at index ``bad``.
    Writes the values (not m2) to ``out``.
    """
    T = stack_f8(_TBUF)
    O = stack_f8(_OBUF)
    # One stack array per lane quantity: distinct arrays, which the compiler
    # knows do not overlap, so it keeps them in vector registers.
    z = stack_f8(_LANES)
    rs = stack_f8(_LANES)
    rt = stack_f8(_LANES)
    rm = stack_f8(_LANES)
    rq = stack_f8(_LANES)
    sh = stack_f8(_LANES)
    tt = stack_f8(_LANES)
    qq = stack_f8(_LANES)
    mx = stack_f8(_LANES)
    rn = stack_f8(_LANES)
    pv = stack_f8(_LANES)
    lw = stack_f8(_LANES)
    flat = ip - 1.0
    # Columns: the segment before the first lane (the first lane's outgoing
    # inputs), then one per lane; lane l's outgoing inputs are column l.
    src = x[base - ip : base + _LANES * ip]
    for j in range(ip):
        row = T[j * _W : (j + 1) * _W]
        for c in range(_W):
            row[c] = src[c * ip + j]
    for l in range(_LANES):
        z[l] = 0.0
    # The recomputation that ends each lane's segment, as _reanchor_seq.
    lane_pass(T, z, rs, ip, _W, False)
    # The plain sums double as the finiteness check of the inputs (NaN or
    # inf in a lane's sum); an overflowing sum of finite inputs is a false alarm.
    chk = 0.0
    for l in range(_LANES):
        chk += rs[l] - rs[l]
    if chk != 0.0:
        bad = first_nonfinite(x, base, base + _LANES * ip)
        if bad >= 0:
            return float(bad), 0.0, 0.0, -1.0
    for l in range(_LANES):
        rs[l] = rs[l] * inv
    lane_pass(T, rs, rt, ip, _W, False)
    for l in range(_LANES):
        rm[l] = rs[l] + rt[l] * inv
    lane_pass(T, rm, rq, ip, _W, True)
    # Each lane starts from the state left by the segment before it.
    sh[0] = shift
    tt[0] = total
    qq[0] = m2
    mx[0] = m2max
    rn[0] = run
    for l in range(1, _LANES):
        sh[l] = rs[l - 1]
        tt[l] = rt[l - 1]
        qq[l] = rq[l - 1]
        mx[l] = rq[l - 1]
        rn[l] = _run_back(x, base - 1 + l * ip, ip - 1)
    for l in range(_LANES):
        pv[l] = x[base - 1 + l * ip]
        lw[l] = 0.0
    for j in range(ip - 1):
        xn = T[j * _W + 1 : j * _W + 1 + _LANES]
        xo = T[j * _W : j * _W + _LANES]
        o = O[j * _LANES : (j + 1) * _LANES]
        for l in range(_LANES):
            xj = xn[l]
            r = rn[l] + 1.0 if xj == pv[l] else 0.0
            rn[l] = r
            pv[l] = xj
            xs = xj - sh[l]
            olds = xo[l] - sh[l]
            t_old = tt[l]
            q_old = qq[l]
            t = _sma_step(t_old, xs, olds)
            q = _m2_step(q_old, t_old, t, xs, olds, inv)
            tt[l] = t
            qq[l] = q
            m = q_old if q_old > mx[l] else mx[l]
            mx[l] = m
            lw[l] = 1.0 if q < m * COLLAPSE else lw[l]
            o[l] = 0.0 if r >= flat else q
    # The last input of each segment: the scheduled recomputation.
    j = ip - 1
    xn = T[j * _W + 1 : j * _W + 1 + _LANES]
    o = O[j * _LANES : (j + 1) * _LANES]
    for l in range(_LANES):
        r = rn[l] + 1.0 if xn[l] == pv[l] else 0.0
        rn[l] = r
        o[l] = 0.0 if r >= flat else rq[l]
    # VAR's values are taken while copying back; STDDEV's square roots in
    # one contiguous pass at the end, which vectorises even for short periods.
    for l in range(_LANES):
        dst = out[base + l * ip : base + (l + 1) * ip]
        if sd:
            for j in range(ip):
                dst[j] = O[j * _LANES + l]
        else:
            for j in range(ip):
                dst[j] = _var_value(O[j * _LANES + l], inv)
    for l in range(_LANES):
        if lw[l] != 0.0:
            k = base + l * ip
            if l == 0:
                _careful(x, out, k, ip - 1, ip, inv, shift, total, m2, m2max, run)
            else:
                q0 = rq[l - 1]
                _careful(x, out, k, ip - 1, ip, inv, rs[l - 1], rt[l - 1], q0, q0, _run_back(x, k - 1, ip - 1))
            if not sd:
                _finish(out, k, k + ip - 1, False, inv, nbdev)
    if sd:
        _finish(out, base, base + _LANES * ip, True, inv, nbdev)
    e = _LANES - 1
    return rs[e], rt[e], rq[e], rn[e]


@jit(i8(F1, F1, F1, b1))
def var_run(blk, x, out, sd):
    """Run a whole series through ``blk``; VAR's values (``sd`` False) or STDDEV's to ``out``.

    Returns the first non-finite index or -1. The first ``period`` inputs go
    through :func:`_var_core` (and the ring); after that the outgoing value
    and the windows of the exact recomputations are read from ``x`` itself
    (the same values in the same order as the ring holds them), the window
    state lives in locals, and the ring is refilled with the last inputs at
    the end. Whole groups of _LANES segments between scheduled
    recomputations run in SIMD lanes (:func:`_lanes`), the rest one input
    after another (:func:`_serial_span`).
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
    k = ip
    group = _LANES * ip
    if cycle_len == ip and 2 <= ip <= _LANE_MAX and m - k >= group + ip:
        # One input after another up to the first scheduled recomputation.
        pre = k + (cycle_len - ph) % cycle_len
        bad, shift, total, m2, m2max, run, prev, ph = _serial_span(
            x, out, k, pre, sd, inv, nbdev, ip, cycle_len, shift, total, m2, m2max, run, prev, ph
        )
        if bad >= 0:
            return bad
        k = pre
        k_first = k
        run_first = run
        lrun = float(run)
        while k + group <= m:
            shift, total, m2, lrun = _lanes(x, out, k, ip, inv, sd, nbdev, shift, total, m2, m2max, lrun)
            if lrun < 0.0:
                return int(shift)
            m2max = m2
            k += group
        # The lanes count equal inputs only as far as the flat test needs: count them exactly.
        c = 0
        i = k - 1
        while i >= k_first and x[i] == x[i - 1]:
            c += 1
            i -= 1
        run = c + run_first if i < k_first else c
        prev = x[k - 1]
        ph = 0
    bad, shift, total, m2, m2max, run, prev, ph = _serial_span(
        x, out, k, m, sd, inv, nbdev, ip, cycle_len, shift, total, m2, m2max, run, prev, ph
    )
    if bad >= 0:
        return bad
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
