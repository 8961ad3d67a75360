"""Compiled per-bar work of the coordinator: validate, aggregate, store, update.

One call handles one base bar of one symbol (:func:`on_bar_core`) or one
timestamp of many symbols (:func:`on_bars_core`): it validates the bar before
touching anything, feeds every derived interval's forming bar, stores each
completed bar in its ring buffer and advances that interval's indicators with
the same arithmetic the streaming classes and batch drivers use.

Tables (all owned by :class:`~ringta.coordinator.session_data.SessionData`):

``siv``
    float64, one row per (symbol, interval): the aggregation row
    (``intervals.A_*``), then the symbol's program range (bookkeeping for
    snapshots), interval length, base flag and number of bars stored.
``symtab``
    int64, one row per symbol: its ``siv`` row range and last timestamp.
``arena``, ``tables``, ``cap``
    The indicator state: one column table per indicator, a column per
    symbol (see :mod:`ringta.coordinator._tables`).
``bars``
    float64 ``(capacity, siv rows, 6)`` ring buffers of ``[open time, o, h, l, c, v]``,
    slot-major: symbols registered together advance in lockstep, so one
    timestamp's writes for every symbol land side by side instead of one
    page apart each (row-major cost a cache and a TLB miss per bar).
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

from ..kernels._jit import F1, F2, I1, I2, f8, i8, jit, void
from ._tables import advance_tables
from .intervals import (A_CLOSE, A_COUNT, A_END, A_HIGH, A_LOW, A_OPEN, A_START, A_VOLUME, A_WIDTH,
                        NS_PER_MINUTE, bucket_bounds, utc_offset)

S_PS = A_WIDTH  # first program row of this (symbol, interval)
S_PE = A_WIDTH + 1  # one past the last program row
S_MIN = A_WIDTH + 2  # interval length in minutes (1440 = one session)
S_BASE = A_WIDTH + 3  # 1.0 for the base interval (no aggregation)
S_NBARS = A_WIDTH + 4  # bars stored so far
S_WIDTH = A_WIDTH + 5

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
C_WIDTH = 7


@jit(void(i8, I1, I1, i8, i8, i8, I2))
def _buckets(ts, trans, offs, open_min, close_min, extended, cache):
    """Bucket ``[start, end)`` of ``ts`` for every interval length (the ``C_*`` columns of ``cache``).

    Computed once per timestamp and shared by every symbol of a cross-section;
    the exchange's UTC offset is kept for :func:`session_id`.
    """
    off = utc_offset(trans, offs, ts)
    for k in range(cache.shape[0]):
        start, end = bucket_bounds(ts, off, cache[k, C_MIN], open_min, close_min, extended)
        cache[k, C_START] = start
        cache[k, C_END] = end
        cache[k, C_OFF] = off
        cache[k, C_SID] = NO_TS


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
    return cache


@jit(void(F1, I2, i8, I2, F3, I2, I1))
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


@jit(i8(F3, F2, F1, i8, i8, i8, f8, f8, f8, f8, f8, f8, f8), inline=True)
def _put(bars, d, row, r, slot, m, es, eo, eh, el, ec, ev, sid):
    """Write a completed bar to ring slot ``slot`` of row ``r`` and entry ``m`` of the queue; return ``m + 1``."""
    b = bars[slot, r]
    b[0] = es
    b[1] = eo
    b[2] = eh
    b[3] = el
    b[4] = ec
    b[5] = ev
    row[S_NBARS] += 1.0
    d[0, m] = eo
    d[1, m] = eh
    d[2, m] = el
    d[3, m] = ec
    d[4, m] = ev
    d[5, m] = sid
    return m + 1


@jit(i8(F2, I2, F3, F3, I2, I1, F2, I2, I2, I1, i8, F2, I1, i8, i8, i8))
def _apply(siv, symtab, bars, done, drows, ndone, emitted, cache, rowmap, syms, ts, vals, status, n_em, open_min,
           close_min):
    """Feed the valid, in-session bars ``vals[i]`` (``status[i] < 0``) of symbols ``syms[i]``; return ``n_em``
    plus the number of bars they completed.

    One interval at a time, across symbols: the base interval takes each bar
    as it is; a derived interval adds it to the symbol's forming bar (the
    same rules as ``intervals.aggregate_into``), which may complete a bar at
    a gap and/or at its last minute. Every completed bar is stored in the
    ring buffer, queued for the interval's indicator tables and recorded in
    ``emitted`` (as far as it has room: a one-row table records nothing).
    The queue length, ring slot and record count of an interval stay in
    registers for its whole pass: kept in the tables, each symbol's stores
    would wait for the previous symbol's.
    """
    n = syms.shape[0]
    t_next = float(ts + NS_PER_MINUTE)
    for k in range(cache.shape[0]):
        ck = cache[k]
        start = ck[C_START]
        if start < 0:
            continue
        fs = float(start)
        base = ck[C_MIN] == 1
        d = done[k]
        dr = drows[k]
        m = ndone[k]
        nb_last = ck[C_NB]
        slot = ck[C_SLOT]
        sid = float(ck[C_SID])
        for i in range(n):
            if status[i] >= 0:
                continue
            y = syms[i]
            r = rowmap[y, k]
            if r < 0:
                continue
            row = siv[r]
            x = vals[i]
            o, h, l, c, v = x[0], x[1], x[2], x[3], x[4]
            if base:
                symtab[y, T_LAST] = ts
            else:
                rn = row[A_COUNT]
                if rn > 0.0 and fs != row[A_START]:
                    # A gap: the forming bar of an earlier bucket completes first.
                    gs, go, gh, gl, gc, gv = (row[A_START], row[A_OPEN], row[A_HIGH], row[A_LOW],
                                              row[A_CLOSE], row[A_VOLUME])
                    row[A_COUNT] = 0.0
                    nb_ = int(row[S_NBARS])
                    dr[m] = y
                    m = _put(bars, d, row, r, nb_ % bars.shape[0], m, gs, go, gh, gl, gc, gv,
                             session_id(gs, cache[0, C_OFF], open_min, close_min))
                    n_em = _record(emitted, n_em, y, r, gs, go, gh, gl, gc, gv)
                    rn = 0.0
                if rn == 0.0:
                    row[A_START] = fs
                    row[A_END] = float(ck[C_END])
                    row[A_OPEN] = o
                    row[A_HIGH] = h
                    row[A_LOW] = l
                    row[A_CLOSE] = c
                    row[A_VOLUME] = v
                else:
                    # Selects, not branches: a new high or low is a coin toss the
                    # branch predictor loses.
                    hi = row[A_HIGH]
                    lo = row[A_LOW]
                    row[A_HIGH] = h if h > hi else hi
                    row[A_LOW] = l if l < lo else lo
                    row[A_CLOSE] = c
                    row[A_VOLUME] += v
                if t_next < row[A_END]:
                    row[A_COUNT] = rn + 1.0
                    continue
                row[A_COUNT] = 0.0
                o, h, l, c, v = row[A_OPEN], row[A_HIGH], row[A_LOW], row[A_CLOSE], row[A_VOLUME]
            if sid == NO_TS:
                sid = float(bucket_bounds(int(fs), cache[0, C_OFF], 1440, open_min, close_min, 1)[0])
            nb_ = int(row[S_NBARS])
            if nb_ != nb_last:
                # Symbols in lockstep share the slot: one division per pass, not per bar.
                nb_last = nb_
                slot = nb_ % bars.shape[0]
            dr[m] = y
            m = _put(bars, d, row, r, slot, m, fs, o, h, l, c, v, sid)
            n_em = _record(emitted, n_em, y, r, fs, o, h, l, c, v)
        ndone[k] = m
        ck[C_NB] = nb_last
        ck[C_SLOT] = slot
    return n_em


@jit(i8(F1, I2, i8, F2, I2, F3, F2, F3, I2, I1, I2, I2, i8, i8, i8, I1, i8, F2, I1))
def _apply_all(arena, tables, cap, siv, symtab, bars, emitted, done, drows, ndone, cache, rowmap, open_min, close_min,
               n_em, syms, ts, vals, status):
    """:func:`_apply`, then advance the indicator tables by the completed bars."""
    n_em = _apply(siv, symtab, bars, done, drows, ndone, emitted, cache, rowmap, syms, ts, vals, status, n_em,
                  open_min, close_min)
    advance_done(arena, tables, cap, cache, done, drows, ndone)
    return n_em


@jit(i8(F1, I2, i8, F2, I2, F3, F2, F3, I2, I1, I2, I2, I2, I1, F2, i8, i8, i8, i8, i8, f8, f8, f8, f8, f8))
def on_bar_core(arena, tables, cap, siv, symtab, bars, emitted, done, drows, ndone, tz, cache, rowmap, one,
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
    return _apply_all(arena, tables, cap, siv, symtab, bars, emitted, done, drows, ndone, cache, rowmap, open_min,
                      close_min, 0, one[0:1], ts, one_vals, one[1:2])


@jit(i8(F1, I2, i8, F2, I2, F3, F2, F3, I2, I1, I2, I2, I2, i8, i8, i8, I1, i8, F2, I1, I1, i8))
def on_bars_core(arena, tables, cap, siv, symtab, bars, emitted, done, drows, ndone, tz, cache, rowmap, open_min,
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
    for i in range(n):
        x = vals[i]
        o, h, l, c, v = x[0], x[1], x[2], x[3], x[4]
        # One branch-free test for the usual valid bar; check_bar then names the problem.
        # x - x is 0 exactly for finite x and NaN otherwise.
        ok = ((o - o == 0.0) & (h - h == 0.0) & (l - l == 0.0) & (c - c == 0.0) & (v - v == 0.0) & (v >= 0.0)
              & (h >= o) & (h >= c) & (l <= o) & (l <= c) & (ts > symtab[syms[i], T_LAST]))
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
    return _apply_all(arena, tables, cap, siv, symtab, bars, emitted, done, drows, ndone, cache, rowmap, open_min,
                      close_min, 0, syms, ts, vals, status)


@jit(i8(F1, I2, i8, F2, I2, F3, F2, F3, I2, I1, I2, I2, I2, I1, F2, i8, i8, i8, i8, I1, F2))
def replay_core(arena, tables, cap, siv, symtab, bars, emitted, done, drows, ndone, tz, cache, rowmap, one,
                one_vals, open_min, close_min, extended, sym, ts, vals):
    """Apply many base bars of one symbol in order; return the index of the first bad one, or -1."""
    for i in range(ts.shape[0]):
        r = on_bar_core(arena, tables, cap, siv, symtab, bars, emitted, done, drows, ndone, tz, cache, rowmap,
                        one, one_vals, open_min, close_min, extended, sym, ts[i], vals[i, 0],
                        vals[i, 1], vals[i, 2], vals[i, 3], vals[i, 4])
        if r < 0 and r != OUTSIDE_SESSION:
            return i
    return -1


@jit(i8(F1, I2, i8, F2, I2, F3, F2, F3, I2, I1, I2, i8, i8, i8))
def flush_core(arena, tables, cap, siv, symtab, bars, emitted, done, drows, ndone, cache, sym, open_min, close_min):
    """End of session: emit the forming bar of every derived interval of ``sym``.

    The bars belong to the session of the last timestamp seen (``cache``).
    """
    n_em = 0
    for r in range(symtab[sym, T_S0], symtab[sym, T_S1]):
        row = siv[r]
        if row[S_BASE] != 0.0 or row[A_COUNT] == 0.0:
            continue
        row[A_COUNT] = 0.0
        k = 0
        while cache[k, C_MIN] != row[S_MIN]:
            k += 1
        es, eo, eh, el, ec, ev = row[A_START], row[A_OPEN], row[A_HIGH], row[A_LOW], row[A_CLOSE], row[A_VOLUME]
        m = ndone[k]
        drows[k, m] = sym
        ndone[k] = _put(bars, done[k], row, r, int(row[S_NBARS]) % bars.shape[0], m, es, eo, eh, el, ec, ev,
                        session_id(es, cache[0, C_OFF], open_min, close_min))
        n_em = _record(emitted, n_em, sym, r, es, eo, eh, el, ec, ev)
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
