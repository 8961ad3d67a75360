"""APO: absolute price oscillator (SMA form, TA-Lib's default).

Definition
    ``apo = SMA(x, fast_period) - SMA(x, slow_period)``: TA-Lib's APO with its
    default moving-average type (``matype=0``, simple). Other moving-average
    types are not offered.
Seed and warm-up
    First value at index ``slow_period - 1`` (TA-Lib's lookback); NaN before.
    Both SMAs are ringta's SMA kernel, kept as two sub-blocks of this block
    (window sums re-anchored about every 512 inputs).
Inputs
    one series (close by default).
Outputs
    ``value``, in price units.
Reference
    TA-Lib ``APO(fastperiod, slowperiod, matype=0)``.
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call
from .sma import make_block as _sma_block
from .sma import sma_update

APO_OUT = H_SIZE
APO_S2 = H_SIZE + 1  # offset of the slow SMA's sub-block
APO_END = H_SIZE + 2  # end of the slow sub-block
APO_S1 = H_SIZE + 3  # the fast SMA's sub-block starts here

PARAMS = (
    Param("fast_period", int, 12, 1, MAX_PERIOD, doc="fast SMA period; must be smaller than slow_period"),
    Param("slow_period", int, 26, 2, MAX_PERIOD, doc="slow SMA period"),
)


def check_fast_slow(params: dict, owner: str) -> None:
    if params["fast_period"] >= params["slow_period"]:
        raise ValueError(
            f"{owner}: fast_period ({params['fast_period']}) must be smaller than slow_period "
            f"({params['slow_period']})"
        )


@jit(f8(F1, f8))
def apo_update(blk, x):
    """Advance one APO block by one input; return the new value (NaN while warming up)."""
    s2 = int(blk[APO_S2])
    fast = sma_update(blk[APO_S1:s2], x)
    slow = sma_update(blk[s2 : int(blk[APO_END])], x)
    n = blk[H_COUNT] + 1.0
    out = fast - slow if n > blk[H_LOOKBACK] else np.nan
    blk[H_COUNT] = n
    blk[APO_OUT] = out
    return out


@jit(f8(F1, f8))
def apo_update_checked(blk, x):
    if not math.isfinite(x):
        raise ValueError("input is not finite")
    return apo_update(blk, x)


@jit(f8(F1, f8), nrt=True)
def apo_peek(blk, x):
    return apo_update(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def apo_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]`` for every i; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, x.shape[0], out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = apo_update(state[rows[i]], x[i])


@jit(i8(F1, F1, F1))
def apo_batch(blk, x, out):
    """Run a whole series through ``blk``; return the first non-finite index or -1.

    The two SMA sub-blocks are the state; the same update runs for every
    input, so the values are exactly those of streaming.
    """
    for i in range(x.shape[0]):
        xi = x[i]
        if not math.isfinite(xi):
            return i
        out[i] = apo_update(blk, xi)
    return -1


def apo_lookback(fast_period: int = 12, slow_period: int = 26) -> int:
    return slow_period - 1


def make_block(fast_period: int = 12, slow_period: int = 26) -> np.ndarray:
    b1, b2 = _sma_block(fast_period), _sma_block(slow_period)
    blk = np.concatenate([np.zeros(APO_S1), b1, b2])
    blk[H_LOOKBACK] = apo_lookback(fast_period, slow_period)
    blk[APO_OUT] = np.nan
    blk[APO_S2] = APO_S1 + b1.shape[0]
    blk[APO_END] = blk.shape[0]
    return blk


def apo(close, fast_period: int = 12, slow_period: int = 26) -> np.ndarray:
    """Absolute price oscillator: ``SMA(close, fast_period) - SMA(close, slow_period)``.

    Parameters
    ----------
    close : array_like
        Input series (any 1-D sequence of finite numbers).
    fast_period : int, default 12
        Fast SMA period in [1, 100000], smaller than ``slow_period``.
    slow_period : int, default 26
        Slow SMA period in [2, 100000].

    Returns
    -------
    numpy.ndarray
        Same length as ``close``; NaN before index ``slow_period - 1``.

    Examples
    --------
    >>> import ringta
    >>> ringta.apo([1.0, 2.0, 4.0, 8.0], fast_period=1, slow_period=2).tolist()
    [nan, 0.5, 1.0, 2.0]
    """
    return batch_call(SPEC, "apo", {"fast_period": fast_period, "slow_period": slow_period}, {"close": close})[0]


class APO(StreamingIndicator):
    """Streaming absolute price oscillator (see :func:`ringta.apo`).

    Examples
    --------
    >>> import ringta
    >>> a = ringta.APO(fast_period=1, slow_period=2)
    >>> [a.update(v) for v in (1.0, 2.0, 4.0)]
    [nan, 0.5, 1.0]
    """

    __slots__ = ()

    def __init__(self, fast_period: int = 12, slow_period: int = 26):
        self._setup(SPEC.validate("APO", fast_period=fast_period, slow_period=slow_period))

    def update(self, close: float) -> float:
        """Consume one input and return the new value (NaN while not ready)."""
        try:
            return apo_update_checked(self._blk, close)
        except (ValueError, TypeError):
            raise ValueError(f"APO.update: close={close!r} is not a finite number; state unchanged") from None


SPEC = KernelSpec(
    name="apo",
    title="Absolute Price Oscillator (SMA)",
    kind_id=26,
    type="momentum",
    inputs=("close",),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=apo_lookback,
    out_offset=APO_OUT,
    batch=apo,
    stream=APO,
    update_rows=apo_update_rows,
    batch_driver=apo_batch,
    peek_fn=apo_peek,
    check=check_fast_slow,
    key_params=("fast_period", "slow_period"),
)
APO.spec = SPEC
