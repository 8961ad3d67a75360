"""ROC: rate of change.

Definition
    ``roc[t] = (x[t] / x[t-period] - 1) * 100`` in TA-Lib's order of
    operations; 0 when ``x[t-period]`` is exactly 0, as in TA-Lib.
Seed and warm-up
    First value at index ``period`` (TA-Lib's lookback); NaN before. The last
    ``period`` inputs are kept in the block's ring.
Inputs
    one series (close by default).
Outputs
    ``value``, in percent.
Reference
    TA-Lib ``ROC`` (the same operations on the same operands, so equal bit for bit).
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows, lag_finish
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call

ROC_PERIOD = H_SIZE
ROC_POS = H_SIZE + 1  # ring slot of the next input (holds the input of ``period`` bars ago)
ROC_OUT = H_SIZE + 2
ROC_RING = H_SIZE + 3

PARAMS = (Param("period", int, 10, 1, MAX_PERIOD, doc="distance in bars"),)


@jit(f8(f8, f8))
def _roc_step(x, old):
    if old == 0.0:
        return 0.0
    return ((x / old) - 1.0) * 100.0


@jit(f8(F1, f8))
def roc_update(blk, x):
    """Advance one ROC block by one input; return the new value (NaN while warming up)."""
    n = blk[H_COUNT]
    pos = int(blk[ROC_POS])
    slot = ROC_RING + pos
    old = blk[slot]
    blk[slot] = x
    pos += 1
    if pos == blk[ROC_PERIOD]:
        pos = 0
    blk[ROC_POS] = pos
    out = _roc_step(x, old) if n >= blk[H_LOOKBACK] else np.nan
    blk[H_COUNT] = n + 1.0
    blk[ROC_OUT] = out
    return out


@jit(f8(F1, f8))
def roc_update_checked(blk, x):
    if not math.isfinite(x):
        raise ValueError("input is not finite")
    return roc_update(blk, x)


@jit(f8(F1, f8), nrt=True)
def roc_peek(blk, x):
    return roc_update(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def roc_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]`` for every i; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, x.shape[0], out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = roc_update(state[rows[i]], x[i])


@jit(i8(F1, F1, F1))
def roc_batch(blk, x, out):
    """Run a whole series through ``blk``; return the first non-finite index or -1.

    The first ``period`` inputs go through :func:`roc_update` (they meet the
    ring's contents); after that the outgoing value is ``x[i - period]``
    itself, so the loop has no loads or stores through the block and
    vectorises, and the ring is refilled with the last inputs at the end, as
    streaming leaves it.
    """
    m = x.shape[0]
    ip = int(blk[ROC_PERIOD])
    head = min(m, ip)
    for i in range(head):
        xi = x[i]
        if not math.isfinite(xi):
            return i
        out[i] = roc_update(blk, xi)
    if head == m:
        return -1
    # From here the count exceeds the lookback (``period``): every value is valid.
    # Views indexed from 0, so that the compiler sees non-negative indices
    # (no wraparound selects) and vectorises.
    xn = x[ip:]
    xo = x[: m - ip]
    on = out[ip:]
    ok = True
    for i in range(m - ip):
        xi = xn[i]
        ok &= (xi - xi) == 0.0  # 0 for a finite value, NaN otherwise: a branch-free check
        on[i] = _roc_step(xi, xo[i])
    return lag_finish(blk, ROC_POS, ROC_OUT, ROC_RING, ip, x, out, ok)


def roc_lookback(period: int = 10) -> int:
    return period


def make_block(period: int = 10) -> np.ndarray:
    blk = np.zeros(ROC_RING + period)
    blk[H_LOOKBACK] = roc_lookback(period)
    blk[ROC_PERIOD] = period
    blk[ROC_OUT] = np.nan
    return blk


def roc(close, period: int = 10) -> np.ndarray:
    """Rate of change in percent: ``(close[t] / close[t - period] - 1) * 100``.

    Parameters
    ----------
    close : array_like
        Input series (any 1-D sequence of finite numbers).
    period : int, default 10
        Distance in bars, in [1, 100000] (TA-Lib's ``timeperiod``).

    Returns
    -------
    numpy.ndarray
        Same length as ``close``; NaN before index ``period``.

    Examples
    --------
    >>> import ringta
    >>> ringta.roc([1.0, 2.0, 4.0, 7.0], period=2).tolist()
    [nan, nan, 300.0, 250.0]
    """
    return batch_call(SPEC, "roc", {"period": period}, {"close": close})[0]


class ROC(StreamingIndicator):
    """Streaming rate of change (see :func:`ringta.roc`).

    Examples
    --------
    >>> import ringta
    >>> m = ringta.ROC(period=2)
    >>> [m.update(v) for v in (1.0, 2.0, 4.0, 7.0)]
    [nan, nan, 300.0, 250.0]
    """

    __slots__ = ()

    def __init__(self, period: int = 10):
        self._setup(SPEC.validate("ROC", period=period))

    def update(self, close: float) -> float:
        """Consume one input and return the new value (NaN while not ready)."""
        try:
            return roc_update_checked(self._blk, close)
        except (ValueError, TypeError):
            raise ValueError(f"ROC.update: close={close!r} is not a finite number; state unchanged") from None


SPEC = KernelSpec(
    name="roc",
    title="Rate of Change",
    kind_id=11,
    type="momentum",
    inputs=("close",),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=roc_lookback,
    out_offset=ROC_OUT,
    batch=roc,
    stream=ROC,
    update_rows=roc_update_rows,
    batch_driver=roc_batch,
    peek_fn=roc_peek,
    key_params=("period",),
)
ROC.spec = SPEC
