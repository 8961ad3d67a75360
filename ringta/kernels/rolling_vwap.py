"""ROLLING_VWAP: volume-weighted average price over the last ``period`` bars.

Definition
    ``rolling_vwap = sum(price * volume) / sum(volume)`` over the last
    ``period`` bars, with ``price`` one of
    ``"typical"`` ``(high + low + close) / 3`` (default),
    ``"ohlc4"`` ``(open + high + low + close) / 4`` (Lean's
    ``VolumeWeightedAveragePriceIndicator``, "Moving VWAP"), or
    ``"close"`` (talipp ``VWMA``, TradingView ``ta.vwma``).
    When every volume in the window is 0 the value is the current bar's
    price (there is no volume to weight by; TradingView and pandas give NaN
    there and talipp raises ``ZeroDivisionError``), so the output is never
    NaN after the first valid index.
Seed and warm-up
    First value at index ``period - 1``; NaN before. The two window sums
    (price x volume, volume) are updated in O(1) per bar as compensated sums
    (Knuth's TwoSum, the rounding error of every addition and removal kept in
    a second float), and recomputed from the block's rings at the first full
    window and then about every 512 bars, as ringta's SMA does, so they do
    not drift. A count of the bars with volume > 0 in the window detects a
    volume-free window exactly (and sets both sums to exactly 0).
Inputs
    open, high, low, close, volume.
Outputs
    ``value``, in price units.
Reference
    No TA-Lib function. Compared with TA-Lib ``SUM(price * volume) / SUM(volume)``
    (with ``TYPPRICE``/``AVGPRICE``), talipp ``VWMA`` (``price="close"``), Lean
    ``spy_with_vwap.txt`` (``price="ohlc4"``, 50 bars) and ``spy_with_vwma.csv``.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ._jit import F1, F2, I1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, anchor_cycles, check_rows
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call

T2 = nb.types.UniTuple(nb.float64, 2)

RVWAP_PERIOD = H_SIZE
RVWAP_PRICE = H_SIZE + 1  # index into PRICES: 0 typical, 1 ohlc4, 2 close
RVWAP_ACYC = H_SIZE + 2  # ring cycles between exact recomputations of the sums
RVWAP_CYC = H_SIZE + 3  # ring cycles since the last recomputation
RVWAP_POS = H_SIZE + 4  # ring slot of the next bar
RVWAP_SPV = H_SIZE + 5  # window sum of price * volume ...
RVWAP_CPV = H_SIZE + 6  # ... and its compensation (accumulated rounding error)
RVWAP_SV = H_SIZE + 7  # window sum of volume ...
RVWAP_CV = H_SIZE + 8  # ... and its compensation
RVWAP_NZ = H_SIZE + 9  # bars with volume > 0 in the window
RVWAP_OUT = H_SIZE + 10
RVWAP_RING = H_SIZE + 11  # price * volume ring (period slots), then the volume ring (period slots)

PRICES = ("typical", "ohlc4", "close")

PARAMS = (
    Param("period", int, 20, 1, MAX_PERIOD, doc="window length in bars"),
    Param("price", str, "typical", choices=PRICES,
          doc="'typical' (h+l+c)/3, 'ohlc4' (o+h+l+c)/4 (Lean), or 'close' (talipp VWMA)"),
)


@jit(T2(f8, f8, f8))
def _two_sum_add(s, c, x):
    """Add ``x`` to the compensated sum ``(s, c)`` (Knuth's TwoSum): the sum is ``s + c``."""
    t = s + x
    z = t - s
    e = (s - (t - z)) + (x - z)
    return t, c + e


@jit(T2(F1, i8, i8))
def _compensated_sum(a, start, n):
    """Compensated sum of ``a[start:start+n]``, in index order: ``(s, c)``."""
    s = 0.0
    c = 0.0
    for j in range(start, start + n):
        s, c = _two_sum_add(s, c, a[j])
    return s, c


@jit(f8(f8, f8, f8, f8, f8))
def _bar_price(kind, open_, high, low, close):
    if kind == 0.0:
        return (high + low + close) / 3.0
    if kind == 1.0:
        return (open_ + high + low + close) / 4.0
    return close


@jit(f8(F1, f8, f8, f8, f8, f8))
def rolling_vwap_update(blk, open_, high, low, close, volume):
    """Advance one rolling-VWAP block by one bar; return the new value (NaN while warming up)."""
    ip = int(blk[RVWAP_PERIOD])
    pos = int(blk[RVWAP_POS])
    price = _bar_price(blk[RVWAP_PRICE], open_, high, low, close)
    pv = price * volume
    slot_pv = RVWAP_RING + pos
    slot_v = RVWAP_RING + ip + pos
    old_pv = blk[slot_pv]  # zero until the ring has been filled once
    old_v = blk[slot_v]
    blk[slot_pv] = pv
    blk[slot_v] = volume
    nz = blk[RVWAP_NZ] + (1.0 if volume > 0.0 else 0.0) - (1.0 if old_v > 0.0 else 0.0)
    anchor = False
    cyc = blk[RVWAP_CYC]
    if pos == ip - 1:
        cyc += 1.0
        if cyc >= blk[RVWAP_ACYC]:
            anchor = True
            cyc = 0.0
        pos = 0
    else:
        pos += 1
    if anchor:
        # The ring holds the window oldest first in slots 0 .. period-1.
        spv, cpv = _compensated_sum(blk, RVWAP_RING, ip)
        sv, cv = _compensated_sum(blk, RVWAP_RING + ip, ip)
    else:
        spv, cpv = _two_sum_add(blk[RVWAP_SPV], blk[RVWAP_CPV], pv)
        spv, cpv = _two_sum_add(spv, cpv, -old_pv)
        sv, cv = _two_sum_add(blk[RVWAP_SV], blk[RVWAP_CV], volume)
        sv, cv = _two_sum_add(sv, cv, -old_v)
    if nz == 0.0:
        # No volume in the window: both exact sums are 0.
        spv = 0.0
        cpv = 0.0
        sv = 0.0
        cv = 0.0
    n = blk[H_COUNT] + 1.0
    if n > blk[H_LOOKBACK]:
        out = price if nz == 0.0 else (spv + cpv) / (sv + cv)
    else:
        out = np.nan
    blk[H_COUNT] = n
    blk[RVWAP_CYC] = cyc
    blk[RVWAP_POS] = pos
    blk[RVWAP_SPV] = spv
    blk[RVWAP_CPV] = cpv
    blk[RVWAP_SV] = sv
    blk[RVWAP_CV] = cv
    blk[RVWAP_NZ] = nz
    blk[RVWAP_OUT] = out
    return out


@jit(f8(F1, f8, f8, f8, f8, f8))
def rolling_vwap_update_checked(blk, open_, high, low, close, volume):
    if not (math.isfinite(open_) and math.isfinite(high) and math.isfinite(low) and math.isfinite(close)
            and math.isfinite(volume) and volume >= 0.0):
        raise ValueError("input is not finite")
    return rolling_vwap_update(blk, open_, high, low, close, volume)


@jit(f8(F1, f8, f8, f8, f8, f8), nrt=True)
def rolling_vwap_peek(blk, open_, high, low, close, volume):
    return rolling_vwap_update(blk.copy(), open_, high, low, close, volume)


@jit(void(F2, I1, F1, F1, F1, F1, F1, F2))
def rolling_vwap_update_rows(state, rows, open_, high, low, close, volume, out):
    """Advance ``state[rows[i]]`` by bar ``i`` of the inputs; write values to ``out[i, 0]``."""
    n_in = min(min(min(open_.shape[0], high.shape[0]), min(low.shape[0], close.shape[0])), volume.shape[0])
    check_rows(state.shape[0], rows, n_in, out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = rolling_vwap_update(state[rows[i]], open_[i], high[i], low[i], close[i], volume[i])


@jit(i8(F1, F1, F1, F1, F1, F1, F1))
def rolling_vwap_batch(blk, open_, high, low, close, volume, out):
    """Run whole series through ``blk``; return the first bad index (non-finite, negative volume) or -1.

    The same steps as :func:`rolling_vwap_update`, in the same order, with
    the scalar state in locals (the rings stay in the block), so the values
    and the final block are those of streaming, bit for bit.
    """
    m = close.shape[0]
    ip = int(blk[RVWAP_PERIOD])
    kind = blk[RVWAP_PRICE]
    acyc = blk[RVWAP_ACYC]
    lb = blk[H_LOOKBACK]
    rpv = RVWAP_RING
    rv = RVWAP_RING + ip
    cyc = blk[RVWAP_CYC]
    pos = int(blk[RVWAP_POS])
    spv = blk[RVWAP_SPV]
    cpv = blk[RVWAP_CPV]
    sv = blk[RVWAP_SV]
    cv = blk[RVWAP_CV]
    nz = blk[RVWAP_NZ]
    n = blk[H_COUNT]
    out_v = blk[RVWAP_OUT]
    bad = -1
    for i in range(m):
        o = open_[i]
        h = high[i]
        lo = low[i]
        c = close[i]
        vol = volume[i]
        if not (math.isfinite(o) and math.isfinite(h) and math.isfinite(lo) and math.isfinite(c)
                and math.isfinite(vol) and vol >= 0.0):
            bad = i
            break
        price = _bar_price(kind, o, h, lo, c)
        pv = price * vol
        old_pv = blk[rpv + pos]
        old_v = blk[rv + pos]
        blk[rpv + pos] = pv
        blk[rv + pos] = vol
        nz = nz + (1.0 if vol > 0.0 else 0.0) - (1.0 if old_v > 0.0 else 0.0)
        anchor = False
        if pos == ip - 1:
            cyc += 1.0
            if cyc >= acyc:
                anchor = True
                cyc = 0.0
            pos = 0
        else:
            pos += 1
        if anchor:
            spv, cpv = _compensated_sum(blk, rpv, ip)
            sv, cv = _compensated_sum(blk, rv, ip)
        else:
            spv, cpv = _two_sum_add(spv, cpv, pv)
            spv, cpv = _two_sum_add(spv, cpv, -old_pv)
            sv, cv = _two_sum_add(sv, cv, vol)
            sv, cv = _two_sum_add(sv, cv, -old_v)
        if nz == 0.0:
            spv = 0.0
            cpv = 0.0
            sv = 0.0
            cv = 0.0
        n += 1.0
        if n > lb:
            out_v = price if nz == 0.0 else (spv + cpv) / (sv + cv)
        else:
            out_v = np.nan
        out[i] = out_v
    blk[H_COUNT] = n
    blk[RVWAP_CYC] = cyc
    blk[RVWAP_POS] = pos
    blk[RVWAP_SPV] = spv
    blk[RVWAP_CPV] = cpv
    blk[RVWAP_SV] = sv
    blk[RVWAP_CV] = cv
    blk[RVWAP_NZ] = nz
    blk[RVWAP_OUT] = out_v
    return bad


def rolling_vwap_lookback(period: int = 20, price: str = "typical") -> int:
    return period - 1


def make_block(period: int = 20, price: str = "typical") -> np.ndarray:
    blk = np.zeros(RVWAP_RING + 2 * period)
    blk[H_LOOKBACK] = rolling_vwap_lookback(period, price)
    blk[RVWAP_PERIOD] = period
    blk[RVWAP_PRICE] = PRICES.index(price)
    blk[RVWAP_ACYC] = anchor_cycles(period)
    blk[RVWAP_CYC] = blk[RVWAP_ACYC] - 1.0  # so that the first full window is summed afresh
    blk[RVWAP_OUT] = np.nan
    return blk


def rolling_vwap(open, high, low, close, volume, period: int = 20, price: str = "typical") -> np.ndarray:  # noqa: A002
    """Volume-weighted average price over the last ``period`` bars (a moving VWAP).

    Parameters
    ----------
    open, high, low, close, volume : array_like
        Input series of equal length (finite numbers, volume >= 0).
    period : int, default 20
        Window length in bars, in [1, 100000].
    price : {"typical", "ohlc4", "close"}, default "typical"
        The price weighted by volume: ``(high + low + close) / 3``,
        ``(open + high + low + close) / 4`` (Lean's moving VWAP), or the
        close (talipp's and TradingView's VWMA).

    Returns
    -------
    numpy.ndarray
        Same length as the inputs; NaN before index ``period - 1``. Where
        every volume in the window is 0, the value is the current bar's price.

    Examples
    --------
    >>> import ringta
    >>> o, h, l, c = [10.0, 11.0, 12.0], [11.0, 13.0, 21.0], [9.0, 11.0, 18.0], [10.0, 12.0, 20.0]
    >>> ringta.rolling_vwap(o, h, l, c, [100.0, 300.0, 50.0], period=2).tolist()
    [nan, 11.5, 13.095238095238095]
    >>> ringta.rolling_vwap(o, h, l, c, [100.0, 300.0, 50.0], period=2, price="close").tolist()
    [nan, 11.5, 13.142857142857142]
    """
    return batch_call(SPEC, "rolling_vwap", {"period": period, "price": price},
                      {"open": open, "high": high, "low": low, "close": close, "volume": volume})[0]


class RollingVWAP(StreamingIndicator):
    """Streaming moving VWAP over the last ``period`` bars (see :func:`ringta.rolling_vwap`).

    Examples
    --------
    >>> import ringta
    >>> r = ringta.RollingVWAP(period=2)
    >>> bars = ((10.0, 11.0, 9.0, 10.0, 100.0), (11.0, 13.0, 11.0, 12.0, 300.0), (12.0, 21.0, 18.0, 20.0, 50.0))
    >>> [r.update(*bar) for bar in bars]
    [nan, 11.5, 13.095238095238095]
    """

    __slots__ = ()

    def __init__(self, period: int = 20, price: str = "typical"):
        self._setup(SPEC.validate("RollingVWAP", period=period, price=price))

    def update(self, open: float, high: float, low: float, close: float, volume: float) -> float:  # noqa: A002
        """Consume one bar's open, high, low, close and volume; return the new value (NaN while not ready)."""
        try:
            return rolling_vwap_update_checked(self._blk, open, high, low, close, volume)
        except (ValueError, TypeError):
            raise ValueError(
                f"RollingVWAP.update: open={open!r}, high={high!r}, low={low!r}, close={close!r}, "
                f"volume={volume!r} must be finite and volume >= 0; state unchanged"
            ) from None


SPEC = KernelSpec(
    name="rolling_vwap",
    title="Rolling Volume-Weighted Average Price",
    kind_id=42,
    type="volume",
    inputs=("open", "high", "low", "close", "volume"),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=rolling_vwap_lookback,
    out_offset=RVWAP_OUT,
    batch=rolling_vwap,
    stream=RollingVWAP,
    update_rows=rolling_vwap_update_rows,
    batch_driver=rolling_vwap_batch,
    peek_fn=rolling_vwap_peek,
    key_params=("period",),
)
RollingVWAP.spec = SPEC
