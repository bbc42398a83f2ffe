"""Run every benchmark (`make bench`), or those named: `python -m bench draw notifications`."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    """Run the named benchmark modules (all when none is named); return non-zero if any failed."""
    here = Path(__file__).parent
    names = argv or sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))
    failed = 0
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"== bench/{name}.py", flush=True)
        failed += 1 if module.main() else 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
