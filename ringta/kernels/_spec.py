"""Parameter declarations, kernel specs and the shared streaming-class base.

A kernel file declares its parameters once, as :class:`Param` rows. The same
rows validate the public batch functions and streaming classes here, build
the pydantic parameter models of the session config, and fill the indicator
catalogue, so the allowed ranges cannot disagree between those places.
"""

from __future__ import annotations

import json
import math
import operator
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from ._ring import H_COUNT, H_LOOKBACK


@dataclass(frozen=True)
class Param:
    """One indicator parameter: its name, type, default and allowed range.

    Examples
    --------
    >>> p = Param("period", int, 14, 1, 100_000)
    >>> p.check(20, "rsi"), p.describe()
    (20, 'int in [1, 100000]')
    >>> p.check(0, "rsi")
    Traceback (most recent call last):
    ...
    ValueError: rsi: period must be an integer in [1, 100000], got 0
    """

    name: str
    kind: type  # int, float or str
    default: Any
    lo: Any = None
    hi: Any = None
    choices: tuple = ()
    doc: str = ""

    def check(self, value: Any, owner: str) -> Any:
        """Return ``value`` converted to this parameter's type, or raise ``ValueError``."""
        where = f"{owner}: {self.name}"
        if self.kind is int:
            if isinstance(value, bool):
                raise ValueError(f"{where} must be an integer in [{self.lo}, {self.hi}], got {value!r}")
            try:
                value = operator.index(value)
            except TypeError:
                raise ValueError(
                    f"{where} must be an integer in [{self.lo}, {self.hi}], got {value!r}"
                ) from None
            if not (self.lo <= value <= self.hi):
                raise ValueError(f"{where} must be an integer in [{self.lo}, {self.hi}], got {value}")
            return value
        if self.kind is float:
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
                raise ValueError(f"{where} must be a finite number in [{self.lo}, {self.hi}], got {value!r}")
            value = float(value)
            if not math.isfinite(value) or not (self.lo <= value <= self.hi):
                raise ValueError(f"{where} must be a finite number in [{self.lo}, {self.hi}], got {value!r}")
            return value
        if value not in self.choices:
            raise ValueError(f"{where} must be one of {list(self.choices)}, got {value!r}")
        return value

    def describe(self) -> str:
        if self.kind is str:
            return f"one of {list(self.choices)}"
        return f"{self.kind.__name__} in [{self.lo}, {self.hi}]"


@dataclass(frozen=True)
class KernelSpec:
    """Everything the package knows about one indicator kind.

    The registry in :mod:`ringta.kernels` maps names to these; the
    coordinator, the config models, the benchmarks and the catalogue test all
    read from it.

    Examples
    --------
    >>> from ringta.kernels import REGISTRY
    >>> spec = REGISTRY["macd"]
    >>> spec.inputs, spec.outputs, spec.lookback(**spec.validate())
    (('close',), ('macd', 'signal', 'hist'), 33)
    """

    name: str
    title: str
    kind_id: int
    type: str  # IndicatorType value: trend, momentum, volatility, volume
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    params: tuple[Param, ...]
    make_block: Callable[..., np.ndarray]
    lookback: Callable[..., int]
    out_offset: int
    batch: Callable[..., Any]
    stream: type
    update_rows: Any
    batch_driver: Any = None
    peek_fn: Any = None
    result: type | None = None
    check: Callable[[dict], None] | None = None
    key_params: tuple[str, ...] = field(default=())

    def validate(self, owner: str | None = None, **kwargs: Any) -> dict:
        """Check and complete ``kwargs`` against the declared parameters."""
        owner = owner or self.name
        known = {p.name for p in self.params}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise ValueError(
                f"{owner}: unknown parameter(s) {unknown}; allowed: {sorted(known)}"
            )
        out = {p.name: p.check(kwargs.get(p.name, p.default), owner) for p in self.params}
        if self.check is not None:
            self.check(out, owner)
        return out

    def width(self, **kwargs: Any) -> int:
        return int(self.make_block(**self.validate(**kwargs)).shape[0])


def run_batch(spec: KernelSpec, owner: str, blk: np.ndarray, series: dict) -> tuple:
    """Convert inputs, run ``spec.batch_driver`` over them in ``blk`` and return the outputs.

    ``blk`` is updated in place only when every input is finite; otherwise a
    ``ValueError`` names the first bad input and ``blk`` is left as it was.
    """
    arrays = as_inputs(owner, **series)
    work = blk.copy()
    outs = tuple(np.empty_like(arrays[0]) for _ in spec.outputs)
    bad = spec.batch_driver(work, *arrays, *outs)
    if bad >= 0:
        raise_bad_input(owner, list(series), arrays, bad)
    blk[:] = work
    return outs


_TEMPLATES: dict = {}


def batch_call(spec: KernelSpec, owner: str, params: dict, series: dict) -> tuple:
    """The public batch functions' path: validated fresh block, inputs, driver, outputs.

    Validation and block construction are cached per parameter set, so a
    call on a short array costs little more than the compiled loop.
    """
    vals = tuple(params.values())
    # Types are part of the key: 14.0 == 14 and True == 1, but only ints are periods.
    key = (spec.name, vals, tuple(map(type, vals)))
    try:
        tmpl = _TEMPLATES.get(key)
    except TypeError:  # an unhashable argument: let validation name it
        tmpl = key = None
    if tmpl is None:
        tmpl = spec.make_block(**spec.validate(owner, **params))
        if key is not None and len(_TEMPLATES) < 4096:
            _TEMPLATES[key] = tmpl
    arrays = []
    n = -1
    for name, v in series.items():
        if type(v) is not np.ndarray or v.dtype != np.float64 or v.ndim != 1 or not v.flags.c_contiguous:
            v = as_series(name, v, owner)
        if n >= 0 and v.shape[0] != n:
            as_inputs(owner, **series)  # raises with every length named
        n = v.shape[0]
        arrays.append(v)
    outs = tuple(np.empty(n) for _ in spec.outputs)
    bad = spec.batch_driver(tmpl.copy(), *arrays, *outs)
    if bad >= 0:
        raise_bad_input(owner, list(series), arrays, bad)
    return outs


def as_series(name: str, values: Any, owner: str) -> np.ndarray:
    """Convert one input series to a C-contiguous float64 1-D array, once."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{owner}: {name} must be a 1-D sequence of numbers ({exc})") from None
    if arr.ndim != 1:
        raise ValueError(f"{owner}: {name} must be 1-D, got an array of shape {arr.shape}")
    return np.ascontiguousarray(arr)


def as_inputs(owner: str, **series: Any) -> list[np.ndarray]:
    """Convert several input series and check that their lengths agree."""
    arrays = [as_series(n, v, owner) for n, v in series.items()]
    lengths = {n: a.shape[0] for n, a in zip(series, arrays)}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"{owner}: inputs must have the same length, got {lengths}")
    return arrays


def raise_bad_input(owner: str, names: Sequence[str], arrays: Sequence[np.ndarray], index: int) -> None:
    """Raise the error for the first non-finite input found by a batch driver."""
    for n, a in zip(names, arrays):
        v = float(a[index])
        if not math.isfinite(v):
            raise ValueError(f"{owner}: {n}[{index}] is {v!r}; inputs must be finite")
        if n == "volume" and v < 0.0:
            raise ValueError(f"{owner}: volume[{index}] is {v!r}; volume must be >= 0")
    raise ValueError(f"{owner}: input at index {index} is not finite")


class StreamingIndicator:
    """Shared behaviour of the streaming classes (``ringta.EMA`` and friends).

    An instance owns one block (see :mod:`ringta.kernels._ring`) and a pristine
    copy of it for :meth:`reset`. Subclasses provide ``update``/``peek`` with
    their own input names and bind the compiled functions as class attributes.
    """

    __slots__ = ("_blk", "_init", "_params")
    spec: KernelSpec

    def _setup(self, params: dict) -> None:
        self._params = params
        self._blk = self.spec.make_block(**params)
        self._init = self._blk.copy()

    # -- read-only views ---------------------------------------------------
    @property
    def params(self) -> dict:
        """The validated parameters this instance was built with."""
        return dict(self._params)

    @property
    def lookback(self) -> int:
        """Inputs consumed before the first valid value (TA-Lib's lookback)."""
        return int(self._blk[H_LOOKBACK])

    @property
    def count(self) -> int:
        """Number of inputs consumed so far."""
        return int(self._blk[H_COUNT])

    @property
    def ready(self) -> bool:
        """True once the indicator produces valid (non-NaN) values."""
        return bool(self._blk[H_COUNT] > self._blk[H_LOOKBACK])

    @property
    def value(self):
        """The latest value: a float, or a named tuple for multi-output indicators."""
        o = self.spec.out_offset
        k = len(self.spec.outputs)
        if k == 1:
            return float(self._blk[o])
        return self.spec.result(*(float(v) for v in self._blk[o : o + k]))

    def peek(self, *inputs: float):
        """What ``update(*inputs)`` would return, without changing any state."""
        names = self.spec.inputs
        if len(inputs) != len(names):
            raise ValueError(f"{type(self).__name__}.peek: expected inputs {names}, got {len(inputs)} values")
        vals = []
        for name, v in zip(names, inputs):
            try:
                f = float(v)
            except (TypeError, ValueError):
                f = math.nan
            if not math.isfinite(f) or (name == "volume" and f < 0.0):
                raise ValueError(f"{type(self).__name__}.peek: {name}={v!r} is not a valid input; state unchanged")
            vals.append(f)
        res = self.spec.peek_fn(self._blk, *vals)
        return res if self.spec.result is None else self.spec.result(*res)

    def extend(self, *series):
        """Feed whole arrays (one per input) through the batch path; return the outputs.

        The state afterwards is the same, bit for bit, as after calling
        ``update`` for every element.
        """
        owner = f"{type(self).__name__}.extend"
        if len(series) != len(self.spec.inputs):
            raise ValueError(f"{owner}: expected inputs {self.spec.inputs}, got {len(series)} arrays")
        outs = run_batch(self.spec, owner, self._blk, dict(zip(self.spec.inputs, series)))
        return outs[0] if len(outs) == 1 else self.spec.result(*outs)

    def snapshot(self) -> bytes:
        """The instance's state as bytes (a versioned header and the block); see :meth:`restore`."""
        header = json.dumps({"format": "ringta-indicator", "version": 1, "name": self.spec.name,
                             "params": self._params, "width": int(self._blk.shape[0])}).encode()
        return len(header).to_bytes(4, "little") + header + self._blk.tobytes()

    @classmethod
    def restore(cls, data: bytes):
        """An instance rebuilt from :meth:`snapshot` bytes; ``ValueError`` if they do not fit this class."""
        owner = f"{cls.__name__}.restore"
        try:
            n = int.from_bytes(data[:4], "little")
            header = json.loads(data[4 : 4 + n].decode())
        except (ValueError, UnicodeDecodeError, TypeError):
            raise ValueError(f"{owner}: not an indicator snapshot") from None
        if header.get("format") != "ringta-indicator":
            raise ValueError(f"{owner}: not an indicator snapshot")
        if not isinstance(header.get("version"), int) or header["version"] > 1:
            raise ValueError(f"{owner}: snapshot version {header.get('version')!r} is newer than this ringta reads (1)")
        if header.get("name") != cls.spec.name:
            raise ValueError(f"{owner}: snapshot of {header.get('name')!r}, not {cls.spec.name!r}")
        obj = cls(**header["params"])
        body = data[4 + n :]
        if len(body) != obj._blk.nbytes or header.get("width") != obj._blk.shape[0]:
            raise ValueError(f"{owner}: truncated or damaged snapshot ({len(body)} bytes of state, "
                             f"expected {obj._blk.nbytes})")
        obj._blk[:] = np.frombuffer(body, dtype=np.float64)
        return obj

    @classmethod
    def from_history(cls, *series, **params):
        """A new instance warmed up on ``series`` (one array per input) via the batch path."""
        obj = cls(**params)
        obj.extend(*series)
        return obj

    # -- lifecycle ---------------------------------------------------------
    def reset(self) -> None:
        """Forget every input: the instance equals a freshly built one."""
        np.copyto(self._blk, self._init)

    def copy(self):
        """An independent copy; updating one never changes the other."""
        new = object.__new__(type(self))
        new._params = self._params
        new._blk = self._blk.copy()
        new._init = self._init
        return new

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params.items())
        return f"{type(self).__name__}({args}) count={self.count} ready={self.ready}"
