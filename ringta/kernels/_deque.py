"""Monotonic deques inside a block: window maximum and minimum in amortised O(1).

A deque of capacity ``cap`` occupies ``2 + 2 * cap`` floats of a block at
offset ``base``::

    [head, size, index[0 .. cap-1], value[0 .. cap-1]]

It holds, in a ring of ``cap`` slots from ``head``, the inputs of the last
``cap`` that may still become the window's extreme: indices increasing,
values strictly decreasing (maximum) or increasing (minimum) from the front.
Each input is pushed once and popped at most once, so an update is amortised
O(1), and the extreme of the window is the front value. The values are
copies of inputs, so a window extreme is exact.
"""

from __future__ import annotations

from ._jit import F1, b1, f8, i8, jit


def deque_width(cap: int) -> int:
    """Floats taken by a deque of capacity ``cap``."""
    return 2 + 2 * cap


@jit(f8(F1, i8, i8, f8, f8, b1))
def deque_push(blk, base, cap, n, x, is_max):
    """Push input number ``n`` (0-based) with value ``x``; return the extreme of the last ``cap`` inputs.

    ``is_max`` selects the window maximum (True) or minimum (False). Of equal
    values the newest is kept.
    """
    head = int(blk[base])
    size = int(blk[base + 1])
    iq = base + 2
    vq = base + 2 + cap
    # At most one entry leaves the window per input: the front, if it is cap inputs old.
    if size > 0 and blk[iq + head] <= n - cap:
        head += 1
        if head == cap:
            head = 0
        size -= 1
    while size > 0:
        b = head + size - 1
        if b >= cap:
            b -= cap
        v = blk[vq + b]
        if (v <= x) if is_max else (v >= x):
            size -= 1
        else:
            break
    b = head + size
    if b >= cap:
        b -= cap
    blk[iq + b] = n
    blk[vq + b] = x
    blk[base] = head
    blk[base + 1] = size + 1
    return blk[vq + head]


@jit(f8(F1, i8, i8))
def deque_front_index(blk, base, cap):
    """Input number (0-based) of the current window extreme; call after :func:`deque_push`."""
    return blk[base + 2 + int(blk[base])]
