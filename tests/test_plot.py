"""`ringta plot` draws a run's output to a PNG of the requested size."""

from __future__ import annotations

import struct

import pytest

pytest.importorskip("matplotlib")

from ringta.cli import main  # noqa: E402


def _png_size(path):
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    assert main(["run", "examples/unified_config_example.json", "--out", str(out), "--symbols", "SYN_A",
                 "--quiet"]) == 0
    return out


@pytest.mark.parametrize("candles", [False, True])
def test_plot_writes_png_of_requested_size(run_dir, tmp_path, candles):
    png = tmp_path / "chart.png"
    args = ["plot", str(run_dir), "--symbol", "SYN_A", "--interval", "5m", "--indicators",
            "ema_20_5m,bbands_20_2_5m,rsi_14_5m", "--start", "2024-03-01", "--end", "2024-03-06",
            "--width", "900", "--height", "600", "--out", str(png)]
    assert main(args + (["--candles"] if candles else [])) == 0
    assert _png_size(png) == (900, 600)
    assert png.stat().st_size > 10_000  # a drawn chart, not an empty canvas


def test_plot_unknown_indicator_is_one_line_error(run_dir, tmp_path, capsys):
    code = main(["plot", str(run_dir), "--symbol", "SYN_A", "--indicators", "nope_5m", "--out",
                 str(tmp_path / "x.png")])
    err = capsys.readouterr().err
    assert code == 1 and "nope_5m" in err and "Traceback" not in err
    assert not (tmp_path / "x.png").exists()


def test_plot_missing_symbol(run_dir, tmp_path, capsys):
    assert main(["plot", str(run_dir), "--symbol", "NOPE", "--out", str(tmp_path / "x.png")]) == 1
    assert "NOPE" in capsys.readouterr().err
