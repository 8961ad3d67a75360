"""RMA: Wilder's moving average (also called SMMA, the smoothed moving average).

Definition
    ``rma[t] = rma[t-1] * beta + x[t] * alpha``, an EMA with
    ``alpha = 1 / period``: ``beta = (period - 1) / period`` and
    ``beta2 = beta * beta`` rounded once each, ``alpha`` the exact
    ``(1 - beta2) / (1 + beta)`` rounded once (``1 - beta`` up to rounding,
    chosen so that a constant input is a fixed point). With
    ``a[t] = x[t] * alpha`` each value is computed from the one two bars back,
    ``rma[t] = fma(rma[t-2], beta2, fma(a[t-1], beta, a[t]))`` (``fma``
    rounds once), except the first value after the seed,
    ``fma(rma[t-1], beta, a[t])``: the even and the odd bars then form two
    independent recursions, twice as fast in a batch run as one (see
    :mod:`ringta.kernels._wilder`). This is the smoothing inside Wilder's
    RSI, ATR and ADX; TA-Lib's ATR writes it ``(prev * (period - 1) + x) / period``.
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
    from bar 1 is TA-Lib's ``ATR`` and the RMAs of the up and down moves give
    TA-Lib's ``RSI``, to rounding (rtol 1e-12); equal bit for bit to ringta's
    ``atr`` on the true range (the same steps); talipp ``SMMA`` to rounding.
    ``seed="first"`` equals pandas
    ``Series.ewm(alpha=1/period, adjust=False).mean()`` up to rounding
    (pandas writes the step as a weighted mean).
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import F1, F2, I1, f8, i8, entry, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call
from ._wilder import wilder_coefficients, wilder_one, wilder_two

RMA_PERIOD = H_SIZE
RMA_BETA = H_SIZE + 1  # (period - 1) / period
RMA_SEED_FIRST = H_SIZE + 2
RMA_VALUE = H_SIZE + 3  # sum of the inputs during an "sma" warm-up, then the average
RMA_OUT = H_SIZE + 4
RMA_ALPHA = H_SIZE + 5  # (1 - beta2) / (1 + beta)
RMA_BETA2 = H_SIZE + 6  # beta * beta
RMA_VALUE2 = H_SIZE + 7  # the value before RMA_VALUE
RMA_APREV = H_SIZE + 8  # the last input times alpha
RMA_WIDTH = H_SIZE + 9

# Inputs per steady-state chunk of a batch run: the loop has no per-input
# test; one look at the chunk's last two values tells whether every input
# was finite (see _wilder).
_CHUNK = 2048

SEEDS = ("sma", "first")

PARAMS = (
    Param("period", int, 14, 1, MAX_PERIOD, doc="smoothing period; alpha = 1 / period"),
    Param("seed", str, "sma", choices=SEEDS, doc="'sma' (Wilder, TA-Lib, TradingView) or 'first' (pandas ewm)"),
)


@jit(f8(F1, f8))
def rma_update(blk, x):
    """Advance one RMA block by one input; return the new value (NaN while warming up)."""
    n = blk[H_COUNT]
    p = blk[RMA_PERIOD]
    v = blk[RMA_VALUE]
    seed_at = 0.0 if blk[RMA_SEED_FIRST] != 0.0 else p - 1.0  # the count at which the seed is taken
    if n < seed_at:
        v = v + x
    elif n == seed_at:
        v = x if seed_at == 0.0 else (v + x) / p
    else:
        a = x * blk[RMA_ALPHA]
        if n == seed_at + 1.0:
            w = wilder_one(blk[RMA_BETA], v, a)
        else:
            w = wilder_two(blk[RMA_BETA], blk[RMA_BETA2], blk[RMA_VALUE2], blk[RMA_APREV], a)
        blk[RMA_VALUE2] = v
        blk[RMA_APREV] = a
        v = w
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

    Warm-up (up to the first two-bars-back step) goes through
    :func:`rma_update` itself; the steady state runs the same step on locals,
    chunk by chunk, without per-input tests.
    """
    m = x.shape[0]
    lb = blk[H_LOOKBACK]
    seed_at = 0.0 if blk[RMA_SEED_FIRST] != 0.0 else blk[RMA_PERIOD] - 1.0
    i = 0
    while i < m and (blk[H_COUNT] <= lb or blk[H_COUNT] <= seed_at + 1.0):
        xi = x[i]
        if not math.isfinite(xi):
            return i
        out[i] = rma_update(blk, xi)
        i += 1
    if i == m:
        return -1
    alpha = blk[RMA_ALPHA]
    beta = blk[RMA_BETA]
    beta2 = blk[RMA_BETA2]
    v1 = blk[RMA_VALUE]
    v2 = blk[RMA_VALUE2]
    ap = blk[RMA_APREV]
    start = i
    bad = -1
    while i < m:
        hi = min(i + _CHUNK, m)
        xs = x[i:hi]
        os = out[i:hi]
        w1 = v1
        w2 = v2
        wa = ap
        for k in range(xs.shape[0]):
            a = xs[k] * alpha
            w = wilder_two(beta, beta2, w2, wa, a)
            w2 = w1
            w1 = w
            wa = a
            os[k] = w
        if not (math.isfinite(w1) and math.isfinite(w2)):
            for k in range(xs.shape[0]):
                if not math.isfinite(xs[k]):
                    bad = i + k
                    break
            if bad >= 0:  # redo the chunk up to the bad input
                hi = bad
                for k in range(bad - i):
                    a = xs[k] * alpha
                    w = wilder_two(beta, beta2, v2, ap, a)
                    v2 = v1
                    v1 = w
                    ap = a
                i = hi
                break
        v1 = w1
        v2 = w2
        ap = wa
        i = hi
    if i > start:
        blk[H_COUNT] += i - start
        blk[RMA_VALUE] = v1
        blk[RMA_VALUE2] = v2
        blk[RMA_APREV] = ap
        blk[RMA_OUT] = v1
    return bad


def rma_lookback(period: int = 14, seed: str = "sma") -> int:
    return period - 1


def make_block(period: int = 14, seed: str = "sma") -> np.ndarray:
    blk = np.zeros(RMA_WIDTH)
    blk[H_LOOKBACK] = rma_lookback(period, seed)
    blk[RMA_PERIOD] = period
    blk[RMA_ALPHA], blk[RMA_BETA], blk[RMA_BETA2] = wilder_coefficients(period)
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
