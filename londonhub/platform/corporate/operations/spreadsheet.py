"""Reading a list of employees from whatever a spreadsheet exports as CSV: UTF-8 with or
without a byte-order mark, UTF-16 (Excel's "Unicode text"), Windows-1252 or Latin-1; commas,
semicolons or tabs; with a header row or without. Returns (line number, email, name) rows,
skipping blank lines, so a report can name the line a person sees in their spreadsheet."""

from __future__ import annotations

import csv
import io

MAX_BYTES = 1_000_000
MAX_ROWS = 5_000
EMAIL_HEADERS = {"email", "e-mail", "email address", "e-mail address", "work email", "mail"}
NAME_HEADERS = {"name", "full name", "employee", "employee name"}
FIRST_HEADERS = {"first name", "forename", "given name"}
LAST_HEADERS = {"last name", "surname", "family name"}


def decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # every byte is a character: never fails


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _key(cell: str) -> str:
    return " ".join(cell.strip().lower().replace("_", " ").split())


def read_rows(data: bytes) -> list[tuple[int, str, str]]:
    if len(data) > MAX_BYTES:
        raise ValueError("The file is too big: upload at most 1 MB (about 5,000 employees)")
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError("This does not look like a CSV file: save the spreadsheet as CSV")
    text = decode(data).replace("\r\n", "\n").replace("\r", "\n")
    rows = [
        (number, [cell.strip() for cell in row])
        for number, row in enumerate(csv.reader(io.StringIO(text), _dialect(text)), start=1)
    ]
    rows = [(n, row) for n, row in rows if any(row)]
    if not rows:
        return []
    header = [_key(cell) for cell in rows[0][1]]
    email_at = _column(header, EMAIL_HEADERS)
    has_header = email_at is not None or not any("@" in cell for cell in rows[0][1])
    if has_header:
        rows = rows[1:]
    if email_at is None:
        email_at = _guess_email_column(rows)
    name_at = _column(header, NAME_HEADERS) if has_header else None
    first_at = _column(header, FIRST_HEADERS) if has_header else None
    last_at = _column(header, LAST_HEADERS) if has_header else None
    if len(rows) > MAX_ROWS:
        raise ValueError(f"The file has {len(rows):,} rows: upload at most {MAX_ROWS:,} at a time")
    found = []
    for number, row in rows:
        email = row[email_at] if email_at < len(row) else ""
        found.append((number, email, _name(row, email_at, name_at, first_at, last_at, has_header)))
    return found


def _column(header: list[str], names: set[str]) -> int | None:
    return next((i for i, h in enumerate(header) if h in names), None)


def _guess_email_column(rows: list[tuple[int, list[str]]]) -> int:
    counts: dict[int, int] = {}
    for _, row in rows[:50]:
        for i, cell in enumerate(row):
            if "@" in cell:
                counts[i] = counts.get(i, 0) + 1
    return max(counts, key=lambda i: (counts[i], -i)) if counts else 0


def _name(row, email_at, name_at, first_at, last_at, has_header) -> str:
    def cell(i):
        return row[i] if i is not None and i < len(row) else ""

    if name_at is not None:
        return cell(name_at)
    if first_at is not None or last_at is not None:
        return " ".join(p for p in (cell(first_at), cell(last_at)) if p)
    if has_header:
        return ""
    # No header: the first other non-empty cell is the name.
    return next((c for i, c in enumerate(row) if i != email_at and c), "")
