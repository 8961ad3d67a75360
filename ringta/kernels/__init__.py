"""The kernel registry: indicator name -> :class:`~ringta.kernels._spec.KernelSpec`.

Adding an indicator means adding its module to ``_MODULES``; everything else
(the coordinator, the config models, ``list_indicators``, the benchmarks and
the contract tests) reads this registry.
"""

from __future__ import annotations

from . import ad, adosc, apo, aroon, aroonosc, atr, bollinger, cmo, dema, ema, macd, mom, natr, obv, ppo, roc, rsi, sma, stddev, stochf, tema, trange, trima, var, willr, wma, keltner, donchian
from . import max as max_, min as min_
from . import vwap
from . import rolling_vwap
from . import stoch
from . import stochrsi
from . import kama
from . import rma
from . import cci
from . import ultosc
from . import plus_di
from . import minus_di
from . import adx
from . import mfi
from ._program import IndicatorSet, step_bar, step_bars
from ._columns import UPDATE_COLUMNS, ColumnSet, step_columns
from ._spec import KernelSpec, Param

_MODULES = (sma, ema, rsi, macd, bollinger, obv, trange, atr, natr, mom, roc, wma, willr, max_, min_, var, stddev, ad, adosc, cmo, aroon, aroonosc, dema, tema, trima, apo, ppo, stochf, keltner, donchian, vwap, rolling_vwap, stoch, stochrsi, kama, rma, cci, ultosc, plus_di, minus_di, adx, mfi)

REGISTRY: dict[str, KernelSpec] = {m.SPEC.name: m.SPEC for m in _MODULES}
BY_KIND: dict[int, KernelSpec] = {s.kind_id: s for s in REGISTRY.values()}
ALIASES: dict[str, str] = {"bollinger": "bbands", "bollinger_bands": "bbands"}


def precompile(names=None) -> int:
    """Compile (or load from the on-disk cache) the kernels ``names`` (default: all); return how many functions.

    Compiled functions are built on first use, so a process pays only for the
    indicators it runs. A live process that must not pay even a cache load
    (a few milliseconds; a compile of seconds on an empty cache) at its first
    bar calls this at start-up; ``SessionCoordinator`` already loads its own
    compiled core when it is constructed.

    Examples
    --------
    >>> precompile(["sma"]) > 0
    True
    """
    from ._jit import LazyDispatcher

    wanted = [get_spec(n).name for n in names] if names is not None else list(REGISTRY)
    done = 0
    for m in _MODULES:
        if m.SPEC.name in wanted:
            for obj in list(vars(m).values()):
                if isinstance(obj, LazyDispatcher):
                    obj.ensure_compiled()
                    done += 1
    return done


def get_spec(name: str) -> KernelSpec:
    """The spec of indicator ``name``; ``KeyError`` listing the known names otherwise.

    Examples
    --------
    >>> get_spec("Bollinger").name, get_spec("rsi").title
    ('bbands', 'Relative Strength Index (Wilder)')
    """
    try:
        key = name.lower()
        return REGISTRY[ALIASES.get(key, key)]
    except (KeyError, AttributeError):
        raise KeyError(f"unknown indicator {name!r}; known: {sorted(REGISTRY)}") from None


def allocate(name: str, n_rows: int, **params):
    """A ``(n_rows, width)`` state table of fresh blocks for ``update_rows``.

    Examples
    --------
    >>> import numpy as np
    >>> from ringta.kernels import allocate, ema
    >>> state = allocate("ema", 3, period=2)
    >>> out = np.empty((2, 1))
    >>> ema.ema_update_rows(state, np.array([0, 2]), np.array([1.0, 5.0]), out)
    >>> ema.ema_update_rows(state, np.array([0, 2]), np.array([3.0, 7.0]), out)
    >>> out[:, 0].tolist()
    [2.0, 6.0]
    """
    import numpy as np

    spec = get_spec(name)
    blk = spec.make_block(**spec.validate(**params))
    return np.ascontiguousarray(np.tile(blk, (n_rows, 1)))


def allocate_columns(name: str, n_rows: int, **params):
    """A ``(width, n_rows)`` column table of fresh blocks for ``<name>_update_columns``.

    Column ``r`` is the block that row ``r`` of :func:`allocate`'s table
    holds; the update functions of the kinds that have one are in
    :data:`UPDATE_COLUMNS`.

    Examples
    --------
    >>> import numpy as np
    >>> from ringta.kernels import UPDATE_COLUMNS, allocate_columns
    >>> state = allocate_columns("ema", 3, period=2)
    >>> out = np.empty((3, 1))
    >>> rows = np.arange(3)
    >>> UPDATE_COLUMNS["ema"](state, rows, np.array([1.0, 3.0, 5.0]), out)
    >>> UPDATE_COLUMNS["ema"](state, rows, np.array([3.0, 5.0, 7.0]), out)
    >>> out[:, 0].tolist()
    [2.0, 4.0, 6.0]
    """
    import numpy as np

    spec = get_spec(name)
    if spec.name not in UPDATE_COLUMNS:
        raise ValueError(f"allocate_columns: no column update for {spec.name!r}; kinds with one: {sorted(UPDATE_COLUMNS)}")
    blk = spec.make_block(**spec.validate(**params))
    return np.ascontiguousarray(np.repeat(blk[:, None], n_rows, axis=1))


__all__ = ["IndicatorSet", "step_bar", "step_bars", "REGISTRY", "BY_KIND", "ALIASES", "KernelSpec", "Param", "get_spec", "allocate", "allocate_columns", "UPDATE_COLUMNS", "ColumnSet", "step_columns", "precompile"]
