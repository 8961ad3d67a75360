"""Session VWAP on real SPY minute bars.

No external tool's session VWAP is in ``../shared/data``; the README suggests
the SPY minute file and the definition. The regular-session bars
(09:30 <= t < 16:00 New York; the file's timestamps are New York local time)
are anchored per trading date and compared with an independent per-day
``cumsum(tp * v) / cumsum(v)`` in numpy.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

import ringta

SPY_MINUTE = "lean_spy_minute_trade_2013-10-04_2013-10-11.csv"


@pytest.fixture(scope="module")
def spy_regular_session(data_dir):
    """The regular-session minute bars of SPY, with the New York date of each bar."""
    path = data_dir / "bars" / SPY_MINUTE
    if not path.is_file():
        pytest.skip(f"{path} not found; real-data test skipped")
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        header = [h.strip().lower() for h in next(reader)]
        rows = [r for r in reader if r]
    # "2013-10-04 09:30:00-04:00": local date, then local clock time.
    keep = [r for r in rows if "09:30" <= r[0][11:16] < "16:00"]
    cols = {name: np.array([float(r[i]) for r in keep]) for i, name in enumerate(header) if i > 0}
    cols["date"] = np.array([r[0][:10] for r in keep], dtype="datetime64[D]")
    return cols


def test_session_vwap_equals_per_day_cumsum(spy_regular_session):
    b = spy_regular_session
    h, l, c, v = b["high"], b["low"], b["close"], b["volume"]
    session = b["date"].astype(float)  # the New York trading date as a day number
    days, first = np.unique(b["date"], return_index=True)
    assert len(days) == 6 and len(c) == 6 * 390  # the README: 390 regular bars on each of 6 days

    got = ringta.vwap(h, l, c, v, session=session)

    tp = (h + l + c) / 3.0
    want = np.empty_like(tp)
    for day in days:
        m = b["date"] == day
        want[m] = np.cumsum(tp[m] * v[m]) / np.cumsum(v[m])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0.0)

    # Each day starts afresh: its first value is that bar's typical price, up
    # to the rounding of (tp * v) / v.
    np.testing.assert_allclose(got[first], tp[first], rtol=4.5e-16, atol=0.0)
    # ... which a single session over all six days does not do.
    one = ringta.vwap(h, l, c, v)
    assert np.all(np.abs(one[first[1:]] - tp[first[1:]]) > 1e-3)
    np.testing.assert_allclose(one, np.cumsum(tp * v) / np.cumsum(v), rtol=1e-12, atol=0.0)


def test_session_vwap_streaming_resets_like_batch(spy_regular_session):
    """VWAP.update with the same session ids gives the batch values bit for bit."""
    b = spy_regular_session
    session = b["date"].astype(float)
    want = ringta.vwap(b["high"], b["low"], b["close"], b["volume"], session=session)
    obj = ringta.VWAP()
    got = [obj.update(*bar) for bar in zip(b["high"].tolist(), b["low"].tolist(), b["close"].tolist(),
                                           b["volume"].tolist(), session.tolist())]
    np.testing.assert_array_equal(np.array(got), want)
