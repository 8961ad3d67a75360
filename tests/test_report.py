"""benchmarks/report.py on a small hand-made pytest-benchmark JSON.

Every expected figure below is worked out by hand from the fixture: a row's
per-unit time is its fastest round ("min", the default statistic) divided by
``extra_info["per"]``, and "x ringta" divides that by the reference row of the
same table, indicator and size. Each fixture median is 1.5 x its min.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

REPORT = Path(__file__).resolve().parents[1] / "benchmarks" / "report.py"


@pytest.fixture(scope="module")
def report():
    # Loaded by path: report.py needs only the standard library, and this
    # test must not depend on how pytest put the benchmarks package on sys.path.
    spec = importlib.util.spec_from_file_location("bench_report_under_test", REPORT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def bench(table, impl, fastest, per, unit, case=None, size=None, reference=False, note="", about=""):
    return {
        "group": table,
        "name": f"test_{table}[{case}-{impl}-{size}]",
        "stats": {"min": fastest, "median": fastest * 1.5, "mean": fastest * 1.6, "rounds": 5},
        "extra_info": {"table": table, "case": case, "size": size, "impl": impl, "unit": unit, "per": per,
                       "reference": reference, "note": note, "about": about},
    }


def sample(ema_ringta_min=3.5e-4):
    return {
        "datetime": "2026-01-02T03:04:05+00:00",
        "machine_info": {"cpu": {"brand_raw": "Test CPU"}, "python_version": "3.11.7"},
        "ringta_bench": {
            "command": "pytest benchmarks --benchmark-enable --benchmark-json=out.json",
            "mode": "full", "cpu": "Test CPU 9000", "cores": 2, "python": "3.11.7", "platform": "Linux x86_64",
            "versions": {"ringta": "0.1.0", "numba": "0.68.1", "numpy": "2.4.6"},
            "peers": {"talib": "0.8.2", "talipp": "not installed"},
            "untimed": [{"table": "single", "case": "obv", "impl": "nautilus_trader", "reason": "O(n) per update"}],
            "load_average": {"start": [0.25, 0.5, 0.5], "end": [1.5, 1.0, 0.75]},
        },
        "commit_info": {"id": "0123456789abcdef", "dirty": True},
        "benchmarks": [
            # sma, 100,000 bars: ringta 1e-4 s -> 1.00 ns/bar; talib 2.5e-4 s -> 2.50 ns/bar, x 2.50
            bench("batch", "ringta", 1.0e-4, 100_000, "bar", "sma", 100_000, reference=True),
            bench("batch", "talib", 2.5e-4, 100_000, "bar", "sma", 100_000, about="TA-Lib function API"),
            # ema, 100,000 bars: ringta 3.5e-4 -> 3.50 ns/bar; talib 1e-4 -> 1.00 ns/bar, x 1/3.5 = 0.29
            bench("batch", "ringta", ema_ringta_min, 100_000, "bar", "ema", 100_000, reference=True),
            bench("batch", "talib", 1.0e-4, 100_000, "bar", "ema", 100_000),
            # ema, 1,000 bars: ringta 1e-5 -> 10.0 ns/bar; talib 2e-6 -> 2.00 ns/bar, x 0.20 (5x, but
            # below the check's 100,000-bar floor)
            bench("batch", "ringta", 1.0e-5, 1_000, "bar", "ema", 1_000, reference=True),
            bench("batch", "talib", 2.0e-6, 1_000, "bar", "ema", 1_000),
            # one EMA object: ringta 2e-3 s / 10,000 -> 200 ns; talib.stream 1.2e-3 -> 120 ns, x 0.60
            bench("single", "ringta", 2.0e-3, 10_000, "update", "ema", reference=True),
            bench("single", "talib.stream", 1.2e-3, 10_000, "update", "ema",
                  note="opened on history", about="TA-Lib stream handle"),
            # 1,000 symbols: step_bars 1.4e-3 s / 10,000 -> 140 ns/symbol; talib 7e-3 -> 700, x 5.00
            bench("cross", "ringta step_bars", 1.4e-3, 10_000, "symbol", size=1_000, reference=True),
            bench("cross", "talib.stream x6 per symbol", 7.0e-3, 10_000, "symbol", size=1_000),
            # start-up: warm 0.5 s, cold 6.0 s -> x 12.00
            bench("compile", "import ringta, warm cache", 0.5, 1, "run", reference=True),
            bench("compile", "import ringta, cold cache", 6.0, 1, "run"),
        ],
    }


def write(tmp_path, data) -> Path:
    path = tmp_path / "bench.json"
    path.write_text(json.dumps(data))
    return path


def test_markdown_figures(report):
    md = report.render(sample())
    for line in (
        "| sma | 100,000 | ringta | 1.00 | 1.00 |",
        "|  |  | talib | 2.50 | 2.50 |",
        "| ema | 1,000 | ringta | 10.0 | 1.00 |",
        "|  |  | talib | 2.00 | 0.20 |",
        "| ema | 100,000 | ringta | 3.50 | 1.00 |",
        "|  |  | talib | 1.00 | 0.29 |",
        "| ema | ringta | 200 | 1.00 |",
        "|  | talib.stream | 120 | 0.60 |",
        "| 1,000 | ringta step_bars | 140 | 1.00 |",
        "|  | talib.stream x6 per symbol | 700 | 5.00 |",
        "| import ringta, warm cache | 0.50 | 1.00 |",
        "| import ringta, cold cache | 6.00 | 12.00 |",
    ):
        assert line in md, line
    assert "| indicator | bars | implementation | ns/bar | x ringta |" in md
    assert "| indicator | implementation | ns/update | x ringta |" in md
    assert "| symbols | implementation | ns/symbol | x ringta |" in md


def test_peak_memory_column(report):
    # A table with a measured peak gets the column; one without a reference row has no ratio column.
    data = sample()
    runs = [bench("memory", "baseline", 2.0, 1, "run", "baseline"),
            bench("memory", "ringta run", 3.25, 1, "run", "2,520 days", 982_800)]
    runs[0]["extra_info"]["peak_rss_mib"] = 185.04
    runs[1]["extra_info"]["peak_rss_mib"] = 198.76
    data["benchmarks"] += runs
    md = report.render(data)
    assert "| run | bars | implementation | seconds | peak RSS (MiB) |" in md
    assert "| baseline |  | baseline | 2.00 | 185.0 |" in md
    assert "| 2,520 days | 982,800 | ringta run | 3.25 | 198.8 |" in md
    assert "| indicator | bars | implementation | ns/bar | x ringta |" in md  # other tables unchanged


def test_median_statistic(report):
    # medians are 1.5 x the mins: sma ringta 1.50 ns/bar, talib 3.75 ns/bar, ratio unchanged at 2.50
    md = report.render(sample(), stat="median")
    assert "| sma | 100,000 | ringta | 1.50 | 1.00 |" in md
    assert "|  |  | talib | 3.75 | 2.50 |" in md
    assert "Statistic: median of the rounds" in md


def test_header_and_notes(report):
    md = report.render(sample())
    assert "`pytest benchmarks --benchmark-enable --benchmark-json=out.json` (full mode)" in md
    assert "Test CPU 9000, 2 logical cores" in md
    assert "load average 0.25 at start, 1.50 at end" in md
    assert "numba 0.68.1" in md and "numpy 2.4.6" in md and "Python 3.11.7" in md
    assert "talib 0.8.2" in md and "talipp not installed" in md
    assert "2026-01-02T03:04:05+00:00" in md
    assert "- **talib.stream**: TA-Lib stream handle; ema: opened on history." in md
    assert "- Not timed: **nautilus_trader** (obv): O(n) per update." in md
    assert "commit `0123456789` with uncommitted changes" in md
    assert "do not edit by hand" in md
    assert "Statistic: min of the rounds" in md


def test_cli_writes_markdown_and_prints_it(report, tmp_path, capsys):
    out = tmp_path / "docs" / "benchmarks.md"
    assert report.main([str(write(tmp_path, sample())), "--output", str(out)]) == 0
    assert out.read_text() == report.render(sample())
    assert "| ema | 100,000 | ringta | 3.50 | 1.00 |" in capsys.readouterr().out


def test_no_write_leaves_file_alone(report, tmp_path):
    out = tmp_path / "benchmarks.md"
    assert report.main([str(write(tmp_path, sample())), "--output", str(out), "--no-write"]) == 0
    assert not out.exists()


def test_check_fails_when_ringta_batch_is_over_3x_talib(report, tmp_path, capsys):
    # ema at 100,000 bars: 3.5 ns/bar against TA-Lib's 1.0 ns/bar
    rc = report.main([str(write(tmp_path, sample())), "--no-write", "--check"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "ema at 100,000 bars: ringta takes 3.50x TA-Lib's time" in err
    assert "sma" not in err and "1,000 bars" not in err


def test_check_passes_at_or_under_3x(report, tmp_path, capsys):
    # 3.0e-4 s against 1.0e-4 s is exactly 3x: allowed
    rc = report.main([str(write(tmp_path, sample(ema_ringta_min=3.0e-4))), "--no-write", "--check"])
    assert rc == 0
    assert "check passed" in capsys.readouterr().out


def test_check_fails_when_nothing_compared(report, tmp_path):
    data = sample()
    data["benchmarks"] = [b for b in data["benchmarks"] if b["extra_info"]["impl"] != "talib"]
    assert report.main([str(write(tmp_path, data)), "--no-write", "--check"]) == 1
