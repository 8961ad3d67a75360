"""EMA: exponential moving average.

Definition
    ``ema[t] = alpha * x[t] + (1 - alpha) * ema[t-1]`` with ``alpha = 2 / (period + 1)``.
    TA-Lib writes ``(x - prev) * alpha + prev``; the form used here has one
    multiplication less on the loop-carried dependency chain (about 30 %
    faster) and differs from TA-Lib by a few units in the last place.
Seed and warm-up
    ``seed="sma"`` (default, TA-Lib): the first value is the simple average of
    the first ``period`` inputs, at index ``period - 1``.
    ``seed="first"`` (TradingView-style engines): the recursion starts from the
    first input; values are still reported from index ``period - 1`` so that
    readiness means the same thing for both seeds.
Inputs
    one series (close by default).
Outputs
    ``value``, in price units.
Reference
    TA-Lib ``EMA`` (seed="sma"); ``pandas.Series.ewm(span=period, adjust=False)``
    (seed="first").
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import F1, F2, I1, b1, f8, i8, entry, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows, put_column
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call

EMA_PERIOD = H_SIZE
EMA_ALPHA = H_SIZE + 1
EMA_BETA = H_SIZE + 2  # 1 - alpha
EMA_SEED_FIRST = H_SIZE + 3
EMA_VALUE = H_SIZE + 4
EMA_SUM = H_SIZE + 5
EMA_OUT = H_SIZE + 6
EMA_WIDTH = H_SIZE + 7

SEEDS = ("sma", "first")

PARAMS = (
    Param("period", int, 30, 1, MAX_PERIOD, doc="smoothing period; alpha = 2 / (period + 1)"),
    Param("seed", str, "sma", choices=SEEDS, doc="'sma' (TA-Lib) or 'first' (TradingView)"),
)


@jit(f8(f8, f8, f8, f8))
def _ema_step(alpha, beta, prev, x):
    return alpha * x + beta * prev


@jit(f8(F1, f8))
def ema_update(blk, x):
    """Advance one EMA block by one input; return the new value (NaN while warming up)."""
    n = blk[H_COUNT]
    p = blk[EMA_PERIOD]
    v = blk[EMA_VALUE]
    if blk[EMA_SEED_FIRST] != 0.0:
        v = x if n == 0.0 else _ema_step(blk[EMA_ALPHA], blk[EMA_BETA], v, x)
    elif n < p:
        s = blk[EMA_SUM] + x
        blk[EMA_SUM] = s
        if n == p - 1.0:
            v = s / p
    else:
        v = _ema_step(blk[EMA_ALPHA], blk[EMA_BETA], v, x)
    n += 1.0
    blk[H_COUNT] = n
    blk[EMA_VALUE] = v
    out = v if n > blk[H_LOOKBACK] else np.nan
    blk[EMA_OUT] = out
    return out


@jit(f8(F1, f8))
def ema_update_checked(blk, x):
    if not math.isfinite(x):
        raise ValueError("input is not finite")
    return ema_update(blk, x)


_ema_update_fast = entry(ema_update_checked)


@jit(f8(F1, f8), nrt=True)
def ema_peek(blk, x):
    return ema_update(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def ema_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]`` for every i; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, x.shape[0], out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = ema_update(state[rows[i]], x[i])


@jit(b1(F2, i8, i8, F1, i8))
def ema_columns_ready(st, a, b, x, i0):
    """Whether columns ``a .. b-1`` of a column table all take the plain smoothing step next."""
    n = st[H_COUNT, a:b]
    p = st[EMA_PERIOD, a:b]
    first = st[EMA_SEED_FIRST, a:b]
    ok = True
    for k in range(b - a):
        ok &= (n[k] >= p[k]) | ((first[k] != 0.0) & (n[k] > 0.0))
    return ok


@jit(void(F2, i8, i8, F1, F1, i8, F2))
def ema_columns_step(st, a, b, x, v, i0, out):
    """:func:`ema_update` past the seed, for columns ``a .. b-1`` fed ``x[i0:]``: one loop across columns."""
    n = st[H_COUNT, a:b]
    lb = st[H_LOOKBACK, a:b]
    alpha = st[EMA_ALPHA, a:b]
    beta = st[EMA_BETA, a:b]
    val = st[EMA_VALUE, a:b]
    res = st[EMA_OUT, a:b]
    xs = x[i0 : i0 + b - a]
    # Two loops of a few fields each: see bollinger.bbands_columns_step.
    for k in range(b - a):
        val[k] = _ema_step(alpha[k], beta[k], val[k], xs[k])
    for k in range(b - a):
        c = n[k] + 1.0
        n[k] = c
        res[k] = val[k] if c > lb[k] else np.nan
    put_column(out, i0, res)


@jit(i8(F1, F1, F1))
def ema_batch(blk, x, out):
    """Run a whole series through ``blk``; return the first non-finite index or -1.

    Warm-up goes through :func:`ema_update` itself; the steady state runs the
    same step on locals.
    """
    m = x.shape[0]
    lb = blk[H_LOOKBACK]
    i = 0
    while i < m and blk[H_COUNT] <= lb:
        xi = x[i]
        if not math.isfinite(xi):
            return i
        out[i] = ema_update(blk, xi)
        i += 1
    if i == m:
        return -1
    alpha = blk[EMA_ALPHA]
    beta = blk[EMA_BETA]
    v = blk[EMA_VALUE]
    start = i
    bad = -1
    for i in range(start, m):
        xi = x[i]
        if not math.isfinite(xi):
            bad = i
            break
        v = _ema_step(alpha, beta, v, xi)
        out[i] = v
    else:
        i = m
    blk[H_COUNT] += i - start
    blk[EMA_VALUE] = v
    blk[EMA_OUT] = v
    return bad


def ema_lookback(period: int = 30, seed: str = "sma") -> int:
    return period - 1


def make_block(period: int = 30, seed: str = "sma") -> np.ndarray:
    blk = np.zeros(EMA_WIDTH)
    blk[H_LOOKBACK] = ema_lookback(period, seed)
    blk[EMA_PERIOD] = period
    blk[EMA_ALPHA] = 2.0 / (period + 1.0)
    blk[EMA_BETA] = 1.0 - blk[EMA_ALPHA]
    blk[EMA_SEED_FIRST] = 1.0 if seed == "first" else 0.0
    blk[EMA_OUT] = np.nan
    return blk


def ema(close, period: int = 30, seed: str = "sma") -> np.ndarray:
    """Exponential moving average of ``close``.

    Parameters
    ----------
    close : array_like
        Input series (any 1-D sequence of finite numbers).
    period : int, default 30
        Smoothing period in [1, 100000]; ``alpha = 2 / (period + 1)``.
    seed : {"sma", "first"}, default "sma"
        ``"sma"`` seeds with the mean of the first ``period`` inputs (TA-Lib);
        ``"first"`` starts the recursion at the first input (TradingView).

    Returns
    -------
    numpy.ndarray
        Same length as ``close``; NaN before index ``period - 1``.

    Examples
    --------
    >>> import ringta
    >>> ringta.ema([1.0, 2.0, 3.0, 4.0], period=3).round(6).tolist()
    [nan, nan, 2.0, 3.0]
    """
    return batch_call(SPEC, "ema", {"period": period, "seed": seed}, {"close": close})[0]


class EMA(StreamingIndicator):
    """Streaming exponential moving average (see :func:`ringta.ema`).

    Examples
    --------
    >>> import ringta
    >>> e = ringta.EMA(period=3)
    >>> [e.update(v) for v in (1.0, 2.0, 3.0, 4.0)][2:]
    [2.0, 3.0]
    >>> e.ready, e.value
    (True, 3.0)
    """

    __slots__ = ()

    def __init__(self, period: int = 30, seed: str = "sma"):
        self._setup(SPEC.validate("EMA", period=period, seed=seed))

    def update(self, close: float) -> float:
        """Consume one input and return the new value (NaN while not ready)."""
        try:
            if type(close) is float:
                return _ema_update_fast(self._blk, close)
            return ema_update_checked(self._blk, close)  # converts numbers, refuses the rest
        except (ValueError, TypeError):
            raise ValueError(f"EMA.update: close={close!r} is not a finite number; state unchanged") from None


SPEC = KernelSpec(
    name="ema",
    title="Exponential Moving Average",
    kind_id=1,
    type="trend",
    inputs=("close",),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=ema_lookback,
    out_offset=EMA_OUT,
    batch=ema,
    stream=EMA,
    update_rows=ema_update_rows,
    batch_driver=ema_batch,
    peek_fn=ema_peek,
    key_params=("period",),
)
EMA.spec = SPEC
