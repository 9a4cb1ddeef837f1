"""Charts drawn on the server as accessible SVG: each has a title and a description (named by
`aria-labelledby`), is readable without JavaScript, and is shown next to its data table. In
forced-colours (Windows high-contrast) mode the bars and tiles take system colours (see
`CHART_CSS`) and every tile carries its value as text, so no meaning rests on colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import count

from markupsafe import Markup, escape

from londonhub.platform.brand.london import COLUMNS, ROWS, TILES

#: Light to dark; each step reaches 3:1 against the next, and text on it is chosen for 4.5:1.
SHADES = ["#f3f2f1", "#c6dbef", "#6baed6", "#2171b5", "#08306b"]
TEXT_ON = ["#0b0c0c", "#0b0c0c", "#0b0c0c", "#ffffff", "#ffffff"]
THIS_YEAR, LAST_YEAR = "#1d70b8", "#b1b4b6"
_ids = count(1)

CHART_CSS = """
.chart { width: 100%; height: auto; max-width: 48rem; display: block; margin-bottom: 1rem; }
.chart text { font-family: inherit; font-size: 12px; }
.chart .axis { stroke: #505a5f; }
.legend-list { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; }
.legend-swatch { display: inline-block; width: 1rem; height: 1rem; vertical-align: middle;
  margin-right: .4rem; border: 1px solid #0b0c0c; }
.legend-this { background: #1d70b8; } .legend-last { background: #b1b4b6; }
.legend-0 { background: #f3f2f1; } .legend-1 { background: #c6dbef; }
.legend-2 { background: #6baed6; } .legend-3 { background: #2171b5; }
.legend-4 { background: #08306b; }
@media (forced-colors: active) {
  .chart text { fill: CanvasText; }
  .chart .axis, .chart .tile-edge { stroke: CanvasText; }
  .chart .bar-this { fill: Highlight; }
  .chart .bar-last { fill: Canvas; stroke: CanvasText; }
  .chart .tile { fill: Canvas; stroke: CanvasText; }
  .chart .tile-text { fill: CanvasText; }
  .legend-swatch { forced-color-adjust: none; }
}
"""


def _chart_id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def _header(width: int, height: int, title: str, description: str, prefix: str) -> str:
    ident = _chart_id(prefix)
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>'
    )


def _nice_top(value: int) -> int:
    """A round number at or above `value` for the top of an axis."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 4, 5, 10):
        top = int(step * magnitude)
        if top >= value:
            return top
    return 10 * magnitude


def bar_chart(
    title: str,
    description: str,
    labels: Sequence[str],
    this: Sequence[int],
    last: Sequence[int] | None,
    *,
    names: tuple[str, str] = ("This year", "Last year"),
    axis_text=str,
) -> Markup:
    """Bars for each label: this period (solid) against the year before (grey, outlined)."""
    width, height, left, bottom, top = 720, 280, 64, 40, 16
    plot_w, plot_h = width - left - 8, height - top - bottom
    peak = _nice_top(max([*this, *(last or [])], default=0))
    group = plot_w / max(len(labels), 1)
    bar = group * (0.38 if last is not None else 0.7)
    parts = [_header(width, height, title, description, "bars")]
    # Whole numbers on the axis: one tick per unit up to 5, else fifths (or quarters).
    ticks = peak if peak <= 5 else (5 if peak % 5 == 0 else 4)
    for step in range(ticks + 1):
        value = peak * step / ticks
        y = top + plot_h - plot_h * step / ticks
        parts.append(
            f'<line class="axis" x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#b1b4b6" stroke-width="{1 if step else 2}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(axis_text(int(value)))}</text>"
        )
    for index, label in enumerate(labels):
        x0 = left + group * index + (group - bar * (2 if last is not None else 1)) / 2
        series = [(this[index], "bar-this", THIS_YEAR, names[0])]
        if last is not None:
            series.append((last[index], "bar-last", LAST_YEAR, names[1]))
        for offset, (value, css, colour, name) in enumerate(series):
            h = plot_h * value / peak
            parts.append(
                f'<rect class="{css}" x="{x0 + offset * bar:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{bar:.1f}" height="{h:.1f}" fill="{colour}" stroke="#0b0c0c" '
                f'stroke-width="0.5"><title>{escape(label)}, {escape(name)}: '
                f"{escape(axis_text(value))}</title></rect>"
            )
        parts.append(
            f'<text x="{left + group * index + group / 2:.1f}" y="{height - bottom + 16}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def shade_classes(values: Sequence[int]) -> list[int]:
    """Five equal steps from 0 to the largest value (0 always the lightest)."""
    peak = max(values, default=0)
    if peak <= 0:
        return [0 for _ in values]
    return [0 if v <= 0 else min(4, 1 + int(3 * v / peak)) for v in values]


def legend_steps(values: Sequence[int], describe=str) -> list[tuple[int, str]]:
    """(shade, what it means) for the tile map's legend: the value range of each shade that
    `shade_classes` gives (shades no value can take are left out)."""
    peak = max(values, default=0)
    steps = [(0, describe(0))]
    if peak <= 0:
        return steps
    for shade in (1, 2, 3):
        low = max(1, -(-(shade - 1) * peak // 3))
        high = -(-shade * peak // 3) - 1
        if low <= high:
            text = describe(low) if low == high else f"{describe(low)} to {describe(high)}"
            steps.append((shade, text))
    steps.append((4, describe(peak)))
    return steps


def tile_map(
    title: str, description: str, values: dict[str, int], names: dict[str, str], describe=str
) -> Markup:
    """London's 33 boroughs as squares in their places, each shaded by its value and labelled
    with a short name and the value."""
    size, gap = 96, 4
    width, height = COLUMNS * (size + gap), ROWS * (size + gap)
    slugs = list(TILES)
    classes = dict(zip(slugs, shade_classes([values.get(s, 0) for s in slugs]), strict=True))
    parts = [_header(width, height, title, description, "tiles")]
    for slug, (row, column) in sorted(TILES.items(), key=lambda t: t[1]):
        x, y = (column - 1) * (size + gap), (row - 1) * (size + gap)
        shade = classes[slug]
        name = names.get(slug, slug.replace("-", " ").title())
        value = values.get(slug, 0)
        short = _short(name)
        parts.append(
            f"<g><title>{escape(name)}: {escape(describe(value))}</title>"
            f'<rect class="tile" x="{x}" y="{y}" width="{size}" height="{size}" '
            f'fill="{SHADES[shade]}" stroke="#0b0c0c" stroke-width="1"/>'
            f'<text class="tile-text" x="{x + size / 2}" y="{y + size / 2 - 6}" '
            f'text-anchor="middle" fill="{TEXT_ON[shade]}" font-weight="700">'
            f"{escape(short)}</text>"
            f'<text class="tile-text" x="{x + size / 2}" y="{y + size / 2 + 14}" '
            f'text-anchor="middle" fill="{TEXT_ON[shade]}">{escape(describe(value))}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(name: str) -> str:
    """A tile's label: short enough for a square ("Kensington and Chelsea" -> "Kens & Chel")."""
    words = [w for w in name.replace(" and ", " & ").split() if w not in ("upon", "of")]
    if len(name) <= 10:
        return name
    if "&" in words:
        first, second = name.split(" and ", 1)
        return f"{first[:4]} & {second[:4]}"
    if len(words) > 1 and words[0] != "City":
        return f"{words[0][:11]} {words[1][0]}."
    return words[0][:11]
