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
    float64 ``(siv rows, capacity, 6)`` ring buffers of ``[open time, o, h, l, c, v]``.
``emitted``
    float64 ``(rows, 8)``: ``[symbol, siv row, open time, o, h, l, c, v]`` of
    every bar completed by the call; the last row is scratch space.
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


@jit(void(i8, I1, I1, i8, i8, i8, I2))
def _buckets(ts, trans, offs, open_min, close_min, extended, cache):
    """Bucket ``[start, end)`` of ``ts`` for every interval length: ``cache[k] = (minutes, start, end, offset)``.

    Computed once per timestamp and shared by every symbol of a cross-section;
    the exchange's UTC offset is kept for :func:`session_id`.
    """
    off = utc_offset(trans, offs, ts)
    for k in range(cache.shape[0]):
        start, end = bucket_bounds(ts, off, cache[k, 0], open_min, close_min, extended)
        cache[k, 1] = start
        cache[k, 2] = end
        cache[k, 3] = off


@jit(f8(f8, i8, i8, i8), inline=True)
def session_id(start, off, open_min, close_min):
    """The session of a bar opening at ``start`` (UTC ns): the open time of its daily bar.

    Fed to session-anchored kernels (VWAP) as their ``session`` input; the
    same numbers as :func:`~ringta.coordinator.intervals.session_ids`.
    """
    return float(bucket_bounds(int(start), off, 1440, open_min, close_min, 1)[0])


def bucket_cache(minutes=(1,)) -> np.ndarray:
    """A ``(minutes, start, end, offset)`` table for the interval lengths in use; the base (1) first."""
    lengths = [1] + sorted(set(minutes) - {1})
    cache = np.zeros((len(lengths), 4), dtype=np.int64)
    cache[:, 0] = lengths
    return cache


@jit(i8(F1, I2, F2, I2, F3, F2, I2, I1, i8, F2, I1, i8, i8, i8))
def _apply(arena, program, siv, symtab, bars, emitted, cache, syms, ts, vals, status, n_em, open_min, close_min):
    """Feed the valid, in-session base bars ``vals[i]`` of symbols ``syms[i]`` (``status[i] < 0``).

    For every interval of a symbol: the base interval takes the bar as it
    is; a derived interval adds it to its forming bar (the same rules as
    ``intervals.aggregate_into``), which may complete a bar at a gap and/or at its
    last minute. Every completed bar is stored in the ring buffer, advances
    the interval's indicators and is recorded in ``emitted``. Everything is
    written out in this one loop: calling helpers that take many arrays
    costs more than the work itself at this granularity.
    """
    cap = bars.shape[1]
    max_em = emitted.shape[0] - 1
    for i in range(syms.shape[0]):
        if status[i] >= 0:
            continue
        sym = syms[i]
        o = vals[i, 0]
        h = vals[i, 1]
        l = vals[i, 2]
        c = vals[i, 3]
        v = vals[i, 4]
        symtab[sym, T_LAST] = ts
        for r in range(symtab[sym, T_S0], symtab[sym, T_S1]):
            minutes = siv[r, S_MIN]
            k = 0
            while cache[k, 0] != minutes:
                k += 1
            start = cache[k, 1]
            if start < 0:
                continue
            # Up to two completed bars: g* closed by a gap, b* completed now.
            has_gap = False
            has_bar = False
            gs = go = gh = gl = gc = gv = 0.0
            bs = float(start)
            bo, bh, bl, bc, bv = o, h, l, c, v
            if siv[r, S_BASE] != 0.0:
                has_bar = True
            else:
                rs = siv[r, A_START]
                rn = siv[r, A_COUNT]
                fs = float(start)
                if rn > 0.0 and fs != rs:
                    has_gap = True
                    gs = rs
                    go = siv[r, A_OPEN]
                    gh = siv[r, A_HIGH]
                    gl = siv[r, A_LOW]
                    gc = siv[r, A_CLOSE]
                    gv = siv[r, A_VOLUME]
                    rn = 0.0
                if rn == 0.0:
                    siv[r, A_START] = fs
                    siv[r, A_END] = float(cache[k, 2])
                    siv[r, A_OPEN] = o
                    siv[r, A_HIGH] = h
                    siv[r, A_LOW] = l
                    siv[r, A_CLOSE] = c
                    siv[r, A_VOLUME] = v
                    rn = 1.0
                else:
                    if h > siv[r, A_HIGH]:
                        siv[r, A_HIGH] = h
                    if l < siv[r, A_LOW]:
                        siv[r, A_LOW] = l
                    siv[r, A_CLOSE] = c
                    siv[r, A_VOLUME] += v
                    rn += 1.0
                if float(ts + NS_PER_MINUTE) >= siv[r, A_END]:
                    has_bar = True
                    bs = siv[r, A_START]
                    bo = siv[r, A_OPEN]
                    bh = siv[r, A_HIGH]
                    bl = siv[r, A_LOW]
                    bc = siv[r, A_CLOSE]
                    bv = siv[r, A_VOLUME]
                    rn = 0.0
                siv[r, A_COUNT] = rn
            for q in range(2):
                if q == 0:
                    if not has_gap:
                        continue
                    es, eo, eh, el, ec, ev = gs, go, gh, gl, gc, gv
                else:
                    if not has_bar:
                        continue
                    es, eo, eh, el, ec, ev = bs, bo, bh, bl, bc, bv
                nb_ = int(siv[r, S_NBARS])
                slot = nb_ % cap
                bars[r, slot, 0] = es
                bars[r, slot, 1] = eo
                bars[r, slot, 2] = eh
                bars[r, slot, 3] = el
                bars[r, slot, 4] = ec
                bars[r, slot, 5] = ev
                siv[r, S_NBARS] = nb_ + 1
                es_id = session_id(es, cache[0, 3], open_min, close_min)
                for j in range(int(siv[r, S_PS]), int(siv[r, S_PE])):
                    off = program[j, P_OFFSET]
                    dispatch_block(program[j, P_KIND], arena[off : off + program[j, P_WIDTH]],
                                   program[j, P_SOURCE], eo, eh, el, ec, ev, es_id)
                if n_em < max_em:
                    emitted[n_em, 0] = sym
                    emitted[n_em, 1] = r
                    emitted[n_em, 2] = es
                    emitted[n_em, 3] = eo
                    emitted[n_em, 4] = eh
                    emitted[n_em, 5] = el
                    emitted[n_em, 6] = ec
                    emitted[n_em, 7] = ev
                n_em += 1
    return n_em


@jit(i8(F1, I2, F2, I2, F3, F2, I2, I2, i8, i8, i8, i8, i8, f8, f8, f8, f8, f8), nrt=True)
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
    if cache[0, 1] < 0:
        symtab[sym, T_LAST] = ts
        return OUTSIDE_SESSION
    syms = np.empty(1, dtype=np.int64)
    syms[0] = sym
    vals = np.empty((1, 5))
    vals[0, 0] = o
    vals[0, 1] = h
    vals[0, 2] = l
    vals[0, 3] = c
    vals[0, 4] = v
    status = np.full(1, -1, dtype=np.int64)
    return _apply(arena, program, siv, symtab, bars, emitted, cache, syms, ts, vals, status, 0, open_min, close_min)


@jit(i8(F1, I2, F2, I2, F3, F2, I2, I2, i8, i8, i8, I1, i8, F2, I1, i8))
def on_bars_core(arena, program, siv, symtab, bars, emitted, tz, cache, open_min, close_min, extended,
                 syms, ts, vals, status, skip_bad):
    """Validate and apply one timestamp's base bars for many symbols.

    ``vals[i]`` is ``(open, high, low, close, volume)`` of symbol ``syms[i]``.
    Every bar is validated first; ``status[i]`` gets -1 (applied), a bad-bar
    code, or :data:`OUTSIDE_SESSION`. With ``skip_bad == 0`` any bad bar
    stops the call before any state changes (the return value is then -1);
    otherwise bad bars are skipped. Returns the number of completed bars.
    """
    n = syms.shape[0]
    any_bad = False
    for i in range(n):
        code = check_bar(vals[i, 0], vals[i, 1], vals[i, 2], vals[i, 3], vals[i, 4])
        if code < 0 and ts <= symtab[syms[i], T_LAST]:
            code = 8
        status[i] = code
        if code >= 0:
            any_bad = True
    if any_bad and skip_bad == 0:
        return -1
    _buckets(ts, tz[0], tz[1], open_min, close_min, extended, cache)
    if cache[0, 1] < 0:
        for i in range(n):
            if status[i] < 0:
                symtab[syms[i], T_LAST] = ts
                status[i] = OUTSIDE_SESSION
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
    cap = bars.shape[1]
    for r in range(symtab[sym, T_S0], symtab[sym, T_S1]):
        if siv[r, S_BASE] != 0.0 or siv[r, A_COUNT] == 0.0:
            continue
        siv[r, A_COUNT] = 0.0
        es, eo, eh, el, ec, ev = (siv[r, A_START], siv[r, A_OPEN], siv[r, A_HIGH], siv[r, A_LOW],
                                  siv[r, A_CLOSE], siv[r, A_VOLUME])
        nb_ = int(siv[r, S_NBARS])
        slot = nb_ % cap
        bars[r, slot, 0] = es
        bars[r, slot, 1] = eo
        bars[r, slot, 2] = eh
        bars[r, slot, 3] = el
        bars[r, slot, 4] = ec
        bars[r, slot, 5] = ev
        siv[r, S_NBARS] = nb_ + 1
        es_id = session_id(es, cache[0, 3], open_min, close_min)
        for j in range(int(siv[r, S_PS]), int(siv[r, S_PE])):
            off = program[j, P_OFFSET]
            dispatch_block(program[j, P_KIND], arena[off : off + program[j, P_WIDTH]], program[j, P_SOURCE],
                           eo, eh, el, ec, ev, es_id)
        if n_em < emitted.shape[0] - 1:
            emitted[n_em, 0] = sym
            emitted[n_em, 1] = r
            emitted[n_em, 2] = es
            emitted[n_em, 3] = eo
            emitted[n_em, 4] = eh
            emitted[n_em, 5] = el
            emitted[n_em, 6] = ec
            emitted[n_em, 7] = ev
        n_em += 1
    return n_em
