"""AD: Chaikin accumulation/distribution line.

Definition
    ``ad[t] = ad[t-1] + ((close - low) - (high - close)) / (high - low) * volume``,
    starting from 0 before the first bar; a bar with ``high <= low`` adds
    0. The same operations as TA-Lib, in its order, so the values are equal
    to TA-Lib's bit for bit.
Seed and warm-up
    Valid from the first bar (lookback 0).
Inputs
    high, low, close, volume.
Outputs
    ``value``, in volume units (cumulative).
Reference
    TA-Lib ``AD``.
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import F1, F2, I1, b1, f8, i8, jit, void
from ._ring import H_COUNT, H_SIZE, check_rows
from ._spec import KernelSpec, StreamingIndicator, batch_call

AD_VALUE = H_SIZE
AD_OUT = H_SIZE + 1
AD_WIDTH = H_SIZE + 2

PARAMS = ()


# Bars per chunk of a batch run: the per-bar terms of a chunk are computed in
# one vectorised pass (the division dominates it) and then summed while they
# are still in L1. 64 to 256 measure the same.
AD_CHUNK = 128


@jit(f8(f8, f8, f8, f8))
def ad_term(high, low, close, volume):
    """One bar's money-flow volume (TA-Lib's CALCULATE_AD term), 0 when ``high <= low``.

    The quotient is computed unconditionally and then selected, so that a
    loop over many bars has no branch and vectorises (a division by 0 gives
    inf or NaN here, never an exception, and is discarded).
    """
    rng = high - low
    q = (((close - low) - (high - close)) / rng) * volume
    return q if rng > 0.0 else 0.0


@jit(f8(f8, f8, f8, f8, f8))
def _ad_step(ad, high, low, close, volume):
    """Add one bar's money-flow volume to the running sum."""
    return ad + ad_term(high, low, close, volume)


@jit(b1(F1, F1, F1, F1, F1, i8, i8), inline=True)
def ad_terms(high, low, close, volume, out, lo, hi):
    """Write :func:`ad_term` of bars ``lo:hi`` to ``out[lo:hi]``; False if one of them is bad.

    Bad means non-finite or a negative volume; the test is folded into the
    same branch-free pass (``x - x`` is 0 only for a finite ``x``). Indices
    are unsigned so that the compiler knows they are not negative and
    vectorises with plain loads.
    """
    ok = True
    for k in range(np.uint64(lo), np.uint64(hi)):
        h = high[k]
        lo_k = low[k]
        c = close[k]
        vol = volume[k]
        ok &= (((h - h) + (lo_k - lo_k)) + ((c - c) + (vol - vol)) == 0.0) & (vol >= 0.0)
        out[k] = ad_term(h, lo_k, c, vol)
    return ok


@jit(i8(F1, F1, F1, F1, i8, i8))
def first_bad_bar(high, low, close, volume, lo, hi):
    """Index of the first bar of ``lo:hi`` with a non-finite input or a negative volume, or -1."""
    for i in range(lo, hi):
        vol = volume[i]
        if not (math.isfinite(high[i]) and math.isfinite(low[i]) and math.isfinite(close[i])
                and math.isfinite(vol) and vol >= 0.0):
            return i
    return -1


@jit(f8(F1, f8, f8, f8, f8))
def ad_update(blk, high, low, close, volume):
    """Advance one AD block by one bar; return the new value."""
    v = _ad_step(blk[AD_VALUE], high, low, close, volume)
    blk[AD_VALUE] = v
    blk[AD_OUT] = v
    blk[H_COUNT] += 1.0
    return v


@jit(f8(F1, f8, f8, f8, f8))
def ad_update_checked(blk, high, low, close, volume):
    if not (math.isfinite(high) and math.isfinite(low) and math.isfinite(close)
            and math.isfinite(volume) and volume >= 0.0):
        raise ValueError("input is not finite")
    return ad_update(blk, high, low, close, volume)


@jit(f8(F1, f8, f8, f8, f8), nrt=True)
def ad_peek(blk, high, low, close, volume):
    return ad_update(blk.copy(), high, low, close, volume)


@jit(void(F2, I1, F1, F1, F1, F1, F2))
def ad_update_rows(state, rows, high, low, close, volume, out):
    """Advance ``state[rows[i]]`` by bar ``i`` of the inputs; write values to ``out[i, 0]``."""
    n_in = min(min(high.shape[0], low.shape[0]), min(close.shape[0], volume.shape[0]))
    check_rows(state.shape[0], rows, n_in, out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = ad_update(state[rows[i]], high[i], low[i], close[i], volume[i])


@jit(i8(F1, F1, F1, F1, F1, F1))
def ad_batch(blk, high, low, close, volume, out):
    """Run whole series through ``blk``; return the first bad index (non-finite, negative volume) or -1.

    Chunk by chunk: the per-bar terms go to ``out`` in one vectorised pass
    (:func:`ad_terms`), then the running sum replaces them, adding the same
    terms in the same order as streaming.
    """
    m = close.shape[0]
    v = blk[AD_VALUE]
    bad = -1
    end = m
    for lo in range(0, m, AD_CHUNK):
        hi = min(m, lo + AD_CHUNK)
        if not ad_terms(high, low, close, volume, out, lo, hi):
            bad = first_bad_bar(high, low, close, volume, lo, hi)
            if bad >= 0:
                hi = bad
                end = bad
        for k in range(np.uint64(lo), np.uint64(hi)):
            v = v + out[k]
            out[k] = v
        if bad >= 0:
            break
    if end > 0:
        blk[H_COUNT] += end
        blk[AD_VALUE] = v
        blk[AD_OUT] = v
    return bad


def ad_lookback() -> int:
    return 0


def make_block() -> np.ndarray:
    blk = np.zeros(AD_WIDTH)
    blk[AD_OUT] = np.nan
    return blk


def ad(high, low, close, volume) -> np.ndarray:
    """Chaikin accumulation/distribution line.

    Parameters
    ----------
    high, low, close, volume : array_like
        Input series of equal length (finite numbers, volume >= 0).

    Returns
    -------
    numpy.ndarray
        Same length as the inputs; valid from index 0.

    Examples
    --------
    >>> import ringta
    >>> ringta.ad([12.0, 12.0, 11.0], [10.0, 11.0, 11.0], [11.5, 11.0, 11.0], [100.0, 40.0, 70.0]).tolist()
    [50.0, 10.0, 10.0]
    """
    return batch_call(SPEC, "ad", {}, {"high": high, "low": low, "close": close, "volume": volume})[0]


class AD(StreamingIndicator):
    """Streaming Chaikin accumulation/distribution line (see :func:`ringta.ad`).

    Examples
    --------
    >>> import ringta
    >>> a = ringta.AD()
    >>> [a.update(h, l, c, v) for h, l, c, v in ((12.0, 10.0, 11.5, 100.0), (12.0, 11.0, 11.0, 40.0))]
    [50.0, 10.0]
    """

    __slots__ = ()

    def __init__(self):
        self._setup(SPEC.validate("AD"))

    def update(self, high: float, low: float, close: float, volume: float) -> float:
        """Consume one bar's high, low, close and volume; return the new value."""
        try:
            return ad_update_checked(self._blk, high, low, close, volume)
        except (ValueError, TypeError):
            raise ValueError(
                f"AD.update: high={high!r}, low={low!r}, close={close!r}, volume={volume!r} must be finite "
                "and volume >= 0; state unchanged"
            ) from None


SPEC = KernelSpec(
    name="ad",
    title="Chaikin Accumulation/Distribution Line",
    kind_id=18,
    type="volume",
    inputs=("high", "low", "close", "volume"),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=ad_lookback,
    out_offset=AD_OUT,
    batch=ad,
    stream=AD,
    update_rows=ad_update_rows,
    batch_driver=ad_batch,
    peek_fn=ad_peek,
)
AD.spec = SPEC
