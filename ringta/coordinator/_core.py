"""Compiled per-bar work of the coordinator: validate, aggregate, store, update.

One call handles one base bar of one symbol (:func:`on_bar_core`) or one
timestamp of many symbols (:func:`on_bars_core`): it validates the bar before
touching anything, feeds every derived interval's forming bar, stores each
completed bar in its ring buffer and advances that interval's indicators with
the same row updates the streaming classes and batch drivers use.

Tables (all owned by :class:`~ringta.coordinator.session_data.SessionData`):

``siv``
    float64, one row per (symbol, interval): the aggregation row
    (``intervals.A_*``), then the program range, interval length, base flag
    and number of bars stored.
``symtab``
    int64, one row per symbol: its ``siv`` row range and last timestamp.
``program``
    int64, the fused program of :mod:`ringta.kernels._program`.
``bars``
    float64 ``(capacity, siv rows, 6)`` ring buffers of ``[open time, o, h, l, c, v]``,
    slot-major: symbols registered together advance in lockstep, so one
    timestamp's writes for every symbol land side by side instead of one
    page apart each (row-major cost a cache and a TLB miss per bar).
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
from ..kernels._program import P_KIND, P_OFFSET, P_SOURCE, P_WIDTH, dispatch_block
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


@jit(void(F1, I2, F3, F1, i8, I1, f8, f8, f8, f8, f8, f8, f8), inline=True)
def _store(arena, program, bars, row, r, ck, es, eo, eh, el, ec, ev, es_id):
    """Store a completed bar in row ``r``'s ring buffer and advance the row's indicators by it."""
    nb_ = int(row[S_NBARS])
    if nb_ != ck[C_NB]:
        ck[C_NB] = nb_
        ck[C_SLOT] = nb_ % bars.shape[0]
    b = bars[ck[C_SLOT], r]
    b[0] = es
    b[1] = eo
    b[2] = eh
    b[3] = el
    b[4] = ec
    b[5] = ev
    row[S_NBARS] = nb_ + 1
    for j in range(int(row[S_PS]), int(row[S_PE])):
        p = program[j]
        off = p[P_OFFSET]
        dispatch_block(p[P_KIND], arena[off : off + p[P_WIDTH]], p[P_SOURCE], eo, eh, el, ec, ev, es_id)


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


@jit(i8(F1, I2, F2, I2, F3, F2, I2, i8, i8, f8, f8, f8, f8, f8, i8, i8, i8), inline=True)
def _feed(arena, program, siv, symtab, bars, emitted, cache, sym, ts, o, h, l, c, v, n_em, open_min, close_min):
    """Feed a valid, in-session base bar of symbol ``sym``; return ``n_em`` plus the bars it completed.

    For every interval of the symbol: the base interval takes the bar as it
    is; a derived interval adds it to its forming bar (the same rules as
    ``intervals.aggregate_into``), which may complete a bar at a gap and/or at its
    last minute. Every completed bar is stored in the ring buffer, advances
    the interval's indicators and is recorded in ``emitted`` (as far as it
    has room: a one-row table records nothing). Everything is written out
    here, inlined into the loops that call it: calling helpers that take
    many arrays costs more than the work itself at this granularity; rows
    are taken as 1-D views, which spares the two-index arithmetic on every
    access.
    """
    t_next = float(ts + NS_PER_MINUTE)
    tab = symtab[sym]
    tab[T_LAST] = ts
    for r in range(tab[T_S0], tab[T_S1]):
        row = siv[r]
        minutes = row[S_MIN]
        k = 0
        while cache[k, C_MIN] != minutes:
            k += 1
        ck = cache[k]
        start = ck[C_START]
        if start < 0:
            continue
        fs = float(start)
        if row[S_BASE] == 0.0:
            rn = row[A_COUNT]
            if rn > 0.0 and fs != row[A_START]:
                # A gap: the forming bar of an earlier bucket completes first.
                gs, go, gh, gl, gc, gv = (row[A_START], row[A_OPEN], row[A_HIGH], row[A_LOW],
                                          row[A_CLOSE], row[A_VOLUME])
                row[A_COUNT] = 0.0
                _store(arena, program, bars, row, r, ck, gs, go, gh, gl, gc, gv,
                       session_id(gs, cache[0, C_OFF], open_min, close_min))
                n_em = _record(emitted, n_em, sym, r, gs, go, gh, gl, gc, gv)
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
            bo, bh, bl, bc, bv = row[A_OPEN], row[A_HIGH], row[A_LOW], row[A_CLOSE], row[A_VOLUME]
        else:
            bo, bh, bl, bc, bv = o, h, l, c, v
        if ck[C_SID] == NO_TS:
            ck[C_SID] = bucket_bounds(int(fs), cache[0, C_OFF], 1440, open_min, close_min, 1)[0]
        _store(arena, program, bars, row, r, ck, fs, bo, bh, bl, bc, bv, float(ck[C_SID]))
        n_em = _record(emitted, n_em, sym, r, fs, bo, bh, bl, bc, bv)
    return n_em


@jit(i8(F1, I2, F2, I2, F3, F2, I2, I1, i8, F2, I1, i8, i8, i8))
def _apply(arena, program, siv, symtab, bars, emitted, cache, syms, ts, vals, status, n_em, open_min, close_min):
    """:func:`_feed` the bars ``vals[i]`` of symbols ``syms[i]`` marked valid (``status[i] < 0``)."""
    for i in range(syms.shape[0]):
        if status[i] < 0:
            x = vals[i]
            n_em = _feed(arena, program, siv, symtab, bars, emitted, cache, syms[i], ts, x[0], x[1], x[2], x[3],
                         x[4], n_em, open_min, close_min)
    return n_em


@jit(i8(F1, I2, F2, I2, F3, F2, I2, I2, i8, i8, i8, i8, i8, f8, f8, f8, f8, f8))
def on_bar_core(arena, program, siv, symtab, bars, emitted, tz, cache, open_min, close_min, extended,
                sym, ts, o, h, l, c, v):
    """Validate and apply one base bar of symbol ``sym``.

    Returns the number of completed bars (recorded in ``emitted``), or
    ``-(code + 1)`` for an invalid bar (nothing changed), or
    :data:`OUTSIDE_SESSION` for a bar outside the session (only the last
    timestamp advances).
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
    return _feed(arena, program, siv, symtab, bars, emitted, cache, sym, ts, o, h, l, c, v, 0, open_min, close_min)


@jit(i8(F1, I2, F2, I2, F3, F2, I2, I2, i8, i8, i8, I1, i8, F2, I1, I1, i8))
def on_bars_core(arena, program, siv, symtab, bars, emitted, tz, cache, open_min, close_min, extended,
                 syms, ts, vals, status, counts, skip_bad):
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
    return _apply(arena, program, siv, symtab, bars, emitted, cache, syms, ts, vals, status, 0, open_min, close_min)


@jit(i8(F1, I2, F2, I2, F3, F2, I2, I2, i8, i8, i8, i8, I1, F2))
def replay_core(arena, program, siv, symtab, bars, emitted, tz, cache, open_min, close_min, extended,
                sym, ts, vals):
    """Apply many base bars of one symbol in order; return the index of the first bad one, or -1."""
    for i in range(ts.shape[0]):
        r = on_bar_core(arena, program, siv, symtab, bars, emitted, tz, cache, open_min, close_min, extended,
                        sym, ts[i], vals[i, 0], vals[i, 1], vals[i, 2], vals[i, 3], vals[i, 4])
        if r < 0 and r != OUTSIDE_SESSION:
            return i
    return -1


@jit(i8(F1, I2, F2, I2, F3, F2, I2, i8, i8, i8))
def flush_core(arena, program, siv, symtab, bars, emitted, cache, sym, open_min, close_min):
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
        _store(arena, program, bars, row, r, cache[k], es, eo, eh, el, ec, ev,
               session_id(es, cache[0, C_OFF], open_min, close_min))
        n_em = _record(emitted, n_em, sym, r, es, eo, eh, el, ec, ev)
    return n_em
