"""MOM: momentum.

Definition
    ``mom[t] = x[t] - x[t-period]``.
Seed and warm-up
    First value at index ``period`` (TA-Lib's lookback); NaN before. The last
    ``period`` inputs are kept in the block's ring.
Inputs
    one series (close by default).
Outputs
    ``value``, in price units.
Reference
    TA-Lib ``MOM`` (one subtraction of the same operands, so equal bit for bit).
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows, lag_finish
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call

MOM_PERIOD = H_SIZE
MOM_POS = H_SIZE + 1  # ring slot of the next input (holds the input of ``period`` bars ago)
MOM_OUT = H_SIZE + 2
MOM_RING = H_SIZE + 3

PARAMS = (Param("period", int, 10, 1, MAX_PERIOD, doc="distance in bars"),)


@jit(f8(f8, f8))
def _mom_step(x, old):
    return x - old


@jit(f8(F1, f8))
def mom_update(blk, x):
    """Advance one MOM block by one input; return the new value (NaN while warming up)."""
    n = blk[H_COUNT]
    pos = int(blk[MOM_POS])
    slot = MOM_RING + pos
    old = blk[slot]
    blk[slot] = x
    pos += 1
    if pos == blk[MOM_PERIOD]:
        pos = 0
    blk[MOM_POS] = pos
    out = _mom_step(x, old) if n >= blk[H_LOOKBACK] else np.nan
    blk[H_COUNT] = n + 1.0
    blk[MOM_OUT] = out
    return out


@jit(f8(F1, f8))
def mom_update_checked(blk, x):
    if not math.isfinite(x):
        raise ValueError("input is not finite")
    return mom_update(blk, x)


@jit(f8(F1, f8), nrt=True)
def mom_peek(blk, x):
    return mom_update(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def mom_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]`` for every i; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, x.shape[0], out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = mom_update(state[rows[i]], x[i])


@jit(i8(F1, F1, F1))
def mom_batch(blk, x, out):
    """Run a whole series through ``blk``; return the first non-finite index or -1.

    The first ``period`` inputs go through :func:`mom_update` (they meet the
    ring's contents); after that the outgoing value is ``x[i - period]``
    itself, so the loop is a plain vectorisable subtraction, and the ring is
    refilled with the last inputs at the end, as streaming leaves it.
    """
    m = x.shape[0]
    ip = int(blk[MOM_PERIOD])
    head = min(m, ip)
    for i in range(head):
        xi = x[i]
        if not math.isfinite(xi):
            return i
        out[i] = mom_update(blk, xi)
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
        on[i] = _mom_step(xi, xo[i])
    return lag_finish(blk, MOM_POS, MOM_OUT, MOM_RING, ip, x, out, ok)


def mom_lookback(period: int = 10) -> int:
    return period


def make_block(period: int = 10) -> np.ndarray:
    blk = np.zeros(MOM_RING + period)
    blk[H_LOOKBACK] = mom_lookback(period)
    blk[MOM_PERIOD] = period
    blk[MOM_OUT] = np.nan
    return blk


def mom(close, period: int = 10) -> np.ndarray:
    """Momentum: ``close[t] - close[t - period]``.

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
    >>> ringta.mom([1.0, 2.0, 4.0, 7.0], period=2).tolist()
    [nan, nan, 3.0, 5.0]
    """
    return batch_call(SPEC, "mom", {"period": period}, {"close": close})[0]


class MOM(StreamingIndicator):
    """Streaming momentum (see :func:`ringta.mom`).

    Examples
    --------
    >>> import ringta
    >>> m = ringta.MOM(period=2)
    >>> [m.update(v) for v in (1.0, 2.0, 4.0, 7.0)]
    [nan, nan, 3.0, 5.0]
    """

    __slots__ = ()

    def __init__(self, period: int = 10):
        self._setup(SPEC.validate("MOM", period=period))

    def update(self, close: float) -> float:
        """Consume one input and return the new value (NaN while not ready)."""
        try:
            return mom_update_checked(self._blk, close)
        except (ValueError, TypeError):
            raise ValueError(f"MOM.update: close={close!r} is not a finite number; state unchanged") from None


SPEC = KernelSpec(
    name="mom",
    title="Momentum",
    kind_id=10,
    type="momentum",
    inputs=("close",),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=mom_lookback,
    out_offset=MOM_OUT,
    batch=mom,
    stream=MOM,
    update_rows=mom_update_rows,
    batch_driver=mom_batch,
    peek_fn=mom_peek,
    key_params=("period",),
)
MOM.spec = SPEC
