"""Regenerate the charts in docs/img from the built-in demo data and a benchmark JSON.

    python docs/make_charts.py [--bench BENCH.json]

``demo_chart.png`` is ``ringta run`` on the built-in synthetic data followed by
``ringta plot``; ``benchmarks.png`` (with ``--bench``) draws batch ns/bar of
ringta and its peers at the largest size in a pytest-benchmark JSON.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def demo_chart(out: Path) -> Path:
    from ringta import batch
    from ringta.cli import _source
    from ringta.coordinator import SessionConfig
    from ringta.plot import plot_output

    config = SessionConfig.from_file(ROOT / "examples" / "unified_config_example.json")
    source, _ = _source(None, config)
    with tempfile.TemporaryDirectory() as tmp:
        summary = batch.run(config, source, tmp, symbols=["SYN_A"], quiet=True)
        if not summary.ok:
            raise SystemExit(summary.describe())
        return plot_output(tmp, "SYN_A", "5m", ["ema_20_5m", "bbands_20_2_5m", "rsi_14_5m", "macd_12_26_9_5m"],
                           out, start="2024-03-01", end="2024-03-06", candles=True,
                           title="SYN_A 5m: EMA(20), Bollinger(20, 2), RSI(14), MACD(12, 26, 9) - built-in demo data")


def bench_chart(bench_json: Path, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = json.loads(Path(bench_json).read_text())
    rows = {}
    for b in data["benchmarks"]:
        info = b.get("extra_info", {})
        if b.get("group") != "batch" or "size" not in info:
            continue
        rows.setdefault(info["size"], []).append((info["case"], info["impl"],
                                                  b["stats"]["min"] / info["per"] * 1e9))
    if not rows:
        raise SystemExit(f"{bench_json}: no batch benchmarks")
    size = max(rows)
    cases = sorted({c for c, _, _ in rows[size]})
    impls = sorted({i for _, i, _ in rows[size]}, key=lambda i: (i != "ringta", i))
    fig, ax = plt.subplots(figsize=(11, 5), dpi=100)
    width = 0.8 / len(impls)
    for k, impl in enumerate(impls):
        vals = {c: v for c, i, v in rows[size] if i == impl}
        xs = [j + k * width for j, c in enumerate(cases) if c in vals]
        ax.bar(xs, [vals[c] for c in cases if c in vals], width, label=impl)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(cases))])
    ax.set_xticklabels(cases)
    ax.set_yscale("log")  # peers span two orders of magnitude
    ax.set_ylabel("ns per bar, best of rounds, log scale (lower is better)")
    ax.set_title(f"Batch, {size:,} bars: ringta and peers on the same machine")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", type=Path, help="pytest-benchmark JSON for benchmarks.png")
    args = parser.parse_args()
    img = HERE / "img"
    img.mkdir(exist_ok=True)
    print("wrote", demo_chart(img / "demo_chart.png"))
    if args.bench:
        print("wrote", bench_chart(args.bench, img / "benchmarks.png"))


if __name__ == "__main__":
    main()
