"""docs/draw.md: its do-it-yourself checker really recomputes the draw."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "draw.md"
GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.fixture(scope="module")
def checker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Python program of docs/draw.md, saved as check_draw.py."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 1
    path = tmp_path_factory.mktemp("doc") / "check_draw.py"
    path.write_text(blocks[0], encoding="utf-8")
    return path


def run(checker: Path, bundle: Path) -> subprocess.CompletedProcess[str]:
    """`python3 check_draw.py DIR`, with nothing of cita importable."""
    return subprocess.run(
        [sys.executable, "-I", str(checker), str(bundle)], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("name", sorted(path.name for path in GOLDEN.iterdir() if path.is_dir()))
def test_the_documented_checker_verifies_every_golden_vector(checker: Path, name: str) -> None:
    finished = run(checker, GOLDEN / name)
    assert (finished.returncode, finished.stdout, finished.stderr) == (0, "verified\n", "")
    assert f"`{name}`" in DOC.read_text(encoding="utf-8")


def test_the_documented_checker_notices_changed_results(checker: Path, tmp_path: Path) -> None:
    bundle = Path(shutil.copytree(GOLDEN / "no-beacon", tmp_path / "bundle"))
    results = bundle / "results.csv"
    results.write_bytes(results.read_bytes().replace(b",lottery,", b",reserve,", 1))
    finished = run(checker, bundle)
    assert finished.returncode == 1
    assert finished.stdout == (GOLDEN / "no-beacon" / "results.csv").read_text()
    assert finished.stderr.startswith("NOT verified")
