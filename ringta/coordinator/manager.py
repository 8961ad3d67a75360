"""IndicatorManager: allocates indicator state per symbol, warms it up, updates it.

Every indicator keeps one column table for all the symbols that have it
(:mod:`ringta.coordinator._tables`): a symbol's block is its column. A new
bar costs one compiled call per symbol, or one per timestamp for a whole
cross-section, in which each indicator advances all symbols' columns in one
pass: O(1) per indicator and symbol, whatever the length of the session.
"""

from __future__ import annotations

import logging
from typing import Mapping, Sequence

import numpy as np

from ..kernels._program import SOURCES
from ..kernels._spec import run_batch
from . import _core
from ._core import S_BASE, S_MIN, S_PE, S_PS, T_LAST
from ._tables import VECTOR_KINDS
from .bar import Bar, BarError, as_bars, bar_error, to_ns
from .config import IndicatorConfig
from .inputs import kernel_inputs
from .intervals import interval_sort_key, parse_interval, session_ids
from .session_data import BarSeries, IndicatorHandle, SessionData

logger = logging.getLogger("ringta")


class IndicatorManager:
    """Indicator state of every symbol of a :class:`SessionData`.

    Examples
    --------
    >>> from ringta.coordinator import IndicatorConfig, IndicatorType
    >>> from ringta.coordinator.session_data import SessionData, SymbolSessionData
    >>> data = SessionData()
    >>> manager = IndicatorManager(data)
    >>> data.register_symbol(SymbolSessionData(symbol="AAPL", base_interval="1m"))
    >>> manager.register_symbol_indicators("AAPL", [IndicatorConfig("sma", IndicatorType.TREND, 2, "1m")])
    >>> manager.update_indicators("AAPL", "1m", Bar(0, 1.0, 1.0, 1.0, 1.0, 10.0))
    >>> manager.update_indicators("AAPL", "1m", Bar(60_000_000_000, 3.0, 3.0, 3.0, 3.0, 10.0))
    >>> data.get_indicator_value("AAPL", "sma_2_1m")
    2.0
    """

    def __init__(self, session_data: SessionData):
        if not isinstance(session_data, SessionData):
            raise TypeError(f"IndicatorManager needs a SessionData, got {type(session_data).__name__}")
        self.session_data = session_data
        self._configs: dict[str, list[IndicatorConfig]] = {}

    # -- registration ----------------------------------------------------------
    def register_symbol_indicators(
        self,
        symbol: str,
        indicators: Sequence[IndicatorConfig],
        historical_bars: Mapping[str, object] | None = None,
    ) -> None:
        """Allocate ``symbol``'s indicators and bar buffers, and warm them up.

        ``historical_bars`` maps intervals to bars (:class:`Bars`, a mapping
        of columns, or a list of :class:`Bar`), oldest first. When it holds
        only one-minute bars, they are replayed through the same compiled
        path as live bars, so every interval is derived and every indicator
        ends exactly as if the symbol had streamed them. Otherwise each
        interval's indicators are warmed from that interval's bars through the
        batch path.
        """
        data = self.session_data
        sd = data.get_symbol_data(symbol)
        if sd.index is not None:
            raise ValueError(f"{symbol}: indicators are already registered")
        configs = [c if isinstance(c, IndicatorConfig) else IndicatorConfig(**c) for c in indicators]
        keys: dict[str, int] = {}
        for i, c in enumerate(configs):
            if c.key in keys:
                raise ValueError(f"{symbol}: duplicate indicator key {c.key!r} (indicators[{keys[c.key]}] and [{i}])")
            keys[c.key] = i
        intervals = sorted({sd.base_interval, *data.streams, *(c.interval for c in configs)}, key=interval_sort_key)
        by_iv = {iv: [c for c in configs if c.interval == iv] for iv in intervals}
        blocks = [(c, c.spec.make_block(**c.resolved_params)) for iv in intervals for c in by_iv[iv]]
        hist = self._check_history(symbol, historical_bars or {}, intervals)

        a0, p0, s0, y0 = data._allocate(sum(b.shape[0] for _, b in blocks), len(blocks), len(intervals))
        off, prow = a0, p0
        handles = {}
        for k, iv in enumerate(intervals):
            r = s0 + k
            data.siv[r] = 0.0
            data.siv[r, S_PS] = prow
            for c in by_iv[iv]:
                spec = c.spec
                blk = spec.make_block(**c.resolved_params)
                src = SOURCES.index(c.source)
                t = data._table((c.key, src, blk.tobytes()), spec.kind_id, blk, src, spec.out_offset,
                                len(spec.outputs), parse_interval(iv), spec.name in VECTOR_KINDS)
                data.table_view(t)[:, y0] = blk
                data.program[prow] = (spec.kind_id, off, blk.shape[0], src, y0)
                data.ptable[prow] = t
                handles[c.key] = IndicatorHandle(c.key, c, spec, off, blk.shape[0], t, y0, data)
                off += blk.shape[0]
                prow += 1
            data.siv[r, S_PE] = prow
            data.siv[r, S_MIN] = parse_interval(iv)
            data.siv[r, S_BASE] = 1.0 if iv == sd.base_interval else 0.0
            sd.bars[iv] = BarSeries(data, r, iv)
        data.symtab[y0] = (s0, s0 + len(intervals), _core.NO_TS)
        used = set(data.cache[:, 0].tolist())
        new = {parse_interval(iv) for iv in intervals}
        if not new <= used:
            data._set_cache(used | new)
        data._map_rows()
        sd.index = y0
        sd.arena_range = (a0, off)
        sd.program_range = (p0, prow)
        sd.indicators = handles
        self._configs[symbol] = configs
        logger.info("%s: Registered %d indicators", symbol, len(configs))
        if hist:
            self._warm_up(sd, hist)
            ready = sum(h.valid for h in handles.values())
            logger.info("%s: %d of %d indicators ready (warmup complete)", symbol, ready, len(handles))

    def _check_history(self, symbol: str, historical_bars: Mapping[str, object], intervals: list[str]) -> dict:
        hist = {}
        for iv, raw in historical_bars.items():
            parse_interval(iv)
            if iv not in intervals:
                raise ValueError(f"{symbol}: historical bars for {iv!r}, which no indicator or stream uses ({intervals})")
            bars = as_bars(raw)
            vals = bars.values
            bad_rows = ~np.isfinite(vals).all(axis=1) | (vals[:, 4] < 0) \
                | (vals[:, 1] < np.maximum(vals[:, 0], vals[:, 3])) | (vals[:, 2] > np.minimum(vals[:, 0], vals[:, 3]))
            if bad_rows.any():
                i = int(np.argmax(bad_rows))
                code = _core.check_bar(*vals[i])
                raise bar_error(code, symbol, int(bars.timestamp[i]), tuple(vals[i]))
            if bars.n > 1 and not (np.diff(bars.timestamp) > 0).all():
                i = int(np.argmin(np.diff(bars.timestamp) > 0)) + 1
                raise bar_error(8, symbol, int(bars.timestamp[i]), tuple(vals[i]), int(bars.timestamp[i - 1]))
            hist[iv] = bars
        return hist

    def _warm_up(self, sd, hist: dict) -> None:
        data = self.session_data
        if set(hist) == {sd.base_interval}:
            bars = hist[sd.base_interval]
            bad = _core.replay_core(*self._core_tables(), *self._one_args(), *self._session_args(), sd.index,
                                    bars.timestamp, bars.values)
            if bad >= 0:  # cannot happen after _check_history; kept as a guard
                raise BarError(f"{sd.symbol}: historical bar {bad} was refused")
            return
        for iv, bars in hist.items():
            series = sd.bars[iv]
            row = series._row
            for c in self._configs[sd.symbol]:
                if c.interval != iv:
                    continue
                blk = sd.indicators[c.key].block
                inputs = kernel_inputs(c.spec, c.source, bars, data.session)
                run_batch(c.spec, f"{sd.symbol} {c.key} warm-up", blk, inputs)
            keep = min(bars.n, data.bar_buffer_size)
            lane = int(data.lane_of(row, row + 1)[0])
            for j in range(bars.n - keep, bars.n):
                data.bars[j % data.bar_buffer_size, lane] = (bars.timestamp[j], *bars.values[j])
            data.set_nbars(row, bars.n)
            if iv == sd.base_interval and bars.n:
                data.symtab[sd.index, T_LAST] = bars.timestamp[-1]

    def _core_tables(self) -> tuple:
        """The tables every core function takes first, up to the completed-bar queues."""
        d = self.session_data
        return (d.arena, d.tables, d.cap, d.symtab, d.agg, d.bars, d.emitted, d.done, d.drows, d.ndone)

    def _one_args(self) -> tuple:
        """What follows :meth:`_core_tables` in ``on_bar_core`` and ``replay_core``, up to the session args."""
        d = self.session_data
        return (d.tz, d.cache, d.rowmap, d.one, d.one_vals)

    def _session_args(self) -> tuple[int, int, int]:
        s = self.session_data.session
        return s.open_minute, s.close_minute, 1 if s.extended_hours else 0

    # -- updates ---------------------------------------------------------------
    def update_indicators(self, symbol: str, interval: str, bar) -> None:
        """Advance ``symbol``'s indicators on ``interval`` by one completed bar of that interval.

        Takes the new bar only (O(1) per indicator). The bar is validated
        first; on a bad bar a :class:`BarError` is raised and nothing changes.
        The session coordinator instead feeds one-minute bars through its
        compiled core, which derives the other intervals.
        """
        data = self.session_data
        sd = data.get_symbol_data(symbol)
        try:
            series = sd.bars[interval]
        except KeyError:
            parse_interval(interval)
            raise KeyError(f"{symbol} has no indicators or stream on {interval!r}; intervals: {list(sd.bars)}") from None
        b = bar if isinstance(bar, Bar) else Bar(*bar)
        ts = to_ns(b.timestamp)
        vals = (float(b.open), float(b.high), float(b.low), float(b.close), float(b.volume))
        code = _core.check_bar(*vals)
        if code >= 0:
            raise bar_error(code, symbol, ts, vals)
        row = series._row
        n = data.nbars(row)
        if n:
            last = int(data.bars[(n - 1) % data.bar_buffer_size, data.lane_of(row, row + 1)[0], 0])
            if ts <= last:
                raise bar_error(8, symbol, ts, vals, last)
        data.bars[n % data.bar_buffer_size, data.lane_of(row, row + 1)[0]] = (ts, *vals)
        data.set_nbars(row, n + 1)
        ps, pe = int(data.siv[row, S_PS]), int(data.siv[row, S_PE])
        if pe > ps:
            _core.advance_symbol(data.arena, data.tables, data.cap, int(data.siv[row, S_MIN]), sd.index, *vals,
                                 float(session_ids(np.array([ts]), data.session)[0]))
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s: Updated %d indicators on %s", symbol, pe - ps, interval)

    def update_many(self, ts: int, symbol_rows: np.ndarray, values: np.ndarray, status: np.ndarray,
                    skip_bad: bool) -> int:
        """A cross-section of one-minute bars (one timestamp) in one compiled call."""
        d = self.session_data
        s = d.session
        counts = np.zeros(2, dtype=np.int64)
        return _core.on_bars_core(*self._core_tables(), d.tz, d.cache, d.rowmap, s.open_minute, s.close_minute,
                                  1 if s.extended_hours else 0, symbol_rows, ts, values, status, counts,
                                  1 if skip_bad else 0)

    def flush(self, symbol: str) -> int:
        """Close every forming derived bar of ``symbol`` (end of session)."""
        d = self.session_data
        sd = d.get_symbol_data(symbol)
        if sd.index is None:
            return 0
        return _core.flush_core(*self._core_tables(), d.cache, d.rowmap, sd.index, *self._session_args()[:2])

    # -- introspection -----------------------------------------------------------
    def get_indicator_count(self, symbol: str) -> int:
        """Number of indicators registered for ``symbol``."""
        return len(self.session_data.get_symbol_data(symbol).indicators)

    def get_indicator_configs(self, symbol: str, interval: str | None = None) -> list[IndicatorConfig]:
        """The configs of ``symbol``'s indicators, optionally only those on ``interval``."""
        self.session_data.get_symbol_data(symbol)
        configs = self._configs.get(symbol, [])
        return [c for c in configs if interval is None or c.interval == interval]
