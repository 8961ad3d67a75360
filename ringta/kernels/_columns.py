"""Column tables: one indicator kind for many symbols, advanced across symbols in SIMD registers.

A *column table* holds the blocks of many rows (symbols) of one kind
field-major: ``state[f, r]`` is field ``f`` of row ``r``, so ``state[:, r]``
is the same block a row table holds in ``state[r]``. Built by
:func:`ringta.kernels.allocate_columns`.

``<name>_update_columns(state, rows, *inputs, out)`` does what
``<name>_update_rows`` does. Where ``rows`` runs through consecutive rows
(the usual case: every symbol of a universe gets a bar), one field of all
those rows is one contiguous run of memory, and the kind's plain step (the
one its row update takes on almost every bar) runs as one loop across the
rows, which LLVM vectorises. Each kind says when that step applies
(``<name>_columns_ready``): past the warm-up, and for ring-buffer kinds
with every row at the same ring slot and no re-anchoring due. Rows where
it does not apply (warming up, re-anchoring, a symbol added later whose
ring is at another slot) take the row update itself, on a copy of their
block. Either way the arithmetic is the row update's, so every output has
the bits ``update_rows``, the streaming classes and the batch functions give.
"""

from __future__ import annotations

import numpy as np

from ._jit import F1, F2, I1, I2, f8, i8, jit, void
from ._program import dispatch_block, fresh_blocks
from .bollinger import BB_OUT, SPEC as BB_SPEC, bbands_columns_ready, bbands_columns_step
from .ema import EMA_OUT, SPEC as EMA_SPEC, ema_columns_ready, ema_columns_step
from .macd import MACD_OUT, SPEC as MACD_SPEC, macd_columns_ready, macd_columns_step
from .obv import OBV_OUT, SPEC as OBV_SPEC, obv_columns_ready, obv_columns_step
from .rsi import RSI_OUT, SPEC as RSI_SPEC, rsi_columns_ready, rsi_columns_step
from .sma import SMA_OUT, SPEC as SMA_SPEC, sma_columns_ready, sma_columns_step

# Rows per vector pass: long enough that a pass's set-up is lost in its loop.
CHUNK = 1024
# Runs this short go row by row; after this many rows that the plain step
# does not fit, so does the rest of a run.
SMALL_RUN = 8
MAX_ODD_ROWS = 4

K_EMA = EMA_SPEC.kind_id
K_SMA = SMA_SPEC.kind_id
K_RSI = RSI_SPEC.kind_id
K_MACD = MACD_SPEC.kind_id
K_BB = BB_SPEC.kind_id
K_OBV = OBV_SPEC.kind_id


@jit(void(i8, F2, i8, F1, F1, i8, F2, i8, i8), nrt=True)
def _row_update(kind, state, r, x, v, j, out, out_off, n_out):
    """Advance column ``r`` by ``(x[j], v[j])`` through the kind's row update, on a copy of its block."""
    blk = np.empty(state.shape[0])
    for f in range(blk.shape[0]):
        blk[f] = state[f, r]
    dispatch_block(kind, blk, 3, x[j], x[j], x[j], x[j], v[j], 0.0)
    for f in range(blk.shape[0]):
        state[f, r] = blk[f]
    if out.shape[0] == 0:
        return
    for q in range(n_out):
        out[j, q] = blk[out_off + q]


@jit(i8(i8, F2, i8, i8, F1, F1, i8, F2), inline=True)
def _vector_pass(kind, state, a, b, x, v, i0, out):
    """Run the plain step over columns ``a .. b-1`` if it applies to all of them; return 1 if it ran."""
    if kind == K_EMA:
        if not ema_columns_ready(state, a, b, x, i0):
            return 0
        ema_columns_step(state, a, b, x, v, i0, out)
    elif kind == K_SMA:
        if not sma_columns_ready(state, a, b, x, i0):
            return 0
        sma_columns_step(state, a, b, x, v, i0, out)
    elif kind == K_RSI:
        if not rsi_columns_ready(state, a, b, x, i0):
            return 0
        rsi_columns_step(state, a, b, x, v, i0, out)
    elif kind == K_MACD:
        if not macd_columns_ready(state, a, b, x, i0):
            return 0
        macd_columns_step(state, a, b, x, v, i0, out)
    elif kind == K_BB:
        if not bbands_columns_ready(state, a, b, x, i0):
            return 0
        bbands_columns_step(state, a, b, x, v, i0, out)
    else:
        if not obv_columns_ready(state, a, b, x, i0):
            return 0
        obv_columns_step(state, a, b, x, v, i0, out)
    return 1


@jit(void(i8, I1, i8, i8), inline=True)
def _check_columns(n_state, rows, n_in, n_out):
    """Refuse rows outside the table or inputs too short; a reduction, so that it runs in SIMD registers."""
    n = rows.shape[0]
    if n_in < n or n_out < n:
        raise ValueError("update_columns: inputs and out need at least one entry per entry of rows")
    bad = False
    for i in range(n):
        bad |= (rows[i] < 0) | (rows[i] >= n_state)
    if bad:
        raise ValueError("update_columns: a row index is outside the state table")


@jit(void(i8, i8, i8, F2, i8, i8, i8, F1, F1, F2), inline=True)
def _one_by_one(kind, out_off, n_out, state, a, s, f, x, v, out):
    """Entries ``s .. f-1`` (columns ``a + s ..``) one at a time: a one-column pass, or the row update."""
    for j in range(s, f):
        if _vector_pass(kind, state, a + j, a + j + 1, x, v, j, out) == 0:
            _row_update(kind, state, a + j, x, v, j, out, out_off, n_out)


@jit(void(i8, i8, i8, F2, I1, i8, i8, F1, F1, F2), inline=True)
def _runs(kind, out_off, n_out, state, rows, i, e, x, v, out):
    """Entries ``i .. e-1`` run by run of consecutive rows.

    Where a run's plain step does not fit every row, the longest passes that
    fit are found by halving, and the row that stops them takes its row
    update; after a few such rows in one run the rest go one by one (a
    table whose symbols joined at many different times).
    """
    while i < e:
        a = rows[i] - i  # column of entry j is a + j within the run
        f = i + 1
        while f < e and rows[f] == a + f:
            f += 1
        s = i
        odd = 0
        while s < f:
            if f - s <= SMALL_RUN or odd >= MAX_ODD_ROWS:
                _one_by_one(kind, out_off, n_out, state, a, s, f, x, v, out)
                break
            if _vector_pass(kind, state, a + s, a + f, x, v, s, out) == 1:
                break
            hi = f
            while hi - s > 1:
                mid = (s + hi) // 2
                if _vector_pass(kind, state, a + s, a + mid, x, v, s, out) == 1:
                    s = mid
                else:
                    hi = mid
            _one_by_one(kind, out_off, n_out, state, a, s, s + 1, x, v, out)
            s += 1
            odd += 1
        i = f


@jit(void(i8, i8, i8, F2, I1, F1, F1, F2), inline=True)
def _advance(kind, out_off, n_out, state, rows, x, v, out):
    """Advance column ``rows[i]`` of ``state`` by ``(x[i], v[i])`` for every ``i`` (rows already checked)."""
    nr = rows.shape[0]
    for i in range(0, nr, CHUNK):
        e = min(nr, i + CHUNK)
        a = rows[i]
        off = 0
        for j in range(i, e):
            off |= (rows[j] - j) ^ (a - i)  # zero for a run of consecutive rows; an integer reduction
        if not (off == 0 and _vector_pass(kind, state, a, a + (e - i), x, v, i, out) == 1):
            _runs(kind, out_off, n_out, state, rows, i, e, x, v, out)


@jit(void(i8, i8, i8, F2, I1, F1, F1, F2), inline=True)
def update_columns(kind, out_off, n_out, state, rows, x, v, out):
    """Check the arguments, then :func:`_advance`; outputs to ``out[i]``."""
    _check_columns(state.shape[1], rows, min(x.shape[0], v.shape[0]), out.shape[0])
    _advance(kind, out_off, n_out, state, rows, x, v, out)


@jit(void(F2, I1, F1, F2))
def ema_update_columns(state, rows, x, out):
    """Advance column ``rows[i]`` of an EMA column table by ``x[i]``; values to ``out[i, 0]``."""
    update_columns(K_EMA, EMA_OUT, 1, state, rows, x, x, out)


@jit(void(F2, I1, F1, F2))
def sma_update_columns(state, rows, x, out):
    """Advance column ``rows[i]`` of an SMA column table by ``x[i]``; values to ``out[i, 0]``."""
    update_columns(K_SMA, SMA_OUT, 1, state, rows, x, x, out)


@jit(void(F2, I1, F1, F2))
def rsi_update_columns(state, rows, x, out):
    """Advance column ``rows[i]`` of an RSI column table by ``x[i]``; values to ``out[i, 0]``."""
    update_columns(K_RSI, RSI_OUT, 1, state, rows, x, x, out)


@jit(void(F2, I1, F1, F2))
def macd_update_columns(state, rows, x, out):
    """Advance column ``rows[i]`` of a MACD column table by ``x[i]``; macd, signal, hist to ``out[i, 0:3]``."""
    update_columns(K_MACD, MACD_OUT, 3, state, rows, x, x, out)


@jit(void(F2, I1, F1, F2))
def bbands_update_columns(state, rows, x, out):
    """Advance column ``rows[i]`` of a Bollinger column table by ``x[i]``; upper, middle, lower to ``out[i, 0:3]``."""
    update_columns(K_BB, BB_OUT, 3, state, rows, x, x, out)


@jit(void(F2, I1, F1, F1, F2))
def obv_update_columns(state, rows, close, volume, out):
    """Advance column ``rows[i]`` of an OBV column table by ``(close[i], volume[i])``; values to ``out[i, 0]``."""
    update_columns(K_OBV, OBV_OUT, 1, state, rows, close, volume, out)


UPDATE_COLUMNS = {
    "ema": ema_update_columns,
    "sma": sma_update_columns,
    "rsi": rsi_update_columns,
    "macd": macd_update_columns,
    "bbands": bbands_update_columns,
    "obv": obv_update_columns,
}


C_KIND, C_OFFSET, C_WIDTH, C_SOURCE, C_OUT, C_NOUT = range(6)


@jit(void(F1, I2, i8, I1, F2))
def step_columns(arena, program, n_cols, rows, fields):
    """Advance every column table of ``program`` at columns ``rows[i]`` by the bar ``fields[:, i]``.

    ``fields`` is ``(5, len(rows))``: open, high, low, close, volume, one
    row each, so that each input is contiguous. The outputs stay in the
    tables (their output fields).
    """
    _check_columns(n_cols, rows, fields.shape[1], fields.shape[1])
    nowhere = fields[:0]  # no rows: the outputs stay in the tables
    for j in range(program.shape[0]):
        off = program[j, C_OFFSET]
        width = program[j, C_WIDTH]
        state = arena[off : off + width * n_cols].reshape((width, n_cols))
        _advance(program[j, C_KIND], program[j, C_OUT], program[j, C_NOUT], state, rows,
                 fields[program[j, C_SOURCE]], fields[4], nowhere)


class ColumnSet:
    """Several indicators for many symbols, advanced together by one compiled call per timestamp.

    Each indicator is a column table (field-major: one column per symbol)
    in one flat arena; :meth:`update` advances all of them, across symbols
    in SIMD registers where the symbols' rows run consecutively. Only the
    kinds in :data:`UPDATE_COLUMNS` can be in a set.

    Parameters
    ----------
    indicators : dict
        ``key -> (name, params)`` as for :class:`~ringta.kernels.IndicatorSet`;
        ``params`` may include ``source`` (``"close"`` by default).
    n_symbols : int
        Number of symbols (columns of every table).

    Examples
    --------
    >>> import numpy as np
    >>> from ringta.kernels import ColumnSet
    >>> s = ColumnSet({"sma2": ("sma", {"period": 2}), "obv": ("obv", {})}, n_symbols=3)
    >>> bars = np.array([[10.0, 20.0, 30.0]] * 4 + [[100.0, 100.0, 100.0]])  # open, high, low, close, volume
    >>> s.update(bars)
    >>> s.update(bars + [[1.0], [1.0], [1.0], [1.0], [0.0]])
    >>> s.values("sma2").tolist(), s.values("obv").tolist()
    ([10.5, 20.5, 30.5], [200.0, 200.0, 200.0])
    """

    def __init__(self, indicators: dict, n_symbols: int):
        if not isinstance(n_symbols, (int, np.integer)) or n_symbols < 1:
            raise ValueError(f"ColumnSet: n_symbols must be a positive integer, got {n_symbols!r}")
        self.n_symbols = n = int(n_symbols)
        rows, tables, self._keys = [], [], {}
        offset = 0
        for key, spec, blk, source in fresh_blocks(indicators, UPDATE_COLUMNS):
            rows.append((spec.kind_id, offset, blk.shape[0], source, spec.out_offset, len(spec.outputs)))
            tables.append(np.repeat(blk[:, None], n, axis=1).ravel())
            self._keys[key] = (spec, offset, blk.shape[0])
            offset += blk.shape[0] * n
        self.program = np.array(rows, dtype=np.int64).reshape(-1, 6)
        self.arena = np.concatenate(tables) if tables else np.zeros(0)
        self._all = np.arange(n, dtype=np.int64)

    def table(self, key: str) -> np.ndarray:
        """The ``(width, n_symbols)`` column table of ``key`` (a view: writing to it changes the state)."""
        spec, off, width = self._keys[key]
        return self.arena[off : off + width * self.n_symbols].reshape(width, self.n_symbols)

    def update(self, fields, rows=None) -> None:
        """Advance every indicator of the symbols ``rows`` (default all) by one bar.

        ``fields`` is ``(5, len(rows))``: open, high, low, close and volume
        rows. A non-finite field or a negative volume raises ``ValueError``
        naming it, and nothing changes; :func:`step_columns` skips these
        checks (about 1 ns per symbol) for callers that validate upstream.
        """
        from ._program import SOURCES

        rows = self._all if rows is None else np.ascontiguousarray(rows, dtype=np.int64)
        fields = np.ascontiguousarray(fields, dtype=np.float64)
        if fields.shape != (5, rows.shape[0]):
            raise ValueError(f"ColumnSet.update: fields must have shape (5, {rows.shape[0]}), got {fields.shape}")
        bad = ~np.isfinite(fields)
        bad[4] |= fields[4] < 0.0
        if bad.any():
            f, i = np.argwhere(bad)[0]
            raise ValueError(f"ColumnSet.update: {SOURCES[f]}={float(fields[f, i])!r} of row {rows[i]} (entry {i}) is "
                             f"invalid ({int(bad.sum())} bad field(s) in all); state unchanged")
        step_columns(self.arena, self.program, self.n_symbols, rows, fields)

    def values(self, key: str):
        """The outputs of ``key`` for every symbol: an array, or a named tuple of arrays for multi-output kinds."""
        spec = self._keys[key][0]
        t = self.table(key)
        k = len(spec.outputs)
        if k == 1:
            return t[spec.out_offset].copy()
        return spec.result(*(t[spec.out_offset + q].copy() for q in range(k)))
