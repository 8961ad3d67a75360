"""The ``ringta`` command line: help, run, requirements, generate, demo, and its error messages.

Commands run in process through :func:`ringta.cli.main` (fast); one real
subprocess checks the installed entry point and one that an error prints no
traceback.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO_ROOT
from ringta.cli import SYNTHETIC_SYMBOLS, main

EXAMPLE = REPO_ROOT / "examples" / "unified_config_example.json"
EXAMPLE_INTERVALS = ("1m", "5m", "1d")
SUMMARY = re.compile(r"^symbols: (\d+) \((\d+) failed\), bars: ([\d,]+), seconds: [\d.]+, bars/s: [\d,]+$", re.M)

HELP_OPTIONS = {
    "run": ["config", "--data", "--symbols", "--start", "--end", "--out", "--workers", "--scheduler", "--chunk",
            "--quiet"],
    "requirements": ["config"],
    "generate": ["--symbols", "--days", "--out", "--seed"],
    "demo": ["--bars", "--tail", "--seed"],
}


def cli(capsys, *argv) -> tuple[int, str, str]:
    """Run ``ringta argv...`` in process; return (status, stdout, stderr)."""
    try:
        rc = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse: --help and usage errors
        rc = exc.code
    out, err = capsys.readouterr()
    return rc, out, err


def assert_one_line_error(rc, err, *fragments):
    assert rc == 1, f"status {rc}, stderr {err!r}"
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {lines}"
    assert lines[0].startswith("ringta "), lines[0]
    assert "error" in lines[0]
    for f in fragments:
        assert f in lines[0], f"{f!r} not in {lines[0]!r}"


# ---------------------------------------------------------------------------
# --help
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("command", sorted(HELP_OPTIONS))
def test_command_help(capsys, command):
    rc, out, err = cli(capsys, command, "--help")
    assert rc == 0
    assert out.startswith(f"usage: ringta {command}")
    for opt in HELP_OPTIONS[command]:
        assert opt in out, f"{command} --help does not list {opt}"
    assert err == ""


def test_top_level_help(capsys):
    rc, out, _ = cli(capsys, "--help")
    assert rc == 0
    for command in HELP_OPTIONS:
        assert command in out


def test_no_command_prints_help(capsys):
    rc, out, _ = cli(capsys)
    assert rc == 2
    assert "usage: ringta" in out


def test_unknown_option_is_a_usage_error(capsys):
    rc, _, err = cli(capsys, "run", str(EXAMPLE), "--no-such-option")
    assert rc == 2
    assert "unrecognized arguments" in err and "Traceback" not in err


def ringta_exe() -> list[str]:
    exe = shutil.which("ringta", path=os.path.dirname(sys.executable)) or shutil.which("ringta")
    if exe is None:
        pytest.skip("the ringta entry point is not installed")
    return [exe]


def test_entry_point_help_subprocess():
    p = subprocess.run(ringta_exe() + ["--help"], capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("usage: ringta")
    for command in HELP_OPTIONS:
        assert command in p.stdout


def test_python_m_error_subprocess_has_no_traceback(tmp_path):
    p = subprocess.run([sys.executable, "-m", "ringta", "run", str(tmp_path / "missing.json"), "--out",
                        str(tmp_path / "out")], capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert_one_line_error(p.returncode, p.stderr, "missing.json")
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------
# run
# ---------------------------------------------------------------------------

def parquet_rows(path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(str(path)).metadata.num_rows


def test_run_synthetic_default(capsys, tmp_path):
    out = tmp_path / "out"
    rc, stdout, err = cli(capsys, "run", EXAMPLE, "--out", out)
    assert rc == 0, err
    m = SUMMARY.search(stdout)
    assert m, stdout
    assert m.group(1) == "3" and m.group(2) == "0"
    n_bars = int(m.group(3).replace(",", ""))
    assert n_bars > 0 and n_bars % 3 == 0
    for s in SYNTHETIC_SYMBOLS:
        for iv in EXAMPLE_INTERVALS:
            assert (out / s / f"{iv}.parquet").is_file(), f"{s}/{iv}.parquet missing"
        assert sorted(p.name for p in (out / s).iterdir()) == sorted(f"{iv}.parquet" for iv in EXAMPLE_INTERVALS)
        assert parquet_rows(out / s / "1m.parquet") == n_bars // 3
    assert "last rows of" in stdout
    assert "Traceback" not in err


def test_run_quiet_prints_only_summary(capsys, tmp_path):
    rc, stdout, _ = cli(capsys, "run", EXAMPLE, "--out", tmp_path, "--quiet", "--symbols", "SYN_B")
    assert rc == 0
    lines = stdout.strip().splitlines()
    assert len(lines) == 1 and SUMMARY.match(lines[0]), stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["SYN_B"]


def test_run_missing_config(capsys, tmp_path):
    rc, _, err = cli(capsys, "run", tmp_path / "nope.json", "--out", tmp_path / "out")
    assert_one_line_error(rc, err, "nope.json")
    assert not (tmp_path / "out").exists()


def test_run_invalid_json(capsys, tmp_path):
    cfg = tmp_path / "broken.json"
    cfg.write_text('{"streams": ["1m",]')
    rc, _, err = cli(capsys, "run", cfg, "--out", tmp_path / "out")
    assert_one_line_error(rc, err, "broken.json", "JSON")


def test_run_config_error_names_field(capsys, tmp_path):
    d = json.loads(EXAMPLE.read_text())
    d["session_data_config"]["indicators"]["session"][2]["period"] = 0
    cfg = tmp_path / "period0.json"
    cfg.write_text(json.dumps(d))
    rc, _, err = cli(capsys, "run", cfg, "--out", tmp_path / "out")
    assert_one_line_error(rc, err, "session_data_config.indicators.session[2].period")
    assert not (tmp_path / "out").exists()


def test_run_config_two_errors_on_one_line(capsys, tmp_path):
    d = json.loads(EXAMPLE.read_text())
    d["session_data_config"]["indicators"]["session"][0]["period"] = 0
    d["session_data_config"]["indicators"]["historical"][1]["interval"] = "7x"
    cfg = tmp_path / "two.json"
    cfg.write_text(json.dumps(d))
    rc, _, err = cli(capsys, "requirements", cfg)
    assert_one_line_error(rc, err, "session[0].period", "historical[1].interval")


def test_run_empty_data_folder(capsys, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    rc, _, err = cli(capsys, "run", EXAMPLE, "--data", empty, "--out", tmp_path / "out")
    assert_one_line_error(rc, err, "no bar files")
    assert not (tmp_path / "out").exists()


def test_run_data_not_a_directory(capsys, tmp_path):
    rc, _, err = cli(capsys, "run", EXAMPLE, "--data", tmp_path / "absent", "--out", tmp_path / "out")
    assert_one_line_error(rc, err, "not a directory")


def test_run_unknown_symbol(capsys, tmp_path):
    rc, _, err = cli(capsys, "run", EXAMPLE, "--symbols", "FOO", "--out", tmp_path / "out")
    assert_one_line_error(rc, err, "FOO")
    assert "unknown symbol" in err
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------
# generate, then run on the generated files
# ---------------------------------------------------------------------------

@pytest.fixture()
def generated(capsys, tmp_path):
    data = tmp_path / "data"
    rc, out, err = cli(capsys, "generate", "--symbols", 2, "--days", 3, "--out", data)
    assert rc == 0, err
    assert "wrote 2 symbol(s) x 3 day(s)" in out
    return data


def test_generate_writes_parquet(generated):
    files = sorted(generated.iterdir())
    assert [p.name for p in files] == ["SYN0000.parquet", "SYN0001.parquet"]
    import pyarrow.parquet as pq

    for p in files:
        t = pq.read_table(str(p))
        assert t.num_rows == 3 * 390
        assert t.column_names == ["timestamp", "open", "high", "low", "close", "volume"]
        ts = t.column("timestamp").to_numpy()
        assert np.all(np.diff(ts) > 0)


def test_generate_rejects_zero(capsys, tmp_path):
    rc, _, err = cli(capsys, "generate", "--symbols", 0, "--out", tmp_path / "g")
    assert_one_line_error(rc, err, "--symbols")


def test_run_on_generated_data(capsys, tmp_path, generated):
    out = tmp_path / "out"
    rc, stdout, err = cli(capsys, "run", EXAMPLE, "--data", generated, "--out", out)
    assert rc == 0, err
    m = SUMMARY.search(stdout)
    assert m and m.group(1) == "2" and m.group(2) == "0" and m.group(3) == "2,340", stdout
    for s in ("SYN0000", "SYN0001"):
        for iv in EXAMPLE_INTERVALS:
            assert (out / s / f"{iv}.parquet").is_file()
        assert parquet_rows(out / s / "1m.parquet") == 3 * 390
        assert parquet_rows(out / s / "5m.parquet") == 3 * 78
        assert parquet_rows(out / s / "1d.parquet") == 3
    assert "Parquet files in" in stdout


def test_run_on_generated_data_unknown_symbol(capsys, tmp_path, generated):
    rc, _, err = cli(capsys, "run", EXAMPLE, "--data", generated, "--symbols", "SYN0000,FOO", "--out", tmp_path / "o")
    assert_one_line_error(rc, err, "FOO", "SYN0000")


def test_run_with_failed_symbol_exits_1(capsys, tmp_path, generated):
    """A symbol whose data is bad fails alone: exit status 1, the summary names it, no traceback."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    t = pq.read_table(str(generated / "SYN0001.parquet"))
    high = t.column("high").to_numpy().copy()
    high[100] = -1.0
    pq.write_table(t.set_column(t.column_names.index("high"), "high", pa.array(high)),
                   str(generated / "SYN0001.parquet"))
    out = tmp_path / "out"
    rc, stdout, err = cli(capsys, "run", EXAMPLE, "--data", generated, "--out", out, "--quiet")
    assert rc == 1
    assert "Traceback" not in err
    assert "(1 failed)" in stdout and "FAILED SYN0001" in stdout and "high" in stdout
    assert (out / "SYN0000" / "1m.parquet").is_file()
    assert not [p for p in out.rglob("*") if p.is_file() and "SYN0001" in str(p)]


# ---------------------------------------------------------------------------
# requirements, demo
# ---------------------------------------------------------------------------

def test_requirements(capsys):
    rc, out, err = cli(capsys, "requirements", EXAMPLE)
    assert rc == 0, err
    assert "50 trading day" in out
    assert "19500 one-minute bars" in out
    assert "intervals: 1m, 5m, 1d" in out
    for key in ("ema_9_1m", "macd_12_26_9_5m", "sma_50_1d"):
        assert key in out


def test_requirements_missing_config(capsys, tmp_path):
    rc, _, err = cli(capsys, "requirements", tmp_path / "nope.json")
    assert_one_line_error(rc, err, "nope.json")


def test_demo(capsys):
    rc, out, err = cli(capsys, "demo")
    assert rc == 0, err
    assert "bit for bit: True" in out
    rows = [ln for ln in out.splitlines() if re.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}", ln)]
    assert len(rows) == 10
    for col in ("sma_20", "ema_20", "rsi_14", "macd", "obv"):
        assert col in out


def test_demo_options(capsys):
    rc, out, _ = cli(capsys, "demo", "--bars", 50, "--tail", 3, "--seed", 1)
    assert rc == 0
    assert "50 synthetic one-minute bars, seed 1" in out
    rows = [ln for ln in out.splitlines() if re.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}", ln)]
    assert len(rows) == 3
