"""Shared fixtures: seeded synthetic bars and the real bars of ``../shared/data``.

The real data lives outside the repository (``<repo>/../shared/data``) and is
never copied in. Tests that need it skip cleanly when the folder is absent.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT.parent / "shared" / "data"
BARS_DIR = DATA_DIR / "bars"
LEAN_DIR = DATA_DIR / "reference" / "lean"
DATA_SKIP_REASON = "shared data folder ../shared/data not found; real-data tests skipped"

FIELDS = ("open", "high", "low", "close", "volume")

# Price levels of the synthetic walks: penny-stock scale, equity scale and BTC scale.
LEVELS = (1.0, 100.0, 60_000.0)
SYNTHETIC_BARS = 3_000

# Real bar files used by the TA-Lib comparisons: minute bars of an equity, of
# BTC, of an altcoin quoted in BTC (prices ~0.002, many repeated closes), and
# daily bars of an equity index ETF and a single stock.
REAL_BARS = {
    "spy_minute": "lean_spy_minute_trade_2013-10-04_2013-10-11.csv",
    "btc_minute": "lean_coinbase_btcusd_minute_trade_2016-10-07_2016-10-09.csv",
    "freqtrade_minute": "freqtrade_UNITTEST_BTC_1m_2017-11-04_2017-11-14.csv",
    "spy_daily": "lean_spy_daily_trade_1998-2021.csv",
    "orcl_daily": "backtrader_orcl-1995-2014.csv",
    "eurostoxx_minute": "backtrader_2006-01-02-volume-min-001.csv",
}


def make_bars(level: float, n: int = SYNTHETIC_BARS, seed: int = 0, vol: float = 0.002) -> dict:
    """Seeded geometric random-walk OHLCV bars around ``level``.

    Closes follow ``level * exp(cumsum(normal(0, vol)))``; high/low bracket
    open and close; volume is a positive integer-valued float.
    """
    rng = np.random.default_rng(seed)
    close = level * np.exp(np.cumsum(rng.normal(0.0, vol, n)))
    open_ = np.empty(n)
    open_[0] = level
    open_[1:] = close[:-1]
    wick = np.abs(rng.normal(0.0, vol / 2, (2, n))) * close
    high = np.maximum(open_, close) + wick[0]
    low = np.minimum(open_, close) - wick[1]
    volume = np.floor(rng.lognormal(8.0, 1.0, n))
    # Sessions of 50 bars, for session-anchored kernels (VWAP).
    session = (np.arange(close.size) // 50).astype(np.float64)
    return {"open": open_, "high": high, "low": low, "close": close, "volume": volume, "session": session}


@pytest.fixture(scope="session", params=LEVELS, ids=lambda lv: f"level{lv:g}")
def synthetic(request) -> dict:
    """Synthetic bars at each price level (1, 100, 60,000); seeded, so identical every run."""
    return make_bars(request.param, seed=int(request.param) % 1000 + 7)


@lru_cache(maxsize=None)
def _read_bars(path: Path) -> dict:
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        header = [h.strip().lower() for h in next(reader)]
        rows = [r for r in reader if r]
    cols = {name: [r[i] for r in rows] for i, name in enumerate(header)}
    out = {"time": np.array(cols[header[0]])}
    for name in header[1:]:
        out[name] = np.array(cols[name], dtype=np.float64)
    # One session per calendar date of the time column, for session-anchored kernels (VWAP).
    out["session"] = np.unique([t[:10] for t in cols[header[0]]], return_inverse=True)[1].astype(np.float64)
    return out


def load_bar_file(name: str) -> dict:
    """Columns of ``bars/<name>`` as float64 arrays (the time column as strings); skip if absent."""
    if not DATA_DIR.is_dir():
        pytest.skip(DATA_SKIP_REASON)
    path = BARS_DIR / name
    if not path.is_file():
        pytest.skip(f"{path} not found; real-data test skipped")
    data = _read_bars(path)
    return {k: v.copy() for k, v in data.items()}


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared data folder; skips the test when it is absent."""
    if not DATA_DIR.is_dir():
        pytest.skip(DATA_SKIP_REASON)
    return DATA_DIR


@pytest.fixture(scope="session")
def lean_dir(data_dir) -> Path:
    """The Lean reference folder inside the shared data folder."""
    if not LEAN_DIR.is_dir():
        pytest.skip(f"{LEAN_DIR} not found; Lean reference tests skipped")
    return LEAN_DIR


@pytest.fixture(scope="session", params=sorted(REAL_BARS))
def real_bars(request) -> dict:
    """Real bars of each file in ``REAL_BARS`` (skips when the shared folder is absent)."""
    return load_bar_file(REAL_BARS[request.param])
