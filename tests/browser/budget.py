"""What a page costs a phone on a prepaid plan: bytes transferred for one navigation, cache empty.

    from tests.browser.budget import measure, PAGE_BUDGET
    transfer = measure(page, lambda: page.goto("/help"))
    assert transfer.total <= PAGE_BUDGET, transfer.report()

`measure` switches the browser cache off (CDP `Network.setCacheDisabled`), runs `action` (a `goto`, a
click or a form submission), waits until the network is idle, and adds up the encoded (compressed) body
size of the document and of every subresource (Playwright's `request.sizes()["responseBodySize"]`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

PAGE_BUDGET = 30 * 1024
IMAGE_BUDGET = 5 * 1024


@dataclass
class Resource:
    url: str
    kind: str
    status: int
    encoded: int
    encoding: str
    cache_control: str = ""


@dataclass
class Transfer:
    """Every response of one navigation."""

    origin: str
    resources: list[Resource] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Encoded body bytes of the document and all subresources."""
        return sum(r.encoded for r in self.resources)

    @property
    def third_party(self) -> list[str]:
        """URLs fetched from anywhere but cita itself (there must be none)."""
        return [
            r.url
            for r in self.resources
            if not r.url.startswith(self.origin) and not r.url.startswith("data:")
        ]

    def oversized_images(self, *, allowed: tuple[str, ...] = ()) -> list[str]:
        """Images over 5 KB, except the paths in `allowed` (the QR code of a pass)."""
        return [
            f"{r.url} ({r.encoded} B)"
            for r in self.resources
            if r.kind == "image" and r.encoded > IMAGE_BUDGET and urlsplit(r.url).path not in allowed
        ]

    def report(self) -> str:
        """A table of what was transferred."""
        rows = [
            f"{r.encoded:>7} B  {r.kind:<10} {r.status} {r.encoding or '-':<5} {r.url}"
            for r in self.resources
        ]
        return "\n".join([*rows, f"{self.total:>7} B  total (budget {PAGE_BUDGET} B)"])


def measure(page: Any, action: Callable[[], Any]) -> Transfer:
    """Run `action` with the cache off and return every response it caused."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    finished: list[Any] = []

    def record(request: Any) -> None:
        finished.append(request)

    page.on("requestfinished", record)
    try:
        action()
        page.wait_for_load_state("load")
        page.wait_for_load_state("networkidle")
    finally:
        page.remove_listener("requestfinished", record)
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        cdp.detach()
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    transfer = Transfer(origin=origin)
    for request in finished:
        response = request.response()
        transfer.resources.append(
            Resource(
                url=request.url,
                kind=request.resource_type,
                status=response.status if response else 0,
                encoded=request.sizes()["responseBodySize"],
                encoding=(response.headers.get("content-encoding", "") if response else ""),
                cache_control=(response.headers.get("cache-control", "") if response else ""),
            )
        )
    return transfer
