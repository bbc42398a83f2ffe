"""Small server-rendered SVG charts (matplotlib, Agg, no pyplot state) that work under a strict
Content-Security-Policy and with screen readers.

matplotlib writes `style="…"` attributes and a `<style>` element, which `style-src 'self'` refuses;
every declaration is rewritten as the SVG presentation attribute of the same name, which CSP allows.
Each chart starts with a `<title>` and a `<desc>` (role="img", aria-labelledby), and the pages put the
chart's numbers in a table beside it: the chart is a picture of the table, never the only copy.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure

# Colours that stay distinct for the common colour-vision deficiencies (Okabe–Ito), with markers and
# line styles as a second cue.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
STYLES = ("-", "--", "-.", ":", "-", "--", "-.")

_STYLE_ATTR = re.compile(r'\sstyle="([^"]*)"')
_ID_ATTR = re.compile(r'\bid="([^"]+)"')


def _presentation(match: re.Match[str]) -> str:
    """`style="fill: #fff; font: 10px 'DejaVu Sans'"` → ` fill="#fff" font-size="10px" font-family=…`."""
    attrs = []
    for declaration in html.unescape(match.group(1)).split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        if not name:
            continue
        if name == "font":  # shorthand: "<size> <family>"
            size, _, family = value.partition(" ")
            attrs += [("font-size", size), ("font-family", family)]
        else:
            attrs.append((name, value))
    return "".join(f' {name}="{html.escape(value, quote=True)}"' for name, value in attrs)


def _clean(svg: str, ident: str, title: str, desc: str) -> str:
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r"<style[^>]*>.*?</style>\s*", "", svg, flags=re.S)
    svg = _STYLE_ATTR.sub(_presentation, svg)
    ids = set(_ID_ATTR.findall(svg))
    for old in sorted(ids, key=len, reverse=True):
        new = f"{ident}-{old}"
        svg = svg.replace(f'id="{old}"', f'id="{new}"').replace(f"#{old})", f"#{new})")
        svg = svg.replace(f'href="#{old}"', f'href="#{new}"')
    svg = re.sub(r'\s(width|height)="[\d.]+pt"', "", svg, count=2)
    head = (
        f'<svg role="img" aria-labelledby="{ident}-title {ident}-desc" focusable="false"'
        f' stroke-linejoin="round" stroke-linecap="butt"'
    )
    svg = svg.replace("<svg", head, 1)
    close = svg.index(">", svg.index("<svg")) + 1
    labels = (
        f'<title id="{ident}-title">{html.escape(title)}</title>'
        f'<desc id="{ident}-desc">{html.escape(desc)}</desc>'
    )
    return svg[:close] + labels + svg[close:]


def _render(figure: Figure, ident: str, title: str, desc: str) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return _clean(buffer.getvalue(), ident, title, desc)


def _figure() -> Figure:
    figure = Figure(figsize=(6.4, 3.0), dpi=100, layout="constrained")
    return figure


_RC: Any = {"svg.fonttype": "none", "svg.hashsalt": "cita", "font.size": 9}


def line_chart(
    *,
    ident: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    ylabel: str = "",
) -> str:
    """One line per series over the labels (days); returns the SVG text."""
    with matplotlib.rc_context(_RC):
        figure = _figure()
        axes = figure.add_subplot()
        x = range(len(labels))
        for n, (name, values) in enumerate(series):
            axes.plot(
                x,
                list(values),
                label=name,
                color=PALETTE[n % len(PALETTE)],
                marker=MARKERS[n % len(MARKERS)],
                linestyle=STYLES[n % len(STYLES)],
                markersize=3,
                linewidth=1.4,
            )
        _axes(axes, labels, ylabel, max((max(v, default=0) for _, v in series), default=0))
        axes.legend(loc="upper left", fontsize=8, frameon=False, ncols=min(len(series), 3))
        return _render(figure, ident, title, desc)


def bar_chart(
    *,
    ident: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    ylabel: str = "",
    stacked: bool = False,
) -> str:
    """Bars per label, one colour per series (side by side, or stacked); returns the SVG text."""
    with matplotlib.rc_context(_RC):
        figure = _figure()
        axes = figure.add_subplot()
        count = max(len(series), 1)
        width = 0.8 if stacked else 0.8 / count
        bottoms = [0] * len(labels)
        hatches = ("", "//", "..", "xx", "\\\\", "++", "--")
        for n, (name, values) in enumerate(series):
            values = list(values)
            offset = 0.0 if stacked else (n - (count - 1) / 2) * width
            axes.bar(
                [i + offset for i in range(len(labels))],
                values,
                width=width,
                bottom=bottoms if stacked else None,
                label=name,
                color=PALETTE[n % len(PALETTE)],
                hatch=hatches[n % len(hatches)],
                edgecolor="#ffffff",
                linewidth=0.5,
            )
            if stacked:
                bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
        _axes(
            axes,
            labels,
            ylabel,
            max(bottoms, default=0) if stacked else max((max(v, default=0) for _, v in series), default=0),
        )
        if len(series) > 1:
            axes.legend(loc="upper right", fontsize=8, frameon=False, ncols=min(len(series), 3))
        return _render(figure, ident, title, desc)


def _axes(axes: object, labels: Sequence[str], ylabel: str, top: int) -> None:
    from matplotlib.axes import Axes
    from matplotlib.ticker import MaxNLocator

    assert isinstance(axes, Axes)
    step = max(1, len(labels) // 10)
    axes.set_xticks(range(0, len(labels), step), [labels[i] for i in range(0, len(labels), step)])
    axes.tick_params(axis="x", labelrotation=0, labelsize=8)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    # With nothing to show, an axis from 0 to 1 (matplotlib would draw 0 to 0.05 in fractions).
    axes.set_ylim(bottom=0, top=None if top > 0 else 1)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    if ylabel:
        axes.set_ylabel(ylabel)
