"""The coordinator's indicator state: one column table per indicator, one column per symbol.

Every symbol that has indicator ``key`` keeps its block in column ``y`` (its
symbol row) of that key's table, so the blocks of one indicator for all
symbols are stored field-major (see :mod:`ringta.kernels._columns`). When
a timestamp completes a bar of some interval for many symbols, each table
of that interval advances all their columns in one pass, which LLVM turns
into SIMD loops for the kinds that have a column step; every other kind,
and every column the column step does not fit, takes the kind's row update
on a copy of its block. The arithmetic is the row update's either way, so
the values are the ones the streaming classes and the batch functions give.

``tables`` (int64, one row per table, ``TB_*`` columns) locates each table
in the flat ``arena``: its offset, width (floats per block) and interval;
every table has ``cap`` columns, the symbol capacity of the session.
"""

from __future__ import annotations

import numpy as np

from ..kernels._columns import UPDATE_COLUMNS, _advance
from ..kernels._jit import F1, F2, I1, I2, i8, jit, void
from ..kernels._program import dispatch_block

TB_KIND = 0
TB_OFFSET = 1
TB_WIDTH = 2
TB_SOURCE = 3
TB_OUT = 4  # first output field
TB_NOUT = 5  # number of outputs
TB_MIN = 6  # interval length in minutes
TB_VECTOR = 7  # 1 when the kind has a column step (see ringta.kernels._columns)
TB_COLUMNS = 8

VECTOR_KINDS = frozenset(UPDATE_COLUMNS)


@jit(void(i8, F2, i8, i8, F2, i8), nrt=True)
def _row_full(kind, state, r, src, fields, j):
    """Advance column ``r`` by bar ``fields[:, j]`` (open .. volume, session) through the row update."""
    blk = np.empty(state.shape[0])
    for f in range(blk.shape[0]):
        blk[f] = state[f, r]
    dispatch_block(kind, blk, src, fields[0, j], fields[1, j], fields[2, j], fields[3, j], fields[4, j],
                   fields[5, j])
    for f in range(blk.shape[0]):
        state[f, r] = blk[f]


@jit(void(F1, I2, i8, i8, I1, F2))
def advance_tables(arena, tables, cap, minutes, rows, fields):
    """Advance column ``rows[j]`` of every table on ``minutes``-minute bars by the bar ``fields[:, j]``.

    ``fields`` holds open, high, low, close, volume and the session id, one
    row each (at least ``len(rows)`` entries). A symbol given twice advances
    twice, in order. The outputs stay in the tables.
    """
    nowhere = fields[:0]
    for t in range(tables.shape[0]):
        tb = tables[t]
        if tb[TB_MIN] != minutes:
            continue
        width = tb[TB_WIDTH]
        off = tb[TB_OFFSET]
        state = arena[off : off + width * cap].reshape((width, cap))
        src = tb[TB_SOURCE]
        if tb[TB_VECTOR] == 1:
            _advance(tb[TB_KIND], tb[TB_OUT], tb[TB_NOUT], state, rows, fields[src], fields[4], nowhere)
        else:
            for j in range(rows.shape[0]):
                _row_full(tb[TB_KIND], state, rows[j], src, fields, j)
