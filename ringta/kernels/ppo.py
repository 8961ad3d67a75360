"""PPO: percentage price oscillator (SMA form, TA-Lib's default).

Definition
    ``ppo = ((SMA(x, fast_period) - SMA(x, slow_period)) / SMA(x, slow_period)) * 100``
    in TA-Lib's order of operations, 0 when the slow SMA is exactly 0:
    TA-Lib's PPO with its default moving-average type (``matype=0``,
    simple). Other moving-average types are not offered.
Seed and warm-up
    First value at index ``slow_period - 1`` (TA-Lib's lookback); NaN before.
    Both SMAs are ringta's SMA kernel, kept as two sub-blocks of this block
    (window sums re-anchored about every 512 inputs).
Inputs
    one series (close by default).
Outputs
    ``value``, in percent.
Reference
    TA-Lib ``PPO(fastperiod, slowperiod, matype=0)``.
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call
from .sma import SMA_PERIOD
from .sma import make_block as _sma_block
from .sma import sma_update
from .apo import check_fast_slow, pair_run, pair_value

PPO_OUT = H_SIZE
PPO_S2 = H_SIZE + 1  # offset of the slow SMA's sub-block
PPO_END = H_SIZE + 2  # end of the slow sub-block
PPO_S1 = H_SIZE + 3  # the fast SMA's sub-block starts here

PARAMS = (
    Param("fast_period", int, 12, 1, MAX_PERIOD, doc="fast SMA period; must be smaller than slow_period"),
    Param("slow_period", int, 26, 2, MAX_PERIOD, doc="slow SMA period"),
)


@jit(f8(F1, f8))
def ppo_update(blk, x):
    """Advance one PPO block by one input; return the new value (NaN while warming up)."""
    s2 = int(blk[PPO_S2])
    fast = sma_update(blk[PPO_S1:s2], x)
    slow = sma_update(blk[s2 : int(blk[PPO_END])], x)
    n = blk[H_COUNT] + 1.0
    out = pair_value(fast, slow, True) if n > blk[H_LOOKBACK] else np.nan
    blk[H_COUNT] = n
    blk[PPO_OUT] = out
    return out


@jit(f8(F1, f8))
def ppo_update_checked(blk, x):
    if not math.isfinite(x):
        raise ValueError("input is not finite")
    return ppo_update(blk, x)


@jit(f8(F1, f8), nrt=True)
def ppo_peek(blk, x):
    return ppo_update(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def ppo_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]`` for every i; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, x.shape[0], out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = ppo_update(state[rows[i]], x[i])


@jit(i8(F1, F1, F1))
def ppo_batch(blk, x, out):
    """Run a whole series through ``blk``; return the first non-finite index or -1.

    The first ``slow_period`` inputs go through :func:`ppo_update` (filling
    both rings); the steady state is APO's :func:`~ringta.kernels.apo.pair_run`,
    which performs the same operations as streaming, so the values are
    exactly those of streaming.
    """
    s2 = int(blk[PPO_S2])
    head = min(x.shape[0], int(blk[s2 + SMA_PERIOD]))
    for i in range(head):
        xi = x[i]
        if not math.isfinite(xi):
            return i
        out[i] = ppo_update(blk, xi)
    return pair_run(blk, PPO_S1, s2, PPO_OUT, x, out, head, True)


def ppo_lookback(fast_period: int = 12, slow_period: int = 26) -> int:
    return slow_period - 1


def make_block(fast_period: int = 12, slow_period: int = 26) -> np.ndarray:
    b1, b2 = _sma_block(fast_period), _sma_block(slow_period)
    blk = np.concatenate([np.zeros(PPO_S1), b1, b2])
    blk[H_LOOKBACK] = ppo_lookback(fast_period, slow_period)
    blk[PPO_OUT] = np.nan
    blk[PPO_S2] = PPO_S1 + b1.shape[0]
    blk[PPO_END] = blk.shape[0]
    return blk


def ppo(close, fast_period: int = 12, slow_period: int = 26) -> np.ndarray:
    """Percentage price oscillator: ``(SMA(close, fast) - SMA(close, slow)) / SMA(close, slow) * 100``.

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
    >>> ringta.ppo([1.0, 2.0, 4.0, 8.0], fast_period=1, slow_period=2).tolist()
    [nan, 33.33333333333333, 33.33333333333333, 33.33333333333333]
    """
    return batch_call(SPEC, "ppo", {"fast_period": fast_period, "slow_period": slow_period}, {"close": close})[0]


class PPO(StreamingIndicator):
    """Streaming percentage price oscillator (see :func:`ringta.ppo`).

    Examples
    --------
    >>> import ringta
    >>> a = ringta.PPO(fast_period=1, slow_period=2)
    >>> [a.update(v) for v in (1.0, 2.0, 4.0)]
    [nan, 33.33333333333333, 33.33333333333333]
    """

    __slots__ = ()

    def __init__(self, fast_period: int = 12, slow_period: int = 26):
        self._setup(SPEC.validate("PPO", fast_period=fast_period, slow_period=slow_period))

    def update(self, close: float) -> float:
        """Consume one input and return the new value (NaN while not ready)."""
        try:
            return ppo_update_checked(self._blk, close)
        except (ValueError, TypeError):
            raise ValueError(f"PPO.update: close={close!r} is not a finite number; state unchanged") from None


SPEC = KernelSpec(
    name="ppo",
    title="Percentage Price Oscillator (SMA)",
    kind_id=27,
    type="momentum",
    inputs=("close",),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=ppo_lookback,
    out_offset=PPO_OUT,
    batch=ppo,
    stream=PPO,
    update_rows=ppo_update_rows,
    batch_driver=ppo_batch,
    peek_fn=ppo_peek,
    check=check_fast_slow,
    key_params=("fast_period", "slow_period"),
)
PPO.spec = SPEC
