"""The one registry of benchmark cases: indicator -> its implementations.

Every case names a ringta indicator (a key of :data:`ringta.kernels.REGISTRY`)
and the parameters to run it with; ringta's own batch function, streaming
class and fused ``step_bar`` path are derived from the kernel spec, so adding
an indicator that TA-Lib also has is one line in :data:`CASES`::

    case("atr", {"period": 14}, talib("ATR", timeperiod="period")),

Peers are optional. Each implementation records how its seeding or
conventions differ from TA-Lib (``note``) and how its values are compared with
ringta's (``parity``): the benchmarks and ``test_parity.py`` both read these
same entries, so a peer is only timed on the computation it is shown to agree
on. A peer that is not installed, or fails to import, is skipped with the
reason; nothing here imports a peer until it is used.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Callable

import numpy as np

from ringta.kernels import REGISTRY, IndicatorSet, step_bar

NAN = float("nan")

# --------------------------------------------------------------------------
# Peers


@dataclass
class Peer:
    """An optional library: detected at import of this module, imported on first use."""

    name: str  # shown in tables
    module: str  # what to import
    dist: str  # distribution name, for the version
    _loaded: Any = None
    _error: str | None = None

    @property
    def version(self) -> str | None:
        try:
            return importlib.metadata.version(self.dist)
        except importlib.metadata.PackageNotFoundError:
            return None

    def unavailable(self) -> str | None:
        """Why this peer cannot be used, or None if it can (imports it if needed)."""
        if self._loaded is None and self._error is None:
            if importlib.util.find_spec(self.module.split(".")[0]) is None:
                self._error = f"{self.name} is not installed (pip install {self.dist})"
            else:
                try:
                    self._loaded = importlib.import_module(self.module)
                except Exception as exc:  # a broken install must skip, not fail
                    self._error = f"{self.name} failed to import: {type(exc).__name__}: {exc}"
        return self._error

    @property
    def mod(self):
        reason = self.unavailable()
        if reason:
            raise RuntimeError(reason)
        return self._loaded


PEERS: dict[str, Peer] = {
    p.name: p
    for p in (
        Peer("talib", "talib", "TA-Lib"),
        Peer("talipp", "talipp.indicators", "talipp"),
        Peer("ta-numba", "ta_numba", "ta-numba"),
        Peer("numbagg", "numbagg", "numbagg"),
        Peer("nautilus_trader", "nautilus_trader.indicators", "nautilus_trader"),
    )
}


def peer_versions() -> dict[str, str]:
    """``name -> version`` for installed peers, ``name -> "not installed"`` otherwise."""
    return {name: (p.version or "not installed") for name, p in PEERS.items()}


# --------------------------------------------------------------------------
# Data


class Bars:
    """One symbol's OHLCV series as float64 arrays, plus derived inputs some peers need.

    ``prev_close`` is the previous bar's close (the first bar's own close):
    nautilus_trader's OBV compares a bar's close with an "open" argument, and
    passing the previous close makes it TA-Lib's OBV. Python lists and
    talipp's OHLCV objects are built once, outside any timed code.
    """

    FIELDS = ("open", "high", "low", "close", "volume")

    def __init__(self, open, high, low, close, volume, prev_close=None):
        self.open, self.high, self.low, self.close, self.volume = (
            np.ascontiguousarray(a, dtype=np.float64) for a in (open, high, low, close, volume)
        )
        if prev_close is None:
            prev_close = np.concatenate([self.close[:1], self.close[:-1]])
        self.prev_close = np.ascontiguousarray(prev_close, dtype=np.float64)
        self.session = np.zeros_like(self.close)  # one session: the ``session`` input of VWAP
        self._lists: dict[str, list] = {}

    def __len__(self) -> int:
        return self.close.shape[0]

    def __getitem__(self, sl: slice) -> "Bars":
        """A contiguous part of the series (its first bar keeps its real previous close)."""
        return Bars(*(getattr(self, f)[sl] for f in (*self.FIELDS, "prev_close")))

    def column(self, name: str):
        if name == "ohlcv":
            return self.as_list("ohlcv")
        return getattr(self, name)

    def as_list(self, name: str) -> list:
        """A Python list of one field (floats, or talipp ``OHLCV`` objects for ``"ohlcv"``)."""
        if name not in self._lists:
            if name == "ohlcv":
                from talipp.ohlcv import OHLCV

                cols = zip(*(getattr(self, f).tolist() for f in self.FIELDS))
                self._lists[name] = [OHLCV(o, h, l, c, v) for o, h, l, c, v in cols]
            else:
                self._lists[name] = getattr(self, name).tolist()
        return self._lists[name]


def random_walk(n: int, n_symbols: int | None = None, seed: int = 7, level: float = 100.0):
    """Seeded OHLCV random walks of ``n`` bars; arrays of shape (n,) or (n, n_symbols).

    Closes are rounded to cents so that unchanged closes occur (about 4% of
    bars), which exercises OBV's "no change" branch as real prices do.
    """
    shape = (n,) if n_symbols is None else (n, n_symbols)
    rng = np.random.default_rng(seed)
    close = np.round(level * np.exp(np.cumsum(rng.normal(0.0, 0.002, shape), axis=0)), 2)
    open_ = np.empty_like(close)
    open_[0] = level
    open_[1:] = close[:-1]
    wick = np.round(np.abs(rng.normal(0.0, 0.1, (2, *shape))), 2)
    high = np.maximum(open_, close) + wick[0]
    low = np.minimum(open_, close) - wick[1]
    volume = np.floor(rng.lognormal(8.0, 1.0, shape))
    return open_, high, low, close, volume


@lru_cache(maxsize=8)
def bars(n: int) -> Bars:
    """The shared input of every benchmark of ``n`` bars: all implementations see the same data."""
    return Bars(*random_walk(n))


# --------------------------------------------------------------------------
# Implementations


@dataclass(frozen=True)
class Parity:
    """How a peer's values are compared with ringta's batch output.

    ``start``: compare indices ``>= start`` only (0: the whole series, NaN
    pattern included); a peer seeded differently is compared after its
    seed has decayed away. ``outputs``: indices of ringta's outputs the peer
    gives, in the peer's order (None: all). ``adjust(values, bars)`` maps the
    peer's outputs onto ringta's convention (e.g. a constant OBV offset).
    Tolerance: ``rtol * |ringta| + atol_scale * scale(bars)`` (0/0: bit-for-bit),
    ``scale`` by default the largest absolute close.
    """

    start: int = 0
    rtol: float = 1e-12
    atol_scale: float = 1e-12
    outputs: tuple[int, ...] | None = None
    adjust: Callable[[tuple, Bars], tuple] | None = None
    scale: Callable[[Bars], float] | None = None

    def atol(self, b: Bars) -> float:
        return self.atol_scale * (self.scale(b) if self.scale else float(np.max(np.abs(b.close))))


EXACT = Parity(rtol=0.0, atol_scale=0.0)
TALIB_TOL = Parity()  # the project's TA-Lib tolerance (tests/test_talib.py)
CONVERGED = 1_000  # bars after which any seed of a period <= 26 EMA/Wilder average has decayed below 1e-30


@dataclass(frozen=True)
class Handle:
    """An opened streaming indicator.

    The benchmark calls ``update(*prefix, *inputs_of_one_bar)`` in a plain
    Python loop; ``read(returned)`` turns what ``update`` returned (or the
    object's state) into a tuple of floats in ringta's output order.
    """

    update: Callable
    inputs: tuple[str, ...]
    read: Callable[[Any], tuple]
    prefix: tuple = ()


@dataclass(frozen=True)
class Impl:
    """One implementation of a case.

    ``make(bars, params, spec)``: for ``api="batch"``, a zero-argument
    callable returning the outputs as a tuple of arrays (inputs are converted
    to the library's own types inside ``make``, outside the timed call); for
    ``api="stream"``, a :class:`Handle` opened on ``bars`` as history.
    ``params`` are ringta's validated parameters, ``spec`` the case's kernel spec.
    """

    label: str
    api: str  # "batch" or "stream"
    make: Callable[[Bars, dict, Any], Any]
    peer: str | None = None  # key of PEERS; None for ringta itself
    note: str = ""  # what differs from TA-Lib for this indicator
    parity: Parity = TALIB_TOL
    max_bars: int | None = None  # larger inputs take seconds per call: not timed
    about: str = ""  # what holds for every indicator of this implementation
    untimed: str = ""  # why this implementation is checked for parity but not timed

    @property
    def is_ringta(self) -> bool:
        return self.peer is None

    def unavailable(self) -> str | None:
        return PEERS[self.peer].unavailable() if self.peer else None


@dataclass(frozen=True)
class Case:
    name: str  # ringta indicator name
    params: dict
    impls: tuple[Impl, ...] = field(default=())

    @property
    def spec(self):
        return REGISTRY[self.name]

    @property
    def full_params(self) -> dict:
        return self.spec.validate(**self.params)

    def implementations(self, api: str) -> list[Impl]:
        return [i for i in self.impls if i.api == api]


def _floats(value, k: int) -> tuple:
    """A tuple of floats from a float, a sequence, or None (not ready: ``k`` NaNs)."""
    if value is None:
        return (NAN,) * k
    if isinstance(value, (tuple, list)):
        return tuple(NAN if v is None else float(v) for v in value)
    return (float(value),)


def _as_arrays(out) -> tuple:
    return tuple(out) if isinstance(out, tuple) else (out,)


def _inputs(spec, b: Bars) -> list:
    return [b.column(n) for n in spec.inputs]


# -- ringta, derived from the kernel spec -----------------------------------


def _ringta_batch(b, p, spec):
    cols = _inputs(spec, b)
    return lambda: _as_arrays(spec.batch(*cols, **p))


def _ringta_stream(b, p, spec):
    cls = spec.stream
    obj = cls.from_history(*_inputs(spec, b), **p) if len(b) else cls(**p)
    k = len(spec.outputs)
    return Handle(obj.update, spec.inputs, lambda ret: _floats(ret, k))


def _ringta_step_bar(b, p, spec):
    s = IndicatorSet({spec.name: (spec.name, p)})
    for o, h, l, c, v in zip(*(b.as_list(f) for f in Bars.FIELDS)):
        step_bar(s.arena, s.program, o, h, l, c, v)
    k = len(spec.outputs)
    return Handle(step_bar, Bars.FIELDS, lambda _: _floats(s.values()[spec.name], k), prefix=(s.arena, s.program))


RINGTA = (
    Impl("ringta", "batch", _ringta_batch, parity=EXACT, about="public batch function (inputs validated)"),
    Impl("ringta", "stream", _ringta_stream, parity=EXACT,
         about="streaming class: `update()` checks its input and returns the value"),
    Impl("ringta step_bar", "stream", _ringta_step_bar, parity=EXACT,
         about="`step_bar(arena, program, o, h, l, c, v)` on a one-indicator `IndicatorSet`: "
               "the unchecked compiled call, result left in the arena"),
)


def case(name: str, params: dict, *impls) -> Case:
    """A case: ringta's own implementations, then the given ones (tuples are flattened)."""
    flat = list(RINGTA)
    for item in impls:
        flat.extend(item if isinstance(item, tuple) else (item,))
    return Case(name, dict(params), tuple(flat))


# -- TA-Lib ------------------------------------------------------------------


def talib(func: str, **pmap) -> tuple[Impl, ...]:
    """TA-Lib's function ``func`` and its 0.8 streaming handle.

    ``pmap`` gives TA-Lib's keyword arguments: a str names a ringta
    parameter, anything else is a constant. Inputs are ringta's, in order.
    """

    def kwargs(p):
        return {k: (p[v] if isinstance(v, str) else v) for k, v in pmap.items()}

    def batch(b, p, spec):
        fn = getattr(PEERS["talib"].mod, func)
        cols, kw = _inputs(spec, b), kwargs(p)
        return lambda: _as_arrays(fn(*cols, **kw))

    def stream(b, p, spec):
        cls = getattr(importlib.import_module("talib.stream"), func)
        h = cls(*_inputs(spec, b), **kwargs(p))  # a handle must be opened on history
        k = len(spec.outputs)
        return Handle(h.update, spec.inputs, lambda ret: _floats(ret, k))

    return (
        Impl("talib", "batch", batch, "talib", about="TA-Lib function API"),
        Impl("talib.stream", "stream", stream, "talib",
             about="TA-Lib 0.8 `talib.stream` handle: opened on history, then an O(1) `update()` in C"),
    )


# -- peers, one constructor per library ----------------------------------------

_TALIPP_NOTE = "pure Python; keeps every output in a list, so memory grows with the stream"


def talipp_impls(cls: str, args: Callable[[dict], tuple], read: Callable[[Any], Any] = lambda v: v,
                 field_: str = "close", note: str = "", parity: Parity = TALIB_TOL) -> tuple[Impl, ...]:
    """talipp's ``cls(*args(params), input_values=list)`` (batch) and ``.add(value)`` (stream).

    ``read`` maps one talipp value (float, ``MACDVal``, ``BBVal``; None while
    warming up) to ringta's outputs.
    """

    def batch(b, p, spec):
        ind_cls = getattr(PEERS["talipp"].mod, cls)
        values, k = b.as_list(field_), len(spec.outputs)

        def run():
            rows = [_floats(read(v), k) for v in ind_cls(*args(p), input_values=values)]
            return tuple(np.array(col, dtype=np.float64) for col in zip(*rows))

        return run

    def stream(b, p, spec):
        ind = getattr(PEERS["talipp"].mod, cls)(*args(p), input_values=b.as_list(field_))
        k = len(spec.outputs)
        return Handle(ind.add, (field_,), lambda _: _floats(read(ind[-1]) if len(ind) else None, k))

    return (
        Impl("talipp", "batch", batch, "talipp", note, parity, max_bars=100_000,
             about=f"`input_values=` list; {_TALIPP_NOTE}"),
        Impl("talipp", "stream", stream, "talipp", note, parity, about=f"`add()`; {_TALIPP_NOTE}"),
    )


def ta_numba_bulk(path: str, args: Callable[[dict], tuple], inputs=("close",), note: str = "",
                  parity: Parity = TALIB_TOL) -> Impl:
    """ta-numba's bulk function ``ta_numba.bulk.<path>`` (Numba, compiled on first call)."""

    def make(b, p, spec):
        group, fn = path.split(".")
        func = getattr(getattr(PEERS["ta-numba"].mod.bulk, group), fn)
        cols, a = [b.column(n) for n in inputs], args(p)
        return lambda: _as_arrays(func(*cols, *a))

    return Impl("ta-numba", "batch", make, "ta-numba", note, parity,
                about="`ta_numba.bulk` Numba functions (first call compiles; not timed)")


def ta_numba_stream(cls: str, kwargs: Callable[[dict], dict], keys: tuple[str, ...], inputs=("close",),
                    note: str = "", parity: Parity = TALIB_TOL) -> Impl:
    """ta-numba's streaming class (Rust-backed when its extension is present)."""

    def make(b, p, spec):
        obj = getattr(PEERS["ta-numba"].mod.stream, cls)(**kwargs(p))
        for row in zip(*(b.as_list(n) for n in inputs)):
            obj.update(*row)
        return Handle(obj.update, inputs, lambda ret: tuple(float(ret[k]) for k in keys))

    return Impl("ta-numba", "stream", make, "ta-numba", note, parity,
                about="`ta_numba.stream` classes (Rust-backed when the extension loads); `update()` returns a dict")


def nautilus(cls: str, args: Callable[[dict], tuple], read: Callable[[Any], tuple], inputs=("close",),
             note: str = "", parity: Parity = TALIB_TOL, untimed: str = "") -> Impl:
    """nautilus_trader's Cython indicator fed with ``update_raw`` (which returns None)."""

    def make(b, p, spec):
        obj = getattr(PEERS["nautilus_trader"].mod, cls)(*args(p))
        for row in zip(*(b.as_list(n) for n in inputs)):
            obj.update_raw(*row)
        return Handle(obj.update_raw, inputs, lambda _: read(obj))

    return Impl("nautilus_trader", "stream", make, "nautilus_trader", note, parity, untimed=untimed,
                about="Cython indicators fed with `update_raw()`, which returns None (value read from the object)")


def numbagg_impl(func: str, kwargs: Callable[[dict], dict], note: str = "", parity: Parity = TALIB_TOL) -> Impl:
    """numbagg's moving-window function over the close."""

    def make(b, p, spec):
        import numba

        # numbagg's gufuncs use numba's parallel target, which splits the outer
        # dimensions: a 1-D series gains nothing from it, but on a busy 2-core
        # machine a call then waits for a descheduled thread (milliseconds).
        numba.set_num_threads(1)
        fn, x, kw = getattr(PEERS["numbagg"].mod, func), b.close, kwargs(p)
        return lambda: (fn(x, **kw),)

    return Impl("numbagg", "batch", make, "numbagg", note, parity,
                about="numba parallel gufunc, run with `numba.set_num_threads(1)` (a 1-D series is one work item)")


def _nautilus_ma_type(name: str):
    return getattr(PEERS["nautilus_trader"].mod.MovingAverageType, name)


def _obv_tie_correction(values: tuple, b: Bars) -> tuple:
    """The `ta` library's OBV adds the volume of an unchanged close; TA-Lib ignores it."""
    ties = np.zeros(len(b))
    ties[1:] = np.where(b.close[1:] == b.close[:-1], b.volume[1:], 0.0)
    return (values[0] - np.cumsum(ties),)


def _obv_first_volume(values: tuple, b: Bars) -> tuple:
    """nautilus_trader's OBV starts from 0 where TA-Lib starts from the first volume."""
    return (values[0] + b.volume[0],)


_EMA_FIRST = "seeded with the first input, where TA-Lib seeds with the mean of the first period inputs"
_WILDER_FIRST = "Wilder averages seeded from the first change, where TA-Lib seeds with the mean of the first period changes"


# A difference of two averages of a cumulative volume sum crosses zero: its error
# is relative to the volume summed so far, not to the value (tests/test_talib.py).
_VOLUME_SUMS = Parity(scale=lambda b: float(np.sum(b.volume)))


def talib_keltner() -> tuple[Impl, ...]:
    """TA-Lib has no Keltner Channels: its EMA and ATR composed, batch (two C passes + numpy) and stream."""
    note = "no TA-Lib Keltner: EMA(close, period) +/- multiplier * ATR(atr_period) composed from TA-Lib's parts"

    def batch(b, p, spec):
        t = PEERS["talib"].mod
        h, l, c, k = b.high, b.low, b.close, p["multiplier"]

        def run():
            mid = t.EMA(c, timeperiod=p["period"])
            width = k * t.ATR(h, l, c, timeperiod=p["atr_period"])
            return (mid + width, mid, mid - width)

        return run

    def stream(b, p, spec):
        st = importlib.import_module("talib.stream")
        ema_u = st.EMA(b.close, timeperiod=p["period"]).update
        atr_u = st.ATR(b.high, b.low, b.close, timeperiod=p["atr_period"]).update
        k = p["multiplier"]

        def update(high, low, close):
            m = ema_u(close)
            w = k * atr_u(high, low, close)
            return (m + w, m, m - w)

        return Handle(update, spec.inputs, lambda ret: _floats(ret, 3))

    return (
        Impl("talib", "batch", batch, "talib", note, about="TA-Lib function API"),
        Impl("talib.stream", "stream", stream, "talib", note,
             about="TA-Lib 0.8 `talib.stream` handle: opened on history, then an O(1) `update()` in C"),
    )


_KELTNER_TR0 = "ATR counts bar 0's high - low as a true range (TA-Lib starts at bar 1)"



def talib_donchian() -> tuple[Impl, ...]:
    """TA-Lib's MAX(high), MIDPRICE(high, low), MIN(low): three calls (batch) or three handles (stream)."""
    note = "three TA-Lib functions: MAX(high), MIDPRICE(high, low), MIN(low)"

    def batch(b, p, spec):
        t = PEERS["talib"].mod
        h, l, n = b.high, b.low, p["period"]
        return lambda: (t.MAX(h, timeperiod=n), t.MIDPRICE(h, l, timeperiod=n), t.MIN(l, timeperiod=n))

    def stream(b, p, spec):
        st = importlib.import_module("talib.stream")
        n = p["period"]
        mx = st.MAX(b.high, timeperiod=n).update
        md = st.MIDPRICE(b.high, b.low, timeperiod=n).update
        mn = st.MIN(b.low, timeperiod=n).update

        def update(high, low):
            return (mx(high), md(high, low), mn(low))

        return Handle(update, spec.inputs, lambda ret: _floats(ret, 3))

    return (
        Impl("talib", "batch", batch, "talib", note, parity=EXACT, about="TA-Lib function API"),
        Impl("talib.stream", "stream", stream, "talib", note, parity=EXACT,
             about="TA-Lib 0.8 `talib.stream` handle: opened on history, then an O(1) `update()` in C"),
    )


def talib_rolling_vwap() -> tuple[Impl, ...]:
    """TA-Lib has no VWAP: SUM(typical * volume, period) / SUM(volume, period), with numpy for the products."""
    note = "no TA-Lib VWAP: SUM(typical price * volume) / SUM(volume) over the window, numpy for the products"

    def batch(b, p, spec):
        t = PEERS["talib"].mod
        h, l, c, v, n = b.high, b.low, b.close, b.volume, p["period"]
        return lambda: (t.SUM((h + l + c) / 3.0 * v, timeperiod=n) / t.SUM(v, timeperiod=n),)

    def stream(b, p, spec):
        st = importlib.import_module("talib.stream")
        n = p["period"]
        tp = (b.high + b.low + b.close) / 3.0
        pv = st.SUM(tp * b.volume, timeperiod=n).update
        vol = st.SUM(b.volume, timeperiod=n).update

        def update(open, high, low, close, volume):
            return pv((high + low + close) / 3.0 * volume) / vol(volume)

        return Handle(update, spec.inputs, lambda ret: _floats(ret, 1))

    return (
        Impl("talib", "batch", batch, "talib", note, about="TA-Lib function API"),
        Impl("talib.stream", "stream", stream, "talib", note,
             about="TA-Lib 0.8 `talib.stream` handle: opened on history, then an O(1) `update()` in C"),
    )


# --------------------------------------------------------------------------
# The registry

_CCI_ORDER = ("mean and mean deviation summed in another order: CCI divides tp - mean by 0.015 mean "
              "deviations, so one rounding of the mean moves it by ~|tp| eps / (0.015 meandev), about 1e-10 here")
_CCI_PARITY = Parity(atol_scale=1e-11)  # ~1e-9 points at a price of 100; TA-Lib and ringta are bit-for-bit


CASES: dict[str, Case] = {
    c.name: c
    for c in (
        case(
            "sma", {"period": 20},
            talib("SMA", timeperiod="period"),
            talipp_impls("SMA", lambda p: (p["period"],), note="running sum"),
            ta_numba_bulk("trend.sma", lambda p: (p["period"],),
                          note="expanding mean before the first full window; O(n*period) np.mean, fastmath",
                          parity=Parity(start=19)),
            ta_numba_stream("SMA", lambda p: {"window": p["period"]}, ("sma",)),
            numbagg_impl("move_mean", lambda p: {"window": p["period"]}, note="running sum"),
            nautilus("SimpleMovingAverage", lambda p: (p["period"],), lambda o: (o.value,),
                     note="reports partial averages before the window is full", parity=Parity(start=19)),
        ),
        case(
            "ema", {"period": 20},
            talib("EMA", timeperiod="period"),
            talipp_impls("EMA", lambda p: (p["period"],), note="SMA seed as TA-Lib"),
            ta_numba_bulk("trend.ema", lambda p: (p["period"], False),
                          note=f"adjusted=False: {_EMA_FIRST}", parity=Parity(start=CONVERGED)),
            ta_numba_stream("EMA", lambda p: {"window": p["period"]}, ("ema",), note=_EMA_FIRST,
                            parity=Parity(start=CONVERGED)),
            numbagg_impl("move_exp_nanmean", lambda p: {"alpha": 2.0 / (p["period"] + 1.0)},
                         note="pandas ewm(adjust=True) weights from the first input",
                         parity=Parity(start=CONVERGED)),
            nautilus("ExponentialMovingAverage", lambda p: (p["period"],), lambda o: (o.value,),
                     note=_EMA_FIRST, parity=Parity(start=CONVERGED)),
        ),
        case(
            "rsi", {"period": 14},
            talib("RSI", timeperiod="period"),
            talipp_impls("RSI", lambda p: (p["period"],), note="seeded as TA-Lib"),
            ta_numba_bulk("momentum.rsi", lambda p: (p["period"],), note=_WILDER_FIRST,
                          parity=Parity(start=CONVERGED)),
            ta_numba_stream("RSI", lambda p: {"window": p["period"]}, ("rsi",), note=_WILDER_FIRST,
                            parity=Parity(start=CONVERGED)),
            nautilus("RelativeStrengthIndex", lambda p: (p["period"], _nautilus_ma_type("WILDER")),
                     lambda o: (100.0 * o.value,),
                     note=f"ma_type=WILDER (the default is an EMA); value in [0, 1]; {_WILDER_FIRST}",
                     parity=Parity(start=CONVERGED)),
        ),
        case(
            "macd", {},
            talib("MACD", fastperiod="fast_period", slowperiod="slow_period", signalperiod="signal_period"),
            talipp_impls("MACD", lambda p: (p["fast_period"], p["slow_period"], p["signal_period"]),
                         lambda v: v and (v.macd, v.signal, v.histogram),
                         note="fast EMA seeded on its own first window, not aligned with the slow one as TA-Lib",
                         parity=Parity(start=CONVERGED)),
            ta_numba_bulk("trend.macd", lambda p: (p["fast_period"], p["slow_period"], p["signal_period"]),
                          note=f"every EMA {_EMA_FIRST}", parity=Parity(start=CONVERGED)),
            ta_numba_stream("MACD", lambda p: {"fast_period": p["fast_period"], "slow_period": p["slow_period"],
                                               "signal_period": p["signal_period"]},
                            ("macd", "signal", "histogram"), note=f"every EMA {_EMA_FIRST}",
                            parity=Parity(start=CONVERGED)),
            nautilus("MovingAverageConvergenceDivergence", lambda p: (p["fast_period"], p["slow_period"]),
                     lambda o: (o.value,), note=f"MACD line only (no signal, no histogram); {_EMA_FIRST}",
                     parity=Parity(start=CONVERGED, outputs=(0,))),
        ),
        case(
            "bbands", {"period": 20, "num_std": 2.0},
            talib("BBANDS", timeperiod="period", nbdevup="num_std", nbdevdn="num_std", matype=0),
            talipp_impls("BB", lambda p: (p["period"], p["num_std"]), lambda v: v and (v.ub, v.cb, v.lb)),
            ta_numba_bulk("volatility.bollinger_bands", lambda p: (p["period"], p["num_std"]),
                          note="O(n*period): mean and std recomputed for every window"),
            ta_numba_stream("BBands", lambda p: {"window": p["period"], "std_dev": p["num_std"]},
                            ("upper", "middle", "lower")),
            nautilus("BollingerBands", lambda p: (p["period"], p["num_std"]),
                     lambda o: (o.upper, o.middle, o.lower), inputs=("close", "close", "close"),
                     note="update_raw(high, low, close) bands the typical price: fed close three times"),
        ),
        case(
            "obv", {},
            talib("OBV"),
            talipp_impls("OBV", lambda p: (), field_="ohlcv", note="input: talipp OHLCV objects, built untimed"),
            ta_numba_bulk("volume.on_balance_volume", lambda p: (), inputs=("close", "volume"),
                          note="`ta` convention: an unchanged close adds its volume",
                          parity=Parity(adjust=_obv_tie_correction)),
            ta_numba_stream("OnBalanceVolume", lambda p: {}, ("obv",), inputs=("close", "volume")),
            nautilus("OnBalanceVolume", lambda p: (), lambda o: (o.value,), inputs=("prev_close", "close", "volume"),
                     note="update_raw(open, close, volume) compares close with open: fed the previous close "
                          "as open; starts from 0 instead of the first volume",
                     parity=Parity(adjust=_obv_first_volume),
                     untimed="with period=0 (no window, as TA-Lib) each update is O(n): it re-sums its whole "
                             "history, so the time per update grows without bound"),
        ),

        case(
            "keltner", {"period": 20, "multiplier": 2.0, "atr_period": 10},
            talib_keltner(),
            talipp_impls("KeltnerChannels",
                         lambda p: (p["period"], p["atr_period"], p["multiplier"], p["multiplier"]),
                         lambda v: v and (v.ub, v.cb, v.lb), field_="ohlcv",
                         note=f"EMA seeded as TA-Lib; {_KELTNER_TR0}; input: talipp OHLCV objects, built untimed",
                         parity=Parity(start=CONVERGED)),
            ta_numba_bulk("volatility.keltner_channel", lambda p: (p["period"], p["atr_period"], p["multiplier"]),
                          inputs=("high", "low", "close"), note=f"EMA {_EMA_FIRST}; {_KELTNER_TR0}",
                          parity=Parity(start=CONVERGED)),
            ta_numba_stream("KeltnerChannel",
                            lambda p: {"window": p["period"], "atr_period": p["atr_period"],
                                       "multiplier": p["multiplier"]},
                            ("upper", "middle", "lower"), inputs=("high", "low", "close"),
                            note=f"EMA {_EMA_FIRST}", parity=Parity(start=CONVERGED)),
            # nautilus_trader's KeltnerChannel bands an EMA of the typical price with one period
            # for both parts: another indicator, not timed.
        ),

        case(
            "donchian", {"period": 20},
            talib_donchian(),
            talipp_impls("DonchianChannels", lambda p: (p["period"],), lambda v: v and (v.ub, v.cb, v.lb),
                         field_="ohlcv", note="O(period) max/min of the window per bar; input: talipp OHLCV "
                                              "objects, built untimed", parity=EXACT),
            ta_numba_bulk("volatility.donchian_channel", lambda p: (p["period"],), inputs=("high", "low"),
                          note="O(n*period): max and min recomputed for every window", parity=EXACT),
            ta_numba_stream("DonchianChannel", lambda p: {"window": p["period"]}, ("upper", "middle", "lower"),
                            inputs=("high", "low"), parity=EXACT),
            nautilus("DonchianChannel", lambda p: (p["period"],), lambda o: (o.upper, o.middle, o.lower),
                     inputs=("high", "low"), parity=EXACT),
        ),
        case(
            "vwap", {},
            talipp_impls("VWAP", lambda p: (), field_="ohlcv",
                         note="one session (talipp has no reset); plain running sums; None while the "
                              "volume so far is 0 (ringta: the typical price); input: talipp OHLCV objects, "
                              "built untimed"),
        ),
        case(
            "rolling_vwap", {"period": 20, "price": "typical"},
            talib_rolling_vwap(),
            ta_numba_bulk("volume.volume_weighted_average_price", lambda p: (p["period"],),
                          inputs=("high", "low", "close", "volume"),
                          note="typical price; O(n*period): both window sums recomputed for every bar; fastmath"),
            ta_numba_stream("VWAP", lambda p: {"window": p["period"]}, ("vwap",),
                            inputs=("high", "low", "close", "volume"), note="typical price; Rust-backed"),
        ),
        case(
            "stoch", {"fastk_period": 5, "slowk_period": 3, "slowd_period": 3},
            talib("STOCH", fastk_period="fastk_period", slowk_period="slowk_period", slowk_matype=0,
                  slowd_period="slowd_period", slowd_matype=0),
            talipp_impls("Stoch", lambda p: (p["fastk_period"], p["slowk_period"]), lambda v: v and (v.d,),
                         field_="ohlcv",
                         note="Stoch(period, smoothing_period) is the fast stochastic: its d is slowk "
                              "(no slowd), given from bar 6; 100, not 0, for a flat window",
                         parity=Parity(start=8, outputs=(0,))),
            ta_numba_bulk("momentum.stoch", lambda p: (p["fastk_period"], p["slowk_period"]),
                          inputs=("high", "low", "close"),
                          note="returns (fastk, SMA(fastk)): the second is slowk (no slowd); fastmath",
                          parity=Parity(start=8, outputs=(0,), adjust=lambda v, b: (v[1],))),
            ta_numba_stream("Stochastic", lambda p: {"k_period": p["fastk_period"], "d_period": p["slowk_period"]},
                            ("percent_d",), inputs=("high", "low", "close"),
                            note="percent_d is slowk (no slowd)", parity=Parity(start=8, outputs=(0,))),
        ),
        case(
            "stochrsi", {"period": 14, "fastk_period": 5, "fastd_period": 3},
            talib("STOCHRSI", timeperiod="period", fastk_period="fastk_period", fastd_period="fastd_period",
                  fastd_matype=0),
            talipp_impls("StochRSI", lambda p: (p["period"], p["fastk_period"], 1, p["fastd_period"]),
                         lambda v: v and (v.k, v.d),
                         note="StochRSI(period, fastk_period, 1, fastd_period): with k-smoothing 1 its k is "
                              "TA-Lib's fastk and its d fastd (talipp's default smooths k too: a slow "
                              "stochastic of the RSI); k from bar 18; 100, not 0, for a flat window",
                         parity=Parity(start=20)),
        ),
        case(
            "kama", {"period": 10},
            talib("KAMA", timeperiod="period"),
            talipp_impls("KAMA", lambda p: (p["period"], 2, 30),
                         note="volatility re-summed every bar; efficiency ratio 0 on a flat window (TA-Lib: 1)"),
            ta_numba_bulk("momentum.kama", lambda p: (p["period"], 2, 30),
                          note="also reports the seed (the previous close) at index period - 1",
                          parity=Parity(start=10)),
            ta_numba_stream("KAMA", lambda p: {"window": p["period"], "fast_period": 2, "slow_period": 30}, ("kama",),
                            note="first value is the close itself, where TA-Lib steps once from the previous close",
                            parity=Parity(start=CONVERGED)),
        ),
        case(
            "rma", {"period": 14},
            tuple(replace(i, parity=Parity(start=CONVERGED),
                          note="EMA(2*period - 1): alpha 1/period, seeded with the mean of 2*period - 1 inputs")
                  for i in talib("EMA", timeperiod=27)),
            talipp_impls("SMMA", lambda p: (p["period"],), note="same seed; the step written with a division (equal to rounding)"),
            numbagg_impl("move_exp_nanmean", lambda p: {"alpha": 1.0 / p["period"]},
                         note="pandas ewm(adjust=True) weights from the first input",
                         parity=Parity(start=CONVERGED)),
            nautilus("WilderMovingAverage", lambda p: (p["period"],), lambda o: (o.value,),
                     note="seeded with the first input (ringta's seed='first')", parity=Parity(start=CONVERGED)),
        ),
        case(
            "cci", {"period": 14},
            talib("CCI", timeperiod="period"),
            talipp_impls("CCI", lambda p: (p["period"],), field_="ohlcv",
                         note=f"input: talipp OHLCV objects, built untimed; {_CCI_ORDER}", parity=_CCI_PARITY),
            ta_numba_bulk("trend.cci", lambda p: (p["period"], 0.015), inputs=("high", "low", "close"),
                          note=_CCI_ORDER, parity=_CCI_PARITY),
            ta_numba_stream("CCI", lambda p: {"window": p["period"], "constant": 0.015}, ("cci",),
                            inputs=("high", "low", "close"), note=_CCI_ORDER, parity=_CCI_PARITY),
            nautilus("CommodityChannelIndex", lambda p: (p["period"],), lambda o: (o.value,),
                     inputs=("high", "low", "close"), note=_CCI_ORDER, parity=_CCI_PARITY),
        ),
        case(
            "ultosc", {"period1": 7, "period2": 14, "period3": 28},
            talib("ULTOSC", timeperiod1="period1", timeperiod2="period2", timeperiod3="period3"),
            talipp_impls("UO", lambda p: (p["period1"], p["period2"], p["period3"]), field_="ohlcv",
                         note="input: talipp OHLCV objects, built untimed"),
            ta_numba_bulk("momentum.ultimate_oscillator", lambda p: (p["period1"], p["period2"], p["period3"]),
                          inputs=("high", "low", "close"),
                          note="values from bar 0 over partial windows (TA-Lib starts at max(periods))",
                          parity=Parity(start=28)),
            ta_numba_stream("UltimateOscillator",
                            lambda p: {"period1": p["period1"], "period2": p["period2"], "period3": p["period3"]},
                            ("uo",), inputs=("high", "low", "close"),
                            note="first value one bar before TA-Lib's (index max(periods) - 1)",
                            parity=Parity(start=28)),
        ),
        case(
            "plus_di", {"period": 14},
            talib("PLUS_DI", timeperiod="period"),
            talipp_impls("ADX", lambda p: (p["period"], p["period"]), lambda v: v and (v.plus_di,), field_="ohlcv",
                         note="the plus_di of talipp's ADX; seeded differently from TA-Lib (off by up to 1.0 "
                              "early); computes the ADX too; input: talipp OHLCV objects, built untimed",
                         parity=Parity(start=CONVERGED)),
            ta_numba_bulk("trend.adx", lambda p: (p["period"],), inputs=("high", "low", "close"),
                          note="the +di of ta-numba's adx (computes the ADX too); Wilder averages seeded from "
                               "the first value (off by up to 1.0 early)",
                          parity=Parity(start=CONVERGED, adjust=lambda v, b: (v[1],))),
            ta_numba_stream("ADX", lambda p: {"window": p["period"]}, ("plus_di",), inputs=("high", "low", "close"),
                            note="the plus_di of ta-numba's streaming ADX (computes the ADX too); seeded "
                                 "differently (off by up to 3.2 early); Rust-backed",
                            parity=Parity(start=CONVERGED)),
        ),
        case(
            "minus_di", {"period": 14},
            talib("MINUS_DI", timeperiod="period"),
            talipp_impls("ADX", lambda p: (p["period"], p["period"]), lambda v: v and (v.minus_di,), field_="ohlcv",
                         note="the minus_di of talipp's ADX; seeded differently from TA-Lib (off by up to 1.1 "
                              "early); computes the ADX too; input: talipp OHLCV objects, built untimed",
                         parity=Parity(start=CONVERGED)),
            ta_numba_bulk("trend.adx", lambda p: (p["period"],), inputs=("high", "low", "close"),
                          note="the -di of ta-numba's adx (computes the ADX too); Wilder averages seeded from "
                               "the first value (off by up to 1.1 early)",
                          parity=Parity(start=CONVERGED, adjust=lambda v, b: (v[2],))),
            ta_numba_stream("ADX", lambda p: {"window": p["period"]}, ("minus_di",), inputs=("high", "low", "close"),
                            note="the minus_di of ta-numba's streaming ADX (computes the ADX too); seeded "
                                 "differently (off by up to 1.4 early); Rust-backed",
                            parity=Parity(start=CONVERGED)),
        ),
        case(
            "adx", {"period": 14},
            talib("ADX", timeperiod="period"),
            talipp_impls("ADX", lambda p: (p["period"], p["period"]), lambda v: v and (v.adx,), field_="ohlcv",
                         note="ADX(di_period, adx_period); seeded differently from TA-Lib (off by up to 0.9 "
                              "early); input: talipp OHLCV objects, built untimed",
                         parity=Parity(start=CONVERGED)),
            ta_numba_bulk("trend.adx", lambda p: (p["period"],), inputs=("high", "low", "close"),
                          note="returns (adx, +di, -di); Wilder averages seeded from the first value with an "
                               "expanding mean (off by up to 0.9 early)",
                          parity=Parity(start=CONVERGED, adjust=lambda v, b: (v[0],))),
            ta_numba_stream("ADX", lambda p: {"window": p["period"]}, ("adx",), inputs=("high", "low", "close"),
                            note="seeded differently from TA-Lib (off by up to 18 early); Rust-backed",
                            parity=Parity(start=CONVERGED)),
            # Not included: nautilus_trader's DirectionalMovement is not Wilder's DI (moving averages of
            # +DM/-DM without the true range; up to 30 points away) and it has no ADX.
        ),
        case(
            "mfi", {"period": 14},
            talib("MFI", timeperiod="period"),
            # Not included: ta-numba's money_flow_index / MoneyFlowIndex compare typical prices exactly
            # (no dead zone: a rounding-level change of (h+l+c)/3 moves a whole bar's flow to one side),
            # report from index period - 1 and give 100 for a window without flow; on the cent-rounded
            # benchmark bars they differ from TA-Lib by up to 44 points. nautilus_trader and talipp
            # have no MFI.
        ),
        # The rest of the catalogue against TA-Lib only (function API and 0.8 stream handle), with
        # TA-Lib's default parameters where it has them.
        case("wma", {"period": 30}, talib("WMA", timeperiod="period")),
        case("dema", {"period": 30}, talib("DEMA", timeperiod="period")),
        case("tema", {"period": 30}, talib("TEMA", timeperiod="period")),
        case("trima", {"period": 30}, talib("TRIMA", timeperiod="period")),
        case("trange", {}, talib("TRANGE")),
        case("atr", {"period": 14}, talib("ATR", timeperiod="period")),
        case("natr", {"period": 14}, talib("NATR", timeperiod="period")),
        case("stddev", {"period": 20, "nbdev": 1.0}, talib("STDDEV", timeperiod="period", nbdev="nbdev")),
        case("var", {"period": 20}, talib("VAR", timeperiod="period", nbdev=1.0)),
        case("mom", {"period": 10}, talib("MOM", timeperiod="period")),
        case("roc", {"period": 10}, talib("ROC", timeperiod="period")),
        case("stochf", {"fastk_period": 5, "fastd_period": 3},
             talib("STOCHF", fastk_period="fastk_period", fastd_period="fastd_period", fastd_matype=0)),
        case("willr", {"period": 14}, talib("WILLR", timeperiod="period")),
        case("apo", {"fast_period": 12, "slow_period": 26},
             talib("APO", fastperiod="fast_period", slowperiod="slow_period", matype=0)),
        case("ppo", {"fast_period": 12, "slow_period": 26},
             talib("PPO", fastperiod="fast_period", slowperiod="slow_period", matype=0)),
        case("cmo", {"period": 14}, talib("CMO", timeperiod="period")),
        case("aroon", {"period": 14}, talib("AROON", timeperiod="period")),
        case("aroonosc", {"period": 14}, talib("AROONOSC", timeperiod="period")),
        case("ad", {}, talib("AD")),
        case("adosc", {"fast_period": 3, "slow_period": 10},
             tuple(replace(i, parity=_VOLUME_SUMS)
                   for i in talib("ADOSC", fastperiod="fast_period", slowperiod="slow_period"))),
        case("max", {"period": 30}, talib("MAX", timeperiod="period")),
        case("min", {"period": 30}, talib("MIN", timeperiod="period")),
    )
}

# The six indicators of the fused one-symbol and cross-section benchmarks.
FUSED = ("sma", "ema", "rsi", "macd", "bbands", "obv")


def fused_indicators() -> dict:
    """``IndicatorSet`` argument for the :data:`FUSED` indicators with their case parameters."""
    return {name: (name, CASES[name].params) for name in FUSED}


# --------------------------------------------------------------------------
# Streaming loops


def stream_loop(handle: Handle, b: Bars) -> Callable[[], None]:
    """A zero-argument callable feeding every bar of ``b`` to ``handle.update``.

    The loop is the plain ``for`` loop a user would write, specialised by
    argument count so that no ``*args`` packing is timed.
    """
    f, pre = handle.update, handle.prefix
    cols = [b.as_list(n) for n in handle.inputs]
    if not pre and len(cols) == 1:
        (xs,) = cols

        def run():
            for x in xs:
                f(x)
    elif not pre and len(cols) == 2:
        xs, ys = cols

        def run():
            for x, y in zip(xs, ys):
                f(x, y)
    elif not pre and len(cols) == 3:
        xs, ys, zs = cols

        def run():
            for x, y, z in zip(xs, ys, zs):
                f(x, y, z)
    elif not pre and len(cols) == 4:
        ws, xs, ys, zs = cols

        def run():
            for w, x, y, z in zip(ws, xs, ys, zs):
                f(w, x, y, z)

    elif not pre and len(cols) == 5:

        def run():
            for o, h, l, c, v in zip(*cols):
                f(o, h, l, c, v)
    elif len(pre) == 2 and len(cols) == 5:
        a, p = pre

        def run():
            for o, h, l, c, v in zip(*cols):
                f(a, p, o, h, l, c, v)
    else:
        raise ValueError(f"no loop for {len(pre)} constant and {len(cols)} bar arguments")
    return run


def feed(handle: Handle, b: Bars) -> list[tuple]:
    """Update ``handle`` with every bar of ``b``; return what it reads after each (for parity)."""
    f, pre, read = handle.update, handle.prefix, handle.read
    return [read(f(*pre, *row)) for row in zip(*(b.as_list(n) for n in handle.inputs))]

