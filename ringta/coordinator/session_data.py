"""SessionData / SymbolSessionData: bars per interval and the indicator read API.

All numbers live in a few preallocated NumPy tables that grow by doubling
when symbols are added (see :mod:`ringta.coordinator._core` for their
layout): indicator blocks in column tables, one table per indicator and
one column per symbol (:mod:`ringta.coordinator._tables`), bars in
fixed-capacity ring buffers per symbol and interval. Memory therefore does not grow with the length of a
session, and every read below is a few array look-ups.
"""

from __future__ import annotations

import numpy as np

from ..kernels import KernelSpec
from ..kernels._program import P_ROW, P_WIDTH, PROGRAM_COLUMNS
from ..kernels._ring import H_COUNT, H_LOOKBACK
from ._core import C_NEED, G_NBARS, G_WIDTH, NEED_ALL, NO_TS, S_MIN, S_NBARS, S_WIDTH, T_LAST, T_WIDTH, bucket_cache
from .intervals import A_WIDTH
from ._tables import TB_COLUMNS, TB_MIN, TB_OFFSET, TB_SOURCE, TB_VECTOR, TB_WIDTH
from .bar import Bars
from .config import IndicatorConfig
from .intervals import Session, get_session, offset_table, parse_interval


class IndicatorHandle:
    """One indicator of one symbol: its config, key, current value and readiness.

    Its block is column ``column`` of table ``table``; ``offset`` is where the
    block starts in the symbol-by-symbol layout of :meth:`SessionData.state`.
    """

    __slots__ = ("key", "config", "spec", "offset", "width", "table", "column", "_data")

    def __init__(self, key: str, config: IndicatorConfig, spec: KernelSpec, offset: int, width: int, table: int,
                 column: int, data: "SessionData"):
        self.key = key
        self.config = config
        self.spec = spec
        self.offset = offset
        self.width = width
        self.table = table
        self.column = column
        self._data = data

    @property
    def block(self) -> np.ndarray:
        """The indicator's state block (a strided view into its column table: writing to it changes the state)."""
        return self._data.table_view(self.table)[:, self.column]

    def _at(self, field: int) -> int:
        d = self._data
        return int(d.tables[self.table, TB_OFFSET]) + field * d.cap + self.column

    @property
    def valid(self) -> bool:
        """True once the indicator has a value (warm-up complete)."""
        a = self._data.arena
        return bool(a[self._at(H_COUNT)] > a[self._at(H_LOOKBACK)])

    ready = valid

    @property
    def value(self):
        """A float, or a named tuple for multi-output indicators; NaN while not ready."""
        o = self._at(self.spec.out_offset)
        k = len(self.spec.outputs)
        a = self._data.arena
        if k == 1:
            return float(a[o])
        cap = self._data.cap
        return self.spec.result(*a[o : o + k * cap : cap].tolist())

    def field(self, name: str) -> float:
        try:
            i = self.spec.outputs.index(name)
        except ValueError:
            raise KeyError(f"{self.key} has no field {name!r}; fields: {list(self.spec.outputs)}") from None
        return float(self._data.arena[self._at(self.spec.out_offset + i)])

    def __repr__(self) -> str:
        return f"IndicatorHandle({self.key!r}, value={self.value!r}, valid={self.valid})"


class BarSeries:
    """The bars of one symbol and interval, newest last."""

    __slots__ = ("_data", "_row", "interval")

    def __init__(self, data: "SessionData", row: int, interval: str):
        self._data = data
        self._row = row
        self.interval = interval

    def __len__(self) -> int:
        return min(self._data.nbars(self._row), self._data.bar_buffer_size)

    @property
    def total(self) -> int:
        """Bars seen since registration (older ones have left the buffer)."""
        return self._data.nbars(self._row)

    def get_bars(self, n: int | None = None) -> Bars:
        """The last ``n`` bars (all kept bars by default) as column arrays, oldest first."""
        return self._data._read_bars(self._row, n)


class SymbolSessionData:
    """Per-symbol session state: bar series per interval and indicator handles.

    Examples
    --------
    >>> sd = SymbolSessionData(symbol="AAPL", base_interval="1m")
    >>> sd.symbol, sd.base_interval, sd.indicators
    ('AAPL', '1m', {})
    """

    def __init__(self, symbol: str, base_interval: str = "1m"):
        if not isinstance(symbol, str) or not symbol:
            raise ValueError(f"symbol must be a non-empty string, got {symbol!r}")
        if base_interval != "1m":
            parse_interval(base_interval)
            raise ValueError(f"base_interval must be '1m' (bars are derived from one-minute bars), got {base_interval!r}")
        self.symbol = symbol
        self.base_interval = base_interval
        self.indicators: dict[str, IndicatorHandle] = {}
        self.bars: dict[str, BarSeries] = {}
        self.index: int | None = None  # row in SessionData.symtab once indicators are registered
        self.arena_range: tuple[int, int] = (0, 0)  # this symbol's blocks in SessionData.state()
        self.program_range: tuple[int, int] = (0, 0)  # and its rows of SessionData.program
        self.late_bars = 0
        self.skipped_bars = 0
        self.outside_session_bars = 0
        self._layout: tuple | None = None  # SessionData._symbol_layout's cache
        self._data: SessionData | None = None

    @property
    def last_timestamp(self) -> int | None:
        """Open time (UTC ns) of the last base bar accepted, or None."""
        if self.index is None or self._data is None:
            return None
        t = int(self._data.symtab[self.index, T_LAST])
        return None if t == NO_TS else t

    def __repr__(self) -> str:
        return f"SymbolSessionData({self.symbol!r}, indicators={len(self.indicators)}, intervals={list(self.bars)})"


def _grow(arr: np.ndarray, used: int, need: int, fill=0) -> np.ndarray:
    """``arr`` with room for ``need`` rows, doubling; the first ``used`` rows kept."""
    if need <= arr.shape[0]:
        return arr
    cap = max(need, 2 * arr.shape[0], 16)
    new = np.full((cap,) + arr.shape[1:], fill, dtype=arr.dtype)
    new[:used] = arr[:used]
    return new


class SessionData:
    """Bars and indicator values of every symbol in a session.

    Parameters
    ----------
    session : str or Session
        Trading calendar for aligning derived bars (``"us_equity"``, ``"24x7"``).
    bar_buffer_size : int
        Bars kept per symbol and interval (a ring buffer; older bars drop out).
    streams : sequence of str
        Intervals whose bars are kept for every symbol even without indicators.

    Examples
    --------
    >>> data = SessionData()
    >>> data.register_symbol(SymbolSessionData(symbol="AAPL", base_interval="1m"))
    >>> data.symbols
    ['AAPL']
    """

    def __init__(self, session: Session | str = "us_equity", bar_buffer_size: int = 390,
                 streams: tuple[str, ...] | list[str] = ("1m",)):
        if not (isinstance(bar_buffer_size, int) and 1 <= bar_buffer_size <= 1_000_000):
            raise ValueError(f"bar_buffer_size must be an integer in [1, 1000000], got {bar_buffer_size!r}")
        for s in streams:
            parse_interval(s)
        self.session = get_session(session)
        self.bar_buffer_size = bar_buffer_size
        self.streams = tuple(streams)
        self._symbols: dict[str, SymbolSessionData] = {}
        self._generation = 0  # changes whenever tables or lanes move (see _symbol_layout)
        trans, offs = offset_table(self.session.timezone)
        self.tz = np.ascontiguousarray(np.vstack([trans, offs]))
        # Tables shared with the compiled core (see _core and _tables for the layouts).
        self.arena = np.zeros(0)
        self.tables = np.zeros((0, TB_COLUMNS), dtype=np.int64)
        self.cap = 0  # columns of every indicator table: the symbol capacity
        self._table_ids: dict = {}
        self._fresh: list[np.ndarray] = []
        # Per symbol, its indicators in order: program rows with offsets into
        # the symbol-by-symbol layout of state(), and each row's table.
        self.program = np.zeros((0, PROGRAM_COLUMNS), dtype=np.int64)
        self.ptable = np.zeros(0, dtype=np.int64)
        self.siv = np.zeros((0, S_WIDTH))
        self.row_sym = np.zeros(0, dtype=np.int64)  # symbol row of each siv row
        self.symtab = np.zeros((0, T_WIDTH), dtype=np.int64)
        # Ring buffers, slot-major: bars[slot, lane], lane = cache row * cap + symbol row (see _core).
        self.bars = np.zeros((bar_buffer_size, 0, 6))
        self.emitted = np.zeros((1, 16))
        self.cache = bucket_cache()
        self.agg = np.zeros((G_WIDTH, 1, 0))
        self._make_done()
        self.rowmap = np.zeros((0, 1), dtype=np.int64)  # [symbol, cache row] -> siv row, -1 for none
        # One-entry scratch arrays: on_bar takes the cross-section path as a cross-section of one.
        self.one = np.zeros(2, dtype=np.int64)
        self.one_vals = np.zeros((1, 5))
        self.n_arena = self.n_program = self.n_siv = self.n_sym = 0

    # -- symbols -------------------------------------------------------------
    def register_symbol(self, symbol_data: SymbolSessionData) -> None:
        """Add a symbol; its indicators and bar buffers come with the IndicatorManager."""
        if not isinstance(symbol_data, SymbolSessionData):
            raise TypeError(f"register_symbol takes a SymbolSessionData, got {type(symbol_data).__name__}")
        if symbol_data.symbol in self._symbols:
            raise ValueError(f"symbol {symbol_data.symbol!r} is already registered")
        symbol_data._data = self
        self._symbols[symbol_data.symbol] = symbol_data

    def unregister_symbol(self, symbol: str) -> None:
        """Forget a symbol (its table rows stay allocated but unused)."""
        self.get_symbol_data(symbol)
        del self._symbols[symbol]

    @property
    def symbols(self) -> list[str]:
        return list(self._symbols)

    def __contains__(self, symbol: str) -> bool:
        return symbol in self._symbols

    def get_symbol_data(self, symbol: str) -> SymbolSessionData:
        try:
            return self._symbols[symbol]
        except KeyError:
            known = sorted(self._symbols)
            shown = known[:10] + (["..."] if len(known) > 10 else [])
            raise KeyError(f"unknown symbol {symbol!r}; registered: {shown}") from None

    # -- table allocation (used by IndicatorManager) ------------------------
    def _allocate(self, n_arena: int, n_program: int, n_siv: int) -> tuple[int, int, int, int]:
        """Reserve rows; return the first state offset, program row, siv row and symbol row."""
        a0, p0, s0, y0 = self.n_arena, self.n_program, self.n_siv, self.n_sym
        self.program = _grow(self.program, p0, p0 + n_program)
        self.ptable = _grow(self.ptable, p0, p0 + n_program)
        old_siv_cap = self.siv.shape[0]
        self.siv = _grow(self.siv, s0, s0 + n_siv)
        self.row_sym = _grow(self.row_sym, s0, s0 + n_siv)
        self.row_sym[s0 : s0 + n_siv] = y0
        if self.siv.shape[0] != old_siv_cap:
            self.emitted = np.zeros((2 * self.siv.shape[0] + 1, 16))
        self.symtab = _grow(self.symtab, y0, y0 + 1, fill=NO_TS)
        if y0 + 1 > self.cap:
            self._set_cap(max(16, 2 * self.cap))
        self.n_arena += n_arena
        self.n_program += n_program
        self.n_siv += n_siv
        self.n_sym += 1
        return a0, p0, s0, y0

    def _table(self, identity, kind: int, block: np.ndarray, source: int, out_offset: int, n_out: int,
               minutes: int, vector: bool) -> int:
        """The table of the indicator ``identity``, created (every column a fresh ``block``) if new."""
        t = self._table_ids.get(identity)
        if t is not None:
            return t
        t = self.tables.shape[0]
        w = block.shape[0]
        row = np.array([[kind, self.arena.shape[0], w, source, out_offset, n_out, minutes, int(vector)]],
                       dtype=np.int64)
        self.tables = np.ascontiguousarray(np.vstack([self.tables, row]))
        self.arena = np.concatenate([self.arena, np.repeat(block[:, None], self.cap, axis=1).ravel()])
        self._fresh.append(block.copy())
        self._table_ids[identity] = t
        return t

    def _set_cap(self, cap: int) -> None:
        """Give every table ``cap`` columns (new ones fresh), keeping the columns in use."""
        old, n = self.cap, self.n_sym
        arena = np.empty(int((self.tables[:, TB_WIDTH] * cap).sum()))
        off = 0
        for t in range(self.tables.shape[0]):
            w = int(self.tables[t, TB_WIDTH])
            new = arena[off : off + w * cap].reshape(w, cap)
            new[:] = self._fresh[t][:, None]
            new[:, :n] = self.table_view(t)[:, :n]
            self.tables[t, TB_OFFSET] = off
            off += w * cap
        self.arena = arena
        agg = np.zeros((G_WIDTH, self.cache.shape[0], cap))
        agg[:, :, :old] = self.agg
        self.agg = agg
        nk = self.cache.shape[0]
        bars = np.zeros((self.bar_buffer_size, nk, cap, 6))
        bars[:, :, :old] = self.bars.reshape(self.bar_buffer_size, nk, old, 6)
        self.bars = bars.reshape(self.bar_buffer_size, nk * cap, 6)
        self.cap = cap
        self._generation += 1
        self._make_done()
        assert old <= cap

    def _state_index(self, p0: int, p1: int) -> np.ndarray:
        """Arena positions of the blocks of program rows ``p0 .. p1-1``, one after the other."""
        prog = self.program[p0:p1]
        w = prog[:, P_WIDTH]
        rep = np.repeat(np.arange(p1 - p0), w)
        field = np.arange(rep.size) - np.repeat(np.cumsum(w) - w, w)
        return self.tables[self.ptable[p0:p1][rep], TB_OFFSET] + field * self.cap + prog[rep, P_ROW]

    def _set_cache(self, minutes) -> None:
        """Interval lengths in use changed: a new bucket cache, forming-bar lanes and completed-bar queues."""
        old = self.cache[:, 0].tolist()
        self.cache = bucket_cache(minutes)
        agg = np.zeros((G_WIDTH, self.cache.shape[0], self.cap))
        bars = np.zeros((self.bar_buffer_size, self.cache.shape[0], self.cap, 6))
        old_bars = self.bars.reshape(self.bar_buffer_size, len(old), self.cap, 6)
        for k, m in enumerate(self.cache[:, 0].tolist()):
            if m in old:
                agg[:, k] = self.agg[:, old.index(m)]
                bars[:, k] = old_bars[:, old.index(m)]
        self.agg = agg
        self.bars = bars.reshape(self.bar_buffer_size, -1, 6)
        self._generation += 1
        self._make_done()

    def _map_rows(self) -> None:
        """Rebuild ``rowmap`` from the symbols' siv row ranges (after a registration or a new interval length)."""
        n = self.n_sym
        rowmap = np.full((max(self.cap, 1), self.cache.shape[0]), -1, dtype=np.int64)
        s0, s1 = self.symtab[:n, 0], self.symtab[:n, 1]
        sym = np.repeat(np.arange(n), s1 - s0)
        rows = np.concatenate([np.arange(a, b) for a, b in zip(s0.tolist(), s1.tolist())]) if n else sym
        k = np.searchsorted(self.cache[:, 0], self.siv[rows, S_MIN].astype(np.int64))
        rowmap[sym, k] = rows
        self.rowmap = rowmap
        # Which bar fields each interval's tables read (C_NEED): the column steps read their source only.
        for k, minutes in enumerate(self.cache[:, 0].tolist()):
            need = 0
            for tb in self.tables[self.tables[:, TB_MIN] == minutes]:
                need |= {0: 1, 1: 2, 2: 4}.get(int(tb[TB_SOURCE]), 0) if tb[TB_VECTOR] else NEED_ALL
            self.cache[k, C_NEED] = need

    def _lanes(self, r0: int, r1: int) -> tuple[np.ndarray, np.ndarray]:
        """(cache rows, symbol rows) of siv rows ``r0 .. r1-1``: where their lanes of ``agg`` are."""
        k = np.searchsorted(self.cache[:, 0], self.siv[r0:r1, S_MIN].astype(np.int64))
        return k, self.row_sym[r0:r1]

    def lane_of(self, r0: int, r1: int) -> np.ndarray:
        """The ring-buffer lanes (second index of ``bars``) of siv rows ``r0 .. r1-1``."""
        k, y = self._lanes(r0, r1)
        return k * self.cap + y

    def nbars(self, row: int) -> int:
        """Bars stored so far in siv row ``row``."""
        k, y = self._lanes(row, row + 1)
        return int(self.agg[G_NBARS, k[0], y[0]])

    def set_nbars(self, row: int, n: int) -> None:
        k, y = self._lanes(row, row + 1)
        self.agg[G_NBARS, k[0], y[0]] = n

    def siv_rows(self, r0: int = 0, r1: int | None = None) -> np.ndarray:
        """siv rows ``r0 .. r1-1`` (all in use by default) with their forming bars and bar counts (a copy).

        The layout snapshots keep, whatever the layout in memory.
        """
        r1 = self.n_siv if r1 is None else r1
        out = self.siv[r0:r1].copy()
        k, y = self._lanes(r0, r1)
        out[:, :A_WIDTH] = self.agg[:A_WIDTH, k, y].T
        out[:, S_NBARS] = self.agg[G_NBARS, k, y]
        return out

    def set_siv_rows(self, r0: int, rows: np.ndarray) -> None:
        """Write back :meth:`siv_rows` output starting at row ``r0``."""
        r1 = r0 + rows.shape[0]
        self.siv[r0:r1] = rows
        k, y = self._lanes(r0, r1)
        self.agg[:A_WIDTH, k, y] = rows[:, :A_WIDTH].T
        self.agg[G_NBARS, k, y] = rows[:, S_NBARS]

    def _make_done(self) -> None:
        # A call completes at most two bars per symbol and interval (a gap, then the bucket's last minute).
        m = 2 * max(self.cap, 1) + 2
        k = self.cache.shape[0]
        self.done = np.zeros((k, 6, m))
        self.drows = np.zeros((k, m), dtype=np.int64)
        self.ndone = np.zeros(k, dtype=np.int64)

    def table_view(self, t: int) -> np.ndarray:
        """Table ``t`` as ``(width, cap)``: field ``f`` of the symbol in row ``y`` is ``[f, y]`` (a view)."""
        off, w = int(self.tables[t, TB_OFFSET]), int(self.tables[t, TB_WIDTH])
        return self.arena[off : off + w * self.cap].reshape(w, self.cap)

    def state(self) -> np.ndarray:
        """Every symbol's indicator blocks, symbol after symbol in registration order (a copy)."""
        return self.arena[self._state_index(0, self.n_program)]

    def set_state(self, values: np.ndarray) -> None:
        """Write back a :meth:`state` array."""
        self.arena[self._state_index(0, self.n_program)] = values

    def _symbol_layout(self, symbol: str) -> tuple:
        """``(arena positions of the symbol's blocks, cache rows, symbol rows, ring lanes)`` of its
        siv rows, computed once per layout (the tables move only when they grow)."""
        sd = self.get_symbol_data(symbol)
        c = sd._layout
        if c is None or c[0] != self._generation:
            s0, s1 = int(self.symtab[sd.index, 0]), int(self.symtab[sd.index, 1])
            k, y = self._lanes(s0, s1)
            c = sd._layout = (self._generation, self._state_index(*sd.program_range), k, y, k * self.cap + y)
        return c[1:]

    def symbol_state(self, symbol: str) -> np.ndarray:
        """The indicator blocks of ``symbol`` one after the other (a copy)."""
        return self.arena[self._symbol_layout(symbol)[0]]

    def set_symbol_state(self, symbol: str, values: np.ndarray) -> None:
        """Write back a :meth:`symbol_state` array."""
        self.arena[self._symbol_layout(symbol)[0]] = values

    def save_symbol(self, symbol: str) -> tuple:
        """Everything the next base bar of ``symbol`` can change, for :meth:`restore_symbol`: its
        indicator blocks, forming bars and counts, last timestamp and the ring slots it writes next.

        Layout-free (values and slot numbers, no arena positions or lanes), so it restores
        correctly after other symbols made the tables grow.
        """
        idx, k, y, lanes = self._symbol_layout(symbol)
        agg = self.agg[:, k, y]
        slots = agg[G_NBARS].astype(np.int64) % self.bar_buffer_size
        return (self.arena[idx], agg, self.symtab[self._symbols[symbol].index].copy(), slots,
                self.bars[slots, lanes])

    def restore_symbol(self, symbol: str, saved: tuple) -> None:
        """Put back what :meth:`save_symbol` saved."""
        idx, k, y, lanes = self._symbol_layout(symbol)
        state, agg, symtab, slots, bars = saved
        self.arena[idx] = state
        self.agg[:, k, y] = agg
        self.symtab[self._symbols[symbol].index] = symtab
        self.bars[slots, lanes] = bars

    # -- reads ----------------------------------------------------------------
    def bar_rows(self) -> np.ndarray:
        """The ring buffers in use as ``(siv rows, capacity, 6)``, one row per symbol and interval (a copy)."""
        return np.ascontiguousarray(self.bars[:, self.lane_of(0, self.n_siv)].transpose(1, 0, 2))

    def set_bar_rows(self, rows: np.ndarray) -> None:
        """Write back :meth:`bar_rows` output."""
        self.bars[:, self.lane_of(0, rows.shape[0])] = rows.transpose(1, 0, 2)

    def _read_bars(self, row: int, n: int | None) -> Bars:
        cap = self.bar_buffer_size
        total = self.nbars(row)
        have = min(total, cap)
        if n is not None:
            if not isinstance(n, (int, np.integer)) or n < 0:
                raise ValueError(f"n must be a non-negative integer, got {n!r}")
            have = min(have, int(n))
        idx = (np.arange(total - have, total) % cap) if have else np.zeros(0, dtype=np.int64)
        block = self.bars[idx, int(self.lane_of(row, row + 1)[0])]
        return Bars(block[:, 0].astype(np.int64), *(np.ascontiguousarray(block[:, f]) for f in range(1, 6)))

    def get_bars(self, symbol: str, interval: str, n: int | None = None) -> Bars:
        """The last ``n`` bars of ``symbol`` on ``interval`` (all kept bars by default)."""
        sd = self.get_symbol_data(symbol)
        try:
            series = sd.bars[interval]
        except KeyError:
            parse_interval(interval)
            raise KeyError(f"{symbol} has no {interval!r} bars; intervals: {list(sd.bars)}") from None
        return series.get_bars(n)

    def _handle(self, symbol: str, key: str) -> IndicatorHandle:
        sd = self.get_symbol_data(symbol)
        try:
            return sd.indicators[key]
        except KeyError:
            raise KeyError(f"{symbol} has no indicator {key!r}; keys: {sorted(sd.indicators)}") from None

    def get_indicator_value(self, symbol: str, key: str, field: str | None = None):
        """Current value of indicator ``key`` of ``symbol`` (NaN while not ready).

        Multi-output indicators return a named tuple, or one float with
        ``field`` (e.g. ``"signal"`` for MACD, ``"upper"`` for Bollinger).
        """
        h = self._handle(symbol, key)
        return h.value if field is None else h.field(field)

    def is_indicator_ready(self, symbol: str, key: str) -> bool:
        return self._handle(symbol, key).valid

    def get_all_indicators(self, symbol: str) -> dict:
        """``key -> {"value": ..., "ready": bool}`` for every indicator of ``symbol``."""
        sd = self.get_symbol_data(symbol)
        return {k: {"value": h.value, "ready": h.valid} for k, h in sd.indicators.items()}

    def memory_bytes(self) -> dict:
        """Bytes of indicator state and bar buffers: in use, and allocated (tables grow by doubling)."""
        used_state = (self.n_arena * 8 + self.n_program * (self.program.shape[1] + 1) * 8
                      + self.n_siv * (self.siv.shape[1] + 1) * 8 + self.n_sym * self.symtab.shape[1] * 8
                      + self.n_sym * self.cache.shape[0] * (G_WIDTH + 1) * 8)
        alloc_state = (self.arena.nbytes + self.tables.nbytes + self.program.nbytes + self.ptable.nbytes
                       + self.siv.nbytes + self.symtab.nbytes + self.emitted.nbytes
                       + self.done.nbytes + self.drows.nbytes + self.ndone.nbytes + self.rowmap.nbytes
                       + self.agg.nbytes + self.row_sym.nbytes)
        return {
            "indicator_state": int(used_state),
            "bar_buffers": int(self.n_siv * self.bar_buffer_size * 6 * 8),
            "allocated": int(alloc_state + self.bars.nbytes),
        }
