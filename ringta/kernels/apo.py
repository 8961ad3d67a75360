"""APO: absolute price oscillator (SMA form, TA-Lib's default).

Definition
    ``apo = SMA(x, fast_period) - SMA(x, slow_period)``: TA-Lib's APO with its
    default moving-average type (``matype=0``, simple). Other moving-average
    types are not offered.
Seed and warm-up
    First value at index ``slow_period - 1`` (TA-Lib's lookback); NaN before.
    Both SMAs are ringta's SMA kernel, kept as two sub-blocks of this block
    (window sums re-anchored about every 512 inputs).
Inputs
    one series (close by default).
Outputs
    ``value``, in price units.
Reference
    TA-Lib ``APO(fastperiod, slowperiod, matype=0)``.
"""

from __future__ import annotations

import math

import numpy as np

from ._deque import first_nonfinite
from ._jit import F1, F2, I1, b1, f8, i8, jit, void
from ._ring import H_COUNT, H_LOOKBACK, H_SIZE, MAX_PERIOD, check_rows, refill_ring, seq_sum
from ._spec import KernelSpec, Param, StreamingIndicator, batch_call
from .sma import SMA_ACYC, SMA_CYC, SMA_INV, SMA_OUT, SMA_PERIOD, SMA_POS, SMA_RING, SMA_SUM
from .sma import make_block as _sma_block
from .sma import sma_update

APO_OUT = H_SIZE
APO_S2 = H_SIZE + 1  # offset of the slow SMA's sub-block
APO_END = H_SIZE + 2  # end of the slow sub-block
APO_S1 = H_SIZE + 3  # the fast SMA's sub-block starts here

PARAMS = (
    Param("fast_period", int, 12, 1, MAX_PERIOD, doc="fast SMA period; must be smaller than slow_period"),
    Param("slow_period", int, 26, 2, MAX_PERIOD, doc="slow SMA period"),
)


def check_fast_slow(params: dict, owner: str) -> None:
    if params["fast_period"] >= params["slow_period"]:
        raise ValueError(
            f"{owner}: fast_period ({params['fast_period']}) must be smaller than slow_period "
            f"({params['slow_period']})"
        )


@jit(f8(F1, f8))
def apo_update(blk, x):
    """Advance one APO block by one input; return the new value (NaN while warming up)."""
    s2 = int(blk[APO_S2])
    fast = sma_update(blk[APO_S1:s2], x)
    slow = sma_update(blk[s2 : int(blk[APO_END])], x)
    n = blk[H_COUNT] + 1.0
    out = fast - slow if n > blk[H_LOOKBACK] else np.nan
    blk[H_COUNT] = n
    blk[APO_OUT] = out
    return out


@jit(f8(F1, f8))
def apo_update_checked(blk, x):
    if not math.isfinite(x):
        raise ValueError("input is not finite")
    return apo_update(blk, x)


@jit(f8(F1, f8), nrt=True)
def apo_peek(blk, x):
    return apo_update(blk.copy(), x)


@jit(void(F2, I1, F1, F2))
def apo_update_rows(state, rows, x, out):
    """Advance ``state[rows[i]]`` by ``x[i]`` for every i; write values to ``out[i, 0]``."""
    check_rows(state.shape[0], rows, x.shape[0], out.shape[0])
    for i in range(rows.shape[0]):
        out[i, 0] = apo_update(state[rows[i]], x[i])


@jit(f8(f8, f8, b1))
def pair_value(fast, slow, pct):
    """APO's ``fast - slow`` or PPO's ``(fast - slow) / slow * 100`` (0 when ``slow`` is 0)."""
    if not pct:
        return fast - slow
    return ((fast - slow) / slow) * 100.0 if slow != 0.0 else 0.0


@jit(i8(F1, i8, i8, i8, F1, F1, i8, b1))
def pair_run(blk, s1, s2, out_slot, x, out, head, pct):
    """Steady state of the fast and slow SMA sub-blocks (at ``s1``, ``s2``) over ``x[head:]``.

    Shared by APO and PPO. The sub-blocks have seen at least ``slow_period``
    inputs, all of them ``x[:head]``, so the outgoing inputs are read from
    ``x`` and the rings are refilled at the end, as :func:`ringta.kernels.sma.sma_batch`
    does for one SMA. Each sum takes the plain step ``total + (x_new - x_old)``
    except at its own re-anchoring input, where it is recomputed exactly
    over the same values in the same order as in streaming; between two such
    inputs (of either SMA) the loop has no branch, and the inputs of a
    stretch are checked for finiteness in one vectorised pass first.
    Returns the first non-finite index or -1.
    """
    m = x.shape[0]
    ipf = int(blk[s1 + SMA_PERIOD])
    ips = int(blk[s2 + SMA_PERIOD])
    clf = int(blk[s1 + SMA_ACYC]) * ipf
    cls = int(blk[s2 + SMA_ACYC]) * ips
    phf0 = int(blk[s1 + SMA_CYC]) * ipf + int(blk[s1 + SMA_POS])
    phs0 = int(blk[s2 + SMA_CYC]) * ips + int(blk[s2 + SMA_POS])
    phf = phf0
    phs = phs0
    tf = blk[s1 + SMA_SUM]
    ts = blk[s2 + SMA_SUM]
    invf = blk[s1 + SMA_INV]
    invs = blk[s2 + SMA_INV]
    i = head
    bad = -1
    while i < m:
        plain_end = min(m, i + min(clf - 1 - phf, cls - 1 - phs))
        b = first_nonfinite(x, i, min(m, plain_end + 1))
        stop = plain_end if b < 0 else min(plain_end, b)
        if pct:
            for k in range(i, stop):
                xk = x[k]
                tf = tf + (xk - x[k - ipf])
                ts = ts + (xk - x[k - ips])
                out[k] = pair_value(tf * invf, ts * invs, True)
        else:
            for k in range(i, stop):
                xk = x[k]
                tf = tf + (xk - x[k - ipf])
                ts = ts + (xk - x[k - ips])
                out[k] = (tf * invf) - (ts * invs)
        phf += stop - i
        phs += stop - i
        i = stop
        if i == b:
            bad = b
            break
        if i < m:
            # At least one of the two sums re-anchors at this input.
            xi = x[i]
            if phf == clf - 1:
                tf = seq_sum(x, i - ipf + 1, ipf)
                phf = 0
            else:
                tf = tf + (xi - x[i - ipf])
                phf += 1
            if phs == cls - 1:
                ts = seq_sum(x, i - ips + 1, ips)
                phs = 0
            else:
                ts = ts + (xi - x[i - ips])
                phs += 1
            out[i] = pair_value(tf * invf, ts * invs, pct)
            i += 1
    if i > head:
        steps = i - head
        refill_ring(blk, s1 + SMA_RING, ipf, phf0, x, head, i)
        refill_ring(blk, s2 + SMA_RING, ips, phs0, x, head, i)
        blk[s1 + H_COUNT] += steps
        blk[s1 + SMA_SUM] = tf
        blk[s1 + SMA_POS] = phf % ipf
        blk[s1 + SMA_CYC] = phf // ipf
        blk[s1 + SMA_OUT] = tf * invf
        blk[s2 + H_COUNT] += steps
        blk[s2 + SMA_SUM] = ts
        blk[s2 + SMA_POS] = phs % ips
        blk[s2 + SMA_CYC] = phs // ips
        blk[s2 + SMA_OUT] = ts * invs
        blk[H_COUNT] += steps
        blk[out_slot] = out[i - 1]
    return bad


@jit(i8(F1, F1, F1))
def apo_batch(blk, x, out):
    """Run a whole series through ``blk``; return the first non-finite index or -1.

    The first ``slow_period`` inputs go through :func:`apo_update` (filling
    both rings); the steady state is :func:`pair_run`, which performs the
    same operations as streaming, so the values are exactly those of
    streaming.
    """
    s2 = int(blk[APO_S2])
    head = min(x.shape[0], int(blk[s2 + SMA_PERIOD]))
    for i in range(head):
        xi = x[i]
        if not math.isfinite(xi):
            return i
        out[i] = apo_update(blk, xi)
    return pair_run(blk, APO_S1, s2, APO_OUT, x, out, head, False)


def apo_lookback(fast_period: int = 12, slow_period: int = 26) -> int:
    return slow_period - 1


def make_block(fast_period: int = 12, slow_period: int = 26) -> np.ndarray:
    b1, b2 = _sma_block(fast_period), _sma_block(slow_period)
    blk = np.concatenate([np.zeros(APO_S1), b1, b2])
    blk[H_LOOKBACK] = apo_lookback(fast_period, slow_period)
    blk[APO_OUT] = np.nan
    blk[APO_S2] = APO_S1 + b1.shape[0]
    blk[APO_END] = blk.shape[0]
    return blk


def apo(close, fast_period: int = 12, slow_period: int = 26) -> np.ndarray:
    """Absolute price oscillator: ``SMA(close, fast_period) - SMA(close, slow_period)``.

    Parameters
    ----------
    close : array_like
        Input series (any 1-D sequence of finite numbers).
    fast_period : int, default 12
        Fast SMA period in [1, 100000], smaller than ``slow_period``.
    slow_period : int, default 26
        Slow SMA period in [2, 100000].

    Returns
    -------
    numpy.ndarray
        Same length as ``close``; NaN before index ``slow_period - 1``.

    Examples
    --------
    >>> import ringta
    >>> ringta.apo([1.0, 2.0, 4.0, 8.0], fast_period=1, slow_period=2).tolist()
    [nan, 0.5, 1.0, 2.0]
    """
    return batch_call(SPEC, "apo", {"fast_period": fast_period, "slow_period": slow_period}, {"close": close})[0]


class APO(StreamingIndicator):
    """Streaming absolute price oscillator (see :func:`ringta.apo`).

    Examples
    --------
    >>> import ringta
    >>> a = ringta.APO(fast_period=1, slow_period=2)
    >>> [a.update(v) for v in (1.0, 2.0, 4.0)]
    [nan, 0.5, 1.0]
    """

    __slots__ = ()

    def __init__(self, fast_period: int = 12, slow_period: int = 26):
        self._setup(SPEC.validate("APO", fast_period=fast_period, slow_period=slow_period))

    def update(self, close: float) -> float:
        """Consume one input and return the new value (NaN while not ready)."""
        try:
            return apo_update_checked(self._blk, close)
        except (ValueError, TypeError):
            raise ValueError(f"APO.update: close={close!r} is not a finite number; state unchanged") from None


SPEC = KernelSpec(
    name="apo",
    title="Absolute Price Oscillator (SMA)",
    kind_id=26,
    type="momentum",
    inputs=("close",),
    outputs=("value",),
    params=PARAMS,
    make_block=make_block,
    lookback=apo_lookback,
    out_offset=APO_OUT,
    batch=apo,
    stream=APO,
    update_rows=apo_update_rows,
    batch_driver=apo_batch,
    peek_fn=apo_peek,
    check=check_fast_slow,
    key_params=("fast_period", "slow_period"),
)
APO.spec = SPEC
