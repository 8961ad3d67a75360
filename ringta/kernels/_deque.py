"""Window maximum and minimum inside a block, amortised O(1) and branch-free.

The structure is van Herk / Gil-Werman's: the inputs are cut into *blocks*
of ``cap`` consecutive inputs (input numbers ``k*cap .. k*cap + cap - 1``).
The window of the last ``cap`` inputs ending at input ``n`` (at position
``j = n % cap`` of its block) is the head ``0 .. j`` of the current block
and the tail ``j+1 .. cap-1`` of the previous one, so its extreme is the
better of

* ``P``, the running extreme of the current block so far, and
* ``S[j+1]``, the extreme of the previous block from position ``j+1`` on
  (its *suffix* extremes, computed once when that block was complete).

A structure of capacity ``cap`` occupies ``2 + 2 * cap`` floats of a block at
offset ``base`` (:func:`deque_width`), or ``3 + 2 * cap`` when it also reports
the input number of the extreme (:func:`deque_arg_width`)::

    [P, j, slot[0 .. cap-1], spare[0 .. cap-1]]              deque_push
    [P, P_index, j, slot[0 .. cap-1], slot_index[0 .. cap-1]]  deque_push_arg

``j`` is the position of the next input in its block; ``slot[0 .. j-1]``
hold the current block's inputs, ``slot[j ..]`` the previous block's suffix
extremes (and ``slot_index`` their input numbers); when a block completes,
one backward pass turns its inputs into its suffix extremes in place (O(cap)
once per ``cap`` inputs: amortised O(1), whatever the data). The minimum is
kept as the maximum of the negated inputs (negation is exact), so ``P`` and
the slots of a minimum hold ``-x``. Of equal values the newest counts, which
only decides the sign of a zero extreme and, for :func:`deque_push_arg`, the
input number reported (the most recent, as TA-Lib's AROON). The ``spare``
floats keep the width of the monotonic deque this replaces, which callers
use to place a second structure.

Every data-dependent choice is a select (``vmaxsd``), never a branch: the
per-input cost does not depend on the series (a falling series costs what a
random walk costs) and there is no branch to mispredict. The monotonic deque this
replaces popped a data-dependent number of entries per input: on a random
walk its loop exit and comparisons mispredicted about once per input and
structure (each misprediction costing 10-25 ns on a shared core), and its
head and size made a round trip through the float block (store, reload,
float-int conversions) on the dependency chain from one input to the next.

Streaming (:func:`deque_push`, :func:`deque_push_arg`) and batch
(:func:`window_run`, :func:`window_run2`, :func:`window_run_arg`) perform
the same comparisons on the same values and leave the same block, bit for
bit: the batch runners finish a partial block input by input, as streaming
does, and run whole blocks with the inputs read from the array and the
suffix extremes kept in a scratch buffer, copied back into the block at the
end of the call.
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import F1, b1, f8, i8, jit, void


def deque_width(cap: int) -> int:
    """Floats taken by a window extreme of capacity ``cap`` (:func:`deque_push`)."""
    return 2 + 2 * cap


def deque_arg_width(cap: int) -> int:
    """Floats taken by a window extreme that also reports its input number (:func:`deque_push_arg`)."""
    return 3 + 2 * cap


@jit(i8(i8))
def scratch_width(cap):
    """Floats of the scratch buffer :func:`window_run` and :func:`window_run_arg` need."""
    return 4 * cap + 4


@jit(i8(i8))
def chunk_len(cap):
    """Inputs per chunk for batch drivers that stage extremes in buffers.

    A multiple of ``cap`` (chunks end on block boundaries) of at least about
    4096 inputs, so the staged values stay in cache, and of at least 8
    blocks, so the suffix extremes are copied in and out of the block (by
    :func:`window_run`) once per 8 blocks or fewer.
    """
    return cap * max(8, 4096 // cap)


@jit(void(F1, i8, i8))
def _suffix_pass(blk, v, cap):
    """Turn the inputs in ``blk[v : v+cap]`` into their suffix maxima, in place (newest wins ties)."""
    best = blk[v + cap - 1]
    for k in range(cap - 2, -1, -1):
        y = blk[v + k]
        best = y if y > best else best
        blk[v + k] = best


@jit(void(F1, i8, i8, f8))
def _suffix_pass_arg(blk, v, cap, first):
    """:func:`_suffix_pass` that also writes the input numbers of the maxima (inputs ``first`` ..)."""
    w = v + cap
    best = blk[v + cap - 1]
    bi = first + (cap - 1)
    blk[w + cap - 1] = bi
    for k in range(cap - 2, -1, -1):
        y = blk[v + k]
        c = y > best
        best = y if c else best
        bi = (first + k) if c else bi
        blk[v + k] = best
        blk[w + k] = bi


# The pushes are inlined into their callers (Numba IR): a compiled call that
# passes ``blk`` (its fields one by one) costs more than the push itself. They
# are straight-line code with selects except for the suffix pass once per
# ``cap`` inputs.


@jit(f8(F1, i8, i8, f8, f8, b1), inline=True)
def deque_push(blk, base, cap, n, x, is_max):
    """Push input number ``n`` (0-based, consecutive) with value ``x``; return the extreme of the last ``cap`` inputs.

    ``is_max`` selects the window maximum (True) or minimum (False). Before
    ``cap`` inputs the extreme is that of the inputs so far. The structure
    takes :func:`deque_width` floats at ``base``: ``[P, j, slot[cap], spare[cap]]``
    with ``j`` the position of input ``n`` in its block.
    """
    sgn = 1.0 if is_max else -1.0
    y = sgn * x
    j = int(blk[base + 1])
    v = base + 2
    p = blk[base]
    pm = p if p > y else y
    p = y if j == 0 else pm
    s = blk[v + j + 1]  # slot j+1 (the word after the slots when j == cap-1: not used then)
    em = s if s > p else p
    e = em if j + 1 < cap and n >= cap else p
    blk[v + j] = y
    blk[base] = p
    j += 1
    if j == cap:  # the block is complete: its suffix maxima, in place
        best = y
        for k in range(cap - 2, -1, -1):
            z = blk[v + k]
            best = z if z > best else best
            blk[v + k] = best
        j = 0
    blk[base + 1] = j
    return sgn * e


@jit(f8(F1, i8, i8, f8, f8, b1), inline=True)
def deque_push_arg(blk, base, cap, n, x, is_max):
    """:func:`deque_push` returning the input number of the window extreme (the newest of equal ones).

    The structure takes :func:`deque_arg_width` floats at ``base``:
    ``[P, P_index, j, slot[cap], slot_index[cap]]``.
    """
    sgn = 1.0 if is_max else -1.0
    y = sgn * x
    j = int(blk[base + 2])
    v = base + 3
    w = v + cap
    p = blk[base]
    pi = blk[base + 1]
    c = p > y
    pm = p if c else y
    pim = pi if c else n
    p = y if j == 0 else pm
    pi = n if j == 0 else pim
    s = blk[v + j + 1]  # slot j+1 (or slot_index[0] when j == cap-1: not used then)
    si = blk[w + j + 1] if j + 1 < cap else -1.0
    eim = si if s > p else pi
    ei = eim if j + 1 < cap and n >= cap else pi
    blk[v + j] = y
    blk[base] = p
    blk[base + 1] = pi
    j += 1
    if j == cap:
        best = y
        bi = n
        blk[w + cap - 1] = n
        for k in range(cap - 2, -1, -1):
            z = blk[v + k]
            c = z > best
            best = z if c else best
            bi = (n - (cap - 1 - k)) if c else bi
            blk[v + k] = best
            blk[w + k] = bi
        j = 0
    blk[base + 2] = j
    return ei


@jit(void(F1, i8, i8, f8, F1, i8, i8, b1, F1, i8, F1))
def window_run(blk, base, cap, n0, x, lo, hi, is_max, ext, eo, tmp):
    """Push ``x[lo:hi]`` (input numbers ``n0, n0+1, ...``) as :func:`deque_push` would; extremes to ``ext[eo:]``.

    The block ends exactly as after pushing the inputs one by one. Whole
    blocks of ``cap`` inputs run two independent chains per input (the
    running extreme forward, the suffix extremes backward, into ``tmp``), all
    with selects. ``tmp`` needs :func:`scratch_width` floats.
    """
    sgn = 1.0 if is_max else -1.0
    q = int(n0)
    j = int(blk[base + 1])
    v = base + 2
    slots = blk[v : v + cap]
    p = blk[base]
    i = lo
    d = eo - lo  # ext index = input index + d
    if j != 0:  # finish the current block input by input, as streaming does
        while i < hi and j < cap:
            y = sgn * x[i]
            p = p if p > y else y
            s = slots[j + 1] if j + 1 < cap and q >= cap else -np.inf
            e = s if s > p else p
            slots[j] = y
            ext[i + d] = sgn * e
            i += 1
            j += 1
            q += 1
        if j < cap:
            blk[base] = p
            blk[base + 1] = j
            return
        _suffix_pass(blk, v, cap)
        j = 0
    nfull = (hi - i) // cap
    if nfull > 0:
        src = tmp[: cap + 1]
        dst = tmp[cap + 1 : 2 * cap + 2]
        for k in range(cap):  # loops, not slice assignments (those check for overlap and may copy)
            src[k] = slots[k] if q >= cap else -np.inf
        src[cap] = -np.inf
        dst[cap] = -np.inf
        for _ in range(nfull):
            xb = x[i : i + cap]
            eb = ext[i + d : i + d + cap]
            best = -np.inf
            p = -np.inf
            for t in range(cap):
                y = sgn * xb[t]
                p = p if p > y else y
                s = src[t + 1]
                e = s if s > p else p
                eb[t] = sgn * e
                k = cap - 1 - t
                z = sgn * xb[k]
                best = z if z > best else best
                dst[k] = best
            src, dst = dst, src
            i += cap
            q += cap
        for k in range(cap):
            slots[k] = src[k]
    while i < hi:  # the start of the next block (j == 0 first)
        y = sgn * x[i]
        pm = p if p > y else y
        p = y if j == 0 else pm
        s = slots[j + 1] if q >= cap else -np.inf
        e = s if s > p else p
        slots[j] = y
        ext[i + d] = sgn * e
        i += 1
        j += 1
        q += 1
    blk[base] = p
    blk[base + 1] = j


@jit(void(F1, i8, i8, i8, f8, F1, F1, i8, i8, F1, F1, i8, F1))
def window_run2(blk, hbase, lbase, cap, n0, high, low, lo, hi, eh, el, eo, tmp):
    """:func:`window_run` for a window maximum of ``high`` (at ``hbase``) and a minimum of ``low`` (at ``lbase``).

    The same pushes as two :func:`window_run` calls (same final block, same
    extremes, written to ``eh[eo:]`` and ``el[eo:]``), but whole blocks run
    the four chains (two running extremes, two suffix passes) in one loop.
    ``tmp`` needs :func:`scratch_width` floats.
    """
    q = int(n0)
    j = int(blk[hbase + 1])
    i = lo
    d = eo - lo
    if j != 0:  # the rest of the current block, as streaming does
        stop = min(hi, i + (cap - j))
        window_run(blk, hbase, cap, float(q), high, i, stop, True, eh, i + d, tmp)
        window_run(blk, lbase, cap, float(q), low, i, stop, False, el, i + d, tmp)
        q += stop - i
        i = stop
    nfull = (hi - i) // cap
    if nfull > 0:
        hv = hbase + 2
        lv = lbase + 2
        hs = tmp[: cap + 1]
        hd = tmp[cap + 1 : 2 * cap + 2]
        ls = tmp[2 * cap + 2 : 3 * cap + 3]
        ld = tmp[3 * cap + 3 : 4 * cap + 4]
        for k in range(cap):  # loops, not slice assignments (those check for overlap and may copy)
            hs[k] = blk[hv + k] if q >= cap else -np.inf
            ls[k] = blk[lv + k] if q >= cap else -np.inf
        hs[cap] = -np.inf
        hd[cap] = -np.inf
        ls[cap] = -np.inf
        ld[cap] = -np.inf
        ph = -np.inf
        pl = -np.inf
        for _ in range(nfull):
            xh = high[i : i + cap]
            xl = low[i : i + cap]
            oh = eh[i + d : i + d + cap]
            ol = el[i + d : i + d + cap]
            bh = -np.inf
            bl = -np.inf
            ph = -np.inf
            pl = -np.inf
            for t in range(cap):
                k = cap - 1 - t
                y = xh[t]
                ph = ph if ph > y else y
                s = hs[t + 1]
                oh[t] = s if s > ph else ph
                z = xh[k]
                bh = z if z > bh else bh
                hd[k] = bh
                y = -xl[t]
                pl = pl if pl > y else y
                s = ls[t + 1]
                ol[t] = -(s if s > pl else pl)
                z = -xl[k]
                bl = z if z > bl else bl
                ld[k] = bl
            hs, hd = hd, hs
            ls, ld = ld, ls
            i += cap
            q += cap
        for k in range(cap):
            blk[hv + k] = hs[k]
            blk[lv + k] = ls[k]
        blk[hbase] = ph
        blk[lbase] = pl
        blk[hbase + 1] = 0
        blk[lbase + 1] = 0
    if i < hi:  # the start of the next block
        window_run(blk, hbase, cap, float(q), high, i, hi, True, eh, i + d, tmp)
        window_run(blk, lbase, cap, float(q), low, i, hi, False, el, i + d, tmp)


@jit(void(F1, i8, i8, f8, F1, i8, i8, b1, F1, i8, F1))
def window_run_arg(blk, base, cap, n0, x, lo, hi, is_max, ext, eo, tmp):
    """:func:`window_run` for :func:`deque_push_arg`: writes the input numbers of the extremes."""
    sgn = 1.0 if is_max else -1.0
    q = int(n0)
    j = int(blk[base + 2])
    v = base + 3
    w = v + cap
    slots = blk[v : v + cap]
    p = blk[base]
    pi = blk[base + 1]
    i = lo
    d = eo - lo
    nf = float(q)
    if j != 0:
        while i < hi and j < cap:
            y = sgn * x[i]
            c = p > y
            p = p if c else y
            pi = pi if c else nf
            has = j + 1 < cap and q >= cap
            s = slots[j + 1] if has else -np.inf
            si = blk[w + j + 1] if has else -1.0
            ext[i + d] = si if s > p else pi
            slots[j] = y
            i += 1
            j += 1
            q += 1
            nf += 1.0
        if j < cap:
            blk[base] = p
            blk[base + 1] = pi
            blk[base + 2] = j
            return
        _suffix_pass_arg(blk, v, cap, nf - cap)
        j = 0
    nfull = (hi - i) // cap
    if nfull > 0:
        src = tmp[: cap + 1]
        dst = tmp[cap + 1 : 2 * cap + 2]
        srci = tmp[2 * cap + 2 : 3 * cap + 3]
        dsti = tmp[3 * cap + 3 : 4 * cap + 4]
        for k in range(cap):  # loops, not slice assignments (those check for overlap and may copy)
            src[k] = slots[k] if q >= cap else -np.inf
            srci[k] = blk[w + k] if q >= cap else -1.0
        src[cap] = -np.inf
        dst[cap] = -np.inf
        srci[cap] = -1.0
        dsti[cap] = -1.0
        for _ in range(nfull):
            xb = x[i : i + cap]
            eb = ext[i + d : i + d + cap]
            best = -np.inf
            bi = -1.0
            p = -np.inf
            pi = -1.0
            fi = nf
            bk = nf + (cap - 1)
            for t in range(cap):
                y = sgn * xb[t]
                c = p > y
                p = p if c else y
                pi = pi if c else fi
                s = src[t + 1]
                eb[t] = srci[t + 1] if s > p else pi
                k = cap - 1 - t
                z = sgn * xb[k]
                c2 = z > best
                best = z if c2 else best
                bi = bk if c2 else bi
                dst[k] = best
                dsti[k] = bi
                fi += 1.0
                bk -= 1.0
            src, dst = dst, src
            srci, dsti = dsti, srci
            i += cap
            q += cap
            nf += cap
        for k in range(cap):
            slots[k] = src[k]
            blk[w + k] = srci[k]
    while i < hi:
        y = sgn * x[i]
        c = p > y
        pm = p if c else y
        pim = pi if c else nf
        p = y if j == 0 else pm
        pi = nf if j == 0 else pim
        has = q >= cap
        s = slots[j + 1] if has else -np.inf
        si = blk[w + j + 1] if has else -1.0
        ext[i + d] = si if s > p else pi
        slots[j] = y
        i += 1
        j += 1
        q += 1
        nf += 1.0
    blk[base] = p
    blk[base + 1] = pi
    blk[base + 2] = j


@jit(i8(F1, i8, i8))
def first_nonfinite(x, lo, hi):
    """Index of the first non-finite value of ``x[lo:hi]``, or -1 (one vectorised pass when all are finite)."""
    xs = x[lo:hi]
    ok = True
    for i in range(xs.shape[0]):
        ok &= (xs[i] - xs[i]) == 0.0  # 0 for a finite value, NaN otherwise
    if ok:
        return -1
    for i in range(xs.shape[0]):
        if not math.isfinite(xs[i]):
            return lo + i
    return -1
