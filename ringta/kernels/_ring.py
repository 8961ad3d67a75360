"""Block header and ring-buffer helpers shared by every kernel.

Each indicator instance lives in one contiguous float64 row, its *block*::

    [count, lookback, <parameters>, <state>, <outputs>, <ring buffer>]

The first two fields are the same for every kernel, so readiness
(``count > lookback``), reset (copy the pristine block back) and snapshots are
generic. The ring buffer sits at the end of the block rather than in a
separate array so that a single-instance update passes one array to compiled
code: each extra array argument costs about 45 ns of dispatch.

Windowed sums are re-anchored: whenever the slot ``period - 1`` has just been
written, the ring holds the last ``period`` inputs in chronological order in
slots ``0 .. period - 1`` and the sum is recomputed from them. Rounding error
therefore never accumulates over more than ``period`` updates, and because the
batch drivers recompute over the same values in the same order, batch and
streaming stay identical bit for bit.
"""

from __future__ import annotations

from ._jit import F1, f8, i8, jit

H_COUNT = 0
H_LOOKBACK = 1
H_SIZE = 2

MAX_PERIOD = 100_000


@jit(f8(F1, i8, i8))
def seq_sum(a, start, n):
    """Sum ``a[start:start+n]`` strictly left to right (no reassociation)."""
    total = 0.0
    for j in range(start, start + n):
        total += a[j]
    return total


@jit(f8(F1, i8, i8, f8))
def seq_sqdev(a, start, n, mean):
    """Sum of squared deviations of ``a[start:start+n]`` from ``mean``, left to right."""
    total = 0.0
    for j in range(start, start + n):
        d = a[j] - mean
        total += d * d
    return total


@jit(f8(F1, i8, i8, i8))
def ring_sum_chrono(a, start, cap, head):
    """Sum a ring of ``cap`` slots from its oldest slot ``head`` to the newest."""
    total = 0.0
    for j in range(head, cap):
        total += a[start + j]
    for j in range(0, head):
        total += a[start + j]
    return total
