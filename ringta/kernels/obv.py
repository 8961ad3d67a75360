"""OBV: on-balance volume.

Definition
    ``obv[0] = volume[0]``; afterwards volume is added when the close rises,
    subtracted when it falls, and ignored when it is unchanged.
Seed and warm-up
    Valid from the first bar (lookback 0), starting from the first volume as
    TA-Lib does (some platforms start from 0: subtract ``volume[0]``).
Inputs
    close, volume.
Outputs
    ``value``, in volume units (cumulative).
Reference
    TA-Lib ``OBV``.
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import F1, F2, I1, b1, f8, i8, entry, jit, void
from ._ring import H_COUNT, H_SIZE, check_rows, put_column
from ._spec import KernelSpec, StreamingIndicator, batch_call

OBV_PREV = H_SIZE
OBV_VALUE = H_SIZE + 1
OBV_OUT = H_SIZE + 2
OBV_WIDTH = H_SIZE + 3

PARAMS = ()


@jit(f8(f8, f8, f8, f8))
def _obv_step(obv, prev_close, close, volume):
    # Branch-free: the direction of a random walk is unpredictable, and
    # obv + volume * (+1, -1 or 0) rounds exactly as obv + volume, obv - volume or obv.
    sign = (close > prev_close) - (close < prev_close)
    return obv + volume * sign


@jit(f8(F1, f8, f8))
def obv_update(blk, close, volume):
    """Advance one OBV block by one bar; return the new value."""
    if blk[H_COUNT] == 0.0:
        v = volume
    else:
        v = _obv_step(blk[OBV_VALUE], blk[OBV_PREV], close, volume)
    blk[OBV_PREV] = close
    blk[OBV_VALUE] = v
    blk[OBV_OUT] = v
    blk[H_COUNT] += 1.0
    return v


@jit(f8(F1, f8, f8))
def obv_update_checked(blk, close, volume):
    if not (math.isfinite(close) and math.isfinite(volume) and volume >= 0.0):
        raise ValueError("input is not finite")
    return obv_update(blk, close, volume)


_obv_update_fast = entry(obv_update_checked)


@jit(f8(F1, f8, f8), nrt=True)
def obv_peek(blk, close, volume):
    return obv_update(blk.copy(), close, volume)


@jit(void(F2, I1, F1, F1, F2))
def obv_update_rows(state, rows, close, volume, out):
    """Advance ``state[rows[i]]`` by ``(close[i], volume[i])``; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, close.shape[0], out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = obv_update(state[rows[i]], close[i], volume[i])


@jit(b1(F2, i8, i8, F1, i8))
def obv_columns_ready(st, a, b, x, i0):
    """Whether columns ``a .. b-1`` of a column table all have a previous close."""
    n = st[H_COUNT, a:b]
    ok = True
    for k in range(b - a):
        ok &= n[k] > 0.0
    return ok


@jit(void(F2, i8, i8, F1, F1, i8, F2))
def obv_columns_step(st, a, b, close, volume, i0, out):
    """:func:`obv_update` after the first bar, for columns ``a .. b-1`` fed ``close[i0:]``, ``volume[i0:]``."""
    n = st[H_COUNT, a:b]
    prev = st[OBV_PREV, a:b]
    val = st[OBV_VALUE, a:b]
    res = st[OBV_OUT, a:b]
    cs = close[i0 : i0 + b - a]
    vs = volume[i0 : i0 + b - a]
    # Two loops of a few fields each: see bollinger.bbands_columns_step.
    for k in range(b - a):
        val[k] = _obv_step(val[k], prev[k], cs[k], vs[k])
        prev[k] = cs[k]
    for k in range(b - a):
        res[k] = val[k]
        n[k] = n[k] + 1.0
    put_column(out, i0, res)


@jit(i8(F1, F1, F1, F1))
def obv_batch(blk, close, volume, out):
    """Run whole series through ``blk``; return the first non-finite index or -1."""
    n = blk[H_COUNT]
    prev = blk[OBV_PREV]
    v = blk[OBV_VALUE]
    bad = -1
    for i in range(close.shape[0]):
        c = close[i]
        vol = volume[i]
        if not (math.isfinite(c) and math.isfinite(vol) and vol >= 0.0):
            bad = i
            break
        if n == 0.0:
            v = vol
        else:
            v = _obv_step(v, prev, c, vol)
        prev = c
        n += 1.0
        out[i] = v
    blk[H_COUNT] = n
    blk[OBV_PREV] = prev
    blk[OBV_VALUE] = v
    if n > 0.0:
        blk[OBV_OUT] = v
    return bad


def obv_lookback() -> int:
    return 0


def make_block() -> np.ndarray:
    blk = np.zeros(OBV_WIDTH)
    blk[OBV_OUT] = np.nan
    return blk


def obv(close, volume) -> np.ndarray:
    """On-balance volume of ``close`` and ``volume``.

    Parameters
    ----------
    close, volume : array_like
        Input series of equal length (finite numbers, volume >= 0).

    Returns
    -------
    numpy.ndarray
        Same length as the inputs; valid from index 0.

    Examples
    --------
    >>> import ringta
    >>> ringta.obv([10.0, 11.0, 10.5, 10.5], [100.0, 50.0, 30.0, 20.0]).tolist()
    [100.0, 150.0, 120.0, 120.0]
    """
    return batch_call(SPEC, "obv", {}, {"close": close, "volume": volume})[0]


class OBV(StreamingIndicator):
    """Streaming on-balance volume (see :func:`ringta.obv`).

    Examples
    --------
    >>> import ringta
    >>> o = ringta.OBV()
    >>> [o.update(c, v) for c, v in ((10.0, 100.0), (11.0, 50.0), (10.5, 30.0))]
    [100.0, 150.0, 120.0]
    """

    __slots__ = ()

    def __init__(self):
        self._setup(SPEC.validate("OBV"))

    def update(self, close: float, volume: float) -> float:
        """Consume one bar's close and volume; return the new value."""
        try:
            if type(close) is float and type(volume) is float:
                return _obv_update_fast(self._blk, close, volume)
            return obv_update_checked(self._blk, close, volume)  # converts numbers, refuses the rest
        except (ValueError, TypeError):
            raise ValueError(
                f"OBV.update: close={close!r}, volume={volume!r} must be finite and volume >= 0; state unchanged"
            ) from None


SPEC = KernelSpec(
    name="obv",
    title="On-Balance Volume",
    kind_id=6,
    type="volume",
    inputs=("close", "volume"),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=obv_lookback,
    out_offset=OBV_OUT,
    batch=obv,
    stream=OBV,
    update_rows=obv_update_rows,
    batch_driver=obv_batch,
    peek_fn=obv_peek,
)
OBV.spec = SPEC
