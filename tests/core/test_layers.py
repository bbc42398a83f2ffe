"""The layer order of cita's packages (docs/decisions/0008-layer-order.md): a package imports only packages
below it, never one above, also inside a function. Each exception is listed here with its reason."""

from __future__ import annotations

import ast
from pathlib import Path

import cita

SOURCE = Path(cita.__file__).parent

# Lowest first. A package may import the packages of lower tiers; packages of one tier do not import each
# other. Top-level modules are placed like packages.
TIERS: list[set[str]] = [
    {"db"},
    {"core"},
    {"settings"},
    {"lottery"},
    {"sim"},
    {"audit"},
    {"notifications"},
    {"ports"},
    {"policy"},
    {"registrations"},
    {"draws"},
    {"appointments"},
    {"privacy"},
    {"transparency"},
    {"conversations"},
    {"web", "staff", "api"},
    {"demo"},
    {"cli", "urls", "wsgi"},
    {"__main__"},
]
TIER = {name: level for level, names in enumerate(TIERS) for name in names}

# (importing module, imported module): why the import goes up or sideways.
ALLOWED = {
    ("cita.draws.selectors", "cita.appointments.models"): (
        "one person, one booking: a request may not hold people an appointment holds, checked in the "
        "request's transaction (a read of the appointments table, never a write)"
    ),
}


def package_of(module: str) -> str:
    """`cita.draws.services.cycle` → `draws`."""
    return module.split(".")[1]


def module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every cita module a source file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("cita."))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cita."):
            found.add(node.module)
    return found


def sources() -> list[Path]:
    return sorted(p for p in SOURCE.rglob("*.py") if "migrations" not in p.parts)


def test_every_package_has_its_place_in_the_order() -> None:
    packages = {package_of(module_name(p)) for p in sources() if module_name(p) != "cita"}
    assert packages <= set(TIER), f"not placed in TIERS: {sorted(packages - set(TIER))}"


def test_no_package_imports_one_above_it_or_beside_it() -> None:
    wrong = []
    for path in sources():
        importer = module_name(path)
        if importer == "cita":
            continue
        mine = package_of(importer)
        for imported in imports_of(path):
            theirs = package_of(imported)
            if theirs == mine or TIER[theirs] < TIER[mine]:
                continue
            if (importer, imported) not in ALLOWED:
                wrong.append(f"{importer} imports {imported} ({mine} is not above {theirs})")
    assert not wrong, "imports against the layer order:\n" + "\n".join(sorted(wrong))


def test_every_exception_is_still_needed() -> None:
    used = {(module_name(p), imported) for p in sources() for imported in imports_of(p)}
    stale = [pair for pair in ALLOWED if pair not in used]
    assert not stale, f"listed exceptions no longer used: {stale}"


def top_level_imports(path: Path) -> set[str]:
    """The cita modules a file imports when it is loaded (not inside functions, not for type checking)."""
    found: set[str] = set()
    for node in ast.parse(path.read_text(), filename=str(path)).body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("cita."))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cita."):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_no_two_modules_import_each_other() -> None:
    """Module by module, the imports at load time form no circle (each circle was a file that could be
    loaded only in one order)."""
    modules = {module_name(p): p for p in sources()}
    graph = {
        name: {m for m in top_level_imports(path) if m in modules and m != name}
        for name, path in modules.items()
    }
    circles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        stack.append(name)
        for nxt in sorted(graph[name]):
            if state.get(nxt) == 1:
                circles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
    assert not circles, "import circles:\n" + "\n".join(" → ".join(c) for c in circles)
