"""SessionCoordinator: builds the indicator manager from a config and routes bars.

Feed it one-minute bars, one symbol at a time (:meth:`SessionCoordinator.on_bar`)
or a whole cross-section per timestamp (:meth:`SessionCoordinator.on_bars`).
Each call validates every bar before any state changes, derives the
configured intervals, updates every indicator whose interval just closed and
calls the subscribed strategies.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Mapping, Sequence

import numpy as np

from ..kernels import REGISTRY
from . import _core
from ._core import OUTSIDE_SESSION
from ..kernels._jit import entry_point
from ._core import on_bar_core

# Straight to the compiled code: on_bar always passes the session's own tables.
# Resolved by the first SessionCoordinator (loading it pulls in every kernel's
# update), so that importing ringta does not pay for it.
_on_bar_core = None
_on_bars_core = None


def _resolve_core() -> None:
    global _on_bar_core, _on_bars_core
    if _on_bar_core is None:
        _on_bar_core = entry_point(on_bar_core)
        _on_bars_core = entry_point(_core.on_bars_core)
from .bar import Bar, BarError, Bars, bar_error, to_ns
from ._core import S_BASE
from .bar import format_ts
from .config import SessionConfig
from .intervals import A_COUNT, A_OPEN, A_START, A_VOLUME, aggregate_bars, bucket_of_day, session_ids
from .requirements import RequirementError, SessionRequirements, session_requirements
from .manager import IndicatorManager
from .session_data import SessionData, SymbolSessionData

logger = logging.getLogger("ringta")

Callback = Callable[[str, str, Bar, Mapping[str, object]], None]


@dataclass(frozen=True)
class AddSymbolResult:
    """What :meth:`SessionCoordinator.add_symbol_mid_session` loaded and whether it is ready."""

    symbol: str
    bars_loaded: int
    first_timestamp: int | None
    last_timestamp: int | None
    ready: dict

    @property
    def all_ready(self) -> bool:
        return all(self.ready.values())

    @property
    def not_ready(self) -> list[str]:
        return [k for k, r in self.ready.items() if not r]


class SessionCoordinator:
    """Routes bars of a session to indicators and strategies.

    Parameters
    ----------
    config : SessionConfig, dict or path
        The session config (see :class:`SessionConfig`).
    data_source : optional
        Where history comes from for :meth:`add_symbol_mid_session`.

    Examples
    --------
    >>> from ringta.coordinator import SessionCoordinator, SessionConfig
    >>> cfg = SessionConfig.from_dict({"session": "24x7", "session_data_config": {"indicators": {
    ...     "session": [{"name": "sma", "period": 2, "interval": "1m"}]}}})
    >>> sc = SessionCoordinator(cfg)
    >>> sc.register_symbol("BTC")
    >>> sc.on_bar("BTC", Bar(0, 1.0, 1.0, 1.0, 1.0, 5.0))
    >>> sc.on_bar("BTC", Bar(60_000_000_000, 3.0, 3.0, 3.0, 3.0, 5.0))
    >>> sc.session_data.get_indicator_value("BTC", "sma_2_1m")
    2.0
    """

    def __init__(self, config: SessionConfig | dict | str, data_source=None):
        if isinstance(config, dict):
            config = SessionConfig.from_dict(config)
        elif not isinstance(config, SessionConfig):
            config = SessionConfig.from_file(config)
        self.config = config
        self.data_source = data_source
        _resolve_core()
        sdc = config.session_data_config
        self.session_data = SessionData(config.session, sdc.bar_buffer_size, config.streams)
        self.indicator_manager = IndicatorManager(self.session_data)
        logger.info("IndicatorManager initialized with %d registered indicators", len(REGISTRY))
        self._indicator_configs = {
            "session": list(sdc.indicators.session),
            "historical": list(sdc.indicators.historical),
        }
        logger.info(
            "Loaded %d session indicators, %d historical indicators",
            len(self._indicator_configs["session"]), len(self._indicator_configs["historical"]),
        )
        self.requirements = self._validate_stream_requirements()
        self._skip = config.bad_bar_policy == "skip"
        self._subscribers: list[Callback] = []
        self._no_emitted = np.zeros((1, 16))
        self._counts = np.zeros(2, dtype=np.int64)
        self._refresh_core_args()
        self._rows: dict[str, int] = {}
        self._names: list[str] = []
        self._xs_cache: tuple[object, np.ndarray] | None = None
        self._status = np.empty(0, dtype=np.int64)  # on_bars' per-bar status, reused while the size holds
        self.skipped_bars = 0
        self.unknown_symbol_bars = 0
        self.late_bars = 0
        self._drop_late = config.late_bars == "drop"
        self._nan_skip = (config.nan_policy or config.bad_bar_policy) == "skip"
        self._nan_differs = config.nan_policy is not None and self._nan_skip != self._skip
        self._gap = config.gap_reset
        self._filters = self._nan_differs or self._gap is not None or self._drop_late
        self.gap_resets = 0
        self._allow_rev = config.allow_revisions
        self._undo: dict[str, tuple] = {}
        # Automatic snapshots: a timestamp is complete once a later one starts.
        self._snap_every = config.snapshot_every or 0
        self._snap_seen_ts = None
        self._snap_count = 0
        self._snap_complete_ts: int | None = None
        for symbol in config.symbols:
            self.register_symbol(symbol)

    def _validate_stream_requirements(self) -> SessionRequirements:
        """Streams plus indicator intervals, checked against the base interval and the data source."""
        req = session_requirements(self.config)
        src = self.data_source
        if src is not None:
            offered = getattr(src, "intervals", (self.config.base_interval,))
            if req.required_base_interval not in offered:
                raise RequirementError(
                    f"the data source provides {list(offered)} bars; the session needs "
                    f"{req.required_base_interval} bars to derive {', '.join(req.intervals)}"
                )
        logger.info("session intervals %s; history needed: %d trading day(s)", ", ".join(req.intervals),
                    req.trading_days)
        return req

    # -- symbols -----------------------------------------------------------------
    def register_symbol(self, symbol: str, historical_bars: Mapping[str, object] | None = None) -> None:
        """Register ``symbol`` with every configured indicator, warmed up from ``historical_bars``.

        On any error the session is left as it was.
        """
        data = self.session_data
        sd = SymbolSessionData(symbol=symbol, base_interval=self.config.base_interval)
        data.register_symbol(sd)
        configs = self._indicator_configs["session"] + self._indicator_configs["historical"]
        try:
            self.indicator_manager.register_symbol_indicators(symbol, configs, historical_bars)
        except Exception:
            data.unregister_symbol(symbol)
            raise
        self._rows[symbol] = sd.index
        self._refresh_core_args()
        while len(self._names) <= sd.index:
            self._names.append("")
        self._names[sd.index] = symbol
        logger.info("%s: Indicators registered - %d total", symbol, self.indicator_manager.get_indicator_count(symbol))

    @property
    def symbols(self) -> list[str]:
        return self.session_data.symbols

    @property
    def current_time(self) -> int | None:
        """Open time (UTC ns) of the latest base bar accepted for any symbol, or None."""
        d = self.session_data
        if d.n_sym == 0:
            return None
        t = int(d.symtab[: d.n_sym, _core.T_LAST].max())
        return None if t == _core.NO_TS else t

    def load_history(self, symbol: str, now=None) -> Bars:
        """One-minute bars of ``symbol`` from the data source: the analysed number of whole
        sessions before the session containing ``now``, then that session up to ``now``.

        The same rule serves symbols registered before the open and symbols
        added mid-session, which is what makes their values identical.
        """
        if self.data_source is None:
            raise RequirementError("no data_source was given to the SessionCoordinator; cannot load history")
        now_ns = self.current_time if now is None else to_ns(now)
        if now_ns is None:
            raise RequirementError("no bar has been seen yet; pass now= to say up to when history is loaded")
        days = self.requirements.trading_days
        base = self.config.base_interval
        window = (self.requirements.calendar_days() + days // 2 + 10) * 86_400_000_000_000
        try:
            bars = self.data_source.load_bars(symbol, base, start=now_ns - window, end=now_ns + 1)
        except LookupError as exc:
            raise RequirementError(f"{symbol}: {exc}") from None
        daily = aggregate_bars(*bars, "1d", self.session_data.session)
        today = bucket_of_day(now_ns, self.session_data.session)
        past = daily.timestamp[daily.timestamp < today]
        if past.size < days:
            raise RequirementError(
                f"{symbol}: the data source has {past.size} complete session(s) before "
                f"{format_ts(today)}; the configured indicators need {days}"
            )
        start = past[past.size - days] if days else today
        keep = bars.timestamp >= start
        return Bars(*(np.ascontiguousarray(c[keep]) for c in bars))

    def add_symbol_mid_session(self, symbol: str, load_historical: bool = True, now=None) -> "AddSymbolResult":
        """Add ``symbol`` while the session runs.

        Analyses the history needed, loads it from the data source (whole
        sessions, then today's bars up to the current time), replays it
        through the live path and registers the symbol for streaming. On any
        error the session is left untouched.
        """
        if symbol in self.session_data:
            raise ValueError(f"{symbol}: already registered")
        logger.info("%s: Adding symbol mid-session", symbol)
        hist = self.load_history(symbol, now) if load_historical else None
        self.register_symbol(symbol, {self.config.base_interval: hist} if hist is not None and hist.n else None)
        sd = self.session_data.get_symbol_data(symbol)
        ready = {k: h.valid for k, h in sd.indicators.items()}
        result = AddSymbolResult(
            symbol=symbol,
            bars_loaded=0 if hist is None else hist.n,
            first_timestamp=None if hist is None or not hist.n else int(hist.timestamp[0]),
            last_timestamp=None if hist is None or not hist.n else int(hist.timestamp[-1]),
            ready=ready,
        )
        logger.info("%s: Successfully added mid-session (%d bars, %d/%d indicators ready)", symbol,
                    result.bars_loaded, sum(ready.values()), len(ready))
        return result

    def peek_indicator_value(self, symbol: str, key: str):
        """What indicator ``key`` would read if the forming bar of its interval closed now.

        Changes no state. With no forming bar (base interval, or a bucket that
        has just closed) this is the current value.
        """
        data = self.session_data
        h = data._handle(symbol, key)
        sd = data.get_symbol_data(symbol)
        row = sd.bars[h.config.interval]._row
        srow = data.siv_rows(row, row + 1)[0]
        if srow[S_BASE] != 0.0 or srow[A_COUNT] == 0.0:
            return h.value
        o, hi, lo, c, v = srow[A_OPEN : A_VOLUME + 1].tolist()
        bar = {"open": o, "high": hi, "low": lo, "close": c, "volume": v}
        spec = h.spec
        if "session" in spec.inputs:
            bar["session"] = float(session_ids(np.array([int(srow[A_START])]), data.session)[0])
        inputs = [bar[h.config.source]] if len(spec.inputs) == 1 else [bar[name] for name in spec.inputs]
        res = spec.peek_fn(np.ascontiguousarray(h.block), *inputs)
        return res if spec.result is None else spec.result(*res)

    def _refresh_core_args(self) -> None:
        # The tables are reallocated when symbols are added; cache the current
        # ones so that on_bar makes one compiled call with no attribute look-ups.
        # Completed bars are recorded only for subscribers: a one-row table
        # makes the core count them without writing them out.
        d = self.session_data
        s = d.session
        emitted = d.emitted if self._subscribers else self._no_emitted
        core = (d.arena, d.tables, d.cap, d.symtab, d.agg, d.bars, emitted, d.done, d.drows, d.ndone, d.tz,
                d.cache, d.rowmap)
        session = (s.open_minute, s.close_minute, 1 if s.extended_hours else 0)
        self._bar_args = core + (d.one, d.one_vals) + session
        self._bars_args = core + session

    # -- strategies ----------------------------------------------------------------
    def subscribe(self, callback: Callback) -> None:
        """Call ``callback(symbol, interval, bar, indicators)`` whenever a bar of any interval closes.

        ``indicators`` is a read-only mapping ``key -> value`` of the symbol's
        indicators on that interval, after the update.
        """
        if not callable(callback):
            raise TypeError("subscribe takes a callable")
        self._subscribers.append(callback)
        self._refresh_core_args()

    def _notify(self, n_emitted: int) -> None:
        data = self.session_data
        em = data.emitted
        for i in range(n_emitted):
            sym = self._names[int(em[i, 0])]
            sd = data._symbols.get(sym)
            if sd is None:
                continue
            row = int(em[i, 1])
            interval = next(iv for iv, s in sd.bars.items() if s._row == row)
            bar = Bar(int(em[i, 2]), *em[i, 3:8].tolist())
            view = MappingProxyType({k: h.value for k, h in sd.indicators.items() if h.config.interval == interval})
            for cb in self._subscribers:
                cb(sym, interval, bar, view)

    # -- bars ------------------------------------------------------------------------
    def on_bar(self, symbol: str, bar, revise: bool = False) -> None:
        """Feed one one-minute bar of ``symbol`` (a :class:`Bar` or a 6-tuple).

        A bad bar raises :class:`BarError` (policy ``raise``) or is counted
        and logged (policy ``skip``); either way no state changes. A bar older
        than the symbol's last one is refused, or dropped and counted under
        ``late_bars="drop"``. With ``allow_revisions`` in the config,
        ``revise=True`` replaces the symbol's last bar (same timestamp).
        """
        if revise or self._allow_rev:
            return self._on_bar_revisable(symbol, bar, revise)
        if self._gap is not None:
            self._maybe_reset_after_gap(symbol, bar[0])
        try:
            row = self._rows[symbol]
        except KeyError:
            err = BarError(f"{symbol}: unknown symbol; register it first ({len(self._rows)} registered)",
                           symbol=symbol)
            if not self._skip:
                raise err from None
            self.skipped_bars += 1
            self.unknown_symbol_bars += 1
            logger.warning("skipped bar: %s", err)
            return
        ts, o, h, l, c, v = bar
        if type(ts) is not int:
            ts = to_ns(ts)
        if self._snap_every and ts != self._snap_seen_ts:
            self._timestamp_started(ts)
        try:
            n = _on_bar_core(*self._bar_args, row, ts, o, h, l, c, v)
        except TypeError:
            raise BarError(f"{symbol}: bar {tuple(bar)!r} must hold a timestamp and five numbers",
                           symbol=symbol) from None
        if n > 0:
            if self._subscribers:
                self._notify(n)
        elif n < 0:
            self._refused(symbol, row, n, ts, (o, h, l, c, v))

    def _on_bar_revisable(self, symbol: str, bar, revise: bool) -> None:
        if not self._allow_rev:
            raise ValueError("on_bar(revise=True) needs allow_revisions=true in the session config")
        row = self._rows.get(symbol)
        if row is None:
            self._allow_rev = False
            try:
                return self.on_bar(symbol, bar)
            finally:
                self._allow_rev = True
        ts = to_ns(bar[0])
        d = self.session_data
        if revise:
            undo = self._undo.get(symbol)
            if undo is None or undo[0] != ts:
                last = d._symbols[symbol].last_timestamp
                raise BarError(f"{symbol} @ {format_ts(ts)}: revise=True replaces the last bar "
                               f"({format_ts(last) if last is not None else 'none'}); timestamps differ",
                               symbol=symbol, timestamp=ts, field="timestamp")
            vals = tuple(float(x) for x in bar[1:6])
            code = _core.check_bar(*vals)
            if code >= 0:
                raise bar_error(code, symbol, ts, vals)
            self._restore_undo(symbol, undo)
        saved = self._save_undo(symbol, ts)
        before = int(d.symtab[row, _core.T_LAST])
        self._allow_rev = False
        try:
            self.on_bar(symbol, bar)
        finally:
            self._allow_rev = True
        if int(d.symtab[row, _core.T_LAST]) != before or revise:
            self._undo[symbol] = saved

    def _save_undo(self, symbol: str, ts: int) -> tuple:
        return (ts, self.session_data.save_symbol(symbol))

    def _restore_undo(self, symbol: str, undo: tuple) -> None:
        self.session_data.restore_symbol(symbol, undo[1])

    def _timestamp_started(self, ts: int) -> None:
        """A bar of a new timestamp arrived: the previous one is complete."""
        prev = self._snap_seen_ts
        if prev is not None and ts > prev:
            self._snap_complete_ts = prev
            self._snap_count += 1
            if self._snap_count % self._snap_every == 0:
                self.snapshot(self.config.snapshot_path)
        if prev is None or ts > prev:
            self._snap_seen_ts = ts

    def _maybe_reset_after_gap(self, symbol: str, ts) -> None:
        """Start the configured indicators afresh when ``symbol`` resumes after a long gap."""
        sd = self.session_data._symbols.get(symbol)
        if sd is None:
            return
        last = sd.last_timestamp
        ts = to_ns(ts)
        if last is None or ts - last <= self._gap.minutes * 60_000_000_000:
            return
        for key in self._gap.indicators:
            h = sd.indicators[key]
            h.block[:] = h.spec.make_block(**h.config.resolved_params)
        self.gap_resets += 1
        logger.info("%s: %d indicator(s) reset after a %.0f-minute gap", symbol, len(self._gap.indicators),
                    (ts - last) / 60e9)

    def _refused(self, symbol: str, row: int, code: int, ts: int, vals) -> None:
        sd = self.session_data._symbols[symbol]
        if code == OUTSIDE_SESSION:
            sd.outside_session_bars += 1
            return
        if self._nan_differs and -code - 1 <= 4:
            # A non-finite field: the NaN policy decides instead of bad_bar_policy.
            err = bar_error(-code - 1, symbol, ts, tuple(float(x) for x in vals))
            if not self._nan_skip:
                raise err
            sd.skipped_bars += 1
            self.skipped_bars += 1
            logger.warning("skipped bad bar: %s", err)
            return
        last = int(self.session_data.symtab[row, _core.T_LAST])
        if code == -9 and ts < last and self._drop_late:
            sd.late_bars += 1
            self.late_bars += 1
            return
        err = bar_error(-code - 1, symbol, ts, tuple(float(x) for x in vals), last)
        if not self._skip:
            raise err
        sd.skipped_bars += 1
        self.skipped_bars += 1
        logger.warning("skipped bad bar: %s", err)

    def on_bars(self, timestamp, symbols: Sequence[str], values) -> None:
        """Feed one timestamp's one-minute bars for many symbols in one compiled call.

        ``values`` is an ``(len(symbols), 5)`` array of open, high, low,
        close, volume. Every bar is validated first: under the ``raise``
        policy one bad bar refuses the whole call and nothing changes; under
        ``skip`` the bad ones are counted and the rest applied.
        """
        ts = timestamp if type(timestamp) is int else to_ns(timestamp)
        if self._snap_every and ts != self._snap_seen_ts:
            self._timestamp_started(ts)  # snapshots hold whole timestamps: taken before this one applies
        vals = np.ascontiguousarray(values, dtype=np.float64)
        if vals.shape != (len(symbols), 5):
            raise ValueError(f"on_bars: values must have shape ({len(symbols)}, 5), got {vals.shape}")
        rows, keep = self._symbol_rows(symbols)
        if keep is not None or self._filters:
            rows, vals, symbols = self._filter_bars(ts, symbols, rows, vals, keep)
        status = self._status
        if status.shape[0] != rows.shape[0]:
            status = self._status = np.empty(rows.shape[0], dtype=np.int64)
        counts = self._counts
        n = _on_bars_core(*self._bars_args, rows, ts, vals, status, counts, 1 if self._skip else 0)
        if counts[0]:
            self._refused_many(ts, symbols, rows, vals, status, n < 0)
        if counts[1]:
            for i in np.flatnonzero(status == OUTSIDE_SESSION):
                self.session_data._symbols[symbols[i]].outside_session_bars += 1
        if n > 0 and self._subscribers:
            self._notify(n)

    def _filter_bars(self, ts: int, symbols, rows: np.ndarray, vals: np.ndarray, keep):
        """The bars of :meth:`on_bars` left after unknown symbols, the NaN policy, gap resets
        and ``late_bars="drop"``, as ``(rows, vals, symbols)``."""
        if keep is not None:
            vals = np.ascontiguousarray(vals[keep])
            symbols = [symbols[i] for i in keep]
        if self._nan_differs:
            nonfinite = ~np.isfinite(vals).all(axis=1)
            if nonfinite.any():
                bad = np.flatnonzero(nonfinite)
                if not self._nan_skip:
                    errs = [bar_error(int(_core.check_bar(*vals[i])), symbols[i], ts, tuple(vals[i].tolist()))
                            for i in bad[:5]]
                    raise BarError(f"on_bars refused {bad.size} bar(s) with NaN or infinite fields; nothing "
                                   f"changed:\n" + "\n".join(str(e) for e in errs),
                                   symbol=errs[0].symbol, timestamp=ts, field=errs[0].field)
                for i in bad:
                    self.session_data._symbols[symbols[i]].skipped_bars += 1
                self.skipped_bars += int(bad.size)
                keep_idx = np.flatnonzero(~nonfinite)
                rows = np.ascontiguousarray(rows[keep_idx])
                vals = np.ascontiguousarray(vals[keep_idx])
                symbols = [symbols[i] for i in keep_idx]
        if self._gap is not None:
            last = self.session_data.symtab[rows, _core.T_LAST]
            gap = (last != _core.NO_TS) & (ts - last > self._gap.minutes * 60_000_000_000)
            for i in np.flatnonzero(gap):
                self._maybe_reset_after_gap(symbols[i], ts)
        if self._drop_late:
            late = ts < self.session_data.symtab[rows, _core.T_LAST]
            if late.any():
                for i in np.flatnonzero(late):
                    self.session_data._symbols[symbols[i]].late_bars += 1
                self.late_bars += int(late.sum())
                keep_idx = np.flatnonzero(~late)
                rows = np.ascontiguousarray(rows[keep_idx])
                vals = np.ascontiguousarray(vals[keep_idx])
                symbols = [symbols[i] for i in keep_idx]
        return rows, vals, symbols

    def _refused_many(self, ts: int, symbols, rows: np.ndarray, vals: np.ndarray, status: np.ndarray,
                      refused: bool) -> None:
        """Bad bars of an :meth:`on_bars` call: raise (``refused``: nothing changed) or count and log them."""
        bad = np.flatnonzero(status >= 0)
        errors = [bar_error(int(status[i]), symbols[i], ts, tuple(vals[i].tolist()),
                            int(self.session_data.symtab[rows[i], _core.T_LAST])) for i in bad[:5]]
        if refused:
            more = f" (and {bad.size - 5} more)" if bad.size > 5 else ""
            raise BarError(f"on_bars refused {bad.size} bad bar(s); nothing changed:\n"
                           + "\n".join(str(e) for e in errors) + more,
                           symbol=errors[0].symbol, timestamp=ts, field=errors[0].field)
        for i in bad:
            self.session_data._symbols[symbols[i]].skipped_bars += 1
        self.skipped_bars += int(bad.size)
        logger.warning("skipped %d bad bar(s) at %d, first: %s", bad.size, ts, errors[0])

    def _symbol_rows(self, symbols: Sequence[str]) -> tuple[np.ndarray, list[int] | None]:
        """Table rows of ``symbols`` (cached for a repeated list) and, when some are unknown
        under the ``skip`` policy, the positions of the known ones."""
        cache = self._xs_cache
        if cache is not None and (cache[0] is symbols or cache[0] == symbols):
            return cache[1], None
        unknown = [s for s in symbols if s not in self._rows]
        if unknown:
            shown = ", ".join(map(repr, unknown[:5])) + (" ..." if len(unknown) > 5 else "")
            if not self._skip:
                raise BarError(f"on_bars: unknown symbol(s) {shown}; register them first; nothing changed",
                               symbol=unknown[0])
            self.skipped_bars += len(unknown)
            self.unknown_symbol_bars += len(unknown)
            logger.warning("skipped %d bar(s) of unknown symbol(s) %s", len(unknown), shown)
            keep = [i for i, s in enumerate(symbols) if s in self._rows]
            return np.array([self._rows[symbols[i]] for i in keep], dtype=np.int64), keep
        rows = np.array([self._rows[s] for s in symbols], dtype=np.int64)
        if np.unique(rows).size != rows.size:
            raise ValueError("on_bars: a symbol appears twice")
        self._xs_cache = (list(symbols), rows)
        return rows, None

    # -- snapshots ---------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        """The whole session state as a versioned ``.npz`` byte string (see :mod:`.snapshot`)."""
        from . import snapshot

        return snapshot.to_bytes(self)

    def snapshot(self, path) -> None:
        """Write the whole session state to ``path`` atomically (temporary file, then rename)."""
        from . import snapshot

        snapshot.write_atomic(path, snapshot.to_bytes(self))

    @classmethod
    def from_bytes(cls, data: bytes, config=None, data_source=None) -> "SessionCoordinator":
        """A coordinator restored from :meth:`to_bytes` output; ``config`` must match the saved one."""
        from . import snapshot

        return snapshot.from_bytes(cls, data, config, data_source)

    @classmethod
    def restore(cls, path, config=None, data_source=None) -> "SessionCoordinator":
        """A coordinator restored from a :meth:`snapshot` file; refused with ``SnapshotError`` if the
        format, version or config differ, or the file is damaged."""
        from . import snapshot

        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise snapshot.SnapshotError(f"cannot read snapshot {str(path)!r}: {exc.strerror}") from None
        return snapshot.from_bytes(cls, data, config, data_source, where=str(path))

    def end_session(self) -> None:
        """Close every forming derived bar (e.g. a half-filled last hour) and notify."""
        for symbol in self.symbols:
            n = self.indicator_manager.flush(symbol)
            if n and self._subscribers:
                self._notify(n)

    def replay(self, symbol: str, bars) -> None:
        """Feed many one-minute bars of one symbol in one compiled loop (same result as ``on_bar``)."""
        from .bar import as_bars

        b = as_bars(bars)
        row = self._rows[symbol]
        d = self.session_data
        s = d.session
        bad = _core.replay_core(*self.indicator_manager._core_tables(), *self.indicator_manager._one_args(),
                                s.open_minute, s.close_minute, 1 if s.extended_hours else 0, row, b.timestamp,
                                b.values)
        if bad >= 0:
            code = _core.check_bar(*b.values[bad])
            if code < 0:
                code = 8
            raise bar_error(code, symbol, int(b.timestamp[bad]), tuple(b.values[bad].tolist()),
                            int(d.symtab[row, _core.T_LAST]))
