"""Compiled per-bar work of the coordinator: validate, aggregate, store, update.

One call handles one base bar of one symbol (:func:`on_bar_core`) or one
timestamp of many symbols (:func:`on_bars_core`): it validates the bar before
touching anything, feeds every derived interval's forming bar, stores each
completed bar in its ring buffer and advances that interval's indicators with
the same arithmetic the streaming classes and batch drivers use.

Tables (all owned by :class:`~ringta.coordinator.session_data.SessionData`):

``siv``
    float64, one row per (symbol, interval), in Python only: the symbol's
    program range, the interval length and base flag (``S_*``). Its
    aggregation fields and bar count live in ``agg``;
    ``SessionData.siv_rows()`` puts them back for snapshots.
``agg``
    float64 ``(G_WIDTH, cache rows, symbol capacity)``: each (symbol,
    interval)'s forming bar (``intervals.A_*``) and number of bars stored
    (``G_NBARS``), field-major, so that one field of every symbol on one
    interval is one contiguous lane.
``rowmap``
    int64 ``[symbol, cache row]``: the ``siv`` row, or -1 if the symbol
    does not have that interval.
``symtab``
    int64, one row per symbol: its ``siv`` row range and last timestamp.
``arena``, ``tables``, ``cap``
    The indicator state: one column table per indicator, a column per
    symbol (see :mod:`ringta.coordinator._tables`).
``bars``
    float64 ``(capacity, lanes, 6)`` ring buffers of ``[open time, o, h, l, c, v]``,
    slot-major, one lane per (interval, symbol): lane ``k * cap + y`` for
    cache row ``k`` and symbol row ``y``. Symbols registered together
    advance in lockstep, so one timestamp's bars of one interval for every
    symbol are one contiguous run of memory (row-major cost a cache and a
    TLB miss per bar; symbol-major rows, a partly written line per bar).
``done``, ``drows``, ``ndone``
    The bars completed during a call, per interval length (``cache`` row):
    ``done[k]`` holds open, high, low, close, volume and session id, one
    row each, ``drows[k]`` the symbol rows and ``ndone[k]`` their number.
    Every interval's tables advance by them in one pass at the end of the
    call (:func:`advance_done`).
``emitted``
    float64 ``(rows, 8)``: ``[symbol, siv row, open time, o, h, l, c, v]`` of
    every bar completed by the call; the last row is scratch space, so a
    one-row table (no subscribers) only counts them.
``cache``
    int64, one row per interval length (``C_*``): what every symbol of a
    timestamp shares, computed once per timestamp.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..kernels._jit import F1, F2, I1, I2, b1, f8, i8, jit, void
from ._tables import advance_tables
from .intervals import (A_CLOSE, A_COUNT, A_END, A_HIGH, A_LOW, A_OPEN, A_START, A_VOLUME, A_WIDTH,
                        NS_PER_MINUTE, bucket_bounds)

# A siv row: the aggregation fields (A_*), kept in agg and filled in only by
# SessionData.siv_rows(), then the row's own fields.
S_PS = A_WIDTH  # first program row of this (symbol, interval)
S_PE = A_WIDTH + 1  # one past the last program row
S_MIN = A_WIDTH + 2  # interval length in minutes (1440 = one session)
S_BASE = A_WIDTH + 3  # 1.0 for the base interval (no aggregation)
S_NBARS = A_WIDTH + 4  # bars stored so far (kept in agg as G_NBARS)
S_WIDTH = A_WIDTH + 5

# The forming bars and bar counts, field-major: agg[field, cache row, symbol row].
G_NBARS = A_WIDTH  # bars stored so far (the siv row's S_NBARS)
G_WIDTH = A_WIDTH + 1

T_S0 = 0
T_S1 = 1
T_LAST = 2
T_WIDTH = 3

NO_TS = -(2**63)
OUTSIDE_SESSION = -100

F3 = nb.float64[:, :, ::1]


@jit(i8(f8, f8, f8, f8, f8), inline=True)
def check_bar(o, h, l, c, v):
    """-1 for a valid bar, else the code of the first problem (see ``bar.BAD_MESSAGES``)."""
    if not math.isfinite(o):
        return 0
    if not math.isfinite(h):
        return 1
    if not math.isfinite(l):
        return 2
    if not math.isfinite(c):
        return 3
    if not math.isfinite(v):
        return 4
    if v < 0.0:
        return 5
    if h < o or h < c:
        return 6
    if l > o or l > c:
        return 7
    return -1


C_MIN = 0  # interval length in minutes
C_START = 1  # bucket of the current timestamp: open time (UTC ns), -1 outside the session
C_END = 2  # bucket end
C_OFF = 3  # the exchange's UTC offset
C_SID = 4  # session of the bucket (see session_id), computed at its first use; NO_TS before
C_NB = 5  # bars-stored count whose ring slot is C_SLOT: symbols in lockstep share it,
C_SLOT = 6  # which saves an integer division per stored bar
C_NEED = 7  # fields the interval's tables read beyond close and volume: 1 open, 2 high, 4 low, 8 session
C_TLO = 8  # [C_TLO, C_THI): the time zone transitions around C_OFF (row 0 only)
C_THI = 9
C_WIDTH = 10
NEED_ALL = 15
NO_END = 2**63 - 1


@jit(void(i8, I1, I1, i8, i8, i8, I2))
def _buckets(ts, trans, offs, open_min, close_min, extended, cache):
    """Bucket ``[start, end)`` of ``ts`` for every interval length (the ``C_*`` columns of ``cache``).

    Computed once per timestamp and shared by every symbol of a cross-section;
    the exchange's UTC offset is kept for :func:`session_id`. A bucket that
    still holds ``ts`` under the same UTC offset is kept as it is, with its
    session id: the binary search for the offset and the bucket arithmetic
    (integer divisions) cost more than the rest of a one-symbol bar.
    """
    c0 = cache[0]
    same_off = c0[C_TLO] <= ts < c0[C_THI]
    if same_off:
        off = c0[C_OFF]
    else:
        i = np.searchsorted(trans, ts, side="right") - 1
        off = offs[i]
        c0[C_TLO] = trans[i]
        c0[C_THI] = trans[i + 1] if i + 1 < trans.shape[0] else NO_END
    for k in range(cache.shape[0]):
        ck = cache[k]
        if same_off and ck[C_START] >= 0 and ck[C_START] <= ts < ck[C_END]:
            continue
        start, end = bucket_bounds(ts, off, ck[C_MIN], open_min, close_min, extended)
        ck[C_START] = start
        ck[C_END] = end
        ck[C_OFF] = off
        ck[C_SID] = NO_TS


@jit(f8(f8, i8, i8, i8), inline=True)
def session_id(start, off, open_min, close_min):
    """The session of a bar opening at ``start`` (UTC ns): the open time of its daily bar.

    Fed to session-anchored kernels (VWAP) as their ``session`` input; the
    same numbers as :func:`~ringta.coordinator.intervals.session_ids`.
    """
    return float(bucket_bounds(int(start), off, 1440, open_min, close_min, 1)[0])


def bucket_cache(minutes=(1,)) -> np.ndarray:
    """A ``C_*`` table for the interval lengths in use; the base (1) first."""
    lengths = [1] + sorted(set(minutes) - {1})
    cache = np.zeros((len(lengths), C_WIDTH), dtype=np.int64)
    cache[:, C_MIN] = lengths
    cache[:, C_SID] = NO_TS
    cache[:, C_NB] = -1
    cache[:, C_NEED] = NEED_ALL
    cache[:, C_TLO] = 1  # an empty range: the offset is looked up first
    return cache


@jit(void(F1, I2, i8, I2, F3, I2, I1), inline=True)
def advance_done(arena, tables, cap, cache, done, drows, ndone):
    """Advance every interval's tables by the bars queued in ``done``, and empty the queues."""
    for k in range(cache.shape[0]):
        m = ndone[k]
        if m:
            ndone[k] = 0
            advance_tables(arena, tables, cap, cache[k, C_MIN], drows[k, :m], done[k])


@jit(i8(F2, i8, i8, i8, f8, f8, f8, f8, f8, f8), inline=True)
def _record(emitted, n_em, sym, r, es, eo, eh, el, ec, ev):
    """Record completed bar number ``n_em`` of a call in ``emitted`` if there is room; return ``n_em + 1``."""
    if n_em < emitted.shape[0] - 1:
        e = emitted[n_em]
        e[0] = sym
        e[1] = r
        e[2] = es
        e[3] = eo
        e[4] = eh
        e[5] = el
        e[6] = ec
        e[7] = ev
    return n_em + 1


@jit(i8(F3, F2, F1, i8, i8, i8, i8, i8, f8, f8, f8, f8, f8, f8, f8), inline=True)
def _put(bars, d, nbs, y, lane, slot, m, need, es, eo, eh, el, ec, ev, sid):
    """Write a completed bar to ring slot ``slot`` of ``lane`` and entry ``m`` of the queue; return ``m + 1``.

    The queue gets only the fields the interval's tables read (``need``,
    see ``C_NEED``): each field is a store per symbol and bar.
    """
    b = bars[slot, lane]
    b[0] = es
    b[1] = eo
    b[2] = eh
    b[3] = el
    b[4] = ec
    b[5] = ev
    nbs[y] += 1.0
    d[3, m] = ec
    d[4, m] = ev
    if need & 1:
        d[0, m] = eo
    if need & 2:
        d[1, m] = eh
    if need & 4:
        d[2, m] = el
    if need & 8:
        d[5, m] = sid
    return m + 1


@jit(b1(F3, i8, I2, i8, i8, F2, f8, f8), inline=True)
def _lockstep(agg, k, rowmap, y0, n, vals, fs, fe):
    """Add bars ``vals[i]`` to the forming bars of symbols ``y0 .. y0+n-1`` on interval ``k`` in one pass
    across them, if they all continue the current bucket or all start it; return False (nothing changed)
    otherwise.

    The per-symbol rules of :func:`_apply`, written as loops over the
    symbols' lanes: each field of all symbols is one contiguous run.
    """
    cnt = agg[A_COUNT, k]
    st = agg[A_START, k]
    on = True
    new = True
    for i in range(n):
        c = cnt[y0 + i]
        on &= (c > 0.0) & (st[y0 + i] == fs) & (rowmap[y0 + i, k] >= 0)
        new &= (c == 0.0) & (rowmap[y0 + i, k] >= 0)
    if not (on or new):
        return False
    op = agg[A_OPEN, k]
    hi = agg[A_HIGH, k]
    lo = agg[A_LOW, k]
    cl = agg[A_CLOSE, k]
    vo = agg[A_VOLUME, k]
    if on:
        for i in range(n):
            x = vals[i]
            h = x[1]
            l = x[2]
            a = hi[y0 + i]
            b = lo[y0 + i]
            hi[y0 + i] = h if h > a else a
            lo[y0 + i] = l if l < b else b
            cl[y0 + i] = x[3]
            vo[y0 + i] += x[4]
            cnt[y0 + i] += 1.0
    else:
        en = agg[A_END, k]
        for i in range(n):
            x = vals[i]
            st[y0 + i] = fs
            en[y0 + i] = fe
            op[y0 + i] = x[0]
            hi[y0 + i] = x[1]
            lo[y0 + i] = x[2]
            cl[y0 + i] = x[3]
            vo[y0 + i] = x[4]
            cnt[y0 + i] = 1.0
    return True


@jit(b1(I2, i8, i8, i8), inline=True)
def _run_present(rowmap, k, y0, n):
    """Whether every symbol ``y0 .. y0+n-1`` has interval ``k``."""
    ok = True
    for i in range(n):
        ok &= rowmap[y0 + i, k] >= 0
    return ok


@jit(i8(F3, F2, I1, F1, i8, i8, i8, i8, i8, f8, f8, F2, F3, i8, b1), inline=True)
def _store_run(bars, d, dr, nbs, lane0, y0, n, m, need, fs, sid, vals, agg, k, lanes):
    """:func:`_put` for the bars of symbols ``y0 .. y0+n-1`` (from ``vals``, or their lanes of ``agg``):
    a loop per part, with nothing carried from one symbol to the next.

    Symbols at the first symbol's bar count share its ring slot; one that
    joined later (another count) takes the division for its own.
    """
    cap = bars.shape[0]
    nb0 = nbs[y0]
    slot0 = int(nb0) % cap
    for i in range(n):
        nb_ = nbs[y0 + i]
        slot = slot0 if nb_ == nb0 else int(nb_) % cap
        b = bars[slot, lane0 + y0 + i]
        b[0] = fs
        if lanes:
            b[1] = agg[A_OPEN, k, y0 + i]
            b[2] = agg[A_HIGH, k, y0 + i]
            b[3] = agg[A_LOW, k, y0 + i]
            b[4] = agg[A_CLOSE, k, y0 + i]
            b[5] = agg[A_VOLUME, k, y0 + i]
        else:
            x = vals[i]
            b[1] = x[0]
            b[2] = x[1]
            b[3] = x[2]
            b[4] = x[3]
            b[5] = x[4]
    for i in range(n):
        nbs[y0 + i] += 1.0
        dr[m + i] = y0 + i
    for f in range(5):
        if f == 3 or f == 4 or need & (1 << f):
            q = d[f]
            if lanes:
                src = agg[A_OPEN + f, k]
                for i in range(n):
                    q[m + i] = src[y0 + i]
            else:
                for i in range(n):
                    q[m + i] = vals[i, f]
    if need & 8:
        for i in range(n):
            d[5, m + i] = sid
    return m + n


@jit(i8(F2, i8, I2, i8, i8, i8, f8, F2, F3, b1), inline=True)
def _record_run(emitted, n_em, rowmap, k, y0, n, fs, vals, agg, lanes):
    """:func:`_record` for the bars :func:`_store_run` stored."""
    if emitted.shape[0] == 1:
        return n_em + n
    for i in range(n):
        y = y0 + i
        if lanes:
            n_em = _record(emitted, n_em, y, rowmap[y, k], fs, agg[A_OPEN, k, y], agg[A_HIGH, k, y],
                           agg[A_LOW, k, y], agg[A_CLOSE, k, y], agg[A_VOLUME, k, y])
        else:
            x = vals[i]
            n_em = _record(emitted, n_em, y, rowmap[y, k], fs, x[0], x[1], x[2], x[3], x[4])
    return n_em


@jit(i8(I2, F3, F3, F3, I2, I1, F2, I2, I2, I1, i8, F2, I1, i8, i8, i8, i8), inline=True)
def _apply(symtab, agg, bars, done, drows, ndone, emitted, cache, rowmap, syms, ts, vals, status, n_em, open_min,
           close_min, run0):
    """Feed the valid, in-session bars ``vals[i]`` (``status[i] < 0``) of symbols ``syms[i]``; return ``n_em``
    plus the number of bars they completed.

    One interval at a time, across symbols: the base interval takes each bar
    as it is; a derived interval adds it to the symbol's forming bar (the
    same rules as ``intervals.aggregate_into``), which may complete a bar at
    a gap and/or at its last minute. Every completed bar is stored in the
    ring buffer, queued for the interval's indicator tables and recorded in
    ``emitted`` (as far as it has room: a one-row table records nothing).

    The forming bars are field-major lanes (``agg[field, interval, symbol]``).
    When ``syms`` is the run of rows ``run0, run0 + 1, ...`` (every bar
    valid) and all those symbols are in the same bucket, a derived interval
    is updated in one pass per field (:func:`_lockstep`); otherwise symbol
    by symbol. The queue length, ring slot and record count of an interval
    stay in registers for its whole pass: kept in the tables, each symbol's
    stores would wait for the previous symbol's.
    """
    n = syms.shape[0]
    t_next = float(ts + NS_PER_MINUTE)
    for k in range(cache.shape[0]):
        ck = cache[k]
        start = ck[C_START]
        if start < 0:
            continue
        fs = float(start)
        fe = float(ck[C_END])
        base = ck[C_MIN] == 1
        d = done[k]
        dr = drows[k]
        m = ndone[k]
        nb_last = ck[C_NB]
        slot = ck[C_SLOT]
        sid = float(ck[C_SID])
        nbs = agg[G_NBARS, k]
        cnt = agg[A_COUNT, k]
        lane0 = k * agg.shape[2]
        need = ck[C_NEED]
        if base:
            if run0 >= 0 and _run_present(rowmap, k, run0, n):
                if sid == NO_TS:
                    sid = session_id(fs, cache[0, C_OFF], open_min, close_min)
                for i in range(n):
                    symtab[run0 + i, T_LAST] = ts
                m = _store_run(bars, d, dr, nbs, lane0, run0, n, m, need, fs, sid, vals, agg, k, False)
                n_em = _record_run(emitted, n_em, rowmap, k, run0, n, fs, vals, agg, False)
                ndone[k] = m
                continue
        elif run0 >= 0 and _lockstep(agg, k, rowmap, run0, n, vals, fs, fe):
            if t_next < fe:
                continue
            # _lockstep checked that every symbol has the interval.
            if sid == NO_TS:
                sid = session_id(fs, cache[0, C_OFF], open_min, close_min)
            for i in range(n):
                cnt[run0 + i] = 0.0
            m = _store_run(bars, d, dr, nbs, lane0, run0, n, m, need, fs, sid, vals, agg, k, True)
            n_em = _record_run(emitted, n_em, rowmap, k, run0, n, fs, vals, agg, True)
            ndone[k] = m
            continue
        for i in range(n):
            if status[i] >= 0:
                continue
            y = syms[i]
            r = rowmap[y, k]
            if r < 0:
                continue
            x = vals[i]
            o, h, l, c, v = x[0], x[1], x[2], x[3], x[4]
            if base:
                symtab[y, T_LAST] = ts
            else:
                rn = cnt[y]
                if rn > 0.0 and fs != agg[A_START, k, y]:
                    # A gap: the forming bar of an earlier bucket completes first.
                    gs, go, gh, gl, gc, gv = (agg[A_START, k, y], agg[A_OPEN, k, y], agg[A_HIGH, k, y],
                                              agg[A_LOW, k, y], agg[A_CLOSE, k, y], agg[A_VOLUME, k, y])
                    cnt[y] = 0.0
                    dr[m] = y
                    m = _put(bars, d, nbs, y, lane0 + y, int(nbs[y]) % bars.shape[0], m, need, gs, go, gh, gl,
                             gc, gv, session_id(gs, cache[0, C_OFF], open_min, close_min))
                    n_em = _record(emitted, n_em, y, r, gs, go, gh, gl, gc, gv)
                    rn = 0.0
                if rn == 0.0:
                    agg[A_START, k, y] = fs
                    agg[A_END, k, y] = fe
                    agg[A_OPEN, k, y] = o
                    agg[A_HIGH, k, y] = h
                    agg[A_LOW, k, y] = l
                    agg[A_CLOSE, k, y] = c
                    agg[A_VOLUME, k, y] = v
                else:
                    # Selects, not branches: a new high or low is a coin toss the
                    # branch predictor loses.
                    hi = agg[A_HIGH, k, y]
                    lo = agg[A_LOW, k, y]
                    agg[A_HIGH, k, y] = h if h > hi else hi
                    agg[A_LOW, k, y] = l if l < lo else lo
                    agg[A_CLOSE, k, y] = c
                    agg[A_VOLUME, k, y] += v
                if t_next < agg[A_END, k, y]:
                    cnt[y] = rn + 1.0
                    continue
                cnt[y] = 0.0
                o, h, l, c, v = (agg[A_OPEN, k, y], agg[A_HIGH, k, y], agg[A_LOW, k, y], agg[A_CLOSE, k, y],
                                 agg[A_VOLUME, k, y])
            if sid == NO_TS:
                sid = session_id(fs, cache[0, C_OFF], open_min, close_min)
            nb_ = int(nbs[y])
            if nb_ != nb_last:
                # Symbols in lockstep share the slot: one division per pass, not per bar.
                nb_last = nb_
                slot = nb_ % bars.shape[0]
            dr[m] = y
            m = _put(bars, d, nbs, y, lane0 + y, slot, m, need, fs, o, h, l, c, v, sid)
            n_em = _record(emitted, n_em, y, r, fs, o, h, l, c, v)
        ndone[k] = m
        ck[C_NB] = nb_last
        ck[C_SLOT] = slot
    return n_em


@jit(i8(F1, I2, i8, I2, F3, F3, F2, F3, I2, I1, I2, I2, i8, i8, i8, I1, i8, F2, I1, i8), inline=True)
def _apply_all(arena, tables, cap, symtab, agg, bars, emitted, done, drows, ndone, cache, rowmap, open_min, close_min,
               n_em, syms, ts, vals, status, run0):
    """:func:`_apply`, then advance the indicator tables by the completed bars."""
    n_em = _apply(symtab, agg, bars, done, drows, ndone, emitted, cache, rowmap, syms, ts, vals, status, n_em,
                  open_min, close_min, run0)
    advance_done(arena, tables, cap, cache, done, drows, ndone)
    return n_em


@jit(i8(F1, I2, i8, I2, F3, F3, F2, F3, I2, I1, I2, I2, I2, I1, F2, i8, i8, i8, i8, i8, f8, f8, f8, f8, f8))
def on_bar_core(arena, tables, cap, symtab, agg, bars, emitted, done, drows, ndone, tz, cache, rowmap, one,
                one_vals, open_min, close_min, extended, sym, ts, o, h, l, c, v):
    """Validate and apply one base bar of symbol ``sym``.

    Returns the number of completed bars (recorded in ``emitted``), or
    ``-(code + 1)`` for an invalid bar (nothing changed), or
    :data:`OUTSIDE_SESSION` for a bar outside the session (only the last
    timestamp advances). ``one`` (two entries: symbol, status) and
    ``one_vals`` (one row) are scratch space: the bar takes the
    cross-section path as a cross-section of one.
    """
    code = check_bar(o, h, l, c, v)
    if code >= 0:
        return -(code + 1)
    if ts <= symtab[sym, T_LAST]:
        return -9
    _buckets(ts, tz[0], tz[1], open_min, close_min, extended, cache)
    if cache[0, C_START] < 0:
        symtab[sym, T_LAST] = ts
        return OUTSIDE_SESSION
    one[0] = sym
    one[1] = -1
    x = one_vals[0]
    x[0] = o
    x[1] = h
    x[2] = l
    x[3] = c
    x[4] = v
    return _apply_all(arena, tables, cap, symtab, agg, bars, emitted, done, drows, ndone, cache, rowmap, open_min,
                      close_min, 0, one[0:1], ts, one_vals, one[1:2], sym)


@jit(i8(F1, I2, i8, I2, F3, F3, F2, F3, I2, I1, I2, I2, I2, i8, i8, i8, I1, i8, F2, I1, I1, i8))
def on_bars_core(arena, tables, cap, symtab, agg, bars, emitted, done, drows, ndone, tz, cache, rowmap, open_min,
                 close_min, extended, syms, ts, vals, status, counts, skip_bad):
    """Validate and apply one timestamp's base bars for many symbols.

    ``vals[i]`` is ``(open, high, low, close, volume)`` of symbol ``syms[i]``.
    Every bar is validated first; ``status[i]`` gets -1 (applied), a bad-bar
    code, or :data:`OUTSIDE_SESSION`, and ``counts`` the number of bad bars
    and of bars outside the session. With ``skip_bad == 0`` any bad bar
    stops the call before any state changes (the return value is then -1);
    otherwise bad bars are skipped. Returns the number of completed bars.
    """
    n = syms.shape[0]
    n_bad = 0
    run = 0
    y0 = syms[0] if n else 0
    for i in range(n):
        x = vals[i]
        o, h, l, c, v = x[0], x[1], x[2], x[3], x[4]
        # One branch-free test for the usual valid bar; check_bar then names the problem.
        # x - x is 0 exactly for finite x and NaN otherwise.
        ok = ((o - o == 0.0) & (h - h == 0.0) & (l - l == 0.0) & (c - c == 0.0) & (v - v == 0.0) & (v >= 0.0)
              & (h >= o) & (h >= c) & (l <= o) & (l <= c) & (ts > symtab[syms[i], T_LAST]))
        run |= syms[i] ^ (y0 + i)  # zero for a run of consecutive rows
        code = -1
        if not ok:
            code = check_bar(o, h, l, c, v)
            if code < 0:
                code = 8
            n_bad += 1
        status[i] = code
    counts[0] = n_bad
    counts[1] = 0
    if n_bad and skip_bad == 0:
        return -1
    _buckets(ts, tz[0], tz[1], open_min, close_min, extended, cache)
    if cache[0, C_START] < 0:
        for i in range(n):
            if status[i] < 0:
                symtab[syms[i], T_LAST] = ts
                status[i] = OUTSIDE_SESSION
        counts[1] = n - n_bad
        return 0
    return _apply_all(arena, tables, cap, symtab, agg, bars, emitted, done, drows, ndone, cache, rowmap, open_min,
                      close_min, 0, syms, ts, vals, status, y0 if run == 0 and n_bad == 0 else -1)


@jit(i8(F1, I2, i8, I2, F3, F3, F2, F3, I2, I1, I2, I2, I2, I1, F2, i8, i8, i8, i8, I1, F2))
def replay_core(arena, tables, cap, symtab, agg, bars, emitted, done, drows, ndone, tz, cache, rowmap, one,
                one_vals, open_min, close_min, extended, sym, ts, vals):
    """Apply many base bars of one symbol in order; return the index of the first bad one, or -1."""
    for i in range(ts.shape[0]):
        r = on_bar_core(arena, tables, cap, symtab, agg, bars, emitted, done, drows, ndone, tz, cache, rowmap,
                        one, one_vals, open_min, close_min, extended, sym, ts[i], vals[i, 0],
                        vals[i, 1], vals[i, 2], vals[i, 3], vals[i, 4])
        if r < 0 and r != OUTSIDE_SESSION:
            return i
    return -1


@jit(i8(F1, I2, i8, I2, F3, F3, F2, F3, I2, I1, I2, I2, i8, i8, i8))
def flush_core(arena, tables, cap, symtab, agg, bars, emitted, done, drows, ndone, cache, rowmap, sym, open_min,
               close_min):
    """End of session: emit the forming bar of every derived interval of ``sym``.

    The bars belong to the session of the last timestamp seen (``cache``).
    """
    n_em = 0
    y = sym
    for k in range(1, cache.shape[0]):
        r = rowmap[y, k]
        if r < 0 or agg[A_COUNT, k, y] == 0.0:
            continue
        agg[A_COUNT, k, y] = 0.0
        es, eo, eh, el, ec, ev = (agg[A_START, k, y], agg[A_OPEN, k, y], agg[A_HIGH, k, y], agg[A_LOW, k, y],
                                  agg[A_CLOSE, k, y], agg[A_VOLUME, k, y])
        m = ndone[k]
        drows[k, m] = y
        nbs = agg[G_NBARS, k]
        ndone[k] = _put(bars, done[k], nbs, y, k * agg.shape[2] + y, int(nbs[y]) % bars.shape[0], m, NEED_ALL, es,
                        eo, eh, el, ec, ev, session_id(es, cache[0, C_OFF], open_min, close_min))
        n_em = _record(emitted, n_em, y, r, es, eo, eh, el, ec, ev)
    advance_done(arena, tables, cap, cache, done, drows, ndone)
    return n_em


@jit(void(F1, I2, i8, i8, i8, f8, f8, f8, f8, f8, f8), nrt=True)
def advance_symbol(arena, tables, cap, minutes, sym, o, h, l, c, v, session):
    """Advance the tables on ``minutes``-minute bars at column ``sym`` by one bar."""
    rows = np.empty(1, dtype=np.int64)
    rows[0] = sym
    fields = np.empty((6, 1))
    fields[0, 0] = o
    fields[1, 0] = h
    fields[2, 0] = l
    fields[3, 0] = c
    fields[4, 0] = v
    fields[5, 0] = session
    advance_tables(arena, tables, cap, minutes, rows, fields)
