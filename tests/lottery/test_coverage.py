"""Meta-test: the lottery's own tests cover every branch of `cita.lottery` (STYLE.md, "Tests")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_lottery_tests_cover_every_branch_of_the_lottery(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/lottery",
            f"--ignore={Path(__file__).relative_to(ROOT)}",
            "--cov=cita.lottery",
            "--cov-branch",
            "--cov-report=term-missing:skip-covered",
            "--cov-fail-under=100",
        ],
        cwd=ROOT,
        env={**os.environ, "COVERAGE_FILE": str(tmp_path / ".coverage")},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
