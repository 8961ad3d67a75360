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
from ._deque import first_nonfinite
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows, refill_ring, seq_sum
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call
from .sma import SMA_ACYC, SMA_CYC, SMA_INV, SMA_OUT, SMA_PERIOD, SMA_POS, SMA_RING, SMA_SUM, _sma_step, sma_update
from .sma import make_block as _sma_block

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


# Inputs per chunk of a batch run: one vectorised finiteness check per chunk,
# and the inner averages kept in a buffer of chunk + outer period floats.
_CHUNK = 4096


@jit(i8(F1, F1, F1, F1))
def _trima_run(blk, x, out, ib):
    """:func:`trima_batch` with its buffer of inner averages (``ib``) given.

    Apart from its caller, which allocates, so that the loops run without
    the reference counting of array views.
    """
    m = x.shape[0]
    s1 = TRIMA_S1
    s2 = int(blk[TRIMA_S2])
    n1 = int(blk[s1 + SMA_PERIOD])
    n2 = int(blk[s2 + SMA_PERIOD])
    h = 0
    while h < m and (h < n1 or blk[s2 + H_COUNT] < n2):
        xi = x[h]
        if not math.isfinite(xi):
            return h
        out[h] = trima_update(blk, xi)
        h += 1
    if h == m:
        return -1
    # Both SMAs are full: every value from here is valid.
    inv1 = blk[s1 + SMA_INV]
    inv2 = blk[s2 + SMA_INV]
    # Phases within the re-anchoring cycles (ring cycles * period + slot), as in sma_update.
    cl1 = int(blk[s1 + SMA_ACYC]) * n1
    cl2 = int(blk[s2 + SMA_ACYC]) * n2
    ph1_0 = int(blk[s1 + SMA_CYC]) * n1 + int(blk[s1 + SMA_POS])
    ph2_0 = int(blk[s2 + SMA_CYC]) * n2 + int(blk[s2 + SMA_POS])
    ph1 = ph1_0
    ph2 = ph2_0
    total1 = blk[s1 + SMA_SUM]
    total2 = blk[s2 + SMA_SUM]
    # ib[0 : n2] holds the last n2 inner averages before the chunk (oldest
    # first, as the outer ring holds them), ib[n2 + j] the one of input lo + j.
    r2 = s2 + SMA_RING
    pos2 = int(blk[s2 + SMA_POS])
    for i in range(n2):
        j = pos2 + i
        ib[i] = blk[r2 + (j if j < n2 else j - n2)]
    lo = h
    while lo < m:
        hi = min(m, lo + _CHUNK)
        bad = first_nonfinite(x, lo, hi)
        if bad >= 0:
            return bad
        nc = hi - lo
        j = 0
        while j < nc:
            # Plain steps up to the next exact recomputation of either sum,
            # on views indexed from 0 (no wraparound selects, no branches).
            e = min(nc, j + (cl1 - 1 - ph1), j + (cl2 - 1 - ph2))
            xn = x[lo + j : lo + e]
            xo = x[lo + j - n1 : lo + e - n1]
            bo = ib[j:e]
            bn = ib[n2 + j : n2 + e]
            on = out[lo + j : lo + e]
            for q in range(e - j):
                total1 = _sma_step(total1, xn[q], xo[q])
                inner = total1 * inv1
                bn[q] = inner
                total2 = _sma_step(total2, inner, bo[q])
                on[q] = total2 * inv2
            ph1 += e - j
            ph2 += e - j
            j = e
            if j < nc:
                k = lo + j
                if ph1 == cl1 - 1:
                    total1 = seq_sum(x, k - n1 + 1, n1)
                    ph1 = 0
                else:
                    total1 = _sma_step(total1, x[k], x[k - n1])
                    ph1 += 1
                inner = total1 * inv1
                ib[n2 + j] = inner
                if ph2 == cl2 - 1:
                    total2 = seq_sum(ib, j + 1, n2)
                    ph2 = 0
                else:
                    total2 = _sma_step(total2, inner, ib[j])
                    ph2 += 1
                out[k] = total2 * inv2
                j += 1
        for i in range(n2):
            ib[i] = ib[nc + i]
        lo = hi
    steps = m - h
    refill_ring(blk, s1 + SMA_RING, n1, ph1_0, x, h, m)
    pos2 = ph2 % n2
    for i in range(n2):
        j = pos2 + i
        blk[r2 + (j if j < n2 else j - n2)] = ib[i]
    blk[s1 + H_COUNT] += steps
    blk[s1 + SMA_SUM] = total1
    blk[s1 + SMA_POS] = ph1 % n1
    blk[s1 + SMA_CYC] = ph1 // n1
    blk[s1 + SMA_OUT] = ib[n2 - 1]
    blk[s2 + H_COUNT] += steps
    blk[s2 + SMA_SUM] = total2
    blk[s2 + SMA_POS] = pos2
    blk[s2 + SMA_CYC] = ph2 // n2
    blk[s2 + SMA_OUT] = out[m - 1]
    blk[H_COUNT] += steps
    blk[TRIMA_OUT] = out[m - 1]
    return -1


@jit(i8(F1, F1, F1), nrt=True)  # allocates the buffer of inner averages
def trima_batch(blk, x, out):
    """Run a whole series through ``blk``; return the first non-finite index or -1.

    Inputs go through :func:`trima_update` until both SMAs are full; after
    that both run on locals in one loop, with the same steps and exact
    recomputations as :func:`sma_update` (over the same values in the same
    order), the inner SMA's outgoing value read from ``x`` and the outer
    one's from a buffer of inner averages; both rings are refilled at the end.
    """
    n2 = int(blk[int(blk[TRIMA_S2]) + SMA_PERIOD])
    return _trima_run(blk, x, out, np.empty(n2 + _CHUNK))


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
