"""``python -m benchmarks``: run the benchmark suite and print how ringta compares.

    python -m benchmarks              # quick suite (about a minute), prints the tables
    python -m benchmarks --full       # the full suite docs/benchmarks.md is made from
    python -m benchmarks --write      # also regenerate docs/benchmarks.md
    python -m benchmarks --check      # exit 1 if ringta's batch is > 3x TA-Lib's time
    python -m benchmarks -- -k ema    # anything after -- goes to pytest

Run it from the repository root. Peers that are not installed are skipped;
``pip install ".[bench]"`` installs them all.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from . import report
from .settings import ENV_COMMAND, portable_arg

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    own = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description="Run the benchmark suite and print how ringta compares.")
    parser.add_argument("--full", action="store_true", help="full sizes and rounds (several minutes)")
    parser.add_argument("--write", action="store_true", help="regenerate docs/benchmarks.md")
    parser.add_argument("--check", action="store_true", help="exit 1 if ringta batch > 3x TA-Lib")
    parser.add_argument("--json", type=Path, help="keep the pytest-benchmark JSON here")
    args = parser.parse_args(own)

    env = dict(os.environ)
    env.pop("RINGTA_BENCH_QUICK", None)
    if not args.full:
        env["RINGTA_BENCH_QUICK"] = "1"
    env[ENV_COMMAND] = " ".join(["python -m benchmarks", *(shlex.quote(portable_arg(a)) for a in argv)])

    with tempfile.TemporaryDirectory() as tmp:
        out = args.json.resolve() if args.json else Path(tmp) / "benchmarks.json"
        cmd = [sys.executable, "-m", "pytest", "benchmarks", "--benchmark-enable", f"--benchmark-json={out}",
               "--benchmark-quiet", *extra]
        rc = subprocess.call(cmd, cwd=ROOT, env=env)
        if rc != 0:
            print(f"python -m benchmarks: pytest exited with {rc}", file=sys.stderr)
            return rc
        rargs = [str(out)] + ([] if args.write else ["--no-write"]) + (["--check"] if args.check else [])
        return report.main(rargs)


if __name__ == "__main__":
    sys.exit(main())
