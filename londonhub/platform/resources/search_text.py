"""Full-text search of the pool on both databases, with one ranking, and highlighted snippets.

PostgreSQL matches with `websearch_to_tsquery` against the generated, weighted `search_vector`
(GIN index; title A, summary B, body C); SQLite matches with FTS5 (`resource_version_fts`,
porter stemming). Both rank by the same weighted score: 4 if every word is in the title, plus 2
if every word is in the summary, plus 1 if every word is in the body (PostgreSQL reads this
from the vector's weights with `ts_filter`, SQLite from FTS5 column filters), then by the
listing's own order (featured, newest, id). A score both databases compute the same way is what
makes the order the same on both (ts_rank and FTS5's bm25 weigh frequency and length
differently, so their orders differ).

Words are what people type: on SQLite they are reduced to letters and digits and quoted, so no
input can be FTS5 syntax; a few common English words PostgreSQL ignores are ignored here too.

Snippets are made in Python from the published text (the same on both databases): the text is
escaped first and only then are the matched words wrapped in `<mark>`, so nothing a writer
typed can become markup.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape
from sqlalchemy import case, column, func, literal, literal_column, select, table

from londonhub.platform.core.extensions import db

from .models import ResourceVersion

#: A subset of PostgreSQL's English stop words: dropped on SQLite as PostgreSQL drops them.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "so",
        "such",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "too",
        "was",
        "we",
        "were",
        "what",
        "when",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)
_WORD = re.compile(r"\w+", re.UNICODE)
_FTS = table("resource_version_fts", column("rowid"))
SNIPPET_CHARS = 220


def words(query: str) -> list[str]:
    """The query's words, lower-case, without stop words (at most ten)."""
    found = [w.lower() for w in _WORD.findall(query or "")]
    return [w for w in found if w not in STOP_WORDS][:10]


def _fts_match(terms: list[str], column_name: str | None = None) -> str:
    phrase = " ".join(f'"{term}"' for term in terms)
    return f"{column_name} : ({phrase})" if column_name else phrase


def _fts_rows(match: str):
    return select(_FTS.c.rowid).where(literal_column("resource_version_fts").op("MATCH")(match))


def _weights(weight: str):
    """A `"char"[]` of one weight letter for ts_filter (a constant, never input)."""
    assert weight in "abcd"
    return literal_column(f"'{{{weight}}}'::\"char\"[]")


def apply(query, text: str):
    """`query` narrowed to versions matching `text`, and the rank expression to order by
    (higher first); (query, None) when the text has no words to look for."""
    if db.engine.dialect.name == "postgresql":
        tsquery = func.websearch_to_tsquery("english", text)
        vector = literal_column("resource_version.search_vector")
        if not words(text):
            return query.where(literal(False)), None
        rank = sum(
            (
                case((func.ts_filter(vector, _weights(weight)).op("@@")(tsquery), points), else_=0)
                for weight, points in (("a", 4), ("b", 2), ("c", 1))
            ),
            literal(0),
        )
        return query.where(vector.op("@@")(tsquery)), rank
    terms = words(text)
    if not terms:
        return query.where(literal(False)), None
    query = query.where(ResourceVersion.id.in_(_fts_rows(_fts_match(terms))))
    rank = sum(
        (
            case((ResourceVersion.id.in_(_fts_rows(_fts_match(terms, name))), points), else_=0)
            for name, points in (("title", 4), ("summary", 2), ("body", 1))
        ),
        literal(0),
    )
    return query, rank


# --- snippets ----------------------------------------------------------------------------------

_MARKDOWN_NOISE = re.compile(r"(^|\n)\s*(#+|[-*+>]|\d+\.)\s+|[*_`]+")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def plain_text(markdown: str) -> str:
    """Markdown as one line of readable text (headings, emphasis and link targets gone)."""
    text = _LINK.sub(r"\1", markdown or "")
    text = _MARKDOWN_NOISE.sub(" ", text)
    return " ".join(text.split())


def _pattern(terms: list[str]) -> re.Pattern[str] | None:
    """Each word and its other endings (a rough stem: "policy" finds "policies")."""
    roots = sorted({term[: max(4, len(term) - 3)] for term in terms}, key=len, reverse=True)
    if not roots:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(r) for r in roots) + r")\w*", re.IGNORECASE)


def snippet(version: ResourceVersion, query: str) -> Markup:
    """Up to SNIPPET_CHARS of the summary and text around the first match, escaped, with the
    matched words in <mark>; the start of the summary when only the title matched."""
    text = plain_text(f"{version.summary}\n\n{version.body}")
    pattern = _pattern(words(query))
    first = pattern.search(text) if pattern else None
    start = 0
    if first is not None and first.start() > SNIPPET_CHARS // 3:
        start = text.rfind(" ", 0, first.start() - SNIPPET_CHARS // 3) + 1
    end = start + SNIPPET_CHARS
    if end < len(text):
        end = text.rfind(" ", start, end) if " " in text[start:end] else end
    piece = text[start:end]
    parts: list[str] = ["…" if start else ""]
    position = 0
    for match in pattern.finditer(piece) if pattern else ():
        parts.append(str(escape(piece[position : match.start()])))
        parts.append(f"<mark>{escape(match.group(0))}</mark>")
        position = match.end()
    parts.append(str(escape(piece[position:])))
    parts.append("…" if end < len(text) else "")
    return Markup("".join(parts))
