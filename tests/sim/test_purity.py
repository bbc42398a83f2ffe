"""cita.sim is the simulator core: the standard library, numpy, matplotlib and cita.lottery, never Django
nor another cita package (STYLE.md, "Layout")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.lottery.test_purity import imported_modules

PACKAGE = Path(__file__).resolve().parents[2] / "cita" / "sim"
ALLOWED = frozenset({"numpy", "matplotlib"})


def test_the_simulator_imports_only_the_standard_library_numpy_matplotlib_and_the_lottery():
    sources = sorted(PACKAGE.glob("**/*.py"))
    assert len(sources) >= 7
    for path in sources:
        for name in imported_modules(path):
            top = name.split(".")[0]
            allowed = (
                name.startswith(("cita.sim", "cita.lottery"))
                or top in ALLOWED
                or (top in sys.stdlib_module_names and top != "cita")
            )
            assert allowed, f"{path.name} imports {name}"


def test_running_and_charting_a_scenario_loads_no_other_cita_package_and_no_django():
    code = (
        "import sys, cita.sim\n"
        "from cita.sim.charts import charts_make\n"
        "from tests.factories.sim import scenario_make\n"
        "charts_make(cita.sim.simulate(scenario_make({'days': 6})))\n"
        "loaded = sorted(n for n in sys.modules if n.split('.')[0] == 'django'"
        " or (n.startswith('cita.') and not n.startswith(('cita.sim', 'cita.lottery'))))\n"
        "assert not loaded, loaded\n"
    )
    root = PACKAGE.parents[1]
    finished = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False
    )
    assert finished.returncode == 0, finished.stderr
