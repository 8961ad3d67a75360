"""Block header and ring-buffer helpers shared by every kernel.

Each indicator instance lives in one contiguous float64 row, its *block*::

    [count, lookback, <parameters>, <state>, <outputs>, <ring buffer>]

The first two fields are the same for every kernel, so readiness
(``count > lookback``), reset (copy the pristine block back) and snapshots are
generic. The ring buffer sits at the end of the block rather than in a
separate array so that a single-instance update passes one array to compiled
code: each extra array argument costs about 45 ns of dispatch.

Windowed sums are re-anchored. Whenever slot ``period - 1`` has just been
written, the ring holds the last ``period`` inputs in chronological order in
slots ``0 .. period - 1``; every ``anchor_cycles(period)``-th time that
happens (about every :data:`ANCHOR_INPUTS` inputs), the sum is recomputed
from them. Rounding error therefore never accumulates over more than about
``ANCHOR_INPUTS + period`` updates, the recomputation costs O(1) amortised,
and because the batch drivers recompute over the same values in the same
order, batch and streaming stay identical bit for bit.
"""

from __future__ import annotations

import math

from ._jit import F1, F2, I1, b1, f8, i8, jit, void

H_COUNT = 0
H_LOOKBACK = 1
H_SIZE = 2

MAX_PERIOD = 100_000
ANCHOR_INPUTS = 512


def anchor_cycles(period: int) -> int:
    """How many ring cycles pass between exact recomputations of a window sum."""
    return max(1, -(-ANCHOR_INPUTS // period))


@jit(f8(F1, i8, i8))
def seq_sum(a, start, n):
    """Sum ``a[start:start+n]`` in a fixed order: four interleaved partial sums, then the tail.

    Four independent accumulators shorten the dependency chain fourfold; the
    order is fixed, so every caller (ring or input array) gets the same bits
    for the same values.
    """
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    end4 = start + (n - n % 4)
    for j in range(start, end4, 4):
        s0 += a[j]
        s1 += a[j + 1]
        s2 += a[j + 2]
        s3 += a[j + 3]
    total = (s0 + s1) + (s2 + s3)
    for j in range(end4, start + n):
        total += a[j]
    return total


@jit(f8(F1, i8, i8, i8, f8))
def window_sum(a, start, cap, head, shift):
    """Sum of ``a[k] - shift`` over a window of ``cap`` slots, oldest (slot ``head``) first.

    Same grouping as :func:`seq_sum` (four partial sums by position in the
    window), so a ring read from its oldest slot and the same values lying
    contiguously in an input array (``head=0``) give the same bits.
    """
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    j = head
    n4 = cap - cap % 4
    for k in range(0, n4, 4):
        s0 += a[start + j] - shift
        j = j + 1 if j + 1 < cap else 0
        s1 += a[start + j] - shift
        j = j + 1 if j + 1 < cap else 0
        s2 += a[start + j] - shift
        j = j + 1 if j + 1 < cap else 0
        s3 += a[start + j] - shift
        j = j + 1 if j + 1 < cap else 0
    total = (s0 + s1) + (s2 + s3)
    for k in range(n4, cap):
        total += a[start + j] - shift
        j = j + 1 if j + 1 < cap else 0
    return total


@jit(f8(F1, i8, i8, i8, f8))
def window_sqdev(a, start, cap, head, mean):
    """Sum of ``(a[k] - mean) ** 2`` over a window, in :func:`window_sum`'s order."""
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    j = head
    n4 = cap - cap % 4
    for k in range(0, n4, 4):
        d = a[start + j] - mean
        s0 += d * d
        j = j + 1 if j + 1 < cap else 0
        d = a[start + j] - mean
        s1 += d * d
        j = j + 1 if j + 1 < cap else 0
        d = a[start + j] - mean
        s2 += d * d
        j = j + 1 if j + 1 < cap else 0
        d = a[start + j] - mean
        s3 += d * d
        j = j + 1 if j + 1 < cap else 0
    total = (s0 + s1) + (s2 + s3)
    for k in range(n4, cap):
        d = a[start + j] - mean
        total += d * d
        j = j + 1 if j + 1 < cap else 0
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


@jit(void(F1, i8, i8, i8, F1, i8, i8))
def refill_ring(blk, ring, cap, slot0, x, first, end):
    """Store the ring's view of ``x[first:end]`` after a batch run that bypassed the ring.

    Input ``x[first]`` belongs in slot ``slot0 % cap`` and each later input in
    the next slot; only the last ``cap`` inputs survive, as in streaming.
    """
    start = max(first, end - cap)
    slot = (slot0 + (start - first)) % cap
    for k in range(start, end):
        blk[ring + slot] = x[k]
        slot += 1
        if slot == cap:
            slot = 0


@jit(i8(F1, i8, i8, i8, i8, F1, F1, b1))
def lag_finish(blk, pos_at, out_at, ring, ip, x, out, finite):
    """End a batch run of a lag kernel (MOM, ROC) whose values from ``x[ip:]`` were computed from ``x`` itself.

    ``finite`` says whether ``x[ip:]`` were all finite. Returns the first
    non-finite index (the block untouched since the first ``ip`` inputs), or
    -1 after leaving the block as streaming would: the last ``ip`` inputs in
    the ring, the count, the ring position (at ``pos_at``) and the last value
    (at ``out_at``).
    """
    m = x.shape[0]
    if not finite:
        for i in range(ip, m):
            if not math.isfinite(x[i]):
                return i
    pos0 = int(blk[pos_at])
    refill_ring(blk, ring, ip, pos0, x, ip, m)
    blk[H_COUNT] += m - ip
    blk[pos_at] = (pos0 + (m - ip)) % ip
    blk[out_at] = out[m - 1]
    return -1


@jit(void(i8, I1, i8, i8))
def check_rows(n_state, rows, n_inputs, n_out):
    """Refuse an ``update_rows`` call whose rows or array lengths do not fit."""
    n = rows.shape[0]
    if n_inputs < n or n_out < n:
        raise ValueError("update_rows: inputs and out need at least one row per entry of rows")
    for i in range(n):
        if rows[i] < 0 or rows[i] >= n_state:
            raise ValueError("update_rows: a row index is outside the state table")


@jit(void(F2, i8, F1), inline=True)
def put_column(out, i0, res):
    """``out[i0 + k, 0] = res[k]``, as one contiguous copy when ``out`` has one column.

    The column-table steps write the outputs of a whole pass at once; with a
    stride LLVM only knows at run time the copy stays scalar and costs more
    than the step. An ``out`` without rows asks for no copy (the outputs stay
    in the table).
    """
    m = res.shape[0]
    if out.shape[0] == 0:
        return
    if out.shape[1] == 1:
        flat = out.reshape(out.size)[i0 : i0 + m]
        for k in range(m):
            flat[k] = res[k]
    else:
        for k in range(m):
            out[i0 + k, 0] = res[k]


@jit(void(F2, i8, F1, F1, F1), inline=True)
def put_columns3(out, i0, r0, r1, r2):
    """``out[i0 + k, 0:3] = r0[k], r1[k], r2[k]``, with a constant stride when ``out`` has three columns."""
    m = r0.shape[0]
    if out.shape[0] == 0:
        return
    if out.shape[1] == 3:
        flat = out.reshape(out.size)[3 * i0 : 3 * (i0 + m)]
        for k in range(m):
            flat[3 * k] = r0[k]
            flat[3 * k + 1] = r1[k]
            flat[3 * k + 2] = r2[k]
    else:
        for k in range(m):
            out[i0 + k, 0] = r0[k]
            out[i0 + k, 1] = r1[k]
            out[i0 + k, 2] = r2[k]
