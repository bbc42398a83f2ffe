"""cita.lottery is pure Python: the standard library only, never Django nor another cita package."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "cita" / "lottery"


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module a source file imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: relative import"
            names.add(node.module or "")
    return names


def test_the_lottery_imports_only_the_standard_library_and_itself() -> None:
    sources = sorted(PACKAGE.glob("**/*.py"))
    assert len(sources) > 5
    for path in sources:
        for name in imported_modules(path):
            top = name.split(".")[0]
            assert name.startswith("cita.lottery") or (top in sys.stdlib_module_names and top != "cita"), (
                f"{path.name} imports {name}"
            )


def test_importing_the_lottery_loads_no_other_cita_package_and_no_django() -> None:
    code = (
        "import sys, cita.lottery\n"
        "loaded = sorted(n for n in sys.modules if n.split('.')[0] == 'django'"
        " or (n.startswith('cita.') and not n.startswith('cita.lottery')))\n"
        "assert not loaded, loaded\n"
    )
    finished = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert finished.returncode == 0, finished.stderr
