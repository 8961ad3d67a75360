"""STDDEV: standard deviation over a window (population, ddof=0), times ``nbdev``.

Definition
    ``stddev[t] = sqrt(var[t]) * nbdev`` with ``var`` the population variance
    of the last ``period`` inputs (see :mod:`ringta.kernels.var`); 0 for a
    window of identical inputs.
Seed and warm-up
    First value at index ``period - 1`` (TA-Lib's lookback); NaN before.
    Same window numerics as VAR and Bollinger Bands (sliding Welford on
    shifted values, exact re-anchoring), so the deviation stays close to an
    exact two-pass computation at any price level; TA-Lib's
    ``E[x**2] - E[x]**2`` does not.
Inputs
    one series (close by default).
Outputs
    ``value``, in price units.
Reference
    TA-Lib ``STDDEV``.
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call
from .var import VAR_OUT, VAR_SCALE, _stddev_value, _var_core, var_run
from .var import make_block as _var_block

STDDEV_OUT = VAR_OUT

PARAMS = (
    Param("period", int, 5, 2, MAX_PERIOD, doc="window length"),
    Param("nbdev", float, 1.0, 0.0, 1000.0, doc="multiplier of the standard deviation"),
)


@jit(f8(F1, f8))
def stddev_update(blk, x):
    """Advance one STDDEV block by one input; return the new value (NaN while warming up)."""
    v = _var_core(blk, x)
    out = _stddev_value(v, blk[VAR_SCALE]) if blk[H_COUNT] > blk[H_LOOKBACK] else np.nan
    blk[STDDEV_OUT] = out
    return out


@jit(f8(F1, f8))
def stddev_update_checked(blk, x):
    if not math.isfinite(x):
        raise ValueError("input is not finite")
    return stddev_update(blk, x)


@jit(f8(F1, f8), nrt=True)
def stddev_peek(blk, x):
    return stddev_update(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def stddev_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]`` for every i; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, x.shape[0], out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = stddev_update(state[rows[i]], x[i])


@jit(i8(F1, F1, F1))
def stddev_batch(blk, x, out):
    """Run a whole series through ``blk``; return the first non-finite index or -1.

    VAR's batch run (:func:`ringta.kernels.var.var_run`) with the square
    roots taken in one vectorised pass per chunk.
    """
    return var_run(blk, x, out, True)


def stddev_lookback(period: int = 5, nbdev: float = 1.0) -> int:
    return period - 1


def make_block(period: int = 5, nbdev: float = 1.0) -> np.ndarray:
    return _var_block(period, nbdev)


def stddev(close, period: int = 5, nbdev: float = 1.0) -> np.ndarray:
    """Population standard deviation (ddof=0) of ``close`` over ``period`` inputs, times ``nbdev``.

    Parameters
    ----------
    close : array_like
        Input series (any 1-D sequence of finite numbers).
    period : int, default 5
        Window length in [2, 100000] (TA-Lib's ``timeperiod``).
    nbdev : float, default 1.0
        Multiplier in [0, 1000] (TA-Lib's ``nbdev``).

    Returns
    -------
    numpy.ndarray
        Same length as ``close``; NaN before index ``period - 1``.

    Examples
    --------
    >>> import ringta
    >>> ringta.stddev([1.0, 3.0, 5.0, 5.0], period=2, nbdev=2.0).tolist()
    [nan, 2.0, 2.0, 0.0]
    """
    return batch_call(SPEC, "stddev", {"period": period, "nbdev": nbdev}, {"close": close})[0]


class STDDEV(StreamingIndicator):
    """Streaming standard deviation over a window (see :func:`ringta.stddev`).

    Examples
    --------
    >>> import ringta
    >>> s = ringta.STDDEV(period=2)
    >>> [s.update(x) for x in (1.0, 3.0, 5.0, 5.0)]
    [nan, 1.0, 1.0, 0.0]
    """

    __slots__ = ()

    def __init__(self, period: int = 5, nbdev: float = 1.0):
        self._setup(SPEC.validate("STDDEV", period=period, nbdev=nbdev))

    def update(self, close: float) -> float:
        """Consume one input and return the new value (NaN while not ready)."""
        try:
            return stddev_update_checked(self._blk, close)
        except (ValueError, TypeError):
            raise ValueError(f"STDDEV.update: close={close!r} is not a finite number; state unchanged") from None


SPEC = KernelSpec(
    name="stddev",
    title="Standard Deviation (population)",
    kind_id=17,
    type="volatility",
    inputs=("close",),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=stddev_lookback,
    out_offset=STDDEV_OUT,
    batch=stddev,
    stream=STDDEV,
    update_rows=stddev_update_rows,
    batch_driver=stddev_batch,
    peek_fn=stddev_peek,
    key_params=("period", "nbdev"),
)
STDDEV.spec = SPEC
