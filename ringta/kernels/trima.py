"""TRIMA: triangular moving average.

Definition
    The weighted mean of the last ``period`` inputs with triangular weights
    ``1, 2, ..., 2, 1``; computed as an SMA of an SMA: for an odd period
    both have length ``(period + 1) / 2``, for an even period the first
    has ``period / 2`` and the second ``period / 2 + 1``.
Seed and warm-up
    First value at index ``period - 1`` (TA-Lib's lookback); NaN before.
    Both SMAs are ringta's SMA kernel, kept as two sub-blocks of this
    block, so their window sums are re-anchored (recomputed exactly) about
    every 512 inputs and rounding error cannot accumulate.
Inputs
    one series (close by default).
Outputs
    ``value``, in price units.
Reference
    TA-Lib ``TRIMA`` (equal to rounding: TA-Lib keeps one running weighted
    sum instead).
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call
from .sma import make_block as _sma_block
from .sma import sma_update

TRIMA_OUT = H_SIZE
TRIMA_S2 = H_SIZE + 1  # offset of the second SMA's sub-block
TRIMA_END = H_SIZE + 2  # end of the second sub-block
TRIMA_S1 = H_SIZE + 3  # the first SMA's sub-block starts here

PARAMS = (Param("period", int, 30, 1, MAX_PERIOD, doc="window length"),)


def trima_periods(period: int) -> tuple[int, int]:
    """Lengths of the inner and outer SMA."""
    if period % 2:
        return (period + 1) // 2, (period + 1) // 2
    return period // 2, period // 2 + 1


@jit(f8(F1, f8))
def trima_update(blk, x):
    """Advance one TRIMA block by one input; return the new value (NaN while warming up)."""
    s2 = int(blk[TRIMA_S2])
    inner = sma_update(blk[TRIMA_S1:s2], x)
    out = np.nan
    if not math.isnan(inner):
        out = sma_update(blk[s2 : int(blk[TRIMA_END])], inner)
    blk[H_COUNT] += 1.0
    blk[TRIMA_OUT] = out
    return out


@jit(f8(F1, f8))
def trima_update_checked(blk, x):
    if not math.isfinite(x):
        raise ValueError("input is not finite")
    return trima_update(blk, x)


@jit(f8(F1, f8), nrt=True)
def trima_peek(blk, x):
    return trima_update(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def trima_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]`` for every i; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, x.shape[0], out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = trima_update(state[rows[i]], x[i])


@jit(i8(F1, F1, F1))
def trima_batch(blk, x, out):
    """Run a whole series through ``blk``; return the first non-finite index or -1.

    The two SMA sub-blocks are the state; the same update runs for every
    input, so the values are exactly those of streaming.
    """
    for i in range(x.shape[0]):
        xi = x[i]
        if not math.isfinite(xi):
            return i
        out[i] = trima_update(blk, xi)
    return -1


def trima_lookback(period: int = 30) -> int:
    return period - 1


def make_block(period: int = 30) -> np.ndarray:
    n1, n2 = trima_periods(period)
    b1, b2 = _sma_block(n1), _sma_block(n2)
    blk = np.concatenate([np.zeros(TRIMA_S1), b1, b2])
    blk[H_LOOKBACK] = trima_lookback(period)
    blk[TRIMA_OUT] = np.nan
    blk[TRIMA_S2] = TRIMA_S1 + b1.shape[0]
    blk[TRIMA_END] = blk.shape[0]
    return blk


def trima(close, period: int = 30) -> np.ndarray:
    """Triangular moving average of ``close`` over ``period`` inputs (an SMA of an SMA).

    Parameters
    ----------
    close : array_like
        Input series (any 1-D sequence of finite numbers).
    period : int, default 30
        Window length in [1, 100000] (TA-Lib's ``timeperiod``).

    Returns
    -------
    numpy.ndarray
        Same length as ``close``; NaN before index ``period - 1``.

    Examples
    --------
    >>> import ringta
    >>> ringta.trima([1.0, 2.0, 4.0, 7.0, 11.0], period=3).tolist()
    [nan, nan, 2.25, 4.25, 7.25]
    """
    return batch_call(SPEC, "trima", {"period": period}, {"close": close})[0]


class TRIMA(StreamingIndicator):
    """Streaming triangular moving average (see :func:`ringta.trima`).

    Examples
    --------
    >>> import ringta
    >>> t = ringta.TRIMA(period=3)
    >>> [t.update(v) for v in (1.0, 2.0, 4.0, 7.0)]
    [nan, nan, 2.25, 4.25]
    """

    __slots__ = ()

    def __init__(self, period: int = 30):
        self._setup(SPEC.validate("TRIMA", period=period))

    def update(self, close: float) -> float:
        """Consume one input and return the new value (NaN while not ready)."""
        try:
            return trima_update_checked(self._blk, close)
        except (ValueError, TypeError):
            raise ValueError(f"TRIMA.update: close={close!r} is not a finite number; state unchanged") from None


SPEC = KernelSpec(
    name="trima",
    title="Triangular Moving Average",
    kind_id=25,
    type="trend",
    inputs=("close",),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=trima_lookback,
    out_offset=TRIMA_OUT,
    batch=trima,
    stream=TRIMA,
    update_rows=trima_update_rows,
    batch_driver=trima_batch,
    peek_fn=trima_peek,
    key_params=("period",),
)
TRIMA.spec = SPEC
