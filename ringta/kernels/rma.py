"""RMA: Wilder's moving average (also called SMMA, the smoothed moving average).

Definition
    ``rma[t] = (rma[t-1] * (period - 1) + x[t]) / period``, an EMA with
    ``alpha = 1 / period``, written in TA-Lib's order of operations for its
    ATR (multiply by ``period - 1``, add the input, divide by ``period``;
    ``period - 1`` is stored in the block, the division is not replaced by a
    multiplication). This is the smoothing inside Wilder's RSI, ATR and ADX.
Seed and warm-up
    ``seed="sma"`` (default; Wilder, TA-Lib's ATR and RSI, TradingView's
    ``ta.rma``): the first value is the simple mean of the first ``period``
    inputs (summed in order, then divided by ``period``), at index
    ``period - 1``; NaN before. ``rma(trange[1:])`` then equals ringta's
    ``atr`` bit for bit.
    ``seed="first"``: the recursion starts from the first input, as pandas
    ``ewm(alpha=1/period, adjust=False)`` and nautilus_trader's
    ``WilderMovingAverage`` do; values are still reported from index
    ``period - 1`` so that readiness means the same thing for both seeds.
    ``period=1`` returns the input unchanged for both seeds.
Inputs
    one series (close by default).
Outputs
    ``value``, in the units of the input.
Reference
    TA-Lib has no RMA function. With ``seed="sma"``, RMA of the true range
    from bar 1 is TA-Lib's ``ATR`` (the classic C source performs these very
    operations; TA-Lib 0.8.1 rounds its step differently, within 4e-15
    relative) and the RMAs of the up and down moves give TA-Lib's ``RSI``;
    equal bit for bit to ringta's ``atr`` on the true range and to talipp
    ``SMMA``. ``seed="first"`` equals pandas
    ``Series.ewm(alpha=1/period, adjust=False).mean()`` up to rounding
    (pandas writes the step as a weighted mean).
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import F1, F2, I1, f8, i8, entry, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call

RMA_PERIOD = H_SIZE
RMA_PM1 = H_SIZE + 1  # period - 1
RMA_SEED_FIRST = H_SIZE + 2
RMA_VALUE = H_SIZE + 3  # sum of the inputs during an "sma" warm-up, then the average
RMA_OUT = H_SIZE + 4
RMA_WIDTH = H_SIZE + 5

SEEDS = ("sma", "first")

PARAMS = (
    Param("period", int, 14, 1, MAX_PERIOD, doc="smoothing period; alpha = 1 / period"),
    Param("seed", str, "sma", choices=SEEDS, doc="'sma' (Wilder, TA-Lib, TradingView) or 'first' (pandas ewm)"),
)


@jit(f8(f8, f8, f8, f8))
def _rma_step(period, pm1, prev, x):
    """Wilder's step as TA-Lib writes it in ATR: ``(prev * (period - 1) + x) / period``."""
    return (prev * pm1 + x) / period


@jit(f8(F1, f8))
def rma_update(blk, x):
    """Advance one RMA block by one input; return the new value (NaN while warming up)."""
    n = blk[H_COUNT]
    p = blk[RMA_PERIOD]
    v = blk[RMA_VALUE]
    if blk[RMA_SEED_FIRST] != 0.0:
        v = x if n == 0.0 else _rma_step(p, blk[RMA_PM1], v, x)
    elif n < p:
        v = v + x
        if n == p - 1.0:
            v = v / p
    else:
        v = _rma_step(p, blk[RMA_PM1], v, x)
    n += 1.0
    blk[H_COUNT] = n
    blk[RMA_VALUE] = v
    out = v if n > blk[H_LOOKBACK] else np.nan
    blk[RMA_OUT] = out
    return out


@jit(f8(F1, f8))
def rma_update_checked(blk, x):
    if not math.isfinite(x):
        raise ValueError("input is not finite")
    return rma_update(blk, x)


_rma_update_fast = entry(rma_update_checked)


@jit(f8(F1, f8), nrt=True)
def rma_peek(blk, x):
    return rma_update(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def rma_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]`` for every i; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, x.shape[0], out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = rma_update(state[rows[i]], x[i])


@jit(i8(F1, F1, F1))
def rma_batch(blk, x, out):
    """Run a whole series through ``blk``; return the first non-finite index or -1.

    Warm-up goes through :func:`rma_update` itself; the steady state runs the
    same step on locals.
    """
    m = x.shape[0]
    lb = blk[H_LOOKBACK]
    i = 0
    while i < m and blk[H_COUNT] <= lb:
        xi = x[i]
        if not math.isfinite(xi):
            return i
        out[i] = rma_update(blk, xi)
        i += 1
    if i == m:
        return -1
    p = blk[RMA_PERIOD]
    pm1 = blk[RMA_PM1]
    v = blk[RMA_VALUE]
    start = i
    bad = -1
    for i in range(start, m):
        xi = x[i]
        if not math.isfinite(xi):
            bad = i
            break
        v = _rma_step(p, pm1, v, xi)
        out[i] = v
    else:
        i = m
    if i > start:
        blk[H_COUNT] += i - start
        blk[RMA_VALUE] = v
        blk[RMA_OUT] = v
    return bad


def rma_lookback(period: int = 14, seed: str = "sma") -> int:
    return period - 1


def make_block(period: int = 14, seed: str = "sma") -> np.ndarray:
    blk = np.zeros(RMA_WIDTH)
    blk[H_LOOKBACK] = rma_lookback(period, seed)
    blk[RMA_PERIOD] = period
    blk[RMA_PM1] = period - 1.0
    blk[RMA_SEED_FIRST] = 1.0 if seed == "first" else 0.0
    blk[RMA_OUT] = np.nan
    return blk


def rma(close, period: int = 14, seed: str = "sma") -> np.ndarray:
    """Wilder's moving average (RMA, SMMA) of ``close``: an EMA with ``alpha = 1 / period``.

    Parameters
    ----------
    close : array_like
        Input series (any 1-D sequence of finite numbers).
    period : int, default 14
        Smoothing period in [1, 100000].
    seed : {"sma", "first"}, default "sma"
        ``"sma"`` seeds with the mean of the first ``period`` inputs (Wilder,
        TA-Lib's ATR/RSI, TradingView's ``ta.rma``); ``"first"`` starts the
        recursion at the first input (pandas ``ewm(alpha=1/period, adjust=False)``).

    Returns
    -------
    numpy.ndarray
        Same length as ``close``; NaN before index ``period - 1``.

    Examples
    --------
    >>> import ringta
    >>> ringta.rma([1.0, 2.0, 3.0, 4.0, 5.0], period=2).tolist()
    [nan, 1.5, 2.25, 3.125, 4.0625]
    >>> ringta.rma([1.0, 2.0, 3.0, 4.0, 5.0], period=2, seed="first").tolist()
    [nan, 1.5, 2.25, 3.125, 4.0625]
    """
    return batch_call(SPEC, "rma", {"period": period, "seed": seed}, {"close": close})[0]


class RMA(StreamingIndicator):
    """Streaming Wilder moving average (see :func:`ringta.rma`).

    Examples
    --------
    >>> import ringta
    >>> r = ringta.RMA(period=3)
    >>> [r.update(v) for v in (3.0, 6.0, 9.0, 12.0)]
    [nan, nan, 6.0, 8.0]
    >>> r.peek(2.0), r.value
    (6.0, 8.0)
    """

    __slots__ = ()

    def __init__(self, period: int = 14, seed: str = "sma"):
        self._setup(SPEC.validate("RMA", period=period, seed=seed))

    def update(self, close: float) -> float:
        """Consume one input and return the new value (NaN while not ready)."""
        try:
            if type(close) is float:
                return _rma_update_fast(self._blk, close)
            return rma_update_checked(self._blk, close)  # converts numbers, refuses the rest
        except (ValueError, TypeError):
            raise ValueError(f"RMA.update: close={close!r} is not a finite number; state unchanged") from None


SPEC = KernelSpec(
    name="rma",
    title="Wilder's Moving Average (RMA, SMMA)",
    kind_id=30,
    type="trend",
    inputs=("close",),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=rma_lookback,
    out_offset=RMA_OUT,
    batch=rma,
    stream=RMA,
    update_rows=rma_update_rows,
    batch_driver=rma_batch,
    peek_fn=rma_peek,
    key_params=("period",),
)
RMA.spec = SPEC
