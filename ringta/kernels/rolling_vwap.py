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
    (price x volume, volume) are updated in O(1) per bar as compensated sums:
    the incoming minus the outgoing term is formed exactly as a pair
    (Knuth's TwoSum) and added to the sum with TwoSum, the rounding error of
    the addition and the pair's second part kept in a second float. They
    are recomputed from the block's rings at the first full window and then
    about every 512 bars, as ringta's SMA does, so they do not drift. A
    count of the bars with volume > 0 in the window detects a volume-free
    window exactly (and sets both sums to exactly 0).
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

from ._deque import first_nonfinite
from ._fma import fma
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


@jit(T2(f8, f8), inline=True)
def _two_sum(a, b):
    """Knuth's TwoSum: ``(s, e)`` with ``s = fl(a + b)`` and ``s + e == a + b`` exactly."""
    s = a + b
    z = s - a
    return s, (a - (s - z)) + (b - z)


@jit(T2(f8, f8, f8, f8, f8), inline=True)
def _add_exact(s, c, d, e, one):
    """Add the exact value ``d + e`` to the compensated sum ``(s, c)``: one addition on ``s``'s chain.

    ``one`` is 1.0: ``fma(a, one, b)`` is ``a + b`` with the same single
    rounding, so the values are TwoSum's; issued as multiply-adds, half of
    these additions run on the core's multiply-add units instead of queueing
    for its two adders, which bound a batch run. (The batch driver passes a
    1.0 the compiler cannot see, so it does not turn them back into adds.)
    """
    t = s + d
    z = fma(t, one, -s)  # t - s
    y = fma(z, -one, t)  # t - z
    err = (s - y) + fma(z, -one, d)  # (s - (t - z)) + (d - z)
    return t, c + fma(err, one, e)


@jit(T2(F1, i8, i8))
def _compensated_sum(a, start, n):
    """Compensated sum of ``a[start:start+n]``, in index order: ``(s, c)``."""
    s = 0.0
    c = 0.0
    for j in range(start, start + n):
        s, c = _add_exact(s, c, a[j], 0.0, 1.0)
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
    """Advance one rolling-VWAP block by one bar; return the new value (NaN while warming up).

    The incoming minus the outgoing term is formed exactly first (a TwoSum
    pair), so each window sum takes one addition per bar on its dependency
    chain; :func:`rolling_vwap_batch` performs the same operations.
    """
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
    # counts of bars are small integers: the grouping of this sum does not change its value
    nz = blk[RVWAP_NZ] + ((1.0 if volume > 0.0 else 0.0) - (1.0 if old_v > 0.0 else 0.0))
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
        dpv, epv = _two_sum(pv, -old_pv)
        dv, ev = _two_sum(volume, -old_v)
        spv, cpv = _add_exact(blk[RVWAP_SPV], blk[RVWAP_CPV], dpv, epv, 1.0)
        sv, cv = _add_exact(blk[RVWAP_SV], blk[RVWAP_CV], dv, ev, 1.0)
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


# Bars per chunk of the batch driver: its scratch arrays (about ten of this
# length) stay in the core's cache between the passes over a chunk.
CHUNK = 4096


@jit(i8(F1, F1, F1, F1, F1, i8, i8))
def _first_bad(open_, high, low, close, volume, lo, hi):
    """Index of the first bar of ``lo:hi`` with a non-finite input or a negative volume, or -1.

    One vectorised pass per input when all are valid (a per-bar test of all
    five inputs at once does not vectorise).
    """
    bad = hi
    for a in (open_, high, low, close, volume):
        b = first_nonfinite(a, lo, bad)
        if b >= 0:
            bad = b
    neg = 0
    vs = volume[lo:bad]
    for i in range(vs.shape[0]):
        neg += vs[i] < 0.0
    if neg > 0:
        for i in range(vs.shape[0]):
            if vs[i] < 0.0:
                return lo + i
    return bad if bad < hi else -1


@jit(i8(F1, F1, F1, F1, F1, F1, F1), nrt=True)  # allocates its scratch arrays
def rolling_vwap_batch(blk, open_, high, low, close, volume, out):
    """Run whole series through ``blk``; return the first bad index (non-finite, negative volume) or -1.

    The operations of :func:`rolling_vwap_update`, in the same order, in
    passes over chunks of bars: the prices, ``price * volume`` and the exact
    incoming-minus-outgoing pairs (independent per bar: vectorised), then the
    compensated window sums (the only loop-carried work, on locals), then the
    divisions (vectorised). The outgoing terms come from a copy of the rings
    followed by the chunk's own terms; the rings are refilled at the end, so
    the values and the final block are those of streaming, bit for bit.
    """
    m = close.shape[0]
    ip = int(blk[RVWAP_PERIOD])
    kind = blk[RVWAP_PRICE]
    lb = blk[H_LOOKBACK]
    rpv = RVWAP_RING
    rv = RVWAP_RING + ip
    pos0 = int(blk[RVWAP_POS])
    # Phase within the re-anchoring cycle: ring cycles * period + slot; an
    # anchor falls on the bar at phase cycle_len - 1.
    cycle_len = int(blk[RVWAP_ACYC]) * ip
    ph = int(blk[RVWAP_CYC]) * ip + pos0
    spv = blk[RVWAP_SPV]
    cpv = blk[RVWAP_CPV]
    sv = blk[RVWAP_SV]
    cv = blk[RVWAP_CV]
    nz = blk[RVWAP_NZ]
    n0 = blk[H_COUNT]
    one = blk[RVWAP_PERIOD] / blk[RVWAP_PERIOD]  # 1.0, opaque to the compiler (see _add_exact)
    L = min(max(CHUNK, ip), m)  # at least a period: the terms carried over cost O(1) per bar
    pvb = np.empty(ip + L)  # the last ip terms before the chunk, oldest first, then the chunk's
    vb = np.empty(ip + L)
    dpv = np.empty(L)
    epv = np.empty(L)
    dv = np.empty(L)
    ev = np.empty(L)
    dnz = np.empty(L)
    den = np.empty(L)
    for t in range(ip):
        j = pos0 + t
        j = j - ip if j >= ip else j
        pvb[t] = blk[rpv + j]
        vb[t] = blk[rv + j]
    bad = -1
    end = m
    i = 0
    while i < end:
        stop = min(end, i + L)
        k_n = stop - i
        # Zero-based slices: indexes the compiler knows are not negative.
        pvn = pvb[ip : ip + k_n]
        vn = vb[ip : ip + k_n]
        pvo = pvb[:k_n]
        vo = vb[:k_n]
        ob = open_[i:stop]
        hb = high[i:stop]
        lob = low[i:stop]
        cb = close[i:stop]
        volb = volume[i:stop]
        outb = out[i:stop]
        if kind == 0.0:
            for k in range(k_n):
                pvn[k] = ((hb[k] + lob[k] + cb[k]) / 3.0) * volb[k]
        elif kind == 1.0:
            for k in range(k_n):
                pvn[k] = ((ob[k] + hb[k] + lob[k] + cb[k]) / 4.0) * volb[k]
        else:
            for k in range(k_n):
                pvn[k] = cb[k] * volb[k]
        neg = 0
        for k in range(k_n):
            vn[k] = volb[k]
            neg += 1 if volb[k] < 0.0 else 0
        # A finite price * volume means a finite price and volume, and a finite price finite
        # inputs to it: the products (in cache) are checked instead of those inputs, the
        # others (open for the typical price; open, high, low for the close) directly. The
        # inputs themselves only when something is off (a product may also have overflowed).
        suspect = neg > 0 or first_nonfinite(pvb, ip, ip + k_n) >= 0
        if kind != 1.0:
            suspect = suspect or first_nonfinite(open_, i, stop) >= 0
        if kind == 2.0:
            suspect = suspect or first_nonfinite(high, i, stop) >= 0 or first_nonfinite(low, i, stop) >= 0
        if suspect:
            b = _first_bad(open_, high, low, close, volume, i, stop)
            if b >= 0:
                stop = end = bad = b
                k_n = stop - i
        if k_n == 0:
            break
        # one loop per pair of inputs: few streams per loop, so each vectorises
        for k in range(k_n):
            t, e = _two_sum(pvn[k], -pvo[k])
            dpv[k] = t
            epv[k] = e
        for k in range(k_n):
            t, e = _two_sum(vn[k], -vo[k])
            dv[k] = t
            ev[k] = e
            dnz[k] = (1.0 if vn[k] > 0.0 else 0.0) - (1.0 if vo[k] > 0.0 else 0.0)
        k = 0
        while k < k_n:
            # plain steps up to the next re-anchoring
            kend = min(k_n, k + (cycle_len - 1 - ph))
            # zero-based views: indexes the compiler knows are not negative
            d1 = dpv[k:kend]
            e1 = epv[k:kend]
            d2 = dv[k:kend]
            e2 = ev[k:kend]
            dz = dnz[k:kend]
            o1 = outb[k:kend]
            o2 = den[k:kend]
            for q in range(kend - k):
                spv, cpv = _add_exact(spv, cpv, d1[q], e1[q], one)
                sv, cv = _add_exact(sv, cv, d2[q], e2[q], one)
                nz += dz[q]
                if nz == 0.0:
                    spv = 0.0
                    cpv = 0.0
                    sv = 0.0
                    cv = 0.0
                    o1[q] = _bar_price(kind, ob[k + q], hb[k + q], lob[k + q], cb[k + q])
                    o2[q] = 1.0
                else:
                    o1[q] = fma(spv, one, cpv)
                    o2[q] = sv + cv
            ph += kend - k
            k = kend
            if k < k_n:  # the window ends at the ring's last slot: summed afresh
                spv, cpv = _compensated_sum(pvb, k + 1, ip)
                sv, cv = _compensated_sum(vb, k + 1, ip)
                nz += dnz[k]
                if nz == 0.0:
                    spv = 0.0
                    cpv = 0.0
                    sv = 0.0
                    cv = 0.0
                    outb[k] = _bar_price(kind, ob[k], hb[k], lob[k], cb[k])
                    den[k] = 1.0
                else:
                    outb[k] = spv + cpv
                    den[k] = sv + cv
                ph = 0
                k += 1
        for q in range(k_n):
            outb[q] = outb[q] / den[q]  # price / 1.0 is the price: a window without volume
        for t in range(ip):  # the last ip terms move to the front for the next chunk
            pvb[t] = pvb[k_n + t]
            vb[t] = vb[k_n + t]
        i = stop
    if end == 0:
        return bad
    # Before the first valid value the output is NaN, as in streaming.
    warm = min(end, max(0, int(lb - n0)))
    for q in range(warm):
        out[q] = np.nan
    pos = (pos0 + end) % ip
    for t in range(ip):  # pvb[0:ip] holds the last ip terms, oldest first: the oldest goes to slot pos
        j = pos + t
        j = j - ip if j >= ip else j
        blk[rpv + j] = pvb[t]
        blk[rv + j] = vb[t]
    blk[H_COUNT] = n0 + end
    blk[RVWAP_CYC] = ph // ip
    blk[RVWAP_POS] = pos
    blk[RVWAP_SPV] = spv
    blk[RVWAP_CPV] = cpv
    blk[RVWAP_SV] = sv
    blk[RVWAP_CV] = cv
    blk[RVWAP_NZ] = nz
    blk[RVWAP_OUT] = out[end - 1]
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
