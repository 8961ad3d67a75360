"""The examples run with small sizes and print what they promise."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_example(name: str, *args: str) -> str:
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / name), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{name} exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def test_streaming_strategy():
    out = run_example("streaming_strategy.py", "--symbols", "2", "--days", "1", "--show", "3")
    assert "history needed: 50 trading days" in out
    assert "indicators ready at the open: 11/11" in out
    decisions = [l for l in out.splitlines() if re.search(r" (BUY |SELL) close=", l)]
    assert 1 <= len(decisions) <= 3
    assert all("rsi_14_5m=" in l and "macd.hist=" in l for l in decisions)
    # 2 symbols x (390 one-minute + 78 five-minute + 1 daily) bar closes
    assert "strategy called 938 times" in out
    m = re.search(r"rsi_14_5m=([\d.]+) macd=([-+\d.]+) sma_50_1d=([\d.]+)", out)
    assert m and 0.0 <= float(m.group(1)) <= 100.0


def test_mid_session_symbol():
    out = run_example("mid_session_symbol.py", "--symbols", "1", "--days", "2")
    assert "adding BBB mid-session (last bar seen " in out and " 11:06)" in out
    assert "all_ready=True not_ready=[]" in out
    assert "right after adding: 11 indicators of BBB identical to BBB_REF: True" in out
    assert "adding an unknown symbol fails" in out
    assert "at the close: 11 indicators and all bars of BBB identical to BBB_REF: True" in out
    # history loaded = 50 whole sessions + today 09:30 .. 11:06 (97 bars)
    m = re.search(r"bars_loaded=([\d,]+)", out)
    assert m and int(m.group(1).replace(",", "")) == 50 * 390 + 97


def test_batch_run():
    out = run_example("batch_run.py", "--symbols", "2", "--days", "5", "--chunk", "700")
    assert re.search(r"symbols: 2 \(0 failed\), bars: 3,900", out), out
    assert "out/S000/5m.parquet: 390 rows" in out
    assert "out/S000/1d.parquet: 5 rows" in out
    assert "macd_12_26_9_5m.hist" in out and "bbands_20_2_5m.upper" in out
    assert len([l for l in out.splitlines() if re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d\s", l)]) == 3
