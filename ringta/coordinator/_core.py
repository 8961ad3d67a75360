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
from ..kernels._program import _dispatch
from .intervals import (A_CLOSE, A_COUNT, A_HIGH, A_LOW, A_OPEN, A_START, A_VOLUME, A_WIDTH, agg_add,
                        bucket_bounds, utc_offset)

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


@jit(i8(F1, I2, F2, F3, F2, i8, i8, i8, f8, f8, f8, f8, f8, i8), inline=True)
def _emit(arena, program, siv, bars, emitted, sym, r, start, o, h, l, c, v, n_em):
    """Store a completed bar of siv row ``r``, advance its indicators, record it."""
    cap = bars.shape[1]
    nb_ = int(siv[r, S_NBARS])
    k = nb_ % cap
    # Plain element stores (no row views): views cost reference counting here.
    bars[r, k, 0] = float(start)
    bars[r, k, 1] = o
    bars[r, k, 2] = h
    bars[r, k, 3] = l
    bars[r, k, 4] = c
    bars[r, k, 5] = v
    siv[r, S_NBARS] = nb_ + 1
    for j in range(int(siv[r, S_PS]), int(siv[r, S_PE])):
        _dispatch(arena, program, j, o, h, l, c, v)
    if n_em < emitted.shape[0] - 1:
        emitted[n_em, 0] = sym
        emitted[n_em, 1] = r
        emitted[n_em, 2] = float(start)
        emitted[n_em, 3] = o
        emitted[n_em, 4] = h
        emitted[n_em, 5] = l
        emitted[n_em, 6] = c
        emitted[n_em, 7] = v
    return n_em + 1


@jit(void(i8, I1, I1, i8, i8, i8, I2))
def _buckets(ts, trans, offs, open_min, close_min, extended, cache):
    """Bucket ``[start, end)`` of ``ts`` for every interval length: ``cache[k] = (minutes, start, end)``.

    Computed once per timestamp and shared by every symbol of a cross-section.
    """
    off = utc_offset(trans, offs, ts)
    for k in range(cache.shape[0]):
        start, end = bucket_bounds(ts, off, cache[k, 0], open_min, close_min, extended)
        cache[k, 1] = start
        cache[k, 2] = end


@jit(i8(F1, I2, F2, I2, F3, F2, I2, F1, i8, i8, f8, f8, f8, f8, f8, i8), inline=True)
def _advance(arena, program, siv, symtab, bars, emitted, cache, scratch, sym, ts, o, h, l, c, v, n_em):
    """Feed one valid, in-session base bar of ``sym`` to all its intervals (buckets from ``cache``)."""
    symtab[sym, T_LAST] = ts
    for r in range(symtab[sym, T_S0], symtab[sym, T_S1]):
        minutes = int(siv[r, S_MIN])
        k = 0
        while cache[k, 0] != minutes:
            k += 1
        start = cache[k, 1]
        if start < 0:
            continue
        if siv[r, S_BASE] != 0.0:
            n_em = _emit(arena, program, siv, bars, emitted, sym, r, start, o, h, l, c, v, n_em)
            continue
        cnt = agg_add(siv[r], start, cache[k, 2], ts, o, h, l, c, v, scratch)
        for q in range(cnt):
            b = 6 * q
            n_em = _emit(arena, program, siv, bars, emitted, sym, r, int(scratch[b]), scratch[b + 1],
                         scratch[b + 2], scratch[b + 3], scratch[b + 4], scratch[b + 5], n_em)
    return n_em


def bucket_cache(minutes=(1,)) -> np.ndarray:
    """A ``(minutes, start, end)`` table for the interval lengths in use; the base (1) first."""
    lengths = [1] + sorted(set(minutes) - {1})
    cache = np.zeros((len(lengths), 3), dtype=np.int64)
    cache[:, 0] = lengths
    return cache


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
    if cache[0, 1] < 0:
        symtab[sym, T_LAST] = ts
        return OUTSIDE_SESSION
    scratch = emitted[emitted.shape[0] - 1]
    return _advance(arena, program, siv, symtab, bars, emitted, cache, scratch, sym, ts, o, h, l, c, v, 0)


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
    outside = cache[0, 1] < 0
    scratch = emitted[emitted.shape[0] - 1]
    n_em = 0
    for i in range(n):
        if status[i] >= 0:
            continue
        s = syms[i]
        if outside:
            symtab[s, T_LAST] = ts
            status[i] = OUTSIDE_SESSION
            continue
        n_em = _advance(arena, program, siv, symtab, bars, emitted, cache, scratch, s, ts, vals[i, 0], vals[i, 1],
                        vals[i, 2], vals[i, 3], vals[i, 4], n_em)
    return n_em


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


@jit(i8(F1, I2, F2, I2, F3, F2, i8))
def flush_core(arena, program, siv, symtab, bars, emitted, sym):
    """End of session: emit the forming bar of every derived interval of ``sym``."""
    n_em = 0
    for r in range(symtab[sym, T_S0], symtab[sym, T_S1]):
        if siv[r, S_BASE] != 0.0 or siv[r, A_COUNT] == 0.0:
            continue
        row = siv[r]
        row[A_COUNT] = 0.0
        n_em = _emit(arena, program, siv, bars, emitted, sym, r, int(row[A_START]), row[A_OPEN], row[A_HIGH], row[A_LOW],
                     row[A_CLOSE], row[A_VOLUME], n_em)
    return n_em
