"""VWAP: session-anchored volume-weighted average price.

Definition
    ``price = (high + low + close) / 3`` (the typical price, the common
    definition: Lean ``IntradayVwap``, TradingView ``ta.vwap(hlc3)``, talipp
    ``VWAP``); ``vwap = sum(price * volume) / sum(volume)`` over the bars of
    the current session, from its first bar up to and including this one.
    While the session's volume so far is 0 the value is the current bar's
    typical price (a bar with no trade has no weight to give; Lean returns
    the current price there, talipp ``None``, TradingView ``na``).
Seed and warm-up
    Valid from the first bar (lookback 0). A session starts when the
    ``session`` input differs from the previous bar's (or at the first bar):
    the sums restart at that bar. ``session`` is any number identifying the
    session, e.g. the trading day as a day number; a constant ``session``
    (the batch function's ``session=None``) is one session that never resets.
    The two running sums are compensated (Knuth's TwoSum, the rounding error
    of every addition kept in a second float), so a 24/7 series with no reset
    stays within a few ulps of the exact ratio over millions of bars.
Inputs
    high, low, close, volume, session.
Outputs
    ``value``, in price units.
Reference
    No TA-Lib equivalent. A per-session ``cumsum(tp * v) / cumsum(v)``
    (pandas/numpy) on the SPY minute bars; talipp ``VWAP`` for one session.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ._jit import F1, F2, I1, f8, i8, entry, jit, void
from ._ring import H_COUNT, H_SIZE, check_rows
from ._spec import KernelSpec, StreamingIndicator, as_series, batch_call, run_batch

T2 = nb.types.UniTuple(nb.float64, 2)

VWAP_SESSION = H_SIZE  # session id of the previous bar
VWAP_SPV = H_SIZE + 1  # sum of price * volume in the session ...
VWAP_CPV = H_SIZE + 2  # ... and the rounding error of that sum (compensation)
VWAP_SV = H_SIZE + 3  # sum of volume in the session ...
VWAP_CV = H_SIZE + 4  # ... and its compensation
VWAP_OUT = H_SIZE + 5
VWAP_WIDTH = H_SIZE + 6

PARAMS = ()


@jit(T2(f8, f8, f8))
def _two_sum_add(s, c, x):
    """Add ``x`` to the compensated sum ``(s, c)``: Knuth's TwoSum, branch-free.

    ``s + x`` is rounded to ``t``; ``e`` is that rounding error, exactly, and
    is accumulated in ``c``. The represented sum is ``s + c``.
    """
    t = s + x
    z = t - s
    e = (s - (t - z)) + (x - z)
    return t, c + e


@jit(f8(f8, f8, f8))
def _typical(high, low, close):
    return (high + low + close) / 3.0


@jit(f8(F1, f8, f8, f8, f8, f8))
def vwap_update(blk, high, low, close, volume, session):
    """Advance one VWAP block by one bar; return the new value (valid from the first bar)."""
    tp = _typical(high, low, close)
    if session != blk[VWAP_SESSION]:
        spv = 0.0
        cpv = 0.0
        sv = 0.0
        cv = 0.0
    else:
        spv = blk[VWAP_SPV]
        cpv = blk[VWAP_CPV]
        sv = blk[VWAP_SV]
        cv = blk[VWAP_CV]
    spv, cpv = _two_sum_add(spv, cpv, tp * volume)
    sv, cv = _two_sum_add(sv, cv, volume)
    tv = sv + cv
    out = (spv + cpv) / tv if tv != 0.0 else tp
    blk[VWAP_SESSION] = session
    blk[VWAP_SPV] = spv
    blk[VWAP_CPV] = cpv
    blk[VWAP_SV] = sv
    blk[VWAP_CV] = cv
    blk[VWAP_OUT] = out
    blk[H_COUNT] += 1.0
    return out


@jit(f8(F1, f8, f8, f8, f8, f8))
def vwap_update_checked(blk, high, low, close, volume, session):
    if not (math.isfinite(high) and math.isfinite(low) and math.isfinite(close)
            and math.isfinite(volume) and volume >= 0.0 and math.isfinite(session)):
        raise ValueError("input is not finite")
    return vwap_update(blk, high, low, close, volume, session)


_vwap_update_fast = entry(vwap_update_checked)


@jit(f8(F1, f8, f8, f8, f8, f8), nrt=True)
def vwap_peek(blk, high, low, close, volume, session):
    return vwap_update(blk.copy(), high, low, close, volume, session)


@jit(void(F2, I1, F1, F1, F1, F1, F1, F2))
def vwap_update_rows(state, rows, high, low, close, volume, session, out):
    """Advance ``state[rows[i]]`` by bar ``i`` of the inputs; write values to ``out[i, 0]``."""
    n_in = min(min(min(high.shape[0], low.shape[0]), min(close.shape[0], volume.shape[0])), session.shape[0])
    check_rows(state.shape[0], rows, n_in, out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = vwap_update(state[rows[i]], high[i], low[i], close[i], volume[i], session[i])


@jit(i8(F1, F1, F1, F1, F1, F1, F1))
def vwap_batch(blk, high, low, close, volume, session, out):
    """Run whole series through ``blk``; return the first bad index (non-finite, negative volume) or -1.

    The state lives in locals and every bar takes the same steps as
    :func:`vwap_update`, in the same order, so the values and the final block
    are those of streaming, bit for bit.
    """
    m = close.shape[0]
    sess = blk[VWAP_SESSION]
    spv = blk[VWAP_SPV]
    cpv = blk[VWAP_CPV]
    sv = blk[VWAP_SV]
    cv = blk[VWAP_CV]
    out_v = blk[VWAP_OUT]
    bad = -1
    i = 0
    for i in range(m):
        h = high[i]
        lo = low[i]
        c = close[i]
        vol = volume[i]
        s = session[i]
        if not (math.isfinite(h) and math.isfinite(lo) and math.isfinite(c)
                and math.isfinite(vol) and vol >= 0.0 and math.isfinite(s)):
            bad = i
            break
        tp = _typical(h, lo, c)
        if s != sess:
            spv = 0.0
            cpv = 0.0
            sv = 0.0
            cv = 0.0
        sess = s
        spv, cpv = _two_sum_add(spv, cpv, tp * vol)
        sv, cv = _two_sum_add(sv, cv, vol)
        tv = sv + cv
        out_v = (spv + cpv) / tv if tv != 0.0 else tp
        out[i] = out_v
    else:
        i = m
    if i > 0:
        blk[VWAP_SESSION] = sess
        blk[VWAP_SPV] = spv
        blk[VWAP_CPV] = cpv
        blk[VWAP_SV] = sv
        blk[VWAP_CV] = cv
        blk[VWAP_OUT] = out_v
        blk[H_COUNT] += i
    return bad


def vwap_lookback() -> int:
    return 0


def make_block() -> np.ndarray:
    blk = np.zeros(VWAP_WIDTH)
    blk[VWAP_OUT] = np.nan
    return blk


def _one_session(session, close, owner: str):
    """``session``, or one session (zeros) as long as ``close`` when it is None."""
    if session is not None:
        return session
    return np.zeros(as_series("close", close, owner).shape[0])


def vwap(high, low, close, volume, session=None) -> np.ndarray:
    """Session-anchored volume-weighted average price of the typical price ``(high + low + close) / 3``.

    Parameters
    ----------
    high, low, close, volume : array_like
        Input series of equal length (finite numbers, volume >= 0).
    session : array_like, optional
        A session identifier per bar: any finite ints or floats, e.g. the
        trading day as a day number. The sums restart at every bar whose
        ``session`` differs from the previous bar's. ``None`` (default):
        one session, the sums never restart. For UTC days from
        ``datetime64`` timestamps ``ts``, use
        ``ts.astype("datetime64[D]").astype(float)``; for exchange sessions
        use the exchange's local dates (e.g. the New York date of each
        bar), and keep only the bars of the session you want to anchor
        (e.g. 09:30-16:00).

    Returns
    -------
    numpy.ndarray
        Same length as the inputs; valid from index 0. While a session's
        volume so far is 0, the value is the bar's typical price.

    Examples
    --------
    >>> import numpy as np
    >>> import ringta
    >>> ts = np.array(["2024-01-02T14:30", "2024-01-02T14:31", "2024-01-03T14:30"], dtype="datetime64[m]")
    >>> day = ts.astype("datetime64[D]").astype(float)  # UTC day number: 19724, 19724, 19725
    >>> h, l, c = [11.0, 13.0, 21.0], [9.0, 11.0, 18.0], [10.0, 12.0, 19.5]
    >>> ringta.vwap(h, l, c, [100.0, 300.0, 50.0], session=day).tolist()
    [10.0, 11.5, 19.5]
    >>> ringta.vwap(h, l, c, [100.0, 300.0, 50.0]).tolist()  # one session
    [10.0, 11.5, 12.38888888888889]
    """
    session = _one_session(session, close, "vwap")
    return batch_call(SPEC, "vwap", {},
                      {"high": high, "low": low, "close": close, "volume": volume, "session": session})[0]


class VWAP(StreamingIndicator):
    """Streaming session-anchored VWAP (see :func:`ringta.vwap`).

    ``update(high, low, close, volume, session=0.0)``: a bar whose ``session``
    differs from the previous bar's starts a new session.

    Examples
    --------
    >>> import ringta
    >>> v = ringta.VWAP()
    >>> [v.update(h, l, c, vol, session=s) for h, l, c, vol, s in
    ...  ((11.0, 9.0, 10.0, 100.0, 1), (13.0, 11.0, 12.0, 300.0, 1), (21.0, 18.0, 19.5, 50.0, 2))]
    [10.0, 11.5, 19.5]
    """

    __slots__ = ()

    def __init__(self):
        self._setup(SPEC.validate("VWAP"))

    def update(self, high: float, low: float, close: float, volume: float, session: float = 0.0) -> float:
        """Consume one bar; return the session's VWAP so far."""
        try:
            if (type(high) is float and type(low) is float and type(close) is float
                    and type(volume) is float and type(session) is float):
                return _vwap_update_fast(self._blk, high, low, close, volume, session)
            return vwap_update_checked(self._blk, high, low, close, volume, session)
        except (ValueError, TypeError):
            raise ValueError(
                f"VWAP.update: high={high!r}, low={low!r}, close={close!r}, volume={volume!r}, "
                f"session={session!r} must be finite and volume >= 0; state unchanged"
            ) from None

    def peek(self, high: float, low: float, close: float, volume: float, session: float = 0.0) -> float:
        """What ``update`` would return for this bar, without changing any state."""
        return super().peek(high, low, close, volume, session)

    def extend(self, high, low, close, volume, session=None) -> np.ndarray:
        """Feed whole arrays through the batch path (``session=None``: session 0, as ``update``'s default)."""
        owner = "VWAP.extend"
        session = _one_session(session, close, owner)
        return run_batch(self.spec, owner, self._blk,
                         {"high": high, "low": low, "close": close, "volume": volume, "session": session})[0]


SPEC = KernelSpec(
    name="vwap",
    title="Volume-Weighted Average Price (session)",
    kind_id=41,
    type="volume",
    inputs=("high", "low", "close", "volume", "session"),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=vwap_lookback,
    out_offset=VWAP_OUT,
    batch=vwap,
    stream=VWAP,
    update_rows=vwap_update_rows,
    batch_driver=vwap_batch,
    peek_fn=vwap_peek,
)
VWAP.spec = SPEC
