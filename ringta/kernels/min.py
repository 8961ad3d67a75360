"""MIN: lowest value over a window.

Definition
    ``min[t] = min(x[t-period+1], ..., x[t])``.
Seed and warm-up
    First value at index ``period - 1`` (TA-Lib's lookback); NaN before.
    A van Herk / Gil-Werman window extreme in the block (see
    :mod:`ringta.kernels._deque`) gives the window minimum in amortised O(1)
    per input, branch-free, whatever the data; the value is an input, so it
    is exact.
Inputs
    one series (close by default).
Outputs
    ``value``, in the input's units.
Reference
    TA-Lib ``MIN`` (equal bit for bit).
"""

from __future__ import annotations

import math

import numpy as np

from ._deque import deque_push, deque_width, first_nonfinite, scratch_width, window_run
from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call

MIN_PERIOD_F = H_SIZE
MIN_OUT = H_SIZE + 1
MIN_DEQUE = H_SIZE + 2

PARAMS = (Param("period", int, 30, 2, MAX_PERIOD, doc="window length"),)
IS_MAX = False


@jit(f8(F1, f8), inline=True)
def _min_step(blk, x):
    """The body of :func:`min_update`, inlined into its compiled callers (no call per row)."""
    n = blk[H_COUNT]
    ext = deque_push(blk, MIN_DEQUE, int(blk[MIN_PERIOD_F]), n, x, IS_MAX)
    n += 1.0
    out = ext if n > blk[H_LOOKBACK] else np.nan
    blk[H_COUNT] = n
    blk[MIN_OUT] = out
    return out


@jit(f8(F1, f8))
def min_update(blk, x):
    """Advance one MIN block by one input; return the new value (NaN while warming up)."""
    return _min_step(blk, x)


@jit(f8(F1, f8))
def min_update_checked(blk, x):
    if not math.isfinite(x):
        raise ValueError("input is not finite")
    return _min_step(blk, x)


@jit(f8(F1, f8), nrt=True)
def min_peek(blk, x):
    return _min_step(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def min_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]`` for every i; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, x.shape[0], out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = _min_step(state[rows[i]], x[i])


@jit(i8(F1, F1, F1), nrt=True)  # allocates its scratch buffers
def min_batch(blk, x, out):
    """Run a whole series through ``blk``; return the first non-finite index or -1.

    :func:`~ringta.kernels._deque.window_run` pushes the inputs exactly as
    :func:`min_update` does (same comparisons, same final block) but runs
    whole blocks of ``period`` inputs as two branch-free passes.
    """
    cap = int(blk[MIN_PERIOD_F])
    n = blk[H_COUNT]
    bad = first_nonfinite(x, 0, x.shape[0])
    end = x.shape[0] if bad < 0 else bad
    if end > 0:
        window_run(blk, MIN_DEQUE, cap, n, x, 0, end, IS_MAX, out, 0, np.empty(scratch_width(cap)))
        warm = int(blk[H_LOOKBACK] - n)  # inputs before the first valid value
        for i in range(end if end < warm else warm):  # not min(): this module's min is the public function
            out[i] = np.nan
        blk[H_COUNT] = n + end
        blk[MIN_OUT] = out[end - 1]
    return bad


def min_lookback(period: int = 30) -> int:
    return period - 1


def make_block(period: int = 30) -> np.ndarray:
    blk = np.zeros(MIN_DEQUE + deque_width(period))
    blk[H_LOOKBACK] = min_lookback(period)
    blk[MIN_PERIOD_F] = period
    blk[MIN_OUT] = np.nan
    return blk


def min(close, period: int = 30) -> np.ndarray:  # noqa: A001 - TA-Lib's name
    """Lowest value of ``close`` over the last ``period`` inputs.

    Parameters
    ----------
    close : array_like
        Input series (any 1-D sequence of finite numbers).
    period : int, default 30
        Window length in [2, 100000] (TA-Lib's ``timeperiod``).

    Returns
    -------
    numpy.ndarray
        Same length as ``close``; NaN before index ``period - 1``.

    Examples
    --------
    >>> import ringta
    >>> ringta.min([3.0, 1.0, 2.0, 5.0, 4.0], period=3).tolist()
    [nan, nan, 1.0, 1.0, 2.0]
    """
    return batch_call(SPEC, "min", {"period": period}, {"close": close})[0]


class MIN(StreamingIndicator):
    """Streaming lowest value over a window (see :func:`ringta.min`).

    Examples
    --------
    >>> import ringta
    >>> m = ringta.MIN(period=2)
    >>> [m.update(v) for v in (3.0, 1.0, 2.0, 5.0)]
    [nan, 1.0, 1.0, 2.0]
    """

    __slots__ = ()

    def __init__(self, period: int = 30):
        self._setup(SPEC.validate("MIN", period=period))

    def update(self, close: float) -> float:
        """Consume one input and return the new value (NaN while not ready)."""
        try:
            return min_update_checked(self._blk, close)
        except (ValueError, TypeError):
            raise ValueError(f"MIN.update: close={close!r} is not a finite number; state unchanged") from None


SPEC = KernelSpec(
    name="min",
    title="Lowest Value Over a Window",
    kind_id=15,
    type="trend",
    inputs=("close",),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=min_lookback,
    out_offset=MIN_OUT,
    batch=min,
    stream=MIN,
    update_rows=min_update_rows,
    batch_driver=min_batch,
    peek_fn=min_peek,
    key_params=("period",),
)
MIN.spec = SPEC
