"""STOCH: slow stochastic oscillator.

Definition
    ``fastk = ((close - LL) / (HH - LL)) * 100`` with ``HH``/``LL`` the
    highest high and lowest low of the last ``fastk_period`` bars, in
    TA-Lib's order of operations; 0 for a flat window, which TA-Lib 0.8
    takes to be ``HH - LL <= 2e-14 * max(|HH|, |LL|)`` (found by probing
    ``talib.STOCH``: a range of 90 units in the last place of 1.0 gives 0,
    91 give a ratio), not only ``HH == LL``. fastk equals TA-Lib's bit for
    bit;
    ``slowk = SMA(fastk, slowk_period)``;
    ``slowd = SMA(slowk, slowd_period)``.
    Both smoothings are simple moving averages (TA-Lib's default
    ``slowk_matype=0``, ``slowd_matype=0``); other moving-average types are
    not offered.
Seed and warm-up
    Both outputs start at index
    ``(fastk_period - 1) + (slowk_period - 1) + (slowd_period - 1)``
    (TA-Lib's lookback); NaN before, for ``slowk`` too, as TA-Lib emits both
    outputs only from there. ``HH`` and ``LL`` come from two window
    extremes in the block (amortised O(1) per bar), as in STOCHF; each SMA is
    ringta's SMA kernel kept as a sub-block (re-anchored sums).
Inputs
    high, low, close.
Outputs
    ``slowk``, ``slowd``, on a 0-100 scale.
Reference
    TA-Lib ``STOCH(fastk_period, slowk_period, slowk_matype=0, slowd_period,
    slowd_matype=0)``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from ._deque import deque_push, deque_width, first_nonfinite
from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call
from .sma import make_block as _sma_block
from .stochf import fastk_run
from .sma import sma_batch, sma_update

T2 = nb.types.UniTuple(nb.float64, 2)

STOCH_KP = H_SIZE  # fastk_period
STOCH_OUT = H_SIZE + 1  # slowk, slowd
STOCH_SK = H_SIZE + 3  # offset of the slowk SMA sub-block
STOCH_SD = H_SIZE + 4  # end of the slowk SMA sub-block = offset of the slowd SMA sub-block
STOCH_END = H_SIZE + 5  # end of the slowd SMA sub-block
STOCH_HIGHS = H_SIZE + 6  # deque of highs; the lows' deque follows it, then the two SMA sub-blocks

# Relative width below which TA-Lib 0.8 treats the window as flat (fastk 0).
FLAT_RTOL = 2e-14

PARAMS = (
    Param("fastk_period", int, 5, 1, MAX_PERIOD, doc="window of the highest high and lowest low"),
    Param("slowk_period", int, 3, 1, MAX_PERIOD, doc="SMA period of slowk (smoothing of fastk)"),
    Param("slowd_period", int, 3, 1, MAX_PERIOD, doc="SMA period of slowd (smoothing of slowk)"),
)


class StochResult(NamedTuple):
    """Slow %K and %D, 0-100 (floats, or arrays from :func:`stoch`).

    Examples
    --------
    >>> StochResult(80.0, 75.0).slowd
    75.0
    """

    slowk: float
    slowd: float


@jit(f8(f8, f8, f8), inline=True)
def _fastk(highest, lowest, close):
    diff = highest - lowest
    v = ((close - lowest) / diff) * 100.0  # inf or NaN for a flat window (no exception: error_model="numpy")
    flat = diff <= FLAT_RTOL * max(abs(highest), abs(lowest))
    return 0.0 if flat else v  # a select, not a branch: the batch loop vectorises


@jit(f8(f8, f8, f8))
def stoch_fastk(highest, lowest, close):
    """TA-Lib 0.8's fast %K: ``((close - lowest) / (highest - lowest)) * 100``, 0 for a flat window."""
    return _fastk(highest, lowest, close)


@jit(T2(F1, f8, f8, f8))
def stoch_update(blk, high, low, close):
    """Advance one STOCH block by one bar; return ``(slowk, slowd)`` (NaN while warming up)."""
    n = blk[H_COUNT]
    cap = int(blk[STOCH_KP])
    hh = deque_push(blk, STOCH_HIGHS, cap, n, high, True)
    ll = deque_push(blk, STOCH_HIGHS + 2 + 2 * cap, cap, n, low, False)
    if n >= cap - 1.0:
        sk_at = int(blk[STOCH_SK])
        sd_at = int(blk[STOCH_SD])
        slowk = sma_update(blk[sk_at:sd_at], stoch_fastk(hh, ll, close))
        # slowk is valid once its SMA sub-block is past its own lookback
        if n - (cap - 1.0) >= blk[sk_at + H_LOOKBACK]:
            slowd = sma_update(blk[sd_at : int(blk[STOCH_END])], slowk)
            if n + 1.0 > blk[H_LOOKBACK]:
                blk[STOCH_OUT] = slowk
                blk[STOCH_OUT + 1] = slowd
    blk[H_COUNT] = n + 1.0
    return blk[STOCH_OUT], blk[STOCH_OUT + 1]


@jit(T2(F1, f8, f8, f8))
def stoch_update_checked(blk, high, low, close):
    if not (math.isfinite(high) and math.isfinite(low) and math.isfinite(close)):
        raise ValueError("input is not finite")
    return stoch_update(blk, high, low, close)


@jit(T2(F1, f8, f8, f8), nrt=True)
def stoch_peek(blk, high, low, close):
    return stoch_update(blk.copy(), high, low, close)


@jit(void(F2, I1, F1, F1, F1, F2))
def stoch_update_rows(state, rows, high, low, close, out):
    """Advance ``state[rows[i]]`` by bar ``i``; write slowk, slowd to ``out[i, 0:2]``."""
    check_rows(state.shape[0], rows, min(high.shape[0], low.shape[0], close.shape[0]), out.shape[0])
    for i in range(rows.shape[0]):
        k, d = stoch_update(state[rows[i]], high[i], low[i], close[i])
        out[i, 0] = k
        out[i, 1] = d


@jit(void(F1, F1, F1))
def _smooth(sub, x, out):
    """Feed ``x`` through the SMA sub-block ``sub``, values to ``out``, exactly as its update would."""
    if first_nonfinite(x, 0, x.shape[0]) < 0:
        sma_batch(sub, x, out)
    else:  # an overflowing input: the SMA's batch driver would refuse it, its update does not
        for i in range(x.shape[0]):
            out[i] = sma_update(sub, x[i])


@jit(i8(F1, F1, F1, F1, F1, F1), nrt=True)  # allocates its scratch buffers
def stoch_batch(blk, high, low, close, out_k, out_d):
    """Run whole series through ``blk``; return the first non-finite index or -1.

    As :func:`ringta.kernels.stochf.stochf_batch`:
    :func:`~ringta.kernels.stochf.fastk_run` pushes the highs and lows
    exactly as :func:`stoch_update` does and writes fast %K (with STOCH's
    flat-window rule) to ``out_d`` as scratch; then the SMA sub-blocks' own
    batch driver (equal to their streaming update, bit for bit) turns it into
    slowk in ``out_k`` and slowk into slowd in ``out_d``.
    """
    cap = int(blk[STOCH_KP])
    n = blk[H_COUNT]
    m = close.shape[0]
    end = m
    q = int(n)
    first = min(m, max(0, cap - 1 - q))  # the first bar with a full window feeds the slowk SMA
    bad = fastk_run(blk, STOCH_HIGHS, cap, high, low, close, out_d, FLAT_RTOL)
    if bad >= 0:
        end = bad
    if end == 0:
        return bad
    sk = blk[int(blk[STOCH_SK]) : int(blk[STOCH_SD])]
    sd = blk[int(blk[STOCH_SD]) : int(blk[STOCH_END])]
    first = min(first, end)
    # slowd is fed from the bar where slowk's SMA is past its own lookback
    first2 = min(end, max(first, cap - 1 + int(sk[H_LOOKBACK]) - q))
    if first < end:
        _smooth(sk, out_d[first:end], out_k[first:end])
    if first2 < end:
        _smooth(sd, out_k[first2:end], out_d[first2:end])
    # Before the first valid value the outputs are the block's (NaN), as in streaming.
    warm = min(end, max(0, int(blk[H_LOOKBACK]) - q))
    for i in range(warm):
        out_k[i] = blk[STOCH_OUT]
        out_d[i] = blk[STOCH_OUT + 1]
    if warm < end:
        blk[STOCH_OUT] = out_k[end - 1]
        blk[STOCH_OUT + 1] = out_d[end - 1]
    blk[H_COUNT] = n + end
    return bad


def stoch_lookback(fastk_period: int = 5, slowk_period: int = 3, slowd_period: int = 3) -> int:
    return (fastk_period - 1) + (slowk_period - 1) + (slowd_period - 1)


def make_block(fastk_period: int = 5, slowk_period: int = 3, slowd_period: int = 3) -> np.ndarray:
    head = STOCH_HIGHS + 2 * deque_width(fastk_period)
    sk = _sma_block(slowk_period)
    sd = _sma_block(slowd_period)
    blk = np.concatenate([np.zeros(head), sk, sd])
    blk[H_LOOKBACK] = stoch_lookback(fastk_period, slowk_period, slowd_period)
    blk[STOCH_KP] = fastk_period
    blk[STOCH_OUT : STOCH_OUT + 2] = np.nan
    blk[STOCH_SK] = head
    blk[STOCH_SD] = head + sk.shape[0]
    blk[STOCH_END] = blk.shape[0]
    return blk


def stoch(high, low, close, fastk_period: int = 5, slowk_period: int = 3, slowd_period: int = 3) -> StochResult:
    """Slow stochastic: the SMA of fast %K (slowk) and the SMA of that (slowd).

    Both smoothings are simple moving averages (TA-Lib's default
    ``slowk_matype=0``, ``slowd_matype=0``; other types are not offered).

    Parameters
    ----------
    high, low, close : array_like
        Input series of equal length (finite numbers).
    fastk_period : int, default 5
        Window of the highest high and lowest low, in [1, 100000].
    slowk_period : int, default 3
        SMA period of ``slowk``, in [1, 100000].
    slowd_period : int, default 3
        SMA period of ``slowd``, in [1, 100000].

    Returns
    -------
    StochResult
        ``(slowk, slowd)`` arrays; both NaN before index
        ``fastk_period + slowk_period + slowd_period - 3``.

    Examples
    --------
    >>> import ringta
    >>> r = ringta.stoch([3.0, 4.0, 5.0, 6.0], [1.0, 2.0, 3.0, 4.0], [2.0, 3.5, 4.0, 6.0],
    ...                  fastk_period=2, slowk_period=2, slowd_period=2)
    >>> r.slowk.tolist(), r.slowd.tolist()
    ([nan, nan, nan, 83.33333333333333], [nan, nan, nan, 79.16666666666666])
    """
    return StochResult(*batch_call(
        SPEC, "stoch",
        {"fastk_period": fastk_period, "slowk_period": slowk_period, "slowd_period": slowd_period},
        {"high": high, "low": low, "close": close},
    ))


class STOCH(StreamingIndicator):
    """Streaming slow stochastic (see :func:`ringta.stoch`); ``update`` returns a :class:`StochResult`.

    Examples
    --------
    >>> import ringta
    >>> s = ringta.STOCH(fastk_period=2, slowk_period=2, slowd_period=2)
    >>> bars = ((3.0, 1.0, 2.0), (4.0, 2.0, 3.5), (5.0, 3.0, 4.0), (6.0, 4.0, 6.0))
    >>> [s.update(h, l, c) for h, l, c in bars][-1]
    StochResult(slowk=83.33333333333333, slowd=79.16666666666666)
    """

    __slots__ = ()

    def __init__(self, fastk_period: int = 5, slowk_period: int = 3, slowd_period: int = 3):
        self._setup(SPEC.validate("STOCH", fastk_period=fastk_period, slowk_period=slowk_period,
                                  slowd_period=slowd_period))

    def update(self, high: float, low: float, close: float) -> StochResult:
        """Consume one bar's high, low and close; return ``(slowk, slowd)`` (NaN while not ready)."""
        try:
            return StochResult(*stoch_update_checked(self._blk, high, low, close))
        except (ValueError, TypeError):
            raise ValueError(
                f"STOCH.update: high={high!r}, low={low!r}, close={close!r} must be finite; state unchanged"
            ) from None


SPEC = KernelSpec(
    name="stoch",
    title="Slow Stochastic Oscillator",
    kind_id=33,
    type="momentum",
    inputs=("high", "low", "close"),
    outputs=("slowk", "slowd"),
    params=PARAMS,
    make_block=make_block,
    lookback=stoch_lookback,
    out_offset=STOCH_OUT,
    batch=stoch,
    stream=STOCH,
    update_rows=stoch_update_rows,
    batch_driver=stoch_batch,
    peek_fn=stoch_peek,
    result=StochResult,
    key_params=("fastk_period", "slowk_period", "slowd_period"),
)
STOCH.spec = SPEC
