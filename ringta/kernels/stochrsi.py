"""STOCHRSI: stochastic RSI (TA-Lib's definition, a fast stochastic of the RSI).

Definition
    ``r = RSI(close, period)`` (Wilder);
    ``fastk = ((r - LL) / (HH - LL)) * 100`` with ``HH``/``LL`` the highest
    and lowest RSI of the last ``fastk_period`` values, 0 when the window is
    flat (see Numerics);
    ``fastd = SMA(fastk, fastd_period)`` (TA-Lib's default ``fastd_matype=0``;
    other moving-average types are not offered). This is TA-Lib's
    ``STOCHF(r, r, r, fastk_period, fastd_period)``.
Seed and warm-up
    Both outputs start at index ``period + fastk_period + fastd_period - 2``
    (TA-Lib's lookback: RSI's plus STOCHF's); NaN before. The RSI state lives
    in a sub-block with the layout of :mod:`ringta.kernels.rsi` (Wilder
    averages seeded with the simple means of the first ``period`` changes);
    ``HH``/``LL`` come from two window extremes over the RSI values
    (block prefix/suffix maxima, amortised O(1)) and ``fastd`` from a ringta SMA sub-block (re-anchored
    sums), as in :mod:`ringta.kernels.stochf`.
Numerics
    The stochastic of the RSI is ill-conditioned: when the RSI barely moves
    over the window (a flat stretch of prices, where it changes only in its
    last bits), ``HH - LL`` is a few units in the last place and the ratio
    can take any value from 0 to 100. Two choices make ``fastk`` equal
    TA-Lib 0.8's bit for bit anyway:

    * the RSI is advanced in TA-Lib 0.8's exact order of operations,
      ``avg = (avg * (period - 1) + move) * (1 / period)`` with the seed
      ``sum * (1 / period)``, and equals TA-Lib's ``RSI`` bit for bit
      (ringta's own RSI kernel uses a faster form that differs in the last
      place: harmless for the RSI, not under this amplification);
    * like TA-Lib 0.8, a window counts as flat (``fastk`` 0) when
      ``HH - LL <= 2e-14 * max(|HH|, |LL|)``, not only when ``HH == LL``.
Inputs
    one series (close by default).
Outputs
    ``fastk``, ``fastd``, on a 0-100 scale.
Reference
    TA-Lib ``STOCHRSI(timeperiod, fastk_period, fastd_period, fastd_matype=0)``.
    talipp's ``StochRSI`` (and Lean's reference file ``spy_with_StochRSI.csv``)
    smooth the stochastic once more: their ``k``/``d`` are TA-Lib ``STOCH``
    on the RSI, i.e. :func:`ringta.stoch` applied to the RSI series.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from ._deque import chunk_len, deque_push, deque_width, first_nonfinite, scratch_width, window_run2
from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call
from .rsi import RSI_GAIN, RSI_INV, RSI_LOSS, RSI_OUT, RSI_PERIOD, RSI_PREV
from .rsi import make_block as _rsi_block
from .sma import make_block as _sma_block
from .sma import sma_update
from .stoch import _fastk, _smooth, stoch_fastk

T2 = nb.types.UniTuple(nb.float64, 2)

STOCHRSI_KP = H_SIZE  # fastk_period
STOCHRSI_OUT = H_SIZE + 1  # fastk, fastd
STOCHRSI_RSI = H_SIZE + 3  # offset of the RSI sub-block
STOCHRSI_SMA = H_SIZE + 4  # end of the RSI sub-block = offset of the SMA sub-block
STOCHRSI_END = H_SIZE + 5  # end of the SMA sub-block
STOCHRSI_HIGHS = H_SIZE + 6  # deque of the highest RSI; the lowest's deque follows it, then the sub-blocks

PARAMS = (
    Param("period", int, 14, 2, MAX_PERIOD, doc="Wilder smoothing period of the RSI"),
    Param("fastk_period", int, 5, 1, MAX_PERIOD, doc="window of the highest and lowest RSI"),
    Param("fastd_period", int, 3, 1, MAX_PERIOD, doc="SMA period of fastd"),
)


class StochrsiResult(NamedTuple):
    """Stochastic-RSI %K and %D, 0-100 (floats, or arrays from :func:`stochrsi`).

    Examples
    --------
    >>> StochrsiResult(100.0, 50.0).fastd
    50.0
    """

    fastk: float
    fastd: float


@jit(f8(F1, f8))
def _rsi_talib_update(sub, x):
    """Advance an RSI sub-block (layout of :mod:`ringta.kernels.rsi`) in TA-Lib 0.8's order of operations.

    Returns the RSI, NaN while warming up. Bit for bit TA-Lib's ``RSI``: the
    averages are ``(avg * (period - 1) + move) * (1 / period)``, seeded with
    ``sum * (1 / period)``; the value is ``100 * (gain / (gain + loss))``, 0
    when ``gain + loss`` is 0.
    """
    n = sub[H_COUNT]
    p = sub[RSI_PERIOD]
    out = np.nan
    if n == 0.0:
        sub[RSI_PREV] = x
    else:
        d = x - sub[RSI_PREV]
        sub[RSI_PREV] = x
        gain = sub[RSI_GAIN]
        loss = sub[RSI_LOSS]
        if n <= p:
            if d < 0.0:
                loss -= d
            else:
                gain += d
            if n == p:
                inv = sub[RSI_INV]
                gain *= inv
                loss *= inv
        else:
            pm = p - 1.0
            gain *= pm
            loss *= pm
            if d < 0.0:
                loss -= d
            else:
                gain += d
            inv = sub[RSI_INV]
            gain *= inv
            loss *= inv
        if n >= p:
            t = gain + loss
            out = 0.0 if t == 0.0 else 100.0 * (gain / t)
        sub[RSI_GAIN] = gain
        sub[RSI_LOSS] = loss
    sub[H_COUNT] = n + 1.0
    sub[RSI_OUT] = out
    return out


@jit(T2(F1, f8))
def stochrsi_update(blk, x):
    """Advance one STOCHRSI block by one input; return ``(fastk, fastd)`` (NaN while warming up)."""
    n = blk[H_COUNT]
    rs = int(blk[STOCHRSI_RSI])
    sm = int(blk[STOCHRSI_SMA])
    sub = blk[rs:sm]
    r = _rsi_talib_update(sub, x)
    m = n - sub[H_LOOKBACK]  # 0-based number of this RSI value
    if m >= 0.0:
        cap = int(blk[STOCHRSI_KP])
        hh = deque_push(blk, STOCHRSI_HIGHS, cap, m, r, True)
        ll = deque_push(blk, STOCHRSI_HIGHS + 2 + 2 * cap, cap, m, r, False)
        if m >= cap - 1.0:
            k = stoch_fastk(hh, ll, r)
            d = sma_update(blk[sm : int(blk[STOCHRSI_END])], k)
            if n + 1.0 > blk[H_LOOKBACK]:
                blk[STOCHRSI_OUT] = k
                blk[STOCHRSI_OUT + 1] = d
    blk[H_COUNT] = n + 1.0
    return blk[STOCHRSI_OUT], blk[STOCHRSI_OUT + 1]


@jit(T2(F1, f8))
def stochrsi_update_checked(blk, x):
    if not math.isfinite(x):
        raise ValueError("input is not finite")
    return stochrsi_update(blk, x)


@jit(T2(F1, f8), nrt=True)
def stochrsi_peek(blk, x):
    return stochrsi_update(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def stochrsi_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]``; write fastk, fastd to ``out[i, 0:2]``."""
    check_rows(state.shape[0], rows, x.shape[0], out.shape[0])
    for i in range(rows.shape[0]):
        k, d = stochrsi_update(state[rows[i]], x[i])
        out[i, 0] = k
        out[i, 1] = d


@jit(i8(F1, F1, F1, F1), nrt=True)  # allocates its scratch buffers
def stochrsi_batch(blk, x, out_k, out_d):
    """Run a whole series through ``blk``; return the first non-finite index or -1.

    The RSI's warm-up goes through :func:`stochrsi_update` itself. After
    that, chunk by chunk: the moves (vectorised), the Wilder averages in
    TA-Lib's order on locals (the only loop-carried work), the RSI values
    (vectorised), the window extremes by
    :func:`~ringta.kernels._deque.window_run2` (the pushes of
    :func:`stochrsi_update`, same final block) and fast %K (vectorised) into
    ``out_k``; then the SMA sub-block's own batch driver (equal to its
    streaming update, bit for bit) turns %K into %D.
    """
    m = x.shape[0]
    rs = int(blk[STOCHRSI_RSI])
    sm = int(blk[STOCHRSI_SMA])
    sub = blk[rs:sm]
    rlb = sub[H_LOOKBACK]
    i = 0
    while i < m and sub[H_COUNT] <= rlb:  # the RSI's seed
        xi = x[i]
        if not math.isfinite(xi):
            return i
        out_k[i], out_d[i] = stochrsi_update(blk, xi)
        i += 1
    if i == m:
        return -1
    i0 = i
    n = blk[H_COUNT]  # bars before x[i0]
    cap = int(blk[STOCHRSI_KP])
    lows = STOCHRSI_HIGHS + 2 + 2 * cap
    q = int(n - rlb)  # deque input number of the RSI of x[i0]
    first = min(m, i0 + max(0, cap - 1 - q))  # the first bar with a full window feeds the SMA
    step = chunk_len(cap)
    L = min(step, m - i0)
    rb = np.empty(L)
    gb = np.empty(L)
    lsb = np.empty(L)
    hh = np.empty(L)
    ll = np.empty(L)
    tmp = np.empty(scratch_width(cap))
    pm = sub[RSI_PERIOD] - 1.0
    inv = sub[RSI_INV]
    prev = sub[RSI_PREV]
    gain = sub[RSI_GAIN]
    loss = sub[RSI_LOSS]
    rlast = sub[RSI_OUT]
    end = m
    bad = -1
    while i < end:
        stop = min(end, i + step - (q + i - i0) % cap)  # chunks end on block boundaries
        b = first_nonfinite(x, i, stop)
        if b >= 0:
            stop = end = bad = b
        if stop == i:
            break
        kn = stop - i
        # Zero-based slices: indexes the compiler knows are not negative (no wraparound code).
        xb = x[i:stop]
        gu = gb[:kn]
        ld = lsb[:kn]
        # the moves: an up move (or 0) to gain, a down move (or 0) to loss; adding 0.0 to the
        # non-negative averages changes no bit, so this equals _rsi_talib_update's branches
        d = xb[0] - prev
        gu[0] = 0.0 if d < 0.0 else d
        ld[0] = -d if d < 0.0 else 0.0
        xp = xb[: kn - 1]
        xn = xb[1:]
        gq = gu[1:]
        lq = ld[1:]
        for k in range(kn - 1):
            d = xn[k] - xp[k]
            gq[k] = 0.0 if d < 0.0 else d
            lq[k] = -d if d < 0.0 else 0.0
        for k in range(kn):
            gain = (gain * pm + gu[k]) * inv
            loss = (loss * pm + ld[k]) * inv
            gu[k] = gain
            ld[k] = loss
        r = rb[:kn]
        for k in range(kn):
            t = gu[k] + ld[k]
            v = 100.0 * (gu[k] / t)
            r[k] = 0.0 if t == 0.0 else v
        window_run2(blk, STOCHRSI_HIGHS, lows, cap, float(q + i - i0), r, r, 0, kn, hh, ll, 0, tmp)
        s = min(max(first, i), stop)
        hb = hh[s - i : kn]
        lb_ = ll[s - i : kn]
        rr = r[s - i : kn]
        kb = out_k[s:stop]
        for k in range(stop - s):
            kb[k] = _fastk(hb[k], lb_[k], rr[k])
        prev = xb[kn - 1]
        rlast = r[kn - 1]
        i = stop
    if i == i0:
        return bad
    sub[H_COUNT] += i - i0
    sub[RSI_PREV] = prev
    sub[RSI_GAIN] = gain
    sub[RSI_LOSS] = loss
    sub[RSI_OUT] = rlast
    first = min(first, end)
    if first < end:
        _smooth(blk[sm : int(blk[STOCHRSI_END])], out_k[first:end], out_d[first:end])
    # Before the first valid value the outputs are the block's (NaN), as in streaming.
    warm = min(end, i0 + max(0, int(blk[H_LOOKBACK] - n)))
    for k in range(i0, warm):
        out_k[k] = blk[STOCHRSI_OUT]
        out_d[k] = blk[STOCHRSI_OUT + 1]
    if warm < end:
        blk[STOCHRSI_OUT] = out_k[end - 1]
        blk[STOCHRSI_OUT + 1] = out_d[end - 1]
    blk[H_COUNT] = n + (end - i0)
    return bad


def stochrsi_lookback(period: int = 14, fastk_period: int = 5, fastd_period: int = 3) -> int:
    return period + (fastk_period - 1) + (fastd_period - 1)


def make_block(period: int = 14, fastk_period: int = 5, fastd_period: int = 3) -> np.ndarray:
    head = STOCHRSI_HIGHS + 2 * deque_width(fastk_period)
    rs = _rsi_block(period)
    sma = _sma_block(fastd_period)
    blk = np.concatenate([np.zeros(head), rs, sma])
    blk[H_LOOKBACK] = stochrsi_lookback(period, fastk_period, fastd_period)
    blk[STOCHRSI_KP] = fastk_period
    blk[STOCHRSI_OUT : STOCHRSI_OUT + 2] = np.nan
    blk[STOCHRSI_RSI] = head
    blk[STOCHRSI_SMA] = head + rs.shape[0]
    blk[STOCHRSI_END] = blk.shape[0]
    return blk


def stochrsi(close, period: int = 14, fastk_period: int = 5, fastd_period: int = 3) -> StochrsiResult:
    """Stochastic RSI (TA-Lib's): fast %K of the RSI in its recent range, and its SMA %D.

    talipp's ``StochRSI`` and Lean's reference values smooth once more (a
    slow stochastic of the RSI); for that convention use
    ``ringta.stoch(r, r, r, ...)`` on ``r = ringta.rsi(close, period)``
    without its leading NaNs.

    Parameters
    ----------
    close : array_like
        Input series (any 1-D sequence of finite numbers).
    period : int, default 14
        Wilder period of the RSI, in [2, 100000].
    fastk_period : int, default 5
        Window of the highest and lowest RSI, in [1, 100000].
    fastd_period : int, default 3
        SMA period of ``fastd``, in [1, 100000].

    Returns
    -------
    StochrsiResult
        ``(fastk, fastd)`` arrays; NaN before index ``period + fastk_period + fastd_period - 2``.

    Examples
    --------
    >>> import ringta
    >>> r = ringta.stochrsi([1.0, 2.0, 1.0, 2.0, 3.0, 2.0], period=2, fastk_period=2, fastd_period=2)
    >>> r.fastk.tolist(), r.fastd.tolist()
    ([nan, nan, nan, nan, 100.0, 0.0], [nan, nan, nan, nan, 100.0, 50.0])
    """
    return StochrsiResult(*batch_call(
        SPEC, "stochrsi", {"period": period, "fastk_period": fastk_period, "fastd_period": fastd_period},
        {"close": close},
    ))


class STOCHRSI(StreamingIndicator):
    """Streaming stochastic RSI (see :func:`ringta.stochrsi`); ``update`` returns a :class:`StochrsiResult`.

    Examples
    --------
    >>> import ringta
    >>> s = ringta.STOCHRSI(period=2, fastk_period=2, fastd_period=2)
    >>> [s.update(v) for v in (1.0, 2.0, 1.0, 2.0, 3.0, 2.0)][-1]
    StochrsiResult(fastk=0.0, fastd=50.0)
    """

    __slots__ = ()

    def __init__(self, period: int = 14, fastk_period: int = 5, fastd_period: int = 3):
        self._setup(SPEC.validate("STOCHRSI", period=period, fastk_period=fastk_period,
                                  fastd_period=fastd_period))

    def update(self, close: float) -> StochrsiResult:
        """Consume one input; return ``(fastk, fastd)`` (NaN while not ready)."""
        try:
            return StochrsiResult(*stochrsi_update_checked(self._blk, close))
        except (ValueError, TypeError):
            raise ValueError(f"STOCHRSI.update: close={close!r} is not a finite number; state unchanged") from None


SPEC = KernelSpec(
    name="stochrsi",
    title="Stochastic RSI",
    kind_id=34,
    type="momentum",
    inputs=("close",),
    outputs=("fastk", "fastd"),
    params=PARAMS,
    make_block=make_block,
    lookback=stochrsi_lookback,
    out_offset=STOCHRSI_OUT,
    batch=stochrsi,
    stream=STOCHRSI,
    update_rows=stochrsi_update_rows,
    batch_driver=stochrsi_batch,
    peek_fn=stochrsi_peek,
    result=StochrsiResult,
    key_params=("period", "fastk_period", "fastd_period"),
)
STOCHRSI.spec = SPEC
