"""Markdown to safe HTML, and line diffs between versions.

Markdown is rendered by markdown-it-py (CommonMark plus tables) with raw HTML turned off, then
the HTML is cleaned by nh3 (Ammonia) with an allow-list of tags, attributes and URL schemes:
two independent layers, so a `<script>` or a `javascript:` link gets through neither.
Headings move down one level (`#` becomes `<h2>`): the page's own title is the `<h1>`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache

import nh3
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"scope"}}
URL_SCHEMES = {"http", "https", "mailto"}


@cache
def _parser():
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")

    def heading_open(self, tokens, idx, options, env):
        token = tokens[idx]
        token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
        return self.renderToken(tokens, idx, options, env)

    def heading_close(self, tokens, idx, options, env):
        token = tokens[idx]
        token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("heading_open", heading_open)
    md.add_render_rule("heading_close", heading_close)
    return md


def render_markdown(text: str) -> Markup:
    """Safe HTML for a resource's body."""
    return clean_html(_parser().render(text or ""))


def clean_html(html: str) -> Markup:
    """The allow-list cleaner on its own (the second layer)."""
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed", "gap"
    text: str


def diff_lines(old: str, new: str, *, context: int = 2) -> list[DiffLine]:
    """The lines of `new` against `old`: unchanged ones only near a change, runs of unchanged
    lines between changes folded into one "gap". Empty when nothing changed."""
    a = (old or "").splitlines()
    b = (new or "").splitlines()
    if a == b:
        return []
    lines: list[DiffLine] = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        if lines:
            lines.append(DiffLine("gap", ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(DiffLine("same", line) for line in a[i1:i2])
                continue
            if tag in ("replace", "delete"):
                lines.extend(DiffLine("removed", line) for line in a[i1:i2])
            if tag in ("replace", "insert"):
                lines.extend(DiffLine("added", line) for line in b[j1:j2])
    return lines
