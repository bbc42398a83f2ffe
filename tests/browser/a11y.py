"""axe-core (vendored, tests/browser/vendor/) run inside a Playwright page.

    from tests.browser.a11y import assert_accessible
    assert_accessible(page)            # fails on any serious or critical violation

The page's context must have JavaScript enabled (axe is a script). The script is injected by Playwright,
never served by cita.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
BLOCKING = frozenset({"serious", "critical"})
# WCAG 2.0, 2.1 and 2.2 at levels A and AA, plus axe's best practices (reported, blocking only if serious).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@cache
def axe_source() -> str:
    """The vendored axe-core, checked against the hash recorded when it was vendored."""
    data = AXE.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != AXE_SHA256:
        raise AssertionError(f"{AXE} changed (sha256 {digest}); update AXE_SHA256 and the vendor README")
    return data.decode()


def axe_run(page: Any) -> list[dict[str, Any]]:
    """All axe violations on the page as it is now (each: id, impact, help, nodes)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        TAGS,
    )
    return list(result["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    """One line per violation and node, readable in a test failure."""
    lines = []
    for v in violations:
        for node in v["nodes"][:5]:
            lines.append(f"[{v['impact']}] {v['id']}: {v['help']} at {node['target']} — {node['html'][:120]}")
    return "\n".join(lines)


def assert_accessible(page: Any) -> list[dict[str, Any]]:
    """Fail on serious or critical axe violations; return the lesser ones (for the caller to report)."""
    violations = axe_run(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core {AXE_VERSION} on {page.url}:\n{describe(blocking)}"
    return [v for v in violations if v["impact"] not in BLOCKING]
