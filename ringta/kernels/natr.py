"""NATR: normalized average true range.

Definition
    ``natr = atr / close * 100`` with ``atr`` Wilder's average true range
    (:mod:`ringta.kernels.atr`, whose block and steps NATR's block extends),
    in TA-Lib's order of operations
    (``(atr / close) * 100``); 0 when the close is exactly 0, as in TA-Lib.
Seed and warm-up
    As ATR: first value at index ``period`` (TA-Lib's lookback), NaN before.
    For ``period=1`` TA-Lib returns the plain true range, not normalized
    (its NATR hands period 1 to TRANGE); ringta returns the normalized value
    ``trange / close * 100`` for every period.
Inputs
    high, low, close.
Outputs
    ``value``, in percent of the close.
Reference
    TA-Lib ``NATR`` (periods >= 2).
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call
from .atr import ATR_WIDTH, atr_percent, atr_steady, atr_update
from .atr import make_block as _atr_block

# NATR's block is ATR's block (same fields, advanced by atr_update) plus the output.
NATR_OUT = ATR_WIDTH
NATR_WIDTH = ATR_WIDTH + 1

# Bars per steady-state chunk of a batch run: the ATR recursion over a chunk,
# then its divisions in a vectorised pass while the chunk is still in L1;
# short enough that the divider's work overlaps the next chunk's recursion.
_CHUNK = 512

PARAMS = (Param("period", int, 14, 1, MAX_PERIOD, doc="Wilder smoothing period"),)


@jit(f8(F1, f8, f8, f8))
def natr_update(blk, high, low, close):
    """Advance one NATR block by one bar; return the new value (NaN while warming up)."""
    a = atr_update(blk, high, low, close)
    out = atr_percent(a, close) if blk[H_COUNT] > blk[H_LOOKBACK] else np.nan
    blk[NATR_OUT] = out
    return out


@jit(f8(F1, f8, f8, f8))
def natr_update_checked(blk, high, low, close):
    if not (math.isfinite(high) and math.isfinite(low) and math.isfinite(close)):
        raise ValueError("input is not finite")
    return natr_update(blk, high, low, close)


@jit(f8(F1, f8, f8, f8), nrt=True)
def natr_peek(blk, high, low, close):
    return natr_update(blk.copy(), high, low, close)


@jit(void(F2, I1, F1, F1, F1, F2))
def natr_update_rows(state, rows, high, low, close, out):
    """Advance ``state[rows[i]]`` by ``(high[i], low[i], close[i])``; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, min(high.shape[0], low.shape[0], close.shape[0]), out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = natr_update(state[rows[i]], high[i], low[i], close[i])


@jit(i8(F1, F1, F1, F1, F1))
def natr_batch(blk, high, low, close, out):
    """Run whole series through ``blk``; return the first non-finite index or -1.

    Warm-up goes through :func:`natr_update` itself; the steady state runs the
    same steps on locals.
    """
    m = close.shape[0]
    lb = blk[H_LOOKBACK]
    i = 0
    while i < m and blk[H_COUNT] <= lb + 1.0:
        if not (math.isfinite(high[i]) and math.isfinite(low[i]) and math.isfinite(close[i])):
            return i
        out[i] = natr_update(blk, high[i], low[i], close[i])
        i += 1
    if i == m:
        return -1
    bad = atr_steady(blk, high, low, close, i, out, _CHUNK, True)
    end = bad if bad >= 0 else m
    if end > i:
        blk[NATR_OUT] = out[end - 1]
    return bad


def natr_lookback(period: int = 14) -> int:
    return period


def make_block(period: int = 14) -> np.ndarray:
    blk = np.full(NATR_WIDTH, np.nan)
    blk[:ATR_WIDTH] = _atr_block(period)
    return blk


def natr(high, low, close, period: int = 14) -> np.ndarray:
    """Normalized average true range: ATR in percent of the close.

    Parameters
    ----------
    high, low, close : array_like
        Input series of equal length (finite numbers).
    period : int, default 14
        Smoothing period in [1, 100000] (TA-Lib's ``timeperiod``).

    Returns
    -------
    numpy.ndarray
        Same length as the inputs; NaN before index ``period``.

    Examples
    --------
    >>> import ringta
    >>> high, low, close = [11.0, 12.0, 10.5, 12.0], [9.0, 11.0, 9.5, 10.0], [10.0, 11.5, 10.0, 8.0]
    >>> ringta.natr(high, low, close, period=2).tolist()
    [nan, nan, 20.0, 25.0]
    """
    return batch_call(SPEC, "natr", {"period": period}, {"high": high, "low": low, "close": close})[0]


class NATR(StreamingIndicator):
    """Streaming normalized average true range (see :func:`ringta.natr`).

    Examples
    --------
    >>> import ringta
    >>> a = ringta.NATR(period=2)
    >>> bars = ((11.0, 9.0, 10.0), (12.0, 11.0, 11.5), (10.5, 9.5, 10.0), (12.0, 10.0, 8.0))
    >>> [a.update(h, l, c) for h, l, c in bars]
    [nan, nan, 20.0, 25.0]
    """

    __slots__ = ()

    def __init__(self, period: int = 14):
        self._setup(SPEC.validate("NATR", period=period))

    def update(self, high: float, low: float, close: float) -> float:
        """Consume one bar's high, low and close; return the new value (NaN while not ready)."""
        try:
            return natr_update_checked(self._blk, high, low, close)
        except (ValueError, TypeError):
            raise ValueError(
                f"NATR.update: high={high!r}, low={low!r}, close={close!r} must be finite; state unchanged"
            ) from None


SPEC = KernelSpec(
    name="natr",
    title="Normalized Average True Range",
    kind_id=9,
    type="volatility",
    inputs=("high", "low", "close"),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=natr_lookback,
    out_offset=NATR_OUT,
    batch=natr,
    stream=NATR,
    update_rows=natr_update_rows,
    batch_driver=natr_batch,
    peek_fn=natr_peek,
    key_params=("period",),
)
NATR.spec = SPEC
