"""Charts of a batch run's output: price (close line or candles) with indicators.

Needs the ``plot`` extra (``pip install 'ringta[plot]'``, matplotlib).
Price-scale indicators (moving averages, bands) are drawn over the price;
the others (RSI, MACD, OBV, ...) get a panel each below it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from .coordinator.bar import to_ns

# Indicators drawn on the price axis; the rest get their own panel.
PRICE_SCALE = ("sma", "ema", "bbands", "wma", "dema", "tema", "trima", "kama", "max", "min")


def load_output(out_dir: str | Path, symbol: str, interval: str, start=None, end=None) -> dict:
    """Columns of ``<out_dir>/<symbol>/<interval>.parquet`` (a ``ringta run`` output), optionally sliced.

    Examples
    --------
    >>> import tempfile
    >>> from ringta import batch
    >>> from ringta.coordinator import SessionConfig
    >>> from ringta.data import MemorySource, generate_minute_bars
    >>> cfg = SessionConfig.from_dict({"session_data_config": {"indicators": {"session": [{"name": "obv"}]}}})
    >>> d = tempfile.mkdtemp()
    >>> _ = batch.run(cfg, MemorySource({"X": generate_minute_bars(days=1)}), d, quiet=True)
    >>> cols = load_output(d, "X", "1m")
    >>> len(cols["timestamp"]), "obv_1m" in cols
    (390, True)
    """
    import pyarrow.parquet as pq

    path = Path(out_dir) / symbol / f"{interval}.parquet"
    if not path.exists():
        raise FileNotFoundError(f"no output for {symbol} {interval}: {path} does not exist")
    table = pq.read_table(str(path))
    cols = {name: table.column(name).to_numpy() for name in table.column_names}
    ts = cols["timestamp"].astype(np.int64)
    keep = np.ones(ts.shape, dtype=bool)
    if start is not None:
        keep &= ts >= _ns(start)
    if end is not None:
        keep &= ts < _ns(end)
    return {k: v[keep] for k, v in cols.items()}


def _ns(t) -> int:
    from datetime import datetime, timezone

    if isinstance(t, str):
        d = datetime.fromisoformat(t)
        if d.tzinfo is None:
            d = d.replace(tzinfo=timezone.utc)
        return to_ns(d)
    return to_ns(t)


def plot_output(out_dir: str | Path, symbol: str, interval: str, indicators: Sequence[str] | None = None,
                path: str | Path = "chart.png", start=None, end=None, candles: bool = False,
                width: int = 1200, height: int = 800, title: str | None = None) -> Path:
    """Draw ``symbol``'s ``interval`` bars and chosen indicator columns to a PNG.

    ``indicators`` are column-name prefixes (indicator keys such as
    ``ema_20_5m`` or ``macd_12_26_9_5m``); by default every indicator column.
    Returns the path written; the image is ``width`` x ``height`` pixels.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from ringta import batch
    >>> from ringta.coordinator import SessionConfig
    >>> from ringta.data import MemorySource, generate_minute_bars
    >>> cfg = SessionConfig.from_dict({"session_data_config": {"indicators": {"session": [
    ...     {"name": "ema", "period": 10, "interval": "5m"}]}}})
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = batch.run(cfg, MemorySource({"X": generate_minute_bars(days=2)}), d, quiet=True)
    >>> png = plot_output(d, "X", "5m", ["ema_10_5m"], d / "x.png", width=600, height=400)
    >>> png.read_bytes()[:4] == bytes([0x89]) + b"PNG"
    True
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = load_output(out_dir, symbol, interval, start, end)
    if cols["timestamp"].size == 0:
        raise ValueError(f"no {symbol} {interval} bars in the chosen range")
    base = {"timestamp", "open", "high", "low", "close", "volume"}
    names = [n for n in cols if n not in base]
    if indicators:
        chosen = [n for n in names if any(n == k or n.startswith(k + ".") for k in indicators)]
        missing = [k for k in indicators if not any(n == k or n.startswith(k + ".") for n in names)]
        if missing:
            raise ValueError(f"no column for {', '.join(missing)}; available: {', '.join(sorted(set(n.split('.')[0] for n in names)))}")
        names = chosen
    groups: dict[str, list[str]] = {}
    for n in names:
        groups.setdefault(n.split(".")[0], []).append(n)
    overlay = [k for k in groups if k.split("_")[0] in PRICE_SCALE]
    panels = [k for k in groups if k not in overlay]
    # Bars are drawn at consecutive positions so nights and weekends leave no flat gaps.
    stamps = (cols["timestamp"] // 1_000_000).astype("datetime64[ms]")
    t = np.arange(stamps.size)
    dpi = 100
    fig, axes = plt.subplots(1 + len(panels), 1, sharex=True, figsize=(width / dpi, height / dpi), dpi=dpi,
                             gridspec_kw={"height_ratios": [3] + [1] * len(panels)}, squeeze=False)
    ax = axes[0, 0]
    if candles:
        up = cols["close"] >= cols["open"]
        x = t
        w = 0.7
        ax.vlines(x, cols["low"], cols["high"], color="0.3", linewidth=0.6)
        ax.bar(x[up], (cols["close"] - cols["open"])[up], w, cols["open"][up], color="#2a9d8f")
        ax.bar(x[~up], (cols["open"] - cols["close"])[~up], w, cols["close"][~up], color="#e76f51")
    else:
        ax.plot(t, cols["close"], color="0.2", linewidth=0.9, label="close")
    for k in overlay:
        for n in groups[k]:
            ax.plot(t, cols[n], linewidth=0.9, label=n)
    ax.set_title(title or f"{symbol} {interval}")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    for i, k in enumerate(panels, start=1):
        a = axes[i, 0]
        for n in groups[k]:
            a.plot(t, cols[n], linewidth=0.9, label=n)
        a.legend(loc="upper left", fontsize=8)
        a.grid(alpha=0.3)
    ticks = np.linspace(0, stamps.size - 1, num=min(8, stamps.size)).astype(int)
    bottom = axes[-1, 0]
    bottom.set_xticks(ticks)
    bottom.set_xticklabels([str(stamps[i])[5:16].replace("T", " ") for i in ticks])
    bottom.set_xlabel("bar open time (UTC)")
    fig.autofmt_xdate()
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi)
    plt.close(fig)
    return out
