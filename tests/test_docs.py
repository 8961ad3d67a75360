"""The documentation runs: every ```python block of docs/*.md, and the generated config reference is current.

Blocks of one file run in order in one fresh interpreter (later blocks may
use names from earlier ones), with the repository root as working directory.
A block containing the comment ``# not run`` is skipped.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.S | re.M)

RUNNER = r"""
import sys
path, blocks = sys.argv[1], __import__("json").loads(sys.stdin.read())
ns = {"__name__": "__main__"}
for line, code in blocks:
    try:
        exec(compile("\n" * (line - 1) + code, path, "exec"), ns)
    except BaseException:
        print(f"--- block at {path}:{line} failed", file=sys.stderr)
        raise
"""


def python_blocks(path: Path) -> list[tuple[int, str]]:
    """(first code line, code) of every ```python block without the ``# not run`` marker."""
    text = path.read_text()
    out = []
    for m in BLOCK.finditer(text):
        if "# not run" in m.group(1):
            continue
        out.append((text.count("\n", 0, m.start(1)) + 1, m.group(1)))
    return out


DOC_FILES = sorted(p for p in DOCS.glob("*.md") if python_blocks(p))


def test_blocks_are_found():
    names = {p.name for p in DOC_FILES}
    assert {"getting-started.md", "coordinator.md", "batch.md", "deployment.md"} <= names


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: p.name)
def test_doc_python_blocks_run(path: Path):
    import json

    blocks = python_blocks(path)
    proc = subprocess.run([sys.executable, "-c", RUNNER, str(path.relative_to(ROOT))], input=json.dumps(blocks),
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{path.name}: a python block failed\n{proc.stderr[-4000:]}"


def test_config_reference_is_current():
    proc = subprocess.run([sys.executable, str(DOCS / "gen_config_reference.py"), "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"docs/config-reference.md is stale: run python docs/gen_config_reference.py\n" \
                                 f"{proc.stdout[-3000:]}{proc.stderr[-2000:]}"
