"""Turn a pytest-benchmark JSON into ``docs/benchmarks.md`` and a table on stdout.

Usage::

    pytest benchmarks --benchmark-enable --benchmark-json=out.json
    python -m benchmarks.report out.json            # writes docs/benchmarks.md, prints the tables
    python -m benchmarks.report out.json --check --no-write

Every figure comes from the JSON: the per-unit time is the fastest round
(``--stat`` to change) divided by the units one call processed (``extra_info["per"]``), and
"x ringta" divides it by the time of the reference ringta row of the same
table, case and size. ``--check`` exits 1 when ringta's batch function is more
than ``--limit`` (3) times slower than TA-Lib's function API on any case of the
run, at every size of at least 100,000 bars (smaller calls are dominated by
fixed per-call costs): a guard against gross regressions that noise cannot
trip. It also fails when the run has no such comparison at all.

Only the standard library is used, so the report can be built anywhere.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

# Every round of a benchmark does identical work, so the fastest round is the
# one least disturbed by other processes on the machine; --stat median is the
# alternative when the machine is known to be idle.
DEFAULT_STAT = "min"
STATS = ("min", "median", "mean")
CHECK_LIMIT = 3.0
# Below this many bars a batch call is dominated by its fixed cost (argument
# checks, allocation: a few microseconds), which is not what --check guards.
CHECK_MIN_BARS = 100_000
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


@dataclass(frozen=True)
class Table:
    title: str
    case_header: str | None
    size_header: str | None
    about: str


TABLES = {
    "batch": Table("Batch", "indicator", "bars", "Whole series in one call; the same bars for every implementation."),
    "single": Table("Streaming: one indicator", "indicator", None,
                    "One object updated bar by bar from a Python `for` loop, after a warm-up on history."),
    "fused": Table("Streaming: six indicators of one symbol", "indicators", None,
                   "SMA, EMA, RSI, MACD, Bollinger Bands and OBV advanced once per bar."),
    "cross": Table("Streaming: six indicators for many symbols", None, "symbols",
                   "One timestamp for every symbol; time per symbol (all six indicators)."),
    "window": Table("Window extremes by period", None, "period",
                    "MAX and Donchian channels over 1,000,000 bars: amortised O(1) block prefix/suffix maxima, flat in the period."),
    "on_bar": Table("Coordinator: one symbol", "config", None,
                    "`SessionCoordinator.on_bar` per one-minute bar, example config (8 indicators on 1m and 5m)."),
    "on_bars": Table("Coordinator: many symbols", None, "symbols",
                     "One timestamp of one-minute bars for every symbol, example config; time per symbol."),
    "run": Table("Batch runs: one symbol", "job", "bars",
                 "One symbol's one-minute bars through the example config (5m and daily bars, eleven indicators); "
                 "time per one-minute bar."),
    "scale": Table("Batch runs: many symbols", "universe", None,
                   "`batch.run` over a folder of Parquet files with local worker processes; the one-worker row's "
                   "\"x ringta\" is the speed-up of two workers."),
    "memory": Table("Peak memory", "run", "bars",
                    "`ringta run CONFIG --data DIR --out OUT --workers 1` on one symbol in a fresh process, numba "
                    "cache warm: peak resident memory (`VmHWM`) and wall time, start-up included. The baseline "
                    "is the fixed part: imports, allocator settings and the config's compiled functions."),
    "compile": Table("Start-up", None, None,
                     "Wall time of a fresh interpreter (`python -c ...`), start-up included."),
}
UNIT_HEADER = {"bar": "ns/bar", "update": "ns/update", "symbol": "ns/symbol", "run": "seconds"}


@dataclass(frozen=True)
class Row:
    table: str
    case: str | None
    size: int | None
    impl: str
    unit: str
    seconds: float  # per unit
    reference: bool
    note: str = ""
    about: str = ""
    ratio: float | None = None
    peak_mib: float | None = None  # peak resident memory of the run, where measured

    @property
    def key(self):
        return self.table, self.case, self.size


def load(path: str | Path) -> dict:
    with open(path) as f:
        return json.load(f)


def merge(runs: list[dict]) -> dict:
    """One run from several: a benchmark of a later run replaces the same one of an earlier run.

    For re-running part of the suite after a change (``pytest benchmarks -k kama ...``)
    without repeating the rest; the page lists every run's date and commit.
    """
    if len(runs) == 1:
        return runs[0]
    merged = dict(runs[0])
    by_name = {b["fullname"]: b for b in runs[0].get("benchmarks", [])}
    for later in runs[1:]:
        for b in later.get("benchmarks", []):
            by_name[b["fullname"]] = b
    merged["benchmarks"] = list(by_name.values())
    merged["ringta_later_runs"] = [
        {"datetime": r.get("datetime"), "commit_info": r.get("commit_info", {}),
         "replaced": [b["fullname"] for b in r.get("benchmarks", [])]} for r in runs[1:]
    ]
    return merged


def rows(data: dict, stat: str = DEFAULT_STAT) -> list[Row]:
    """One row per labelled benchmark, with its "x ringta" ratio, in display order."""
    raw = []
    for b in data.get("benchmarks", []):
        info = b.get("extra_info", {})
        if "table" not in info:
            continue
        raw.append(Row(info["table"], info.get("case"), info.get("size"), info["impl"], info["unit"],
                       b["stats"][stat] / info["per"], bool(info.get("reference")), info.get("note") or "",
                       info.get("about") or "", peak_mib=info.get("peak_rss_mib")))
    refs = {r.key: r.seconds for r in raw if r.reference}
    with_ratio = [Row(**{**r.__dict__, "ratio": r.seconds / refs[r.key] if r.key in refs else None}) for r in raw]

    table_order = {t: i for i, t in enumerate(TABLES)}
    case_order: dict = {}
    for r in with_ratio:
        case_order.setdefault((r.table, r.case), len(case_order))
    return sorted(with_ratio, key=lambda r: (table_order.get(r.table, len(TABLES)), r.table,
                                             case_order[(r.table, r.case)], r.size or 0,
                                             not r.reference, r.seconds))


def fmt_time(seconds: float, unit: str) -> str:
    if unit == "run":
        return f"{seconds:.2f}"
    ns = seconds * 1e9
    if ns >= 100:
        return f"{ns:,.0f}"
    return f"{ns:.1f}" if ns >= 10 else f"{ns:.2f}"


def fmt_ratio(ratio: float | None) -> str:
    if ratio is None:
        return ""
    return f"{ratio:,.0f}" if ratio >= 100 else f"{ratio:.2f}"


def render_table(table: str, trows: list[Row]) -> list[str]:
    spec = TABLES.get(table, Table(table, "case", "size", ""))
    units = sorted({r.unit for r in trows})
    value_header = " / ".join(UNIT_HEADER.get(u, u) for u in units)
    labels = [h for h in (spec.case_header, spec.size_header) if h]
    # Optional columns: a ratio only where the table has a reference row, a
    # peak memory only where one was measured.
    with_ratio = any(r.ratio is not None for r in trows)
    with_peak = any(r.peak_mib is not None for r in trows)
    cols = labels + ["implementation", value_header] + ["x ringta"] * with_ratio + ["peak RSS (MiB)"] * with_peak
    align = ["---"] * (len(labels) + 1) + ["---:"] * (len(cols) - len(labels) - 1)
    if spec.size_header:
        align[len(labels) - 1] = "---:"
    lines = [f"### {spec.title}", "", spec.about, "", "| " + " | ".join(cols) + " |", "|" + "|".join(align) + "|"]
    previous = None
    for r in trows:
        key = ([r.case] if spec.case_header else []) + ([r.size] if spec.size_header else [])
        shown = ["" if key == previous else _cell(v) for v in key]  # a group's labels only on its first row
        previous = key
        cells = shown + [r.impl, fmt_time(r.seconds, r.unit)]
        cells += [fmt_ratio(r.ratio)] * with_ratio + [fmt_peak(r.peak_mib)] * with_peak
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def fmt_peak(mib: float | None) -> str:
    return "" if mib is None else f"{mib:,.1f}"


def _cell(value) -> str:
    if value is None:
        return ""
    return f"{value:,}" if isinstance(value, int) else str(value)


def render_notes(trows: list[Row]) -> list[str]:
    """One line per implementation: what it is, then how it differs from TA-Lib, per indicator."""
    about: dict[str, str] = {}
    notes: dict[str, dict[str, list[str]]] = {}
    for r in trows:
        about.setdefault(r.impl, r.about)
        if r.note:
            cases = notes.setdefault(r.impl, {}).setdefault(r.note, [])
            if r.case not in cases:
                cases.append(r.case)
    lines = []
    for impl, text in about.items():
        parts = [text] if text else []
        parts += [f"{', '.join(map(str, cases))}: {note}" for note, cases in notes.get(impl, {}).items()]
        if parts:
            lines.append(f"- **{impl}**: " + "; ".join(parts) + ("" if parts[-1].endswith(".") else "."))
    return lines


def _case_names(fullnames: list[str]) -> str:
    """The parametrize ids of re-run benchmarks, shortened: ``test_batch[kama-ringta-1000000]`` -> ``kama``."""
    names = [n.split("[", 1)[1].rstrip("]").split("-", 1)[0] if "[" in n else n.rsplit("::", 1)[-1]
             for n in fullnames]
    return ", ".join(dict.fromkeys(names))


def render(data: dict, stat: str = DEFAULT_STAT) -> str:
    meta = data.get("ringta_bench", {})
    cpu = meta.get("cpu") or data.get("machine_info", {}).get("cpu", {}).get("brand_raw", "unknown")
    versions = meta.get("versions", {})
    peers = meta.get("peers", {})
    all_rows = rows(data, stat)
    out = [
        "# Benchmarks",
        "",
        "<!-- Generated by `python -m benchmarks.report` from a pytest-benchmark JSON; do not edit by hand. -->",
        "",
        f"- Command: `{meta.get('command', 'unknown')}` ({meta.get('mode', 'unknown')} mode)",
        f"- Date: {data.get('datetime', 'unknown')}{_commit(data.get('commit_info', {}))}",
        *(f"- Re-run on {r['datetime']}{_commit(r['commit_info'])}: {len(r['replaced'])} benchmark(s) "
          f"({_case_names(r['replaced'])})" for r in data.get("ringta_later_runs", [])),
        f"- CPU: {cpu}, {meta.get('cores', '?')} logical cores ({meta.get('platform', '')}){_load(meta)}",
        "- Python {}, {}".format(meta.get("python", data.get("machine_info", {}).get("python_version", "?")),
                                  ", ".join(f"{k} {v}" for k, v in versions.items())),
        "- Peers: " + (", ".join(f"{k} {v}" for k, v in peers.items()) or "none recorded"),
        f"- Statistic: {stat} of the rounds. \"x ringta\" is the row's time divided by the ringta row marked "
        "1.00 of the same indicator and size: above 1, ringta is faster.",
        "",
    ]
    for table in dict.fromkeys(r.table for r in all_rows):
        trows = [r for r in all_rows if r.table == table]
        out += render_table(table, trows) + [""]
        notes = render_notes(trows) + render_untimed(meta.get("untimed", []), table)
        if notes:
            out += notes + [""]
    return "\n".join(out)


def render_untimed(untimed: list[dict], table: str) -> list[str]:
    """Implementations left out of ``table`` on purpose, with the cases and the reason."""
    reasons: dict[tuple[str, str], list[str]] = {}
    for u in untimed:
        if u.get("table") == table:
            reasons.setdefault((u["impl"], u["reason"]), []).append(u["case"])
    return [f"- Not timed: **{impl}** ({', '.join(cases)}): {reason}." for (impl, reason), cases in reasons.items()]


def _load(meta: dict) -> str:
    """The 1-minute load average at start and end: above ~1 on 2 cores, other work shared the CPU."""
    load = meta.get("load_average") or {}
    if not load.get("start") or not load.get("end"):
        return ""
    return f"; load average {load['start'][0]:.2f} at start, {load['end'][0]:.2f} at end"


def _commit(info: dict) -> str:
    if not info.get("id"):
        return ""
    return f", commit `{info['id'][:10]}`" + (" with uncommitted changes" if info.get("dirty") else "")


def check(data: dict, limit: float = CHECK_LIMIT, stat: str = DEFAULT_STAT) -> tuple[list[str], int]:
    """Failures where ringta's batch time exceeds ``limit`` x TA-Lib's, and how many pairs were compared."""
    batch = {(r.case, r.size, r.impl): r.seconds for r in rows(data, stat) if r.table == "batch"}
    failures, compared = [], 0
    for (case, size, impl), seconds in batch.items():
        if impl != "ringta" or (case, size, "talib") not in batch or (size or 0) < CHECK_MIN_BARS:
            continue
        compared += 1
        ratio = seconds / batch[(case, size, "talib")]
        if ratio > limit:
            failures.append(f"{case} at {size:,} bars: ringta takes {ratio:.2f}x TA-Lib's time (limit {limit:g}x)")
    return failures, compared


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report", description=__doc__.split("\n")[0])
    parser.add_argument("json", nargs="+",
                        help="pytest-benchmark JSON (--benchmark-json); with several, a later file's "
                             "benchmarks replace the same ones of earlier files")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="markdown file to write")
    parser.add_argument("--no-write", action="store_true", help="print only; leave the markdown file alone")
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 if ringta's batch time > limit x TA-Lib's (>= {CHECK_MIN_BARS:,} bars)")
    parser.add_argument("--limit", type=float, default=CHECK_LIMIT, help="--check ratio limit (default 3)")
    parser.add_argument("--stat", choices=STATS, default=DEFAULT_STAT,
                        help=f"statistic of the rounds (default {DEFAULT_STAT})")
    args = parser.parse_args(argv)

    data = merge([load(p) for p in args.json])
    text = render(data, args.stat)
    print(text)
    if not args.no_write:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
        print(f"wrote {args.output.name}", file=sys.stderr)
    if not args.check:
        return 0
    failures, compared = check(data, args.limit, args.stat)
    if compared == 0:
        print(f"check FAILED: no ringta/TA-Lib batch pair of >= {CHECK_MIN_BARS:,} bars in this run",
              file=sys.stderr)
        return 1
    for f in failures:
        print(f"check FAILED: {f}", file=sys.stderr)
    if failures:
        return 1
    print(f"check passed: ringta within {args.limit:g}x of TA-Lib on all {compared} batch comparisons")
    return 0


if __name__ == "__main__":
    sys.exit(main())
